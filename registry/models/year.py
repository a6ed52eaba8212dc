"""Registration years with their windows and quarterly deadlines, and the configurable fields (lĩnh vực)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.localized import localized_name
from registry.models.base import db


class Year(db.Model):
    __tablename__ = "years"
    __table_args__ = (
        CheckConstraint("registration_opens_on <= registration_closes_on", name="window_order"),
        CheckConstraint("q1_deadline < q2_deadline AND q2_deadline < q3_deadline AND q3_deadline < q4_deadline",
                        name="quarter_order"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("grace_days BETWEEN 0 AND 90", name="grace_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    registration_opens_on: Mapped[date]
    #: last day a new registration may be created or first submitted; the secretariat may extend it
    registration_closes_on: Mapped[date]
    q1_deadline: Mapped[date]
    q2_deadline: Mapped[date]
    q3_deadline: Mapped[date]
    q4_deadline: Mapped[date]
    #: days after a quarter's deadline during which its progress notes may still be edited
    grace_days: Mapped[int] = mapped_column(default=7)
    #: the cadre-rating regulation in force this year, e.g. "366-QĐ/TW"
    rating_regulation: Mapped[str] = mapped_column(String(100), default="")

    def registration_open_on(self, day: date) -> bool:
        """True when ``day`` falls inside the registration window."""
        return self.registration_opens_on <= day <= self.registration_closes_on

    @property
    def quarter_deadlines(self) -> list[date]:
        return [self.q1_deadline, self.q2_deadline, self.q3_deadline, self.q4_deadline]

    def __repr__(self) -> str:
        return f"<Year {self.year}>"


class Field(db.Model):
    """A field of work (lĩnh vực), configurable by the secretariat."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: the English name shown in English mode; empty means the Vietnamese ``name`` is shown
    name_en: Mapped[str | None] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def display_name(self) -> str:
        """The field's name in the current language (English when ``name_en`` is filled, else Vietnamese)."""
        return localized_name(self)

    def __repr__(self) -> str:
        return f"<Field {self.name}>"
