"""Search over every text of a task (registry.services.search): diacritics, đ/d and case ignored, ranked,
highlighted and escaped snippets, one row per task, never beyond what the searcher may read, the index kept in
step with every write in the same transaction, a constant number of statements."""

from __future__ import annotations

import re
from datetime import date

import pytest
from markupsafe import Markup
from sqlalchemy import event, func, select

from registry.models import Period, Role, SearchDocument, SearchEntry, Task, TaskState
from registry.services import monitoring, progress, queries, search
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from tests.conftest import task_input

S = TaskState
API = "/api/v1"
FINDINGS = {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Sát cơ sở.",
            "shortcomings": "Còn chậm.", "causes": "Thiếu kinh phí."}


def found_ids(viewer, q: str) -> list[int]:
    """The ids the task list finds for ``q``, in its order."""
    stmt = queries.task_list(viewer, queries.TaskFilters(q=q))
    return [t.id for t in queries.db.session.scalars(stmt).unique()]


def entries(task: Task) -> set[tuple[str, str, str]]:
    return {(e.source, e.field, e.text) for e in queries.db.session.scalars(
        select(SearchEntry).where(SearchEntry.task_id == task.id))}


def titles(html: str) -> list[str]:
    """The task titles of a list page, tags removed, in order."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<a href="/tasks/\d+">(.*?)</a>', html)]


def api_get(client, db, person, path: str):
    token = token_service.create_token(person, "Kiểm thử")[1]
    db.session.commit()
    return client.get(f"{API}/{path}", headers={"Authorization": f"Bearer {token}"})


# -- the words of a query, and highlighting (no database) -----------------------------------------------------

def test_terms_fold_split_and_keep_no_syntax():
    assert search.terms("Giải PHÓNG  mặt-bằng").words == ("giai", "phong", "mat", "bang")
    assert search.terms('"đất" OR dat* NEAR(x)').words == ("dat", "or", "near", "x")  # no FTS syntax survives
    assert not search.terms(" %_*\"' ")
    assert len(search.terms(" ".join(f"w{i}" for i in range(40))).words) == search.MAX_TERMS


def test_highlight_marks_words_whatever_their_diacritics_and_escapes_the_rest():
    html = search.highlight("Đường <b>giải</b> phóng Mặt Bằng", "duong giai phong mat bang")
    assert html == Markup("<mark>Đường</mark> &lt;b&gt;<mark>giải</mark>&lt;/b&gt; <mark>phóng</mark> "
                          "<mark>Mặt</mark> <mark>Bằng</mark>")
    # the last word is also the beginning of a word; the others are whole words
    assert search.highlight("bàn bảng giáo", "ban gia") == Markup("<mark>bàn</mark> bảng <mark>giáo</mark>")
    assert search.highlight("bàn giao bàng", "ban gi") == Markup("<mark>bàn</mark> <mark>giao</mark> bàng")
    # decomposed input (NFD): the combining marks stay inside the mark
    nfd = "Me\u0302\u0323t mo\u0309i"
    assert search.highlight(nfd, "met") == Markup("<mark>Me\u0302\u0323t</mark> mo\u0309i")


def test_excerpt_cuts_around_the_first_match():
    text = "Mở đầu. " * 80 + "Vận động các hộ dân bàn giao mặt bằng. " + "Kết thúc. " * 80
    html = search.excerpt(text, search.terms("ban giao"))
    assert html.startswith("…") and html.endswith("…") and len(html) < search.SNIPPET_LENGTH + 60
    assert "<mark>bàn</mark> <mark>giao</mark>" in html


# -- finding, ranking, grouping ------------------------------------------------------------------------------

def test_diacritics_case_and_d_are_ignored(world, make_task):
    task = make_task(S.SUBMITTED, title="Giải phóng mặt bằng đường Đông Anh")
    make_task(S.SUBMITTED, title="Xây dựng nhà văn hóa thôn")
    for q in ("giai phong mat bang", "GIẢI PHÓNG mặt bằng", "Giai Phong", "duong dong anh", "ĐƯỜNG ĐÔNG",
              "duong dong an"):  # the last word may be the beginning of one
        assert found_ids(world.secretariat, q) == [task.id], q
    for q in ("giai phong mat bang xyz", "duongdong", "an dong"[::-1]):
        assert found_ids(world.secretariat, q) == [], q
    assert found_ids(world.secretariat, "   ") == found_ids(world.secretariat, "")  # no words: no search


def test_every_text_of_a_task_is_searched(frozen_now, world, make_task, db):
    task = make_task(S.APPROVED, title="Việc thứ nhất", situation="Thực trạng ngập úng kéo dài",
                     measures="Nạo vét kênh mương", goal="Hết điểm đen",
                     indicators=[{"name": "Số trạm bơm cải tạo", "unit": "trạm", "baseline": 0, "target": 2}])
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đã khảo sát hiện trường", "difficulties": "Vướng đường điện cao thế", "status": "on_track",
        "values": {str(task.indicators[0].id): 1}})
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {**FINDINGS, "strengths": "Dân đồng tình"},
                                           [{"content": "Đề nghị công khai dự toán", "addressee": "UBND",
                                             "reply_deadline": date(2026, 4, 30)}])
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], "Đã niêm yết tại nhà văn hóa")
    make_task(S.SUBMITTED, title="Việc thứ hai")
    for q in ("ngap ung", "nao vet", "diem den", "tram bom", "khao sat hien truong", "duong dien cao the",
              "dan dong tinh", "cong khai du toan", "niem yet"):
        assert found_ids(world.secretariat, q) == [task.id], q
    assert ("note", "difficulties", "Vướng đường điện cao thế") in entries(task)
    assert note.id and ("recommendation", "reply", "Đã niêm yết tại nhà văn hóa") in entries(task)


def test_a_title_match_ranks_above_a_match_in_a_note(frozen_now, world, make_task, db, client_get):
    in_note = make_task(S.APPROVED, title="Sắp xếp trụ sở", situation="Không liên quan")
    progress.add_progress_note(world.owner, in_note, 1, {
        "work_done": "Họp bàn về tái định cư", "status": "on_track", "values": {str(in_note.indicators[0].id): 1}})
    in_situation = make_task(S.SUBMITTED, title="Chỉnh trang đô thị", situation="Thiếu quỹ đất tái định cư")
    in_title = make_task(S.SUBMITTED, title="Xây dựng khu tái định cư Đồng Mít")
    assert found_ids(world.secretariat, "tai dinh cu") == [in_title.id, in_situation.id, in_note.id]
    # the page shows them in that order; sorting by a column still works on the found set
    html = client_get("/tasks/?q=tai+dinh+cu")
    assert titles(html) == ["Xây dựng khu tái định cư Đồng Mít", "Chỉnh trang đô thị", "Sắp xếp trụ sở"]
    by_title = client_get("/tasks/?q=tai+dinh+cu&sort=title&dir=asc")
    assert titles(by_title) == ["Chỉnh trang đô thị", "Sắp xếp trụ sở", "Xây dựng khu tái định cư Đồng Mít"]


@pytest.fixture
def client_get(client, db, world):
    """GET a page as the world's secretariat: its text."""
    from tests.conftest import login

    def get(path: str, person=None) -> str:
        db.session.commit()
        login(client, person or world.secretariat)
        response = client.get(path)
        assert response.status_code == 200, path
        return response.get_data(as_text=True)
    return get


