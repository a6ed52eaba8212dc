"""How an audit event reads on the audit pages: each recorded field under its label, each value in words — names
instead of ids, labels instead of stored codes, dates as dd/mm/yyyy, years without a thousands separator — and,
for a change, only the fields that changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_babel import gettext as _
from markupsafe import Markup, escape

from registry import labels
from registry.models import AuditEvent, OrgLevel, Period, Role
from registry.services.dossier import AuditContext

#: recorded keys that hold dates (ISO strings)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: keys whose whole numbers are counts or codes, printed as they are (no thousands separator)
_PLAIN_INTEGERS = {"year", "grace_days", "sort_order", "quarter", "grants", "size"}
#: content types of evidence files, as people name them
_FILE_TYPES = {
    "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel (XLSX)",
    "application/vnd.oasis.opendocument.text": "ODT",
}
_DASH = Markup('<span class="muted">—</span>')
T = TypeVar("T")


@dataclass
class Row:
    """One recorded field of an event: its label and the value before and after (None: not recorded)."""

    key: str
    label: str
    before: Markup | None
    after: Markup | None


def label(key: str, action: str = "") -> str:
    """The field's label in the current language (the key itself only for a key nobody labelled)."""
    special = labels.ACTION_FIELD.get(action, {})
    return str(special.get(key) or labels.FIELD.get(key, key))


def _word(refs: AuditContext, key: tuple, compute: Callable[[], T]) -> T:
    """A word of the page computed once per page (``refs.words``): a label, a translated value."""
    words = refs.words
    if key not in words:
        words[key] = compute()
    return words[key]


def _label(refs: AuditContext, key: str, action: str = "") -> str:
    """``label``, translated once per page."""
    return _word(refs, ("label", key, action), lambda: label(key, action))


def action_label(refs: AuditContext, action: str) -> Markup | str:
    """The action's name in the current language, as the page shows a lazy label (unescaped, ``__html__``), or
    the stored code for an action nobody labelled."""
    name = labels.ACTION.get(action)
    return _word(refs, ("action", action), lambda: Markup(name.__html__()) if name is not None else action)


def _number(value: float, key: str) -> str:
    from registry.web import (
        format_number,  # the pages' number format (decimal comma in Vietnamese)
    )
    if isinstance(value, int) and (key in _PLAIN_INTEGERS or 1900 <= value <= 2100 and "year" in key):
        return str(value)
    return format_number(value)


def _date(text: str) -> str:
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"


def _quarter(value: Any) -> str:
    try:
        return str(labels.PERIOD[Period(f"q{int(value)}")])
    except (ValueError, KeyError, TypeError):
        return str(value)


def _unit(refs: AuditContext, unit_id: Any) -> str:
    unit = refs.units.get(unit_id)
    return unit.name if unit is not None else _("a unit no longer recorded")


def _person(refs: AuditContext, person_id: Any) -> str:
    person = refs.people.get(person_id)
    return person.full_name if person is not None else _("a person no longer recorded")


def _task(refs: AuditContext, task_id: Any) -> str:
    task = refs.tasks.get(task_id)
    return f"{task.code} — {task.title}" if task is not None else _("a task no longer recorded")


def _note(refs: AuditContext, note_id: Any) -> str:
    note = refs.notes.get(note_id)
    if note is None:
        return _("a progress note no longer recorded")
    return _("%(quarter)s, task %(task)s", quarter=_quarter(note.quarter), task=note.task.code)


def _verdict(refs: AuditContext, verdict_id: Any) -> str:
    verdict = refs.verdicts.get(verdict_id)
    if verdict is None:
        return _("a verdict no longer recorded")
    from registry.web import format_date
    return _("%(level)s, decided %(date)s", level=verdict.level.display_name,
             date=format_date(verdict.decided_at))


def _indicator(refs: AuditContext, indicator_id: Any) -> str:
    try:
        indicator = refs.indicators.get(int(indicator_id))
    except (TypeError, ValueError):
        indicator = None
    return indicator.name if indicator is not None else _("an indicator no longer recorded")


def _indicator_line(item: dict, key: str, refs: AuditContext) -> str:
    """An indicator as recorded in a registration, a mid-year snapshot or a self-assessment."""
    text = str(item.get("name") or "")
    if item.get("unit"):
        text += f" ({item['unit']})"
    baseline = item.get("baseline")
    target = item.get("target")
    parts = []
    if baseline is not None or target is not None:
        parts.append(f"{_number(baseline, key) if baseline is not None else '—'} → "
                     f"{_number(target, key) if target is not None else '—'}")
    for name in ("value", "reached"):
        if item.get(name) is not None:
            parts.append(f"{_label(refs, name)}: {_number(item[name], key)}")
    return f"{text}: {'; '.join(parts)}" if parts else text


def value(key: str, v: Any, refs: AuditContext, action: str = "") -> Markup:
    """One recorded value in words, HTML-escaped."""
    if v is None or v == "" or v == [] or v == {}:
        return _DASH
    if v is True:
        return _word(refs, ("yes",), lambda: Markup(escape(_("Yes"))))
    if v is False:
        return _word(refs, ("no",), lambda: Markup(escape(_("No"))))
    if key in ("seal", "sha256") and isinstance(v, str):
        return Markup('<code title="{0}">{1}…</code>').format(v, v[:12])
    if isinstance(v, list):
        items = [_item(key, x, refs, action) for x in v]
        return Markup("<ul>{0}</ul>").format(Markup("").join(Markup("<li>{0}</li>").format(i) for i in items))
    if isinstance(v, dict):
        if key == "values":  # a note's indicator values, by indicator id
            return Markup("; ").join(Markup("{0}: {1}").format(_indicator(refs, k), _number(x, key)
                                                               if isinstance(x, (int, float)) else x)
                                     for k, x in v.items())
        return Markup("<ul>{0}</ul>").format(Markup("").join(
            Markup("<li>{0}: {1}</li>").format(_label(refs, k), value(k, x, refs, action)) for k, x in v.items()
            if k != "id"))
    # a recorded string or number reads the same wherever it comes on the page (the type too: 1 is not 1.0)
    return _word(refs, ("value", key, type(v), v, action), lambda: Markup(escape(_scalar(key, v, refs, action))))


