"""Year-end review pages through the test client: who may open and post each page, form errors, the verdict flow
with reopening and a new verdict, carry-over across years, and what the task page's review section shows."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from registry import clock
from registry.models import AuditEvent, Period, Task, TaskState
from registry.services import monitoring, review
from registry.services import tasks as task_service

S = TaskState
ROLES = ["owner", "other_owner", "monitor", "other_monitor", "standing", "standing2", "secretariat", "inspector"]


def in_english(client):
    """Pages in English (Vietnamese is the default), to match the interface's words."""
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def events(db) -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def reload(db, task: Task) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task.id)


# -- the pages, their subject task and a valid submission ---------------------------------------------------------

def self_assessment_input(task, levels, **overrides) -> dict:
    data = {f"reached-{task.indicators[0].id}": "2", "deliverable": "Mặt bằng bàn giao một phần",
            "self_level_id": str(levels["on_time"].id), "shortcomings": "Còn 2 hộ", "lessons": "Đối thoại sớm"}
    data.update(overrides)
    return data


def final_input(**overrides) -> dict:
    data = {"supervision_form": "delegation", "judgement": "late", "strengths": "Kiên trì vận động",
            "shortcomings": "Chậm so với kế hoạch", "causes": "Thiếu quỹ nhà tái định cư"}
    data.update(overrides)
    return data


def verdict_input(levels, level="on_time", **overrides) -> dict:
    data = {"level_id": str(levels[level].id), "percent": "", "reasons": "Hoàn thành đúng hạn",
            "commendation": "praise", "commendation_form": "Biểu dương tại hội nghị", "measures": "",
            "conclusion_ref": "Kết luận số 25-KL/ĐU"}
    data.update(overrides)
    return data


@pytest.fixture
def subjects(world, make_task, make_reviewed_task, make_year, levels, db):
    """One task at the right step for each page, and the valid input of the page's form."""
    approved = make_task(S.APPROVED)
    self_assessed = make_reviewed_task(stop_at="self_assessed")
    final_assessed = make_reviewed_task(stop_at="final_assessed")
    reviewed = make_reviewed_task(level="exceeded")
    unfinished = make_reviewed_task(level="partial")
    next_year = make_year(world.year.year + 1)
    db.session.commit()
    return {
        "self-assessment": (approved, self_assessment_input(approved, levels)),
        "final-assessment": (self_assessed, final_input()),
        "verdict": (final_assessed, verdict_input(levels)),
        "reopen": (reviewed, {"reason": "Phát hiện sai sót số liệu"}),
        "carry-over": (unfinished, {"year_id": str(next_year.id), "reason": "Còn 2 hộ chưa bàn giao"}),
    }


ALLOWED = {"self-assessment": {"owner"}, "final-assessment": {"monitor"}, "verdict": {"standing", "standing2"},
           "reopen": {"standing", "standing2"}, "carry-over": {"owner", "standing", "standing2"}}
CASES = [(page, who) for page in ALLOWED for who in ROLES]


@pytest.mark.parametrize("page,who", CASES)
def test_get_matrix(page, who, subjects, world, login_as):
    task, _ = subjects[page]
    response = login_as(getattr(world, who)).get(f"/tasks/{task.id}/{page}")
    assert response.status_code == (200 if who in ALLOWED[page] else 403)


@pytest.mark.parametrize("page,who", CASES)
def test_post_matrix(page, who, subjects, world, login_as, db):
    task, data = subjects[page]
    before = events(db)
    response = login_as(getattr(world, who)).post(f"/tasks/{task.id}/{page}", data=data)
    if who in ALLOWED[page]:
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert events(db) == before + 1
    else:
        assert response.status_code == 403
        assert events(db) == before


def test_anonymous_is_sent_to_login(subjects, client):
    task, _ = subjects["verdict"]
    response = client.get(f"/tasks/{task.id}/verdict")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("page,who,state", [
    ("self-assessment", "owner", "submitted"),
    ("self-assessment", "owner", "self_assessed"),
    ("final-assessment", "monitor", "approved"),
    ("final-assessment", "monitor", "final_assessed"),
    ("verdict", "standing", "self_assessed"),
    ("verdict", "standing", "reviewed"),
    ("reopen", "standing", "final_assessed"),
    ("carry-over", "owner", "reviewed"),  # judged exceeded: nothing to carry over
])
def test_out_of_order_pages_answer_409(page, who, state, world, make_task, make_reviewed_task, login_as, db):
    if state in ("submitted", "approved"):
        task = make_task(S(state))
    elif state == "reviewed":
        task = make_reviewed_task()
    else:
        task = make_reviewed_task(stop_at=state)
    client = in_english(login_as(getattr(world, who)))
    before = events(db)
    assert client.get(f"/tasks/{task.id}/{page}").status_code == 409
    assert client.post(f"/tasks/{task.id}/{page}", data={"reason": "x"}).status_code == 409
    assert events(db) == before


