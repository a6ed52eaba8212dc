"""Entering a past year afterwards (nhập bổ sung), service by service: the secretariat of the task's committee (or
of a unit above it) records a closed year's register with the real dates of its events, on behalf of the people
the register names; each row keeps who entered it and when, and so does the audit trail.

The clock stands at 15/03/2026 (``frozen_now``); the past year is 2023, its registration window long closed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry import policy
from registry.clock import LOCAL_TZ
from registry.models import AuditEvent, Notification, Period, Role, TaskState
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.services.verify import verify_all
from tests.conftest import task_input

S = TaskState
NOW = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)


def on(day: int, month: int, year: int = 2023, by=None) -> Backfill:
    return Backfill(on=date(year, month, day), by=by)


def local(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


@pytest.fixture
def past(frozen_now, world, make_year, levels):
    """2023, a year whose registration window closed long ago."""
    frozen_now(NOW)
    return make_year(2023, is_open=False)


def register(world, past, *, actor=None, day=on(12, 1), **overrides):
    """A 2023 registration of ``world.owner`` entered by the secretariat, as submitted on ``day``."""
    actor = actor or world.secretariat
    backfill = Backfill(on=day.on, by=day.by or world.owner)
    task = task_service.create_task(actor, past, task_input(world.field, past, **overrides),
                                    committee_id=world.unit.id, backfill=backfill)
    return task_service.submit_task(actor, task, backfill)


def decide(world, task, day=date(2023, 2, 10), by=None):
    return task_service.approve_task(world.secretariat, task, decision_ref="05-QĐ/ĐU", decision_date=day,
                                     monitor=world.monitor, backfill=Backfill(by=by or world.standing))


def note(world, task, quarter, day, value=20):
    return progress.add_progress_note(world.secretariat, task, quarter, {
        "work_done": f"Quý {quarter}: đối thoại với các hộ", "status": "on_track",
        "values": {str(task.indicators[0].id): value}}, backfill=Backfill(on=day))


def self_assess(world, task, day=date(2023, 12, 5), levels=None):
    return review.submit_self_assessment(world.secretariat, task, {
        "reached": {task.indicators[0].id: 0}, "deliverable": "Mặt bằng sạch đã bàn giao",
        "self_level_id": levels["exceeded"].id}, backfill=Backfill(on=day))


def final(world, task, day=date(2023, 12, 12)):
    return monitoring.add_assessment(world.secretariat, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Hoàn thành trước hạn"},
        [], backfill=Backfill(on=day))


def verdict(world, task, levels, day=date(2024, 1, 10), by=None):
    return review.record_verdict(world.secretariat, task, {
        "level_id": levels["exceeded"].id, "reasons": "Vượt chỉ tiêu", "commendation": "reward",
        "commendation_form": "Giấy khen của Ban Thường vụ"}, backfill=Backfill(on=day, by=by or world.standing))


def events(db, task) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.task_id == task.id).order_by(AuditEvent.seq)))


# -- the whole year ------------------------------------------------------------------------------------------------

def test_a_past_year_is_entered_from_registration_to_verdict_with_its_dates(world, past, levels, db, app):
    task = register(world, past)
    assert task.state == S.SUBMITTED and task.owner_id == world.owner.id
    assert local(task.submitted_at) == date(2023, 1, 12)
    assert (task.entered_by_id, task.entered_at) == (world.secretariat.id, NOW)

    decide(world, task)
    assert task.state == S.APPROVED and task.decision_date == date(2023, 2, 10)
    assert local(task.decided_at) == date(2023, 2, 10)
    assert task.approved_by_id == world.standing.id and task.monitor_id == world.monitor.id
    assert (task.decision_entered_by_id, task.decision_entered_at) == (world.secretariat.id, NOW)

    q1 = note(world, task, 1, date(2023, 4, 3))
    q2 = note(world, task, 2, date(2023, 7, 20), value=10)  # after the deadline of 05/07: late
    assert task.state == S.IN_PROGRESS
    assert (q1.author_id, local(q1.submitted_at), q1.is_late) == (world.owner.id, date(2023, 4, 3), False)
    assert (local(q2.submitted_at), q2.is_late) == (date(2023, 7, 20), True)
    assert q1.entered_by_id == world.secretariat.id and q1.entered_at == NOW

    assessment = monitoring.add_assessment(
        world.secretariat, task, Period.Q2, {"supervision_form": "document_review", "judgement": "late",
                                             "shortcomings": "Còn 8 hộ chưa đồng thuận"},
        [{"content": "Đối thoại riêng với 8 hộ", "addressee": "UBND phường", "reply_deadline": date(2023, 8, 31)}],
        backfill=Backfill(on=date(2023, 7, 25)))
    assert (assessment.monitor_id, local(assessment.created_at)) == (world.monitor.id, date(2023, 7, 25))
    recommendation = assessment.recommendations[0]
    monitoring.reply_to_recommendation(world.secretariat, recommendation, "Đã đối thoại với 8 hộ",
                                       backfill=Backfill(on=date(2023, 9, 5)))
    assert recommendation.replied_by_id == world.owner.id and local(recommendation.replied_at) == date(2023, 9, 5)
    assert recommendation.reply_entered_by_id == world.secretariat.id

    sa = self_assess(world, task, levels=levels)
    assert (sa.author_id, local(sa.submitted_at), task.state) == (world.owner.id, date(2023, 12, 5), S.SELF_ASSESSED)
    fa = final(world, task)
    assert (fa.monitor_id, local(fa.created_at)) == (world.monitor.id, date(2023, 12, 12))
    v = verdict(world, task, levels)
    assert task.state == S.REVIEWED
    assert (v.decided_by_id, local(v.decided_at), v.entered_by_id) == (world.standing.id, date(2024, 1, 10),
                                                                       world.secretariat.id)
    db.session.commit()

    # the trail: the secretariat acted, on behalf of the register's people, with each event's own date
    trail = events(db, task)
    assert [e.action for e in trail] == ["task.create", "task.submit", "task.approve", "note.create", "note.create",
                                         "assessment.create", "recommendation.reply", "task.self_assess",
                                         "assessment.create", "task.verdict"]
    assert {e.actor_id for e in trail} == {world.secretariat.id}
    assert all(e.after["entered_later"] is True for e in trail)
    assert [(e.after["effective_on"], e.after["on_behalf_of_id"]) for e in trail] == [
        ("2023-01-12", world.owner.id), ("2023-01-12", world.owner.id), ("2023-02-10", world.standing.id),
        ("2023-04-03", world.owner.id), ("2023-07-20", world.owner.id), ("2023-07-25", world.monitor.id),
        ("2023-09-05", world.owner.id), ("2023-12-05", world.owner.id), ("2023-12-12", world.monitor.id),
        ("2024-01-10", world.standing.id)]
    assert all(e.occurred_at == NOW for e in trail), "the trail keeps the real time of each entry"
    # nobody is told of a past year's events; the seal covers the marks and the chain verifies
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert review.compute_seal(task, v) == v.seal
    assert "entered_by_id" in json.dumps(review.locked_record(task, v)["verdict"])
    report = verify_all(app.config["AUDIT_KEY"], Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report


def test_live_rows_carry_no_marks_and_their_seal_has_none(make_reviewed_task, db):
    task = make_reviewed_task()
    assert task.entered_at is None and task.decision_entered_at is None
    assert all(n.entered_at is None for n in task.notes) and task.current_verdict.entered_at is None
    record = json.dumps(review.locked_record(task, task.current_verdict))
    assert "entered_by_id" not in record and "entered_at" not in record
    assert all("entered_later" not in (e.after or {}) for e in events(db, task))


# -- authority -------------------------------------------------------------------------------------------------------

def test_only_the_secretariat_over_the_committee_enters_a_past_year(world, past, make_unit, make_person, db):
    ward = make_unit("Phường Bưởi")  # below the world's committee
    sibling = make_unit("Phường Nhật Tân")
    ward_owner = make_person(Role.OWNER, committee=ward, unit=ward)
    ward_secretariat = make_person(Role.SECRETARIAT, committee=ward)
    sibling_secretariat = make_person(Role.SECRETARIAT, committee=sibling)
    backfill = Backfill(on=date(2023, 1, 12), by=ward_owner)
    data = task_input(world.field, past)
    for outsider in (sibling_secretariat, world.owner, world.standing, world.inspector, world.monitor):
        with pytest.raises(PermissionDenied):
            task_service.create_task(outsider, past, data, committee_id=ward.id, backfill=backfill)
    # the ward's own office, and the office of the committee above it
    for office in (ward_secretariat, world.secretariat):
        task = task_service.create_task(office, past, data, committee_id=ward.id, backfill=backfill)
        task_service.submit_task(office, task, backfill)
        assert task.committee_id == ward.id and task.owner_id == ward_owner.id
        assert policy.can(office, "backfill", task) and not policy.can(sibling_secretariat, "backfill", task)
        with pytest.raises(PermissionDenied):
            task_service.approve_task(sibling_secretariat, task, decision_ref="1-QĐ/ĐU",
                                      decision_date=date(2023, 2, 1), monitor=world.monitor,
                                      backfill=Backfill(by=world.standing))


def test_a_year_that_is_not_over_is_not_entered_afterwards(world, past, make_task, db):
    with pytest.raises(Conflict, match="2026"):
        task_service.create_task(world.secretariat, world.year, task_input(world.field, world.year),
                                 committee_id=world.unit.id, backfill=Backfill(on=date(2026, 1, 12), by=world.owner))
    live = make_task(S.SUBMITTED)
    assert not policy.can(world.secretariat, "backfill", live)
    with pytest.raises(Conflict, match="2026"):
        task_service.approve_task(world.secretariat, live, decision_ref="1-QĐ/ĐU", decision_date=date(2026, 3, 1),
                                  monitor=world.monitor, backfill=Backfill(by=world.standing))
    assert live.state == S.SUBMITTED


def test_out_of_order_entries_are_conflicts(world, past, levels, db):
    task = register(world, past)
    with pytest.raises(Conflict):
        note(world, task, 1, date(2023, 4, 3))  # not decided yet
    with pytest.raises(Conflict):
        self_assess(world, task, levels=levels)
    decide(world, task)
    with pytest.raises(Conflict):
        decide(world, task)  # decided already
    with pytest.raises(Conflict):
        final(world, task)  # before the self-assessment
    with pytest.raises(Conflict):
        verdict(world, task, levels)
    self_assess(world, task, levels=levels)
    with pytest.raises(Conflict, match="cuối năm"):  # the monitor's final assessment comes first
        verdict(world, task, levels)
    final(world, task)
    verdict(world, task, levels)
    with pytest.raises(Conflict) as locked:
        note(world, task, 3, date(2023, 10, 2))
    assert locked.value.message == policy.LOCK_MESSAGE


# -- dates: within the year, each step after the one before ----------------------------------------------------------

def _errors(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


def test_registration_date_falls_in_the_year(world, past, db):
    for day, expected in ((date(2022, 12, 31), "01/01/2023"), (date(2024, 1, 2), "31/12/2023")):
        errors = _errors(lambda: register(world, past, day=Backfill(on=day)))
        assert any(expected in m for m in errors["backfill_on"]), errors
    errors = _errors(lambda: register(world, past, day=Backfill(on=None)))
    assert errors["backfill_on"] == ["Nhập ngày diễn ra, theo dạng dd/mm/yyyy."]
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == 0


def test_the_closed_window_does_not_stop_a_past_registration(world, past, db):
    assert not past.registration_open_on(date(2026, 3, 15))
    with pytest.raises(Conflict, match="02/01/2023"):  # live use: the window is closed
        task_service.create_task(world.owner, past, task_input(world.field, past))
    assert register(world, past).state == S.SUBMITTED


def test_the_owner_is_a_committee_owner_and_the_decider_of_its_standing_committee(world, past, db):
    errors = _errors(lambda: register(world, past, day=on(12, 1, by=world.monitor)))
    assert "backfill_by" in errors
    task = register(world, past)
    for wrong in (world.owner, world.monitor, world.inspector, None):
        errors = _errors(lambda: task_service.approve_task(
            world.secretariat, task, decision_ref="05-QĐ/ĐU", decision_date=date(2023, 2, 10),
            monitor=world.monitor, backfill=Backfill(by=wrong)))
        assert "backfill_by" in errors, wrong
    assert task.state == S.SUBMITTED


def test_decision_date_not_before_the_registration_nor_after_the_year(world, past, db):
    task = register(world, past, day=on(20, 1))
    errors = _errors(lambda: decide(world, task, day=date(2023, 1, 19)))
    assert errors["decision_date"] == ["Ngày không được trước 20/01/2023 (ngày đăng ký)."]
    errors = _errors(lambda: decide(world, task, day=date(2024, 1, 5)))
    assert errors["decision_date"] == ["Ngày phải nằm trong khoảng từ 01/01/2023 đến 31/12/2023."]
    decide(world, task, day=date(2023, 1, 20))


def test_a_note_is_dated_within_its_quarter_and_year(world, past, db):
    task = register(world, past)
    decide(world, task, day=date(2023, 2, 10))
    errors = _errors(lambda: note(world, task, 2, date(2023, 3, 31)))
    assert errors["backfill_on"] == ["Ngày không được trước 01/04/2023 (ngày bắt đầu quý)."]
    errors = _errors(lambda: note(world, task, 1, date(2023, 2, 9)))
    assert errors["backfill_on"] == ["Ngày không được trước 10/02/2023 (ngày quyết định)."]
    errors = _errors(lambda: note(world, task, 4, date(2024, 1, 3)))
    assert "31/12/2023" in errors["backfill_on"][0]
    assert task.notes == [] and task.state == S.APPROVED


def test_recommendation_deadlines_in_the_past_year_are_accepted_but_not_before_the_assessment(world, past, db):
    task = register(world, past)
    decide(world, task)
    rows = [{"content": "Công khai danh sách", "addressee": "UBND phường", "reply_deadline": date(2023, 5, 1)}]
    errors = _errors(lambda: monitoring.add_assessment(
        world.secretariat, task, Period.Q2, {"supervision_form": "field_survey", "judgement": "on_track",
                                             "strengths": "Tốt"}, rows, backfill=Backfill(on=date(2023, 5, 10))))
    assert errors["recommendations.0.reply_deadline"] == ["Hạn trả lời không được trước ngày giám sát (10/05/2023)."]
    assessment = monitoring.add_assessment(
        world.secretariat, task, Period.Q2, {"supervision_form": "field_survey", "judgement": "on_track",
                                             "strengths": "Tốt"}, rows, backfill=Backfill(on=date(2023, 4, 20)))
    rec = assessment.recommendations[0]
    assert rec.reply_deadline == date(2023, 5, 1)  # in the past, as the register has it
    errors = _errors(lambda: monitoring.reply_to_recommendation(world.secretariat, rec, "Đã làm",
                                                                backfill=Backfill(on=date(2023, 4, 19))))
    assert errors["backfill_on"] == ["Ngày không được trước 20/04/2023 (ý kiến giám sát)."]
    monitoring.reply_to_recommendation(world.secretariat, rec, "Đã làm", backfill=Backfill(on=date(2023, 5, 3)))
    reply = events(db, task)[-1]
    assert reply.after["late"] is True, "late against the reply deadline, not against today"


def test_year_end_steps_follow_each_other_until_march_of_the_next_year(world, past, levels, db):
    task = register(world, past)
    decide(world, task)
    note(world, task, 4, date(2023, 11, 20))
    errors = _errors(lambda: self_assess(world, task, day=date(2023, 11, 19), levels=levels))
    assert errors["backfill_on"] == ["Ngày không được trước 20/11/2023 (báo cáo tiến độ gần nhất)."]
    self_assess(world, task, day=date(2023, 12, 28), levels=levels)
    errors = _errors(lambda: final(world, task, day=date(2023, 12, 27)))
    assert errors["backfill_on"] == ["Ngày không được trước 28/12/2023 (bản tự đánh giá)."]
    final(world, task, day=date(2024, 1, 8))
    errors = _errors(lambda: verdict(world, task, levels, day=date(2024, 1, 7)))
    assert errors["backfill_on"] == ["Ngày không được trước 08/01/2024 (ý kiến đánh giá cuối năm)."]
    errors = _errors(lambda: verdict(world, task, levels, day=date(2024, 4, 1)))
    assert errors["backfill_on"] == ["Ngày phải nằm trong khoảng từ 01/01/2023 đến 31/03/2024."]
    assert task.state == S.SELF_ASSESSED and task.verdicts == []
    verdict(world, task, levels, day=date(2024, 3, 31))
    assert task.state == S.REVIEWED


def test_a_monitor_change_is_entered_with_its_date(world, past, db):
    task = register(world, past)
    decide(world, task)
    errors = _errors(lambda: task_service.assign_monitor(world.secretariat, task, world.other_monitor,
                                                         backfill=Backfill(on=date(2023, 2, 1), by=world.standing)))
    assert errors["backfill_on"] == ["Ngày không được trước 10/02/2023 (ngày quyết định)."]
    task_service.assign_monitor(world.secretariat, task, world.other_monitor,
                                backfill=Backfill(on=date(2023, 6, 1), by=world.standing2))
    change = events(db, task)[-1]
    assert (change.action, change.actor_id, change.after["effective_on"], change.after["on_behalf_of_id"]) == (
        "task.assign_monitor", world.secretariat.id, "2023-06-01", world.standing2.id)
    assert task.monitor_id == world.other_monitor.id