def _item(key: str, x: Any, refs: AuditContext, action: str) -> Markup:
    """One element of a recorded list."""
    if isinstance(x, dict):
        if "name" in x and ("target" in x or "baseline" in x or "reached" in x):
            return Markup(escape(_indicator_line(x, key, refs)))
        if "description" in x and "due_on" in x:
            return Markup(escape(f"{x['description']} — {_date(x['due_on'])}"
                                 if isinstance(x["due_on"], str) and _ISO_DATE.match(x["due_on"])
                                 else x["description"]))
        if "role" in x and "unit_id" in x:  # a role grant
            return Markup(escape(f"{_scalar('role', x['role'], refs, action)} — {_unit(refs, x['unit_id'])}"))
        if "content" in x:  # a recommendation
            text = f"{x['content']} → {x.get('addressee') or '—'}"
            if x.get("reply_deadline"):
                text += f" ({_label(refs, 'reply_deadline')}: {_date(x['reply_deadline'])})"
            return Markup(escape(text))
        return Markup("; ").join(Markup("{0}: {1}").format(_label(refs, k), value(k, y, refs, action))
                                 for k, y in x.items() if k != "id")
    return value(key, x, refs, action)


def _scalar(key: str, v: Any, refs: AuditContext, action: str) -> str:
    """A recorded string or number in words."""
    if key in labels.REF_KEYS_UNITS:
        return _unit(refs, v)
    if key in ("monitor_id", "head_id", "people", "on_behalf_of_id"):
        return _person(refs, v)
    if key in ("carried_from_id", "tasks"):
        return _task(refs, v)
    if key == "field_id":
        field = refs.fields.get(v)
        return field.display_name if field is not None else _("a field no longer recorded")
    if key == "note_id":
        return _note(refs, v)
    if key == "verdict_id":
        return _verdict(refs, v)
    if key == "indicator_id":
        return _indicator(refs, v)
    if key in ("quarter", "missing_quarters"):
        return _quarter(v)
    if key in ("state", "task_state"):
        return str(labels.BY_VALUE["state"].get(v, v))
    if key == "level" and action.startswith("org_unit."):
        try:
            return str(labels.LEVEL[OrgLevel(v)])
        except ValueError:
            return str(v)
    if key in ("level", "self_level"):
        return refs.levels.get(v, str(v))
    if key == "role":
        try:
            return str(labels.ROLE[Role(v)])
        except ValueError:
            return str(v)
    if key == "type":
        return _FILE_TYPES.get(v, str(v))
    if key in labels.AUDIT_VALUE and v in labels.AUDIT_VALUE[key]:
        return str(labels.AUDIT_VALUE[key][v])
    if key in labels.BY_VALUE and v in labels.BY_VALUE[key]:
        return str(labels.BY_VALUE[key][v])
    if isinstance(v, str) and _ISO_DATE.match(v):
        return _date(v)
    if isinstance(v, (int, float)):
        return _number(v, key)
    return str(v)


def rows(event: AuditEvent, refs: AuditContext) -> list[Row]:
    """The event's recorded fields: for a change (something before and after), only the fields that changed —
    plus the quarter a note change is about and the reason given; otherwise everything recorded."""
    before, after = refs.before(event), refs.after(event)
    action = event.action
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before is None and after is None:
            return []
        return [Row("", "", value("", before, refs, action) if before is not None else None,
                    value("", after, refs, action))]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    is_change = bool(before) and bool(after)
    out = []
    for key in list(after) + [k for k in before if k not in after]:
        in_before, in_after = key in before, key in after
        if is_change and in_before and in_after and before[key] == after[key]:
            continue  # unchanged: a snapshot recorded whole
        out.append(Row(key, _label(refs, key, action), value(key, before[key], refs, action) if in_before else None,
                       value(key, after[key], refs, action) if in_after else None))
    return out


def subject(event: AuditEvent, refs: AuditContext) -> Markup:
    """What the event is about, by name: the task (linked by the template), the person, the unit, the year…"""
    kind, oid = event.object_type, event.object_id
    if event.subject_person_id and event.subject_person_id in refs.people and kind in ("person", "api_token"):
        return Markup(escape(refs.people[event.subject_person_id].full_name))
    if kind == "org_unit" and oid in refs.units:
        return Markup(escape(refs.units[oid].name))
    if kind == "field" and oid in refs.fields:
        return Markup(escape(refs.fields[oid].display_name))
    if kind == "year" and oid in refs.years:
        return Markup(escape(_("Year %(year)s", year=str(refs.years[oid].year))))
    if event.subject_person_id and event.subject_person_id in refs.people:
        return Markup(escape(refs.people[event.subject_person_id].full_name))
    return _word(refs, ("object_type", kind),
                 lambda: Markup('<span class="muted">{0}</span>').format(labels.OBJECT_TYPE.get(kind, kind)))
