"""Rating facts (đánh giá, xếp loại chất lượng hằng năm, Quy định 366-QĐ/TW): for one year, per person or per
collective, how many registered tasks the Standing Committee judged exceeded, completed on time, completed late,
partly completed, not completed (and stopped with approval), and how many still await their verdict.

The counts are those of the dossiers (``registry.services.dossier``): a person's individual registrations, a
collective's own registrations (``Task.owner_unit_id``), current verdicts only, over the tasks the viewer may
read (``policy.visible``). One grouped query gives a page, one more its total and one the names a collective bore
that year, however many people, units and tasks there are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import selectinload

from registry import policy
from registry.models import (
    OrgUnit,
    Outcome,
    Ownership,
    Person,
    Task,
    Verdict,
    VerdictLevel,
    Year,
    db,
)
from registry.models.task import AWAITING_VERDICT, NOT_REGISTERED
from registry.services.dossier import OUTCOMES
from registry.services.queries import SORT_DIRECTIONS, in_unit


class Subject(enum.Enum):
    """Whom a row of the rating facts is about."""

    PERSON = "person"  #: an individual (cá nhân): their individual registrations
    UNIT = "unit"  #: a collective (tập thể): its own collective registrations


#: the columns the facts sort by, besides each outcome's value (``?sort=exceeded``)
SORTS = ("name", "unit", "registered", "reviewed", "awaiting", *(o.value for o in OUTCOMES))


@dataclass(frozen=True)
class RatingFilters:
    year: int
    subject: Subject = Subject.PERSON
    unit_id: int | None = None  #: tasks of this unit and its sub-units (``queries.in_unit``)
    sort: str = "name"
    direction: str = "asc"


def rating_filters(year: int, subject: Any = None, unit_id: int | None = None, sort: Any = None,
                   direction: Any = None) -> RatingFilters:
    """The filters asked for; an unknown subject, sort or direction falls back to the default (not an error)."""
    try:
        chosen = Subject(subject) if subject else Subject.PERSON
    except ValueError:
        chosen = Subject.PERSON
    return RatingFilters(year=year, subject=chosen, unit_id=unit_id,
                         sort=sort if sort in SORTS else "name",
                         direction=direction if direction in SORT_DIRECTIONS else "asc")


@dataclass
class RatingRow:
    """One person's or collective's facts for the year."""

    subject: Subject
    id: int
    name: str
    unit_name: str  #: a person's unit; a collective's parent unit
    registered: int  #: registrations that went to the Standing Committee, not withdrawn
    awaiting: int  #: approved, still waiting for the verdict
    counts: dict[Outcome, int] = field(default_factory=dict)

    @property
    def reviewed(self) -> int:
        """Registrations with a current verdict."""
        return sum(self.counts.values())


def _aggregate(viewer: Person | None, filters: RatingFilters, year_id: int) -> Select:
    """Per subject: registered, awaiting and one count per outcome, over the viewer's tasks of the year."""
    if filters.subject is Subject.PERSON:
        subject_id, ownership = Task.owner_id, Ownership.INDIVIDUAL
    else:
        subject_id, ownership = Task.owner_unit_id, Ownership.COLLECTIVE
    conditions: list[ColumnElement[bool]] = [Task.year_id == year_id, Task.ownership == ownership,
                                             Task.state.not_in(NOT_REGISTERED)]
    if viewer is not None:
        conditions.append(policy.visible(viewer))
    if filters.unit_id is not None:
        conditions.append(in_unit(filters.unit_id))
    outcome_columns = [func.coalesce(func.sum(case((VerdictLevel.outcome == outcome, 1), else_=0)), 0)
                       .label(outcome.value) for outcome in OUTCOMES]
    return (select(subject_id.label("subject_id"), func.count(Task.id).label("registered"),
                   func.coalesce(func.sum(case((Task.state.in_(AWAITING_VERDICT), 1), else_=0)), 0).label("awaiting"),
                   *outcome_columns)
            .select_from(Task)
            .outerjoin(Verdict, (Verdict.task_id == Task.id) & Verdict.is_current.is_(True))
            .outerjoin(VerdictLevel, VerdictLevel.id == Verdict.level_id)
            .where(*conditions)
            .group_by(subject_id))


