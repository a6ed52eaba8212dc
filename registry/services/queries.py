"""Read-side queries: the task list with its filters, scoped to what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from registry import permissions
from registry.models import OrgUnit, Person, Task, TaskKind, TaskState, Year, db
from registry.text import fold


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
    q: str = ""  #: part of the title, diacritics ignored


def contains(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching ``text`` folded, anywhere."""
    escaped = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def descendant_ids(unit_id: int) -> set[int]:
    """Ids of every unit below ``unit_id`` in the tree (one query for the whole tree)."""
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for uid, parent in rows:
        children.setdefault(parent, []).append(uid)
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def visible_tasks(viewer: Person) -> Select:
    """Tasks the viewer may see: all for Standing Committee, secretariat and inspectors; otherwise their
    own and the ones they monitor."""
    stmt = select(Task)
    if not permissions.can_list_all_tasks(viewer):
        stmt = stmt.where(or_(Task.owner_id == viewer.id, Task.monitor_id == viewer.id))
    return stmt


def task_list(viewer: Person, filters: TaskFilters) -> Select:
    """The filtered, ordered task list, with what each row shows loaded up front (no query per row)."""
    stmt = visible_tasks(viewer)
    if filters.year:
        stmt = stmt.join(Task.year).where(Year.year == filters.year)
    if filters.unit_id:
        unit_ids = {filters.unit_id} | descendant_ids(filters.unit_id)
        stmt = stmt.where(Task.org_unit_id.in_(unit_ids))
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
    if fold(filters.q):
        stmt = stmt.where(Task.search_text.like(contains(filters.q), escape="\\"))
    if fold(filters.owner_name):
        stmt = stmt.where(Task.owner.has(Person.search_name.like(contains(filters.owner_name), escape="\\")))
    return stmt.options(
        joinedload(Task.year), joinedload(Task.owner), joinedload(Task.owner_unit), joinedload(Task.field),
        joinedload(Task.org_unit), joinedload(Task.monitor),
    ).order_by(Task.id.desc())


def org_units_tree() -> list[tuple[OrgUnit, int]]:
    """All org units in tree order with their depth, for pickers and the admin page."""
    units = list(db.session.scalars(select(OrgUnit).order_by(OrgUnit.name)))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    out: list[tuple[OrgUnit, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in children.get(parent_id, []):
            out.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out


def state_counts(viewer: Person, year: int | None) -> dict[TaskState, int]:
    """Task counts per state in a year, over what the viewer may see (one query)."""
    stmt = visible_tasks(viewer).with_only_columns(Task.state, func.count(Task.id)).group_by(Task.state)
    if year:
        stmt = stmt.join(Year, Task.year_id == Year.id).where(Year.year == year)
    return {state: count for state, count in db.session.execute(stmt)}
