"""The tamper-evident trail: a random workflow history verifies clean; each kind of tampering, applied directly
in the database or on disk, is named by `verify` with the right sequence number (hypothesis)."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from registry import clock
from registry.models import (
    AuditEvent,
    AuditHead,
    EvidenceFile,
    Period,
    Role,
    TaskState,
    Verdict,
)
from registry.models.audit import GENESIS_HASH, SQLITE_DROP_TRIGGERS, SQLITE_TRIGGERS
from registry.services import evidence, monitoring, progress, review
from registry.services import tasks as svc
from registry.services.audit import canonical_json, entry_hash, sign
from registry.services.verify import make_checkpoint, verify_all
from tests.conftest import _empty_tables, task_input

KEY = "test-audit-key"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHAIN_KINDS = ["edited", "deleted", "reordered", "inserted", "truncated", "recomputed"]
OTHER_KINDS = ["seal_broken", "file_changed", "file_missing"]


@contextmanager
def triggers_off(db):
    """A database owner can drop the append-only triggers; the trail must still show what they did."""
    sqlite = db.engine.dialect.name == "sqlite"
    for statement in SQLITE_DROP_TRIGGERS if sqlite else ["ALTER TABLE audit_events DISABLE TRIGGER USER"]:
        db.session.execute(text(statement))
    try:
        yield
    finally:
        for statement in SQLITE_TRIGGERS if sqlite else ["ALTER TABLE audit_events ENABLE TRIGGER USER"]:
            db.session.execute(text(statement))
        db.session.commit()


def build_history(world, make_person, levels, store, steps):
    """A reviewed task with an evidence file, then random extra workflow steps by random tasks."""
    task = svc.create_task(world.owner, world.year, task_input(world.field, world.year))
    svc.submit_task(world.owner, task)
    svc.approve_task(world.standing, task, decision_ref="1-QĐ/QU", decision_date=clock.today(),
                     monitor=world.monitor)
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đối thoại", "status": "on_track", "values": {str(task.indicators[0].id): 10}})
    evidence.attach_evidence(world.owner, note, io.BytesIO(PDF), "Biên bản.pdf", store)
    review.submit_self_assessment(world.owner, task, {"reached": {task.indicators[0].id: 0}, "deliverable": "Xong",
                                                      "self_level_id": levels["exceeded"].id})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {"supervision_form": "field_survey",
                                                                  "judgement": "on_track", "strengths": "Tốt"})
    review.record_verdict(world.standing, task, {"level_id": levels["exceeded"].id, "reasons": "Vượt"})
    owners = [world.owner, world.other_owner]
    live = []
    for step in steps:
        if step == "create" or not live:
            owner = owners[len(live) % 2]
            live.append(svc.create_task(owner, world.year, task_input(world.field, world.year,
                                                                       title=f"Việc {len(live)}")))
            continue
        target = live[-1]
        try:
            if step == "submit":
                svc.submit_task(target.owner, target)
            elif step == "return":
                svc.return_task(world.standing, target, comment="Bổ sung")
            elif step == "approve":
                svc.approve_task(world.standing, target, decision_ref="2-QĐ/QU", decision_date=clock.today(),
                                 monitor=world.monitor)
            elif step == "edit":
                svc.update_task(target.owner, target, task_input(world.field, world.year, title="Sửa tên"))
            elif step == "withdraw":
                svc.withdraw_task(target.owner, target, "Rút")
            elif step == "person":
                make_person(Role.OWNER, committee=world.unit)
        except Exception:  # an out-of-order step is simply skipped: the services refuse it
            pass
    return task


def last_seq(db) -> int:
    return db.session.scalar(select(db.func.max(AuditEvent.seq))) or 0


def row(db, seq):
    return db.session.execute(select(AuditEvent.__table__).where(AuditEvent.seq == seq)).mappings().one()


def update_row(db, at, **values):
    db.session.execute(AuditEvent.__table__.update().where(AuditEvent.seq == at).values(**values))


def tamper(kind, db, store, position):
    """Apply one tampering; return the sequence number `verify` must name."""
    n = last_seq(db)
    k = 1 + position % n
    if kind in OTHER_KINDS:
        verdict = db.session.scalar(select(Verdict))
        file = db.session.scalar(select(EvidenceFile))
        if kind == "seal_broken":
            db.session.execute(text("UPDATE progress_notes SET work_done = 'Sửa lén' WHERE task_id = :t"),
                               {"t": verdict.task_id})
            db.session.commit()
            return db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "task.verdict"))
        path = store.path_of(file)
        if kind == "file_changed":
            path.write_bytes(path.read_bytes() + b"tampered")
        else:
            path.unlink()
        return db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "evidence.attach"))
    with triggers_off(db):
        if kind == "edited":
            original = row(db, k)
            body = json.loads(original["payload"])
            body["after"] = {"tampered": True}
            update_row(db, k, payload=canonical_json(body))
            return k
        if kind == "deleted":
            k = min(k, n - 1) if n > 1 else k
            if n == 1:
                pytest.skip("a one-event chain cannot lose an event in the middle")
            db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == k))
            return k
        if kind == "truncated":
            keep = k - 1
            db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq > keep))
            return keep + 1
        if kind == "reordered":
            k = min(k, n - 1)
            a, b = dict(row(db, k)), dict(row(db, k + 1))
            fields = [c for c in a if c != "seq"]
            update_row(db, k, entry_hash="x" * 64)
            update_row(db, k + 1, **{f: a[f] for f in fields})
            update_row(db, k, **{f: b[f] for f in fields})
            return k
        if kind == "inserted":
            for seq in range(n, k - 1, -1):
                update_row(db, seq, seq=seq + 1)
            prev = row(db, k - 1)["entry_hash"] if k > 1 else GENESIS_HASH
            template = dict(row(db, k + 1))
            body = json.loads(template["payload"])
            body.update(seq=k, action="task.forged")
            payload = canonical_json(body)
            digest = entry_hash(k, prev, payload)
            db.session.execute(AuditEvent.__table__.insert().values(
                {**template, "seq": k, "action": "task.forged", "payload": payload, "prev_hash": prev,
                 "entry_hash": digest, "hmac": "0" * 64}))
            db.session.execute(AuditHead.__table__.update().values(last_seq=n + 1))
            return k
        if kind == "recomputed":
            prev = row(db, k - 1)["entry_hash"] if k > 1 else GENESIS_HASH
            for seq in range(k, n + 1):
                current = row(db, seq)
                payload = current["payload"]
                if seq == k:
                    body = json.loads(payload)
                    body["after"] = {"recomputed": True}
                    payload = canonical_json(body)
                digest = entry_hash(seq, prev, payload)
                update_row(db, seq, payload=payload, prev_hash=prev, entry_hash=digest)
                prev = digest
            db.session.execute(AuditHead.__table__.update().values(last_hash=prev))
            return k
    raise AssertionError(kind)


@pytest.fixture
def store(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    return evidence.EvidenceStore(tmp_path / "evidence")


STEPS = st.lists(st.sampled_from(["create", "submit", "return", "approve", "edit", "withdraw", "person"]),
                 max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, kind=st.sampled_from(CHAIN_KINDS + OTHER_KINDS + ["none"]), position=st.integers(0, 10_000))
def test_verify_names_each_tampering(steps, kind, position, app, db, make_person, make_year, make_field,
                                     make_unit, store):
    try:
        world = make_world(make_person, make_year, make_field, make_unit)
        levels = {level.code: level for level in review.ensure_default_levels()}
        build_history(world, make_person, levels, store, steps)
        db.session.commit()
        assert verify_all(KEY, store.folder).ok, "an untouched history verifies"
        if kind == "none":
            return
        expected = tamper(kind, db, store, position)
        db.session.commit()
        db.session.expire_all()
        report = verify_all(KEY, store.folder)
        assert (report.ok, report.kind, report.seq) == (False, kind, expected), report
    finally:
        db.session.rollback()
        _empty_tables()
        db.session.expunge_all()  # the next example reuses the emptied tables' ids
        for path in store.folder.glob("*"):
            path.unlink()


def make_world(make_person, make_year, make_field, make_unit):
    class World:  # its own committee: hypothesis runs many examples in one test, emptying the tables between
        unit = make_unit(parent=None)
        year = make_year()
        field = make_field()
        owner = make_person(Role.OWNER, committee=unit)
        other_owner = make_person(Role.OWNER, committee=unit)
        standing = make_person(Role.STANDING, committee=unit)
        monitor = make_person(Role.MONITOR, committee=unit)
    return World


def test_checkpoint_catches_full_truncation_and_recomputation(app, db, world, make_person, levels, store):
    build_history(world, make_person, levels, store, ["create", "submit", "approve"])
    db.session.commit()
    checkpoint = make_checkpoint(KEY, clock.now())
    assert verify_all(KEY, store.folder, checkpoint).ok
    n = last_seq(db)
    # an attacker removes the last events and rewinds the head: the chain alone looks intact
    with triggers_off(db):
        db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq > n - 2))
        tail = row(db, n - 2)
        db.session.execute(AuditHead.__table__.update().values(last_seq=n - 2, last_hash=tail["entry_hash"]))
    db.session.commit()
    # the chain alone looks intact; the row the lost events wrote no longer matches its latest digest
    alone = verify_all(KEY, store.folder)
    assert alone.kind == "row_changed" and alone.seq < n - 1, alone
    report = verify_all(KEY, store.folder, checkpoint)
    assert (report.kind, report.seq) == ("truncated", n - 1)


def test_checkpoint_catches_recomputation_with_the_key(app, db, world, make_person, levels, store):
    build_history(world, make_person, levels, store, ["create", "submit"])
    db.session.commit()
    checkpoint = make_checkpoint(KEY, clock.now())
    n = last_seq(db)
    with triggers_off(db):  # someone holding the key rewrites event 2 and everything after it
        prev = row(db, 1)["entry_hash"]
        for seq in range(2, n + 1):
            payload = row(db, seq)["payload"]
            if seq == 2:
                body = json.loads(payload)
                body["after"] = {"rewritten": True}
                payload = canonical_json(body)
            digest = entry_hash(seq, prev, payload)
            update_row(db, seq, payload=payload, prev_hash=prev, entry_hash=digest, hmac=sign(digest, KEY))
            prev = digest
        db.session.execute(AuditHead.__table__.update().values(last_hash=prev))
    db.session.commit()
    assert verify_all(KEY, store.folder).ok
    report = verify_all(KEY, store.folder, checkpoint)
    assert (report.kind, report.seq) == ("recomputed", n)
    forged = {**checkpoint, "seq": 1}
    assert verify_all(KEY, store.folder, forged).kind == "checkpoint_invalid"


def test_database_refuses_to_change_audit_rows(app, db, world, make_task):
    make_task(TaskState.SUBMITTED)
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()


def test_cli_verify_and_checkpoint(app, db, world, make_task, tmp_path, store):
    make_task(TaskState.APPROVED)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    checkpoint = tmp_path / "head.json"
    assert runner.invoke(args=["audit", "checkpoint", str(checkpoint)]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--checkpoint", str(checkpoint), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["ok"] is True
    with triggers_off(db):
        update_row(db, 2, action="task.forged")
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == {**json.loads(result.output), "ok": False, "seq": 2, "kind": "edited"}

