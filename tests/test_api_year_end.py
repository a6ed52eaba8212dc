"""The API's year-end review (Form D): self-assessment, verdict, reopening, carry-over, the carry-over chain and
the verdict scale."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.models import Task, TaskState, Verdict
from tests import test_api_contract
from tests.test_api_contract import assert_problem

S = TaskState
#: the contract tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as


def self_assessment_body(task, levels, **overrides) -> dict:
    data = {"reached": {str(task.indicators[0].id): 2}, "deliverable": "Mặt bằng bàn giao một phần",
            "self_level_id": levels["on_time"].id, "shortcomings": "Còn 2 hộ", "lessons": "Đối thoại sớm"}
    data.update(overrides)
    return data


def verdict_body(levels, level="on_time", **overrides) -> dict:
    data = {"level_id": levels[level].id, "reasons": "Hoàn thành đúng hạn", "commendation": "praise",
            "commendation_form": "Biểu dương tại hội nghị", "conclusion_ref": "Kết luận số 25-KL/ĐU"}
    data.update(overrides)
    return data


def test_verdict_levels(api_as, world, levels):
    items = api_as(world.owner).get("verdict-levels").get_json()["items"]
    assert [i["code"] for i in items] == ["exceeded", "on_time", "late", "partial", "not_done", "stopped"]
    partial = items[3]
    assert partial == {"id": levels["partial"].id, "code": "partial", "name": "Hoàn thành một phần",
                       "name_en": "Partially completed", "sort_order": 40, "outcome": "partial",
                       "requires_percent": True}


# -- self-assessment -----------------------------------------------------------------------------------------------

def test_self_assessment(api_as, world, make_task, levels, db):
    task = make_task(S.APPROVED)
    owner = api_as(world.owner)
    etag = owner.get(f"tasks/{task.id}").headers["ETag"]
    assert_problem(owner.post(f"tasks/{task.id}/self-assessment", json=self_assessment_body(task, levels),
                              headers={"If-Match": '"0-stale"'}), 412)
    response = owner.post(f"tasks/{task.id}/self-assessment", json=self_assessment_body(task, levels),
                          headers={"If-Match": etag})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["task_id"] == task.id and body["author_id"] == world.owner.id
    assert body["deliverable"] == "Mặt bằng bàn giao một phần" and body["self_level_id"] == levels["on_time"].id
    assert body["indicator_results"] == [{"indicator_id": task.indicators[0].id, "name": "Hộ chưa đồng thuận",
                                          "unit": "hộ", "baseline": 44.0, "target": 0.0, "reached": 2.0}]
    assert owner.get(f"tasks/{task.id}").get_json()["state"] == "self_assessed"
    assert_problem(owner.post(f"tasks/{task.id}/self-assessment", json=self_assessment_body(task, levels)), 409)


def test_self_assessment_refusals(api_as, world, make_task, levels, db):
    task, submitted = make_task(S.APPROVED), make_task(S.SUBMITTED)
    owner = api_as(world.owner)
    path = f"tasks/{task.id}/self-assessment"
    for who in ("monitor", "standing", "secretariat"):
        assert_problem(api_as(getattr(world, who)).post(path, json=self_assessment_body(task, levels)), 403)
    assert_problem(api_as(world.other_owner).post(path, json=self_assessment_body(task, levels)), 403)
    assert_problem(owner.post(f"tasks/{submitted.id}/self-assessment",
                              json=self_assessment_body(submitted, levels)), 409)
    assert_problem(owner.post(path, json={}), 422, f"reached.{task.indicators[0].id}", "deliverable",
                   "self_level_id")
    assert_problem(owner.post(path, json=self_assessment_body(task, levels, mood="tốt")), 422, "mood")
    assert_problem(owner.post(path, json=self_assessment_body(task, levels, self_level_id=999999)), 422,
                   "self_level_id")
    assert_problem(owner.post(path, json=self_assessment_body(task, levels, reached={
        str(task.indicators[0].id): "hai"})), 422, f"reached.{task.indicators[0].id}")
    assert_problem(owner.post("tasks/999999/self-assessment", json=self_assessment_body(task, levels)), 404)
    db.session.expire_all()
    assert db.session.get(Task, task.id).state == S.APPROVED


# -- the verdict -------------------------------------------------------------------------------------------------------

def test_verdict(api_as, world, make_reviewed_task, levels, db):
    task = make_reviewed_task(stop_at="final_assessed")
    db.session.commit()
    standing = api_as(world.standing)
    response = standing.post(f"tasks/{task.id}/verdict", json=verdict_body(levels))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["level"]["code"] == "on_time" and body["level"]["outcome"] == "on_time"
    assert body["commendation"] == "praise" and body["commendation_form"] == "Biểu dương tại hội nghị"
    assert body["decided_by_id"] == world.standing.id and body["is_current"] is True and len(body["seal"]) == 64
    assert body["percent"] is None and body["reopened_at"] is None
    assert standing.get(f"tasks/{task.id}").get_json()["state"] == "reviewed"
    assert_problem(standing.post(f"tasks/{task.id}/verdict", json=verdict_body(levels)), 409)


def test_verdict_refusals(api_as, world, make_reviewed_task, levels, db):
    final_assessed = make_reviewed_task(stop_at="final_assessed")
    self_assessed = make_reviewed_task(stop_at="self_assessed")
    db.session.commit()
    path = f"tasks/{final_assessed.id}/verdict"
    for who in ("owner", "monitor", "secretariat", "inspector"):
        assert_problem(api_as(getattr(world, who)).post(path, json=verdict_body(levels)), 403)
    standing = api_as(world.standing)
    body = assert_problem(standing.post(f"tasks/{self_assessed.id}/verdict", json=verdict_body(levels),
                                        headers={"Accept-Language": "en"}), 409)
    assert body["detail"] == "The monitor's final assessment is required before the verdict."
    assert_problem(standing.post(path, json=verdict_body(levels, "partial", commendation="none",
                                                         commendation_form="")), 422, "percent", "measures")
    assert_problem(standing.post(path, json=verdict_body(levels, percent=50)), 422, "percent")
    assert_problem(standing.post(path, json=verdict_body(levels, reasons="")), 422, "reasons")
    assert_problem(standing.post(path, json=verdict_body(levels, commendation="medal")), 422, "commendation")
    assert_problem(standing.post(path, json=verdict_body(levels, seal="x")), 422, "seal")
    assert_problem(standing.post(path, json={**verdict_body(levels), "level_id": None}), 422, "level_id")
    assert db.session.scalar(select(func.count()).select_from(Verdict)) == 0


def test_partial_verdict_with_percent(api_as, world, make_reviewed_task, levels, db):
    task = make_reviewed_task(stop_at="final_assessed")
    db.session.commit()
    response = api_as(world.standing).post(f"tasks/{task.id}/verdict", json=verdict_body(
        levels, "partial", percent=62.5, commendation="none", commendation_form="", measures="Chuyển năm sau"))
    assert response.status_code == 201 and response.get_json()["percent"] == 62.5


# -- reopening -----------------------------------------------------------------------------------------------------

def test_reopen(api_as, world, make_reviewed_task, levels, db):
    task = make_reviewed_task()
    db.session.commit()
    for who in ("owner", "monitor", "secretariat"):
        assert_problem(api_as(getattr(world, who)).post(f"tasks/{task.id}/reopen", json={"reason": "x"}), 403)
    standing = api_as(world.standing)
    assert_problem(standing.post(f"tasks/{task.id}/reopen", json={"reason": " "}), 422, "reason")
    assert_problem(standing.post(f"tasks/{task.id}/reopen", json={}), 422, "reason")
    response = standing.post(f"tasks/{task.id}/reopen", json={"reason": "Phát hiện sai sót số liệu"})
    assert response.status_code == 200 and response.get_json()["state"] == "self_assessed"
    assert response.headers["ETag"]
    assert_problem(standing.post(f"tasks/{task.id}/reopen", json={"reason": "Lần nữa"}), 409)
    verdict = db.session.scalars(select(Verdict).where(Verdict.task_id == task.id)).one()
    db.session.refresh(verdict)
    assert verdict.is_current is False and verdict.reopen_reason == "Phát hiện sai sót số liệu"
    again = api_as(world.standing2).post(f"tasks/{task.id}/verdict", json=verdict_body(levels, "exceeded"))
    assert again.status_code == 201


# -- carry-over and lineage ------------------------------------------------------------------------------------------

def test_carry_over_and_lineage(api_as, world, make_reviewed_task, make_year, db):
    task = make_reviewed_task(level="partial")
    next_year = make_year(world.year.year + 1)
    db.session.commit()
    owner = api_as(world.owner)
    response = owner.post(f"tasks/{task.id}/carry-over", json={"year_id": next_year.id,
                                                               "reason": "Còn 2 hộ chưa bàn giao"})
    assert response.status_code == 201, response.get_json()
    new = response.get_json()
    assert new["state"] == "draft" and new["year"] == next_year.year and new["owner"]["id"] == world.owner.id
    assert new["title"] == task.title and new["deadline"] is None and new["is_committed"] is False
    assert new["indicators"] == []  # its one indicator was met (0 households left): nothing of it is carried
    assert response.headers["Location"].endswith(f"/api/v1/tasks/{new['id']}") and response.headers["ETag"]
    assert_problem(owner.post(f"tasks/{task.id}/carry-over", json={"year_id": next_year.id, "reason": "x"}), 409)

    for who, task_id in (("monitor", task.id), ("inspector", task.id), ("inspector", new["id"])):
        chain = api_as(getattr(world, who)).get(f"tasks/{task_id}/lineage").get_json()["items"]
        assert [t["id"] for t in chain] == [task.id, new["id"]]
    assert_problem(api_as(world.monitor).get(f"tasks/{new['id']}/lineage"), 403)  # not its monitor (yet)
    chain = owner.get(f"tasks/{new['id']}/lineage").get_json()["items"]
    assert chain[0]["verdict"]["outcome"] == "partial" and chain[0]["verdict"]["level"] == "Hoàn thành một phần"
    assert chain[1]["verdict"] is None and chain[1]["carried_from_id"] == task.id
    assert chain[1]["carry_reason"] == "Còn 2 hộ chưa bàn giao"
    assert_problem(api_as(world.other_owner).get(f"tasks/{task.id}/lineage"), 403)


def test_carry_over_refusals(api_as, world, make_reviewed_task, make_year, db):
    unfinished, done = make_reviewed_task(level="not_done"), make_reviewed_task(level="exceeded")
    closed = make_year(world.year.year + 1, is_open=False)
    db.session.commit()
    owner = api_as(world.owner)
    path = f"tasks/{unfinished.id}/carry-over"
    body = {"year_id": closed.id, "reason": "Chưa xong"}
    assert_problem(api_as(world.monitor).post(path, json=body), 403)
    assert_problem(api_as(world.other_owner).post(path, json=body), 403)
    assert_problem(owner.post(f"tasks/{done.id}/carry-over", json=body), 409)
    assert_problem(owner.post(path, json=body), 409)  # the later year's registration is closed
    assert_problem(owner.post(path, json={**body, "year_id": world.year.id}), 422, "year_id")
    assert_problem(owner.post(path, json={**body, "year_id": 999999}), 422, "year_id")
    assert_problem(owner.post(path, json={"reason": "x"}), 422, "year_id")
    assert_problem(owner.post(path, json={**body, "year_id": str(closed.id)}), 409)  # a numeric string is read
    assert db.session.scalar(select(func.count()).select_from(Task)) == 2


@pytest.mark.parametrize("path", ["self-assessment", "verdict", "reopen", "carry-over"])
def test_unknown_task_is_404(path, api_as, world, levels):
    body = {"year_id": world.year.id} if path == "carry-over" else {}  # a valid body: shapes are checked first
    assert_problem(api_as(world.standing).post(f"tasks/999999/{path}", json=body), 404)
