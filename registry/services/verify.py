"""Verification of the tamper-evident audit trail: the hash chain, its HMACs, the verdict seals, the stored
evidence files and every audited row, optionally against a signed checkpoint kept outside the database.

The chain is read once, in keyset batches (nothing but small maps is kept: the latest digest of each row, the
first verdict and file events, each task's verdict state). The first problem of the chain, checkpoint, seals
or files is reported with its sequence number and kind: edited, deleted, reordered, inserted, truncated,
recomputed, checkpoint invalid, seal broken, file changed, file missing. Then every audited row is compared
with the digest its latest event recorded (``registry.services.rowseal``), and every row that does not match
is named (``Report.rows``): ``row_changed`` (its content, or its lock or current verdict, is not what the trail
says), ``row_unaudited`` (no event seals it), ``row_missing`` (an event seals it, the row is gone).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from registry.models import (
    Assessment,
    AuditEvent,
    AuditHead,
    EvidenceFile,
    ProgressNote,
    Task,
    Verdict,
    db,
)
from registry.models.audit import GENESIS_HASH
from registry.services import rowseal
from registry.services.audit import entry_hash, sign
from registry.services.review import compute_seal
from registry.storage import Storage, as_storage

EDITED, DELETED, REORDERED, INSERTED, TRUNCATED, RECOMPUTED = (
    "edited", "deleted", "reordered", "inserted", "truncated", "recomputed")
SEAL_BROKEN, FILE_CHANGED, FILE_MISSING, CHECKPOINT_INVALID = (
    "seal_broken", "file_changed", "file_missing", "checkpoint_invalid")
ROW_CHANGED, ROW_UNAUDITED, ROW_MISSING = "row_changed", "row_unaudited", "row_missing"
ROW_KINDS = (ROW_CHANGED, ROW_UNAUDITED, ROW_MISSING)

#: events read per statement
BATCH = 5000
#: current verdicts whose locked record is loaded at once
SEAL_BATCH = 200


@dataclass
class RowProblem:
    kind: str
    table: str
    id: int
    #: the event that sealed the row last (None for a row no event seals)
    seq: int | None = None
    detail: str = ""


@dataclass
class Report:
    ok: bool
    events: int
    seq: int | None = None
    kind: str | None = None
    detail: str = ""
    #: every audited row that does not match the trail
    rows: list[RowProblem] = field(default_factory=list)
    #: audited rows compared with the trail (0 when the chain is broken: the trail proves nothing then)
    rows_checked: int = 0
    #: the trail seals rows (False for a trail written before row sealing, until its first new event)
    rows_sealed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem(events: int, seq: int | None, kind: str, detail: str) -> Report:
    return Report(ok=False, events=events, seq=seq, kind=kind, detail=detail)


def _columns_match(row, payload: dict[str, Any]) -> bool:
    actor = payload.get("actor") or {}
    obj = payload.get("object") or {}
    occurred = row.occurred_at.astimezone(timezone.utc).replace(tzinfo=None) if row.occurred_at else None
    try:
        stated = datetime.fromisoformat(payload.get("occurred_at")).astimezone(timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError):
        return False
    return (row.action == payload.get("action") and row.actor_id == actor.get("id")
            and row.task_id == payload.get("task_id") and row.subject_person_id == payload.get("subject_person_id")
            and row.object_type == obj.get("type") and row.object_id == obj.get("id")
            and ("unit_id" not in payload or row.unit_id == payload["unit_id"])
            and occurred is not None and abs((occurred - stated).total_seconds()) < 1)


@dataclass
class Trail:
    """What one pass over the chain keeps."""

    events: int = 0
    last_hash: str = GENESIS_HASH
    checkpoint_hash: str | None = None
    #: table → id → (latest digest, or None for a deleted row; the event's seq)
    digests: dict[str, dict[int, tuple[str | None, int]]] = field(default_factory=dict)
    sealed: bool = False
    #: verdict id → (seq, seal) of its first ``task.verdict`` event
    verdict_events: dict[int, tuple[int, Any]] = field(default_factory=dict)
    #: evidence file id → (seq, sha256) of its first ``evidence.attach`` event
    file_events: dict[int, tuple[int, Any]] = field(default_factory=dict)
    #: task id → (the verdict standing on it, None once reopened; the event's seq)
    verdict_state: dict[int, tuple[int | None, int]] = field(default_factory=dict)

    def take(self, row, payload: dict[str, Any]) -> None:
        action = payload.get("action")
        obj = payload.get("object") or {}
        after = payload.get("after") if isinstance(payload.get("after"), dict) else {}
        if action == "task.verdict" and isinstance(obj.get("id"), int):
            self.verdict_events.setdefault(obj["id"], (row.seq, after.get("seal")))
            if isinstance(payload.get("task_id"), int):
                self.verdict_state[payload["task_id"]] = (obj["id"], row.seq)
        elif action == "task.reopen" and isinstance(payload.get("task_id"), int):
            self.verdict_state[payload["task_id"]] = (None, row.seq)
        elif action == "evidence.attach" and isinstance(obj.get("id"), int):
            self.file_events.setdefault(obj["id"], (row.seq, after.get("sha256")))
        rows = payload.get("rows")
        if isinstance(rows, dict):
            self.sealed = True
            for key, digest in rows.items():
                parsed = rowseal.parse_key(key)
                if parsed is not None:
                    self.digests.setdefault(parsed[0], {})[parsed[1]] = (digest, row.seq)


def _stream_events() -> Iterator[Any]:
    """Every event in sequence order, read in keyset batches."""
    table = AuditEvent.__table__
    after = None
    while True:
        query = select(table).order_by(table.c.seq).limit(BATCH)
        if after is not None:
            query = query.where(table.c.seq > after)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def _count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def verify_chain(key: str, checkpoint_seq: int | None = None) -> tuple[Report, Trail]:
    """Walk the chain in sequence order, streaming; report the first broken link."""
    trail = Trail()
    expected, prev = 1, GENESIS_HASH
    stream = _stream_events()
    row = next(stream, None)
    while row is not None:
        following = next(stream, None)
        if row.seq != expected:
            return _problem(_count_events(), expected, DELETED, f"event {expected} is missing"), trail
        try:
            payload = json.loads(row.payload)
        except ValueError:
            return _problem(_count_events(), row.seq, EDITED, "the payload is not valid JSON"), trail
        if not isinstance(payload, dict) or payload.get("seq") != row.seq:
            stated = payload.get("seq") if isinstance(payload, dict) else None
            return _problem(_count_events(), row.seq, REORDERED,
                            f"event {row.seq} holds the content of event {stated}"), trail
        if entry_hash(row.seq, row.prev_hash, row.payload) != row.entry_hash or not _columns_match(row, payload):
            return _problem(_count_events(), row.seq, EDITED, "the stored event does not match its hash"), trail
        if row.prev_hash != prev:
            return _problem(_count_events(), row.seq, RECOMPUTED, "the link to the previous event is broken"), trail
        if not hmac.compare_digest(row.hmac or "", sign(row.entry_hash, key)):
            if following is not None and following.prev_hash == row.prev_hash:
                return _problem(_count_events(), row.seq, INSERTED, "an event was inserted into the chain"), trail
            return _problem(_count_events(), row.seq, RECOMPUTED, "the hash was recomputed without the key"), trail
        trail.take(row, payload)
        if row.seq == checkpoint_seq:
            trail.checkpoint_hash = row.entry_hash
        prev, expected = row.entry_hash, expected + 1
        trail.events += 1
        row = following
    trail.last_hash = prev
    head = db.session.get(AuditHead, 1)
    last = expected - 1
    if head is not None and head.last_seq > last:
        return _problem(trail.events, last + 1, TRUNCATED,
                        f"the chain ends at {last}, its head says {head.last_seq}"), trail
    if head is not None and head.last_seq == last and head.last_hash != prev:
        return _problem(trail.events, last or None, RECOMPUTED, "the chain head does not match the last event"), trail
    return Report(ok=True, events=trail.events, rows_sealed=trail.sealed), trail


def verify_checkpoint(trail: Trail, checkpoint: dict[str, Any], key: str) -> Report | None:
    """Compare the chain with a signed head kept outside the database."""
    body = f"{checkpoint.get('seq')}|{checkpoint.get('hash')}|{checkpoint.get('time')}"
    if not hmac.compare_digest(str(checkpoint.get("signature", "")), sign(body, key)):
        return _problem(trail.events, None, CHECKPOINT_INVALID, "the checkpoint's signature is wrong")
    seq = checkpoint["seq"]
    if seq == 0:
        return None
    if trail.checkpoint_hash is None:
        return _problem(trail.events, trail.events + 1, TRUNCATED,
                        f"the checkpoint names event {seq}, the chain ends at {trail.events}")
    if trail.checkpoint_hash != checkpoint["hash"]:
        return _problem(trail.events, seq, RECOMPUTED, "the chain differs from the checkpoint")
    return None


def _locked_records(ids: list[int]) -> list[Verdict]:
    """Current verdicts with everything ``compute_seal`` reads, loaded in a few statements."""
    return list(db.session.scalars(select(Verdict).where(Verdict.id.in_(ids)).order_by(Verdict.id).options(
        selectinload(Verdict.task).options(
            selectinload(Task.indicators), selectinload(Task.milestones), selectinload(Task.adjustments),
            selectinload(Task.files), selectinload(Task.self_assessment),
            selectinload(Task.notes).options(selectinload(ProgressNote.values),
                                             selectinload(ProgressNote.amendments)),
            selectinload(Task.assessments).selectinload(Assessment.recommendations)))))


def verify_seals(trail: Trail) -> Report | None:
    """Every current verdict's seal must match the locked record as it is now."""
    ids = list(db.session.scalars(select(Verdict.id).where(Verdict.is_current.is_(True)).order_by(Verdict.id)))
    for start in range(0, len(ids), SEAL_BATCH):
        for verdict in _locked_records(ids[start:start + SEAL_BATCH]):
            seq, recorded = trail.verdict_events.get(verdict.id, (None, None))
            if compute_seal(verdict.task, verdict) != verdict.seal or recorded != verdict.seal:
                return _problem(trail.events, seq, SEAL_BROKEN, f"the locked record of task {verdict.task_id} changed")
    return None


