"""The per-person and per-collective dossier: per-year outcome counts against a hand-computed history over two
years, who may see it, what it shows, and a constant number of queries however many tasks it holds."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from registry import clock
from registry.models import Outcome, Period, Task, TaskState
from registry.services import dossier as dossier_service
from registry.services import monitoring, progress, review
from registry.services import tasks as task_service
from tests.conftest import task_input
from tests.helpers import count_queries as _count_queries

# -- helpers ------------------------------------------------------------------------------------------------


def bring_to_verdict(world, levels, task: Task, level: str) -> Task:
    """An approved task through a Q1 note, the self-assessment, the final assessment and the verdict."""
    owner = task.owner
    progress.add_progress_note(owner, task, 1, {"work_done": "Đã làm", "status": "on_track",
                                                "values": {str(task.indicators[0].id): 20}})
    review.submit_self_assessment(owner, task, {
        "reached": {task.indicators[0].id: 0}, "deliverable": "Sản phẩm", "self_level_id": levels["on_time"].id})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"})
    data = {"level_id": levels[level].id, "reasons": "Lý do"}
    if levels[level].requires_percent:
        data["percent"] = 50
    if levels[level].outcome.value in ("partial", "not_done"):
        data["measures"] = "Chuyển sang năm sau"
    review.record_verdict(world.standing, task, data)
    return task


def approved(world, owner, year, title: str, owner_unit_id: int | None = None) -> Task:
    task = task_service.create_task(owner, year, task_input(world.field, year, title=title),
                                    owner_unit_id=owner_unit_id)
    task_service.submit_task(owner, task)
    return task_service.approve_task(world.standing, task, decision_ref="12-QĐ/QU", decision_date=clock.today(),
                                     monitor=world.monitor)


@pytest.fixture
def history(world, make_reviewed_task, make_task, make_year, make_unit, levels, monkeypatch, db):
    """world.owner over two years, with a collective task of a unit they head and another owner's task.

    This year: exceeded ×2, late, partial, on time reopened (superseded, awaiting again), one approved
    (awaiting), a draft and a withdrawn one → listed 8, registered 6, exceeded 2, late 1, partial 1, awaiting 2.
    Last year: not done, stopped, on time → registered 3, one each.
    The collective task (exceeded, this year) counts for the unit only; the other owner's for nobody here."""
    this_year = world.year
    tasks = {
        "a": make_reviewed_task("exceeded", title="Việc A vượt mức"),
        "b": make_reviewed_task("exceeded", title="Việc B vượt mức"),
        "c": make_reviewed_task("late", title="Việc C chậm"),
        "d": make_reviewed_task("partial", title="Việc D một phần"),
        "e": make_task(TaskState.APPROVED, title="Việc E đang làm"),
        "f": make_reviewed_task("on_time", title="Việc F mở lại"),
        "draft": make_task(title="Việc nháp chưa gửi"),
        "withdrawn": make_task(TaskState.WITHDRAWN, title="Việc đã rút"),
    }
    review.reopen_task(world.standing, tasks["f"], "Thiếu minh chứng")
    last_year = make_year(this_year.year - 1)
    monkeypatch.setattr(world, "year", last_year)
    tasks["g"] = make_reviewed_task("not_done", title="Việc G không hoàn thành")
    tasks["h"] = make_reviewed_task("stopped", title="Việc H dừng")
    tasks["i"] = make_reviewed_task("on_time", title="Việc I đúng hạn")
    monkeypatch.setattr(world, "year", this_year)
    unit = make_unit("Phường Quảng An", head=world.owner)
    tasks["collective"] = bring_to_verdict(world, levels, approved(world, world.owner, this_year, "Việc tập thể",
                                                                    owner_unit_id=unit.id), "exceeded")
    tasks["other"] = bring_to_verdict(world, levels, approved(world, world.other_owner, this_year,
                                                              "Việc người khác"), "exceeded")
    db.session.commit()
    return tasks, unit, this_year, last_year


def zero(**counts) -> dict[Outcome, int]:
    return {outcome: counts.get(outcome.value, 0) for outcome in Outcome}


# -- counts -------------------------------------------------------------------------------------------------

def test_counts_per_year_match_the_hand_computed_history(history, world):
    tasks, unit, this_year, last_year = history
    dossier = dossier_service.person_dossier(None, world.owner)
    assert [r.year.year for r in dossier.years] == [this_year.year, last_year.year]
    now, before = dossier.years
    assert now.counts == zero(exceeded=2, late=1, partial=1)
    assert (len(now.tasks), now.registered, now.reviewed, now.awaiting) == (8, 6, 4, 2)
    assert before.counts == zero(not_done=1, stopped=1, on_time=1)
    assert (len(before.tasks), before.registered, before.reviewed, before.awaiting) == (3, 3, 3, 0)
    assert [t.id for t in now.others] == [tasks["collective"].id]
    assert dossier.totals == zero(exceeded=2, late=1, partial=1, not_done=1, stopped=1, on_time=1)
    assert tasks["other"].id not in {t.id for t in dossier.tasks}

    collective = dossier_service.unit_dossier(None, unit)
    assert [r.year.year for r in collective.years] == [this_year.year]
    assert collective.years[0].counts == zero(exceeded=1)
    assert [t.id for t in collective.years[0].tasks] == [tasks["collective"].id]


