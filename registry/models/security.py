"""Sign-in attempts, kept in the database so that every worker and server counts the same failures."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import UTCDateTime, db, enum_column, utcnow


class AttemptOutcome(enum.Enum):
    SUCCESS = "success"
    FAILURE = "failure"  #: unknown user, wrong password or deactivated account (one answer for all)
    THROTTLED = "throttled"  #: refused before the password was checked; not counted as a failure


class SignInAttempt(db.Model):
    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_username_at", "username", "attempted_at"),
        Index("ix_sign_in_attempts_address_at", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the username as typed (lower-cased, cut to 80), whether or not such an account exists
    username: Mapped[str] = mapped_column(String(80))
    #: the client's address (behind a trusted proxy, the one it forwarded)
    address: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[AttemptOutcome] = mapped_column(enum_column(AttemptOutcome, "attempt_outcome"))

    def __repr__(self) -> str:
        return f"<SignInAttempt {self.username} {self.outcome.value}>"
