"""Task lists people can work with: the task list and the approval queue sort by their columns (whitelisted,
a bad value falls back), and export as XLSX and CSV exactly as filtered and sorted — every page, Vietnamese
headers, dates dd/mm/yyyy, formula cells neutralised — never with a task the viewer may not see."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from registry.exports.table import Column, neutralise, table_response
from registry.models import Role, TaskState
from registry.services import tasks as task_service
from tests.conftest import task_input

pytestmark = pytest.mark.db
S = TaskState
HEADERS = ["Mã", "Tên việc", "Loại việc", "Người đăng ký", "Đơn vị", "Lĩnh vực", "Thời hạn hoàn thành", "Trạng thái",
           "Cán bộ giám sát"]


def codes(html: str) -> list[str]:
    """The task codes of a list page, in order."""
    return re.findall(r'data-label="Mã">([0-9]{4}-[0-9]{6})<', html)


def statements(db, client, url) -> int:
    """The SQL statements a download (or page) runs, the whole body read."""
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        assert response.status_code == 200 and response.data
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def read_xlsx(data: bytes) -> tuple[list[str], list[list], object]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:], sheet


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    assert data.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], rows[1:]


@pytest.fixture
def tasks(world, make_task, make_person, db):
    """Five tasks of the world's committee with distinct titles, deadlines and states (two owners)."""
    made = [
        make_task(S.APPROVED, title="Bến xe khách", deadline=date(world.year.year, 9, 30)),
        make_task(S.SUBMITTED, title="Âm nhạc đường phố", deadline=date(world.year.year, 7, 31)),
        make_task(S.RETURNED, owner=world.other_owner, title="Cải tạo chợ", deadline=date(world.year.year, 12, 1)),
        make_task(S.APPROVED, owner=world.other_owner, title="=HYPERLINK(\"http://x\")",
                  deadline=date(world.year.year, 8, 15)),
        make_task(S.SUBMITTED, title="Dọn kênh", deadline=date(world.year.year, 10, 31)),
    ]
    db.session.commit()
    return made


def test_the_list_sorts_by_each_column_both_ways(world, tasks, login_as):
    client = login_as(world.secretariat)
    by = {t.code: t for t in tasks}
    keys = {
        "title": lambda t: t.search_text,
        "deadline": lambda t: (t.deadline is None, t.deadline or date.min),
        "code": lambda t: t.id,
        "owner": lambda t: t.owner.search_name,
        "state": lambda t: list(S).index(t.state),
    }
    for column, key in keys.items():
        for direction in ("asc", "desc"):
            html = client.get(f"/tasks/?sort={column}&dir={direction}").get_data(as_text=True)
            got = codes(html)
            assert sorted(got) == sorted(by), column
            values = [key(by[c]) for c in got]
            assert values == sorted(values, reverse=direction == "desc"), (column, direction)
            # the header of the sorted column says so and links to the other direction
            other = "desc" if direction == "asc" else "asc"
            assert re.search(rf'<th aria-sort="{"ascending" if direction == "asc" else "descending"}">'
                             rf'<a class="sort" href="[^"]*sort={column}&amp;dir={other}', html), column


def test_field_sort_and_sort_links_keep_the_filters(world, tasks, make_field, make_task, login_as, db):
    other_field = make_field("An ninh trật tự")
    extra = make_task(S.APPROVED, title="Chốt dân phòng", field_id=other_field.id)
    db.session.commit()
    client = login_as(world.secretariat)
    got = codes(client.get("/tasks/?sort=field&dir=asc").get_data(as_text=True))
    assert got[0] == extra.code  # "An ninh…" before "GPMB…"
    html = client.get("/tasks/?state=approved&q=ben&sort=title&dir=asc").get_data(as_text=True)
    assert codes(html) == [tasks[0].code]
    for href in re.findall(r'<a class="sort" href="([^"]+)"', html):
        assert "state=approved" in href and "q=ben" in href
    export = re.search(r'href="(/tasks/export\.xlsx\?[^"]+)"', html).group(1)
    assert "state=approved" in export and "sort=title" in export and "dir=asc" in export


