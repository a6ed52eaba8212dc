"""Task pages: list, registration form, task page, and the Standing Committee's decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry import clock, labels, policy
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import (
    allow,
    apply_errors,
    done,
    get_or_404,
    kept_html,
    loader,
    may,
    page_action,
    shown,
)
from registry.blueprints.tasks import bp
from registry.blueprints.tasks.page import PAGE_TASK, label_of, load_page, named_people, value_shower
from registry.blueprints.tasks.forms import (
    ActionForm,
    AdjustForm,
    ApproveForm,
    FilterForm,
    MonitorForm,
    NewRegistrationForm,
    RegistrationForm,
    ReturnForm,
    WithdrawForm,
    fill_from_task,
    task_data,
)
from registry.exports.table import Column, table_response
from registry.extensions import db
from registry.models import (
    Field,
    OrgUnit,
    Person,
    Task,
    TaskKind,
    TaskState,
    Year,
)
from registry.services import queries, search
from registry.services import tasks as task_service
from registry.services.admin import active_monitors
from registry.services.audit import task_history
from registry.services.errors import ValidationFailed
from registry.services.queries import TaskFilters, paginate, task_list, unit_choices


_load_task = loader(Task)


def _fields() -> list[Field]:
    return list(db.session.scalars(select(Field).where(Field.is_active.is_(True))
                                   .order_by(Field.sort_order, Field.name)))


def _years() -> list[Year]:
    return list(db.session.scalars(select(Year).order_by(Year.year.desc())))


# -- list ------------------------------------------------------------------------------------------------

#: the columns of the task list one may sort by, and those of the approval queue
LIST_SORTS = ("code", "title", "owner", "field", "deadline", "state")
QUEUE_SORTS = ("code", "title", "owner", "submitted")


def _sort(allowed) -> queries.TaskSort:
    return queries.task_sort(request.args.get("sort"), request.args.get("dir"), allowed)


def _filtered_list():
    """The task list as its filter form (``request.args``) asks, sorted as asked: the form, the select and the
    sort (the page and its exports read the same)."""
    form = FilterForm(request.args)
    form.set_choices(_years(), unit_choices(current_user), _fields())
    form.validate()

    def valid(field, convert=lambda v: v):
        return convert(field.data) if field.data and not field.errors else None

    filters = TaskFilters(
        year=valid(form.year), unit_id=valid(form.unit), field_id=valid(form.field),
        kind=valid(form.kind, TaskKind), state=valid(form.state, TaskState), owner_id=valid(form.owner),
        owner_name=valid(form.owner_name) or "", q=valid(form.q) or "",
        notes=valid(form.notes) or "", quarter=valid(form.quarter),
    )
    sort = _sort(LIST_SORTS)
    return form, filters, queries.sorted_tasks(task_list(current_user, filters), sort), sort


def _list_args() -> dict[str, str]:
    """The list's query arguments that links keep (filters and sort), without the page."""
    return {k: v for k, v in request.args.items() if k != "page" and v not in ("", "0")}


def _sort_context(endpoint: str, sort: queries.TaskSort) -> dict:
    args = {k: v for k, v in _list_args().items() if k not in ("sort", "dir")}
    return {"endpoint": endpoint, "args": args, "key": sort.key, "dir": sort.direction}


@bp.route("/")
def index():
    form, filters, stmt, sort = _filtered_list()
    owner = db.session.get(Person, filters.owner_id) if filters.owner_id else None
    page = paginate(stmt, per_page=current_app.config["PAGE_SIZE"],
                    cache_key=queries.task_list_key(current_user, filters, sort))
    if owner is not None and not (page.total or policy.can(current_user, "view_person_dossier", owner)):
        owner = None  # a person outside one's scope, none of whose tasks one sees: not even their name
    args = _list_args()
    without_owner = {k: v for k, v in args.items() if k != "owner"}
    return render_template("tasks/list.html", form=form, page=page, args=args, owner=owner,
                           without_owner=without_owner, sort=_sort_context("tasks.index", sort),
                           found=search.found(filters.q, page.items))


