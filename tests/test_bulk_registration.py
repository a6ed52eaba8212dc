"""Bulk registration from a spreadsheet (registry.services.bulk_registration): a sheet is imported whole or not at
all, with row-level Vietnamese messages; the same file twice changes nothing; a year exported from one
installation imports into an empty one with the same people and units and exports the same again; text that a
spreadsheet would run as a formula is neutralised in the export and read back as typed; only the secretariat of a
row's committee (or of a unit above it) imports it; the command line and the pages use the same service."""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from datetime import date

import pytest
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry import create_app, labels
from registry.exports.sheet import Sheet, csv_bytes, read_rows, xlsx_bytes
from registry.extensions import db as _db
from registry.models import (
    AuditEvent,
    Field,
    OrgLevel,
    OrgUnit,
    Person,
    Role,
    Task,
    TaskKind,
    TaskState,
    Year,
)
from registry.models.org import place
from registry.services import bulk_registration as bulk
from registry.services import tasks as task_service
from registry.services.errors import PermissionDenied
from registry.services.verify import verify_all
from tests.conftest import task_input


def sheet(rows: list[dict], fmt: str = "xlsx", indicators: int = 2, milestones: int = 2) -> bytes:
    """A registration sheet with the template's (Vietnamese) headers."""
    cols = bulk.columns(indicators, milestones)
    spec = Sheet("Đăng ký", [h for _k, h in cols], [[r.get(k) for k, _h in cols] for r in rows])
    return xlsx_bytes([spec]) if fmt == "xlsx" else csv_bytes(spec)


def row(world, **over) -> dict:
    year = world.year.year
    data = {
        "year": year, "owner": "owner", "committee": world.unit.code, "kind": str(labels.KIND[TaskKind.HARD]),
        "field": world.field.name, "title": "Giải phóng mặt bằng mương Thụy Khuê",
        "situation": "Dự án chậm từ năm 2012; 44 hộ chưa đồng thuận.", "goal": "Bàn giao mặt bằng sạch",
        "deliverable": "Mặt bằng sạch", "deadline": date(year, 11, 30),
        "indicators.0.name": "Hộ chưa đồng thuận", "indicators.0.unit": "hộ", "indicators.0.baseline": 44,
        "indicators.0.target": 0,
        "milestones.0.description": "Hoàn thành đối thoại", "milestones.0.due_on": date(year, 6, 30),
    }
    data.update(over)
    return data


def issues(report) -> set[tuple[int, str, str]]:
    return {(i.row, i.column, i.message) for i in report.issues}


def header(key: str) -> str:
    return dict(bulk.columns(bulk.MAX_ROWS, bulk.MAX_ROWS))[key]


def counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Task)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.fixture
def ready(frozen_now, world, db):
    db.session.commit()
    return world


# -- importing -------------------------------------------------------------------------------------------------------

def test_a_clean_sheet_registers_a_draft_for_each_owner_through_the_service(ready, db, app, tmp_path):
    world = ready
    data = sheet([row(world), row(world, owner="OTHER", committee="", title="Nạo vét kênh Thụy Khuê",
                                  **{"indicators.1.name": "Chiều dài kênh", "indicators.1.unit": "m",
                                     "indicators.1.target": "1.200,5".replace(".", "")})])
    progress = []
    report = bulk.import_registrations(world.secretariat, data, progress=lambda done, total: progress.append(
        (done, total)))
    assert report.ok, report.issues
    db.session.commit()
    assert [t.owner.username for t in report.created] == ["owner", "other"]
    first, second = report.created
    assert first.state == TaskState.DRAFT and first.committee_id == world.unit.id and not first.is_committed
    assert first.deadline == date(world.year.year, 11, 30) and first.situation.startswith("Dự án chậm")
    assert [(i.name, i.unit, i.baseline, i.target) for i in first.indicators] == [("Hộ chưa đồng thuận", "hộ", 44, 0)]
    assert [(m.description, m.due_on) for m in first.milestones] == [("Hoàn thành đối thoại",
                                                                      date(world.year.year, 6, 30))]
    assert [(i.name, i.baseline, i.target) for i in second.indicators][1] == ("Chiều dài kênh", None, 1200.5)
    assert progress[0] == (0, 2) and progress[-1] == (2, 2)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.create")).all()
    assert {e.actor_id for e in events} == {world.secretariat.id}
    assert {(e.data["after"]["on_behalf_of_id"], e.data["after"]["imported"]) for e in events} == {
        (world.owner.id, True), (world.other_owner.id, True)}
    assert verify_all(app.config["AUDIT_KEY"], tmp_path).ok
    # the owner takes the draft from there: ticks the commitment and submits
    task_service.update_task(world.owner, first, {**task_input(world.field, world.year), "title": first.title})
    assert task_service.submit_task(world.owner, first).state == TaskState.SUBMITTED