def test_carry_over_needs_an_open_later_year(make_reviewed_task, make_year, world, login_as):
    task = make_reviewed_task(level="not_done")
    make_year(world.year.year + 1, is_open=False)
    response = in_english(login_as(world.owner)).get(f"/tasks/{task.id}/carry-over")
    assert response.status_code == 409
    assert "No later year is open for registration" in response.get_data(as_text=True)


def test_missing_task_is_404(world, login_as, levels):
    client = login_as(world.standing)
    for page in ALLOWED:
        assert client.get(f"/tasks/999999/{page}").status_code == 404


# -- the pages' content and their form errors ---------------------------------------------------------------------

def test_self_assessment_page_lists_indicators_and_levels(make_task, world, login_as, levels):
    task = make_task(S.APPROVED)
    text = in_english(login_as(world.owner)).get(f"/tasks/{task.id}/self-assessment").get_data(as_text=True)
    indicator = task.indicators[0]
    assert f'name="reached-{indicator.id}"' in text and indicator.name in text
    assert "Completed beyond target" in text and "Stopped with approval" in text  # the levels' English names
    assert "Hoàn thành vượt mức" not in text
    for name in ("deliverable", "self_level_id", "shortcomings", "lessons"):
        assert f'name="{name}"' in text


def test_self_assessment_errors_keep_the_input(make_task, world, login_as, levels, db):
    task = make_task(S.APPROVED)
    before = events(db)
    response = in_english(login_as(world.owner)).post(f"/tasks/{task.id}/self-assessment", data=self_assessment_input(
        task, levels, **{f"reached-{task.indicators[0].id}": "", "deliverable": "", "self_level_id": "0",
                         "lessons": "Bài học giữ lại"}))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Give the value reached." in text and "Describe the deliverable produced." in text
    assert "Choose a level." in text
    assert f'id="reached-{task.indicators[0].id}-error"' in text  # the message sits by its input
    assert "Bài học giữ lại" in text and "Còn 2 hộ" in text
    assert events(db) == before and reload(db, task).state == S.APPROVED


def test_self_assessment_bad_number_is_refused(make_task, world, login_as, levels):
    task = make_task(S.APPROVED)
    response = in_english(login_as(world.owner)).post(f"/tasks/{task.id}/self-assessment", data=self_assessment_input(
        task, levels, **{f"reached-{task.indicators[0].id}": "khoảng 3"}))
    assert response.status_code == 422 and "khoảng 3" in response.get_data(as_text=True)


