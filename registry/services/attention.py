"""What needs attention: the lists of the attention page (notes due, notes to assess, recommendations to reply
to, overdue notes and replies, late or at-risk tasks, tasks not assessed this quarter), their first rows and totals,
the header's count, and the one rule for a quarterly note missing or late (shared with the task list's filter).
Every list is scoped to what the viewer may see (``policy``), through the task list's queries."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, inspect, or_, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from registry import clock, policy
from registry.models import (
    Assessment,
    OrgUnit,
    Period,
    Person,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    Task,
    Year,
    db,
)
from registry.models.task import UNDER_WAY

from registry.services.queries import (
    any_of,
    counting,
    current_quarter,
    current_year,
    last_passed_quarter,
    note_condition,
    visible_tasks,
)
from registry.trail_cache import TrailCache

#: the header's count, per reader, until the trail moves (``registry.trail_cache``)
_attention_counts = TrailCache("COUNTS_CACHE_SIZE")


# -- what needs attention ---------------------------------------------------------------------------------------

#: a task as a row of an attention list shows it: its code, title, owner (a collective in the name it bore that
#: year), field, deadline and state — not the Form A texts, not its committee (``Task.committee`` is joined by
#: default), not the grants of the people shown
_ATTENTION_TASK = (
    load_only(Task.id, Task.year_id, Task.ownership, Task.owner_id, Task.owner_unit_id, Task.field_id, Task.state,
              Task.title, Task.deadline),
    lazyload(Task.committee), joinedload(Task.year),
    joinedload(Task.owner).options(lazyload(Person.grants), load_only(Person.full_name)),
    joinedload(Task.owner_unit).joinedload(OrgUnit.former_names))
#: a recommendation or a progress note as its row shows it, with its task
_ATTENTION_RECOMMENDATION = load_only(Recommendation.id, Recommendation.assessment_id, Recommendation.task_id,
                                      Recommendation.content, Recommendation.reply_deadline, Recommendation.status)
_RECOMMENDATION_TASK = joinedload(Recommendation.assessment).options(
    load_only(Assessment.id, Assessment.task_id, Assessment.monitor_id),
    joinedload(Assessment.task).options(*_ATTENTION_TASK))
#: what the rows of each attention list show, loaded with them (``first_rows``, the full lists and exports)
ATTENTION_ROWS: dict[str, tuple] = {
    "recommendations_to_reply": (
        _ATTENTION_RECOMMENDATION, _RECOMMENDATION_TASK,
        joinedload(Recommendation.assessment).options(joinedload(Assessment.monitor).options(
            lazyload(Person.grants), load_only(Person.full_name)))),
    "overdue_notes": (*_ATTENTION_TASK, selectinload(Task.notes).load_only(
        ProgressNote.task_id, ProgressNote.quarter, ProgressNote.is_late)),
    "notes_to_assess": (
        load_only(ProgressNote.id, ProgressNote.task_id, ProgressNote.quarter, ProgressNote.submitted_at),
        joinedload(ProgressNote.task).options(*_ATTENTION_TASK)),
    "overdue_replies": (_ATTENTION_RECOMMENDATION, _RECOMMENDATION_TASK),
    "late_or_at_risk": (*_ATTENTION_TASK, joinedload(Task.field)),
    "unassessed": (*_ATTENTION_TASK, joinedload(Task.field)),
}
#: the first rows and totals of the attention lists, per reader, list and order, until the trail moves
_attention_firsts = TrailCache("COUNTS_CACHE_SIZE")


def first_rows(lists: dict[Hashable, tuple[Callable[[], Select], Sequence, Hashable | None]],
               limit: int, limits: dict[Hashable, int] | None = None) -> dict[Hashable, tuple[list, int]]:
    """The first ``limit`` rows (``limits[name]`` for a list named there) and the number of all rows of several
    lists, each an ORM select of one entity:
    ``lists`` maps a name to (``query``: builds the select, ``options``: what its rows show, ``kept``). For each
    list one statement reads the primary keys of its first rows with the total beside them (``count(*) OVER ()``:
    the filter and the order alone, no joins); with ``kept`` (a key naming the reader, the list and its order)
    these are kept until the trail moves or the day changes, as the header's count is, and the select is not even
    built then. Then one statement per entity reads the rows of every list by key with the options of all of
    them (lists of tasks share most of their rows; the filters are not run again)."""
    session = db.session()
    firsts: dict[Hashable, tuple[type, list, int]] = {}
    for name, (query, _options, kept) in lists.items():
        def compute(query=query, limit=(limits or {}).get(name, limit)) -> tuple[type, list, int]:
            stmt = query()
            entity = stmt.column_descriptions[0]["entity"]
            key = inspect(entity).primary_key[0]
            found = session.execute(stmt.with_only_columns(key, func.count().over()).limit(limit)).all()
            return entity, [row[0] for row in found], (found[0][1] if found else 0)
        firsts[name] = compute() if kept is None else _attention_firsts.get(kept, compute)
    loaded: dict[type, dict] = {}
    for entity in {entity for entity, ids, _total in firsts.values() if ids}:
        names = [name for name, (of, ids, _total) in firsts.items() if of is entity and ids]
        ids = list(dict.fromkeys(i for name in names for i in firsts[name][1]))
        options = list({id(option): option for name in names for option in lists[name][1]}.values())
        key = inspect(entity).primary_key[0]
        loaded[entity] = {getattr(row, key.key): row
                          for row in session.scalars(select(entity).where(key.in_(ids)).options(*options)).unique()}
    return {name: ([loaded[entity][i] for i in ids if i in loaded[entity]] if ids else [], total)
            for name, (entity, ids, total) in firsts.items()}


@dataclass
class DueNote:
    task: Task
    quarter: int
    deadline: date
    is_overdue: bool


def notes_due_count(owner: Person, within_days: int = 7) -> Select:
    """SQL: the number of notes ``notes_due`` lists (a task and quarter each), counted in the database."""
    horizon = clock.today() + timedelta(days=within_days)  # deadline - within_days <= today
    due = [case((and_(Task.year_id.in_(select(Year.id).where(getattr(Year, f"q{q}_deadline") <= horizon)),
                      ~select(ProgressNote.id).where(ProgressNote.task_id == Task.id,
                                                     ProgressNote.quarter == q).exists()), 1), else_=0)
           for q in (1, 2, 3, 4)]
    return select(func.coalesce(func.sum(due[0] + due[1] + due[2] + due[3]), 0)).where(
        Task.owner_id == owner.id, Task.state.in_(UNDER_WAY))


def notes_due(owner: Person, within_days: int = 7) -> list[DueNote]:
    """Quarterly notes the owner still owes: due within ``within_days`` or overdue."""
    today = clock.today()
    tasks = db.session.scalars(
        select(Task).where(Task.owner_id == owner.id, Task.state.in_(UNDER_WAY))
        .options(selectinload(Task.notes), joinedload(Task.year), joinedload(Task.field))
    ).unique()
    due = []
    for task in tasks:
        noted = {n.quarter for n in task.notes}
        for quarter, deadline in enumerate(task.year.quarter_deadlines, start=1):
            if quarter not in noted and (deadline - timedelta(days=within_days)) <= today:
                due.append(DueNote(task, quarter, deadline, deadline < today))
    return sorted(due, key=lambda d: (d.deadline, d.task.id))


def overdue_notes(viewer: Person) -> Select:
    """Tasks under way, of any year, with a quarterly note missing or late, that the viewer must act on: as
    their assigned monitor, as a decider of their committee, or as the secretariat of their committee (the
    owner's own list is ``notes_due``)."""
    scope = any_of(policy.visible(viewer, "assess"), policy.visible(viewer, "verdict"),
                   policy.secretariat_of(viewer))
    return select(Task).where(scope, note_condition("overdue")).order_by(Task.year_id, Task.id)


def acts_on_overdue(viewer: Person) -> bool:
    """The viewer holds a role that chases missing and late notes (monitor, Standing Committee, secretariat)."""
    return policy.has_any(viewer, Role.MONITOR, Role.STANDING, Role.SECRETARIAT)


def open_recommendations(viewer: Person, *, as_monitor: bool = False, overdue_only: bool = False) -> Select:
    """Recommendations awaiting a reply: on the viewer's own tasks, or raised by the viewer as monitor."""
    stmt = select(Recommendation).join(Recommendation.assessment).join(Task, Task.id == Recommendation.task_id) \
        .where(Recommendation.status == RecommendationStatus.OPEN)
    stmt = stmt.where(Assessment.monitor_id == viewer.id) if as_monitor else stmt.where(Task.owner_id == viewer.id)
    if overdue_only:
        stmt = stmt.where(Recommendation.reply_deadline < clock.today())
    return stmt.order_by(Recommendation.reply_deadline, Recommendation.id)


def notes_to_assess(monitor: Person) -> Select:
    """Progress notes on the monitor's tasks that have no assessment for their quarter yet."""
    period_of_note = case({1: Period.Q1.value, 2: Period.Q2.value, 3: Period.Q3.value, 4: Period.Q4.value},
                          value=ProgressNote.quarter)
    assessed = select(Assessment.id).where(Assessment.task_id == ProgressNote.task_id,
                                           Assessment.period == period_of_note).exists()
    return select(ProgressNote).join(ProgressNote.task).where(
        policy.visible(monitor, "assess"), Task.state.in_(UNDER_WAY), ~assessed
    ).order_by(ProgressNote.submitted_at, ProgressNote.id)


def late_or_at_risk(viewer: Person, year: Year) -> Select:
    """Tasks of ``year`` whose latest note says late or at risk, or that missed the last passed quarter."""
    today = clock.today()
    latest_status = select(ProgressNote.status).where(ProgressNote.task_id == Task.id) \
        .order_by(ProgressNote.quarter.desc()).limit(1).correlate(Task).scalar_subquery()
    conditions = [latest_status.in_([ProgressStatus.LATE, ProgressStatus.AT_RISK])]  # no note: NULL, not worrying
    passed = last_passed_quarter(year, today)
    if passed:
        missing = ~select(ProgressNote.id).where(ProgressNote.task_id == Task.id,
                                                 ProgressNote.quarter == passed).exists()
        conditions.append(missing)
    return visible_tasks(viewer, "verdict").where(Task.year_id == year.id, Task.state.in_(UNDER_WAY),
                                                  or_(*conditions)).order_by(Task.id)


def unassessed_this_quarter(viewer: Person, year: Year) -> Select:
    """Tasks under way in ``year`` that have no assessment for the current quarter."""
    quarter = current_quarter(year, clock.today())
    stmt = visible_tasks(viewer, "verdict").where(Task.year_id == year.id, Task.state.in_(UNDER_WAY))
    if quarter:
        period = Period(f"q{quarter}")
        stmt = stmt.where(~select(Assessment.id).where(Assessment.task_id == Task.id,
                                                       Assessment.period == period).exists())
    return stmt.order_by(Task.id)


def attention_count(viewer: Person) -> int:
    """The number shown in the page header: what needs the viewer's attention across roles — the totals of the
    lists of the attention page, counted in one statement, and kept until the trail moves or the day changes
    (every change these lists count is audited; the header shows it on every page)."""
    return _attention_counts.get(("attention", viewer.id), lambda: count_attention(viewer))


def count_attention(viewer: Person) -> int:
    """``attention_count`` computed now."""
    counts: list[Select] = []
    if policy.can(viewer, "register"):
        counts += [notes_due_count(viewer), counting(open_recommendations(viewer))]
    if policy.has_any(viewer, Role.MONITOR):
        counts += [counting(notes_to_assess(viewer)),
                   counting(open_recommendations(viewer, as_monitor=True, overdue_only=True))]
    if acts_on_overdue(viewer):
        counts.append(counting(overdue_notes(viewer)))
    if policy.can(viewer, "see_queue"):
        year = current_year()
        if year is not None:
            counts.append(counting(late_or_at_risk(viewer, year)))
    if not counts:
        return 0
    return sum(int(n or 0) for n in db.session.execute(select(*[c.scalar_subquery() for c in counts])).one())
