"""A committee's public transparency page (trang công khai): off until its secretariat switches it on, and showing
only the columns it chose from a fixed whitelist.

Which tasks a public page lists is the policy's (``registry.policy.published``): the committee's approved tasks
— approved, in progress, self-assessed or reviewed — never drafts, submitted, returned or withdrawn ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, utcnow
from registry.models.org import OrgUnit

#: the columns a committee may publish, in the order the page shows them (the title is always shown): the
#: owner's name, the field (lĩnh vực), the target (goal, indicator targets, deadline), the status and the verdict
PUBLIC_COLUMNS = ("owner", "field", "target", "status", "verdict")


class PublicPage(db.Model):
    """The public page settings of one committee (one row per unit, made when first saved)."""

    __tablename__ = "public_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), unique=True)
    #: the page answers anonymous visitors only while this is on (otherwise 404)
    is_enabled: Mapped[bool] = mapped_column(default=False)
    #: the published columns, a subset of ``PUBLIC_COLUMNS`` (kept in its order)
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    unit: Mapped[OrgUnit] = relationship()

    def shows(self, column: str) -> bool:
        """The column is published."""
        return column in (self.columns or [])

    def __repr__(self) -> str:
        return f"<PublicPage unit={self.unit_id} {'on' if self.is_enabled else 'off'}>"
