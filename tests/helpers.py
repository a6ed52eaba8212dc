"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import event

PASSWORD = "correct-horse-9"


def get_statements(db, client, url) -> tuple[list[str], str]:
    """GET ``url`` (expecting 200) and return the SQL statements it ran, and the page."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return statements, response.get_data(as_text=True)


def count_queries(db, client, url) -> tuple[int, str]:
    """GET ``url`` (expecting 200) and return the number of SQL statements it ran, and the page."""
    statements, page = get_statements(db, client, url)
    return len(statements), page


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in through the real login form."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("header .who")).to_be_visible()


def sign_out(page: Page) -> None:
    page.click("header form[action$='/logout'] button")
    expect(page.locator("#username")).to_be_visible()