def verify_files(trail: Trail, folder: Path | Storage) -> Report | None:
    """Every stored evidence file (in a folder or any ``Storage``) must exist and match the SHA-256 recorded
    when it was attached; each is read as a stream."""
    storage = as_storage(folder)
    table = EvidenceFile.__table__
    after = 0
    while True:
        files = db.session.execute(select(table.c.id, table.c.stored_name, table.c.original_name, table.c.sha256)
                                   .where(table.c.id > after).order_by(table.c.id).limit(BATCH)).all()
        if not files:
            return None
        for file in files:
            seq, recorded = trail.file_events.get(file.id, (None, None))
            digest = hashlib.sha256()
            try:
                for chunk in storage.chunks(file.stored_name):
                    digest.update(chunk)
            except (FileNotFoundError, IsADirectoryError):
                return _problem(trail.events, seq, FILE_MISSING,
                                f"evidence file {file.id} ({file.original_name}) is missing")
            if digest.hexdigest() != file.sha256 or recorded != file.sha256:
                return _problem(trail.events, seq, FILE_CHANGED,
                                f"evidence file {file.id} ({file.original_name}) changed")
        after = files[-1].id


def _derived(table: str, row_id: int, extra: dict[str, Any], trail: Trail) -> tuple[str, int | None] | None:
    """The lock of a task and the current flag of a verdict against the events that set them."""
    if table == "tasks":
        standing, seq = trail.verdict_state.get(row_id, (None, None))
        locked = extra["state"] == "reviewed"
        if locked != (standing is not None):
            said = "reviewed (locked)" if standing is not None else "not reviewed (unlocked)"
            return f"state {extra['state']}, the trail says {said}", seq
    elif table == "verdicts":
        standing, seq = trail.verdict_state.get(extra["task_id"], (None, None)) \
            if isinstance(extra["task_id"], int) else (None, None)
        current = extra["is_current"] in (1, True)
        if current != (standing == row_id):
            said = "the current verdict" if standing == row_id else "superseded"
            return f"{'current' if current else 'not current'}, the trail says {said}", seq
    return None


