"""Quarterly progress notes (Form B) through the service: windows, derived %, lateness, edits, amendments, audit.

The clock is frozen before the world is built (the world's year comes from the clock). Year 2026 in the
fixtures: Q1 opens 01/01 and is due 05/04, Q2 opens 01/04 and is due 05/07, with 7 days of grace for edits.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from registry.models import AuditEvent, NoteAmendment, ProgressStatus, TaskState
from registry.services import progress
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed

S = TaskState


def at(day: int, month: int, hour: int = 3) -> datetime:
    """A moment of 2026 in UTC (03:00 UTC is 10:00 in Vietnam, the same calendar day)."""
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def note_input(task, value: float | str = 22, **overrides) -> dict:
    data = {
        "work_done": "Đối thoại với 22 hộ; 22 hộ đã ký biên bản đồng thuận.",
        "values": {task.indicators[0].id: value},
        "status": "on_track",
        "difficulties": "Một số hộ chờ nhà tái định cư.",
        "causes": "Quỹ nhà tái định cư chưa bố trí.",
        "proposals": "Đề nghị UBND quận bố trí quỹ nhà.",
        "next_plan": "Tiếp tục vận động 22 hộ còn lại.",
    }
    data.update(overrides)
    return data


#: an indicator without a baseline: the % complete cannot be derived and is entered
PLAN_INDICATOR = [{"name": "Quy hoạch chi tiết được phê duyệt", "unit": "văn bản", "baseline": None, "target": 1}]


def events(db, action: str) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    return [json.loads(e.payload) for e in rows]


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, so the tests can match them."""
    with force_locale("en"):
        yield


@pytest.fixture
def task(frozen_now, make_task):
    frozen_now(at(15, 3))
    return make_task(S.APPROVED)


# -- % complete ----------------------------------------------------------------------------------------------

def test_percent_is_derived_from_baseline_and_target(task, world):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value=22, percent_complete="5"))
    assert note.percent_complete == 50.0 and note.is_percent_derived  # 44 → 0 households, 22 left: half-way
    assert note.value_of(task.indicators[0].id) == 22
    assert progress.is_percent_derived(task)


def test_derived_percent_is_capped_and_accepts_a_decimal_comma(task, world):
    with pytest.raises(ValidationFailed) as negative:  # households are counted from zero, as on Form A
        progress.add_progress_note(world.owner, task, 1, note_input(task, value="-3,5"))
    assert negative.value.errors == {f"values.{task.indicators[0].id}": ["The value cannot be negative."]}
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value="50,5"))  # worse than 44
    assert note.percent_complete == 0.0 and note.value_of(task.indicators[0].id) == 50.5


def test_percent_is_entered_when_it_cannot_be_derived(frozen_now, make_task, world):
    frozen_now(at(15, 3))
    task = make_task(S.APPROVED, indicators=PLAN_INDICATOR)
    assert not progress.is_percent_derived(task)
    with pytest.raises(ValidationFailed) as missing:
        progress.add_progress_note(world.owner, task, 1, note_input(task, value=0))
    assert "percent_complete" in missing.value.errors
    with pytest.raises(ValidationFailed) as too_much:
        progress.add_progress_note(world.owner, task, 1, note_input(task, value=0, percent_complete="120"))
    assert "percent_complete" in too_much.value.errors
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value=0, percent_complete="30"))
    assert note.percent_complete == 30.0 and not note.is_percent_derived


def test_every_indicator_needs_a_number(task, world):
    indicator_id = task.indicators[0].id
    with pytest.raises(ValidationFailed) as exc:
        progress.add_progress_note(world.owner, task, 1, note_input(task, value="khoảng 20", work_done=" "))
    assert set(exc.value.errors) == {f"values.{indicator_id}", "work_done"}
    with pytest.raises(ValidationFailed) as exc:
        progress.add_progress_note(world.owner, task, 1, note_input(task, values={}))
    assert f"values.{indicator_id}" in exc.value.errors
    assert task.notes == [] and task.state == S.APPROVED


def test_status_must_be_one_of_the_four(task, world):
    with pytest.raises(ValidationFailed) as exc:
        progress.add_progress_note(world.owner, task, 1, note_input(task, status="great"))
    assert "status" in exc.value.errors


# -- windows and state ---------------------------------------------------------------------------------------

def test_a_future_quarter_cannot_be_reported(task, world):
    with pytest.raises(Conflict, match="01/04/2026"):
        progress.add_progress_note(world.owner, task, 2, note_input(task))
    assert progress.open_quarters(task, at(15, 3).date()) == [1]


def test_a_quarter_has_one_note(task, world, frozen_now):
    progress.add_progress_note(world.owner, task, 1, note_input(task))
    with pytest.raises(Conflict, match="already has a note"):
        progress.add_progress_note(world.owner, task, 1, note_input(task, value=10))
    frozen_now(at(2, 4))
    assert progress.open_quarters(task, at(2, 4).date()) == [2]


def test_first_note_puts_the_task_in_progress(task, world, frozen_now):
    assert task.state == S.APPROVED
    progress.add_progress_note(world.owner, task, 1, note_input(task))
    assert task.state == S.IN_PROGRESS
    frozen_now(at(1, 4))
    progress.add_progress_note(world.owner, task, 2, note_input(task, value=11))
    assert task.state == S.IN_PROGRESS


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.RETURNED, S.WITHDRAWN])
def test_only_approved_tasks_take_notes(state, frozen_now, make_task, world):
    frozen_now(at(15, 3))
    task = make_task(state)
    with pytest.raises(Conflict):
        progress.add_progress_note(world.owner, task, 1, note_input(task))


