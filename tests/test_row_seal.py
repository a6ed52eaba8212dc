"""Rows bound to the trail: every audited row's digest is in its latest event; `audit verify` names each row whose
content no longer matches (row_changed), each row no event seals (row_unaudited) and each sealed row that is
gone (row_missing), and checks the lock and the current verdict against the events that set them."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from registry.models import AuditEvent, AuditHead, Field, Indicator, Person, Role, TaskState, Verdict
from registry.models.audit import GENESIS_HASH
from registry.services import audit as audit_service
from registry.services import review, rowseal
from registry.services import tasks as task_service
from registry.services.audit import SEAL_ACTION, canonical_json, entry_hash, record_event, sign
from registry.services.security import end_sessions
from registry.services.verify import verify_all
from tests import test_api_contract
from tests.conftest import task_input
from tests.test_audit_verify import triggers_off, update_row

#: the API tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as

KEY = "test-audit-key"


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    return tmp_path


def verify(folder):
    return verify_all(KEY, folder)


def named(report) -> set[tuple[str, str, int]]:
    return {(p.kind, p.table, p.id) for p in report.rows}


def latest_digest(db, table: str, row_id: int) -> str | None:
    """The digest the latest event that names the row recorded (the whole trail read, as verify does)."""
    found = None
    for payload in db.session.scalars(select(AuditEvent.payload).order_by(AuditEvent.seq)):
        rows = json.loads(payload).get("rows") or {}
        if rowseal.row_key(table, row_id) in rows:
            found = rows[rowseal.row_key(table, row_id)]
    return found


def current_digest(db, table: str, row_id: int) -> str | None:
    return rowseal.digests_of(db.session(), table, [row_id])[row_id]


# -- sealing ---------------------------------------------------------------------------------------------------

def test_each_change_seals_its_rows_in_its_own_event(db, world, make_task, folder):
    task = make_task(TaskState.SUBMITTED)
    submit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.submit")).one()
    assert rowseal.row_key("tasks", task.id) in submit.data["rows"]
    assert latest_digest(db, "tasks", task.id) == current_digest(db, "tasks", task.id)
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
    # the trail's first event seals every row there was: the committee, the people and their grants, the year
    for table, row_id in [("org_units", world.unit.id), ("people", world.monitor.id),
                          ("role_grants", world.monitor.grants[0].id), ("years", world.year.id),
                          ("fields", world.field.id)]:
        assert rowseal.row_key(table, row_id) in first.data["rows"], table
    report = verify(folder)
    assert report.ok and report.rows_sealed and report.rows == [], report
    assert report.rows_checked == sum(
        db.session.scalar(select(func.count()).select_from(spec.model)) for spec in rowseal.SEALED.values())


def test_a_deleted_row_is_sealed_as_gone(db, world, make_task, folder):
    task = make_task()
    old = task.indicators[0].id
    task_service.update_task(world.owner, task, task_input(world.field, world.year, indicators=[
        {"name": "Hộ đã bàn giao", "unit": "hộ", "baseline": 0, "target": 44}]))
    update_event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.update")).one()
    assert update_event.data["rows"][rowseal.row_key("indicators", old)] is None
    assert db.session.get(Indicator, old) is None
    assert verify(folder).ok


def test_changes_without_an_event_are_sealed_at_commit(db, world, make_task, folder):
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0, \
        "no trail yet: its first event will seal the rows"
    make_task()
    db.session.commit()
    person = Person(username="moi", full_name="Người Mới", password_hash="x")
    person.grant(Role.OWNER, world.unit)
    db.session.add(person)
    db.session.execute(update(Field).where(Field.id == world.field.id).values(sort_order=7))  # an ORM bulk update
    db.session.commit()
    sealing = db.session.scalars(select(AuditEvent).where(AuditEvent.action == SEAL_ACTION)
                                 .order_by(AuditEvent.seq.desc())).first()
    assert {rowseal.row_key("people", person.id), rowseal.row_key("role_grants", person.grants[0].id),
            rowseal.row_key("fields", world.field.id)} <= set(sealing.data["rows"])
    assert verify(folder).ok
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    end_sessions(person)  # bookkeeping, not content: no event
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert verify(folder).ok


def test_digests_do_not_depend_on_how_the_driver_gives_values():
    spec = rowseal.SEALED["self_assessments"]
    as_sqlite = {**dict.fromkeys(spec.columns), "id": 1, "task_id": 2, "author_id": 3,
                 "indicator_results": '[{"b": 1.5, "a": null}]', "deliverable": "Xong", "self_level_id": 1, "shortcomings": "", "lessons": "",
                 "submitted_at": "2026-03-15 09:00:00.000000"}
    as_postgresql = {**as_sqlite, "indicator_results": [{"a": None, "b": 1.5}],
                     "submitted_at": datetime(2026, 3, 15, 9, 0)}
    aware = {**as_sqlite, "submitted_at": datetime(2026, 3, 15, 16, 0, tzinfo=timezone.utc).astimezone()}
    assert rowseal.row_digest(spec, as_sqlite) == rowseal.row_digest(spec, as_postgresql)
    assert rowseal.row_digest(spec, as_sqlite) != rowseal.row_digest(spec, aware)  # another moment
    verdicts = rowseal.SEALED["verdicts"]
    base = dict.fromkeys(verdicts.columns)
    assert rowseal.row_digest(verdicts, {**base, "id": 1, "is_current": 1}) == \
        rowseal.row_digest(verdicts, {**base, "id": 1, "is_current": True})
    assert rowseal.row_digest(verdicts, {**base, "id": 1, "is_current": 2}) != \
        rowseal.row_digest(verdicts, {**base, "id": 1, "is_current": True})
    tasks = rowseal.SEALED["tasks"]
    assert "search_text" not in tasks.columns and "session_version" not in rowseal.SEALED["people"].columns
    row = {**dict.fromkeys(tasks.columns), "id": 1, "deadline": date(2026, 11, 30)}
    assert rowseal.row_digest(tasks, row) == rowseal.row_digest(tasks, {**row, "deadline": "2026-11-30"})
    assert rowseal.row_digest(tasks, row) != rowseal.row_digest(rowseal.SEALED["milestones"], {
        **dict.fromkeys(rowseal.SEALED["milestones"].columns), "id": 1})


# -- each kind of problem ---------------------------------------------------------------------------------------

def test_row_changed_names_the_table_and_id(db, world, make_task, folder):
    task = make_task(TaskState.APPROVED)
    other = make_task()
    db.session.commit()
    db.session.execute(text("UPDATE tasks SET goal = 'Mục tiêu khác' WHERE id = :t"), {"t": task.id})
    db.session.execute(text("UPDATE people SET password_hash = 'pbkdf2:sha256:1$x$y' WHERE id = :p"),
                       {"p": world.standing.id})
    db.session.execute(text("UPDATE years SET grace_days = 30 WHERE id = :y"), {"y": world.year.id})
    report = verify(folder)
    assert not report.ok and report.kind == "row_changed"
    assert named(report) == {("row_changed", "tasks", task.id), ("row_changed", "people", world.standing.id),
                             ("row_changed", "years", world.year.id)}
    approve = db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "task.approve"))
    assert next(p for p in report.rows if p.table == "tasks").seq == approve
    assert other.id not in {p.id for p in report.rows if p.table == "tasks"}


def test_row_unaudited_and_row_missing(db, world, make_task, folder):
    task = make_task(TaskState.APPROVED)
    db.session.commit()
    milestone = task.milestones[0].id
    db.session.execute(text("INSERT INTO role_grants (person_id, role, unit_id) VALUES (:p, 'standing', :u)"),
                       {"p": world.owner.id, "u": world.unit.id})
    grant = db.session.scalar(text("SELECT MAX(id) FROM role_grants"))
    db.session.execute(text("DELETE FROM milestones WHERE id = :m"), {"m": milestone})
    report = verify(folder)
    assert named(report) == {("row_unaudited", "role_grants", grant), ("row_missing", "milestones", milestone)}
    unaudited = next(p for p in report.rows if p.kind == "row_unaudited")
    assert unaudited.seq is None and report.kind in ("row_unaudited", "row_missing")


def test_the_lock_and_the_current_verdict_are_checked_against_their_events(db, world, make_reviewed_task, levels,
                                                                             folder):
    task = make_reviewed_task()
    review.reopen_task(world.standing, task, "Bổ sung minh chứng")
    review.record_verdict(world.standing, task, {"level_id": levels["on_time"].id, "reasons": "Đúng hạn"})
    db.session.commit()
    old, current = sorted(task.verdicts, key=lambda v: v.id)
    assert verify(folder).ok
    # the state flipped back: the task is unlocked though the trail says reviewed
    db.session.execute(text("UPDATE tasks SET state = 'in_progress' WHERE id = :t"), {"t": task.id})
    report = verify(folder)
    problem = next(p for p in report.rows if p.table == "tasks")
    assert problem.kind == "row_changed" and "reviewed (locked)" in problem.detail
    db.session.rollback()
    # the superseded verdict marked current again, the current one unmarked
    db.session.execute(text("UPDATE verdicts SET is_current = false, reopened_at = decided_at, "
                            "reopen_reason = 'x' WHERE id = :v"), {"v": current.id})
    db.session.execute(text("UPDATE verdicts SET is_current = true WHERE id = :v"), {"v": old.id})
    report = verify(folder)
    assert {("row_changed", "verdicts", old.id), ("row_changed", "verdicts", current.id)} <= named(report)
    details = {p.id: p.detail for p in report.rows if p.table == "verdicts"}
    assert "the trail says superseded" in details[old.id]
    assert "the trail says the current verdict" in details[current.id]
    db.session.rollback()
    # a superseded verdict's text: no seal covers it any more, its digest does
    db.session.execute(text("UPDATE verdicts SET reasons = 'Sửa lén' WHERE id = :v"), {"v": old.id})
    assert named(verify(folder)) == {("row_changed", "verdicts", old.id)}


@pytest.mark.parametrize("chunk", [None, 7])
def test_a_trail_from_before_row_sealing_is_sealed_by_its_next_event(app, db, world, make_task, folder, chunk,
                                                                     monkeypatch):
    """An upgraded installation: its events carry no "rows"; verify checks the rows once a new event seals
    them all — in ``rows.seal`` events of at most SEAL_CHUNK digests each (a province holds 250,000 rows)."""
    if chunk:
        monkeypatch.setattr(audit_service, "SEAL_CHUNK", chunk)
    task = make_task(TaskState.SUBMITTED)
    db.session.commit()
    with triggers_off(db):
        prev = GENESIS_HASH
        for row in db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all():
            body = json.loads(row["payload"])
            body.pop("rows")
            payload = canonical_json(body)
            digest = entry_hash(row["seq"], prev, payload)
            update_row(db, row["seq"], payload=payload, prev_hash=prev, entry_hash=digest, hmac=sign(digest, KEY))
            prev = digest
        db.session.execute(AuditHead.__table__.update().values(last_hash=prev))
    db.session.commit()
    db.session.execute(text("UPDATE tasks SET goal = 'trước khi niêm phong' WHERE id = :t"), {"t": task.id})
    db.session.commit()
    report = verify(folder)
    assert report.ok and not report.rows_sealed and report.rows_checked > 0, report
    runner = app.test_cli_runner()
    last = db.session.scalar(select(AuditHead.last_seq))
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "rows sealed" in result.output
    sealing = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq)).all()
    sizes = [len(event.data["rows"]) for event in sealing]
    assert max(sizes) <= (chunk or audit_service.SEAL_CHUNK)
    assert len(sealing) == (1 if chunk is None else -(-report.rows_checked // chunk)), sizes
    assert {event.action for event in sealing} == {"rows.seal"}
    report = verify(folder)
    assert report.ok and report.rows_sealed, report
    assert "nothing to do" in runner.invoke(args=["audit", "seal"]).output
    db.session.execute(text("UPDATE tasks SET goal = 'sau khi niêm phong' WHERE id = :t"), {"t": task.id})
    db.session.commit()
    assert named(verify(folder)) == {("row_changed", "tasks", task.id)}


# -- where the results are shown --------------------------------------------------------------------------------

def test_the_command_line_names_every_row(app, db, world, make_task, folder):
    a, b = make_task(), make_task()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audited rows verified" in result.output
    db.session.execute(text("UPDATE tasks SET title = 'Sửa lén' WHERE id IN (:a, :b)"), {"a": a.id, "b": b.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"row_changed tasks {a.id} " in result.output and f"row_changed tasks {b.id} " in result.output
    body = json.loads(runner.invoke(args=["audit", "verify", "--json"]).output)
    assert body["ok"] is False and {(r["table"], r["id"]) for r in body["rows"]} == {("tasks", a.id), ("tasks", b.id)}


def test_the_audit_page_and_the_api_list_the_rows(db, world, make_task, login_as, api_as, folder):
    task = make_task()
    db.session.commit()
    db.session.execute(text("UPDATE tasks SET title = 'Sửa lén' WHERE id = :t"), {"t": task.id})
    db.session.execute(text("INSERT INTO role_grants (person_id, role, unit_id) VALUES (:p, 'standing', :u)"),
                       {"p": world.owner.id, "u": world.unit.id})
    db.session.commit()
    grant = db.session.scalar(text("SELECT MAX(id) FROM role_grants"))
    body = api_as(world.inspector).get("audit/verification").get_json()
    assert body["ok"] is False and body["kind"] == "row_unaudited"  # the first in the tables' order
    assert {(r["kind"], r["table"], r["id"]) for r in body["rows"]} == {
        ("row_changed", "tasks", task.id), ("row_unaudited", "role_grants", grant)}
    client = login_as(world.inspector)
    client.post("/audit/verify")
    html = client.get("/audit").get_data(as_text=True)
    assert 'data-kind="row_unaudited"' in html and f'data-table="tasks" data-id="{task.id}"' in html
    assert f'data-table="role_grants" data-id="{grant}"' in html
    assert "một bản ghi không còn khớp với nhật ký" in html and f"Việc #{task.id}" in html
    assert f"Phân quyền #{grant}" in html and "Số bản ghi không khớp với nhật ký: 2." in html


def test_verify_leaves_the_session_as_it_was(db, world, make_task, folder):
    task = make_task()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    verify(folder)
    assert not db.session.dirty and not db.session.new
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert task.title and verify(folder).ok


def test_record_event_with_nothing_changed_seals_nothing(db, world, make_task, folder):
    make_task()
    event = record_event(world.owner, "person.update", object_type="person", object_id=world.owner.id,
                         subject=world.owner)
    assert event.data["rows"] == {}
    assert Path(folder).is_dir() and verify(folder).ok
    assert db.session.scalar(select(func.count()).select_from(Verdict)) == 0
