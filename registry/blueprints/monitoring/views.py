"""Monitoring pages: assessments (Form C) and replies, the mid-year review, what needs attention, notifications."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry import clock, policy, queue
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import done, get_or_404, loader, may, page_action, shown, under_task
from registry.blueprints.monitoring import bp
from registry.blueprints.monitoring.forms import (
    ActionForm,
    AssessmentForm,
    ConclusionForm,
    ReplyForm,
    assessment_data,
    recommendation_rows,
)
from registry.exports.table import Column, table_response
from registry.extensions import db
from registry.labels import JUDGEMENT, PERIOD, PROGRESS_STATUS, STATE, SUPERVISION_FORM
from registry.models import (
    Assessment,
    Notification,
    Recommendation,
    Role,
    Task,
    Year,
)
from registry.models.base import MAX_ID
from registry.services import attention as attention_service
from registry.services import jobs
from registry.services import monitoring as monitoring_service
from registry.services import notifications as notification_service
from registry.services import queries

#: rows shown per list on the attention page before "see all"
LIMIT = 10


def _note_form_url(task: Task, quarter: int) -> str:
    """The progress-note form of a quarter."""
    return url_for("progress.new_note", task_id=task.id, quarter=quarter)


# -- template helpers and the header counts -------------------------------------------------------------------

@bp.app_context_processor
def monitoring_context():
    """Labels and helpers for the monitoring templates; the header counts for a signed-in user."""
    context = {
        "period_label": PERIOD,
        "supervision_form_label": SUPERVISION_FORM,
        "judgement_label": JUDGEMENT,
        "progress_status_label": PROGRESS_STATUS,
        "monitoring": SimpleNamespace(
            is_reply_overdue=monitoring_service.is_reply_overdue,
            periods_left=monitoring_service.periods_left,
            is_locked=policy.is_locked,
            message=notification_service.message,
            today=clock.today,
            note_form_url=_note_form_url,
            note_gaps=queries.note_gaps,
        ),
        "header_counts": None,
    }
    if current_user and current_user.is_authenticated:
        context["header_counts"] = header_counts()
    return context


def header_counts() -> SimpleNamespace:
    """The header's counts of the signed-in user, computed once per request (every template rendered in the
    request shares them); the attention page hands over the totals of its lists instead of counting again."""
    if "header_counts" not in g:
        with db.session.no_autoflush:
            attention = g.get("attention_total")
            g.header_counts = SimpleNamespace(
                attention=attention_service.attention_count(current_user) if attention is None else attention,
                unread=notification_service.unread_count(current_user))
    return g.header_counts


# -- assessments (Form C) -------------------------------------------------------------------------------------

def _assessment_form(task: Task) -> AssessmentForm:
    """Form C with the periods left to assess (the service's check first: 403, 409)."""
    form = AssessmentForm()
    form.set_choices(monitoring_service.require_assessable(current_user, task, backfill_entry.mode_for(task)))
    return form


def _assessment_page(task: Task, form, backfill) -> str:
    form.pad_rows()
    return render_template("monitoring/assessment_form.html", form=form, task=task, backfill=backfill)


@bp.route("/tasks/<id:task_id>/assessments/new", methods=["GET", "POST"])
@page_action(lambda task_id: backfill_entry.load_task(task_id, "assess"),  # the monitor, or the secretariat
             form=_assessment_form, render=_assessment_page,                  # entering a past year
             entry=lambda task: backfill_entry.entry(task, on_label=_("Date of the assessment"),
                                                     on_behalf_of=task.monitor))
def new_assessment(task, form, backfill):
    monitoring_service.add_assessment(current_user, task, form.period.data, assessment_data(form),
                                      recommendation_rows(form), backfill=backfill_entry.context(backfill))
    return done(_("Assessment recorded; the owner has been notified.") if backfill is None
                else _("Assessment entered."), "tasks.show", task_id=task.id, _anchor="monitoring")


@bp.route("/assessments/<id:assessment_id>/acknowledge", methods=["POST"])
@page_action(under_task(Assessment), form=ActionForm, button=True)
def acknowledge(assessment, form):
    monitoring_service.acknowledge_assessment(current_user, assessment)
    return done(_("Assessment acknowledged."), "tasks.show", task_id=assessment.task_id,
                _anchor=f"assessment-{assessment.id}")


def _task_of(recommendation: Recommendation) -> Task:
    return db.session.get(Task, recommendation.task_id)  # loaded by ``under_task``


def _reply_page(recommendation: Recommendation, form, backfill) -> str:
    return render_template("monitoring/reply.html", form=form, task=_task_of(recommendation),
                           recommendation=recommendation, backfill=backfill,
                           is_overdue=monitoring_service.is_reply_overdue(recommendation))


@bp.route("/recommendations/<id:rec_id>/reply", methods=["GET", "POST"])
@page_action(under_task(Recommendation),
             lambda rec: monitoring_service.require_replyable(current_user, rec,
                                                              backfill_entry.mode_for(_task_of(rec))),
             form=ReplyForm, render=_reply_page,
             entry=lambda rec: backfill_entry.entry(_task_of(rec), on_label=_("Date of the reply"),
                                                    on_behalf_of=_task_of(rec).owner))
def reply(recommendation, form, backfill):
    monitoring_service.reply_to_recommendation(current_user, recommendation, form.reply.data,
                                               backfill=backfill_entry.context(backfill))
    return done(_("Reply sent to the monitor.") if backfill is None else _("Reply entered."), "tasks.show",
                task_id=recommendation.task_id, _anchor=f"assessment-{recommendation.assessment_id}")


# -- the mid-year review (sơ kết) -----------------------------------------------------------------------------

@bp.route("/years/<id:year_id>/midyear", methods=["POST"])
@page_action(lambda year_id: get_or_404(Year, year_id), may("run_midyear", on_object=False), form=ActionForm,
             button=True)
def take_midyear(year, form):
    if queue.is_enabled():  # a province's snapshots take a while: in the background, progress on the job's page
        job = jobs.enqueue(current_user, "midyear", year_id=year.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    taken = monitoring_service.take_mid_year_snapshots(current_user, year)
    return done(_("Mid-year review of %(year)d: %(n)d snapshots taken.", year=year.year, n=taken),
                "monitoring.attention")


@bp.route("/tasks/<id:task_id>/midyear", methods=["GET", "POST"])
@page_action(loader(Task, "midyear_conclude"),
             lambda task: monitoring_service.require_concludable(current_user, task),
             form=lambda task: ConclusionForm(conclusion=task.mid_year_review.conclusion),
             render=shown("monitoring/midyear.html", review=lambda task: task.mid_year_review))
def conclude_midyear(task, form):
    monitoring_service.conclude_mid_year(current_user, task.mid_year_review, form.conclusion.data)
    return done(_("Mid-year conclusion recorded."), "tasks.show", task_id=task.id, _anchor="midyear")


# -- what needs attention -------------------------------------------------------------------------------------

class ListPage:
    """A list that is either capped (its ``first`` rows and the total, ``attention_service.first_rows``) or the whole list,
    paginated (``query()`` builds its select)."""

    def __init__(self, key: str, query=None, rows: list | None = None, expanded: bool = False,
                 first: tuple[list, int] | None = None):
        self.key = key
        self.is_expanded = expanded
        if expanded:
            if query is not None:
                self.page = queries.paginate(query(), per_page=current_app.config["PAGE_SIZE"])
            else:
                self.page = _ListPagination(rows or [], current_app.config["PAGE_SIZE"])
            self.items, self.total = list(self.page.items), self.page.total
        else:
            self.page = None
            if first is not None:
                self.items, self.total = first
            else:
                self.items, self.total = (rows or [])[:LIMIT], len(rows or [])

    @property
    def has_more(self) -> bool:
        return not self.is_expanded and self.total > len(self.items)


class _ListPagination:
    """The part of Flask-SQLAlchemy's pagination the pager macro uses, over a list computed in Python."""

    def __init__(self, rows: list, per_page: int):
        self.total, self.per_page = len(rows), per_page
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(max(request.args.get("page", 1, type=int), 1), self.pages)
        self.items = rows[(self.page - 1) * per_page:self.page * per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        last = 0
        for n in range(1, self.pages + 1):
            if n <= left_edge or n > self.pages - right_edge or \
                    self.page - left_current <= n <= self.page + right_current:
                if last + 1 != n:
                    yield None
                yield n
                last = n


#: the lists of the attention page, in the order shown
LISTS = ("notes_due", "recommendations_to_reply", "overdue_notes", "notes_to_assess", "overdue_replies", "late_or_at_risk",
         "unassessed")
#: the lists whose totals the header's attention count adds up (``attention_service.attention_count``)
COUNTED = ("notes_due", "recommendations_to_reply", "overdue_notes", "notes_to_assess", "overdue_replies",
           "late_or_at_risk")


def _attention_lists(user) -> dict[str, dict]:
    """The service queries behind each list the user sees: ``query`` builds the select (the filter and the order,
    with what the rows show loaded up front), only when it is read (a capped list's keys are kept until the trail
    moves); ``options``: that loading alone (``attention_service.ATTENTION_ROWS``)."""
    queried: dict[str, Callable] = {}
    wanted: dict[str, dict] = {}
    if policy.can(user, "register"):
        wanted["notes_due"] = {"rows": attention_service.notes_due(user)}
        queried["recommendations_to_reply"] = lambda: attention_service.open_recommendations(user)
    if attention_service.acts_on_overdue(user):
        queried["overdue_notes"] = lambda: attention_service.overdue_notes(user)
    if policy.has_any(user, Role.MONITOR):
        queried["notes_to_assess"] = lambda: attention_service.notes_to_assess(user)
        queried["overdue_replies"] = lambda: attention_service.open_recommendations(user, as_monitor=True, overdue_only=True)
    if policy.can(user, "see_queue"):
        year = queries.current_year()
        if year is not None:
            queried["late_or_at_risk"] = lambda: attention_service.late_or_at_risk(user, year)
            queried["unassessed"] = lambda: attention_service.unassessed_this_quarter(user, year)
    for key, build in queried.items():
        options = attention_service.ATTENTION_ROWS[key]
        wanted[key] = {"query": lambda build=build, options=options: build().options(*options), "options": options}
    return wanted


#: the attention lists of tasks that sort by their columns (``?show=<list>&sort=…&dir=…``, the full list only)
ATTENTION_SORTS = {"overdue_notes": ("code", "title", "owner"),
                   "late_or_at_risk": ("code", "title", "owner", "field", "deadline", "state"),
                   "unassessed": ("code", "title", "owner", "field", "deadline", "state")}


def _sort_list(wanted: dict[str, dict], show: str | None) -> queries.TaskSort:
    """Sort the shown list of ``wanted`` as asked, if it is one that sorts (a bad value: its own order)."""
    sort = queries.task_sort(request.args.get("sort"), request.args.get("dir"), ATTENTION_SORTS.get(show, ()))
    if sort.key is not None:
        unsorted = wanted[show]["query"]
        wanted[show]["query"] = lambda: queries.sorted_tasks(unsorted(), sort)
    return sort


@bp.route("/attention")
def attention():
    """What needs the user's attention, per role; ``?show=<list>`` shows one list in full, paginated."""
    user = current_user
    show = request.args.get("show")
    wanted = _attention_lists(user)
    if show is not None and show not in wanted:
        abort(404)
    sort = _sort_list(wanted, show)
    shown = [key for key in LISTS if key in wanted and show in (None, key)]
    firsts = attention_service.first_rows({key: (wanted[key]["query"], wanted[key]["options"], ("attention", user.id, key))
                                 for key in shown if key != show and "query" in wanted[key]}, LIMIT)
    lists = {key: ListPage(key, wanted[key].get("query"), wanted[key].get("rows"), expanded=(key == show),
                           first=firsts.get(key)) for key in shown}
    if show is None:  # every list is here: the header's count is the sum of their totals
        g.attention_total = sum(lists[key].total for key in COUNTED if key in lists)
    can_run = show is None and policy.can(user, "run_midyear")
    sort_args = {"sort": sort.key, "dir": sort.direction} if sort.key else {}
    return render_template(
        "monitoring/attention.html", lists=lists, show=show, sort_args=sort_args,
        sort={"endpoint": "monitoring.attention", "args": {"show": show}, "key": sort.key, "dir": sort.direction}
        if show in ATTENTION_SORTS else None,
        review_years=list(db.session.scalars(select(Year).order_by(Year.year.desc()))) if can_run else [],
        id_link=_id_link, translated_states=_translated_states)


def _id_link(endpoint: str, key: str) -> tuple[str, str]:
    """A link to ``endpoint`` for any row id, built once per page: the text before and after the id (``url_for``
    costs more than the rest of a row)."""
    head, _id, tail = url_for(endpoint, **{key: MAX_ID}).rpartition(str(MAX_ID))
    return head, tail


def _translated_states() -> dict:
    """Each task state's label in the page's language, translated once per page."""
    return {state: str(label) for state, label in STATE.items()}


def _quarters(quarters: list[int]) -> str:
    return ", ".join(_("Quarter %(q)d", q=q) for q in quarters)


def _attention_columns(key: str) -> list[Column]:
    """The columns of an exported attention list: those its section shows."""
    def task_of(row):
        if isinstance(row, Task):
            return row
        return row.assessment.task if isinstance(row, Recommendation) else row.task

    code, title = Column(_("Code"), lambda r: task_of(r).code), Column(_("Title"), lambda r: task_of(r).title)
    owner = Column(_("Owner"), lambda r: task_of(r).owner_label)
    reply_by = Column(_("Reply by"), lambda r: r.reply_deadline)
    recommendation = Column(_("Recommendation"), lambda r: r.content)
    return {
        "notes_due": [code, title, Column(_("Quarter"), lambda d: d.quarter),
                      Column(_("Deadline"), lambda d: d.deadline),
                      Column(_("Status"), lambda d: _("Overdue") if d.is_overdue else _("Due soon"))],
        "recommendations_to_reply": [code, title, recommendation,
                                     Column(_("Raised by"), lambda r: r.assessment.monitor.full_name), reply_by],
        "overdue_notes": [code, title, Column(_("Year"), lambda t: t.year.year), owner,
                          Column(_("No note"), lambda t: _quarters(queries.note_gaps(t).missing)),
                          Column(_("Submitted late"), lambda t: _quarters(queries.note_gaps(t).late))],
        "notes_to_assess": [code, title, owner, Column(_("Quarter"), lambda n: n.quarter),
                            Column(_("Submitted"), lambda n: n.submitted_at)],
        "overdue_replies": [code, title, owner, recommendation, reply_by],
    }.get(key, [code, title, owner, Column(_("Field"), lambda t: t.field.display_name if t.field else ""),
                Column(_("Deadline"), lambda t: t.deadline),
                Column(_("State"), lambda t: str(STATE[t.state]))])


@bp.route("/attention.<any(xlsx, csv):fmt>")
def attention_export(fmt: str):
    """One list of the attention page (``?show=<list>``), whole, as the page lists it in full."""
    wanted = _attention_lists(current_user)
    key = request.args.get("show")
    if key not in wanted:
        abort(404)
    _sort_list(wanted, key)
    source = wanted[key]
    rows = queries.all_rows(source["query"]()) if "query" in source else source["rows"]
    return table_response(fmt, _("attention") + f"-{key.replace('_', '-')}-{clock.today():%Y%m%d}",
                          _attention_columns(key), rows)


# -- notifications --------------------------------------------------------------------------------------------

@bp.route("/notifications")
def notifications():
    stmt = select(Notification).where(Notification.person_id == current_user.id,
                                      notification_service.readable(current_user)) \
        .options(joinedload(Notification.task).joinedload(Task.year)) \
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], max_per_page=100, error_out=False)
    return render_template("monitoring/notifications.html", page=page, action_form=ActionForm())


@bp.route("/notifications/<id:nid>/read", methods=["POST"])
@page_action(lambda nid: get_or_404(Notification, nid), may("read_notification"), form=ActionForm, button=True)
def mark_read(notification, form):
    notification_service.mark_read(current_user, notification)
    if request.form.get("go") == "task" and notification.task_id:
        return redirect(url_for("tasks.show", task_id=notification.task_id))
    return redirect(url_for("monitoring.notifications", page=request.form.get("page", type=int) or None))


@bp.route("/notifications/read-all", methods=["POST"])
@page_action(None, form=ActionForm, button=True)
def mark_all_read(_nothing, form):
    changed = notification_service.mark_all_read(current_user)
    return done(_("%(n)d notifications marked as read.", n=changed), "monitoring.notifications")
