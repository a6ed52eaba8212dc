"""The registration workflow through the services: state × action and role × action matrices, rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from registry import policy
from registry import clock
from registry.models import AuditEvent, Role, Task, TaskState
from registry.services import tasks as svc
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.conftest import task_input

S = TaskState
ACTIONS = ["edit", "submit", "withdraw", "approve", "return", "adjust", "assign_monitor"]

#: written out by hand: which action may start from which state (True = allowed)
EXPECTED = {
    S.DRAFT:     {"edit": True, "submit": True, "withdraw": True, "approve": False, "return": False,
                  "adjust": False, "assign_monitor": False},
    S.SUBMITTED: {"edit": False, "submit": False, "withdraw": True, "approve": True, "return": True,
                  "adjust": True, "assign_monitor": True},
    S.RETURNED:  {"edit": True, "submit": True, "withdraw": True, "approve": False, "return": False,
                  "adjust": False, "assign_monitor": False},
    S.APPROVED:  {"edit": False, "submit": False, "withdraw": False, "approve": False, "return": False,
                  "adjust": True, "assign_monitor": True},
    S.WITHDRAWN: {"edit": False, "submit": False, "withdraw": False, "approve": False, "return": False,
                  "adjust": False, "assign_monitor": False},
}


def perform(action: str, task: Task, world, actor=None):
    """Run ``action`` with valid input, by the natural actor unless one is given."""
    owner_actions = {"edit", "submit", "withdraw"}
    actor = actor or (task.owner if action in owner_actions else world.standing)
    if action == "edit":
        return svc.update_task(actor, task, task_input(world.field, world.year, title="Tiêu đề mới"))
    if action == "submit":
        return svc.submit_task(actor, task)
    if action == "withdraw":
        return svc.withdraw_task(actor, task, "Lý do")
    if action == "approve":
        return svc.approve_task(actor, task, decision_ref="30-QĐ/QU", decision_date=clock.today(),
                                monitor=world.other_monitor)
    if action == "return":
        return svc.return_task(actor, task, comment="Làm rõ chỉ tiêu")
    if action == "adjust":
        return svc.adjust_task(actor, task, reason="Phù hợp thực tế", data={"title": "Tiêu đề điều chỉnh"})
    if action == "assign_monitor":
        return svc.assign_monitor(actor, task, world.other_monitor)
    raise AssertionError(action)


def event_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("action", ACTIONS)
def test_state_action_matrix(state, action, make_task, world, db):
    task = make_task(state)
    before_state, before_events = task.state, event_count(db)
    if EXPECTED[state][action]:
        perform(action, task, world)
        assert event_count(db) == before_events + 1, "every change writes exactly one audit event"
        assert task.state == (policy.rule(action).to_state or before_state)
    else:
        with pytest.raises(Conflict):
            perform(action, task, world)
        assert task.state == before_state
        assert event_count(db) == before_events


ROLE_ACTORS = ["owner", "other_owner", "standing", "monitor", "secretariat", "inspector"]
#: role × action → allowed (each action tried in a state that allows it)
ROLE_EXPECTED = {
    "edit": {"owner"}, "submit": {"owner"}, "withdraw": {"owner"},
    "approve": {"standing"}, "return": {"standing"}, "adjust": {"standing"}, "assign_monitor": {"standing"},
}
START_STATE = {"edit": S.DRAFT, "submit": S.DRAFT, "withdraw": S.SUBMITTED, "approve": S.SUBMITTED,
               "return": S.SUBMITTED, "adjust": S.SUBMITTED, "assign_monitor": S.APPROVED}


@pytest.mark.parametrize("who", ROLE_ACTORS)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_matrix(who, action, make_task, world, db):
    task = make_task(START_STATE[action])
    actor = getattr(world, who)
    if who in ROLE_EXPECTED[action]:
        perform(action, task, world, actor=actor)
    else:
        before = event_count(db)
        with pytest.raises(PermissionDenied):
            perform(action, task, world, actor=actor)
        assert event_count(db) == before


@pytest.mark.parametrize("action", ["approve", "return", "adjust", "assign_monitor"])
def test_standing_member_cannot_decide_own_task(action, make_task, world):
    task = make_task(START_STATE[action], owner=world.standing)
    with pytest.raises(PermissionDenied):
        perform(action, task, world, actor=world.standing)
    perform(action, task, world, actor=world.standing2)


def test_monitor_must_differ_from_owner_and_approver(make_task, world, make_person):
    task = make_task(S.SUBMITTED)
    monitor_and_standing = make_person(Role.MONITOR, Role.STANDING)
    with pytest.raises(ValidationFailed) as exc:
        svc.approve_task(monitor_and_standing, task, decision_ref="1-QĐ/QU", decision_date=clock.today(),
                         monitor=monitor_and_standing)
    assert "monitor_id" in exc.value.errors
    owner_monitor = make_person(Role.MONITOR, Role.OWNER)
    own = make_task(S.SUBMITTED, owner=owner_monitor)
    with pytest.raises(ValidationFailed) as exc:
        svc.approve_task(world.standing, own, decision_ref="1-QĐ/QU", decision_date=clock.today(),
                         monitor=owner_monitor)
    assert "monitor_id" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        svc.approve_task(world.standing, task, decision_ref="1-QĐ/QU", decision_date=clock.today(),
                         monitor=world.secretariat)  # not a monitor
    assert "monitor_id" in exc.value.errors


def test_approval_needs_reference_date_and_monitor(make_task, world):
    task = make_task(S.SUBMITTED)
    with pytest.raises(ValidationFailed) as exc:
        svc.approve_task(world.standing, task, decision_ref=" ", decision_date=None, monitor=None)
    assert set(exc.value.errors) == {"decision_ref", "decision_date", "monitor_id"}
    assert task.state == S.SUBMITTED


def test_return_needs_comment_and_resubmission_works(make_task, world):
    task = make_task(S.SUBMITTED)
    with pytest.raises(ValidationFailed):
        svc.return_task(world.standing, task, comment="  ")
    svc.return_task(world.standing, task, comment="Bổ sung mốc tiến độ")
    assert task.state == S.RETURNED and task.return_comment == "Bổ sung mốc tiến độ"
    svc.update_task(world.owner, task, task_input(world.field, world.year, milestones=[
        {"description": "Đối thoại", "due_on": date(world.year.year, 5, 1)},
        {"description": "Bàn giao", "due_on": date(world.year.year, 10, 1)}]))
    svc.submit_task(world.owner, task)
    assert task.state == S.SUBMITTED and len(task.milestones) == 2


def test_submit_requires_complete_registration(world):
    task = svc.create_task(world.owner, world.year, {"kind": "hard", "field_id": world.field.id,
                                                     "title": "Việc chưa đủ thông tin"})
    with pytest.raises(ValidationFailed) as exc:
        svc.submit_task(world.owner, task)
    assert set(exc.value.errors) == {"goal", "deliverable", "deadline", "indicators", "is_committed"}
    assert task.state == S.DRAFT


def test_field_errors_name_the_row(world):
    data = task_input(world.field, world.year, indicators=[
        {"name": "", "unit": "", "baseline": "", "target": ""},  # blank: skipped
        {"name": "Diện tích", "unit": "ha", "baseline": "abc", "target": ""},
    ], deadline=date(world.year.year + 1, 1, 1))
    with pytest.raises(ValidationFailed) as exc:
        svc.create_task(world.owner, world.year, data)
    assert {"indicators.1.baseline", "indicators.1.target", "deadline"} <= set(exc.value.errors)


def test_unknown_fields_are_rejected(world):
    with pytest.raises(ValidationFailed) as exc:
        svc.create_task(world.owner, world.year, {**task_input(world.field, world.year), "state": "approved"})
    assert "state" in exc.value.errors


def test_registration_window(make_year, world, db):
    closed = make_year(world.year.year + 1, is_open=False)
    with pytest.raises(Conflict):
        svc.create_task(world.owner, closed, task_input(world.field, closed))
    closed.registration_opens_on = date(clock.today().year - 1, 1, 1)
    closed.registration_closes_on = date(clock.today().year + 1, 12, 31)
    task = svc.create_task(world.owner, closed, task_input(world.field, closed))
    assert task.state == S.DRAFT


def test_returned_task_can_be_resubmitted_after_window_closes(make_task, world):
    task = make_task(S.RETURNED)
    draft = make_task(S.DRAFT)
    world.year.registration_opens_on = clock.today() - timedelta(days=30)
    world.year.registration_closes_on = clock.today() - timedelta(days=1)
    with pytest.raises(Conflict):
        svc.submit_task(world.owner, draft)  # a first submission respects the window
    svc.submit_task(world.owner, task)  # a returned one was submitted in time
    assert task.state == S.SUBMITTED


def test_collective_registration_only_by_head(world, make_unit):
    unit = make_unit("UBND phường Phú Thượng", head=world.owner)
    task = svc.create_task(world.owner, world.year, task_input(world.field, world.year), owner_unit_id=unit.id)
    assert task.owner_unit == unit and task.org_unit_id == unit.id and task.ownership.value == "collective"
    with pytest.raises(ValidationFailed) as exc:
        svc.create_task(world.other_owner, world.year, task_input(world.field, world.year),
                        owner_unit_id=unit.id)
    assert "owner_unit_id" in exc.value.errors


def test_adjustment_keeps_the_submitted_baseline(make_task, world):
    task = make_task(S.SUBMITTED)
    adjustment = svc.adjust_task(world.standing, task, reason="Điều chỉnh chỉ tiêu cho sát thực tế", data={
        "indicators": [{"name": "Hộ chưa đồng thuận", "unit": "hộ", "baseline": 44, "target": 8}]})
    assert task.indicators[0].target == 8
    assert adjustment.changes["indicators"]["before"][0]["target"] == 0
    assert adjustment.changes["indicators"]["after"][0]["target"] == 8
    assert task.state == S.SUBMITTED
    with pytest.raises(ValidationFailed):
        svc.adjust_task(world.standing, task, reason="Không đổi gì", data={"title": task.title})


def test_audit_event_records_before_and_after(make_task, world, db):
    task = make_task(S.SUBMITTED)
    svc.approve_task(world.standing, task, decision_ref="25-QĐ/QU", decision_date=clock.today(),
                     monitor=world.monitor)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.task_id == task.id)
                                     .order_by(AuditEvent.seq)))
    assert [e.action for e in events] == ["task.create", "task.submit", "task.approve"]
    last = events[-1]
    assert last.actor_id == world.standing.id and last.subject_person_id == world.owner.id
    assert last.before["state"] == "submitted" and last.after["state"] == "approved"
    assert last.after["monitor_id"] == world.monitor.id
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert all(b.prev_hash == a.entry_hash for a, b in zip(events, events[1:]))


def test_audit_event_rolls_back_with_the_change(make_task, world, db):
    task = make_task(S.DRAFT)
    db.session.commit()
    count = event_count(db)
    svc.submit_task(world.owner, task)
    db.session.rollback()
    assert event_count(db) == count
    assert db.session.get(Task, task.id).state == S.DRAFT


def test_database_refuses_impossible_states(make_task, db):
    task = make_task(S.SUBMITTED)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE tasks SET state = 'approved' WHERE id = :id"), {"id": task.id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE tasks SET state = 'nonsense' WHERE id = :id"), {"id": task.id})
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE tasks SET monitor_id = owner_id WHERE id = :id"), {"id": task.id})
    db.session.rollback()
