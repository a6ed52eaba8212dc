"""Commendation proposals (đề nghị biểu dương, khen thưởng) and the emulation council's decision on them.

A proposal is made by a verdict (``Verdict.commendation`` other than none, with its form). The secretariat of the
task's committee, or of a unit above it, records what the emulation and commendation council (Hội đồng Thi đua –
Khen thưởng) decided: accepted, with the decision's reference, or not accepted, with the reason; with the date of
the decision. A proposal has at most one decision; until then it is *proposed*, and a verdict reopened before
the decision leaves its proposal *lapsed* (the new verdict makes a new one).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, enum_column, utcnow

if TYPE_CHECKING:
    from registry.models.person import Person
    from registry.models.review import Verdict


class CouncilDecision(enum.Enum):
    """What the council decided on a proposal (the stored values)."""

    ACCEPTED = "accepted"  #: được khen thưởng / biểu dương
    NOT_ACCEPTED = "not_accepted"  #: không được chấp thuận


class ProposalState(enum.Enum):
    """Where a proposal stands, as lists show it (derived, not stored)."""

    PROPOSED = "proposed"  #: awaiting the council
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    LAPSED = "lapsed"  #: its verdict was reopened before the council decided


class CommendationDecision(db.Model):
    """The council's decision on the commendation proposed by one verdict, as the secretariat recorded it."""

    __tablename__ = "commendation_decisions"
    __table_args__ = (
        CheckConstraint("decision <> 'accepted' OR decision_ref <> ''", name="accepted_has_reference"),
        CheckConstraint("decision <> 'not_accepted' OR reason <> ''", name="not_accepted_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the verdict whose proposal was decided (one decision per proposal)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id"), unique=True)
    decision: Mapped[CouncilDecision] = mapped_column(enum_column(CouncilDecision, "council_decision"))
    #: the council's or the committee's decision, e.g. "Quyết định số 45-QĐ/ĐU"
    decision_ref: Mapped[str] = mapped_column(String(200), default="")
    decided_on: Mapped[date]  #: the date of the council's decision
    reason: Mapped[str] = mapped_column(Text, default="")  #: why not accepted (or a remark)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    verdict: Mapped[Verdict] = relationship(back_populates="commendation_decision")
    recorded_by: Mapped[Person] = relationship()
