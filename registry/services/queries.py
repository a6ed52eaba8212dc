"""Read-side queries: the task list with its filters, scoped to what the viewer may see."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import astuple, dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import ColumnElement, Select, and_, case, false, func, inspect, or_, select
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.sql.elements import AsBoolean, False_

from registry import clock, policy
from registry.models import (
    Field,
    OrgUnit,
    Person,
    ProgressNote,
    Role,
    Task,
    TaskKind,
    TaskState,
    Year,
    db,
)
from registry.models.org import subtree_clause
from registry.models.task import UNDER_WAY
from registry.services import search
from registry.text import fold
from registry.trail_cache import TrailCache

#: a collective owner with its former names: ``Task.owner_label`` prints the name borne in the task's year
_OWNER_UNIT = joinedload(Task.owner_unit).selectinload(OrgUnit.former_names)
#: the columns a row of a task list (page, queue, home, API summary) shows or the policy reads — not the Form A
#: texts, which only the task page shows
LIST_COLUMNS = load_only(
    Task.id, Task.year_id, Task.kind, Task.ownership, Task.owner_id, Task.owner_unit_id, Task.org_unit_id,
    Task.committee_id, Task.field_id, Task.state, Task.title, Task.deadline, Task.monitor_id, Task.submitted_at,
    Task.updated_at, Task.version)


def _person(relationship):
    """A person shown in a row (owner, monitor): their name, without their role grants (only the signed-in
    person's grants are ever asked)."""
    return joinedload(relationship).lazyload(Person.grants)


#: what a row of a task list loads besides its columns: the year, owner (and their unit), field, unit and monitor
LIST_OPTIONS = (LIST_COLUMNS, joinedload(Task.year), _person(Task.owner), _OWNER_UNIT, joinedload(Task.field),
                joinedload(Task.org_unit), _person(Task.monitor))


@dataclass
class TaskFilters:
    year: int | None = None
    unit_id: int | None = None
    field_id: int | None = None
    kind: TaskKind | None = None
    state: TaskState | None = None
    owner_id: int | None = None
    monitor_id: int | None = None
    owner_name: str = ""  #: part of the owner's name, diacritics ignored
    q: str = ""  #: words in any text of the task, diacritics ignored (``registry.services.search``), ranked
    notes: str = ""  #: quarterly notes: "overdue" (missing or late), "missing" or "late" (``NOTE_FILTERS``)
    quarter: int | None = None  #: with ``notes``: only this quarter


#: the quarterly-note filters of the task list, as ``note_condition`` reads them
NOTE_FILTERS = ("overdue", "missing", "late")


def any_of(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """``or_`` without the terms that are constantly false (a party the viewer is not: ``false()``, or an
    ``and_`` folded to it). The same rows; but the narrow scopes of the attention lists (the tasks one monitors,
    the committee one decides) stay indexable, where a stray ``0 = 1`` term made SQLite read every task."""
    kept = [c for c in conditions if not (isinstance(c, False_)
                                          or isinstance(c, AsBoolean) and isinstance(c.element, False_))]
    return or_(*kept) if kept else false()


def contains(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching ``text`` folded, anywhere."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def subtree_ids(unit_id: int) -> Select:
    """SQL: ids of the unit and every unit below it (an indexed range on the materialised path)."""
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        return select(OrgUnit.id).where(false())
    return select(OrgUnit.id).where(subtree_clause(OrgUnit.path, [unit.path]))


def descendant_ids(unit_id: int) -> set[int]:
    """Ids of every unit below ``unit_id`` in the tree (one query)."""
    return set(db.session.scalars(subtree_ids(unit_id))) - {unit_id}


def in_unit(unit_id: int) -> ColumnElement[bool]:
    """SQL condition on ``Task``: the task belongs to the unit or a unit below it (``Task.org_unit_id``: the
    collective, or the owner's unit). The one rule by which the list, the report and the unit's dossier count
    a unit's tasks."""
    return Task.org_unit_id.in_(subtree_ids(unit_id))


def visible_tasks(viewer: Person, action: str = "view") -> Select:
    """Tasks on which the viewer is one of the parties of ``action``'s policy row (by default: may read)."""
    return select(Task).where(policy.visible(viewer, action))


def task_list(viewer: Person, filters: TaskFilters, action: str = "view") -> Select:
    """The filtered, ordered task list, with what each row shows loaded up front (no query per row): the tasks
    on which the viewer is a party of ``action``'s policy row (by default, those they may read)."""
    stmt = visible_tasks(viewer, action)
    if filters.year:
        stmt = stmt.join(Task.year).where(Year.year == filters.year)
    if filters.unit_id:
        stmt = stmt.where(in_unit(filters.unit_id))
    if filters.field_id:
        stmt = stmt.where(Task.field_id == filters.field_id)
    if filters.kind:
        stmt = stmt.where(Task.kind == filters.kind)
    if filters.state:
        stmt = stmt.where(Task.state == filters.state)
    if filters.owner_id:
        stmt = stmt.where(Task.owner_id == filters.owner_id)
    if filters.monitor_id:
        stmt = stmt.where(Task.monitor_id == filters.monitor_id)
    stmt, relevance = search.restrict(stmt, filters.q)  # every text of the task, ranked (services.search)
    if filters.notes in NOTE_FILTERS:
        stmt = stmt.where(note_condition(filters.notes, filters.quarter))
    if fold(filters.owner_name):
        stmt = stmt.where(Task.owner.has(Person.search_name.like(contains(filters.owner_name), escape="\\")))
    return stmt.options(*LIST_OPTIONS).order_by(*relevance, Task.id.desc())


#: the columns a task list sorts by (``?sort=…&dir=asc|desc``), each with the SQL it orders by: the task's own
#: columns, or one value of a row it points to (a correlated subquery, so that the page's ids are still read from
#: the tasks alone, without joins); ties in task id order. The owner: a collective by its unit's name (these come
#: first), a person by their name without diacritics; the state in lifecycle order
TASK_SORTS: dict[str, Any] = {
    "code": lambda: select(Year.year).where(Year.id == Task.year_id).scalar_subquery(),
    "title": lambda: Task.search_text,
    "owner": lambda: func.coalesce(
        select(OrgUnit.name).where(OrgUnit.id == Task.owner_unit_id).scalar_subquery(),
        select(Person.search_name).where(Person.id == Task.owner_id).scalar_subquery()),
    "field": lambda: select(Field.name).where(Field.id == Task.field_id).scalar_subquery(),
    "deadline": lambda: Task.deadline,
    "state": lambda: case(*[(Task.state == state, n) for n, state in enumerate(TaskState)]),
    "submitted": lambda: Task.submitted_at,
}
SORT_DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class TaskSort:
    key: str | None  #: a key of ``TASK_SORTS``; None: the list's own order
    direction: str = "asc"


def task_sort(key: str | None, direction: str | None, allowed) -> TaskSort:
    """The sort asked for (``?sort=&dir=``), if ``allowed`` has it; otherwise the list's own order (a bad value
    falls back, it is not an error)."""
    if key not in allowed or key not in TASK_SORTS:
        return TaskSort(None)
    return TaskSort(key, direction if direction in SORT_DIRECTIONS else "asc")


def sorted_tasks(stmt: Select, sort: TaskSort) -> Select:
    """``stmt`` ordered by ``sort`` (empty values last either way, then task id), or as it was."""
    if sort.key is None:
        return stmt
    expression = TASK_SORTS[sort.key]()
    if sort.direction == "desc":
        return stmt.order_by(None).order_by(expression.desc().nulls_last(), Task.id.desc())
    return stmt.order_by(None).order_by(expression.asc().nulls_last(), Task.id.asc())


def _rows_by_ids(session, stmt: Select, key, ids: list) -> list:
    """The rows of ``stmt`` with these primary keys (read from ``stmt``: its filter and scope were applied there),
    in the order of ``ids``, with what ``stmt``'s loader options load: by primary key alone, without ``stmt``'s
    filter, joins and order — a search's full-text match is not run again to load the 25 rows of its page."""
    entity = stmt.column_descriptions[0]["entity"]
    rows_stmt = select(entity).where(key.in_(ids)).options(*stmt._with_options) \
        .execution_options(**stmt.get_execution_options())
    rows = {getattr(row, key.key): row for row in session.scalars(rows_stmt).unique()}
    return [rows[i] for i in ids if i in rows]


#: rows of an export loaded at once (ids first, then the rows of each chunk with what they show)
EXPORT_CHUNK = 2000


def all_rows(stmt: Select, chunk: int = EXPORT_CHUNK):
    """Every row of an ORM select of one entity, in its order, as ``KeyedPagination`` reads a page: the primary
    keys first (one statement), then the rows a chunk at a time — an export of the whole list."""
    session = db.session()
    key = inspect(stmt.column_descriptions[0]["entity"]).primary_key[0]
    ids = list(dict.fromkeys(session.scalars(stmt.with_only_columns(key))))
    for start in range(0, len(ids), chunk):
        yield from _rows_by_ids(session, stmt, key, ids[start:start + chunk])


#: the pages of the lists given a ``cache_key``: their total and each page's ids, per reader, until the trail moves
_pages = TrailCache("COUNTS_CACHE_SIZE")


class KeyedPagination(SelectPagination):
    """A page of an ORM select in two steps: the page's primary keys first (the filter and the order alone, no
    joins, read from an index where one covers them), then those rows with everything they show. A deep page no
    longer builds and throws away the joined rows of every page before it (OFFSET). Given a ``cache_key`` (what
    determines the select: the reader, the filters, the order), the total and the page's ids are kept until the
    trail moves (``registry.trail_cache``): a search ranks every match and counts them, once."""

    def _kept(self, what: tuple, compute):
        key = self._query_args.get("cache_key")
        return compute() if key is None else _pages.get((key, *what), compute)

    def _query_items(self) -> list:
        stmt, session = self._query_args["select"], self._query_args["session"]
        key = inspect(stmt.column_descriptions[0]["entity"]).primary_key[0]
        ids = self._kept(("ids", self._query_offset, self.per_page), lambda: list(dict.fromkeys(
            session.scalars(stmt.with_only_columns(key).limit(self.per_page).offset(self._query_offset)))))
        if not ids:
            return []
        return _rows_by_ids(session, stmt, key, ids)

    def _query_count(self) -> int:
        return self._kept(("total",), super()._query_count)


def paginate(stmt: Select, *, page: int | None = None, per_page: int, max_per_page: int | None = 100,
             error_out: bool = False, cache_key: Hashable | None = None) -> KeyedPagination:
    """``db.paginate`` for a select of one entity, by ``KeyedPagination``: the same page, total and links;
    ``cache_key``: the total and the page's ids kept under it until the trail moves."""
    return KeyedPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                           max_per_page=max_per_page, error_out=error_out, count=True, cache_key=cache_key)


def task_list_key(viewer: Person, filters: TaskFilters, sort: TaskSort | None = None,
                  action: str = "view") -> tuple:
    """What determines ``sorted_tasks(task_list(viewer, filters, action), sort)`` besides the data: the key of its
    pages in ``paginate``."""
    return ("tasks", viewer.id, action, astuple(filters), sort)


def org_units_tree(viewer: Person | None = None, roles=None) -> list[tuple[OrgUnit, int]]:
    """The org units in tree order with their depth, for pickers and the admin page: those in the viewer's
    scope (the subtrees of the units where they hold one of ``roles``, any role by default); all when None."""
    stmt = select(OrgUnit).order_by(OrgUnit.path)
    if viewer is not None:
        stmt = stmt.where(policy.units_in_scope(viewer, roles if roles is not None else list(Role)))
    return _tree(list(db.session.scalars(stmt)))


#: the pickers' units, per reader, until the trail moves (``registry.trail_cache``)
_unit_choices = TrailCache("COUNTS_CACHE_SIZE")


def unit_choices(viewer: Person, roles=None) -> list[tuple[Any, int]]:
    """``org_units_tree`` for a picker: each unit's id and name only (rows, not loaded objects; a province has
    hundreds of units, which the task list and the report page offer on every request), kept until the trail
    moves (units and grants are audited)."""
    roles = list(roles) if roles is not None else list(Role)

    def compute() -> list[tuple[Any, int]]:
        stmt = select(OrgUnit.id, OrgUnit.name, OrgUnit.parent_id).order_by(OrgUnit.path).where(
            policy.units_in_scope(viewer, roles))
        return _tree(list(db.session.execute(stmt)))

    return _unit_choices.get(("units", viewer.id, tuple(roles)), compute)


def _tree(units: list) -> list[tuple[Any, int]]:
    """Units (anything with ``id``, ``name`` and ``parent_id``) in tree order, siblings by name, with their depth;
    the scope's top units are roots."""
    present = {unit.id for unit in units}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:  # a scope's top units are roots here
        children.setdefault(unit.parent_id if unit.parent_id in present else None, []).append(unit)
    out: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent_id, []), key=lambda u: u.name):
            out.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out


