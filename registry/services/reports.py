"""Report figures for a year and, optionally, a unit with its sub-units: the numbers the Standing Committee,
the secretariat and inspectors print.

Everything is counted in the database with a fixed number of grouped queries, however many tasks there are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from registry import clock
from registry.models import (
    Field,
    Outcome,
    ProgressNote,
    Recommendation,
    RecommendationStatus,
    Task,
    TaskKind,
    TaskState,
    Year,
    db,
)
from registry.services.dossier import NOT_REGISTERED, outcome_counts
from registry import policy
from registry.models import Person
from registry.services.queries import in_unit


def _zero(enum) -> dict[str, int]:
    return {member.value: 0 for member in enum}


def report_figures(viewer: Person | None, unit_id: int | None, year: int) -> dict[str, Any]:
    """Figures of the registrations of ``year`` (a calendar year) that ``viewer`` may read (every one when
    None: the command line) and whose unit is ``unit_id`` or below it (every unit when None):

    - ``tasks``: ``total`` (drafts included) and ``registered`` (neither a draft nor withdrawn);
    - ``by_state``: every registration by state; ``by_kind`` and ``by_field``: registered ones;
    - ``by_outcome``: current verdicts by outcome;
    - ``notes``: progress notes, ``total`` and ``late`` (submitted after the quarter's deadline);
    - ``recommendations``: ``open`` (awaiting a reply) and ``overdue`` (open past the reply deadline).

    Keys are the enumerations' values; ``by_field`` lists ``{field_id, name, name_en, count}`` in display order
    (pages show the name through ``registry.localized``).
    """
    figures: dict[str, Any] = {
        "year": year, "unit_id": unit_id, "tasks": {"total": 0, "registered": 0},
        "by_state": _zero(TaskState), "by_kind": _zero(TaskKind), "by_field": [], "by_outcome": _zero(Outcome),
        "notes": {"total": 0, "late": 0}, "recommendations": {"open": 0, "overdue": 0},
    }
    year_id = db.session.scalar(select(Year.id).where(Year.year == year))
    if year_id is None:
        return figures
    scope = [Task.year_id == year_id]
    if viewer is not None:
        scope.append(policy.visible(viewer))
    if unit_id is not None:
        scope.append(in_unit(unit_id))

    # registrations by state, kind and field, in one query: grouped over the tasks' year index alone, then the
    # few groups joined to their fields' names (not every task to its field)
    groups = select(Task.state, Task.kind, Task.field_id, func.count(Task.id).label("n")).where(*scope) \
        .group_by(Task.state, Task.kind, Task.field_id).subquery()
    rows = db.session.execute(
        select(groups.c.state, groups.c.kind, Field.id, Field.name, Field.name_en, Field.sort_order, groups.c.n)
        .join(Field, Field.id == groups.c.field_id))
    fields: dict[int, dict[str, Any]] = {}
    order: dict[int, tuple] = {}
    for state, kind, field_id, name, name_en, sort_order, count in rows:
        figures["tasks"]["total"] += count
        figures["by_state"][state.value] += count
        if state in NOT_REGISTERED:
            continue
        figures["tasks"]["registered"] += count
        figures["by_kind"][kind.value] += count
        fields.setdefault(field_id, {"field_id": field_id, "name": name, "name_en": name_en,
                                     "count": 0})["count"] += count
        order[field_id] = (sort_order, name, field_id)
    figures["by_field"] = [fields[field_id] for field_id in sorted(fields, key=order.__getitem__)]

    # current verdicts by outcome (the dossier's count)
    for outcome, count in outcome_counts(*scope).get(year_id, {}).items():
        figures["by_outcome"][outcome.value] = count

    # progress notes, and the late ones
    total, late = db.session.execute(
        select(func.count(ProgressNote.id), func.coalesce(func.sum(case((ProgressNote.is_late, 1), else_=0)), 0))
        .join(Task, ProgressNote.task_id == Task.id).where(*scope)).one()
    figures["notes"] = {"total": total, "late": late}

    # recommendations awaiting a reply, and those past their reply deadline
    open_, overdue = db.session.execute(
        select(func.count(Recommendation.id),
               func.coalesce(func.sum(case((Recommendation.reply_deadline < clock.today(), 1), else_=0)), 0))
        .join(Task, Recommendation.task_id == Task.id)
        .where(Recommendation.status == RecommendationStatus.OPEN, *scope)).one()
    figures["recommendations"] = {"open": open_, "overdue": overdue}
    return figures