#: the raw columns each table's derived checks read
DERIVED_COLUMNS = {"tasks": ("state",), "verdicts": ("task_id", "is_current")}


def verify_rows(trail: Trail) -> tuple[list[RowProblem], int]:
    """Every audited row against the latest digest in the trail; the lock and current verdict against the
    events that set them. Returns the problems and the number of rows compared."""
    problems: list[RowProblem] = []
    checked = 0
    session = db.session()
    for table in rowseal.SEALED:
        sealed = dict(trail.digests.get(table, {}))  # a copy: the trail can be checked again
        for row_id, digest, extra in rowseal.stream_digests(session, table, extra=DERIVED_COLUMNS.get(table, ())):
            checked += 1
            found: RowProblem | None = None
            recorded = sealed.pop(row_id, None)
            if trail.sealed:
                if recorded is None:
                    found = RowProblem(ROW_UNAUDITED, table, row_id, None, "no event seals this row")
                elif recorded[0] is None:
                    found = RowProblem(ROW_CHANGED, table, row_id, recorded[1], "the trail says it was deleted")
                elif recorded[0] != digest:
                    found = RowProblem(ROW_CHANGED, table, row_id, recorded[1],
                                       "its content differs from the digest its latest event recorded")
            derived = _derived(table, row_id, extra, trail)
            if derived is not None:
                if found is None:
                    found = RowProblem(ROW_CHANGED, table, row_id, derived[1], derived[0])
                else:
                    found.detail = f"{found.detail}; {derived[0]}"
            if found is not None:
                problems.append(found)
        for row_id, (digest, seq) in sorted(sealed.items()):
            if digest is not None:
                problems.append(RowProblem(ROW_MISSING, table, row_id, seq, "an event seals this row; it is gone"))
    return problems, checked


