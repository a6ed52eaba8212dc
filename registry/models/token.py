"""Personal API tokens: a person's key to the JSON API, stored only as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from registry.models.person import Person


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: the owner's label for the token, e.g. "Báo cáo tự động"
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 hex digest of the token; the token itself is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: last successful use, updated at most once a minute
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of person {self.person_id}>"