#: the home page's counts per state, per reader and year, until the trail moves (``registry.trail_cache``)
_state_counts = TrailCache("COUNTS_CACHE_SIZE")


def state_counts(viewer: Person, year: int | None) -> dict[TaskState, int]:
    """Task counts per state in a year, over what the viewer may see (one query; kept until the trail moves)."""
    def count() -> dict[TaskState, int]:
        stmt = visible_tasks(viewer).with_only_columns(Task.state, func.count(Task.id)).group_by(Task.state)
        if year:
            stmt = stmt.join(Year, Task.year_id == Year.id).where(Year.year == year)
        return {state: number for state, number in db.session.execute(stmt)}
    return _state_counts.get(("states", viewer.id, year), count)


# -- the year's quarters, counting, and the one rule for a missing or late quarterly note ------------------------

def current_year() -> Year | None:
    """The year whose number is today's year, else the latest year."""
    today = clock.today()
    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return next((y for y in years if y.year == today.year), years[0] if years else None)


def last_passed_quarter(year: Year, today: date) -> int | None:
    """The latest quarter of ``year`` whose deadline is before ``today``."""
    passed = [q for q, deadline in enumerate(year.quarter_deadlines, start=1) if deadline < today]
    return passed[-1] if passed else None


def current_quarter(year: Year, today: date) -> int | None:
    """The quarter of ``year`` containing ``today`` (None outside the year)."""
    return (today.month - 1) // 3 + 1 if today.year == year.year else None