def _list_columns(*, submitted: bool = False) -> list[Column]:
    """The columns of an exported task list (Vietnamese headers in the default locale)."""
    columns = [
        Column(_("Code"), lambda t: t.code),
        Column(_("Title"), lambda t: t.title),
        Column(_("Kind"), lambda t: str(labels.KIND[t.kind])),
        Column(_("Owner"), lambda t: t.owner_label),
        Column(_("Unit"), lambda t: t.org_unit.name if t.org_unit else ""),
        Column(_("Field"), lambda t: t.field.display_name if t.field else ""),
    ]
    if submitted:
        return columns + [Column(_("Submitted"), lambda t: t.submitted_at)]
    return columns + [Column(_("Deadline"), lambda t: t.deadline),
                      Column(_("State"), lambda t: str(labels.STATE[t.state])),
                      Column(_("Monitor"), lambda t: t.monitor.full_name if t.monitor else "")]


@bp.route("/export.<any(xlsx, csv):fmt>")
def export(fmt: str):
    """The task list exactly as filtered and sorted, every page of it."""
    stmt = _filtered_list()[2]
    return table_response(fmt, _("task-list") + f"-{clock.today():%Y%m%d}", _list_columns(),
                          queries.all_rows(stmt))


def _queue_list():
    sort = _sort(QUEUE_SORTS)
    stmt = task_list(current_user, TaskFilters(state=TaskState.SUBMITTED), "approve").order_by(None).order_by(
        Task.submitted_at, Task.id)
    return queries.sorted_tasks(stmt, sort), sort


@bp.route("/queue")
def queue():
    """The Standing Committee's approval queue: submitted registrations, oldest first."""
    allow("see_queue")
    stmt, sort = _queue_list()
    page = paginate(stmt, per_page=current_app.config["PAGE_SIZE"])
    return render_template("tasks/queue.html", page=page, args=_list_args(),
                           sort=_sort_context("tasks.queue", sort))


@bp.route("/queue.<any(xlsx, csv):fmt>")
def queue_export(fmt: str):
    """The approval queue as sorted, every page of it."""
    allow("see_queue")
    stmt = _queue_list()[0]
    return table_response(fmt, _("approval-queue") + f"-{clock.today():%Y%m%d}", _list_columns(submitted=True),
                          queries.all_rows(stmt))


# -- registration ------------------------------------------------------------------------------------------

def _open_years() -> list[Year]:
    return [y for y in _years() if y.registration_open_on(clock.today())]


def _new_registration_form(_task=None) -> NewRegistrationForm:
    form = _fields_form(NewRegistrationForm)()
    form.year_id.choices = [(y.id, str(y.year)) for y in _open_years()]
    headed = db.session.scalars(select(OrgUnit).where(OrgUnit.head_id == current_user.id,
                                                      OrgUnit.is_active.is_(True)).order_by(OrgUnit.name))
    form.owner_unit_id.choices = [(0, _("Myself (individual registration)"))] + [
        (u.id, _("Collective: %(unit)s", unit=u.name)) for u in headed]
    committees = policy.registration_committees(current_user)
    form.committee_id.choices = [(u.id, u.name) for u in committees]
    if form.committee_id.data is None and committees:
        form.committee_id.data = committees[0].id
    return form


def _fields_form(form_class) -> Callable[..., Any]:
    """The form of a registration's fields (``form_class``), with the active fields to choose from."""
    def build(*_task):
        form = form_class()
        form.set_choices(_fields())
        return form
    return build


def _rows_page(template: str) -> Callable[..., str]:
    """A registration's page (``template``): its form with blank rows to add indicators and milestones."""
    def render(task, form):
        form.pad_rows()
        return render_template(template, form=form, task=task)
    return render


def _registration_open(_nothing) -> Any:
    """No year takes registrations today: the page that says so (409)."""
    return None if _open_years() else make_response(render_template("tasks/closed.html"), 409)