def test_one_row_per_task_with_its_best_snippets_highlighted(frozen_now, world, make_task, client_get):
    task = make_task(S.APPROVED, title="Dồn điền đổi thửa", situation="Ruộng manh mún, dồn điền khó",
                     goal="Dồn điền xong trước vụ mùa", measures="Họp dân bàn dồn điền",
                     deliverable="Bản đồ dồn điền")
    progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Quý 1: dồn điền 20 ha", "next_plan": "Dồn điền thêm 10 ha", "status": "on_track",
        "values": {str(task.indicators[0].id): 1}})
    html = client_get("/tasks/?q=don+dien")
    assert html.count(f'href="/tasks/{task.id}"') == 1  # grouped: the task once, however many texts match
    assert "<mark>Dồn</mark> <mark>điền</mark> đổi thửa" in html  # the title highlighted
    row = html.split(f'href="/tasks/{task.id}"')[1].split("</tr>")[0]
    assert row.count("<li>") == search.SNIPPETS_PER_TASK  # the best few of its seven matching texts
    assert "Thực trạng, lý do lựa chọn" in row or "Mục tiêu" in row or "Giải pháp" in row  # labelled in Vietnamese
    assert "Tìm thấy 1 việc" in html


def test_snippets_and_titles_are_escaped(frozen_now, world, make_task, client_get, db):
    make_task(S.SUBMITTED, title='<script>alert("x")</script> Giải phóng mặt bằng',
              situation='<img src=x onerror=alert(1)> giải phóng <b>mặt bằng</b> chợ')
    html = client_get("/tasks/?q=giai+phong")
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>mặt" not in html
    assert '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>Giải</mark> <mark>phóng</mark>' in html
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>giải</mark> <mark>phóng</mark> &lt;b&gt;mặt bằng" in html