# -- quarterly notes missing or late: one rule for the attention lists, the header count and the task list ------

def _quarter_missing(quarter: int, today: date) -> ColumnElement[bool]:
    deadline = getattr(Year, f"q{quarter}_deadline")
    return and_(Task.year_id.in_(select(Year.id).where(deadline < today)),
                ~select(ProgressNote.id).where(ProgressNote.task_id == Task.id,
                                               ProgressNote.quarter == quarter).exists())


def missing_note(quarter: int | None = None) -> ColumnElement[bool]:
    """SQL condition on ``Task``: under way, and a quarter (``quarter``, or any) whose deadline has passed has no
    note — in any year, past years included."""
    today = clock.today()
    return and_(Task.state.in_(UNDER_WAY), or_(*[_quarter_missing(q, today) for q in ([quarter] if quarter
                                                                                     else (1, 2, 3, 4))]))


def late_note(quarter: int | None = None) -> ColumnElement[bool]:
    """SQL condition on ``Task``: a note (of ``quarter``, or any) was submitted after its deadline."""
    conditions = [ProgressNote.task_id == Task.id, ProgressNote.is_late.is_(True)]
    if quarter:
        conditions.append(ProgressNote.quarter == quarter)
    return select(ProgressNote.id).where(*conditions).exists()


