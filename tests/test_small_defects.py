"""Small defects of issue 14: the "%" of the derived percent in the note's flash, the ASCII fallback of a
downloaded name folds đ/Đ, the verdict level shows once on the task page, the dossier's year row says what an
undecided registration is, and a unit's dossier counts its sub-units by the same rule as the list, the report
and the home page."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry import clock
from registry.models import OrgLevel, Role, TaskState
from registry.services import dossier as dossier_service
from registry.services import queries
from registry.services import tasks as task_service
from registry.services.evidence import EvidenceStore, attach_evidence
from registry.services.reports import report_figures
from registry.text import ascii_fallback, attachment_names
from tests.conftest import task_input

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def march(frozen_now):
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


# -- the flash after a note ---------------------------------------------------------------------------------------

def test_the_derived_percent_in_the_flash_has_its_sign(march, world, make_task, login_as):
    task = make_task(TaskState.APPROVED)
    client = login_as(world.owner)
    response = client.post(f"/tasks/{task.id}/notes/new", follow_redirects=True, data={
        "quarter": "1", "work_done": "Vận động 14 hộ", f"values-{task.indicators[0].id}": "14",
        "status": "on_track", "difficulties": "", "causes": "", "proposals": "", "next_plan": ""})
    flash = re.search(r'class="flash flash-success"[^>]*>(.*?)</', response.get_data(as_text=True), re.DOTALL).group(1)
    assert re.search(r"68,2%\.", flash), flash  # 44 → 0 households, 14 left: 68.2 %


# -- the ASCII fallback of a downloaded name ------------------------------------------------------------------------

@pytest.mark.parametrize("name, simple", [
    ("Biên bản đối thoại.pdf", "Bien ban doi thoai.pdf"),
    ("Đề án ĐỔI MỚI.docx", "De an DOI MOI.docx"),
    ("plain.pdf", "plain.pdf"),
])
def test_ascii_fallback_folds_d_bar(name, simple):
    assert ascii_fallback(name) == simple
    names = attachment_names(name)
    assert names["filename"] == simple
    assert ("filename*" in names) == (name != simple)


def test_evidence_download_falls_back_with_d(march, app, world, make_task, login_as, db, tmp_path, monkeypatch):
    from registry.services import progress
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    task = make_task(TaskState.APPROVED)
    note = progress.add_progress_note(world.owner, task, 1, {"work_done": "Đối thoại", "status": "on_track",
                                                             "values": {str(task.indicators[0].id): 20}})
    evidence = attach_evidence(world.owner, note, io.BytesIO(PDF_BYTES), "Biên bản đối thoại.pdf",
                               EvidenceStore(Path(tmp_path)))
    response = login_as(world.owner).get(f"/files/{evidence.id}")
    disposition = response.headers["Content-Disposition"]
    response.close()
    assert 'filename="Bien ban doi thoai.pdf"' in disposition
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20%C4%91%E1%BB%91i%20tho%E1%BA%A1i.pdf" in disposition


def test_dossier_download_falls_back_with_d(world, make_unit, make_person, login_as):
    head = make_person(Role.OWNER)
    unit = make_unit("Đảng ủy Khối Đoàn thể", level=OrgLevel.AGENCY, head=head)
    response = login_as(world.secretariat).get(f"/units/{unit.id}/dossier.docx")
    assert response.status_code == 200
    assert 'filename="Ho so viec kho - Dang uy Khoi Doan the.docx"' in response.headers["Content-Disposition"]


# -- the verdict level once ------------------------------------------------------------------------------------------

def test_the_verdict_level_shows_once(world, make_reviewed_task, levels, login_as):
    task = make_reviewed_task()
    html = login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True)
    verdict = html[html.index('id="verdict"'):]
    verdict = verdict[:verdict.index("</article>")]
    assert verdict.count(levels["exceeded"].name) == 1


# -- the year row of an undecided registration -----------------------------------------------------------------------

def test_year_row_says_what_an_undecided_registration_is(world, make_task, login_as):
    make_task(TaskState.SUBMITTED)
    client = login_as(world.owner)
    html = client.get(f"/people/{world.owner.id}/dossier").get_data(as_text=True)
    row = html[html.index(f'data-year="{world.year.year}"'):]
    row = row[:row.index("</tr>")]
    assert "year-pending" in row and "chờ Ban Thường vụ quyết định" in row
    assert not re.search(r'data-outcome="exceeded">0<', row)  # not a row of zeros
    make_task(TaskState.APPROVED)
    client = login_as(world.owner)
    html = client.get(f"/people/{world.owner.id}/dossier").get_data(as_text=True)
    row = html[html.index(f'data-year="{world.year.year}"'):]
    row = row[:row.index("</tr>")]
    assert "chờ Ban Thường vụ quyết định" in row and "chờ kết luận cuối năm" in row


def test_a_decided_year_row_still_counts(world, make_reviewed_task, login_as):
    make_reviewed_task()
    html = login_as(world.owner).get(f"/people/{world.owner.id}/dossier").get_data(as_text=True)
    assert 'data-outcome="exceeded">1<' in html


# -- one counting rule for a unit with sub-units -------------------------------------------------------------------

def test_unit_dossier_counts_sub_units_like_list_report_and_home(world, make_unit, make_person, login_as, db):
    heads = [make_person(Role.OWNER) for _ in range(3)]
    group = make_unit("Khối dân vận", level=OrgLevel.AGENCY, head=heads[0])
    cell = make_unit("Chi bộ 1", level=OrgLevel.PARTY_CELL, parent=group, head=heads[1])
    sub_cell = make_unit("Tổ đảng 1A", level=OrgLevel.RESIDENTIAL_GROUP, parent=cell, head=heads[2])
    for head, unit in zip(heads, (group, cell, sub_cell)):
        task = task_service.create_task(head, world.year, task_input(world.field, world.year,
                                                                     title=f"Việc của {unit.name}"),
                                        owner_unit_id=unit.id)
        task_service.submit_task(head, task)
        task_service.approve_task(world.standing, task, decision_ref="1-QĐ", decision_date=clock.today(),
                                  monitor=world.monitor)
    outside = task_service.create_task(world.owner, world.year, task_input(world.field, world.year))
    task_service.submit_task(world.owner, outside)  # the committee's own: not in the group
    db.session.commit()

    viewer = world.secretariat
    record = dossier_service.unit_dossier(viewer, group).years[0]
    listed = queries.count(queries.task_list(viewer, queries.TaskFilters(year=world.year.year, unit_id=group.id)))
    report = report_figures(viewer, group.id, world.year.year)["tasks"]["registered"]
    assert record.registered == listed == report == 3
    assert dossier_service.unit_dossier(viewer, cell).years[0].registered == 2
    client = login_as(viewer)
    page = client.get(f"/units/{group.id}/dossier").get_data(as_text=True)
    for unit in (group, cell, sub_cell):
        assert f"Việc của {unit.name}" in page
    assert re.search(r'data-outcome="registered">3<', page)
    html = client.get(f"/tasks/?unit={group.id}&year={world.year.year}").get_data(as_text=True)
    assert len(set(re.findall(r'href="/tasks/(\d+)"', html))) == 3
    # the home page counts the committee's registrations (the three, and the owner's submitted one)
    counts = queries.state_counts(viewer, world.year.year)
    assert sum(counts.values()) == report_figures(viewer, None, world.year.year)["tasks"]["total"] == 4