def test_pagination_of_results(world, make_task, client_get):
    for i in range(7):
        make_task(S.SUBMITTED, title=f"Thu gom rác thải khu {i}")
    make_task(S.SUBMITTED, title="Việc khác")
    first = client_get("/tasks/?q=rac+thai")
    second = client_get("/tasks/?q=rac+thai&page=2")
    assert len(titles(first)) == 5 and len(titles(second)) == 2  # PAGE_SIZE 5 in tests
    assert not set(titles(first)) & set(titles(second))
    assert "q=rac+thai" in second and "Tìm thấy 7 việc" in first


# -- scope: never what the searcher may not read --------------------------------------------------------------

def test_search_never_shows_what_the_searcher_may_not_read(frozen_now, world, make_task, make_unit, make_person,
                                                         client, db, client_get):
    secret = make_task(S.APPROVED, title="Việc có ghi chú", situation="Bình thường")
    progress.add_progress_note(world.owner, secret, 1, {
        "work_done": "Phương án bảo mật địa giới", "status": "on_track",
        "values": {str(secret.indicators[0].id): 1}})
    mine = make_task(S.SUBMITTED, owner=world.other_owner, title="Việc riêng của người khác",
                     situation="Không có từ khóa")
    elsewhere = make_unit("Xã Mỹ Bằng", parent=None)
    far_secretariat = make_person(Role.SECRETARIAT, committee=elsewhere)
    far_owner = make_person(Role.OWNER, committee=elsewhere)
    far_task = task_service.create_task(far_owner, world.year, task_input(
        world.field, world.year, title="Bảo mật địa giới xã bên"))
    below = make_unit("Thôn Đông", parent=world.unit)
    below_owner = make_person(Role.OWNER, committee=below)
    below_task = task_service.create_task(below_owner, world.year, task_input(
        world.field, world.year, title="Bảo mật địa giới thôn"))
    expected = {
        world.owner: {secret.id}, world.monitor: {secret.id}, world.standing: {secret.id, below_task.id},
        world.secretariat: {secret.id, below_task.id}, world.inspector: {secret.id, below_task.id},
        world.other_owner: set(), world.other_monitor: set(), far_secretariat: {far_task.id},
        far_owner: {far_task.id}, below_owner: {below_task.id},
    }
    assert mine.id not in set().union(*expected.values())
    for person, ids in expected.items():
        assert set(found_ids(person, "bao mat dia gioi")) == ids, person.username
        html = client_get("/tasks/?q=bao+mat+dia+gioi", person)
        assert ("Phương án <mark>bảo</mark> <mark>mật</mark>" in html) == (secret.id in ids), person.username
        assert ("xã bên" in html) == (far_task.id in ids) and ("thôn</a>" in html) == (below_task.id in ids)
        answer = api_get(client, db, person, "tasks?q=bao+mat+dia+gioi")
        assert {t["id"] for t in answer.get_json()["items"]} == ids, person.username


def test_snippets_are_only_read_for_the_tasks_given(world, make_task):
    one = make_task(S.SUBMITTED, title="Cấp nước sạch thôn A")
    other = make_task(S.SUBMITTED, title="Cấp nước sạch thôn B", owner=world.other_owner,
                      situation="Nước sạch cho bản")
    assert set(search.snippets("nuoc sach", [one.id], skip_titles=False)) == {one.id}
    assert other.id not in search.snippets("nuoc sach", [one.id], skip_titles=False)


# -- the index kept in step, in the same transaction -----------------------------------------------------------

def test_index_follows_every_write_in_the_same_transaction(frozen_now, world, make_task, db):
    task = make_task(S.DRAFT, title="Chống ngập đường Lạc Long Quân")
    assert found_ids(world.owner, "lac long quan") == [task.id]  # not committed yet: the same transaction
    task_service.update_task(world.owner, task, task_input(world.field, world.year, title="Chống ngập phố Thụy Khuê",
                                                           indicators=[{"name": "Điểm ngập xử lý", "unit": "điểm",
                                                                        "baseline": 5, "target": 0}]))
    assert found_ids(world.owner, "lac long quan") == [] and found_ids(world.owner, "pho thuy khue") == [task.id]
    assert found_ids(world.owner, "diem ngap xu ly") == [task.id]
    assert ("indicator", "name", "Hộ chưa đồng thuận") not in entries(task)  # the replaced indicator left
    task_service.submit_task(world.owner, task)
    task_service.approve_task(world.standing, task, decision_ref="1-QĐ", decision_date=date(2026, 3, 1),
                              monitor=world.monitor)
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Lắp bơm cưỡng bức", "status": "on_track", "values": {str(task.indicators[0].id): 3}})
    assert found_ids(world.owner, "bom cuong buc") == [task.id]
    progress.update_progress_note(world.owner, note, {
        "work_done": "Lắp trạm bơm di động", "status": "on_track", "values": {str(task.indicators[0].id): 3}})
    assert found_ids(world.owner, "bom cuong buc") == [] and found_ids(world.owner, "bom di dong") == [task.id]
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {**FINDINGS, "causes": "Mưa cực đoan"},
                                           [{"content": "Đề nghị nạo vét cống", "addressee": "UBND",
                                             "reply_deadline": date(2026, 4, 30)}])
    assert found_ids(world.monitor, "mua cuc doan") == [task.id] == found_ids(world.monitor, "nao vet cong")
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], "Đã thuê xe hút bùn")
    assert found_ids(world.owner, "xe hut bun") == [task.id]
    db.session.commit()
    assert found_ids(world.owner, "xe hut bun") == [task.id]


