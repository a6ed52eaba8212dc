"""What the task page loads and how it shows a recorded value: the task's collections one statement each, the
people it names in one, and the values of its history and adjustments as HTML."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from numbers import Number
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from registry import labels
from registry.extensions import db
from registry.models import (
    Assessment,
    Indicator,
    Milestone,
    Person,
    Recommendation,
    Task,
    TaskAdjustment,
    Verdict,
)


def rows_of(model, *order_by):
    """A prebuilt statement: the rows of ``model`` that belong to the task ``:task_id``."""
    return select(model).where(model.task_id == bindparam("task_id")).order_by(*order_by)


#: the collections the task page shows, each by one prebuilt statement and ordered as its relationship orders it
#: (a ``selectinload`` per collection costs several times more)
_PAGE_COLLECTIONS = {
    "indicators": rows_of(Indicator, Indicator.position),
    "milestones": rows_of(Milestone, Milestone.position),
    "adjustments": rows_of(TaskAdjustment, TaskAdjustment.id),
    "assessments": rows_of(Assessment, Assessment.id),
    "verdicts": rows_of(Verdict, Verdict.id).options(joinedload(Verdict.level)),
}
#: the task with what it has one of, in one statement
PAGE_TASK = select(Task).where(Task.id == bindparam("task_id")).options(
    joinedload(Task.year), joinedload(Task.field), joinedload(Task.mid_year_review), joinedload(Task.self_assessment),
    joinedload(Task.carried_into))
_RECOMMENDATIONS = rows_of(Recommendation, Recommendation.assessment_id, Recommendation.id)
_PEOPLE = select(Person).where(Person.id.in_(bindparam("ids", expanding=True))).options(lazyload(Person.grants))


def load_page(task: Task) -> None:
    """The collections the task page reads of ``task`` (those not loaded yet), one statement each whatever the
    number of rows: its indicators, milestones, adjustments, assessments with their recommendations, verdicts."""
    unloaded = inspect(task).unloaded
    params = {"task_id": task.id}
    for key, statement in _PAGE_COLLECTIONS.items():
        if key in unloaded:
            set_committed_value(task, key, list(db.session.scalars(statement, params).unique()))
    if task.assessments and "recommendations" in inspect(task.assessments[0]).unloaded:
        by_assessment: dict[int, list[Recommendation]] = {a.id: [] for a in task.assessments}
        for r in db.session.scalars(_RECOMMENDATIONS, params):
            by_assessment.setdefault(r.assessment_id, []).append(r)
        for a in task.assessments:
            set_committed_value(a, "recommendations", by_assessment[a.id])


def named_people(task: Task, events) -> dict[int, Person]:
    """Everyone the task page names (the task's people, who wrote each assessment, reply, verdict and
    adjustment, the monitors in the history), in one statement; their grants only if someone asks."""
    ids = {task.owner_id, task.approved_by_id, task.monitor_id, task.entered_by_id, task.decision_entered_by_id}
    ids.update(adj.adjusted_by_id for adj in task.adjustments)
    for a in task.assessments:
        ids.update((a.monitor_id, a.entered_by_id))
        ids.update(i for r in a.recommendations for i in (r.replied_by_id, r.reply_entered_by_id))
    ids.update(i for v in task.verdicts for i in (v.decided_by_id, v.reopened_by_id, v.entered_by_id))
    if task.self_assessment is not None:
        ids.update((task.self_assessment.author_id, task.self_assessment.entered_by_id))
    if task.mid_year_review is not None:
        ids.add(task.mid_year_review.concluded_by_id)
    named = {side.get(key) for e in events for side in (e.before, e.after) if isinstance(side, dict)
             for key in ("monitor_id", "on_behalf_of_id")}
    ids.update(i for i in named if isinstance(i, int))
    ids.discard(None)
    return {p.id: p for p in db.session.scalars(_PEOPLE, {"ids": sorted(ids)})} if ids else {}


_DASH = Markup('<span class="muted">—</span>')
_DATE_KEYS = ("deadline", "decision_date", "due_on", "effective_on")


def _dmy_text(v: str) -> str:
    """An ISO date as recorded (yyyy-mm-dd...) shown dd/mm/yyyy."""
    return f"{v[8:10]}/{v[5:7]}/{v[0:4]}"


def label_of(table: dict, key: str) -> Markup | str:
    """The label of ``key`` in ``table`` (the key itself if it has none), a lazy one translated now and shown as
    the template would show it."""
    label = table.get(key, key)
    return Markup(label.__html__()) if hasattr(label, "__html__") else label


def value_shower(num: Callable[[Any], str], indicator_names: dict[str, str]) -> Callable[..., Markup]:
    """``value(key, v, fields, people)`` for the task page: a value recorded in the history or an adjustment
    (before or after), as HTML. In Python rather than a macro: the page shows a year of them."""
    def is_iterable(v):
        return not isinstance(v, str) and hasattr(v, "__iter__")

    def value(key: str, v: Any, fields: dict, people: dict) -> Markup:
        if v is None or v == "":
            return _DASH
        if key == "indicators":
            return Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s (%s): %s → %s</li>") % (
                    i.get("name", ""), i.get("unit", ""),
                    num(i["baseline"]) if i.get("baseline") is not None else "—", num(i.get("target")))
                for i in v)
        if key == "milestones":
            return Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s — %s</li>") % (ms.get("description", ""), _dmy_text(ms["due_on"])) for ms in v)
        if key == "values" and isinstance(v, dict):
            return Markup("; ").join(Markup("%s: %s") % (indicator_names.get(k2, k2), num(v2))
                                     for k2, v2 in v.items())
        if key == "indicator_results" and is_iterable(v):
            return Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s (%s): %s / %s</li>") % (r.get("name", ""), r.get("unit", ""), num(r.get("reached")),
                                                       num(r.get("target"))) for r in v)
        if key == "recommendations" and is_iterable(v):
            return Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s — %s</li>") % (r.get("content", ""), r.get("addressee", "")) for r in v)
        audit_values = labels.AUDIT_VALUE.get(key)
        if audit_values is not None and isinstance(v, Hashable) and v in audit_values:
            return escape(audit_values[v])
        if key == "task_state":
            return escape(labels.BY_VALUE["state"].get(v, v))
        if key in ("sha256", "seal"):
            return Markup("<code>%s…</code>") % v[:16]
        if key == "field_id":
            return escape(fields[v].display_name if v in fields else v)
        if key in ("monitor_id", "on_behalf_of_id"):
            return escape(people[v].full_name if v in people else v)
        if key in labels.BY_VALUE:
            return escape(labels.BY_VALUE[key].get(v, v))
        if key in _DATE_KEYS:
            return escape(_dmy_text(v))
        if v is True:
            return escape(_("Yes"))
        if v is False:
            return escape(_("No"))
        if isinstance(v, Number):
            return escape(num(v))
        return escape(v)
    return value
