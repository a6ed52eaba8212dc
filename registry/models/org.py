"""Organisation units: a tree of province, district, commune, agency, Party cell and residential group.

Each unit keeps its place in the tree as a materialised ``path`` of ids ("/1/5/23/"), so "this unit and every
unit below it" is one indexed range on both SQLite and PostgreSQL (see ``subtree_clause``).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, Index, String, and_, false, or_, select
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


#: byte-ordered comparison on PostgreSQL, so the path range below is a prefix match (SQLite compares bytes)
PathString = String(400).with_variant(String(400, collation="C"), "postgresql")


class OrgUnit(db.Model):
    __tablename__ = "org_units"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_org_units_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: short code used in references and exports, unique
    code: Mapped[str] = mapped_column(String(40), unique=True)
    level: Mapped[OrgLevel] = mapped_column(enum_column(OrgLevel, "org_level"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: ids from the root down to this unit, "/1/5/23/"; kept by ``place`` whenever the parent changes
    path: Mapped[str] = mapped_column(PathString, default="")
    #: the head (người đứng đầu) who acts for the unit's collective registrations
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True, name="fk_org_units_head_id_people")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: the unit this one was merged into (sáp nhập); the old unit stays, under it, for the history
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], back_populates="children",
                                                  foreign_keys=[parent_id])
    children: Mapped[list[OrgUnit]] = relationship(back_populates="parent", order_by="OrgUnit.name",
                                                   foreign_keys=[parent_id])
    head: Mapped[Person | None] = relationship(foreign_keys=[head_id])
    merged_into: Mapped[OrgUnit | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    former_names: Mapped[list[OrgUnitName]] = relationship(
        back_populates="unit", cascade="all, delete-orphan", order_by="[OrgUnitName.until_year, OrgUnitName.id]")

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this unit, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: OrgUnit) -> bool:
        """This unit is ``other`` or lies below it."""
        return bool(other.path) and self.path.startswith(other.path)

    def name_in(self, year: int) -> str:
        """The name the unit bore in ``year``: a rename (đổi tên) keeps the former name for earlier years."""
        for former in self.former_names:
            if year <= former.until_year:
                return former.name
        return self.name

    def __repr__(self) -> str:
        return f"<OrgUnit {self.code}>"


class OrgUnitName(db.Model):
    """A former name of a unit, borne until the end of ``until_year``."""

    __tablename__ = "org_unit_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    until_year: Mapped[int]

    unit: Mapped[OrgUnit] = relationship(back_populates="former_names")


def place(unit: OrgUnit) -> None:
    """Set the path of ``unit`` (flushed, so it has an id) from its parent, and of everything below it."""
    if unit.id is None:
        db.session.flush()
    parent = unit.parent if unit.parent_id is None or unit.parent is not None else db.session.get(
        OrgUnit, unit.parent_id)
    old = unit.path
    unit.path = f"{parent.path if parent is not None else '/'}{unit.id}/"
    if old and old != unit.path:
        for child in db.session.scalars(select(OrgUnit).where(subtree_clause(OrgUnit.path, [old]),
                                                                 OrgUnit.id != unit.id)):
            child.path = unit.path + child.path[len(old):]


def _upper_bound(prefix: str) -> str:
    """The smallest string after every string starting with ``prefix`` (which ends in "/")."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def subtree_clause(column, prefixes: list[str]) -> ColumnElement[bool]:
    """SQL: ``column`` (a path) lies in the subtree of one of ``prefixes`` — indexed range comparisons."""
    prefixes = sorted({p for p in prefixes if p})
    # a prefix inside another's subtree adds nothing
    kept = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
    if not kept:
        return false()
    return or_(*[and_(column >= p, column < _upper_bound(p)) for p in kept])