def test_a_rollback_leaves_no_entry(world, make_task, db):
    def counts():
        return [db.session.scalar(select(func.count()).select_from(model)) for model in (SearchEntry, SearchDocument)]

    make_task(S.DRAFT, title="Việc đã lưu")
    db.session.commit()
    before = counts()
    make_task(S.DRAFT, title="Kè chống sạt lở bờ sông")
    assert found_ids(world.owner, "ke chong sat lo")
    assert all(now > then for now, then in zip(counts(), before))
    db.session.rollback()
    assert counts() == before
    assert found_ids(world.owner, "ke chong sat lo") == [] and found_ids(world.owner, "da luu")


def test_reindex_rebuilds_the_index_from_the_rows(frozen_now, world, make_task, app, db):
    task = make_task(S.APPROVED, title="Hỗ trợ sinh kế hộ nghèo")
    progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Trao bò giống", "status": "on_track", "values": {str(task.indicators[0].id): 1}})
    kept = entries(task)
    db.session.execute(SearchDocument.__table__.delete())
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    assert found_ids(world.owner, "bo giong") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "texts indexed" in result.output
    db.session.expire_all()
    assert entries(task) == kept and found_ids(world.owner, "bo giong") == [task.id]


# -- the API and the number of statements ---------------------------------------------------------------------

def test_api_searches_the_same_way(world, make_task, client, db):
    in_title = make_task(S.SUBMITTED, title="Chuyển đổi số một cửa")
    in_text = make_task(S.SUBMITTED, title="Cải cách hành chính", measures="Đẩy mạnh chuyển đổi số")
    answer = api_get(client, db, world.secretariat, "tasks?q=chuyen+doi+so").get_json()
    assert [t["id"] for t in answer["items"]] == [in_title.id, in_text.id] and answer["total"] == 2


def _statements(db, client, url: str, headers=None) -> int:
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers or {})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen)


def test_statement_count_does_not_grow_with_the_matches(frozen_now, world, make_task, client, db):
    from tests.conftest import login

    def add(n: int) -> None:
        for i in range(n):
            task = make_task(S.APPROVED, title=f"Nhà văn hóa thôn {i}", situation="Xây nhà văn hóa")
            progress.add_progress_note(world.owner, task, 1, {
                "work_done": "Đổ móng nhà văn hóa", "status": "on_track",
                "values": {str(task.indicators[0].id): 1}})
        db.session.commit()

    token = {"Authorization": f"Bearer {token_service.create_token(world.secretariat, 'Kiểm thử')[1]}"}
    add(2)
    login(client, world.secretariat)
    _statements(db, client, f"{API}/tasks", token)  # the token's first use is recorded once
    few = (_statements(db, client, "/tasks/?q=nha+van+hoa"),
           _statements(db, client, f"{API}/tasks?q=nha+van+hoa", token))
    add(10)
    many = (_statements(db, client, "/tasks/?q=nha+van+hoa"),
            _statements(db, client, f"{API}/tasks?q=nha+van+hoa", token))
    assert few == many


def test_postgresql_ranks_on_the_stored_vector(world, make_task, db):
    """PostgreSQL: the weighted words are a stored generated column with the GIN index on it (migration 0013), and
    a search matches and ranks on the column, not on words recomputed for every match."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite searches its FTS5 table (tests above)")
    make_task(TaskState.SUBMITTED, title="Vận động hộ dân bàn giao mặt bằng")
    db.session.commit()
    column = db.session.execute(db.text(
        "SELECT is_generated, data_type FROM information_schema.columns "
        "WHERE table_name = 'search_documents' AND column_name = 'tsv'")).one()
    assert tuple(column) == ("ALWAYS", "tsvector")
    index = db.session.execute(db.text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_documents_tsv'")).scalar_one()
    assert "gin (tsv)" in index
    seen: list[str] = []

    def log(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", log)
    try:
        assert len(found_ids(world.secretariat, "van dong mat bang")) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    searching = [s for s in seen if "@@" in s]
    assert searching and all("search_documents.tsv" in s and "to_tsvector" not in s for s in searching)