def _saved(task: Task, draft_message: str):
    """The registration saved, submitted too when the owner pressed "submit": the task page after it."""
    if request.form.get("action") == "submit":
        task_service.submit_task(current_user, task)
    return done(_("Registration submitted to the Standing Committee.") if task.state == TaskState.SUBMITTED
                else draft_message, "tasks.show", task_id=task.id)


@bp.route("/new", methods=["GET", "POST"])
@page_action(None, may("register"), _registration_open, form=_new_registration_form,
             render=_rows_page("tasks/form.html"))
def new(_task, form):
    year = get_or_404(Year, form.year_id.data)
    return _saved(task_service.create_task(current_user, year, task_data(form),
                                           owner_unit_id=form.owner_unit_id.data or None,
                                           committee_id=form.committee_id.data or None), _("Draft saved."))


@bp.route("/<id:task_id>/edit", methods=["GET", "POST"])
@page_action(_load_task, may("edit"), form=_fields_form(RegistrationForm), fill=fill_from_task,
             render=_rows_page("tasks/form.html"))
def edit(task, form):
    return _saved(task_service.update_task(current_user, task, task_data(form)), _("Changes saved."))


# -- task page and owner actions -------------------------------------------------------------------------

@bp.route("/<id:task_id>")
def show(task_id: int):
    # the task and its one-to-one rows first (held here: the session keeps it only while it is referenced), so
    # that the check (404, 403) finds it loaded
    preloaded = db.session.scalars(PAGE_TASK, {"task_id": task_id}).unique().first()
    task = _load_task(task_id)
    del preloaded

    def context() -> dict:
        load_page(task)
        events = task_history(task)
        people = named_people(task, events)
        shown_keys = {key for e in events if isinstance(e.after, dict) and e.action != "task.create"
                      for key in e.after}
        shown_keys.update(key for adj in task.adjustments for key in adj.changes)
        fields = {f.id: f for f in db.session.scalars(select(Field))} if "field_id" in shown_keys else {}
        indicator_names = {str(i.id): i.name for i in task.indicators}
        return dict(task=task, events=events, people=people, fields=fields, indicator_names=indicator_names,
                    value=value_shower(current_app.jinja_env.filters["num"], indicator_names),
                    # each label translated once, not once per line (rendered as the lazy labels are)
                    action_label={e.action: label_of(labels.ACTION, e.action) for e in events},
                    field_label={key: label_of(labels.FIELD, key) for key in shown_keys},
                    # the button forms only where the page shows them
                    action_form=ActionForm() if policy.can(current_user, "submit", task) else None,
                    withdraw_form=WithdrawForm() if policy.can(current_user, "withdraw", task) else None)

    # the content kept rendered until the trail moves (what the reader may do is in the key: the reader)
    return render_template("tasks/show.html", task=task,
                           body=kept_html("tasks/_show_body.html", (task.id,), context))


def _incomplete(form, exc: ValidationFailed) -> None:
    """A submission the service refused: what is missing, said on the registration form it goes back to."""
    apply_errors(form, exc)
    flash(_("The registration is not complete yet:") + " " + "; ".join(
        str(m) for ms in exc.errors.values() for m in ms), "error")


@bp.route("/<id:task_id>/submit", methods=["POST"])
@page_action(_load_task, form=ActionForm, button=True, on_error=_incomplete,
             render=lambda task, form: redirect(url_for("tasks.edit", task_id=task.id)))
def submit(task, form):
    task_service.submit_task(current_user, task)
    return done(_("Registration submitted to the Standing Committee."), "tasks.show", task_id=task.id)


@bp.route("/<id:task_id>/withdraw", methods=["POST"])
@page_action(_load_task, form=WithdrawForm, button=True)
def withdraw(task, form):
    task_service.withdraw_task(current_user, task, form.reason.data or "")
    return done(_("Registration withdrawn."), "tasks.show", task_id=task.id)


# -- Standing Committee decisions ---------------------------------------------------------------------------

def _decidable(action: str) -> Callable[[Task], None]:
    """The check of a decision: the current user may take ``action`` (403) in the task's state (409); the
    secretariat entering a past year afterwards enters the decision (``backfill_entry``)."""
    return lambda task: backfill_entry.require(task, action)


