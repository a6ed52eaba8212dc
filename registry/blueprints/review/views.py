"""Year-end review pages (Form D): the owner's self-assessment, the monitor's final assessment, the Standing
Committee's verdict, reopening and carry-over; and the review section of the task page.

The rules live in ``registry.services.review`` (and ``monitoring.add_assessment`` for the final assessment); each
page calls the service's ``require_*`` check on GET and POST alike, so a page that may not be used answers 403
or 409 before showing a form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from registry import clock, policy
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import REFUSED, attempt, done, get_or_404, load, submitted
from registry.blueprints.review import bp
from registry.blueprints.review.forms import (
    CarryOverForm,
    FinalAssessmentForm,
    ReopenForm,
    VerdictForm,
    final_assessment_data,
    reached_name,
    self_assessment_data,
    self_assessment_form,
    service_errors,
    verdict_data,
)
from registry.labels import COMMENDATION, JUDGEMENT, OUTCOME, SUPERVISION_FORM
from registry.models import Assessment, Period, Task, Verdict, Year
from registry.services import monitoring as monitoring_service
from registry.services import review as review_service
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.policy import is_locked


def _load_task(task_id: int) -> Task:
    return load(Task, task_id)


def _reviewed(message: str, task: Task):
    """After a review action: ``message`` on the task page's review section."""
    return done(message, "tasks.show", task_id=task.id, _anchor="review")


def _entry_errors(backfill, errors=lambda exc: exc):
    """Field errors of a service onto the form and the back-fill entry's own fields (``errors`` renames them)."""
    return lambda form, exc: backfill_entry.apply_errors(form, backfill, errors(exc))


def _page(template: str, form, task: Task, backfill=None, **context):
    return render_template(template, form=form, task=task, backfill=backfill, **context), \
        backfill_entry.status(form, backfill)


# -- the owner's self-assessment ---------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/self-assessment", methods=["GET", "POST"])
def self_assessment(task_id: int):
    task = _load_task(task_id)
    backfill = backfill_entry.entry(task, on_label=_("Date of the self-assessment"), on_behalf_of=task.owner)
    review_service.require_self_assessable(current_user, task, backfill_entry.mode(backfill))
    form = self_assessment_form(task, review_service.active_levels())
    if backfill_entry.validate(form, backfill) and attempt(
            form, lambda: review_service.submit_self_assessment(current_user, task, self_assessment_data(form, task),
                                                                backfill=backfill_entry.context(backfill)),
            _entry_errors(backfill, lambda exc: ValidationFailed(service_errors(exc.errors)))) is not REFUSED:
        return _reviewed(_("Self-assessment submitted; the monitor has been asked for the final assessment.")
                         if backfill is None else _("Self-assessment entered."), task)
    return _page("review/self_assessment.html", form, task, backfill=backfill, reached_name=reached_name,
                 missing_quarters=review_service.quarters_without_note(task))


# -- the monitor's final assessment ------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/final-assessment", methods=["GET", "POST"])
def final_assessment(task_id: int):
    task = _load_task(task_id)
    backfill = backfill_entry.entry(task, on_label=_("Date of the final assessment"), on_behalf_of=task.monitor)
    review_service.require_final_assessable(current_user, task, backfill_entry.mode(backfill))
    form = FinalAssessmentForm()
    form.set_choices()
    if backfill_entry.validate(form, backfill) and attempt(
            form, lambda: monitoring_service.add_assessment(current_user, task, Period.FINAL,
                                                            final_assessment_data(form), [],
                                                            backfill=backfill_entry.context(backfill)),
            _entry_errors(backfill)) is not REFUSED:
        return _reviewed(_("Final assessment recorded; the Standing Committee can now record its verdict."), task)
    return _page("review/final_assessment.html", form, task, backfill=backfill)


# -- the Standing Committee's verdict, reopening -------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/verdict", methods=["GET", "POST"])
def verdict(task_id: int):
    task = _load_task(task_id)
    backfill = backfill_entry.entry(task, on_label=_("Date of the verdict"), default_by=task.approved_by,
                                    by_label=_("Decided by (Standing Committee member)"))
    review_service.require_decidable(current_user, task, backfill_entry.mode(backfill))
    levels = review_service.active_levels()
    form = VerdictForm()
    form.set_choices(levels)
    if backfill_entry.validate(form, backfill) and attempt(
            form, lambda: review_service.record_verdict(current_user, task, verdict_data(form),
                                                        backfill=backfill_entry.context(backfill)),
            _entry_errors(backfill)) is not REFUSED:
        return _reviewed(_("Verdict recorded. The task and everything under it are now locked."), task)
    return _page("review/verdict.html", form, task, backfill=backfill, levels=levels,
                 final=review_service.final_assessment(task))