def test_final_assessment_errors(make_reviewed_task, world, login_as, db):
    task = make_reviewed_task(stop_at="self_assessed")
    client = in_english(login_as(world.monitor))
    page = client.get(f"/tasks/{task.id}/final-assessment").get_data(as_text=True)
    assert "Kiên trì đối thoại" in page  # the owner's self-assessment beside the form
    response = client.post(f"/tasks/{task.id}/final-assessment",
                           data=final_input(judgement="", strengths="Giữ nguyên ưu điểm"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Choose the judgement." in text and "Giữ nguyên ưu điểm" in text
    response = client.post(f"/tasks/{task.id}/final-assessment",
                           data=final_input(strengths="", shortcomings="", causes=""))
    assert response.status_code == 422 and "Write at least the strengths or the shortcomings." in \
        response.get_data(as_text=True)
    assert review.final_assessment(reload(db, task)) is None


@pytest.mark.parametrize("overrides,message", [
    ({"level_id": "0"}, "Choose a level."),
    ({"reasons": ""}, "Give the reasons for the verdict."),
    ({"level": "partial", "percent": "", "measures": "Tiếp tục"}, "Give the share completed"),
    ({"level": "partial", "percent": "140", "measures": "Tiếp tục"}, "Give the share completed"),
    ({"percent": "50"}, "A share is only given for a partial completion."),
    ({"commendation": "reward", "commendation_form": ""}, "Say the form of the commendation."),
    ({"level": "not_done", "commendation": "none", "measures": ""},
     "Say what is to be done about the unfinished task."),
])
def test_verdict_errors_keep_the_input(overrides, message, make_reviewed_task, world, login_as, levels, db):
    task = make_reviewed_task(stop_at="final_assessed")
    level = overrides.pop("level", "on_time")
    data = verdict_input(levels, level, reasons=overrides.pop("reasons", "Lý do giữ lại"), **overrides)
    response = in_english(login_as(world.standing)).post(f"/tasks/{task.id}/verdict", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert "Kết luận số 25-KL/ĐU" in text
    if data["reasons"]:
        assert "Lý do giữ lại" in text
    assert reload(db, task).state == S.SELF_ASSESSED


def test_verdict_page_shows_both_assessments_and_the_scale(make_reviewed_task, world, login_as, levels):
    task = make_reviewed_task(stop_at="final_assessed")
    text = in_english(login_as(world.standing)).get(f"/tasks/{task.id}/verdict").get_data(as_text=True)
    assert "Kiên trì đối thoại" in text and "Hoàn thành trước thời hạn" in text
    for level in levels.values():
        assert level.name_en in text
    for value in ("none", "praise", "reward"):
        assert f'value="{value}"' in text
    for name in ("percent", "reasons", "commendation_form", "measures", "conclusion_ref"):
        assert f'name="{name}"' in text


def test_reopen_and_carry_over_errors(make_reviewed_task, make_year, world, login_as, db):
    reviewed = make_reviewed_task()
    unfinished = make_reviewed_task(level="partial")
    next_year = make_year(world.year.year + 1)
    response = in_english(login_as(world.standing)).post(f"/tasks/{reviewed.id}/reopen", data={"reason": " "})
    assert response.status_code == 422 and "Give the reason for reopening." in response.get_data(as_text=True)
    response = in_english(login_as(world.owner)).post(f"/tasks/{unfinished.id}/carry-over",
                                                      data={"year_id": str(next_year.id), "reason": ""})
    assert response.status_code == 422
    assert "Give the reason for carrying the task over." in response.get_data(as_text=True)
    response = in_english(login_as(world.owner)).post(f"/tasks/{unfinished.id}/carry-over",
                                                      data={"year_id": str(world.year.id), "reason": "x"})
    assert response.status_code == 422  # not one of the choices: only later years with an open window
    assert reload(db, reviewed).state == S.REVIEWED and reload(db, unfinished).carried_into is None


# -- the whole flow through the pages -------------------------------------------------------------------------------

def test_verdict_flow_through_pages(frozen_now, world, make_task, login_as, levels, db):
    frozen_now(datetime(2026, 12, 10, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    db.session.commit()
    url = f"/tasks/{task.id}"

    owner = in_english(login_as(world.owner))
    assert f'href="{url}/self-assessment"' in owner.get(url).get_data(as_text=True)
    response = owner.post(f"{url}/self-assessment", data=self_assessment_input(task, levels, **{
        f"reached-{task.indicators[0].id}": "2,5"}))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#review")
    text = owner.get(url).get_data(as_text=True)
    assert f'href="{url}/self-assessment"' not in text, text[text.find("id=\"review\""):][:3000]
    assert 'id="final-pending"' in text
    assert "2.5" in text and "Đối thoại sớm" in text and "10/12/2026" in text

    monitor = in_english(login_as(world.monitor))
    assert 'id="final-assess"' in monitor.get(url).get_data(as_text=True)
    assert monitor.post(f"{url}/final-assessment", data=final_input()).status_code == 302
    assert 'id="final-assess"' not in monitor.get(url).get_data(as_text=True)

    standing = in_english(login_as(world.standing))
    assert 'id="record-verdict"' in standing.get(url).get_data(as_text=True)
    response = standing.post(f"{url}/verdict", data=verdict_input(levels, "partial", percent="62,5",
                                                                  commendation="none", commendation_form="",
                                                                  measures="Chuyển sang năm sau"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    text = standing.get(url).get_data(as_text=True)
    verdict = reload(db, task).current_verdict
    assert verdict.percent == 62.5 and verdict.level.code == "partial"
    assert 'id="locked-banner"' in text and "Partially completed" in text and "62.5 %" in text
    assert "Chuyển sang năm sau" in text and "Kết luận số 25-KL/ĐU" in text
    assert verdict.seal[:12] in text and 'id="reopen"' in text and 'id="record-verdict"' not in text
    assert "Thiếu quỹ nhà tái định cư" in text  # the final assessment in the review section

    # the owner and the monitor see the verdict but no action; the owner may carry the unfinished task over
    text = in_english(login_as(world.owner)).get(url).get_data(as_text=True)
    assert 'id="reopen"' not in text and 'id="carry-over"' not in text  # no later year open yet
    text = in_english(login_as(world.inspector)).get(url).get_data(as_text=True)
    assert "Partially completed" in text and 'id="reopen"' not in text

    # reopen, then a new verdict by another member; the first stays, superseded, with who, when and why
    standing = in_english(login_as(world.standing))
    assert standing.post(f"{url}/reopen", data={"reason": "Số liệu hộ dân chưa chính xác"}).status_code == 302
    text = standing.get(url).get_data(as_text=True)
    assert 'id="locked-banner"' not in text and 'id="record-verdict"' in text
    assert "Số liệu hộ dân chưa chính xác" in text and "Superseded verdicts" in text
    assert "Reopened on 10/12/2026" in text and world.standing.full_name in text
    standing2 = in_english(login_as(world.standing2))
    response = standing2.post(f"{url}/verdict", data=verdict_input(levels, "on_time", commendation="reward",
                                                                   commendation_form="Giấy khen"))
    assert response.status_code == 302
    text = standing2.get(url).get_data(as_text=True)
    assert 'id="locked-banner"' in text and "Completed on time" in text and "Reward: Giấy khen" in text
    assert text.index('id="verdict"') < text.index("Superseded verdicts")
    task = reload(db, task)
    assert [v.is_current for v in task.verdicts] == [False, True]
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.task_id == task.id)
                                      .order_by(AuditEvent.seq)))
    assert actions[-4:] == ["assessment.create", "task.verdict", "task.reopen", "task.verdict"]


def test_task_page_in_vietnamese_reads_dates_dd_mm_yyyy(make_reviewed_task, world, login_as):
    task = make_reviewed_task()
    text = login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True)
    assert clock.today().strftime("%d/%m/%Y") in text and 'id="locked-banner"' in text


# -- carry-over across years ------------------------------------------------------------------------------------------

def test_carry_over_page_creates_the_linked_draft(make_reviewed_task, make_year, world, login_as, db):
    task = make_reviewed_task(level="partial")
    next_year = make_year(world.year.year + 1)
    make_year(world.year.year + 2, is_open=False)
    db.session.commit()
    owner = in_english(login_as(world.owner))
    text = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f'href="/tasks/{task.id}/carry-over"' in text
    page = owner.get(f"/tasks/{task.id}/carry-over").get_data(as_text=True)
    assert f'<option value="{next_year.id}">{next_year.year}</option>' in page
    assert str(world.year.year + 2) not in page  # its registration window is closed
    response = owner.post(f"/tasks/{task.id}/carry-over", data={"year_id": str(next_year.id),
                                                                "reason": "Còn 2 hộ chưa bàn giao"})
    assert response.status_code == 302
    new = reload(db, task).carried_into
    assert new is not None and new.state == S.DRAFT and new.year_id == next_year.id
    assert response.headers["Location"].endswith(f"/tasks/{new.id}/edit")
    assert owner.get(f"/tasks/{new.id}/edit").status_code == 200

    old_page = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    new_page = owner.get(f"/tasks/{new.id}").get_data(as_text=True)
    assert f'href="/tasks/{new.id}"' in old_page and 'id="carry-over"' not in old_page
    assert f'href="/tasks/{task.id}"' in new_page and "Còn 2 hộ chưa bàn giao" in new_page
    assert owner.get(f"/tasks/{task.id}/carry-over").status_code == 409  # carried over once


def test_lineage_links_across_three_years(make_reviewed_task, make_year, world, login_as, levels, db):
    first = make_reviewed_task(level="partial")
    second_year, third_year = make_year(world.year.year + 1), make_year(world.year.year + 2)
    second = review.carry_over(world.owner, first, second_year, "Còn 2 hộ")
    task_service.update_task(world.owner, second, {
        "kind": "hard", "field_id": world.field.id, "title": second.title, "goal": "Hoàn thành nốt",
        "deliverable": "Mặt bằng", "deadline": date(second_year.year, 10, 1), "is_committed": True,
        "indicators": [{"name": "Hộ chưa bàn giao", "unit": "hộ", "baseline": 3, "target": 0}]})
    task_service.submit_task(world.owner, second)
    task_service.approve_task(world.standing, second, decision_ref="2-QĐ/ĐU", decision_date=clock.today(),
                              monitor=world.monitor)
    review.submit_self_assessment(world.owner, second, {"reached": {second.indicators[0].id: 1},
                                                        "deliverable": "x", "self_level_id": levels["partial"].id})
    monitoring.add_assessment(world.monitor, second, Period.FINAL, {"supervision_form": "field_survey",
                                                                    "judgement": "late", "shortcomings": "Chậm"})
    review.record_verdict(world.standing, second, {"level_id": levels["not_done"].id, "reasons": "Chưa xong",
                                                   "measures": "Chuyển tiếp"})
    third = review.carry_over(world.owner, second, third_year, "Còn 1 hộ")
    db.session.commit()
    owner = login_as(world.owner)
    for task in (first, second, third):
        text = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert 'id="lineage"' in text
        for other in {first, second, third} - {task}:
            assert f'href="/tasks/{other.id}"' in text
        assert text.index(str(first.year.year) + " · ") < text.index(str(third_year.year) + " · ")
