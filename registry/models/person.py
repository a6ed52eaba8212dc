"""People (user accounts) and their roles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
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


class PersonRole(db.Model):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), primary_key=True, index=True)


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[org_unit_id])
    role_rows: Mapped[list[PersonRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @validates("full_name")
    def _keep_search_name(self, key: str, value: str) -> str:
        self.search_name = fold(value)
        return value

    # -- roles -------------------------------------------------------------
    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def set_roles(self, roles: set[Role]) -> None:
        current = {row.role: row for row in self.role_rows}
        for role, row in current.items():
            if role not in roles:
                self.role_rows.remove(row)
        for role in roles - current.keys():
            self.role_rows.append(PersonRole(role=role))

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    # -- passwords and Flask-Login ------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.is_active_account)

    def __repr__(self) -> str:
        return f"<Person {self.username}>"
