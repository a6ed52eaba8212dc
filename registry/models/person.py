"""People (user accounts) and the roles they hold in org units."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from registry.models.base import UTCDateTime, db, enum_column, utcnow
from registry.text import fold

if TYPE_CHECKING:
    from registry.models.org import OrgUnit


class Role(enum.Enum):
    OWNER = "owner"  #: Ủy viên BCH / người đứng đầu: registers and reports
    MONITOR = "monitor"  #: cán bộ MTTQ: monitors assigned tasks
    STANDING = "standing"  #: Ủy viên Ban Thường vụ: approves, returns, adjusts, decides
    SECRETARIAT = "secretariat"  #: Văn phòng cấp ủy: administers, reads everything
    INSPECTOR = "inspector"  #: Ủy ban Kiểm tra: reads everything, changes nothing


class RoleGrant(db.Model):
    """A role held *in* an org unit: "Ủy viên BTV Đảng ủy phường Thụy Khuê" is STANDING in that ward's unit.

    A person may hold several grants in different units (a commune secretary who also sits on the province
    committee). What a grant lets its holder do is written once, in ``registry.policy``.
    """

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "unit_id", name="one_grant"),
        Index("ix_role_grants_unit_role", "unit_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))

    unit: Mapped[OrgUnit] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<RoleGrant {self.role.value} in {self.unit_id}>"


class Person(UserMixin, db.Model):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    #: the full name lower-cased without diacritics, kept in step with ``full_name``, for search
    search_name: Mapped[str] = mapped_column(String(200), default="", index=True)
    #: job title (chức vụ), e.g. "Bí thư Đảng ủy phường"
    position: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    #: raised to end every session and remember-me cookie of the person (sign-out, password change, reset…)
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[org_unit_id])
    grants: Mapped[list[RoleGrant]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                   order_by="RoleGrant.id")

    @validates("full_name")
    def _keep_search_name(self, key: str, value: str) -> str:
        self.search_name = fold(value)
        return value

    # -- roles -------------------------------------------------------------
    @property
    def roles(self) -> set[Role]:
        """The roles held in any unit (for display; what they allow is ``registry.policy``'s business)."""
        return {grant.role for grant in self.grants}

    def grant(self, role: Role, unit: OrgUnit) -> RoleGrant:
        """Add the grant of ``role`` in ``unit`` unless it is held already."""
        for existing in self.grants:
            if existing.role == role and (existing.unit_id == unit.id or existing.unit is unit):
                return existing
        row = RoleGrant(role=role, unit=unit)
        self.grants.append(row)
        return row

    # -- passwords and Flask-Login ------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's key in the session and the remember-me cookie: "id:session_version"."""
        return f"{self.id}:{self.session_version or 1}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.is_active_account)

    def __repr__(self) -> str:
        return f"<Person {self.username}>"
