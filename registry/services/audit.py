"""Appending events to the hash-chained audit trail, in the caller's transaction.

Every event also seals the audited rows its transaction wrote since the previous event (``"rows"``: each row's
digest, see ``registry.services.rowseal``); rows still unsealed when the transaction commits are sealed by one
more event, ``rows.seal``. The first sealing event of a trail (a new installation, or the first change after
upgrading one whose events carry no digests) seals every audited row there is.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
from typing import Any

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, joinedload

from registry import clock
from registry.models import AuditEvent, AuditHead, Person, Task, db
from registry.models.audit import GENESIS_HASH, HASH_VERSION
from registry.services import rowseal

#: the action of the event that seals rows a transaction changed after its last event (or without one)
SEAL_ACTION = "rows.seal"
#: the most row digests one event carries when a trail's first sealing event seals every row there is
SEAL_CHUNK = 5000


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


def trail_seals_rows(seq: int) -> bool:
    """The trail before event ``seq`` already seals rows: its previous event carries "rows" (every event
    written since row sealing began does). False for the first event of a trail, and after an upgrade until
    the first new event; a missing previous event counts as sealing (nothing is swept over a damaged chain)."""
    if seq <= 1:
        return False
    carries = db.session.scalar(select(AuditEvent.payload.contains('"rows":')).where(AuditEvent.seq == seq - 1))
    return carries is None or bool(carries)


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
    rows = rowseal.take_pending(session())
    next_seq = (session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)) or 0) + 1
    if not trail_seals_rows(next_seq):
        # the first sealing event: every audited row as it is now, in ``rows.seal`` events of at most
        # SEAL_CHUNK rows each (an upgraded province holds hundreds of thousands), the last chunk in this event
        everything = sorted({**rowseal.all_digests(session()), **rows}.items())
        chunks = [dict(everything[i:i + SEAL_CHUNK]) for i in range(0, len(everything), SEAL_CHUNK)] or [{}]
        for chunk in chunks[:-1]:
            _append(None, SEAL_ACTION, object_type="rows", object_id=None, task=None, subject=None, before=None,
                    after=None, unit_id=None, rows=chunk)
        rows = chunks[-1]
    return _append(actor, action, object_type=object_type, object_id=object_id, task=task, subject=subject,
                   before=before, after=after, unit_id=unit_id, rows=rows)


def _append(actor: Person | None, action: str, *, object_type: str, object_id: int | None, task: Task | None,
            subject: Person | None, before: Any, after: Any, unit_id: int | None,
            rows: dict[str, str | None]) -> AuditEvent:
    """Advance the head and add the event with the digests ``rows`` it seals."""
    session = db.session
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
        "rows": rows,
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


def seal_rows() -> int:
    """Seal the audited rows written since the last event (on a trail that seals no rows yet: every row) in
    one ``rows.seal`` event; the number of rows sealed (0: nothing to seal, no event)."""
    session = db.session()
    session.flush()
    last = session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)) or 0
    if not rowseal.has_pending(session) and trail_seals_rows(last + 1):
        return 0
    record_event(None, SEAL_ACTION, object_type="rows", object_id=None)
    events = session.scalars(select(AuditEvent).where(AuditEvent.seq > last))
    return sum(len(event.data.get("rows") or {}) for event in events)


@event.listens_for(FlaskSession, "before_commit")
def _seal_before_commit(session: Session) -> None:
    """Rows changed after the transaction's last event (or in a transaction without one) are sealed by one
    more event before the commit, so that every committed change of an audited row is in the trail. Before
    the trail's first event there is nothing to seal them to: that event will seal every row."""
    if not has_app_context() or not db.session.registry.has() or db.session.registry() is not session \
            or session.info.get(rowseal.INFO_PAUSED):
        return
    session.flush()
    if not rowseal.has_pending(session):
        return
    if not session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)):
        session.info.pop(rowseal.INFO_PENDING, None)  # no trail yet: its first event will seal every row
        return
    record_event(None, SEAL_ACTION, object_type="rows", object_id=None)


def task_events(task: Task) -> list[AuditEvent]:
    """The history of one task, oldest first, with actors loaded."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.task_id == task.id).options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.seq)
        )
    )
