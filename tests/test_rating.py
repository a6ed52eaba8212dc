"""Rating facts (per person and per collective, for a year): counts against a hand-computed register, the viewer's
scope, the unit and year filters, sorting, paging, the XLSX read back, the API, and a fixed number of queries."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from registry import clock
from registry.models import Outcome, Period, Role, TaskState
from registry.services import dossier, monitoring, progress, review
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from registry.services.rating import rating_filters, rating_page, rating_rows
from tests.conftest import task_input
from tests.helpers import count_queries

S = TaskState
O = Outcome


def drive(world, levels, owner, *, level: str | None = None, state: S = S.REVIEWED, unit=None, year=None,
          commendation: str = "none", committee=None, decider=None, monitor=None, title: str = "Việc khó"):
    """A task of ``owner`` (collective of ``unit`` when given) brought to ``state`` through the real services;
    REVIEWED with the verdict ``level``."""
    year = year or world.year
    task = task_service.create_task(owner, year, task_input(world.field, year, title=title),
                                    owner_unit_id=unit.id if unit else None)
    if state == S.DRAFT:
        return task
    if state == S.WITHDRAWN:
        return task_service.withdraw_task(owner, task, "Không còn phù hợp")
    task_service.submit_task(owner, task)
    if state == S.SUBMITTED:
        return task
    decider = decider or (world.standing2 if owner.id == world.standing.id else world.standing)
    monitor = monitor or world.monitor
    task_service.approve_task(decider, task, decision_ref="12-QĐ/ĐU", decision_date=clock.today(), monitor=monitor)
    if state == S.APPROVED:
        return task
    progress.add_progress_note(owner, task, 1, {"work_done": "Đã làm", "status": "on_track",
                                                "values": {str(task.indicators[0].id): 20}})
    review.submit_self_assessment(owner, task, {"reached": {task.indicators[0].id: 0}, "deliverable": "Xong",
                                                "self_level_id": levels["exceeded"].id})
    monitoring.add_assessment(monitor, task, Period.FINAL, {"supervision_form": "field_survey",
                                                            "judgement": "on_track", "strengths": "Tốt"})
    if state == S.SELF_ASSESSED:
        return task
    data = {"level_id": levels[level].id, "reasons": "Theo kết quả", "commendation": commendation,
            "commendation_form": "Giấy khen" if commendation != "none" else ""}
    if levels[level].requires_percent:
        data["percent"] = 50
    if levels[level].outcome.value in ("partial", "not_done"):
        data["measures"] = "Chuyển năm sau"
    review.record_verdict(decider, task, data)
    return task


@pytest.fixture
def register(frozen_now, world, levels, make_unit, make_person, make_year, db):
    """The hand-computed register of 2026 (and one task of 2025 that must not count):

    owner (Trần Thị Chủ): exceeded, on_time, late, partial, approved (awaiting), submitted, draft, withdrawn,
      and one reviewed exceeded then reopened (awaiting again: self-assessed)
      → registered 7, exceeded 1, on_time 1, late 1, partial 1, not_done 0, awaiting 2
    other_owner (Lê Văn Khác): not_done, exceeded, exceeded → registered 3, exceeded 2, not_done 1, awaiting 0
    collective Tổ dân phố 1 (head: a new owner): on_time, stopped → registered 2, on_time 1, stopped 1
    far: an owner of another committee (not in the world's scope): exceeded
    """
    owner, other = world.owner, world.other_owner
    for level in ("exceeded", "on_time", "late", "partial"):
        drive(world, levels, owner, level=level)
    drive(world, levels, owner, state=S.APPROVED)
    drive(world, levels, owner, state=S.SUBMITTED)
    drive(world, levels, owner, state=S.DRAFT)
    drive(world, levels, owner, state=S.WITHDRAWN)
    reopened = drive(world, levels, owner, level="exceeded")
    review.reopen_task(world.standing, reopened, "Sai số liệu")
    for level in ("not_done", "exceeded", "exceeded"):
        drive(world, levels, other, level=level)
    head = make_person(Role.OWNER, username="totruong", full_name="Đặng Tổ Trưởng", unit=world.unit)
    group = make_unit("Tổ dân phố 1", head=head)
    drive(world, levels, head, level="on_time", unit=group)
    drive(world, levels, head, level="stopped", unit=group)
    # another top committee, outside the world's people's scope
    far_unit = make_unit("Xã Xa Xôi", parent=None)
    far_owner = make_person(Role.OWNER, username="farowner", full_name="Xa Văn Chủ", committee=far_unit,
                            unit=far_unit)
    far_standing = make_person(Role.STANDING, username="farbtv", committee=far_unit)
    far_monitor = make_person(Role.MONITOR, username="farmttq", committee=far_unit)
    drive(world, levels, far_owner, level="exceeded", decider=far_standing, monitor=far_monitor)
    # last year: not counted in 2026
    last = make_year(world.year.year - 1)
    drive(world, levels, owner, level="not_done", year=last)
    db.session.commit()
    return {"owner": owner, "other": other, "head": head, "group": group, "far": far_owner, "far_unit": far_unit,
            "far_standing": far_standing}


EXPECTED_PEOPLE = {
    "owner": {"registered": 7, "awaiting": 2, O.EXCEEDED: 1, O.ON_TIME: 1, O.LATE: 1, O.PARTIAL: 1, O.NOT_DONE: 0,
              O.STOPPED: 0},
    "other": {"registered": 3, "awaiting": 0, O.EXCEEDED: 2, O.ON_TIME: 0, O.LATE: 0, O.PARTIAL: 0, O.NOT_DONE: 1,
              O.STOPPED: 0},
}


def _as_dict(row):
    return {"registered": row.registered, "awaiting": row.awaiting, **row.counts}


def test_counts_per_person_match_the_hand_computed_register(register, world):
    rows = {row.id: row for row in rating_rows(world.secretariat, rating_filters(world.year.year))}
    assert set(rows) == {register["owner"].id, register["other"].id}  # no collective, nobody out of scope
    for name, expected in EXPECTED_PEOPLE.items():
        row = rows[register[name].id]
        assert _as_dict(row) == expected, name
        assert row.reviewed == sum(expected[o] for o in Outcome)
    assert rows[register["owner"].id].name == "Trần Thị Chủ"
    assert rows[register["owner"].id].unit_name == world.unit.name


def test_counts_agree_with_the_dossier(register, world):
    rows = {row.id: row for row in rating_rows(world.secretariat, rating_filters(world.year.year))}
    for name in ("owner", "other"):
        person = register[name]
        record = next(r for r in dossier.person_dossier(world.secretariat, person).years if r.year.id == world.year.id)
        assert rows[person.id].counts == record.counts
        assert rows[person.id].registered == record.registered


def test_counts_per_collective(register, world):
    rows = rating_rows(world.secretariat, rating_filters(world.year.year, "unit"))
    assert [(r.id, r.name, r.unit_name) for r in rows] == [(register["group"].id, "Tổ dân phố 1", world.unit.name)]
    assert _as_dict(rows[0]) == {"registered": 2, "awaiting": 0, O.EXCEEDED: 0, O.ON_TIME: 1, O.LATE: 0,
                                 O.PARTIAL: 0, O.NOT_DONE: 0, O.STOPPED: 1}


def test_the_year_filter(register, world):
    rows = rating_rows(world.secretariat, rating_filters(world.year.year - 1))
    assert [(_as_dict(r)[O.NOT_DONE], r.registered) for r in rows] == [(1, 1)]
    assert rating_rows(world.secretariat, rating_filters(1999)) == []


def test_scope_is_what_the_viewer_may_read(register, world):
    # the owner reads only their own tasks: their row alone
    rows = rating_rows(world.owner, rating_filters(world.year.year))
    assert [r.id for r in rows] == [register["owner"].id]
    # the other committee's Standing Committee sees only its own owner
    rows = rating_rows(register["far_standing"], rating_filters(world.year.year))
    assert [(r.id, r.counts[O.EXCEEDED]) for r in rows] == [(register["far"].id, 1)]
    # the monitor reads the tasks assigned to them: every individual task here, not the other committee's
    rows = {r.id for r in rating_rows(world.monitor, rating_filters(world.year.year))}
    assert register["far"].id not in rows


def test_unit_subtree_filter(register, world, make_unit, db):
    rows = rating_rows(world.secretariat, rating_filters(world.year.year, "unit", unit_id=world.unit.id))
    assert [r.id for r in rows] == [register["group"].id]
    sibling = make_unit("Tổ dân phố 2")
    db.session.commit()
    assert rating_rows(world.secretariat, rating_filters(world.year.year, "unit", unit_id=sibling.id)) == []


def test_sorting_and_paging(register, world):
    by_exceeded = rating_rows(world.secretariat, rating_filters(world.year.year, sort="exceeded", direction="desc"))
    assert [r.id for r in by_exceeded] == [register["other"].id, register["owner"].id]
    by_name = rating_rows(world.secretariat, rating_filters(world.year.year, sort="name"))
    assert [r.name for r in by_name] == ["Lê Văn Khác", "Trần Thị Chủ"]  # diacritics ignored: L before T
    page = rating_page(world.secretariat, rating_filters(world.year.year, sort="registered"), page=2, per_page=1)
    assert page.total == 2 and page.pages == 2 and [r.id for r in page.items] == [register["owner"].id]
    # an unknown sort falls back to the name
    assert rating_filters(2026, sort="x; DROP TABLE", direction="sideways").sort == "name"


def test_page_shows_the_counts_and_refuses_the_others(register, world, login_as, client):
    login_as(world.secretariat)
    response = client.get(f"/rating?year={world.year.year}&sort=exceeded&dir=desc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Lê Văn Khác") < html.index("Trần Thị Chủ")
    assert f'data-subject="{register["owner"].id}"' in html
    assert "Xa Văn Chủ" not in html
    assert client.get("/rating?by=unit").status_code == 200
    assert client.get(f"/rating?unit={register['far_unit'].id}").status_code == 404  # a unit outside one's scope
    login_as(world.owner)
    assert client.get("/rating").status_code == 403  # reports are for the Standing Committee, office, inspectors


def test_xlsx_reads_back(register, world, login_as, client):
    login_as(world.inspector)
    response = client.get(f"/rating.xlsx?year={world.year.year}&sort=name")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên" and rows[0][2] == "Số việc đăng ký"
    assert rows[1][:9] == ("Lê Văn Khác", world.unit.name, 3, 2, 0, 0, 0, 1, 0)
    assert rows[2][:9] == ("Trần Thị Chủ", world.unit.name, 7, 1, 1, 1, 1, 0, 0)
    assert rows[2][-2:] == (4, 2)  # reviewed, awaiting
    assert len(rows) == 3


def test_api_rating_facts(register, world, client, db):
    token = token_service.create_token(world.standing, "Kiểm thử")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/rating-facts?year={world.year.year}&sort=registered&dir=desc",
                      headers=headers).get_json()
    assert body["total"] == 2 and body["by"] == "person"
    first = body["items"][0]
    assert first["id"] == register["owner"].id and first["registered"] == 7 and first["awaiting"] == 2
    assert first["counts"] == {"exceeded": 1, "on_time": 1, "late": 1, "partial": 1, "not_done": 0, "stopped": 0}
    units = client.get(f"/api/v1/rating-facts?year={world.year.year}&by=unit", headers=headers).get_json()
    assert [i["counts"]["stopped"] for i in units["items"]] == [1]
    bad = client.get(f"/api/v1/rating-facts?year={world.year.year}&unit={register['far_unit'].id}", headers=headers)
    assert bad.status_code == 422 and "unit" in bad.get_json()["errors"]
    assert client.get("/api/v1/rating-facts?year=2026&sort=nope", headers=headers).status_code == 422


def test_a_fixed_number_of_queries(world, levels, make_person, login_as, client, db, frozen_now):
    def grow(n):
        for i in range(n):
            person = make_person(Role.OWNER, unit=world.unit)
            drive(world, levels, person, level=("exceeded", "late", "not_done")[i % 3])
        db.session.commit()

    grow(2)
    login_as(world.secretariat)
    url = f"/rating?year={world.year.year}&sort=late"
    small, _ = count_queries(db, client, url)
    grow(8)
    large, page = count_queries(db, client, url)
    assert "data-subject" in page
    assert large == small
