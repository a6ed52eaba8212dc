"""Report figures for a year and, optionally, a unit with its sub-units: the numbers the Standing Committee,
the secretariat and inspectors print.

Everything is counted in the database with a fixed number of grouped queries, however many tasks there are.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from registry import clock
from registry.models import (
    Assessment,
    Field,
    OrgUnit,
    Outcome,
    Ownership,
    Period,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    RecommendationStatus,
    Task,
    TaskKind,
    TaskState,
    Verdict,
    Year,
    db,
)
from registry.models.task import DECIDED_STATES, NOT_REGISTERED, UNDER_WAY
from registry.services.dossier import outcome_counts
from registry import policy
from registry.models import Person
from registry.services.queries import in_unit
from registry.trail_cache import TrailCache

#: the two printed reports: the six-month review (sơ kết, figures as of 30/06) and the year-end review (tổng kết)
MIDYEAR, YEAR_END = "so_ket", "tong_ket"
REPORTS = (MIDYEAR, YEAR_END)
#: completion buckets of the latest progress note's % complete (the lower bound of each, "none": no note)
COMPLETION_BUCKETS = ("none", "0", "25", "50", "75", "100")
QUARTERS = (Period.Q1, Period.Q2, Period.Q3, Period.Q4)


def _zero(enum) -> dict[str, int]:
    return {member.value: 0 for member in enum}


# -- "as of": the sơ kết's day ----------------------------------------------------------------------------------

def midyear_day(year: int) -> date:
    """The day the six-month review's figures stand on: 30/06 of the year."""
    return date(year, 6, 30)


def report_as_of(report: str, year: int) -> date | None:
    """The day a printed report's figures stand on: 30/06 for the sơ kết, None (today) for the tổng kết."""
    return midyear_day(year) if report == MIDYEAR else None


def cut_off(as_of: date | None) -> datetime | None:
    """The first moment after ``as_of`` in Vietnam (rows dated before it count), None for no limit."""
    if as_of is None:
        return None
    return datetime.combine(as_of + timedelta(days=1), time.min, clock.LOCAL_TZ)


def reference_day(as_of: date | None) -> date:
    """The day against which deadlines are judged: ``as_of``, never later than today."""
    today = clock.today()
    return today if as_of is None else min(as_of, today)


def periods_ended(as_of: date | None) -> list[Period] | None:
    """The monitoring periods ended by ``as_of`` (the quarters, then the six-month review from 30/06 and the
    year-end from 31/12); None for every period."""
    if as_of is None:
        return None
    ends = [date(as_of.year, 3, 31), date(as_of.year, 6, 30), date(as_of.year, 9, 30), date(as_of.year, 12, 31)]
    quarter = sum(1 for end in ends if end <= as_of)
    ended = list(QUARTERS[:quarter])
    if (as_of.month, as_of.day) >= (6, 30):
        ended.append(Period.MID_YEAR)
    if (as_of.month, as_of.day) >= (12, 31):
        ended.append(Period.FINAL)
    return ended


def note_periods(as_of: date | None, note=ProgressNote) -> list[ColumnElement[bool]]:
    """SQL on ``ProgressNote`` (or an alias of it): the notes of the quarters ended by ``as_of`` (nothing for no
    limit)."""
    ended = periods_ended(as_of)
    if ended is None:
        return []
    return [note.quarter.in_([p.quarter for p in ended if p.quarter])] if any(
        p.quarter for p in ended) else [false()]


def assessment_periods(as_of: date | None) -> list[ColumnElement[bool]]:
    """SQL on ``Assessment``: the assessments of the periods ended by ``as_of``."""
    ended = periods_ended(as_of)
    if ended is None:
        return []
    return [Assessment.period.in_(ended)] if ended else [false()]


def open_recommendations(as_of: date | None) -> list[ColumnElement[bool]]:
    """SQL on ``Recommendation``: awaiting a reply (on ``as_of``: raised in a period ended by then and not
    replied before its end)."""
    if as_of is None:
        return [Recommendation.status == RecommendationStatus.OPEN]
    return [Recommendation.assessment_id.in_(select(Assessment.id).where(*assessment_periods(as_of))),
            or_(Recommendation.status == RecommendationStatus.OPEN, Recommendation.replied_at >= cut_off(as_of))]