def test_bad_rows_reject_the_whole_file_with_row_level_vietnamese_messages(ready, db, make_unit):
    world = ready
    y = world.year.year
    rows = [
        row(world),                                                             # row 2: fine
        row(world, owner="ai-do", title="Việc 3"),                              # unknown owner
        row(world, committee="KHONG-CO", title="Việc 4"),                      # unknown unit
        row(world, field="Lĩnh vực không có", title="Việc 5"),                 # unknown field
        row(world, title="Việc 6", **{"indicators.0.target": 44}),              # target equal to baseline
        row(world, title=" giải phóng mặt bằng  MƯƠNG Thụy Khuê"),              # duplicate of row 2
        row(world, title="Việc 8", deadline="31/02/" + str(y)),                # bad date
        row(world, title="Việc 9", **{"milestones.0.due_on": "30/06/1999"}),   # a milestone outside the year
    ]
    before = counts(db)
    report = bulk.import_registrations(world.secretariat, sheet(rows))
    assert not report.ok and report.created == []
    found = issues(report)
    assert (3, header("owner"), "Không có tài khoản nào có tên đăng nhập ai-do.") in found
    assert (4, header("committee"), "Không có đơn vị nào có mã KHONG-CO.") in found
    assert (5, header("field"), str(_l("Unknown field “%(value)s”: write a field's name as the registry lists it.",
                                      value="Lĩnh vực không có"))) in found
    assert (6, header("indicators.0.target"), str(_l("The target must differ from the baseline."))) in found
    assert (7, header("title"), str(_l("The same owner, year and title as row %(row)d.", row=2))) in found
    assert (8, header("deadline"), "Nhập ngày theo dạng dd/mm/yyyy.") in found
    assert (9, header("milestones.0.due_on"), str(_l("The date must fall in %(year)d.", year=y))) in found
    assert {i.row for i in report.issues} == {3, 4, 5, 6, 7, 8, 9}
    assert all(m != m.encode("ascii", "ignore").decode() or m.startswith("Không") for _r, _c, m in found), found
    db.session.rollback()
    assert counts(db) == before  # nothing half-written


