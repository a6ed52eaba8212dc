"""The printed sơ kết (six-month) and tổng kết (year-end) reports: the dashboard's figures for the report's day
(``registry.services.reports``) and its three lists — exemplary tasks, unfinished tasks and the recommendations
still awaiting a reply. The DOCX, PDF and XLSX are written from it by ``registry.exports.reports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import joinedload

from registry.localized import localized_name
from registry.models import (
    Assessment,
    OrgUnit,
    Outcome,
    Period,
    Person,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    Task,
    TaskKind,
    TaskState,
    Verdict,
    VerdictLevel,
    Year,
    db,
)
from registry.models.review import UNFINISHED
from registry.models.task import DECIDED_STATES
from registry.services.reports import (
    MIDYEAR,
    REPORTS,
    cut_off,
    dashboard_figures,
    latest_notes,
    open_recommendations,
    reference_day,
    report_as_of,
    task_scope,
    with_latest_note,
)


@dataclass
class TaskLine:
    """One task of a report's list, as printed."""

    task_id: int
    code: str
    title: str
    owner: str
    unit: str
    kind: TaskKind
    field: str
    deadline: date | None
    state: TaskState
    status: ProgressStatus | None  #: the latest counted note's status
    percent: float | None  #: its % complete
    verdict: str  #: the verdict level's name (current language), empty without a verdict
    verdict_percent: float | None
    commendation: str  #: the commendation's form, empty without one


@dataclass
class RecommendationLine:
    code: str
    title: str
    period: Period
    content: str
    addressee: str
    reply_deadline: date | None
    is_overdue: bool


@dataclass
class SummaryReport:
    """A sơ kết or tổng kết report: the dashboard's figures and the three lists, for one unit (or every unit
    one reads) and year."""

    report: str  #: MIDYEAR or YEAR_END
    year: int
    unit: OrgUnit | None
    as_of: date | None
    figures: dict[str, Any]
    exemplary: list[TaskLine]
    unfinished: list[TaskLine]
    recommendations: list[RecommendationLine]


def _task_lines(scope: list[ColumnElement[bool]], as_of: date | None, condition) -> list[TaskLine]:
    """Approved tasks in ``scope`` with their latest counted note and current verdict (decided by ``as_of``)
    matching ``condition(verdict outcome, note status)`` — one query, and one per relationship loaded."""
    latest = latest_notes(as_of)
    cut = cut_off(as_of)
    verdict_on = [Verdict.task_id == Task.id, Verdict.is_current.is_(True)]
    if cut is not None:
        verdict_on.append(Verdict.decided_at < cut)
    stmt = (with_latest_note(select(Task, ProgressNote.status, ProgressNote.percent_complete, VerdictLevel,
                                     Verdict.percent, Verdict.commendation_form).select_from(Task), latest)
            .outerjoin(Verdict, and_(*verdict_on)).outerjoin(VerdictLevel, VerdictLevel.id == Verdict.level_id)
            .where(*scope, Task.state.in_(DECIDED_STATES),
                   condition(VerdictLevel.outcome, Verdict.id, ProgressNote.status))
            .options(joinedload(Task.year), joinedload(Task.owner), joinedload(Task.field),
                     joinedload(Task.org_unit),
                     joinedload(Task.owner_unit).selectinload(OrgUnit.former_names))
            .order_by(Task.org_unit_id, Task.deadline, Task.id))
    lines = []
    for task, status, percent, level, verdict_percent, commendation in db.session.execute(stmt).unique():
        lines.append(TaskLine(
            task_id=task.id, code=task.code, title=task.title, owner=task.owner_label,
            unit=task.org_unit.name_in(task.year.year) if task.org_unit else "", kind=task.kind,
            field=localized_name(task.field), deadline=task.deadline, state=task.state, status=status,
            percent=percent, verdict=localized_name(level) if level is not None else "",
            verdict_percent=verdict_percent, commendation=commendation or ""))
    return lines


def _recommendation_lines(scope: list[ColumnElement[bool]], as_of: date | None) -> list[RecommendationLine]:
    day = reference_day(as_of)
    stmt = (select(Recommendation, Assessment.period, Task.id, Task.title, Year.year)
            .join(Assessment, Recommendation.assessment_id == Assessment.id)
            .join(Task, Recommendation.task_id == Task.id).join(Year, Task.year_id == Year.id)
            .where(*scope, *open_recommendations(as_of))
            .order_by(Recommendation.reply_deadline, Recommendation.id))
    return [RecommendationLine(code=f"{year}-{task_id:06d}", title=title, period=period, content=r.content,
                               addressee=r.addressee, reply_deadline=r.reply_deadline,
                               is_overdue=r.reply_deadline is not None and r.reply_deadline < day)
            for r, period, task_id, title, year in db.session.execute(stmt)]


def summary_report(viewer: Person | None, unit: OrgUnit | None, year: int, report: str) -> SummaryReport:
    """The sơ kết (``MIDYEAR``: as of 30/06) or tổng kết (``YEAR_END``: as of today) of ``year`` for ``unit`` and
    below it (every unit the viewer reads when None): ``dashboard_figures`` — the very numbers the dashboard
    shows for that day — and the lists of exemplary tasks (verdict exceeded; at mid-year also those reported
    completed), unfinished tasks (no verdict and not reported completed, or a partial / not-done verdict) and
    recommendations still awaiting a reply."""
    if report not in REPORTS:
        raise ValueError(report)
    as_of = report_as_of(report, year)
    unit_id = unit.id if unit is not None else None
    figures = dashboard_figures(viewer, unit_id, year, as_of)
    year_id = db.session.scalar(select(Year.id).where(Year.year == year))
    if year_id is None:
        return SummaryReport(report, year, unit, as_of, figures, [], [], [])
    scope = task_scope(viewer, unit_id, year_id, as_of)

    def exemplary(outcome, verdict_id, status):
        if report == MIDYEAR:
            return or_(outcome == Outcome.EXCEEDED, and_(verdict_id.is_(None), status == ProgressStatus.DONE))
        return outcome == Outcome.EXCEEDED

    def unfinished(outcome, verdict_id, status):
        return or_(outcome.in_(UNFINISHED),
                   and_(verdict_id.is_(None), or_(status.is_(None), status != ProgressStatus.DONE)))

    return SummaryReport(report, year, unit, as_of, figures, _task_lines(scope, as_of, exemplary),
                         _task_lines(scope, as_of, unfinished), _recommendation_lines(scope, as_of))