def task_scope(viewer: Person | None, unit_id: int | None, year_id: int,
               as_of: date | None = None) -> list[ColumnElement[bool]]:
    """SQL on ``Task``: the year's registrations the viewer may read (all for None), of the unit and below it,
    and with ``as_of`` those registered (drafts: created) by then."""
    scope = [Task.year_id == year_id]
    if viewer is not None:
        scope.append(policy.visible(viewer))
    if unit_id is not None:
        scope.append(in_unit(unit_id))
    if as_of is not None:
        scope.append(func.coalesce(Task.submitted_at, Task.created_at) < cut_off(as_of))
    return scope


def report_figures(viewer: Person | None, unit_id: int | None, year: int,
                   as_of: date | None = None) -> dict[str, Any]:
    """Figures of the registrations of ``year`` (a calendar year) that ``viewer`` may read (every one when
    None: the command line) and whose unit is ``unit_id`` or below it (every unit when None):

    - ``tasks``: ``total`` (drafts included) and ``registered`` (neither a draft nor withdrawn);
    - ``by_state``: every registration by state; ``by_kind`` and ``by_field``: registered ones;
    - ``by_outcome``: current verdicts by outcome;
    - ``notes``: progress notes, ``total`` and ``late`` (submitted after the quarter's deadline);
    - ``recommendations``: ``open`` (awaiting a reply) and ``overdue`` (open past the reply deadline).

    Keys are the enumerations' values; ``by_field`` lists ``{field_id, name, name_en, count}`` in display order
    (pages show the name through ``registry.localized``).

    ``as_of`` (the sơ kết's 30/06) counts only what stood on that day (``cut_off``): registrations submitted
    (drafts: created) by then, the notes and assessments of the periods ended by then, recommendations open on
    that day, verdicts decided by then. States are the registrations' current states.
    """
    figures: dict[str, Any] = {
        "year": year, "unit_id": unit_id, "tasks": {"total": 0, "registered": 0},
        "by_state": _zero(TaskState), "by_kind": _zero(TaskKind), "by_field": [], "by_outcome": _zero(Outcome),
        "notes": {"total": 0, "late": 0}, "recommendations": {"open": 0, "overdue": 0},
    }
    year_id = db.session.scalar(select(Year.id).where(Year.year == year))
    if year_id is None:
        return figures
    scope = task_scope(viewer, unit_id, year_id, as_of)
    cut = cut_off(as_of)

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
    decided = [Verdict.decided_at < cut] if cut is not None else []
    for outcome, count in outcome_counts(*scope, *decided).get(year_id, {}).items():
        figures["by_outcome"][outcome.value] = count

    # progress notes, and the late ones
    total, late = db.session.execute(
        select(func.count(ProgressNote.id), func.coalesce(func.sum(case((ProgressNote.is_late, 1), else_=0)), 0))
        .join(Task, ProgressNote.task_id == Task.id).where(*scope, *note_periods(as_of))).one()
    figures["notes"] = {"total": total, "late": late}

    # recommendations awaiting a reply, and those past their reply deadline
    open_, overdue = db.session.execute(
        select(func.count(Recommendation.id),
               func.coalesce(func.sum(case((Recommendation.reply_deadline < reference_day(as_of), 1),
                                           else_=0)), 0))
        .join(Task, Recommendation.task_id == Task.id)
        .where(*open_recommendations(as_of), *scope)).one()
    figures["recommendations"] = {"open": open_, "overdue": overdue}
    return figures


# -- the dashboard ---------------------------------------------------------------------------------------------

def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal (None when there is nothing to share)."""
    return round(100 * part / whole, 1) if whole else None


def latest_notes(as_of: date | None):
    """Correlated subquery: the task's latest quarter among the notes counted ``as_of`` (read through the
    notes' (task_id, quarter) index, task by task, instead of a materialised table of every task's latest)."""
    earlier = aliased(ProgressNote)
    return (select(func.max(earlier.quarter)).where(earlier.task_id == Task.id, *note_periods(as_of, earlier))
            .correlate(Task).scalar_subquery())


def with_latest_note(stmt, latest):
    """``stmt`` (over ``Task``) outer-joined to each task's latest counted note."""
    return stmt.outerjoin(ProgressNote, and_(ProgressNote.task_id == Task.id, ProgressNote.quarter == latest))