def test_the_header_row_is_checked_and_formulas_are_refused(ready, db):
    world = ready
    book = Workbook()
    ws = book.active
    cols = bulk.columns(1, 1)
    ws.append([h for _k, h in cols] + ["Cột lạ"])
    values = row(world)
    ws.append([values.get(k) for k, _h in cols])
    ws.cell(row=2, column=[k for k, _h in cols].index("title") + 1, value="=HYPERLINK(\"http://x\",\"bấm\")")
    out = io.BytesIO()
    book.save(out)
    report = bulk.check_import(world.secretariat, out.getvalue())
    assert (1, "Cột lạ", str(_l("Unknown column: use the template's headers."))) in issues(report)
    # without the unknown column, the formula is named on its cell
    ws.delete_cols(len(cols) + 1)
    out = io.BytesIO()
    book.save(out)
    report = bulk.check_import(world.secretariat, out.getvalue())
    assert issues(report) == {(2, header("title"), str(_l("Formulas are not accepted: type the value itself.")))}
    missing = Sheet("x", [header("owner"), header("title")], [["owner", "Việc"]])
    report = bulk.check_import(world.secretariat, xlsx_bytes([missing]))
    assert (1, header("year"), str(_l("This column is missing."))) in issues(report)


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    (b"%PDF-1.4\n1 0 obj <<>> endobj\n", "Only XLSX and CSV files are accepted."),
    ("Năm;Tên việc\n".encode("utf-16"), "Only XLSX and CSV files are accepted (a CSV file must be saved as UTF-8)."),
    (b"PK\x03\x04" + b"\x00" * 40, "The XLSX file is damaged."),
    (b"9" * (8 * 1024 * 1024 + 1), "The file is larger than %(n)d MB."),
])
def test_only_xlsx_and_csv_by_content(ready, content, message):
    report = bulk.check_import(ready.secretariat, content)
    assert [i.message for i in report.issues] == [str(_l(message, n=8))]


def test_a_zip_that_is_not_a_workbook_is_refused(ready):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    report = bulk.check_import(ready.secretariat, out.getvalue())
    assert [i.message for i in report.issues] == [str(_l("Only XLSX and CSV files are accepted."))]


def test_a_csv_in_excel_semicolon_style_imports(ready, db):
    world = ready
    cols = bulk.columns(2, 2)
    values = row(world, deadline=f"30/11/{world.year.year}", **{"milestones.0.due_on": f"30/06/{world.year.year}"})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([h for _k, h in cols])
    writer.writerow(["" if values.get(k) is None else values.get(k) for k, _h in cols])
    data = out.getvalue().encode("utf-8")
    report = bulk.import_registrations(world.secretariat, data)
    assert report.ok, report.issues
    assert report.created[0].deadline == date(world.year.year, 11, 30)


def test_registration_window_and_accounts_are_checked(ready, db, make_year, make_person):
    world = ready
    closed = make_year(world.year.year + 1, is_open=False)
    gone = make_person(Role.OWNER, username="danghi", is_active=False)
    db.session.commit()
    report = bulk.check_import(world.secretariat, sheet([
        row(world, year=closed.year, deadline=None, **{"milestones.0.due_on": None, "milestones.0.description": ""}),
        row(world, owner="danghi"), row(world, owner="monitor")]))
    found = {(i.row, i.column) for i in report.issues}
    assert (2, header("year")) in found
    assert (3, header("owner"), str(_l("This account is deactivated: it cannot register tasks."))) in issues(report)
    assert (4, header("committee"), str(_l("%(owner)s does not register tasks with %(unit)s (no owner role there).",
                                         owner="monitor", unit=world.unit.name))) in issues(report)
    assert gone.id


# -- idempotence and the round trip --------------------------------------------------------------------------------

def test_importing_the_same_file_again_changes_nothing(ready, db):
    world = ready
    data = sheet([row(world), row(world, owner="other", title="Nạo vét kênh")])
    assert bulk.import_registrations(world.secretariat, data).ok
    db.session.commit()
    before = counts(db)
    again = bulk.import_registrations(world.secretariat, data)
    assert again.ok and again.created == [] and len(again.already) == 2
    db.session.commit()
    assert counts(db) == before


def test_a_withdrawn_registration_does_not_count_as_registered(ready, db, make_task):
    world = ready
    make_task(TaskState.WITHDRAWN, title=row(world)["title"])
    report = bulk.check_import(world.secretariat, sheet([row(world)]))
    assert report.ok and len(report.new) == 1