def verify_all(key: str, evidence_folder: Path | Storage, checkpoint: dict[str, Any] | None = None) -> Report:
    """The chain, then the checkpoint, the seals and the files (the first problem), then every audited row
    (each one that does not match). ``ok`` only when nothing is wrong anywhere."""
    checkpoint_seq = checkpoint.get("seq") if isinstance(checkpoint, dict) else None
    report, trail = verify_chain(key, checkpoint_seq if isinstance(checkpoint_seq, int) else None)
    if not report.ok:
        return report
    first = None
    for check in (lambda: verify_checkpoint(trail, checkpoint, key) if checkpoint is not None else None,
                  lambda: verify_seals(trail), lambda: verify_files(trail, evidence_folder)):
        first = check()
        if first is not None:
            break
    problems, checked = verify_rows(trail)
    report = first or report
    report.rows, report.rows_checked, report.rows_sealed = problems, checked, trail.sealed
    if first is None and problems:
        report.ok, report.kind, report.seq = False, problems[0].kind, problems[0].seq
        report.detail = f"{len(problems)} audited rows do not match the trail, first {problems[0].table} " \
                        f"{problems[0].id}: {problems[0].detail}"
    return report


def make_checkpoint(key: str, now: datetime) -> dict[str, Any]:
    """A signed head of the chain (sequence, hash, time) to keep outside the database."""
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, digest = (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)
    time = now.astimezone(timezone.utc).isoformat()
    return {"seq": seq, "hash": digest, "time": time, "signature": sign(f"{seq}|{digest}|{time}", key)}