@pytest.mark.parametrize("query", ["sort=password_hash", "sort=title&dir=sideways", "sort=", "dir=asc",
                                   "sort=submitted", "sort=%27%3Bdrop", "sort=x&sort=title"])
def test_a_bad_sort_falls_back_to_the_lists_order(query, world, tasks, login_as):
    client = login_as(world.secretariat)
    response = client.get(f"/tasks/?{query}")
    assert response.status_code == 200
    got = codes(response.get_data(as_text=True))
    if "dir=sideways" in query:  # a known column, a bad direction: ascending
        assert got == [t.code for t in sorted(tasks, key=lambda t: t.search_text)]
    else:
        assert got == [t.code for t in sorted(tasks, key=lambda t: -t.id)]
    assert client.get(f"/tasks/export.csv?{query}").status_code == 200
    assert client.get(f"/tasks/queue?{query}").status_code == 403  # the secretariat has no queue, still no 500


def test_exports_are_the_filtered_sorted_list_every_page(world, tasks, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    client = login_as(world.secretariat)
    query = f"year={world.year.year}&sort=deadline&dir=desc&kind=hard"
    pages = [codes(client.get(f"/tasks/?{query}&page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    listed = [c for page in pages for c in page]
    assert len(listed) == 5 and all(len(p) <= 2 for p in pages)

    response = client.get(f"/tasks/export.xlsx?{query}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    assert "danh-sach-viec-kho" in response.headers["Content-Disposition"]
    header, rows, sheet = read_xlsx(response.data)
    assert header == HEADERS and sheet.freeze_panes == "A2"
    assert [r[0] for r in rows] == listed
    first = next(t for t in tasks if t.code == rows[0][0])
    assert rows[0][1] == first.title and rows[0][6].date() == first.deadline
    assert sheet.cell(row=2, column=7).number_format == "DD/MM/YYYY"
    approved = next(r for r in rows if r[0] == tasks[0].code)  # Bến xe khách: approved, with its monitor
    assert approved[7] == "Đã phê duyệt" and approved[8] == world.monitor.full_name and approved[4] is not None

    response = client.get(f"/tasks/export.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, rows = read_csv(response.data)
    assert header == HEADERS and [r[0] for r in rows] == listed
    assert rows[0][6] == first.deadline.strftime("%d/%m/%Y")

    # a filter narrows the export exactly as it narrows the page
    header, rows = read_csv(client.get("/tasks/export.csv?state=submitted&sort=title").data)
    assert [r[1] for r in rows] == ["Âm nhạc đường phố", "Dọn kênh"]


def test_formula_cells_are_neutralised_in_every_format(world, tasks, login_as):
    client = login_as(world.secretariat)
    _, rows, _ = read_xlsx(client.get("/tasks/export.xlsx?q=hyperlink").data)
    assert [r[1] for r in rows] == ["'=HYPERLINK(\"http://x\")"]
    _, rows = read_csv(client.get("/tasks/export.csv?q=hyperlink").data)
    assert [r[1] for r in rows] == ["'=HYPERLINK(\"http://x\")"]


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+84 912", "'+84 912"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\r=x", "'\r=x"), ("Bình thường", "Bình thường"), ("a=b", "a=b"), ("", ""), (None, None), (-2, -2),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_the_shared_helper_neutralises_headers_and_every_cell(app):
    columns = [Column("=head", lambda r: r[0]), Column("Ngày", lambda r: r[1])]
    rows = [("@cmd", date(2026, 1, 2)), ("-1", None)]
    with app.test_request_context():
        xlsx = table_response("xlsx", "x", columns, rows)
        text = table_response("csv", "x", columns, iter(rows))
        header, body = read_csv(text.get_data())
    head, cells, _ = read_xlsx(xlsx.get_data())
    assert head == ["'=head", "Ngày"] and cells[0][0] == "'@cmd" and cells[1] == ["'-1", None]
    assert header == ["'=head", "Ngày"] and body == [["'@cmd", "02/01/2026"], ["'-1", ""]]


def test_an_actor_never_exports_a_sibling_committees_task(world, tasks, make_unit, make_person, login_as, db):
    sibling = make_unit("Phường Bưởi", parent=None)
    stranger = make_person(Role.OWNER, username="stranger", full_name="Đinh Xã Bên", committee=sibling)
    theirs = task_service.create_task(stranger, world.year, task_input(world.field, world.year,
                                                                       title="Việc của phường bên"))
    task_service.submit_task(stranger, theirs)
    db.session.commit()
    for who in (world.secretariat, world.standing, world.inspector):
        client = login_as(who)
        listed = codes(client.get("/tasks/?sort=title").get_data(as_text=True))
        assert theirs.code not in listed and listed
        for fmt in ("csv", "xlsx"):
            data = client.get(f"/tasks/export.{fmt}?sort=title").data
            rows = read_csv(data)[1] if fmt == "csv" else read_xlsx(data)[1]
            assert [r[0] for r in rows] == listed
            assert theirs.code not in {r[0] for r in rows}
    queue = login_as(world.standing)
    _, rows = read_csv(queue.get("/tasks/queue.csv").data)
    assert theirs.code not in {r[0] for r in rows}
    assert {r[0] for r in rows} == {t.code for t in tasks if t.state == S.SUBMITTED}
    # an owner exports only their own
    _, rows = read_csv(login_as(world.other_owner).get("/tasks/export.csv").data)
    assert {r[0] for r in rows} == {t.code for t in tasks if t.owner_id == world.other_owner.id}


def test_the_queue_sorts_and_exports_as_sorted(world, tasks, make_task, login_as, db):
    extra = make_task(S.SUBMITTED, title="Ăn uống an toàn")
    db.session.commit()
    client = login_as(world.standing)
    submitted = [t for t in tasks + [extra] if t.state == S.SUBMITTED]
    default = codes(client.get("/tasks/queue").get_data(as_text=True))
    assert default == [t.code for t in sorted(submitted, key=lambda t: (t.submitted_at, t.id))]
    html = client.get("/tasks/queue?sort=title&dir=desc").get_data(as_text=True)
    by_title = [t.code for t in sorted(submitted, key=lambda t: t.search_text, reverse=True)]
    assert codes(html) == by_title
    assert 'href="/tasks/queue.xlsx?sort=title&amp;dir=desc"' in html and "data-long-task=" in html
    header, rows, _ = read_xlsx(client.get("/tasks/queue.xlsx?sort=title&dir=desc").data)
    assert header[:6] == HEADERS[:6] and header[6] == "Đã gửi"
    assert [r[0] for r in rows] == by_title
    header, rows = read_csv(client.get("/tasks/queue.csv?sort=title&dir=desc").data)
    assert [r[0] for r in rows] == by_title and all(re.fullmatch(r"\d\d/\d\d/\d{4}( \d\d:\d\d)?", r[6])
                                                    for r in rows)


def test_export_links_carry_the_progress_indicator(world, tasks, login_as):
    html = login_as(world.secretariat).get("/tasks/?state=approved").get_data(as_text=True)
    for fmt, label in (("xlsx", "Tải XLSX"), ("csv", "Tải CSV")):
        link = re.search(rf'<a [^>]*href="/tasks/export\.{fmt}\?state=approved"[^>]*>{label}</a>', html)
        assert link and "data-long-task=" in link.group(0)


def test_export_statements_do_not_grow_with_rows(world, make_task, make_person, login_as, db):
    owners = [make_person(Role.OWNER, full_name=f"Người Số {n}") for n in range(4)]
    make_task(S.APPROVED, owner=owners[0])
    db.session.commit()
    client = login_as(world.secretariat)
    urls = ["/tasks/export.xlsx?sort=owner", "/tasks/export.csv?sort=deadline&dir=desc", "/tasks/?sort=field"]
    small = {url: statements(db, client, url) for url in urls}
    for n in range(12):
        make_task(S.APPROVED if n % 2 else S.SUBMITTED, owner=owners[n % 4], title=f"Việc {n}")
    db.session.commit()
    big = {url: statements(db, client, url) for url in urls}
    assert big == small


# -- the attention lists ----------------------------------------------------------------------------------------

def test_attention_lists_export_what_their_section_lists(world, make_task, make_unit, make_person, frozen_now,
                                                         login_as, db):
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    mine = [make_task(S.APPROVED, title=f"Việc {n}") for n in range(3)] + [
        make_task(S.APPROVED, title="@SUM(1+1)")]
    sibling = make_unit("Phường Bưởi", parent=None)
    stranger = make_person(Role.OWNER, full_name="Đinh Xã Bên", committee=sibling)
    theirs = task_service.create_task(stranger, world.year, task_input(world.field, world.year, title="Bên kia"))
    db.session.commit()
    frozen_now(datetime(2026, 5, 10, 9, 0, tzinfo=UTC))  # quarter 1's deadline (05/04) has passed, no note
    client = login_as(world.monitor)
    html = client.get("/attention?show=overdue_notes").get_data(as_text=True)
    shown = re.findall(r'<tr data-task="(\d+)" data-missing', html)
    assert 'href="/attention.xlsx?show=overdue_notes"' in html and "data-long-task=" in html
    header, rows, sheet = read_xlsx(client.get("/attention.xlsx?show=overdue_notes").data)
    assert header == ["Mã", "Tên việc", "Năm", "Người đăng ký", "Chưa có báo cáo", "Nộp muộn"]
    assert sheet.freeze_panes == "A2"
    assert [r[0] for r in rows] == [t.code for t in mine] == [next(t.code for t in mine if str(t.id) == i)
                                                               for i in shown]
    assert rows[0][4] == "Quý 1" and rows[-1][1] == "'@SUM(1+1)" and theirs.code not in {r[0] for r in rows}
    header, rows = read_csv(client.get("/attention.csv?show=overdue_notes").data)
    assert [r[0] for r in rows] == [t.code for t in mine] and rows[-1][1] == "'@SUM(1+1)"
    # the owner's own list: notes due, dates dd/mm/yyyy
    header, rows = read_csv(login_as(world.owner).get("/attention.csv?show=notes_due").data)
    assert header[:3] == ["Mã", "Tên việc", "Quý"] and {r[0] for r in rows} == {t.code for t in mine}
    assert {r[3] for r in rows} == {"05/04/2026"}
    # a list one does not have, or none: 404, as for the page
    client = login_as(world.monitor)
    assert client.get("/attention.csv?show=notes_due").status_code == 404
    assert client.get("/attention.csv").status_code == 404
    assert login_as(world.inspector).get("/attention.xlsx?show=overdue_notes").status_code == 404


def test_attention_task_lists_sort_in_full_and_export_as_sorted(world, make_task, frozen_now, login_as, db):
    frozen_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    made = [make_task(S.APPROVED, title=t) for t in ("Bến xe", "Âm nhạc", "Dọn kênh", "Cải tạo chợ")]
    db.session.commit()
    frozen_now(datetime(2026, 5, 10, 9, 0, tzinfo=UTC))
    client = login_as(world.monitor)
    by_title = [t.id for t in sorted(made, key=lambda t: t.search_text, reverse=True)]
    html = client.get("/attention?show=overdue_notes&sort=title&dir=desc").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr data-task="(\d+)" data-missing', html)] == by_title
    assert '<th aria-sort="descending"><a class="sort" href="/attention?show=overdue_notes&amp;sort=title&amp;dir=asc"' \
        in html
    assert 'href="/attention.csv?show=overdue_notes&amp;sort=title&amp;dir=desc"' in html
    _, rows = read_csv(client.get("/attention.csv?show=overdue_notes&sort=title&dir=desc").data)
    assert [r[0] for r in rows] == [next(t.code for t in made if t.id == i) for i in by_title]
    # not a sort column of this list, or the short lists of the whole page: the list's own order, no 500
    for url in ("/attention?show=overdue_notes&sort=deadline", "/attention?sort=title&dir=desc",
                "/attention.csv?show=overdue_notes&sort=bogus&dir=up"):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/attention?show=overdue_notes&sort=deadline").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'<tr data-task="(\d+)" data-missing', html)] == sorted(by_title)