def _rows_select(viewer: Person | None, filters: RatingFilters, year_id: int) -> Select:
    """The sorted rows: the aggregate joined to the subject's name and unit."""
    agg = _aggregate(viewer, filters, year_id).subquery("facts")
    # the subject, its name (shown, sorted by) and the unit shown beside it: a person's own unit, a unit's parent
    if filters.subject is Subject.PERSON:
        subject, name, name_key = Person, Person.full_name, Person.search_name
        unit, unit_id = OrgUnit.__table__.alias("person_unit"), Person.org_unit_id
    else:
        subject, name, name_key = OrgUnit, OrgUnit.name, OrgUnit.name
        unit, unit_id = OrgUnit.__table__.alias("parent_unit"), OrgUnit.parent_id
    stmt = (select(agg, name.label("name"), unit.c.name.label("unit_name"))
            .join(subject, subject.id == agg.c.subject_id)
            .outerjoin(unit, unit.c.id == unit_id))
    reviewed = sum((agg.c[o.value] for o in OUTCOMES[1:]), agg.c[OUTCOMES[0].value])
    keys: dict[str, Any] = {"name": name_key, "unit": stmt.selected_columns.unit_name,
                            "registered": agg.c.registered, "awaiting": agg.c.awaiting, "reviewed": reviewed,
                            **{o.value: agg.c[o.value] for o in OUTCOMES}}
    key = keys[filters.sort]
    ordered = key.desc().nulls_last() if filters.direction == "desc" else key.asc().nulls_last()
    tiebreak = subject.id.desc() if filters.direction == "desc" else subject.id.asc()
    return stmt.order_by(ordered, name_key, tiebreak)


def _row(subject: Subject, data: Any) -> RatingRow:
    return RatingRow(subject=subject, id=data.subject_id, name=data.name, unit_name=data.unit_name or "",
                     registered=int(data.registered), awaiting=int(data.awaiting),
                     counts={o: int(getattr(data, o.value)) for o in OUTCOMES})


def _year_id(year: int) -> int | None:
    return db.session.scalar(select(Year.id).where(Year.year == year))


def _former_names(rows: list[RatingRow], year: int) -> None:
    """A collective's name as it was in the year (a renamed unit keeps its former name): one query."""
    ids = [row.id for row in rows if row.subject is Subject.UNIT]
    if not ids:
        return
    units = {unit.id: unit for unit in db.session.scalars(
        select(OrgUnit).where(OrgUnit.id.in_(ids)).options(selectinload(OrgUnit.former_names)))}
    for row in rows:
        if row.id in units:
            row.name = units[row.id].name_in(year)


class RatingPage(Pagination):
    """A page of rating facts (Flask-SQLAlchemy's pagination: ``items``, ``total``, ``pages``, ``iter_pages``)."""

    def _query_items(self) -> list[RatingRow]:
        stmt, filters = self._query_args["select"], self._query_args["filters"]
        if stmt is None:
            return []
        rows = [_row(filters.subject, data) for data in
                db.session.execute(stmt.limit(self.per_page).offset(self._query_offset))]
        _former_names(rows, filters.year)
        return rows

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        if stmt is None:
            return 0
        return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def rating_page(viewer: Person | None, filters: RatingFilters, *, page: int | None = None, per_page: int,
                max_per_page: int | None = 100) -> RatingPage:
    """One page of the facts of ``filters.year`` that ``viewer`` may read (every task when None), sorted."""
    year_id = _year_id(filters.year)
    stmt = _rows_select(viewer, filters, year_id) if year_id is not None else None
    return RatingPage(page=page, per_page=per_page, max_per_page=max_per_page, error_out=False, count=True,
                      select=stmt, filters=filters)


def rating_rows(viewer: Person | None, filters: RatingFilters) -> list[RatingRow]:
    """Every row of the facts, sorted (the export)."""
    year_id = _year_id(filters.year)
    if year_id is None:
        return []
    rows = [_row(filters.subject, data) for data in db.session.execute(_rows_select(viewer, filters, year_id))]
    _former_names(rows, filters.year)
    return rows
