"""Monitoring services (Form C and the mid-year review): who may act, once-only rules, row-indexed errors."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from registry.models import (
    AuditEvent,
    MidYearReview,
    Notification,
    Period,
    ProgressStatus,
    RecommendationStatus,
    TaskState,
)
from registry.services import monitoring, progress
from registry.services import tasks as task_service
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed

S = TaskState
FINDINGS = {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Đã đối thoại 30 hộ.",
            "shortcomings": "Còn 14 hộ chưa đồng thuận.", "causes": "Chưa có nhà tái định cư."}


def rec(content="Đề nghị bố trí quỹ nhà tái định cư", addressee="UBND phường", deadline=date(2026, 4, 30)):
    return {"content": content, "addressee": addressee, "reply_deadline": deadline}


@pytest.fixture
def task(frozen_now, world, make_task):
    return make_task(S.APPROVED)


def assess(world, task, period="q1", recommendations=None, **overrides):
    return monitoring.add_assessment(world.monitor, task, period, {**FINDINGS, **overrides},
                                     recommendations if recommendations is not None else [rec()])


def write_note(world, task, quarter=1, status="on_track", value=30):
    return progress.add_progress_note(world.owner, task, quarter, {
        "work_done": "Đối thoại với các hộ", "status": status,
        "values": {str(task.indicators[0].id): value}})


# -- assessments -----------------------------------------------------------------------------------------------

def test_assigned_monitor_assesses_with_recommendations(world, task, db):
    assessment = assess(world, task, recommendations=[rec(), {"content": "", "addressee": "", "reply_deadline": None},
                                                      rec("Đề nghị tổ chức đối thoại", "Chủ tịch UBND phường")])
    assert assessment.period == Period.Q1 and assessment.monitor_id == world.monitor.id
    assert [r.content for r in assessment.recommendations] == ["Đề nghị bố trí quỹ nhà tái định cư",
                                                               "Đề nghị tổ chức đối thoại"]
    assert all(r.status == RecommendationStatus.OPEN and r.task_id == task.id for r in assessment.recommendations)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.create"))
    assert event.actor_id == world.monitor.id and len(event.after["recommendations"]) == 2
    kinds = db.session.scalars(select(Notification.kind).where(Notification.person_id == world.owner.id)).all()
    assert kinds.count("assessment.new") == 1 and kinds.count("recommendation.new") == 2


@pytest.mark.parametrize("who", ["owner", "other_owner", "other_monitor", "standing", "secretariat", "inspector"])
def test_only_the_assigned_monitor_assesses(who, world, task):
    with pytest.raises(PermissionDenied):
        monitoring.add_assessment(getattr(world, who), task, "q1", FINDINGS, [])


def test_one_assessment_per_period(world, task):
    assess(world, task, "q1")
    with pytest.raises(Conflict):
        assess(world, task, "q1")
    assert assess(world, task, "mid_year").period == Period.MID_YEAR
    assert monitoring.periods_left(task) == [Period.Q2, Period.Q3, Period.Q4]


def test_only_approved_tasks_are_assessed_in_year(world, frozen_now, make_task):
    task = make_task(S.SUBMITTED)
    task_service.assign_monitor(world.standing, task, world.monitor)
    with pytest.raises(Conflict):
        assess(world, task)
    with pytest.raises(Conflict):
        monitoring.require_assessable(world.monitor, task)
    assert monitoring.periods_left(task) == []


def test_recommendation_errors_carry_the_row_index(world, task):
    rows = [rec(),
            {"content": "", "addressee": "", "reply_deadline": None},  # blank: skipped, index kept
            {"content": "Đề nghị báo cáo", "addressee": "", "reply_deadline": date(2026, 1, 1)},
            {"content": "", "addressee": "UBND", "reply_deadline": "30/04/2026"}]
    with pytest.raises(ValidationFailed) as caught:
        assess(world, task, recommendations=rows)
    errors = caught.value.errors
    assert set(errors) == {"recommendations.2.addressee", "recommendations.2.reply_deadline",
                           "recommendations.3.content", "recommendations.3.reply_deadline"}


def test_assessment_needs_findings_and_valid_choices(world, task):
    with pytest.raises(ValidationFailed) as caught:
        monitoring.add_assessment(world.monitor, task, "q1", {"supervision_form": "rumour", "judgement": "",
                                                              "strengths": " ", "extra": "x"}, [])
    assert {"supervision_form", "judgement", "strengths", "extra"} <= set(caught.value.errors)
    with pytest.raises(ValidationFailed) as caught:
        monitoring.add_assessment(world.monitor, task, "q9", FINDINGS, [])
    assert set(caught.value.errors) == {"period"}


def test_require_assessable_guards_the_form_page(world, task):
    assert monitoring.require_assessable(world.monitor, task)[0] == Period.Q1
    with pytest.raises(PermissionDenied):
        monitoring.require_assessable(world.other_monitor, task)
    for period in ("q1", "q2", "q3", "q4", "mid_year"):
        assess(world, task, period, recommendations=[])
    with pytest.raises(Conflict):
        monitoring.require_assessable(world.monitor, task)


# -- acknowledgement and replies ----------------------------------------------------------------------------------

def test_owner_acknowledges_once(world, task, db):
    assessment = assess(world, task)
    with pytest.raises(PermissionDenied):
        monitoring.acknowledge_assessment(world.monitor, assessment)
    monitoring.acknowledge_assessment(world.owner, assessment)
    assert assessment.acknowledged_at is not None and assessment.acknowledged_by_id == world.owner.id
    with pytest.raises(Conflict):
        monitoring.acknowledge_assessment(world.owner, assessment)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "assessment.acknowledge")) == 1


def test_owner_replies_once(world, task, db, frozen_now):
    recommendation = assess(world, task).recommendations[0]
    for who in ("monitor", "other_owner", "standing"):
        with pytest.raises(PermissionDenied):
            monitoring.reply_to_recommendation(getattr(world, who), recommendation, "Đã làm")
    with pytest.raises(ValidationFailed) as caught:
        monitoring.reply_to_recommendation(world.owner, recommendation, "   ")
    assert set(caught.value.errors) == {"reply"}
    monitoring.reply_to_recommendation(world.owner, recommendation, "Đã đề xuất quận bố trí 8 căn hộ.")
    assert recommendation.status == RecommendationStatus.REPLIED and recommendation.replied_by == world.owner
    with pytest.raises(Conflict):
        monitoring.reply_to_recommendation(world.owner, recommendation, "Lần hai")
    with pytest.raises(Conflict):
        monitoring.require_replyable(world.owner, recommendation)
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.person_id == world.monitor.id, Notification.kind == "recommendation.replied")) == 1


def test_reply_overdue_after_the_deadline(world, task, frozen_now):
    recommendation = assess(world, task).recommendations[0]  # reply by 30/04/2026
    assert not monitoring.is_reply_overdue(recommendation)
    frozen_now(datetime(2026, 5, 1, 3, 0, tzinfo=timezone.utc))
    assert monitoring.is_reply_overdue(recommendation)
    monitoring.reply_to_recommendation(world.owner, recommendation, "Trả lời muộn")
    assert not monitoring.is_reply_overdue(recommendation)


# -- the mid-year review ----------------------------------------------------------------------------------------

def test_mid_year_snapshots_are_idempotent(world, task, make_task, db, frozen_now):
    write_note(world, task, 1, status="at_risk", value=30)
    make_task(S.SUBMITTED)  # not approved: no snapshot
    frozen_now(datetime(2026, 7, 1, 3, 0, tzinfo=timezone.utc))
    assert monitoring.take_mid_year_snapshots(world.secretariat, world.year) == 1
    review = task.mid_year_review
    assert review.snapshot["quarter"] == 1 and review.snapshot["status"] == ProgressStatus.AT_RISK.value
    assert review.snapshot["indicators"][0]["value"] == 30
    assert monitoring.take_mid_year_snapshots(world.standing, world.year) == 0
    assert monitoring.take_mid_year_snapshots(None, world.year) == 0  # the CLI
    assert db.session.scalar(select(func.count(MidYearReview.id))) == 1


@pytest.mark.parametrize("who", ["owner", "monitor", "inspector"])
def test_only_secretariat_or_standing_take_snapshots(who, world, task):
    with pytest.raises(PermissionDenied):
        monitoring.take_mid_year_snapshots(getattr(world, who), world.year)


def test_conclusion_by_a_standing_committee_member(world, task, make_task, db):
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    review = task.mid_year_review
    for who in ("owner", "monitor", "secretariat", "inspector"):
        with pytest.raises(PermissionDenied):
            monitoring.conclude_mid_year(getattr(world, who), review, "Kết luận")
    with pytest.raises(ValidationFailed):
        monitoring.conclude_mid_year(world.standing, review, " ")
    monitoring.conclude_mid_year(world.standing, review, "Đề nghị đẩy nhanh tiến độ.")
    assert review.concluded_by == world.standing and review.concluded_at is not None
    # a Standing Committee member who owns the task does not conclude on it
    own = make_task(S.APPROVED, owner=world.standing)
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    with pytest.raises(PermissionDenied):
        monitoring.conclude_mid_year(world.standing, own.mid_year_review, "Tự kết luận")
    monitoring.conclude_mid_year(world.standing2, own.mid_year_review, "Kết luận")


def test_conclusion_needs_a_snapshot(world, task):
    with pytest.raises(Conflict):
        monitoring.require_concludable(world.standing, task)
