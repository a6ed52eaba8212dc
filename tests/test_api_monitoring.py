"""The API's monitoring (Form C): assessments with recommendations, the final assessment, acknowledgements and
replies. The clock is frozen on 01/05/2026."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from registry.models import Assessment, AuditEvent, Period, TaskState
from registry.services import monitoring, review
from registry.services import tasks as task_service
from tests import test_api_contract
from tests.test_api_contract import assert_problem

S = TaskState
#: the contract tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as


@pytest.fixture(autouse=True)
def may_2026(frozen_now):
    frozen_now(datetime(2026, 5, 1, 3, tzinfo=timezone.utc))


def assessment_body(period="q1", **overrides) -> dict:
    data = {"period": period, "supervision_form": "field_survey", "judgement": "on_track",
            "strengths": "Chủ động đối thoại với từng hộ", "shortcomings": "Chưa có quỹ nhà tái định cư",
            "causes": "Thủ tục đất đai kéo dài",
            "recommendations": [{"content": "Báo cáo UBND quận về quỹ nhà", "addressee": "Chủ tịch UBND phường",
                                 "reply_deadline": "2026-05-20"}]}
    data.update(overrides)
    return data


def assessed(world, task, db, **overrides):
    data = assessment_body(**overrides)
    period = data.pop("period")
    rows = [{**r, "reply_deadline": datetime.fromisoformat(r["reply_deadline"]).date()}
            for r in data.pop("recommendations")]
    assessment = monitoring.add_assessment(world.monitor, task, period, data, rows)
    db.session.commit()
    return assessment


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- assessing -----------------------------------------------------------------------------------------------

def test_assess_and_list(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    response = api_as(world.monitor).post(f"tasks/{task.id}/assessments", json=assessment_body())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["period"] == "q1" and body["task_id"] == task.id
    assert body["monitor"] == {"id": world.monitor.id, "full_name": "Vũ Mặt Trận"}
    assert body["strengths"] == "Chủ động đối thoại với từng hộ" and body["judgement"] == "on_track"
    assert body["acknowledged_at"] is None and body["acknowledged_by_id"] is None
    [rec] = body["recommendations"]
    assert rec["content"] == "Báo cáo UBND quận về quỹ nhà" and rec["addressee"] == "Chủ tịch UBND phường"
    assert rec["reply_deadline"] == "2026-05-20" and rec["status"] == "open" and rec["reply"] is None
    assert rec["assessment_id"] == body["id"] and rec["task_id"] == task.id
    listed = api_as(world.owner).get(f"tasks/{task.id}/assessments").get_json()["items"]
    assert listed == [body]
    assert_problem(api_as(world.other_owner).get(f"tasks/{task.id}/assessments"), 403)
    assert_problem(api_as(world.owner).get("tasks/999999/assessments"), 404)


@pytest.mark.parametrize("who", ["owner", "other_owner", "other_monitor", "standing", "secretariat", "inspector"])
def test_only_the_assigned_monitor_assesses(who, api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    assert_problem(api_as(getattr(world, who)).post(f"tasks/{task.id}/assessments", json=assessment_body()), 403)
    assert count(db, Assessment) == 0


def test_assessment_refusals(api_as, world, make_task, make_reviewed_task, db):
    task, submitted = make_task(S.APPROVED), make_task(S.SUBMITTED)
    task_service.assign_monitor(world.standing, submitted, world.monitor)  # named before the approval
    assessed(world, task, db)
    monitor = api_as(world.monitor)
    path = f"tasks/{task.id}/assessments"
    assert_problem(monitor.post(path, json=assessment_body()), 409)  # q1 assessed already
    assert_problem(monitor.post(path, json=assessment_body("final")), 409)  # no self-assessment yet
    assert_problem(monitor.post(f"tasks/{submitted.id}/assessments", json=assessment_body("q2")), 409)
    reviewed = make_reviewed_task()
    db.session.commit()
    assert_problem(monitor.post(f"tasks/{reviewed.id}/assessments", json=assessment_body("q2")), 409)
    assert_problem(monitor.post(path, json=assessment_body("q9")), 422, "period")
    assert_problem(monitor.post(path, json=assessment_body("q2", verdict="tốt")), 422, "verdict")
    assert_problem(monitor.post(path, json=assessment_body("q2", supervision_form=None)), 422, "supervision_form")
    assert_problem(monitor.post(path, json={"period": "q2"}), 422, "supervision_form", "judgement", "strengths")
    assert_problem(monitor.post(path, json=assessment_body("q2", recommendations=[
        {"content": "Làm rõ", "addressee": "", "reply_deadline": "2026-04-01"}])), 422,
        "recommendations.0.addressee", "recommendations.0.reply_deadline")
    assert_problem(monitor.post(path, json=assessment_body("q2", recommendations=[{"content": "x", "to": "y"}])),
                   422, "recommendations.0.to")
    assert_problem(monitor.post("tasks/999999/assessments", json=assessment_body("q2")), 404)
    assert count(db, Assessment) == 2  # the q1 one, and the reviewed task's final assessment


def test_final_assessment_follows_the_self_assessment(api_as, world, make_reviewed_task, db):
    task = make_reviewed_task(stop_at="self_assessed")
    db.session.commit()
    monitor = api_as(world.monitor)
    assert_problem(monitor.post(f"tasks/{task.id}/assessments", json=assessment_body("q2")), 409)
    response = monitor.post(f"tasks/{task.id}/assessments", json=assessment_body("final", recommendations=[]))
    assert response.status_code == 201 and response.get_json()["period"] == "final"
    assert_problem(monitor.post(f"tasks/{task.id}/assessments", json=assessment_body("final", recommendations=[])),
                   409)
    assert_problem(api_as(world.standing).post(f"tasks/{task.id}/assessments",
                                               json=assessment_body("final", recommendations=[])), 403)
    db.session.expire_all()
    assert db.session.scalar(select(Assessment.period).where(Assessment.task_id == task.id)
                             .order_by(Assessment.id.desc()).limit(1)) == Period.FINAL


# -- acknowledging and replying ---------------------------------------------------------------------------------

def test_acknowledge(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    assessment = assessed(world, task, db)
    for who in ("monitor", "standing", "other_owner", "inspector"):
        assert_problem(api_as(getattr(world, who)).post(f"assessments/{assessment.id}/acknowledge"), 403)
    owner = api_as(world.owner)
    response = owner.post(f"assessments/{assessment.id}/acknowledge")
    assert response.status_code == 200
    body = response.get_json()
    assert body["acknowledged_by_id"] == world.owner.id and body["acknowledged_at"].startswith("2026-05-01T03:00")
    assert_problem(owner.post(f"assessments/{assessment.id}/acknowledge"), 409)
    assert_problem(owner.post("assessments/999999/acknowledge"), 404)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)).all()
    assert actions.count("assessment.acknowledge") == 1


def test_reply(api_as, world, make_task, db):
    task = make_task(S.APPROVED)
    rec = assessed(world, task, db).recommendations[0]
    owner = api_as(world.owner)
    for who in ("monitor", "standing", "other_owner"):
        assert_problem(api_as(getattr(world, who)).post(f"recommendations/{rec.id}/reply", json={"reply": "x"}), 403)
    assert_problem(owner.post(f"recommendations/{rec.id}/reply", json={"reply": "  "}), 422, "reply")
    assert_problem(owner.post(f"recommendations/{rec.id}/reply", json={}), 422, "reply")
    assert_problem(owner.post(f"recommendations/{rec.id}/reply", json={"reply": "x", "late": True}), 422, "late")
    text = "Đã báo cáo UBND quận; dự kiến bố trí 12 căn hộ tái định cư — quý III"
    response = owner.post(f"recommendations/{rec.id}/reply", json={"reply": text})
    assert response.status_code == 200
    body = response.get_json()
    assert body["reply"] == text and body["status"] == "replied" and body["replied_by_id"] == world.owner.id
    assert_problem(owner.post(f"recommendations/{rec.id}/reply", json={"reply": "Lần nữa"}), 409)
    assert_problem(owner.post("recommendations/999999/reply", json={"reply": "x"}), 404)
    listed = owner.get(f"tasks/{task.id}/assessments").get_json()["items"][0]["recommendations"][0]
    assert listed["reply"] == text


def test_a_locked_task_refuses_acknowledgements_and_replies(api_as, world, make_reviewed_task, db):
    task = make_reviewed_task(stop_at="self_assessed")
    final = monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"}, [
        {"content": "Tổng kết mô hình", "addressee": "Đảng ủy", "reply_deadline": datetime(2026, 6, 1).date()}])
    review.record_verdict(world.standing, task, {"level_id": review.active_levels()[0].id, "reasons": "Tốt"})
    db.session.commit()
    owner = api_as(world.owner)
    assert_problem(owner.post(f"assessments/{final.id}/acknowledge"), 409)
    assert_problem(owner.post(f"recommendations/{final.recommendations[0].id}/reply", json={"reply": "x"}), 409)