def _by_unit(scope: list[ColumnElement[bool]], unit_id: int | None) -> tuple[list[dict[str, Any]], dict]:
    """Registrations by ownership, and by unit: the chosen unit's own and each of its sub-units' subtrees (no
    unit chosen: below the units the tasks share). Two queries."""
    groups = (select(Task.state, Task.ownership, Task.org_unit_id, func.count(Task.id).label("n")).where(*scope)
              .group_by(Task.state, Task.ownership, Task.org_unit_id).subquery())
    rows = list(db.session.execute(
        select(groups.c.state, groups.c.ownership, groups.c.org_unit_id, OrgUnit.path, groups.c.n)
        .outerjoin(OrgUnit, OrgUnit.id == groups.c.org_unit_id)))
    by_ownership = _zero(Ownership)
    registered = [row for row in rows if row.state not in NOT_REGISTERED]
    for row in registered:
        by_ownership[row.ownership.value] += row.n
    paths = [[int(p) for p in row.path.strip("/").split("/")] for row in registered if row.path]
    if unit_id is not None:
        anchor_path = next((p[:p.index(unit_id) + 1] for p in paths if unit_id in p), [unit_id])
    else:  # the deepest unit every counted task lies under
        anchor_path = paths[0] if paths else []
        for path in paths[1:]:
            n = 0
            while n < min(len(anchor_path), len(path)) and anchor_path[n] == path[n]:
                n += 1
            anchor_path = anchor_path[:n]
    depth = len(anchor_path)
    counts: dict[int | None, dict[str, int]] = {}
    for row in registered:
        path = [int(p) for p in row.path.strip("/").split("/")] if row.path else []
        key = path[depth] if len(path) > depth else (path[-1] if path else None)
        entry = counts.setdefault(key, {"registered": 0, "decided": 0, "reviewed": 0})
        entry["registered"] += row.n
        entry["decided"] += row.n if row.state in DECIDED_STATES else 0
        entry["reviewed"] += row.n if row.state == TaskState.REVIEWED else 0
    names = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_([k for k in counts if k is not None]))).all()) if counts else {}
    units = [{"unit_id": key, "name": names.get(key, ""), "own": key == (anchor_path[-1] if anchor_path else None),
              **entry} for key, entry in counts.items()]
    units.sort(key=lambda u: (not u["own"], u["unit_id"] is None, u["name"]))
    return units, by_ownership


_figures = TrailCache("REPORT_CACHE_SIZE", copy_values=True)


def dashboard_figures(viewer: Person | None, unit_id: int | None, year: int,
                      as_of: date | None = None) -> dict[str, Any]:
    """``compute_dashboard_figures``, kept per process (``REPORT_CACHE_SIZE`` entries, least recently used out)
    while nothing it counts has changed (``registry.trail_cache``: who reads — their grants are audited rows —,
    the scope, the language of the names, the day and the trail's position): a province-year takes about 200 ms
    of whole-year aggregates."""
    locale = str(get_locale()) if has_request_context() else ""
    return _figures.get((viewer.id if viewer is not None else None, unit_id, year, as_of, locale),
                        lambda: compute_dashboard_figures(viewer, unit_id, year, as_of))


def clear_figures_cache() -> None:
    _figures.clear()