def _row_counts(html: str, year: int) -> dict[str, int]:
    row = re.search(rf'<tr data-year="{year}">(.*?)</tr>', html, re.S).group(1)
    return {k: int(v) for k, v in re.findall(r'data-outcome="(\w+)">(\d+)<', row)}


def test_dossier_page_shows_counts_records_and_regulation(history, world, login_as):
    tasks, unit, this_year, last_year = history
    page = login_as(world.owner).get(f"/people/{world.owner.id}/dossier")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _row_counts(html, this_year.year) == {"registered": 6, "exceeded": 2, "on_time": 0, "late": 1,
                                                 "partial": 1, "not_done": 0, "stopped": 0, "awaiting": 2}
    assert _row_counts(html, last_year.year) == {"registered": 3, "exceeded": 0, "on_time": 1, "late": 0,
                                                 "partial": 0, "not_done": 1, "stopped": 1, "awaiting": 0}
    assert "366-QĐ/TW" in html  # the year's rating regulation
    for key in [*"abcdefghi", "draft", "withdrawn"]:
        assert f'data-task="{tasks[key].id}"' in html
    assert tasks["other"].title not in html
    # the reopened task shows its superseded verdict and the reason, not counted
    record = html.split(f'data-task="{tasks["f"].id}"')[1].split("</article>")[0]
    assert "verdict-superseded" in record and "Thiếu minh chứng" in record and "verdict-current" not in record
    # decisions, notes, assessments, self-assessment, verdict and commendation of a reviewed task
    record = html.split(f'data-task="{tasks["a"].id}"')[1].split("</article>")[0]
    for text in ("12-QĐ/ĐU", "Đã đối thoại với 44 hộ", "Hoàn thành trước thời hạn", "Mặt bằng sạch đã bàn giao",
                 "Hoàn thành vượt mức", "Giấy khen của Ban Thường vụ", f"/tasks/{tasks['a'].id}/review.pdf"):
        assert text in record, text
    # the collective task is listed, with a link to the unit's dossier
    assert f'data-task="{tasks["collective"].id}"' in html and f"/units/{unit.id}/dossier" in html


def test_unit_dossier_page(history, world, login_as):
    tasks, unit, this_year, _ = history
    html = login_as(world.owner).get(f"/units/{unit.id}/dossier").get_data(as_text=True)
    assert _row_counts(html, this_year.year)["exceeded"] == 1
    assert f'data-task="{tasks["collective"].id}"' in html and f'data-task="{tasks["a"].id}"' not in html


def test_adjustments_amendments_and_replies_appear(world, make_task, levels, login_as, db):
    task = make_task(TaskState.APPROVED, title="Việc có điều chỉnh")
    task_service.adjust_task(world.standing, task, reason="Điều chỉnh mục tiêu",
                             data={"goal": "Mục tiêu đã điều chỉnh"})
    progress.add_progress_note(world.owner, task, 1, {"work_done": "Quý I", "status": "at_risk",
                                                      "values": {str(task.indicators[0].id): 30}})
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {
        "supervision_form": "document_review", "judgement": "late", "shortcomings": "Chậm đối thoại"},
        [{"content": "Đẩy nhanh đối thoại", "addressee": "UBND phường",
          "reply_deadline": clock.today() + timedelta(days=10)}])
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], "Đã tổ chức đối thoại")
    db.session.commit()
    html = login_as(world.secretariat).get(f"/people/{world.owner.id}/dossier").get_data(as_text=True)
    for text in ("Điều chỉnh mục tiêu", "Quý I", "Chậm đối thoại", "Đẩy nhanh đối thoại", "UBND phường",
                 "Đã tổ chức đối thoại"):
        assert text in html, text


# -- who may see ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("owner", 200), ("other_owner", 403), ("monitor", 403), ("other_monitor", 403),
    ("standing", 200), ("secretariat", 200), ("inspector", 200),
])
def test_person_dossier_permissions(who, status, world, make_reviewed_task, login_as):
    make_reviewed_task()
    client = login_as(getattr(world, who))
    assert client.get(f"/people/{world.owner.id}/dossier").status_code == status


@pytest.mark.parametrize("who, status", [
    ("owner", 200), ("other_owner", 403), ("monitor", 403), ("standing", 200), ("secretariat", 200),
    ("inspector", 200),
])
def test_unit_dossier_permissions(who, status, world, make_unit, login_as):
    unit = make_unit("Phường Yên Phụ", head=world.owner)
    client = login_as(getattr(world, who))
    assert client.get(f"/units/{unit.id}/dossier").status_code == status


def test_a_former_head_sees_the_units_dossier(world, make_unit, login_as, db):
    unit = make_unit("Phường Nhật Tân", head=world.owner)
    approved(world, world.owner, world.year, "Việc tập thể cũ", owner_unit_id=unit.id)
    unit.head = world.other_owner
    db.session.commit()
    assert login_as(world.owner).get(f"/units/{unit.id}/dossier").status_code == 200


