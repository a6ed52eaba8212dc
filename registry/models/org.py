"""Organisation units: a tree of province, district, commune, agency, Party cell and residential group."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import db, enum_column

if TYPE_CHECKING:
    from registry.models.person import Person


class OrgLevel(enum.Enum):
    PROVINCE = "province"
    DISTRICT = "district"  #: kept for past years; districts were abolished on 1 July 2025
    COMMUNE = "commune"
    AGENCY = "agency"
    PARTY_CELL = "party_cell"
    RESIDENTIAL_GROUP = "residential_group"


class OrgUnit(db.Model):
    __tablename__ = "org_units"
    __table_args__ = (CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: short code used in references and exports, unique
    code: Mapped[str] = mapped_column(String(40), unique=True)
    level: Mapped[OrgLevel] = mapped_column(enum_column(OrgLevel, "org_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: the head (người đứng đầu) who acts for the unit's collective registrations
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True, name="fk_org_units_head_id_people")
    )
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name")
    head: Mapped[Person | None] = relationship(foreign_keys=[head_id])

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"