@bp.route("/tasks/<id:task_id>/reopen", methods=["GET", "POST"])
def reopen(task_id: int):
    task = _load_task(task_id)
    review_service.require_reopenable(current_user, task)
    form = ReopenForm()
    if submitted(form, lambda: review_service.reopen_task(current_user, task, form.reason.data or "")) is not REFUSED:
        return _reviewed(_("Task reopened. The previous verdict stays in the record, marked as superseded."), task)
    return _page("review/reopen.html", form, task)


# -- carry-over ------------------------------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/carry-over", methods=["GET", "POST"])
def carry_over(task_id: int):
    task = _load_task(task_id)
    review_service.require_carriable(current_user, task)
    years = review_service.carry_over_years(task, clock.today())
    if not years:
        raise Conflict(_("No later year is open for registration; the task can be carried over once the "
                         "secretariat opens the next year."))
    form = CarryOverForm()
    form.set_choices(years)
    if form.validate_on_submit():
        new = attempt(form, lambda: review_service.carry_over(current_user, task, get_or_404(Year, form.year_id.data),
                                                              form.reason.data or ""))
        if new is not REFUSED:
            return done(_("Carried over as a new draft registration for %(year)d. Review it, then submit it for "
                          "approval.", year=new.year.year), "tasks.edit", task_id=new.id)
    return _page("review/carry_over.html", form, task)


# -- the task page's review section ------------------------------------------------------------------------------

@dataclass
class ReviewOverview:
    """What the review section of a task page shows, and which of its actions the current user may take."""

    task: Task
    final: Assessment | None
    current: Verdict | None
    superseded: list[Verdict] = field(default_factory=list)
    #: the carry-over chain through the task, earliest year first (just the task when it has none)
    lineage: list[Task] = field(default_factory=list)
    is_locked: bool = False
    can_self_assess: bool = False
    can_final_assess: bool = False
    can_decide: bool = False
    can_reopen: bool = False
    can_carry_over: bool = False

    @property
    def is_shown(self) -> bool:
        return bool(self.task.self_assessment or self.final or self.task.verdicts or len(self.lineage) > 1
                    or self.can_self_assess)

    @property
    def has_actions(self) -> bool:
        return (self.can_self_assess or self.can_final_assess or self.can_decide or self.can_reopen
                or self.can_carry_over)


def _passes(check, *args) -> bool:
    """True when a service's ``require_*`` check lets the action through."""
    try:
        check(*args)
    except (Conflict, PermissionDenied):
        return False
    return True


def review_overview(task: Task) -> ReviewOverview:
    """The review section of ``task`` for the current user."""
    user = current_user
    return ReviewOverview(
        task=task,
        final=review_service.final_assessment(task),
        current=task.current_verdict,
        superseded=[v for v in task.verdicts if not v.is_current],
        lineage=review_service.lineage(task),
        is_locked=is_locked(task),
        # the policy row first (no refusal is logged for a button not shown), then the service's finer checks
        can_self_assess=policy.can(user, "self_assess", task)
        and _passes(review_service.require_self_assessable, user, task),
        can_final_assess=policy.can(user, "final_assess", task)
        and _passes(review_service.require_final_assessable, user, task),
        can_decide=policy.can(user, "verdict", task) and _passes(review_service.require_decidable, user, task),
        can_reopen=policy.can(user, "reopen", task) and _passes(review_service.require_reopenable, user, task),
        can_carry_over=policy.can(user, "carry_over", task) and _passes(review_service.require_carriable, user, task)
        and bool(review_service.carry_over_years(task, clock.today())),
    )


@bp.app_context_processor
def review_context():
    """Labels and helpers of the review templates; ``is_locked`` for any template."""
    return {
        "is_locked": is_locked,
        "review_overview": review_overview,
        "OUTCOME": OUTCOME,
        "COMMENDATION": COMMENDATION,
        "REVIEW_SUPERVISION_FORM": SUPERVISION_FORM,
        "REVIEW_JUDGEMENT": JUDGEMENT,
    }
