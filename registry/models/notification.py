"""In-app notifications (and the e-mail copy sent by ``flask remind``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from registry.models.person import Person
    from registry.models.task import Task


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    #: what happened, e.g. "task.approved", "note.due", "recommendation.new"
    kind: Mapped[str] = mapped_column(String(40))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    #: values for the message text (quarter, dates …)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: makes reminders idempotent: one notification per key
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    task: Mapped[Task | None] = relationship()
