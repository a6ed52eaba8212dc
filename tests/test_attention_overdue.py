"""Overdue is seen by everyone who must act: a quarter without a note (or a late note) shows in the attention lists
of the owner, the assigned monitor, the deciding Standing Committee and the committee's secretariat — for past
years too — and nobody else's; the task list filters by it; the self-assessment warns of it and the trail
records it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from registry import clock
from registry.models import AuditEvent, Role, TaskState
from registry.services import attention
from registry.services import progress, queries

#: after quarter 1's deadline (05/04) and before quarter 2's (05/07)
MAY = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


def overdue_rows(html: str) -> dict[int, tuple[str, str]]:
    """Task id → (missing quarters, late quarters) of the "missing or late" list."""
    if 'id="overdue-notes"' not in html:
        return {}
    section = html[html.index('id="overdue-notes"'):]
    section = section[:section.index("</section>")]
    return {int(t): (m, late) for t, m, late in
            re.findall(r'data-task="(\d+)" data-missing="([\d,]*)" data-late="([\d,]*)"', section)}


@pytest.fixture
def overdue(world, make_task, frozen_now):
    """An approved task without a note for quarter 1, seen on 10/05/2026."""
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    task = make_task(TaskState.APPROVED)
    frozen_now(MAY)
    return task


@pytest.mark.parametrize("who, sees", [
    ("monitor", True), ("standing", True), ("secretariat", True),
    ("other_monitor", False), ("other_owner", False), ("inspector", False), ("standing2", True),
])
def test_missing_quarter_in_each_acting_role_list(who, sees, overdue, world, login_as):
    html = login_as(getattr(world, who)).get("/attention").get_data(as_text=True)
    rows = overdue_rows(html)
    if sees:
        assert rows.get(overdue.id) == ("1", ""), who
    else:
        assert overdue.id not in rows, who


def test_owner_sees_it_in_own_list(overdue, world, login_as):
    html = login_as(world.owner).get("/attention").get_data(as_text=True)
    assert f'data-task="{overdue.id}" data-quarter="1"' in html
    assert 'class="note-overdue"' in html


def test_header_count_includes_it(overdue, world, db):
    before = attention.attention_count(world.monitor)
    assert before >= 1
    progress.add_progress_note(world.owner, overdue, 1, {"work_done": "Đã đối thoại", "status": "on_track",
                                                         "values": {str(overdue.indicators[0].id): 30}})
    # now a late note (10/05 is past 05/04 and its grace days): still listed, as late, not missing
    assert queries.count(attention.overdue_notes(world.monitor)) == 1
    assert queries.note_gaps(overdue).missing == [] and queries.note_gaps(overdue).late == [1]


def test_late_note_shows_as_late(overdue, world, login_as, db):
    progress.add_progress_note(world.owner, overdue, 1, {"work_done": "Đã đối thoại", "status": "on_track",
                                                         "values": {str(overdue.indicators[0].id): 30}})
    html = login_as(world.secretariat).get("/attention").get_data(as_text=True)
    assert overdue_rows(html)[overdue.id] == ("", "1")


def test_past_year_too(world, make_year, make_task, frozen_now, login_as, db):
    """A task of 2025 still under way in 2026, without any note, is listed with its four quarters (not only the
    current year's tasks)."""
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    task = make_task(TaskState.APPROVED)
    task.year = make_year(2025)
    db.session.flush()
    frozen_now(MAY)
    for who in ("monitor", "standing", "secretariat"):
        rows = overdue_rows(login_as(getattr(world, who)).get("/attention").get_data(as_text=True))
        assert rows.get(task.id) == ("1,2,3,4", ""), who
    html = login_as(world.secretariat).get("/tasks/?notes=missing&year=2025").get_data(as_text=True)
    assert f'href="/tasks/{task.id}"' in html


def test_another_committee_sees_nothing(overdue, world, make_unit, make_person, login_as):
    elsewhere = make_unit("Xã Mỹ Bằng", parent=None)
    for role in (Role.MONITOR, Role.STANDING, Role.SECRETARIAT):
        person = make_person(role, committee=elsewhere)
        rows = overdue_rows(login_as(person).get("/attention").get_data(as_text=True))
        assert overdue.id not in rows, role


def test_task_list_filters(overdue, world, make_task, login_as, frozen_now, db):
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    on_time = make_task(TaskState.APPROVED, title="Việc đã báo cáo")
    progress.add_progress_note(world.owner, on_time, 1, {"work_done": "Xong quý I", "status": "on_track",
                                                         "values": {str(on_time.indicators[0].id): 10}})
    late = make_task(TaskState.APPROVED, title="Việc báo cáo muộn")
    frozen_now(MAY)
    progress.add_progress_note(world.owner, late, 1, {"work_done": "Muộn", "status": "at_risk",
                                                      "values": {str(late.indicators[0].id): 10}})
    client = login_as(world.secretariat)

    def listed(query: str) -> set[int]:
        html = client.get(f"/tasks/?{query}").get_data(as_text=True)
        return {int(n) for n in re.findall(r'href="/tasks/(\d+)"', html)}

    assert {overdue.id, late.id} <= listed("notes=overdue") and on_time.id not in listed("notes=overdue")
    assert overdue.id in listed("notes=missing") and late.id not in listed("notes=missing")
    assert late.id in listed("notes=late") and overdue.id not in listed("notes=late")
    assert overdue.id in listed("notes=missing&quarter=1") and overdue.id not in listed("notes=missing&quarter=2")
    assert client.get("/tasks/?notes=nonsense").status_code == 200


def test_self_assessment_warns_and_records_missing_quarters(world, make_task, levels, login_as, db, frozen_now):
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    task = make_task(TaskState.APPROVED)
    progress.add_progress_note(world.owner, task, 1, {"work_done": "Quý I", "status": "on_track",
                                                      "values": {str(task.indicators[0].id): 10}})
    client = login_as(world.owner)
    html = client.get(f"/tasks/{task.id}/self-assessment").get_data(as_text=True)
    assert 'id="missing-quarters"' in html and 'data-quarters="2,3,4"' in html
    response = client.post(f"/tasks/{task.id}/self-assessment", data={
        f"reached-{task.indicators[0].id}": "0", "deliverable": "Mặt bằng sạch",
        "self_level_id": str(levels["on_time"].id), "shortcomings": "", "lessons": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.task_id == task.id,
                                                       AuditEvent.action == "task.self_assess"))
    assert event.after["missing_quarters"] == [2, 3, 4]
    trail = client.get(f"/tasks/{task.id}/audit").get_data(as_text=True)
    assert 'data-key="missing_quarters"' in trail and "Quý II" in trail


def test_clock_is_frozen(frozen_now):
    frozen_now(MAY)
    assert clock.today().isoformat() == "2026-05-10"