def note_condition(kind: str, quarter: int | None = None) -> ColumnElement[bool]:
    """SQL condition on ``Task`` for a quarterly-note filter (``NOTE_FILTERS``): ``missing``, ``late``, or
    ``overdue``: under way with a note missing or late."""
    if kind == "missing":
        return missing_note(quarter)
    if kind == "late":
        return late_note(quarter)
    return or_(missing_note(quarter), and_(Task.state.in_(UNDER_WAY), late_note(quarter)))


@dataclass
class NoteGaps:
    missing: list[int]  #: quarters past their deadline without a note
    late: list[int]  #: quarters whose note came after the deadline


def note_gaps(task: Task) -> NoteGaps:
    """The quarters of one task whose note is missing (deadline passed) or late (from its loaded notes)."""
    today = clock.today()
    noted = {n.quarter: n for n in task.notes}
    missing = [q for q, deadline in enumerate(task.year.quarter_deadlines, start=1)
               if q not in noted and deadline < today] if task.state in UNDER_WAY else []
    return NoteGaps(missing=missing, late=sorted(q for q, n in noted.items() if n.is_late))


def counting(stmt: Select) -> Select:
    """SQL: the number of rows ``stmt`` would return."""
    return select(func.count()).select_from(stmt.order_by(None).subquery())


def count(stmt: Select) -> int:
    """Rows a select would return, counted in the database."""
    return db.session.scalar(counting(stmt)) or 0
