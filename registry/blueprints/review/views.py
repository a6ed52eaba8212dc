"""Year-end review pages (Form D): the owner's self-assessment, the monitor's final assessment, the Standing
Committee's verdict, reopening and carry-over; and the review section of the task page.

The rules live in ``registry.services.review`` (and ``monitoring.add_assessment`` for the final assessment); each
page calls the service's ``require_*`` check on GET and POST alike, so a page that may not be used answers 403
or 409 before showing a form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry import clock, policy
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import done, get_or_404, load_task, page_action, passes, shown
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
from registry.services.errors import Conflict
from registry.policy import is_locked


def _reviewed(message: str, task: Task):
    """After a review action: ``message`` on the task page's review section."""
    return done(message, "tasks.show", task_id=task.id, _anchor="review")


def _allowed(require, entered: bool = True):
    """A review page's check: the service's ``require_*`` (403, 409), of a back-filled entry where it may be one."""
    if entered:
        return lambda task: require(current_user, task, backfill_entry.mode_for(task))
    return lambda task: require(current_user, task)


def _chosen(form_class, *choices):
    """A page's form (``form_class``) with its choices, each worked out from the task."""
    def build(task: Task):
        form = form_class()
        form.set_choices(*(choice(task) for choice in choices))
        return form
    return build


def _entered_for(on_label: str, party) -> Any:
    """The back-fill part of a page that enters ``party(task)``'s part (the owner, the monitor)."""
    return lambda task: backfill_entry.entry(task, on_label=str(on_label), on_behalf_of=party(task))


def _levels(_task: Task):
    return review_service.active_levels()


# -- the owner's self-assessment ---------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/self-assessment", methods=["GET", "POST"])
@page_action(load_task, _allowed(review_service.require_self_assessable),
             form=lambda task: self_assessment_form(task, review_service.active_levels()),
             entry=_entered_for(_l("Date of the self-assessment"), lambda task: task.owner), errors=service_errors,
             render=shown("review/self_assessment.html", reached_name=lambda _task: reached_name,
                          missing_quarters=review_service.quarters_without_note))
def self_assessment(task, form, backfill):
    review_service.submit_self_assessment(current_user, task, self_assessment_data(form, task),
                                          backfill=backfill_entry.context(backfill))
    return _reviewed(_("Self-assessment submitted; the monitor has been asked for the final assessment.")
                     if backfill is None else _("Self-assessment entered."), task)


# -- the monitor's final assessment ------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/final-assessment", methods=["GET", "POST"])
@page_action(load_task, _allowed(review_service.require_final_assessable), form=_chosen(FinalAssessmentForm),
             entry=_entered_for(_l("Date of the final assessment"), lambda task: task.monitor),
             render=shown("review/final_assessment.html"))
def final_assessment(task, form, backfill):
    monitoring_service.add_assessment(current_user, task, Period.FINAL, final_assessment_data(form), [],
                                      backfill=backfill_entry.context(backfill))
    return _reviewed(_("Final assessment recorded; the Standing Committee can now record its verdict."), task)


# -- the Standing Committee's verdict, reopening -------------------------------------------------------------------

def _verdict_entry(task: Task):
    return backfill_entry.entry(task, on_label=_("Date of the verdict"), default_by=task.approved_by,
                                by_label=_("Decided by (Standing Committee member)"))


@bp.route("/tasks/<id:task_id>/verdict", methods=["GET", "POST"])
@page_action(load_task, _allowed(review_service.require_decidable), form=_chosen(VerdictForm, _levels),
             entry=_verdict_entry,
             render=shown("review/verdict.html", levels=_levels, final=review_service.final_assessment))
def verdict(task, form, backfill):
    review_service.record_verdict(current_user, task, verdict_data(form), backfill=backfill_entry.context(backfill))
    return _reviewed(_("Verdict recorded. The task and everything under it are now locked."), task)


@bp.route("/tasks/<id:task_id>/reopen", methods=["GET", "POST"])
@page_action(load_task, _allowed(review_service.require_reopenable, entered=False), form=ReopenForm,
             render=shown("review/reopen.html"))
def reopen(task, form):
    review_service.reopen_task(current_user, task, form.reason.data or "")
    return _reviewed(_("Task reopened. The previous verdict stays in the record, marked as superseded."), task)


# -- carry-over ------------------------------------------------------------------------------------------------------

def _later_years(task: Task):
    return review_service.carry_over_years(task, clock.today())


def _later_year_open(task: Task) -> None:
    if not _later_years(task):
        raise Conflict(_("No later year is open for registration; the task can be carried over once the "
                         "secretariat opens the next year."))


@bp.route("/tasks/<id:task_id>/carry-over", methods=["GET", "POST"])
@page_action(load_task, _allowed(review_service.require_carriable, entered=False), _later_year_open,
             form=_chosen(CarryOverForm, _later_years), render=shown("review/carry_over.html"))
def carry_over(task, form):
    new = review_service.carry_over(current_user, task, get_or_404(Year, form.year_id.data), form.reason.data or "")
    return done(_("Carried over as a new draft registration for %(year)d. Review it, then submit it for "
                  "approval.", year=new.year.year), "tasks.edit", task_id=new.id)


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
        and passes(review_service.require_self_assessable, user, task),
        can_final_assess=policy.can(user, "final_assess", task)
        and passes(review_service.require_final_assessable, user, task),
        can_decide=policy.can(user, "verdict", task) and passes(review_service.require_decidable, user, task),
        can_reopen=policy.can(user, "reopen", task) and passes(review_service.require_reopenable, user, task),
        can_carry_over=policy.can(user, "carry_over", task) and passes(review_service.require_carriable, user, task)
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
