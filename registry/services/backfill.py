"""Entering a past year afterwards (nhập bổ sung).

Offices start by typing in the registers of past years, kept on paper or in spreadsheets. Once a year is over
(``policy.is_closed_year``), the secretariat of a task's committee, or of a unit above it, may record what the
register holds — the registration, the Standing Committee's decision and monitor, the quarterly notes, the
monitor's assessments and recommendations, the owner's replies, the self-assessment, the final assessment and
the verdict — with the real dates of those events, through the same services as live use. Each service takes an
optional ``Backfill``:

- authority: ``policy.require_backfill`` (403 for anyone else, 409 for a year that is not over) instead of the
  action's own parties, and then the action's own states (``policy.require_state``: out of order is 409);
- dates: the checks of live use that compare with today (registration window, "not in the past", a quarter that
  has not begun) give way to checks within the task's year, each step not before the one it follows;
- the record names the people of the register — the owner, the monitor, the Standing Committee member who
  decided — and the row keeps who entered it and when (``entered_by``, ``entered_at``, real time);
- the audit event's actor is the secretariat; its payload says ``entered_later``, the effective date and on
  behalf of whom. Nobody is notified of a past event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.clock import LOCAL_TZ
from registry.models import OrgUnit, Person, Role, Task, Year
from registry.services.errors import FieldErrors

#: the error key of the effective date, and of the person acted for when the form names them
ON = "backfill_on"
BY = "backfill_by"
#: the year-end review (self-assessment, final assessment, verdict) and replies may fall in the first quarter of
#: the next year: year-end reviews are often held in January
YEAR_END_UNTIL = (3, 31)


@dataclass(frozen=True)
class Backfill:
    """A back-filled entry: the date the event happened (``on``) and, where the form names them, the person the
    secretariat acts for (``by``: the owner of a registration, the Standing Committee member who decided).
    ``on`` is None for the check of a form page, before anything is entered."""

    on: date | None = None
    by: Person | None = None

    @property
    def moment(self) -> datetime:
        """The effective date as a timestamp: midnight in Vietnam (pages show it as a date), in UTC as every
        stored timestamp is read back (the seal over a locked record compares them as text)."""
        return datetime.combine(self.on, time.min, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def require(actor: Person, action: str, task: Task, backfill: Backfill | None) -> None:
    """Live use: the policy row of ``action``. Back-filling: the secretariat over the task's committee for a year
    that is over (403, 409), then the row's states (409)."""
    if backfill is None:
        policy.require(actor, action, task)
        return
    policy.require_backfill(actor, task)
    policy.require_state(action, task)


def local_day(moment: datetime | None) -> date | None:
    """The day of a timestamp in Vietnam."""
    return moment.astimezone(LOCAL_TZ).date() if moment is not None else None


def year_end(year: Year) -> date:
    """The last day of a year's year-end review: 31 March of the next year."""
    return date(year.year + 1, *YEAR_END_UNTIL)


#: the step an effective date may not precede, as its message names it
STEPS = {
    "registration": _l("the registration"),
    "decision": _l("the decision"),
    "quarter": _l("the start of the quarter"),
    "note": _l("the latest progress note"),
    "assessment": _l("the assessment"),
    "self_assessment": _l("the self-assessment"),
    "final_assessment": _l("the final assessment"),
}


def check_on(errors: FieldErrors, day: date | None, *, year: Year, after: dict[str, date | None],
             until_year_end: bool = False, field: str = ON, first: date | None = None) -> None:
    """Add field errors unless ``day`` is given, falls in the task's year (or, ``until_year_end``, by 31 March
    of the next year), not before ``first`` (default 1 January) nor before any step in ``after`` (step →
    its date), and not after today."""
    if not isinstance(day, date):
        errors.add(field, _l("Enter the date it happened, as dd/mm/yyyy."))
        return
    start = first or date(year.year, 1, 1)
    end = min(year_end(year) if until_year_end else date(year.year, 12, 31), clock.today())
    if day < start or day > end:
        errors.add(field, _l("The date must fall between %(start)s and %(end)s.",
                             start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")))
        return
    for step, earliest in after.items():
        if earliest is not None and day < earliest:
            errors.add(field, _l("The date cannot be before %(date)s (%(step)s).",
                                 date=earliest.strftime("%d/%m/%Y"), step=STEPS[step]))
            return


def holds(person: Person, role: Role, committee: OrgUnit) -> bool:
    """The person holds ``role`` in the committee or in the one it was merged into. Unlike live use, a
    deactivated account counts: a past year's register names people who may have left since."""
    units = {committee.id, committee.merged_into_id} - {None}
    return any(grant.role == role and grant.unit_id in units for grant in person.grants)


def require_decider(errors: FieldErrors, task: Task, person: Person | None, field: str = BY) -> None:
    """The Standing Committee member named as the one who decided: of the task's committee, neither its owner
    nor its monitor (as in live use)."""
    if person is None:
        errors.add(field, _l("Choose the Standing Committee member who decided."))
    elif not holds(person, Role.STANDING, task.committee):
        errors.add(field, _l("Choose a Standing Committee member of the task's committee."))
    elif person.id in (task.owner_id, task.monitor_id):
        errors.add(field, _l("The owner and the monitor do not decide on the task."))


def marks(actor: Person) -> dict[str, Any]:
    """Who entered a row afterwards and when (real time), as the row's ``entered_by`` and ``entered_at``."""
    return {"entered_by": actor, "entered_at": clock.now()}


def trail(backfill: Backfill | None, on_behalf_of: Person | None) -> dict[str, Any]:
    """What an audit event adds about a back-filled entry (nothing in live use)."""
    if backfill is None:
        return {}
    return {"entered_later": True, "effective_on": backfill.on.isoformat(),
            "on_behalf_of_id": on_behalf_of.id if on_behalf_of is not None else None}