def _same_world(world) -> None:
    """In another installation: the world's units, people (with their grants), field and year, by code and name."""
    units: dict[int, OrgUnit] = {}
    for unit in sorted(world["units"], key=lambda u: u["path"]):
        copy = OrgUnit(name=unit["name"], code=unit["code"], level=OrgLevel(unit["level"]),
                       parent=units.get(unit["parent_id"]))
        _db.session.add(copy)
        _db.session.flush()
        place(copy)
        units[unit["id"]] = copy
    people = {}
    for person in world["people"]:
        copy = Person(username=person["username"], full_name=person["full_name"], password_hash="x")
        for role, unit_id in person["grants"]:
            copy.grant(Role(role), units[unit_id])
        _db.session.add(copy)
        people[person["id"]] = copy
    _db.session.flush()
    for unit in world["units"]:
        if unit["head_id"]:
            units[unit["id"]].head = people[unit["head_id"]]
    _db.session.add(Field(name=world["field"]))
    year = world["year"]
    _db.session.add(Year(year=year.year, registration_opens_on=year.registration_opens_on,
                         registration_closes_on=year.registration_closes_on, q1_deadline=year.q1_deadline,
                         q2_deadline=year.q2_deadline, q3_deadline=year.q3_deadline, q4_deadline=year.q4_deadline))
    _db.session.flush()


def test_a_year_exported_imports_into_an_empty_installation_and_exports_the_same(ready, db, app, make_task,
                                                                                 make_unit, tmp_path):
    world = ready
    ward = make_unit("Tổ dân phố 5", level=OrgLevel.RESIDENTIAL_GROUP, head=world.owner, code="TDP-5")
    make_task(TaskState.APPROVED)
    task_service.create_task(world.owner, world.year, task_input(
        world.field, world.year, title="Việc tập thể", authority="superior",
        indicators=[{"name": "Diện tích", "unit": "m²", "baseline": 12.5, "target": 120},
                    {"name": "Tỷ lệ", "unit": "%", "baseline": None, "target": 100}],
        milestones=[{"description": "Một", "due_on": date(world.year.year, 3, 1)},
                    {"description": "Hai", "due_on": date(world.year.year, 5, 1)},
                    {"description": "Ba", "due_on": date(world.year.year, 7, 1)}]), owner_unit_id=ward.id)
    make_task(owner=world.other_owner, title="+84 hộ: =SUM(A1) @chú ý", situation="-3 hộ\tcòn lại", deadline=None,
              milestones=[])
    make_task(TaskState.WITHDRAWN, title="Đã rút")
    db.session.commit()
    for fmt in ("xlsx", "csv"):
        name, exported, _mime = bulk.export_file(world.secretariat, world.year, fmt)
        assert name.endswith(f".{fmt}")
        first = read_rows(exported)
        assert len(first) == 1 + 3  # header and three registrations, the withdrawn one left out
        snapshot = {
            "units": [{"id": u.id, "name": u.name, "code": u.code, "level": u.level.value, "path": u.path,
                       "parent_id": u.parent_id, "head_id": u.head_id} for u in db.session.scalars(select(OrgUnit))],
            "people": [{"id": p.id, "username": p.username, "full_name": p.full_name,
                        "grants": [(g.role.value, g.unit_id) for g in p.grants]}
                       for p in db.session.scalars(select(Person))],
            "field": world.field.name, "year": world.year}
        other = create_app({"TESTING": True, "SECRET_KEY": "t", "AUDIT_KEY": "other-key",
                            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'other-{fmt}.sqlite3'}"})
        with other.app_context():
            _db.create_all()
            _same_world(snapshot)
            report = bulk.import_registrations(None, exported)
            assert report.ok, report.issues
            assert len(report.created) == 3
            _db.session.commit()
            year = _db.session.scalar(select(Year))
            _name, again, _mime = bulk.export_file(None, year, fmt)
            assert read_rows(again) == first
            assert bulk.import_registrations(None, again).created == []  # and once more: nothing new
            _db.session.rollback()
            assert verify_all("other-key", tmp_path).ok
            _db.session.remove()
            _db.engine.dispose()


def test_formula_cells_are_neutralised_in_the_export_and_read_back_as_typed(ready, db, make_task):
    world = ready
    make_task(title="=HYPERLINK(\"http://evil\",\"x\")", situation="+1+2", goal="-5", locality="@SUM(A1)")
    db.session.commit()
    _n, data, _m = bulk.export_file(world.secretariat, world.year, "xlsx")
    cells = {c.value: c.data_type for c in next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2,
                                                                                                   max_row=2))}
    for text in ("=HYPERLINK(\"http://evil\",\"x\")", "+1+2", "-5", "@SUM(A1)"):
        assert cells.get("'" + text) == "s", (text, cells)
    _n, csv_data, _m = bulk.export_file(world.secretariat, world.year, "csv")
    assert b"'=HYPERLINK" in csv_data and b",'+1+2," in csv_data
    for exported in (data, csv_data):
        values = read_rows(exported)[1][1]
        assert "=HYPERLINK(\"http://evil\",\"x\")" in values and "@SUM(A1)" in values
    template_name, template, _m = bulk.template_file(world.secretariat, "xlsx")
    book = load_workbook(io.BytesIO(template))
    assert template_name.endswith(".xlsx") and len(book.worksheets) == 2
    assert [c.value for c in book.worksheets[0][1]] == [h for _k, h in bulk.columns()]
    assert world.unit.code in [c.value for c in book.worksheets[1]["B"]]


