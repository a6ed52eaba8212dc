"""Appending events to the hash-chained audit trail, in the caller's transaction.

Every event also seals the audited rows its transaction wrote since the previous event (``"rows"``: each row's
digest, see ``registry.services.rowseal``); rows still unsealed when the transaction commits are sealed by one
more event, ``rows.seal``. The first sealing event of a trail (a new installation, or the first change after
upgrading one whose events carry no digests) seals every audited row there is.

The chain head is taken as late as possible: ``record_event`` prepares the event (who, what, the row digests)
and keeps it with the session; just before the commit the transaction takes the head once (``UPDATE
audit_head``, which on PostgreSQL locks its row until the commit), numbers and chains its events and inserts
them. Concurrent writers therefore queue on the head only for the insert of their events and the commit, not for
the rest of their request. Reading the trail inside the transaction (a query on ``AuditEvent``) writes the
prepared events first, so the transaction sees its own events.
"""

from __future__ import annotations

import hashlib
import hmac as hmac_module
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.util import find_tables

from registry import clock
from registry.models import AuditEvent, AuditHead, Person, Task, db
from registry.models.audit import GENESIS_HASH, HASH_VERSION
from registry.services import rowseal

#: the action of the event that seals rows a transaction changed after its last event (or without one)
SEAL_ACTION = "rows.seal"
#: the most row digests one event carries when a trail's first sealing event seals every row there is
SEAL_CHUNK = 5000
#: ``Session.info`` key of the events prepared in the transaction, not yet numbered and inserted
INFO_EVENTS = "audit_events_prepared"


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


def _advance_head(count: int = 1) -> AuditHead:
    """Take the chain head for this transaction (serialising concurrent appenders), reserve ``count`` sequence
    numbers and return it (its ``last_hash`` is still the previous event's)."""
    session = db.session
    result = session.execute(update(AuditHead).where(AuditHead.id == 1)
                             .values(last_seq=AuditHead.last_seq + count))
    if result.rowcount == 0:
        session.add(AuditHead(id=1, last_seq=count, last_hash=GENESIS_HASH))
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
    """Append one audit event (who, what, before → after, and the digests of the rows written since the last one)
    to the current transaction; it is numbered, chained and inserted just before the commit."""
    session = db.session
    session.flush()  # the change being recorded gets its ids first
    rows = rowseal.take_pending(session())
    prepared = bool(session.info.get(INFO_EVENTS))  # this transaction's earlier events already seal rows
    next_seq = 0 if prepared else (session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)) or 0) + 1
    if not prepared and not trail_seals_rows(next_seq):
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
    """Prepare the event with the digests ``rows`` it seals (``write_prepared_events`` numbers and inserts it)."""
    if subject is None and task is not None:
        subject = task.owner
    if unit_id is None:
        unit_id = task.committee_id if task is not None else _home_unit(subject)
    body = {
        "occurred_at": clock.now().isoformat(),  # when it happened; numbered in commit order, just before the commit
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
    event = AuditEvent(
        occurred_at=datetime.fromisoformat(body["occurred_at"]),
        actor_id=actor.id if actor else None,
        subject_person_id=subject.id if subject else None,
        task_id=task.id if task else None,
        unit_id=unit_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        payload=canonical_json(body),  # until it is numbered: what it records (``event.data``) without seq and time
    )
    db.session.info.setdefault(INFO_EVENTS, []).append((event, body))
    return event


def write_prepared_events(session: Session | None = None) -> int:
    """Take the chain head, number and chain the transaction's prepared events, insert them; how many. Called
    just before the commit, so the head is held for no more than this insert and the commit."""
    session = session or db.session()
    prepared = session.info.pop(INFO_EVENTS, None)
    if not prepared:
        return 0
    head = _advance_head(len(prepared))
    seq, prev_hash, key = head.last_seq - len(prepared), head.last_hash, audit_key()
    for prepared_event, body in prepared:
        seq += 1
        payload = canonical_json({**body, "seq": seq})
        digest = entry_hash(seq, prev_hash, payload)
        prepared_event.seq, prepared_event.payload = seq, payload
        prepared_event.prev_hash, prepared_event.entry_hash = prev_hash, digest
        prepared_event.hmac = sign(digest, key)
        prev_hash = digest
        session.add(prepared_event)
    head.last_hash = prev_hash
    session.flush()
    return len(prepared)


def seal_rows() -> int:
    """Seal the audited rows written since the last event (on a trail that seals no rows yet: every row) in
    one ``rows.seal`` event; the number of rows sealed (0: nothing to seal, no event)."""
    session = db.session()
    session.flush()
    write_prepared_events(session)  # the transaction's earlier events: not counted here
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
    if not has_app_context() or not db.session.registry.has() or db.session.registry() is not session:
        return
    session.flush()
    if rowseal.has_pending(session) and not session.info.get(rowseal.INFO_PAUSED):
        if session.info.get(INFO_EVENTS) or session.scalar(select(AuditHead.last_seq).where(AuditHead.id == 1)):
            record_event(None, SEAL_ACTION, object_type="rows", object_id=None)
        else:
            session.info.pop(rowseal.INFO_PENDING, None)  # no trail yet: its first event will seal every row
    write_prepared_events(session)  # the last statements before the commit: the head is held only for these


_TRAIL_TABLES = {AuditEvent.__table__, AuditHead.__table__}


@event.listens_for(FlaskSession, "do_orm_execute")
def _write_before_reading(execute_state) -> None:
    """A query on the trail (events or head) inside a transaction with prepared events sees them: they are
    written first."""
    session = execute_state.session
    if execute_state.is_select and session.info.get(INFO_EVENTS) \
            and _TRAIL_TABLES & set(find_tables(execute_state.statement, include_joins=True)):
        write_prepared_events(session)


@event.listens_for(FlaskSession, "after_rollback")
def _forget_prepared(session: Session) -> None:
    session.info.pop(INFO_EVENTS, None)


def task_events(task: Task) -> list[AuditEvent]:
    """The history of one task, oldest first, with actors loaded."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.task_id == task.id).options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.seq)
        )
    )


@dataclass(frozen=True)
class HistoryEntry:
    """One event of a task's history as the task page shows it: its payload read once."""

    seq: int
    action: str
    occurred_at: datetime
    actor_id: int | None
    #: the actor's name (None for the system)
    actor_name: str | None
    before: Any
    after: Any


_HISTORY = (select(AuditEvent.seq, AuditEvent.action, AuditEvent.occurred_at, AuditEvent.actor_id, Person.full_name,
                   AuditEvent.payload)
            .outerjoin(Person, Person.id == AuditEvent.actor_id)
            .where(AuditEvent.task_id == bindparam("task_id")).order_by(AuditEvent.seq))


def task_history(task: Task) -> list[HistoryEntry]:
    """The history of one task, oldest first, for display: the columns the page shows (no event or person
    objects), each payload decoded once."""
    rows = db.session.execute(_HISTORY, {"task_id": task.id})
    entries = []
    for seq, action, occurred_at, actor_id, actor_name, payload in rows:
        data = json.loads(payload)
        entries.append(HistoryEntry(seq, action, occurred_at, actor_id, actor_name if actor_id is not None else None,
                                    data.get("before"), data.get("after")))
    return entries
