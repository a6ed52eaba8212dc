"""The audit trail: one global, hash-chained sequence of events.

Each event stores its canonical JSON ``payload`` exactly as hashed; ``entry_hash`` chains it to the
previous event. A one-row ``audit_head`` table is updated on every append, which serialises appenders
(a row lock on PostgreSQL, the write lock on SQLite) and keeps ``seq`` gapless.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db

if TYPE_CHECKING:
    from registry.models.person import Person

#: version tag mixed into every hash, so the scheme can evolve
HASH_VERSION = "v1"
GENESIS_HASH = "0" * 64


class AuditHead(db.Model):
    """The chain head: the last sequence number and hash."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_task_seq", "task_id", "seq"),
        Index("ix_audit_events_subject_seq", "subject_person_id", "seq"),
        Index("ix_audit_events_unit_seq", "unit_id", "seq"),
    )

    #: gapless sequence number over the whole chain
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    #: the person the event is about (the task owner), for the per-person trail
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    #: the org unit whose authorities may read the event (the task's committee, the person's or unit's own
    #: unit); None for installation-wide settings, read only at the root (``registry.policy.audit_scope``)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: canonical JSON of the whole event, exactly the bytes that were hashed
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: HMAC-SHA-256 of ``entry_hash`` under the audit key, which is kept outside the database
    hmac: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def before(self) -> Any:
        return self.data.get("before")

    @property
    def after(self) -> Any:
        return self.data.get("after")


#: audit rows are append-only: the database refuses UPDATE and DELETE (created with the table and by migration)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
]
SQLITE_DROP_TRIGGERS = ["DROP TRIGGER IF EXISTS audit_events_no_update",
                        "DROP TRIGGER IF EXISTS audit_events_no_delete"]
POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
POSTGRESQL_DROP_TRIGGERS = ["DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events",
                            "DROP FUNCTION IF EXISTS audit_events_append_only()"]

for _statement in SQLITE_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