# -- who may ----------------------------------------------------------------------------------------------------

def test_only_the_secretariat_of_the_committee_or_above_imports_for_it(ready, db, make_unit, make_person):
    world = ready  # world.unit is the top unit; the secretariat holds its role there
    a = make_unit("Xã A", code="XA")
    b = make_unit("Xã B", code="XB")
    owner_a = make_person(Role.OWNER, username="chu.a", committee=a)
    sec_a = make_person(Role.SECRETARIAT, username="vp.a", committee=a)
    sec_b = make_person(Role.SECRETARIAT, username="vp.b", committee=b)
    db.session.commit()
    data = sheet([row(world, owner="chu.a", committee="XA")])
    assert bulk.check_import(sec_a, data).ok  # its own committee
    assert bulk.check_import(world.secretariat, data).ok  # the unit above
    refused = bulk.check_import(sec_b, data)
    assert [(i.row, i.column) for i in refused.issues] == [(2, header("committee"))]
    assert "Xã A" in refused.issues[0].message
    # without a committee code: only committees the importer administers are taken
    implicit = bulk.check_import(sec_b, sheet([row(world, owner="chu.a", committee="")]))
    assert [(i.row, i.column) for i in implicit.issues] == [(2, header("owner"))]
    for person in (world.owner, world.standing, world.monitor, world.inspector):
        with pytest.raises(PermissionDenied):
            bulk.check_import(person, data)
    # the service refuses as well when called directly for a committee out of reach
    with pytest.raises(PermissionDenied):
        task_service.create_task(sec_b, world.year, task_input(world.field, world.year), committee_id=a.id,
                                 on_behalf_of=owner_a)


# -- the command line --------------------------------------------------------------------------------------------