def test_a_locked_task_takes_no_notes_edits_or_amendments(frozen_now, make_reviewed_task, world):
    frozen_now(at(15, 3))
    task = make_reviewed_task()
    note = task.notes[0]
    assert task.state == S.REVIEWED
    with pytest.raises(Conflict, match="locked"):
        progress.update_progress_note(world.owner, note, note_input(task, value=20))
    frozen_now(at(1, 5))
    with pytest.raises(Conflict, match="locked"):
        progress.add_progress_note(world.owner, task, 2, note_input(task))
    with pytest.raises(Conflict, match="locked"):
        progress.amend_progress_note(world.owner, note, "Số liệu sai", note_input(task, value=20))
    assert progress.open_quarters(task, at(1, 5).date()) == [2]  # open, yet the lock refuses the note


@pytest.mark.parametrize("who", ["other_owner", "monitor", "standing", "secretariat", "inspector"])
def test_only_the_owner_writes_notes(who, task, world):
    with pytest.raises(PermissionDenied):
        progress.add_progress_note(getattr(world, who), task, 1, note_input(task))
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    with pytest.raises(PermissionDenied):
        progress.update_progress_note(getattr(world, who), note, note_input(task, value=1))


# -- lateness --------------------------------------------------------------------------------------------------

def test_a_note_after_the_deadline_is_late(task, world, frozen_now):
    frozen_now(at(6, 4))  # Q1 was due 05/04
    late = progress.add_progress_note(world.owner, task, 1, note_input(task))
    on_time = progress.add_progress_note(world.owner, task, 2, note_input(task, value=20))
    assert late.is_late and not on_time.is_late


def test_the_deadline_day_counts_in_vietnam_time(task, world, frozen_now):
    frozen_now(datetime(2026, 4, 4, 20, 0, tzinfo=timezone.utc))  # 03:00 on 05/04 in Vietnam
    assert not progress.add_progress_note(world.owner, task, 1, note_input(task)).is_late


def test_a_late_note_is_late_in_the_audit_trail(task, world, db, frozen_now):
    frozen_now(at(20, 4))
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    [created] = events(db, "note.create")
    assert created["after"]["is_late"] is True and created["after"]["quarter"] == 1
    assert created["object"] == {"type": "progress_note", "id": note.id}
    assert created["after"]["task_state"] == "in_progress" and created["actor"]["id"] == world.owner.id


# -- editing within the window -------------------------------------------------------------------------------

def test_edit_until_the_deadline_plus_grace(task, world, db, frozen_now):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value=22))
    frozen_now(at(12, 4, hour=16))  # 23:00 on 12/04 in Vietnam: the last day of grace (05/04 + 7)
    progress.update_progress_note(world.owner, note, note_input(task, value=11, status="at_risk"))
    assert note.value_of(task.indicators[0].id) == 11 and note.percent_complete == 75.0
    assert note.status == ProgressStatus.AT_RISK
    [updated] = events(db, "note.update")
    assert updated["before"]["status"] == "on_track" and updated["after"]["status"] == "at_risk"
    assert updated["before"]["values"] == {str(task.indicators[0].id): 22.0}
    assert updated["after"]["values"] == {str(task.indicators[0].id): 11.0}
    assert "work_done" not in updated["after"]  # only what changed


def test_an_edit_that_changes_nothing_records_nothing(task, world, db):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    progress.update_progress_note(world.owner, note, note_input(task))
    assert events(db, "note.update") == []


def test_no_edit_after_the_grace_period(task, world, frozen_now):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value=22))
    frozen_now(at(12, 4, hour=17))  # 00:00 on 13/04 in Vietnam
    with pytest.raises(Conflict, match="12/04/2026"):
        progress.update_progress_note(world.owner, note, note_input(task, value=11))
    assert note.value_of(task.indicators[0].id) == 22


# -- amendments -------------------------------------------------------------------------------------------------

def test_no_amendment_while_the_note_is_editable(task, world):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    with pytest.raises(Conflict, match="edit it directly"):
        progress.amend_progress_note(world.owner, note, "Nhập nhầm số hộ", note_input(task, value=20))


def test_amendment_after_the_window_keeps_before_and_after(task, world, db, frozen_now):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task, value=22))
    frozen_now(at(20, 5))
    amendment = progress.amend_progress_note(world.owner, note, "Nhập nhầm số hộ", note_input(task, value=20))
    indicator = str(task.indicators[0].id)
    assert amendment.reason == "Nhập nhầm số hộ" and amendment.amended_by == world.owner
    assert amendment.changes["values"] == {"before": {indicator: 22.0}, "after": {indicator: 20.0}}
    assert amendment.changes["percent_complete"] == {"before": 50.0, "after": 54.5}
    assert set(amendment.changes) == {"values", "percent_complete"}
    assert note.value_of(task.indicators[0].id) == 20 and note.amendments == [amendment]
    [amended] = events(db, "note.amend")
    assert amended["after"]["reason"] == "Nhập nhầm số hộ" and amended["before"]["values"] == {indicator: 22.0}
    assert amended["object"] == {"type": "note_amendment", "id": amendment.id}


def test_amendment_needs_a_reason_and_a_change(task, world, db, frozen_now):
    note = progress.add_progress_note(world.owner, task, 1, note_input(task))
    frozen_now(at(20, 5))
    with pytest.raises(ValidationFailed) as no_reason:
        progress.amend_progress_note(world.owner, note, "  ", note_input(task, value=20))
    assert "reason" in no_reason.value.errors
    with pytest.raises(ValidationFailed) as no_change:
        progress.amend_progress_note(world.owner, note, "Kiểm tra lại", note_input(task))
    assert "reason" in no_change.value.errors
    assert db.session.scalars(select(NoteAmendment)).all() == []
