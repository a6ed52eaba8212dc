"""Entering a past year afterwards (nhập bổ sung): the registration form of a closed year, and the task page's
list of what is left to enter. The later steps use the action pages themselves (``entry.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from registry import policy
from registry.blueprints.backfill import bp
from registry.blueprints.backfill.entry import entering
from registry.blueprints.backfill.forms import BackfillRegistrationForm
from registry.blueprints.common import done, get_or_404, may, page_action
from registry.blueprints.tasks.forms import task_data
from registry.extensions import db
from registry.models import Field, OrgUnit, Person, Role, RoleGrant, Task, TaskState, Year
from registry.models.task import UNDER_WAY
from registry.services import monitoring as monitoring_service
from registry.services import progress as progress_service
from registry.services import review as review_service
from registry.services import tasks as task_service
from registry.services.backfill import BY, Backfill
from registry.services.errors import Conflict


def _closed_years() -> list[Year]:
    return [y for y in db.session.scalars(select(Year).order_by(Year.year.desc())) if policy.is_closed_year(y)]


def _registrants() -> list[tuple[str, str]]:
    """Each owner role held in a unit the signed-in secretariat administers: "<person id>:<unit id>"."""
    rows = db.session.execute(
        select(Person, OrgUnit).join(RoleGrant, RoleGrant.person_id == Person.id)
        .join(OrgUnit, RoleGrant.unit_id == OrgUnit.id)
        .where(RoleGrant.role == Role.OWNER, policy.units_in_scope(current_user, [Role.SECRETARIAT]))
        .order_by(OrgUnit.path, Person.full_name))
    out = []
    for person, unit in rows:
        label = f"{person.full_name} — {unit.name}"
        if not person.is_active:
            label += f" ({_('account deactivated')})"
        out.append((f"{person.id}:{unit.id}", label))
    return out


def _collectives() -> list[tuple[int, str]]:
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.head_id.is_not(None), policy.units_in_scope(current_user, [Role.SECRETARIAT]))
        .options(joinedload(OrgUnit.head)).order_by(OrgUnit.path))
    return [(u.id, _("Collective: %(unit)s (head: %(head)s)", unit=u.name, head=u.head.full_name)) for u in units]


def _split(registrant: str | None) -> tuple[int | None, int | None]:
    person, _sep, unit = (registrant or "").partition(":")
    return (int(person) if person.isdigit() else None, int(unit) if unit.isdigit() else None)


def _past_year_recorded(_nothing) -> None:
    if not _closed_years():
        raise Conflict(_("No past year is recorded yet. The office of the top committee adds it under "
                         "Administration → Years; its register can then be entered here."))


def _registration_form(_nothing) -> BackfillRegistrationForm:
    form = BackfillRegistrationForm()
    form.set_choices(list(db.session.scalars(select(Field).where(Field.is_active.is_(True))
                                             .order_by(Field.sort_order, Field.name))))
    form.year_id.choices = [(y.id, str(y.year)) for y in _closed_years()]
    form.registrant.choices = [("", "—")] + _registrants()
    form.owner_unit_id.choices = [(0, _("Individual registration"))] + _collectives()
    return form


def _registrant_errors(errors: dict) -> dict:
    """The service's errors of the committee and of the registering person, on the form's one registrant field."""
    return {("registrant" if key in ("committee_id", BY) else key): messages for key, messages in errors.items()}


def _registration_page(_nothing, form) -> str:
    form.pad_rows()
    return render_template("backfill/new_task.html", form=form)


@bp.route("/backfill/new", methods=["GET", "POST"])
@page_action(None, may("backfill", on_object=False), _past_year_recorded, form=_registration_form,
             errors=_registrant_errors, render=_registration_page)
def new_task(_nothing, form):
    """Form A of a past year: the secretariat enters a registration of the paper register, recorded as submitted
    on its date; the task page then lists the later steps to enter."""
    year = get_or_404(Year, form.year_id.data)
    owner_id, committee_id = _split(form.registrant.data)
    backfill = Backfill(on=form.backfill_on.data, by=db.session.get(Person, owner_id) if owner_id else None)
    task = task_service.create_task(current_user, year, task_data(form), owner_unit_id=form.owner_unit_id.data or None,
                                    committee_id=committee_id, backfill=backfill)
    task_service.submit_task(current_user, task, backfill)
    return done(_("Registration of %(year)d entered, as submitted on %(date)s. Enter the later steps below.",
                  year=year.year, date=form.backfill_on.data.strftime("%d/%m/%Y")), "tasks.show", task_id=task.id,
                _anchor="backfill")


# -- the task page: what is left to enter ------------------------------------------------------------------------

@dataclass
class Step:
    """A step of a past year that the secretariat may enter now, with its page."""

    label: str
    url: str
    id: str


def steps(task: Task) -> list[Step]:
    """What the signed-in secretariat may enter next on this task of a past year, in the order of the year."""
    if not entering(task) or policy.is_locked(task):
        return []
    out: list[Step] = []
    if task.state == TaskState.SUBMITTED:
        out.append(Step(_("Enter the Standing Committee's decision"), url_for("tasks.decide", task_id=task.id),
                        "backfill-decide"))
    if task.state in UNDER_WAY:
        for quarter in progress_service.open_quarters(task, task.year.quarter_deadlines[-1]):
            out.append(Step(_("Enter the note for quarter %(q)d", q=quarter),
                            url_for("progress.new_note", task_id=task.id, quarter=quarter),
                            f"backfill-note-{quarter}"))
        if monitoring_service.periods_left(task):
            out.append(Step(_("Enter an assessment by the monitor"),
                            url_for("monitoring.new_assessment", task_id=task.id), "backfill-assess"))
        out.append(Step(_("Enter a change of monitor"), url_for("tasks.monitor", task_id=task.id),
                        "backfill-monitor"))
    for assessment in task.assessments:
        for rec in assessment.recommendations:
            if rec.reply is None:
                out.append(Step(_("Enter the owner's reply to: %(text)s", text=rec.content[:60]),
                                url_for("monitoring.reply", rec_id=rec.id), f"backfill-reply-{rec.id}"))
    if task.state in UNDER_WAY:
        out.append(Step(_("Enter the owner's self-assessment"), url_for("review.self_assessment", task_id=task.id),
                        "backfill-self-assess"))
    if task.state == TaskState.SELF_ASSESSED:
        if review_service.final_assessment(task) is None:
            out.append(Step(_("Enter the monitor's final assessment"),
                            url_for("review.final_assessment", task_id=task.id), "backfill-final"))
        else:
            out.append(Step(_("Enter the Standing Committee's verdict"), url_for("review.verdict", task_id=task.id),
                            "backfill-verdict"))
    return out


@bp.app_context_processor
def backfill_context():
    """``backfill_steps(task)`` for the task page; ``entered_later`` for any page."""
    return {"backfill_steps": steps, "can_backfill": entering if current_user.is_authenticated else (lambda t: False)}
