"""The home page: what each role needs first; the report figures of a year."""

from __future__ import annotations

from io import BytesIO

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from registry import clock, policy
from registry import queue as job_queue
from registry.blueprints.common import BaseForm, allow, kept_html, read_only
from registry.blueprints.main import bp
from registry.exports.reports import FORMATS as REPORT_FORMATS
from registry.exports.reports import completion_label, export_report
from registry.extensions import db
from registry.labels import OUTCOME, PERIOD, PROGRESS_STATUS
from registry.models import (
    OrgUnit,
    Outcome,
    Ownership,
    Period,
    ProgressStatus,
    Role,
    Task,
    TaskKind,
    TaskState,
    Year,
)
from registry.services import jobs
from registry.services.attention import first_rows
from registry.services.queries import (
    LIST_OPTIONS,
    TaskFilters,
    state_counts,
    task_list,
    unit_choices,
)
from registry.services.reports import MIDYEAR, REPORTS, dashboard_figures, midyear_day
from registry.text import attachment_names

LIMIT = 10


def _current_year() -> Year | None:
    today = clock.today()
    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return next((y for y in years if y.year == today.year), years[0] if years else None)


@bp.route("/")
def home():
    user = current_user
    year = _current_year()
    today = clock.today()
    sections: dict = {}
    lists: dict = {}  # name → (the select, what its rows show, the key its first rows are kept under)
    limits = {"mine": 20, "monitored": 20}

    def kept(name: str, query) -> None:
        lists[name] = (query, LIST_OPTIONS, ("home", user.id, name))

    if policy.can(user, "register"):
        def mine():
            return task_list(user, TaskFilters(owner_id=user.id))
        kept("mine", lambda: mine().where(Task.state.not_in([TaskState.WITHDRAWN])))
        kept("to_fix", lambda: mine().where(Task.state.in_([TaskState.DRAFT, TaskState.RETURNED])))
        sections["open_years"] = [y for y in db.session.scalars(select(Year).order_by(Year.year))
                                  if y.registration_open_on(today)]
    if policy.can(user, "see_queue"):
        kept("queue", lambda: task_list(user, TaskFilters(state=TaskState.SUBMITTED), "approve").order_by(None)
             .order_by(Task.submitted_at, Task.id))
    if policy.has_any(user, Role.MONITOR):
        kept("monitored", lambda: task_list(user, TaskFilters(), "assess"))
    sections.update({name: rows for name, (rows, _total) in first_rows(lists, LIMIT, limits).items()})
    if policy.has_any(user, *policy.READER_ROLES):
        sections["counts"] = state_counts(user, year.year if year else None)
    return render_template("main/home.html", sections=sections, year=year, today=today)


#: the dashboard's periods: the year so far, or the six-month review's figures as of 30/06
REPORT_PERIODS = ("year", "midyear")


def _report_scope():
    """The year and unit of the dashboard or a report from the query string (the unit among those the viewer
    reads: 404 otherwise)."""
    allow("view_reports")
    default = _current_year()
    year = request.args.get("year", type=int) or (default.year if default else clock.today().year)
    units = unit_choices(current_user, policy.READER_ROLES)
    unit_id = request.args.get("unit", type=int) or None
    unit = next((u for u, _depth in units if u.id == unit_id), None)
    if unit_id is not None and unit is None:
        abort(404)
    return year, unit, units


@bp.route("/reports")
def report():
    """The dashboard of a year for a unit and its sub-units (or every unit), printable: for those who read every
    task (Standing Committee, secretariat, inspectors); ``period=midyear`` shows the sơ kết's figures (30/06)."""
    year, unit, units = _report_scope()
    period = request.args.get("period") if request.args.get("period") in REPORT_PERIODS else "year"
    as_of = midyear_day(year) if period == "midyear" else None
    unit_id = unit.id if unit else None

    def figures() -> dict:
        return dict(figures=dashboard_figures(current_user, unit_id, year, as_of), year=year, period=period,
                    states=list(TaskState), kinds=list(TaskKind), ownerships=list(Ownership),
                    statuses=list(ProgressStatus), periods=list(Period), period_labels=PERIOD,
                    status_labels=PROGRESS_STATUS, completion_label=completion_label, outcomes=list(Outcome),
                    outcome_labels=OUTCOME)

    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return render_template("main/report.html", as_of=as_of, year=year, unit=unit, period=period, years=years,
                           units=units, today=clock.today(), reports=REPORTS, report_formats=REPORT_FORMATS,
                           midyear=MIDYEAR, jobs_enabled=job_queue.is_enabled(), figures_html=kept_html(
                               "main/_figures.html", (unit_id, year, period), figures, size_key="REPORT_CACHE_SIZE"))


@bp.route("/reports/<any(so_ket, tong_ket):report>.<any(docx, pdf, xlsx):fmt>")
def report_export(report: str, fmt: str):
    """The sơ kết (figures as of 30/06) or tổng kết of the year for the unit (or every unit one reads), as DOCX,
    PDF or XLSX: the dashboard's numbers for the same day."""
    year, unit, _units = _report_scope()
    unit_row = db.session.get(OrgUnit, unit.id) if unit is not None else None
    exported = export_report(current_user, unit_row, year, report, fmt, clock.today())
    response = send_file(BytesIO(exported.content), mimetype=exported.mimetype, as_attachment=True,
                         download_name=exported.filename, max_age=0)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(exported.filename))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/reports/<any(so_ket, tong_ket):report>.<any(docx, pdf, xlsx):fmt>/job", methods=["POST"])
@read_only
def report_export_job(report: str, fmt: str):
    """The same file made in the background (a province's report takes a while): to the job's page, where it
    downloads when ready. The permission is checked now and again when the job runs. With the jobs off, the file
    is made in the request as before."""
    year, unit, _units = _report_scope()
    policy.require_can(current_user, "view_reports", unit)
    if not BaseForm().validate_on_submit():  # the CSRF token only
        abort(400)
    scope = {"year": year, **({"unit": unit.id} if unit is not None else {})}
    if not job_queue.is_enabled():
        return redirect(url_for("main.report_export", report=report, fmt=fmt, **scope))
    job = jobs.enqueue(current_user, "report.summary", report=report, fmt=fmt, year=year,
                       unit_id=unit.id if unit is not None else None)
    return redirect(url_for("jobs.show", job_id=job.id))