def _decision_entry(task: Task):
    """The back-fill part of the decision pages (nhập bổ sung): who of the Standing Committee decided."""
    return backfill_entry.entry(task, by_label=_("Decided by (Standing Committee member)"),
                                default_by=task.approved_by)


def _monitor_choices(task: Task) -> list[tuple[int, str]]:
    excluded = {task.owner_id, current_user.id, task.approved_by_id}
    return [(0, "—")] + [(p.id, f"{p.full_name} — {p.position}") for p in active_monitors(task.committee)
                         if p.id not in excluded]


def _decide_page(task: Task, approve_form=None, return_form=None, backfill=None) -> str:
    approve_form = approve_form or ApproveForm(formdata=None,
                                               decision_date=None if backfill is not None else clock.today())
    return_form = return_form or ReturnForm(formdata=None)
    approve_form.monitor_id.choices = _monitor_choices(task)
    if approve_form.monitor_id.data is None and task.monitor_id:
        approve_form.monitor_id.data = task.monitor_id
    return render_template("tasks/decide.html", task=task, approve_form=approve_form, return_form=return_form,
                           backfill=backfill)


@bp.route("/<id:task_id>/decide")
def decide(task_id: int):
    task = _load_task(task_id)
    _decidable("approve")(task)
    return _decide_page(task, backfill=_decision_entry(task))


def _with_monitors(form_class, **initial: Callable[[Task], Any]) -> Callable[[Task], Any]:
    """A decision's form (``form_class``) that names the monitor, among those who may monitor the task."""
    def build(task: Task):
        form = form_class(**{key: value(task) for key, value in initial.items()})
        form.monitor_id.choices = _monitor_choices(task)
        return form
    return build


@bp.route("/<id:task_id>/approve", methods=["POST"])
@page_action(_load_task, _decidable("approve"), form=_with_monitors(ApproveForm), entry=_decision_entry,
             render=lambda task, form, backfill: _decide_page(task, approve_form=form, backfill=backfill))
def approve(task, form, backfill):
    task_service.approve_task(current_user, task, decision_ref=form.decision_ref.data,
                              decision_date=form.decision_date.data,
                              monitor=db.session.get(Person, form.monitor_id.data),
                              backfill=backfill_entry.context(backfill))
    return done(_("Registration approved."), "tasks.show", task_id=task.id)


@bp.route("/<id:task_id>/return", methods=["POST"])
@page_action(_load_task, _decidable("return"), form=ReturnForm,
             render=lambda task, form: _decide_page(task, return_form=form))
def return_(task, form):
    task_service.return_task(current_user, task, comment=form.comment.data)
    return done(_("Registration returned to its owner."), "tasks.show", task_id=task.id)


@bp.route("/<id:task_id>/adjust", methods=["GET", "POST"])
@page_action(_load_task, _decidable("adjust"), form=_fields_form(AdjustForm), fill=fill_from_task,
             render=_rows_page("tasks/adjust.html"))
def adjust(task, form):
    task_service.adjust_task(current_user, task, reason=form.reason.data, data=task_data(form))
    return done(_("Adjustment recorded. The submitted version stays visible as the baseline."),
                "tasks.decide" if task.state == TaskState.SUBMITTED else "tasks.show", task_id=task.id)


def _change_entry(task: Task):
    return backfill_entry.entry(task, on_label=_("Date of the change"), default_by=task.approved_by,
                                by_label=_("Decided by (Standing Committee member)"))


@bp.route("/<id:task_id>/monitor", methods=["GET", "POST"])
@page_action(_load_task, _decidable("assign_monitor"),
             form=_with_monitors(MonitorForm, monitor_id=lambda task: task.monitor_id), entry=_change_entry,
             render=shown("tasks/monitor.html"))
def monitor(task, form, backfill):
    task_service.assign_monitor(current_user, task, db.session.get(Person, form.monitor_id.data),
                                backfill=backfill_entry.context(backfill))
    return done(_("Monitor assigned."), "tasks.show", task_id=task.id)
