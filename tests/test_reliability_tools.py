"""The tools of ``make crash-test`` and ``make soak`` (benchmarks/crash.py, soak.py, harness.py): the form
reader sends what a browser sends, so the pages' writes it makes are real registrations; and the crash test's
comparison of acknowledged writes with the database catches a lost, a duplicated and a refused-yet-written
write, and a task whose state disagrees with its trail."""

from __future__ import annotations

from sqlalchemy import select

from benchmarks.crash import Write, classify
from benchmarks.harness import find_form, read_forms
from registry.models import Task, TaskState


def test_the_form_reader_fills_the_registration_form_as_a_browser_does(db, world, login_as):
    client = login_as(world.owner)
    page = client.get("/tasks/new")
    assert page.status_code == 200
    form = find_form(page.get_data(as_text=True), "http://localhost/tasks/new", r"/tasks/new$")
    assert form.method == "post"
    assert form.fields["year_id"] == str(world.year.id)        # the selected option, as a browser sends it
    assert "is_committed" not in form.fields                      # an unticked box is not sent
    assert form.choice("field_id") == str(world.field.id)         # the "—" placeholder is skipped
    assert form.choice("kind") in {"hard", "breakthrough", "mass_mobilisation"}
    assert "indicators-0-name" in form.fields and "action" in form.buttons

    data = form.data(kind=form.choice("kind"), field_id=form.choice("field_id"), title="Chuyển đổi số xã",
                     goal="Toàn trình", deliverable="Cổng dịch vụ", deadline=f"30/11/{world.year.year}",
                     is_committed="y", action="submit", **{"indicators-0-name": "Thủ tục", "indicators-0-unit": "%",
                                                           "indicators-0-baseline": "0",
                                                           "indicators-0-target": "100"})
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 302
    task = db.session.scalars(select(Task).where(Task.title == "Chuyển đổi số xã")).one()
    assert response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert task.state == TaskState.SUBMITTED


def test_the_form_reader_keeps_textareas_checked_boxes_and_the_first_option():
    html = """<form action="/x" method="post" enctype="multipart/form-data">
      <input type="hidden" name="csrf_token" value="tok">
      <textarea name="goal">
Mục tiêu &amp; kết quả</textarea>
      <select name="level"><option value="a">A</option><option value="b">B</option></select>
      <select name="year"><option value="1">2025</option><option value="2" selected>2026</option></select>
      <input type="checkbox" name="remember" value="y" checked>
      <input type="radio" name="kind" value="hard"><input type="radio" name="kind" value="soft">
      <button name="action" value="save">Lưu</button></form><form action="/other"></form>"""
    forms = read_forms(html, "http://h/page")
    assert [f.action for f in forms] == ["http://h/x", "http://h/other"]
    form = forms[0]
    assert form.fields == {"csrf_token": "tok", "goal": "Mục tiêu & kết quả", "level": "a", "year": "2",
                           "remember": "y"}
    assert form.choice("year", "2025") == "1" and form.choice("kind") == "hard"
    assert form.enctype == "multipart/form-data" and form.buttons == {"action": ["save"]}


def _found(**kinds):
    base = {"task": {}, "assessment": {}, "note": {}, "file": {}}
    base.update(kinds)
    return base


def test_the_crash_check_passes_when_every_acknowledged_write_is_there_once():
    writes = [Write("task", "KTa-0-00001", "ack", 201, None, 7), Write("submit", "KTa-0-00001", "ack", 200, 7),
              Write("file", "KTa-0-00002-minh-chung", "doubt"), Write("task", "KTa-0-00003", "refused")]
    found = _found(task={"KTa-0-00001": [7]}, file={"KTa-0-00002-minh-chung": [3]})
    events = {("task.create", 7): 1, ("task.submit", 7): 1, ("evidence.attach", 3): 1}
    result = classify(writes, found, events, {7: "submitted"})
    assert result == {"lost": [], "duplicates": [], "phantoms": [], "doubt_landed": 1, "missing_events": []}


def test_the_crash_check_counts_lost_duplicated_and_phantom_writes():
    writes = [Write("task", "KTa-0-00001", "ack", 201, None, 7),            # acknowledged, not there
              Write("note", "KTa-0-00002", "ack", 302),                     # there twice
              Write("assessment", "KTa-0-00003", "rejected", 409),          # refused, yet written
              Write("approve", "KTa-0-00004", "ack", 200, 9),               # acknowledged, no event, wrong state
              Write("file", "KTa-0-00005-bien-ban", "ack", 302)]            # there, without its audit event
    found = _found(note={"KTa-0-00002": [4, 5]}, assessment={"KTa-0-00003": [2]}, task={"KTa-0-00004": [9]},
                   file={"KTa-0-00005-bien-ban": [8]})
    events = {("note.create", 4): 1, ("note.create", 5): 1, ("assessment.create", 2): 1, ("task.create", 9): 1,
              ("task.submit", 9): 1}
    result = classify(writes, found, events, {9: "submitted"})
    assert {(w.kind, w.marker) for w in result["lost"]} == {("task", "KTa-0-00001"), ("approve", "KTa-0-00004")}
    assert [w.marker for w in result["duplicates"]] == ["KTa-0-00002"]
    assert [w.marker for w in result["phantoms"]] == ["KTa-0-00003"]
    assert [(w.marker, row, n) for w, row, n in result["missing_events"]] == [("KTa-0-00005-bien-ban", 8, 0)]


def test_the_crash_check_catches_a_task_whose_state_disagrees_with_its_trail():
    result = classify([], _found(), {("task.submit", 5): 1, ("task.approve", 5): 1}, {5: "submitted"})
    assert [w.marker for w in result["lost"]] == ["task 5: submitted, trail says approved"]
