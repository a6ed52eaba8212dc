"""Verification of the tamper-evident audit trail: the hash chain, its HMACs, the verdict seals and the stored
evidence files, optionally against a signed checkpoint kept outside the database.

The first problem found is reported with its sequence number and kind:
edited, deleted, reordered, inserted, truncated, recomputed, seal broken, file changed, file missing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.models import AuditEvent, AuditHead, EvidenceFile, Task, Verdict, db
from registry.models.audit import GENESIS_HASH
from registry.services.audit import entry_hash, sign
from registry.services.review import compute_seal

EDITED, DELETED, REORDERED, INSERTED, TRUNCATED, RECOMPUTED = (
    "edited", "deleted", "reordered", "inserted", "truncated", "recomputed")
SEAL_BROKEN, FILE_CHANGED, FILE_MISSING, CHECKPOINT_INVALID = (
    "seal_broken", "file_changed", "file_missing", "checkpoint_invalid")


@dataclass
class Report:
    ok: bool
    events: int
    seq: int | None = None
    kind: str | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _problem(events: int, seq: int | None, kind: str, detail: str) -> Report:
    return Report(ok=False, events=events, seq=seq, kind=kind, detail=detail)


def _columns_match(row: AuditEvent, payload: dict[str, Any]) -> bool:
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


def verify_chain(key: str) -> tuple[Report, list[AuditEvent]]:
    """Walk the chain in sequence order; report the first broken link."""
    rows = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    expected, prev = 1, GENESIS_HASH
    for index, row in enumerate(rows):
        if row.seq != expected:
            return _problem(len(rows), expected, DELETED, f"event {expected} is missing"), rows
        try:
            payload = json.loads(row.payload)
        except ValueError:
            return _problem(len(rows), row.seq, EDITED, "the payload is not valid JSON"), rows
        if not isinstance(payload, dict) or payload.get("seq") != row.seq:
            return _problem(len(rows), row.seq, REORDERED,
                            f"event {row.seq} holds the content of event {payload.get('seq')}"), rows
        if entry_hash(row.seq, row.prev_hash, row.payload) != row.entry_hash or not _columns_match(row, payload):
            return _problem(len(rows), row.seq, EDITED, "the stored event does not match its hash"), rows
        if row.prev_hash != prev:
            return _problem(len(rows), row.seq, RECOMPUTED, "the link to the previous event is broken"), rows
        if not hmac.compare_digest(row.hmac or "", sign(row.entry_hash, key)):
            following = rows[index + 1] if index + 1 < len(rows) else None
            if following is not None and following.prev_hash == row.prev_hash:
                return _problem(len(rows), row.seq, INSERTED, "an event was inserted into the chain"), rows
            return _problem(len(rows), row.seq, RECOMPUTED, "the hash was recomputed without the key"), rows
        prev, expected = row.entry_hash, expected + 1
    head = db.session.get(AuditHead, 1)
    last = rows[-1].seq if rows else 0
    if head is not None and head.last_seq > last:
        return _problem(len(rows), last + 1, TRUNCATED, f"the chain ends at {last}, its head says {head.last_seq}"), rows
    if head is not None and head.last_seq == last and head.last_hash != prev:
        return _problem(len(rows), last or None, RECOMPUTED, "the chain head does not match the last event"), rows
    return Report(ok=True, events=len(rows)), rows


def verify_checkpoint(rows: list[AuditEvent], checkpoint: dict[str, Any], key: str) -> Report | None:
    """Compare the chain with a signed head kept outside the database."""
    body = f"{checkpoint.get('seq')}|{checkpoint.get('hash')}|{checkpoint.get('time')}"
    if not hmac.compare_digest(str(checkpoint.get("signature", "")), sign(body, key)):
        return _problem(len(rows), None, CHECKPOINT_INVALID, "the checkpoint's signature is wrong")
    seq = checkpoint["seq"]
    if seq == 0:
        return None
    by_seq = {row.seq: row for row in rows}
    if seq not in by_seq:
        last = rows[-1].seq if rows else 0
        return _problem(len(rows), last + 1, TRUNCATED, f"the checkpoint names event {seq}, the chain ends at {last}")
    if by_seq[seq].entry_hash != checkpoint["hash"]:
        return _problem(len(rows), seq, RECOMPUTED, "the chain differs from the checkpoint")
    return None


def _first_events(rows: list[AuditEvent], actions: tuple[str, ...]) -> dict[tuple[str, int, str], AuditEvent]:
    """The first event of each (object type, object id, action) among ``actions``: one pass over the chain."""
    found: dict[tuple[str, int, str], AuditEvent] = {}
    for row in rows:
        if row.action in actions:
            found.setdefault((row.object_type, row.object_id, row.action), row)
    return found


def verify_seals(rows: list[AuditEvent]) -> Report | None:
    """Every current verdict's seal must match the locked record as it is now."""
    verdicts = db.session.scalars(select(Verdict).where(Verdict.is_current.is_(True)).options(
        selectinload(Verdict.task).selectinload(Task.notes))).all()
    events = _first_events(rows, ("task.verdict",))
    for verdict in sorted(verdicts, key=lambda v: v.id):
        event = events.get(("verdict", verdict.id, "task.verdict"))
        seq = event.seq if event else None
        recorded = json.loads(event.payload).get("after", {}).get("seal") if event else None
        if compute_seal(verdict.task, verdict) != verdict.seal or recorded != verdict.seal:
            return _problem(len(rows), seq, SEAL_BROKEN, f"the locked record of task {verdict.task_id} changed")
    return None


def verify_files(rows: list[AuditEvent], folder: Path) -> Report | None:
    """Every stored evidence file must exist and match the SHA-256 recorded when it was attached."""
    events = _first_events(rows, ("evidence.attach",))
    for file in db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)):
        event = events.get(("evidence_file", file.id, "evidence.attach"))
        seq = event.seq if event else None
        recorded = json.loads(event.payload).get("after", {}).get("sha256") if event else None
        path = folder / file.stored_name
        if not path.is_file():
            return _problem(len(rows), seq, FILE_MISSING, f"evidence file {file.id} ({file.original_name}) is missing")
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        if digest.hexdigest() != file.sha256 or recorded != file.sha256:
            return _problem(len(rows), seq, FILE_CHANGED, f"evidence file {file.id} ({file.original_name}) changed")
    return None


def verify_all(key: str, evidence_folder: Path, checkpoint: dict[str, Any] | None = None) -> Report:
    """The chain, then the checkpoint, the seals and the files: the first problem, or ok."""
    report, rows = verify_chain(key)
    if not report.ok:
        return report
    for problem in (verify_checkpoint(rows, checkpoint, key) if checkpoint is not None else None,
                    verify_seals(rows), verify_files(rows, evidence_folder)):
        if problem is not None:
            return problem
    return report


def make_checkpoint(key: str, now: datetime) -> dict[str, Any]:
    """A signed head of the chain (sequence, hash, time) to keep outside the database."""
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, digest = (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)
    time = now.astimezone(timezone.utc).isoformat()
    return {"seq": seq, "hash": digest, "time": time, "signature": sign(f"{seq}|{digest}|{time}", key)}
