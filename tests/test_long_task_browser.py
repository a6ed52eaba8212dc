"""Long work shows that it is working, in a real Chromium: an export link says "Đang tạo tệp…" (a polite live
region) while the file is made, refuses a second click, then hands the file over as a download; a failed
download says so and the link works again; the audit verification says "Đang xử lý…" until its page arrives.

The server's answer is held back with Playwright's routing, so the "working" state is seen however fast the
machine is."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def dossier_url(live_server, world, make_reviewed_task, db):
    make_reviewed_task("exceeded")
    db.session.commit()
    return f"{live_server}/people/{world.owner.id}/dossier"


def test_export_shows_it_is_working_then_downloads(page: Page, live_server, dossier_url, world):
    sign_in(page, live_server, "owner")
    page.goto(dossier_url)
    held = []
    page.route("**/dossier.pdf", lambda route: held.append(route))
    link = page.locator("a[href$='/dossier.pdf']")
    link.click()

    status = page.locator("a[href$='/dossier.pdf'] + .long-task-status")
    expect(status).to_have_text("Đang tạo tệp…")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(link).to_have_attribute("aria-busy", "true")
    expect(page).to_have_url(dossier_url)  # the page stays, usable
    link.click()  # a second click while working sends no second request
    page.wait_for_timeout(300)
    assert len(held) == 1

    with page.expect_download() as info:
        held[0].continue_()
    download = info.value
    assert download.suggested_filename == f"Hồ sơ việc khó - {world.owner.full_name}.pdf"
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    expect(status).to_have_text("Tệp đã sẵn sàng: xem trong mục tải về.")
    expect(link).not_to_have_attribute("aria-busy", "true")


def test_failed_export_says_so_and_can_be_tried_again(page: Page, live_server, dossier_url):
    sign_in(page, live_server, "owner")
    page.goto(dossier_url)
    page.route("**/dossier.docx", lambda route: route.abort("connectionreset"))
    link = page.locator("a[href$='/dossier.docx']")
    link.click()
    status = page.locator("a[href$='/dossier.docx'] + .long-task-status")
    expect(status).to_have_text("Không tạo được tệp. Vui lòng thử lại.")
    expect(link).not_to_have_attribute("aria-busy", "true")

    page.unroute("**/dossier.docx")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".docx")


def test_audit_verification_shows_it_is_working(page: Page, live_server, world, make_reviewed_task, db):
    make_reviewed_task("exceeded")
    db.session.commit()
    sign_in(page, live_server, "inspector")
    page.goto(f"{live_server}/audit")
    held = []
    page.route("**/audit/verify", lambda route: held.append(route))
    # while a form's navigation is pending Playwright's locators wait for it: the old page reports its own
    # state through the console instead
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    page.evaluate("""() => {
      const box = document.getElementById("verification");
      new MutationObserver(() => {
        const status = box.querySelector(".long-task-status");
        const button = box.querySelector("button[type=submit]");
        console.log(JSON.stringify([status ? status.textContent : null, button.disabled]));
      }).observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")
    page.focus("#verification button[type=submit]")
    page.keyboard.press("Enter")  # a click would wait for the held navigation
    for _ in range(100):
        if '["Đang xử lý…",true]' in seen and held:
            break
        page.wait_for_timeout(100)
    assert '["Đang xử lý…",true]' in seen, seen  # the indicator, and the button disabled (no double submit)
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator("#verify-status[data-ok=true]")).to_be_visible()
    expect(page.locator("#verification button[type=submit]")).to_be_enabled()
