"""Quarterly progress notes (Form B), their amendments and evidence files."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.person import Person
    from registry.models.task import Indicator, Task


class ProgressStatus(enum.Enum):
    ON_TRACK = "on_track"  #: đúng tiến độ
    AT_RISK = "at_risk"  #: nguy cơ chậm
    LATE = "late"  #: chậm
    DONE = "done"  #: đã hoàn thành


class ProgressNote(db.Model):
    """One owner's report on one task for one quarter."""

    __tablename__ = "progress_notes"
    __table_args__ = (
        UniqueConstraint("task_id", "quarter", name="uq_progress_notes_task_quarter"),
        #: the late notes of tasks (the attention lists, the report's count) from the index alone
        Index("ix_progress_notes_task_late", "task_id", "is_late"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("percent_complete IS NULL OR (percent_complete >= 0 AND percent_complete <= 100)",
                        name="percent_range"),
        CheckConstraint("(entered_by_id IS NULL) = (entered_at IS NULL)", name="entered_later_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    quarter: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    work_done: Mapped[str] = mapped_column(Text, default="")
    #: derived from the indicators where they have a baseline and a target, otherwise entered
    percent_complete: Mapped[float | None]
    is_percent_derived: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ProgressStatus] = mapped_column(enum_column(ProgressStatus, "progress_status"))
    difficulties: Mapped[str] = mapped_column(Text, default="")
    causes: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    next_plan: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: submitted after the quarter's deadline
    is_late: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: nhập bổ sung: the secretariat who entered this afterwards for a closed year, and when (real time); the
    #: row's own dates are then the dates of the events as the paper register gives them
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    task: Mapped[Task] = relationship(back_populates="notes")
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[Person | None] = relationship(foreign_keys=[entered_by_id])
    values: Mapped[list[IndicatorValue]] = relationship(back_populates="note", cascade="all, delete-orphan")
    files: Mapped[list[EvidenceFile]] = relationship(back_populates="note", order_by="EvidenceFile.id")
    amendments: Mapped[list[NoteAmendment]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteAmendment.id")

    __mapper_args__ = {"version_id_col": version}

    def value_of(self, indicator_id: int) -> float | None:
        return next((v.value for v in self.values if v.indicator_id == indicator_id), None)


class IndicatorValue(db.Model):
    """The current value of one indicator as reported in one note."""

    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("note_id", "indicator_id", name="uq_indicator_values_note_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    value: Mapped[float]

    note: Mapped[ProgressNote] = relationship(back_populates="values")
    indicator: Mapped[Indicator] = relationship()


class NoteAmendment(db.Model):
    """A correction made after the editing window closed: the reason and each changed field before → after."""

    __tablename__ = "note_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("progress_notes.id", ondelete="CASCADE"), index=True)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON)

    note: Mapped[ProgressNote] = relationship(back_populates="amendments")
    amended_by: Mapped[Person] = relationship()


class EvidenceFile(db.Model):
    """An uploaded evidence file (minh chứng), stored outside the web root under a random name."""

    __tablename__ = "evidence_files"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("progress_notes.id"), index=True)
    #: the name as uploaded (path parts removed), shown and used for downloads
    original_name: Mapped[str] = mapped_column(String(255))
    #: random file name in the evidence folder
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    #: type detected from the content, not from the name
    content_type: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    note: Mapped[ProgressNote | None] = relationship(back_populates="files")
    uploaded_by: Mapped[Person] = relationship()
