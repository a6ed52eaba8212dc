"""The part of the action pages (decide, monitor, notes, assessments, replies, year-end forms) that lets the
secretariat enter a past year afterwards (nhập bổ sung). When the signed-in person may back-fill the task
(``policy.can(…, "backfill", task)``: the secretariat over its committee, the year over), the page takes the
task's states from the policy row but not its parties, and adds the date the event happened and, where the page
asks, who decided. Everyone else gets the page as before."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_login import current_user
from sqlalchemy import select

from registry import policy
from registry.blueprints.backfill.forms import BackfillForm
from registry.blueprints.common import get_or_404
from registry.extensions import db
from registry.models import Person, Role, RoleGrant, Task
from registry.services.backfill import BY, ON, Backfill
from registry.services.errors import ValidationFailed


@dataclass
class Entry:
    """A back-filled entry on an action page: the task, the extra fields and the person it is entered for."""

    task: Task
    form: BackfillForm
    #: the party the page enters for when it does not ask (the owner, the monitor); None when it asks
    on_behalf_of: Person | None

    @property
    def asks_on(self) -> bool:
        return "backfill_on" in self.form

    @property
    def asks_by(self) -> bool:
        return "backfill_by" in self.form

    def context(self) -> Backfill:
        """The entry as the services take it: the date typed and the person chosen."""
        by = None
        if self.asks_by and self.form.backfill_by.data:
            by = db.session.get(Person, self.form.backfill_by.data)
        return Backfill(on=self.form.backfill_on.data if self.asks_on else None, by=by)

    def validate(self) -> bool:
        """The date as typed (dd/mm/yyyy); the services judge it."""
        return self.form.validate()

    def take(self, exc: ValidationFailed) -> ValidationFailed:
        """The service's errors of the date and the decider onto the entry's fields; the others, left for the
        page's form."""
        for key in (ON, BY):
            if key in exc.errors and key in self.form:
                self.form[key].errors = list(self.form[key].errors) + [str(m) for m in exc.errors[key]]
        return ValidationFailed({k: v for k, v in exc.errors.items() if not (k in (ON, BY) and k in self.form)})


def entering(task: Task) -> bool:
    """The signed-in person enters this task's year afterwards."""
    return policy.can(current_user, "backfill", task)


def load_task(task_id: int, action: str) -> Task:
    """The task, or 404; then 403 (logged) unless the signed-in person is one of ``action``'s parties or enters
    the task's past year afterwards. The services check the state (409)."""
    task = get_or_404(Task, task_id)
    if not entering(task):
        policy.require_party(current_user, action, task)
    return task


def require(task: Task, action: str) -> None:
    """The policy row of ``action`` for the signed-in person; for a back-filled entry its states only."""
    if entering(task):
        policy.require_state(action, task)
    else:
        policy.require(current_user, action, task)


def deciders(task: Task) -> list[tuple[int, str]]:
    """The Standing Committee members of the task's committee (or of its successor), neither its owner nor its
    monitor, deactivated accounts included (a past register names people who may have left since)."""
    units = [task.committee_id] + ([task.committee.merged_into_id] if task.committee.merged_into_id else [])
    people = db.session.scalars(
        select(Person).where(Person.grants.any(
            (RoleGrant.role == Role.STANDING) & RoleGrant.unit_id.in_(units)),
            Person.id.not_in([task.owner_id, task.monitor_id or 0])).order_by(Person.full_name))
    return [(p.id, f"{p.full_name} — {p.position}" if p.position else p.full_name) for p in people]


def entry(task: Task, *, on_label=None, by_label=None, on_behalf_of: Person | None = None,
          default_by: Person | None = None) -> Entry | None:
    """The back-fill part of an action page when the signed-in person enters the task's past year afterwards,
    else None. ``on_label``: ask the date it happened; ``by_label``: ask who decided (default ``default_by``)."""
    if not entering(task):
        return None
    form = BackfillForm(formdata=request.form if request.method == "POST" else None)
    if on_label is not None:
        form.backfill_on.label.text = on_label
    else:
        del form.backfill_on
    if by_label is not None:
        form.backfill_by.label.text = by_label
        form.backfill_by.choices = [(0, "—")] + deciders(task)
        if request.method != "POST" and default_by is not None:
            form.backfill_by.data = default_by.id
    else:
        del form.backfill_by
    return Entry(task=task, form=form, on_behalf_of=on_behalf_of)


def mode_for(task: Task) -> Backfill | None:
    """The services' mode for a page's checks before its entry is built: back-filling or live."""
    return Backfill() if entering(task) else None


def context(found: Entry | None) -> Backfill | None:
    """The services' input of a page's entry, or None in live use."""
    return found.context() if found is not None else None