def test_signed_out_and_unknown(client, world, login_as):
    assert client.get(f"/people/{world.owner.id}/dossier").status_code == 302
    client = login_as(world.secretariat)
    assert client.get("/people/999999/dossier").status_code == 404
    assert client.get("/units/999999/dossier").status_code == 404


# -- queries --------------------------------------------------------------------------------------------------



def rich_task(world, levels, task: Task, reopen: bool) -> Task:
    """An approved task adjusted, with a Q1 note amended later, an acknowledged Q1 assessment whose
    recommendation was replied to, then self-assessed, finally assessed and judged; ``reopen`` adds a
    superseded verdict."""
    task_service.adjust_task(world.standing, task, reason="Điều chỉnh", data={"goal": f"Mục tiêu {task.id}"})
    progress.add_progress_note(task.owner, task, 1, {"work_done": "Quý I", "status": "on_track",
                                                     "values": {str(task.indicators[0].id): 20}})
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"},
        [{"content": "Kiến nghị", "addressee": "UBND", "reply_deadline": clock.today() + timedelta(days=5)}])
    monitoring.acknowledge_assessment(task.owner, assessment)
    monitoring.reply_to_recommendation(task.owner, assessment.recommendations[0], "Đã trả lời")
    review.submit_self_assessment(task.owner, task, {
        "reached": {task.indicators[0].id: 0}, "deliverable": "Sản phẩm", "self_level_id": levels["exceeded"].id})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"})
    review.record_verdict(world.standing, task, {"level_id": levels["exceeded"].id, "reasons": "Tốt",
                                                 "commendation": "praise", "commendation_form": "Biểu dương"})
    if reopen:
        review.reopen_task(world.standing, task, "Xem lại")
        review.record_verdict(world.standing, task, {"level_id": levels["on_time"].id, "reasons": "Lại"})
    return task


def _rich_tasks(world, levels, n: int, unit=None) -> None:
    for i in range(n):
        task = approved(world, world.owner, world.year, f"Việc số {i}", owner_unit_id=unit.id if unit else None)
        rich_task(world, levels, task, reopen=bool(i % 2))


@pytest.mark.parametrize("kind", ["person", "unit"])
def test_dossier_query_count_is_constant(kind, world, levels, make_unit, login_as, db):
    unit = make_unit("Phường Bưởi", head=world.owner) if kind == "unit" else None
    url = f"/units/{unit.id}/dossier" if unit else f"/people/{world.owner.id}/dossier"
    _rich_tasks(world, levels, 2, unit)
    client = login_as(world.secretariat)
    few, _ = _count_queries(db, client, url)
    _rich_tasks(world, levels, 6, unit)
    db.session.commit()
    many, html = _count_queries(db, client, url)
    assert html.count('class="change" id="task-') == 8
    assert html.count("verdict-superseded") == 4
    assert html.count("Đã trả lời") == 8
    assert many == few, f"{few} queries with 2 tasks, {many} with 8"


def test_unit_dossier_counts_collective_tasks_only(world, levels, make_unit, db):
    unit = make_unit("Xã Mỹ Bằng", head=world.owner)
    bring_to_verdict(world, levels, approved(world, world.owner, world.year, "Quy hoạch đô thị loại V",
                                             owner_unit_id=unit.id), "on_time")
    db.session.commit()
    person = dossier_service.person_dossier(None, world.owner)
    assert person.years[0].counts == zero() and len(person.years[0].others) == 1
    assert dossier_service.unit_dossier(None, unit).years[0].counts == zero(on_time=1)


# -- kept rendered ------------------------------------------------------------------------------------------------

def test_the_counts_and_years_are_kept_rendered_until_the_trail_moves(history, world, levels, login_as, laid_out,
                                                                      db):
    tasks, unit, this_year, _ = history
    client = login_as(world.owner)
    url = f"/people/{world.owner.id}/dossier"
    first = client.get(url).get_data(as_text=True)
    again = client.get(url).get_data(as_text=True)
    assert laid_out.count("dossier/_years.html") == laid_out.count("dossier/_counts.html") == 1
    assert laid_out.count("dossier/person.html") == 2
    assert _row_counts(again, this_year.year) == _row_counts(first, this_year.year)
    assert again.split("<main", 1)[1].split("</main>")[0].count('data-task="') == \
        first.split("<main", 1)[1].split("</main>")[0].count('data-task="')
    # another reader is laid out for: what they may see, the links they get
    login_as(world.standing).get(url)
    assert laid_out.count("dossier/_years.html") == 2

    bring_to_verdict(world, levels, tasks["e"], "on_time")  # audited: the trail moves
    db.session.commit()
    moved = login_as(world.owner).get(url).get_data(as_text=True)
    assert laid_out.count("dossier/_years.html") == 3
    assert _row_counts(moved, this_year.year)["on_time"] == _row_counts(first, this_year.year)["on_time"] + 1
