"""The home page: what each role needs first; the report figures of a year."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from registry import clock, policy
from registry.blueprints.common import allow
from registry.blueprints.main import bp
from registry.extensions import db
from registry.labels import OUTCOME
from registry.models import Outcome, Role, Task, TaskKind, TaskState, Year
from registry.services.queries import (
    TaskFilters,
    state_counts,
    task_list,
    unit_choices,
)
from registry.services.reports import report_figures

LIMIT = 10


def _current_year() -> Year | None:
    today = clock.today()
    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return next((y for y in years if y.year == today.year), years[0] if years else None)


def _first(stmt, limit: int = LIMIT) -> list[Task]:
    return list(db.session.scalars(stmt.limit(limit)).unique())


@bp.route("/")
def home():
    user = current_user
    year = _current_year()
    today = clock.today()
    sections = {}
    if policy.can(user, "register"):
        mine = task_list(user, TaskFilters(owner_id=user.id))
        sections["mine"] = _first(mine.where(Task.state.not_in([TaskState.WITHDRAWN])), 20)
        sections["to_fix"] = _first(mine.where(Task.state.in_([TaskState.DRAFT, TaskState.RETURNED])))
        sections["open_years"] = [y for y in db.session.scalars(select(Year).order_by(Year.year))
                                  if y.registration_open_on(today)]
    if policy.can(user, "see_queue"):
        queue = task_list(user, TaskFilters(state=TaskState.SUBMITTED), "approve").order_by(None).order_by(
            Task.submitted_at, Task.id)
        sections["queue"] = _first(queue)
    if policy.has_any(user, Role.MONITOR):
        sections["monitored"] = _first(task_list(user, TaskFilters(), "assess"), 20)
    if policy.has_any(user, *policy.READER_ROLES):
        sections["counts"] = state_counts(user, year.year if year else None)
    return render_template("main/home.html", sections=sections, year=year, today=today)


@bp.route("/reports")
def report():
    """The figures of a year for a unit and its sub-units (or every unit), printable: for those who read every
    task (Standing Committee, secretariat, inspectors)."""
    allow("view_reports")
    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    default = _current_year()
    year = request.args.get("year", type=int) or (default.year if default else clock.today().year)
    units = unit_choices(current_user, policy.READER_ROLES)
    unit_id = request.args.get("unit", type=int) or None
    unit = next((u for u, _depth in units if u.id == unit_id), None)
    if unit_id is not None and unit is None:
        abort(404)
    return render_template("main/report.html", figures=report_figures(current_user, unit_id, year), year=year, unit=unit,
                           years=years, units=units, states=list(TaskState), kinds=list(TaskKind),
                           outcomes=list(Outcome), outcome_labels=OUTCOME, today=clock.today())