def test_cli_export_dry_run_import_and_refusal(ready, db, app, make_task, tmp_path):
    world = ready
    make_task()
    db.session.commit()
    runner = app.test_cli_runner()
    path = tmp_path / "dang-ky.xlsx"
    result = runner.invoke(args=["export-registrations", str(world.year.year), str(path)])
    assert result.exit_code == 0, result.output
    assert "1 registrations" in result.output and path.exists()
    new = tmp_path / "moi.csv"
    new.write_bytes(sheet([row(world, title="Việc mới 1"), row(world, owner="other", title="Việc mới 2")], "csv"))
    before = counts(db)
    result = runner.invoke(args=["import-registrations", str(new), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Dry run: 2 to register, 0 already registered" in result.output
    assert counts(db) == before
    result = runner.invoke(args=["import-registrations", str(new)])
    assert result.exit_code == 0, result.output
    assert "2 registered, 0 already registered." in result.output and "Registering: 2/2" in result.output
    assert counts(db)[0] == before[0] + 2
    result = runner.invoke(args=["import-registrations", str(path)])
    assert result.exit_code == 0 and "0 registered, 1 already registered." in result.output
    bad = tmp_path / "sai.csv"
    bad.write_bytes(sheet([row(world, title="Việc 3", owner="khong-co")], "csv"))
    before = counts(db)
    result = runner.invoke(args=["import-registrations", str(bad)])
    assert result.exit_code == 1
    assert f"row 2, {header('owner')}: Không có tài khoản nào có tên đăng nhập khong-co." in result.output
    assert counts(db) == before
    assert runner.invoke(args=["export-registrations", "1999", str(path)]).exit_code != 0


# -- the pages ------------------------------------------------------------------------------------------------------

def test_pages_check_then_confirm(ready, db, login_as):
    world = ready
    client = login_as(world.secretariat)
    page = client.get("/imports/registrations")
    assert page.status_code == 200 and "/imports/registrations/template.xlsx" in page.get_data(as_text=True)
    template = client.get("/imports/registrations/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    bad = client.post("/imports/registrations/check", data={
        "file": (io.BytesIO(sheet([row(world, owner="khong-co")])), "dang-ky.xlsx")},
        content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="import-issues"' in text and "khong-co" in text
    assert 'id="import-confirm"' not in text
    data = sheet([row(world)])
    checked = client.post("/imports/registrations/check", data={"file": (io.BytesIO(data), "dang-ky.xlsx")},
                          content_type="multipart/form-data")
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'id="import-confirm"' in text
    assert counts(db)[0] == 0  # checking writes nothing
    done = client.post("/imports/registrations/confirm", data={
        "content": base64.b64encode(data).decode(), "filename": "dang-ky.xlsx"})
    assert done.status_code == 302
    assert db.session.scalar(select(Task.title)) == row(world)["title"]
    again = client.post("/imports/registrations/check", data={"file": (io.BytesIO(data), "dang-ky.xlsx")},
                        content_type="multipart/form-data")
    assert again.status_code == 200 and 'id="import-confirm"' not in again.get_data(as_text=True)
    broken = client.post("/imports/registrations/confirm", data={"content": "không phải base64", "filename": "x"})
    assert broken.status_code == 422
    exported = client.get(f"/imports/registrations/{world.year.year}.xlsx")
    assert exported.status_code == 200 and read_rows(exported.data)[1][1][1] == "owner"
    assert client.get("/imports/registrations/1999.csv").status_code == 404


def test_pages_refuse_people_who_are_not_a_secretariat(ready, db, login_as):
    world = ready
    client = login_as(world.owner)
    assert "/imports/registrations" not in client.get("/").get_data(as_text=True)
    for url in ("/imports/registrations", "/imports/registrations/template.xlsx",
                f"/imports/registrations/{world.year.year}.csv"):
        assert client.get(url).status_code == 403, url
    assert client.post("/imports/registrations/confirm", data={
        "content": base64.b64encode(sheet([row(world)])).decode()}).status_code == 403
    assert counts(db)[0] == 0


def test_a_confirmation_larger_than_an_ordinary_form_is_taken(ready, db, login_as):
    """The checked file comes back in the confirmation form (URL-encoded, where Flask's 500 KB limit of a multipart
    text field does not apply): a file of several hundred KB is taken."""
    world = ready
    client = login_as(world.secretariat)
    data = sheet([row(world)], fmt="csv") + (b"," * 40 + b"\r\n") * 15_000  # blank rows: 630 KB, 840 KB as base64
    done = client.post("/imports/registrations/confirm", data={
        "content": base64.b64encode(data).decode(), "filename": "dang-ky.csv"})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Task)) == 1
