"""The home page: each role's sections (the owner's tasks and what to fix, the Standing Committee's queue, the
monitor's tasks, the counts per state), their first rows and counts kept until the trail moves."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from registry.models import TaskState
from registry.services import tasks as task_service

S = TaskState
pytestmark = pytest.mark.db


def section(html: str, heading: str) -> list[str]:
    """The task titles listed under a card's heading (an ``<h2>``, or the paragraph that opens a list)."""
    start = html.index(f"<h2>{heading}</h2>") if f"<h2>{heading}</h2>" in html else html.index(f"<p>{heading}")
    end = html.find("<h2", start + len(heading))
    return re.findall(r'<a href="/tasks/\d+">(.*?)</a>', html[start:end if end > 0 else len(html)])


def statements(db, client, url: str) -> tuple[str, list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return html, seen


def states_counted(seen: list[str]) -> bool:
    return any("GROUP BY tasks.state" in s for s in seen)


def firsts_read(seen: list[str]) -> bool:
    """Whether a section's first ids were read (with the total beside them)."""
    return any("count(*) OVER ()" in s and "FROM tasks" in s for s in seen)


def test_each_role_sees_its_sections(db, world, make_task, login_as):
    make_task(S.DRAFT, title="Bản nháp của tôi")
    make_task(S.SUBMITTED, title="Chờ Ban Thường vụ")
    owner = login_as(world.owner).get("/").get_data(as_text=True)
    assert "Bản nháp của tôi" in section(owner, "Bản nháp và bản đăng ký bị trả lại cần hoàn thiện")
    assert set(section(owner, "Việc của tôi")) >= {"Bản nháp của tôi", "Chờ Ban Thường vụ"}
    standing = login_as(world.standing).get("/").get_data(as_text=True)
    assert section(standing, "Việc chờ phê duyệt") == ["Chờ Ban Thường vụ"]  # not the draft


def test_the_sections_are_kept_until_a_change_is_audited(db, world, make_task, login_as, kept):
    waiting = make_task(S.SUBMITTED, title="Chờ phê duyệt A")
    client = login_as(world.standing)
    first, cold = statements(db, client, "/")
    again, warm = statements(db, client, "/")
    assert section(first, "Việc chờ phê duyệt") == section(again, "Việc chờ phê duyệt") == ["Chờ phê duyệt A"]
    assert states_counted(cold) and firsts_read(cold)
    assert not states_counted(warm) and not firsts_read(warm)  # the sections' ids and the counts per state kept
    task_service.return_task(world.standing, waiting, comment="Bổ sung chỉ tiêu")  # audited: the trail moves
    db.session.commit()
    moved = client.get("/").get_data(as_text=True)
    assert section(moved, "Việc chờ phê duyệt") == []