def compute_dashboard_figures(viewer: Person | None, unit_id: int | None, year: int,
                              as_of: date | None = None) -> dict[str, Any]:
    """``report_figures`` and the dashboard's further figures, over the same registrations (what ``viewer`` may
    read, of ``unit_id`` and below, ``as_of`` a day or today), in a fixed number of grouped queries:

    - ``as_of``: the day (None: today) and ``reference_day``, against which deadlines are judged;
    - ``by_ownership``: registered tasks, individual / collective; ``by_unit``: registered, approved (decided)
      and reviewed tasks per unit: ``{unit_id, name, own, registered, decided, reviewed}``, the chosen unit's
      own tasks first (``own``), then each sub-unit with everything below it;
    - ``progress``: over approved tasks (``decided``): ``completion`` by the latest note's % complete (buckets
      of ``COMPLETION_BUCKETS``), ``status`` by the latest note's status (``none``: no note), ``late`` (under
      way, and behind schedule by the latest note or past the deadline) and ``at_risk`` (under way, at risk by
      the latest note, not late);
    - ``coverage``: per monitoring period, approved tasks assessed and their ``share`` in percent;
    - ``trend``: per quarter, notes, late notes, by status, and the average % complete.
    """
    figures = report_figures(viewer, unit_id, year, as_of)
    day = reference_day(as_of)
    figures.update(
        as_of=as_of, reference_day=day, by_ownership=_zero(Ownership), by_unit=[],
        progress={"decided": 0, "completion": dict.fromkeys(COMPLETION_BUCKETS, 0),
                  "status": {"none": 0, **_zero(ProgressStatus)}, "late": 0, "at_risk": 0},
        coverage=[{"period": p.value, "assessed": 0, "share": None} for p in Period],
        trend=[{"quarter": q, "notes": 0, "late": 0, "status": _zero(ProgressStatus), "average": None}
               for q in range(1, 5)],
    )
    year_id = db.session.scalar(select(Year.id).where(Year.year == year))
    if year_id is None:
        return figures
    scope = task_scope(viewer, unit_id, year_id, as_of)
    figures["by_unit"], figures["by_ownership"] = _by_unit(scope, unit_id)

    # approved tasks by their latest counted note: completion, status, late and at risk
    latest = latest_notes(as_of)
    percent = ProgressNote.percent_complete
    bucket = case((percent.is_(None), "none"), (percent < 25, "0"), (percent < 50, "25"), (percent < 75, "50"),
                  (percent < 100, "75"), else_="100")
    overdue = case((and_(Task.deadline.is_not(None), Task.deadline < day), 1), else_=0)
    stmt = with_latest_note(select(Task.state, ProgressNote.status, bucket.label("bucket"),
                                    overdue.label("overdue"), func.count(Task.id)).select_from(Task), latest)
    progress = figures["progress"]
    for state, status, part, is_overdue, count in db.session.execute(
            stmt.where(*scope, Task.state.in_(DECIDED_STATES)).group_by(Task.state, ProgressNote.status,
                                                                         bucket, overdue)):
        progress["decided"] += count
        progress["completion"][part] += count
        progress["status"][status.value if status else "none"] += count
        if state in UNDER_WAY:
            if status == ProgressStatus.LATE or is_overdue:
                progress["late"] += count
            elif status == ProgressStatus.AT_RISK:
                progress["at_risk"] += count

    # monitor coverage: approved tasks assessed in each period
    assessed = dict(db.session.execute(
        select(Assessment.period, func.count(Assessment.id)).join(Task, Assessment.task_id == Task.id)
        .where(*scope, Task.state.in_(DECIDED_STATES), *assessment_periods(as_of)).group_by(Assessment.period))
        .all())
    for row in figures["coverage"]:
        row["assessed"] = assessed.get(Period(row["period"]), 0)
        row["share"] = share(row["assessed"], progress["decided"])

    # the trend by quarter: notes, late ones, by status, average % complete
    sums: dict[int, list[float]] = {}
    for quarter, status, count, late, total, with_percent in db.session.execute(
            select(ProgressNote.quarter, ProgressNote.status, func.count(ProgressNote.id),
                   func.coalesce(func.sum(case((ProgressNote.is_late, 1), else_=0)), 0),
                   func.coalesce(func.sum(percent), 0), func.count(percent))
            .join(Task, ProgressNote.task_id == Task.id).where(*scope, *note_periods(as_of))
            .group_by(ProgressNote.quarter, ProgressNote.status)):
        row = figures["trend"][quarter - 1]
        row["notes"] += count
        row["late"] += late
        row["status"][status.value] += count
        acc = sums.setdefault(quarter, [0.0, 0])
        acc[0] += float(total)
        acc[1] += with_percent
    for quarter, (total, n) in sums.items():
        figures["trend"][quarter - 1]["average"] = round(total / n, 1) if n else None
    return figures
