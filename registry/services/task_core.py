"""The task core: what every step of a task's workflow shares — registration (``tasks``), the quarterly notes
(``progress``), the year-end review and the carry-over (``review``).

It holds the limits of a decision's text (``MAX_REASON``, ``MAX_DECISION_REF``), the registration's content as
plain data for the audit trail (``task_snapshot``), the registration window's check (``check_window``) and, from
Form A's input rules (``task_input``), the registration's plain fields (``SCALAR_FIELDS``) and the one rule of an
indicator's number (``indicator_value``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry import clock
from registry.models import Task, Year
from registry.services.errors import Conflict
from registry.services.task_input import SCALAR_FIELDS, indicator_value

__all__ = ["MAX_DECISION_REF", "MAX_REASON", "SCALAR_FIELDS", "check_window", "indicator_value", "plain",
           "task_snapshot"]

#: a reason or comment of a decision (withdrawal, return, adjustment, amendment): the pages' limit, in the API too
MAX_REASON = 5000
MAX_DECISION_REF = 100


def plain(value: Any) -> Any:
    """A column's value as JSON-able data: a date in ISO form, an enum by its value."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def task_snapshot(task: Task) -> dict[str, Any]:
    """The registration's content as plain JSON-able data."""
    data = {name: plain(getattr(task, name)) for name in SCALAR_FIELDS}
    data["ownership"] = task.ownership.value
    data["owner_unit_id"] = task.owner_unit_id
    data["indicators"] = [i.as_dict() for i in task.indicators]
    data["milestones"] = [m.as_dict() for m in task.milestones]
    return data


def check_window(year: Year) -> None:
    """Raise ``Conflict`` unless today is inside the year's registration window."""
    if not year.registration_open_on(clock.today()):
        raise Conflict(
            _l("Registration for %(year)d is closed (window %(opens)s – %(closes)s).", year=year.year,
               opens=year.registration_opens_on.strftime("%d/%m/%Y"),
               closes=year.registration_closes_on.strftime("%d/%m/%Y"))
        )
