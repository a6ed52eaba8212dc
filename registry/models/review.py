"""Year-end review (Form D): the owner's self-assessment, the Standing Committee's verdict on a configurable
scale, and the seal that makes the locked record tamper-evident."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.localized import localized_name
from registry.models.base import UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.commendation import CommendationDecision
    from registry.models.person import Person
    from registry.models.task import Task


class Outcome(enum.Enum):
    """How a verdict level counts in the annual rating."""

    EXCEEDED = "exceeded"  #: vượt mức
    ON_TIME = "on_time"  #: đúng hạn
    LATE = "late"  #: chậm tiến độ
    PARTIAL = "partial"  #: một phần
    NOT_DONE = "not_done"  #: không hoàn thành
    STOPPED = "stopped"  #: dừng có phê duyệt


#: outcomes that leave the task unfinished, so it may be carried over to the next year
UNFINISHED = (Outcome.PARTIAL, Outcome.NOT_DONE)


class Commendation(enum.Enum):
    NONE = "none"
    PRAISE = "praise"  #: biểu dương
    REWARD = "reward"  #: khen thưởng


class VerdictLevel(db.Model):
    """One step of the verdict scale, configurable by the secretariat."""

    __tablename__ = "verdict_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the English name shown in English mode; empty means the Vietnamese ``name`` is shown
    name_en: Mapped[str | None] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    #: the verdict must say how many percent were done (Hoàn thành một phần)
    requires_percent: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def display_name(self) -> str:
        """The level's name in the current language (English when ``name_en`` is filled, else Vietnamese)."""
        return localized_name(self)


class SelfAssessment(db.Model):
    """The owner's year-end self-assessment."""

    __tablename__ = "self_assessments"
    __table_args__ = (CheckConstraint("(entered_by_id IS NULL) = (entered_at IS NULL)", name="entered_later_complete"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    #: per indicator: {"indicator_id", "name", "unit", "target", "reached"}
    indicator_results: Mapped[list] = mapped_column(JSON)
    deliverable: Mapped[str] = mapped_column(Text)  #: the deliverable actually produced
    self_level_id: Mapped[int] = mapped_column(ForeignKey("verdict_levels.id"))
    shortcomings: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: nhập bổ sung: the secretariat who entered this afterwards for a closed year, and when (real time); the
    #: row's own dates are then the dates of the events as the paper register gives them
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(back_populates="self_assessment")
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    entered_by: Mapped[Person | None] = relationship(foreign_keys=[entered_by_id])
    self_level: Mapped[VerdictLevel] = relationship()


class Verdict(db.Model):
    """The Standing Committee's verdict. It locks the task; a reopening keeps it, marked as superseded."""

    __tablename__ = "verdicts"
    __table_args__ = (
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
        CheckConstraint("is_current OR (reopened_at IS NOT NULL AND reopen_reason IS NOT NULL)",
                        name="superseded_has_reopening"),
        CheckConstraint("commendation = 'none' OR commendation_form <> ''", name="commendation_has_form"),
        CheckConstraint("(entered_by_id IS NULL) = (entered_at IS NULL)", name="entered_later_complete"),
        Index("uq_verdicts_current_task", "task_id", unique=True, sqlite_where=text("is_current"),
              postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("verdict_levels.id"))
    percent: Mapped[float | None]  #: for a partial completion
    reasons: Mapped[str] = mapped_column(Text)
    commendation: Mapped[Commendation] = mapped_column(enum_column(Commendation, "commendation"),
                                                       default=Commendation.NONE)
    commendation_form: Mapped[str] = mapped_column(String(300), default="")  #: e.g. "Giấy khen của BTV"
    measures: Mapped[str] = mapped_column(Text, default="")  #: biện pháp when not done
    conclusion_ref: Mapped[str] = mapped_column(String(200), default="")  #: văn bản kết luận
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: SHA-256 of the canonical locked record (task, notes, files with their hashes, assessments, verdict)
    seal: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(default=True)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    #: nhập bổ sung: the secretariat who entered this afterwards for a closed year, and when (real time); the
    #: row's own dates are then the dates of the events as the paper register gives them
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(back_populates="verdicts")
    level: Mapped[VerdictLevel] = relationship()
    decided_by: Mapped[Person] = relationship(foreign_keys=[decided_by_id])
    reopened_by: Mapped[Person | None] = relationship(foreign_keys=[reopened_by_id])
    entered_by: Mapped[Person | None] = relationship(foreign_keys=[entered_by_id])
    #: the emulation council's decision on the commendation this verdict proposed (registry.models.commendation)
    commendation_decision: Mapped[CommendationDecision | None] = relationship(back_populates="verdict")
