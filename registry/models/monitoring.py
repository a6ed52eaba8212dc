"""Fatherland Front monitoring (Form C): assessments, recommendations and replies; the mid-year review."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.person import Person
    from registry.models.task import Task


class Period(enum.Enum):
    Q1 = "q1"
    Q2 = "q2"
    Q3 = "q3"
    Q4 = "q4"
    MID_YEAR = "mid_year"  #: sơ kết 6 tháng
    FINAL = "final"  #: the monitor's year-end assessment

    @property
    def quarter(self) -> int | None:
        return {"q1": 1, "q2": 2, "q3": 3, "q4": 4}.get(self.value)


class SupervisionForm(enum.Enum):
    DOCUMENT_REVIEW = "document_review"  #: nghiên cứu văn bản
    FIELD_SURVEY = "field_survey"  #: khảo sát thực tế
    DELEGATION = "delegation"  #: đoàn giám sát
    PUBLIC_CONSULTATION = "public_consultation"  #: lấy ý kiến Nhân dân


class Judgement(enum.Enum):
    ON_TRACK = "on_track"  #: đúng tiến độ
    LATE = "late"  #: chậm
    NOT_STARTED = "not_started"  #: chưa thực hiện


class RecommendationStatus(enum.Enum):
    OPEN = "open"  #: awaiting the owner's reply
    REPLIED = "replied"


class Assessment(db.Model):
    """A monitor's assessment of one task for one period."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("task_id", "period", name="uq_assessments_task_period"),
        CheckConstraint("(acknowledged_at IS NULL) = (acknowledged_by_id IS NULL)", name="acknowledgement_complete"),
        CheckConstraint("(entered_by_id IS NULL) = (entered_at IS NULL)", name="entered_later_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    period: Mapped[Period] = mapped_column(enum_column(Period, "period"))
    supervision_form: Mapped[SupervisionForm] = mapped_column(enum_column(SupervisionForm, "supervision_form"))
    strengths: Mapped[str] = mapped_column(Text, default="")  #: ưu điểm
    shortcomings: Mapped[str] = mapped_column(Text, default="")  #: tồn tại, hạn chế
    causes: Mapped[str] = mapped_column(Text, default="")  #: nguyên nhân
    judgement: Mapped[Judgement] = mapped_column(enum_column(Judgement, "judgement"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    #: nhập bổ sung: the secretariat who entered this afterwards for a closed year, and when (real time); the
    #: row's own dates are then the dates of the events as the paper register gives them
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(back_populates="assessments")
    monitor: Mapped[Person] = relationship(foreign_keys=[monitor_id])
    entered_by: Mapped[Person | None] = relationship(foreign_keys=[entered_by_id])
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Recommendation.id")


class Recommendation(db.Model):
    """A recommendation (kiến nghị) raised in an assessment, with the owner's reply."""

    __tablename__ = "recommendations"
    __table_args__ = (
        CheckConstraint("(status = 'replied') = (reply IS NOT NULL AND replied_at IS NOT NULL)",
                        name="replied_has_reply"),
        Index("ix_recommendations_task_status", "task_id", "status"),
        CheckConstraint("(reply_entered_by_id IS NULL) = (reply_entered_at IS NULL)",
                        name="reply_entered_later_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    content: Mapped[str] = mapped_column(Text)
    addressee: Mapped[str] = mapped_column(Text)  #: who must act on it
    reply_deadline: Mapped[date]
    status: Mapped[RecommendationStatus] = mapped_column(
        enum_column(RecommendationStatus, "recommendation_status"), default=RecommendationStatus.OPEN)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    #: nhập bổ sung: the secretariat who entered the reply afterwards for a closed year, and when (real time);
    #: ``replied_at`` is then the date of the reply as the paper register gives it
    reply_entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reply_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[Assessment] = relationship(back_populates="recommendations")
    replied_by: Mapped[Person | None] = relationship(foreign_keys=[replied_by_id])
    reply_entered_by: Mapped[Person | None] = relationship(foreign_keys=[reply_entered_by_id])


class MidYearReview(db.Model):
    """The 6-month review (sơ kết) of a task: a snapshot and the Standing Committee's conclusion."""

    __tablename__ = "mid_year_reviews"
    __table_args__ = (
        CheckConstraint("(conclusion IS NULL) = (concluded_at IS NULL)", name="conclusion_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), unique=True)
    #: status, % complete and indicator values at the time of the review
    snapshot: Mapped[dict] = mapped_column(JSON)
    snapshot_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conclusion: Mapped[str | None] = mapped_column(Text)
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship(back_populates="mid_year_review")
    concluded_by: Mapped[Person | None] = relationship()
