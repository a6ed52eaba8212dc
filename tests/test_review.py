"""Year-end review through the services: self-assessment, final assessment, verdict, lock, reopen, carry-over."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from registry import clock
from registry.models import AuditEvent, Period, ProgressNote, TaskState
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed

S = TaskState


def test_self_assessment_moves_task_and_needs_every_indicator(world, make_task, levels):
    task = make_task(S.APPROVED)
    with pytest.raises(ValidationFailed) as exc:
        review.submit_self_assessment(world.owner, task, {"reached": {}, "deliverable": "",
                                                          "self_level_id": 999999})
    assert {f"reached.{task.indicators[0].id}", "deliverable", "self_level_id"} <= set(exc.value.errors)
    with pytest.raises(PermissionDenied):
        review.submit_self_assessment(world.other_owner, task, {})
    review.submit_self_assessment(world.owner, task, {"reached": {task.indicators[0].id: "3"},
                                                      "deliverable": "Biên bản", "self_level_id": levels["late"].id})
    assert task.state == S.SELF_ASSESSED and task.self_assessment.indicator_results[0]["reached"] == 3


def test_verdict_requires_final_assessment(make_reviewed_task, world, levels):
    task = make_reviewed_task(stop_at="self_assessed")
    with pytest.raises(Conflict):
        review.record_verdict(world.standing, task, {"level_id": levels["on_time"].id, "reasons": "x"})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "document_review", "judgement": "on_track", "strengths": "Tốt"})
    with pytest.raises(PermissionDenied):
        review.record_verdict(world.monitor, task, {"level_id": levels["on_time"].id, "reasons": "x"})
    verdict = review.record_verdict(world.standing, task, {"level_id": levels["on_time"].id, "reasons": "Đạt"})
    assert task.state == S.REVIEWED and verdict.seal == review.compute_seal(task, verdict)


@pytest.mark.parametrize("data,field", [
    ({"reasons": "x"}, "level_id"),
    ({"level": "partial", "reasons": "x", "measures": "y"}, "percent"),
    ({"level": "on_time", "reasons": "x", "percent": 50}, "percent"),
    ({"level": "on_time", "reasons": ""}, "reasons"),
    ({"level": "on_time", "reasons": "x", "commendation": "reward"}, "commendation_form"),
    ({"level": "not_done", "reasons": "x"}, "measures"),
    ({"level": "on_time", "reasons": "x", "seal": "0"}, "seal"),
])
def test_verdict_validation(data, field, make_reviewed_task, world, levels):
    task = make_reviewed_task(stop_at="final_assessed")
    data = dict(data)
    if "level" in data:
        data["level_id"] = levels[data.pop("level")].id
    with pytest.raises(ValidationFailed) as exc:
        review.record_verdict(world.standing, task, data)
    assert field in exc.value.errors
    assert task.state == S.SELF_ASSESSED


def lock_attempts(world, task):
    """Every mutating service, each of which must refuse a locked task."""
    note = task.notes[0]
    assessment = task.assessments[0]
    return {
        "add note": lambda: progress.add_progress_note(world.owner, task, 2, {"work_done": "x", "status": "on_track",
                                                                             "values": {}}),
        "edit note": lambda: progress.update_progress_note(world.owner, note, {"work_done": "y"}),
        "amend note": lambda: progress.amend_progress_note(world.owner, note, "sửa", {"work_done": "y"}),
        "assess": lambda: monitoring.add_assessment(world.monitor, task, Period.Q4, {}),
        "acknowledge": lambda: monitoring.acknowledge_assessment(world.owner, assessment),
        "self-assess": lambda: review.submit_self_assessment(world.owner, task, {}),
        "verdict": lambda: review.record_verdict(world.standing, task, {}),
        "adjust": lambda: task_service.adjust_task(world.standing, task, reason="x", data={"title": "y"}),
        "edit task": lambda: task_service.update_task(world.owner, task, {"title": "y"}),
        "withdraw": lambda: task_service.withdraw_task(world.owner, task),
        "assign monitor": lambda: task_service.assign_monitor(world.standing, task, world.other_monitor),
    }


@pytest.mark.parametrize("action", ["add note", "edit note", "amend note", "assess", "acknowledge", "self-assess",
                                    "verdict", "adjust", "edit task", "withdraw", "assign monitor"])
def test_verdict_locks_everything(action, make_reviewed_task, world, db):
    task = make_reviewed_task()
    events = db.session.scalar(select(db.func.count(AuditEvent.seq)))
    with pytest.raises(Conflict):
        lock_attempts(world, task)[action]()
    assert db.session.scalar(select(db.func.count(AuditEvent.seq))) == events


def test_reopen_and_new_verdict_stay_in_the_trail(make_reviewed_task, world, levels, db):
    task = make_reviewed_task(level="exceeded")
    with pytest.raises(PermissionDenied):
        review.reopen_task(world.owner, task, "Sai sót")
    with pytest.raises(ValidationFailed):
        review.reopen_task(world.standing, task, " ")
    review.reopen_task(world.standing, task, "Phát hiện sai sót số liệu")
    assert task.state == S.SELF_ASSESSED and task.current_verdict is None
    old = task.verdicts[0]
    assert not old.is_current and old.reopen_reason == "Phát hiện sai sót số liệu"
    review.record_verdict(world.standing2, task, {"level_id": levels["on_time"].id, "reasons": "Đúng hạn"})
    assert task.current_verdict.level.code == "on_time" and len(task.verdicts) == 2
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)
                                      .order_by(AuditEvent.seq)))
    assert actions[-3:] == ["task.verdict", "task.reopen", "task.verdict"]


def test_carry_over_lineage_across_years(make_reviewed_task, make_year, world, levels, db):
    task = make_reviewed_task(level="partial")
    with pytest.raises(Conflict):
        review.carry_over(world.owner, make_reviewed_task(level="exceeded"), world.year, "x")
    next_year = make_year(world.year.year + 1)
    with pytest.raises(PermissionDenied):
        review.carry_over(world.other_owner, task, next_year, "x")
    with pytest.raises(ValidationFailed):
        review.carry_over(world.owner, task, world.year, "")
    second = review.carry_over(world.owner, task, next_year, "Còn 3 hộ chưa bàn giao")
    assert second.state == S.DRAFT and second.carried_from == task and task.carried_into == second
    assert second.indicators == []  # its one indicator was met (0 households left): nothing of it is carried
    with pytest.raises(Conflict):
        review.carry_over(world.owner, task, next_year, "lần nữa")
    # the new registration is submitted and re-approved, then judged unfinished again and carried once more
    task_service.update_task(world.owner, second, {
        "kind": "hard", "field_id": world.field.id, "title": second.title, "goal": "Hoàn thành nốt",
        "deliverable": "Mặt bằng", "deadline": date(next_year.year, 10, 1), "is_committed": True,
        "indicators": [{"name": "Hộ chưa bàn giao", "unit": "hộ", "baseline": 3, "target": 0}]})
    task_service.submit_task(world.owner, second)
    task_service.approve_task(world.standing, second, decision_ref="2-QĐ/QU", decision_date=clock.today(),
                              monitor=world.monitor)
    third_year = make_year(world.year.year + 2)
    review.submit_self_assessment(world.owner, second, {"reached": {second.indicators[0].id: 1},
                                                        "deliverable": "x", "self_level_id": levels["partial"].id})
    monitoring.add_assessment(world.monitor, second, Period.FINAL, {"supervision_form": "field_survey",
                                                                    "judgement": "late", "shortcomings": "Chậm"})
    review.record_verdict(world.standing, second, {"level_id": levels["not_done"].id, "reasons": "Chưa xong",
                                                   "measures": "Chuyển tiếp"})
    third = review.carry_over(world.owner, second, third_year, "Tiếp tục")
    assert [t.id for t in review.lineage(third)] == [task.id, second.id, third.id]
    assert [t.id for t in review.lineage(task)] == [task.id, second.id, third.id]


def test_seal_covers_notes_and_files(make_reviewed_task, db):
    task = make_reviewed_task()
    verdict = task.current_verdict
    note = db.session.scalar(select(ProgressNote).where(ProgressNote.task_id == task.id))
    note.work_done = "Sửa lén"
    assert review.compute_seal(task, verdict) != verdict.seal
    db.session.rollback()


def test_default_levels_are_created_once(levels, db):
    again = review.ensure_default_levels()
    assert [lv.code for lv in again] == ["exceeded", "on_time", "late", "partial", "not_done", "stopped"]
    assert len(again) == len(levels)
