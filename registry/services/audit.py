"""Appending events to the hash-chained audit trail, in the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from registry import clock
from registry.models import AuditEvent, AuditHead, Person, Task, db
from registry.models.audit import GENESIS_HASH, HASH_VERSION


def audit_key() -> str:
    """The HMAC key of the trail: configured outside the database (REGISTRY_AUDIT_KEY or instance/audit_key)."""
    return current_app.config["AUDIT_KEY"]


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(seq: int, prev_hash: str, payload: str) -> str:
    """SHA-256 over the version tag, sequence number, previous hash and payload."""
    material = "\n".join([HASH_VERSION, str(seq), prev_hash, payload]).encode("utf-8")
    return hashlib.sha256(material).hexdigest()


def sign(digest: str, key: str) -> str:
    """HMAC-SHA-256 of an entry hash under the audit key."""
    return hmac_module.new(key.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()


def _advance_head() -> AuditHead:
    """Take the chain head for this transaction (serialising concurrent appenders) and return it."""
    session = db.session
    result = session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1))
    if result.rowcount == 0:
        session.add(AuditHead(id=1, last_seq=1, last_hash=GENESIS_HASH))
        session.flush()
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    return head


def _home_unit(person: Person | None) -> int | None:
    """The unit an event about a person is filed under: their unit, else the unit of their first grant."""
    if person is None:
        return None
    if person.org_unit_id is not None:
        return person.org_unit_id
    return person.grants[0].unit_id if person.grants else None


def record_event(
    actor: Person | None,
    action: str,
    *,
    object_type: str,
    object_id: int | None,
    task: Task | None = None,
    subject: Person | None = None,
    before: Any = None,
    after: Any = None,
    unit_id: int | None = None,
) -> AuditEvent:
    """Append one audit event (who, when, action, before → after) in the current transaction."""
    session = db.session
    session.flush()  # the change being recorded gets its ids first
    head = _advance_head()
    seq = head.last_seq
    occurred_at = clock.now()
    if subject is None and task is not None:
        subject = task.owner
    if unit_id is None:
        unit_id = task.committee_id if task is not None else _home_unit(subject)
    body = {
        "seq": seq,
        "occurred_at": occurred_at.isoformat(),
        "actor": {"id": actor.id, "username": actor.username} if actor else None,
        "subject_person_id": subject.id if subject else None,
        "task_id": task.id if task else None,
        "unit_id": unit_id,
        "object": {"type": object_type, "id": object_id},
        "action": action,
        "before": before,
        "after": after,
    }
    payload = canonical_json(body)
    digest = entry_hash(seq, head.last_hash, payload)
    event = AuditEvent(
        hmac=sign(digest, audit_key()),
        seq=seq,
        occurred_at=occurred_at,
        actor_id=actor.id if actor else None,
        subject_person_id=subject.id if subject else None,
        task_id=task.id if task else None,
        unit_id=unit_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        payload=payload,
        prev_hash=head.last_hash,
        entry_hash=digest,
    )
    head.last_hash = digest
    session.add(event)
    session.flush()
    return event


def task_events(task: Task) -> list[AuditEvent]:
    """The history of one task, oldest first, with actors loaded."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.task_id == task.id).options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.seq)
        )
    )
