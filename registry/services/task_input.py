"""Form A's input rules, written once: field names, limits, required-ness and the Vietnamese messages that the
registration's service, its adjustments and the API apply (``clean_task_input``), and the one rule for an
indicator's number that every form and API body shares (``indicator_value``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.models import Authority, Field, TaskKind, Year, db
from registry.services.errors import FieldErrors

MAX_TEXT = 20000  #: a text field of Form A without a limit of its own

#: the cards of the registration form a text field goes in (``tasks/_fields.html``)
TASK_CARD = "task"  #: "The task": after the kind, the field and the deadline
COORDINATION_CARD = "coordination"  #: "Coordination and resources": full-width fields, the authority, then pairs


@dataclass(frozen=True)
class TextField:
    """One text field of Form A, declared once: the page form (``blueprints/tasks/forms.py``), the API's input
    and output schemas, the registration form's template, the task page, the audit labels (``labels.TASK_FIELD``)
    and the year-end document (``exports/document.py``) are all made from ``FORM_A_TEXT``."""

    name: str  #: the ``Task`` column, the form field, the API key and the audit key
    label: Any  #: a lazy label: the form's, the task page's, the document's and (unless ``short``) the trail's
    limit: int = MAX_TEXT  #: at most this many characters (the column's length when it is a String)
    multiline: bool = True  #: a textarea; False: a one-line input
    hint: Any = None  #: a lazy hint shown under the input
    required: Any = None  #: the lazy message for a missing value when the registration needs it (None: optional)
    card: str = COORDINATION_CARD  #: the card of the form it goes in (``TASK_CARD`` or ``COORDINATION_CARD``)
    pair: bool = False  #: in the coordination card: half width, side by side with the next paired field
    short: Any = None  #: a shorter lazy label for the trail and the adjustments (default: ``label``)
    on_page: bool = True  #: shown in the task page's "Registration (Form A)" card (False: shown elsewhere)
    in_document: bool = True  #: shown in the registration part of the year-end document (False: shown elsewhere)
    #: the migration that added the column to existing data: while empty, the field is left out of the row seal
    #: and the verdict seal, so the records sealed before it keep their seals (``rowseal.NEUTRAL``,
    #: ``review.locked_record``). None for the fields of the first schema.
    since: str | None = None

    @property
    def trail_label(self) -> Any:
        return self.short or self.label


#: the text fields of Form A, in the form's order
FORM_A_TEXT: tuple[TextField, ...] = (
    TextField("title", _l("Title of the task"), limit=500, multiline=False, card=TASK_CARD, short=_l("Title"),
              required=_l("Give the task a title."), on_page=False, in_document=False),  # the task page's heading, the document's "Task"
    TextField("situation", _l("Situation and reason chosen"), card=TASK_CARD),
    TextField("goal", _l("Goal"), card=TASK_CARD),
    TextField("deliverable", _l("Concrete deliverable"), card=TASK_CARD),
    TextField("measures", _l("Measures"), card=TASK_CARD),
    TextField("coordinating_units", _l("Coordinating units")),
    TextField("resources", _l("Resources"), pair=True),
    TextField("support_requested", _l("Support requested"), pair=True),
    TextField("locality", _l("Locality"), limit=300, multiline=False, pair=True),
    TextField("reference_documents", _l("Reference documents"), pair=True,
              hint=_l("e.g. Kế hoạch số 18-KH/QU ngày 30/12/2020")),
)
TEXT_BY_NAME = {f.name: f for f in FORM_A_TEXT}

#: plain fields of Form A that the owner edits and the Standing Committee may adjust
TEXT_FIELDS = tuple(f.name for f in FORM_A_TEXT)
SCALAR_FIELDS = TEXT_FIELDS + ("kind", "field_id", "deadline", "authority", "is_committed")
MAX_LENGTHS = {f.name: f.limit for f in FORM_A_TEXT}
#: text fields added after the first schema: left out of the seals while empty (``TextField.since``)
ADDED_TEXT_FIELDS = tuple(f.name for f in FORM_A_TEXT if f.since)


def sealed_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` (``task_core.task_snapshot``) without the empty text fields added after the first schema, as
    the verdict's seal takes it: a record sealed before such a field existed keeps its seal."""
    return {k: v for k, v in snapshot.items() if not (k in ADDED_TEXT_FIELDS and v == "")}
MAX_ROWS = 20
MAX_INDICATOR_NAME = 300
MAX_INDICATOR_UNIT = 50
MAX_MILESTONE = 500
#: the largest indicator value or percentage accepted anywhere (beyond it a number is a typing slip)
MAX_VALUE = 1e12


# -- input cleaning ------------------------------------------------------------------------------------

def _number(value: Any, field: str, errors: FieldErrors, *, required: bool) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _l("Enter a number."))
        return None
    try:
        number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        errors.add(field, _l("Enter a number, for example 44 or 12.5."))
        return None
    if number != number or abs(number) > MAX_VALUE:
        errors.add(field, _l("Enter a number, for example 44 or 12.5."))
        return None
    return number


def indicator_value(value: Any, field: str, errors: FieldErrors, *, required: bool = False) -> float | None:
    """An indicator's number (a baseline, target, quarterly value or value reached): the same rule on every
    form and in the API — a finite number of sensible size, never negative (households, ha, m² and % are
    counted from zero). ``None`` when blank or refused (the error is on ``field``)."""
    number = _number(value, field, errors, required=required)
    if number is not None and number < 0:
        errors.add(field, _l("The value cannot be negative."))
        return None
    return number


def _clean_indicators(rows: list[dict[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    """Blank rows are skipped; error keys use the row's index as given."""
    cleaned = []
    filled = [(i, r) for i, r in enumerate(rows)
              if any(str(r.get(k) or "").strip() for k in ("name", "unit", "baseline", "target"))]
    if len(filled) > MAX_ROWS:
        errors.add("indicators", _l("At most %(n)d indicators.", n=MAX_ROWS))
    for index, row in filled[:MAX_ROWS]:
        prefix = f"indicators.{index}."
        name = str(row.get("name") or "").strip()
        unit = str(row.get("unit") or "").strip()
        if not name:
            errors.add(prefix + "name", _l("Name the indicator."))
        elif len(name) > MAX_INDICATOR_NAME:
            errors.add(prefix + "name", _l("At most %(n)d characters.", n=MAX_INDICATOR_NAME))
        if not unit:
            errors.add(prefix + "unit", _l("Give the unit (households, ha, m², %…)."))
        elif len(unit) > MAX_INDICATOR_UNIT:
            errors.add(prefix + "unit", _l("At most %(n)d characters.", n=MAX_INDICATOR_UNIT))
        baseline = indicator_value(row.get("baseline"), prefix + "baseline", errors)
        target = indicator_value(row.get("target"), prefix + "target", errors, required=True)
        if target is not None and baseline is not None and target == baseline:
            errors.add(prefix + "target", _l("The target must differ from the baseline."))
        cleaned.append({"name": name, "unit": unit, "baseline": baseline, "target": target})
    return cleaned


def _clean_milestones(rows: list[dict[str, Any]], year: Year, errors: FieldErrors) -> list[dict[str, Any]]:
    """Blank rows are skipped; error keys use the row's index as given."""
    cleaned = []
    filled = [(i, r) for i, r in enumerate(rows) if str(r.get("description") or "").strip() or r.get("due_on")]
    if len(filled) > MAX_ROWS:
        errors.add("milestones", _l("At most %(n)d milestones.", n=MAX_ROWS))
    for index, row in filled[:MAX_ROWS]:
        prefix = f"milestones.{index}."
        description = str(row.get("description") or "").strip()
        due_on = row.get("due_on")
        if not description:
            errors.add(prefix + "description", _l("Describe the milestone."))
        elif len(description) > MAX_MILESTONE:
            errors.add(prefix + "description", _l("At most %(n)d characters.", n=MAX_MILESTONE))
        if not isinstance(due_on, date):
            errors.add(prefix + "due_on", _l("Enter a date as dd/mm/yyyy."))
        elif due_on.year != year.year:
            errors.add(prefix + "due_on", _l("The date must fall in %(year)d.", year=year.year))
        cleaned.append({"description": description, "due_on": due_on})
    return cleaned


def clean_task_input(data: dict[str, Any], year: Year, *, partial: bool = False) -> dict[str, Any]:
    """Validate registration input; returns cleaned values or raises ``ValidationFailed`` with field errors.

    ``partial`` accepts a subset of fields (adjustments); otherwise a title, kind and field are required.
    """
    errors = FieldErrors()
    allowed = set(SCALAR_FIELDS) | {"indicators", "milestones"}
    unknown = set(data) - allowed
    for name in sorted(unknown):
        errors.add(name, _l("Unknown field."))
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in data:
            value = str(data[name] or "").strip()
            limit = MAX_LENGTHS[name]
            if len(value) > limit:
                errors.add(name, _l("At most %(n)d characters.", n=limit))
            out[name] = value
    for text in FORM_A_TEXT:
        if text.required and (not partial or text.name in data) and not out.get(text.name):
            errors.add(text.name, text.required)
    if "kind" in data or not partial:
        kind = data.get("kind")
        try:
            out["kind"] = kind if isinstance(kind, TaskKind) else TaskKind(kind)
        except ValueError:
            errors.add("kind", _l("Choose a kind of task."))
    if "authority" in data:
        value = data.get("authority") or Authority.OWN
        try:
            out["authority"] = value if isinstance(value, Authority) else Authority(value)
        except ValueError:
            errors.add("authority", _l("Choose who has the authority to resolve it."))
    if "field_id" in data or not partial:
        field = db.session.get(Field, data.get("field_id")) if data.get("field_id") else None
        if field is None or not field.is_active:
            errors.add("field_id", _l("Choose a field."))
        else:
            out["field_id"] = field.id
    if "deadline" in data:
        deadline = data.get("deadline")
        if deadline is not None and not isinstance(deadline, date):
            errors.add("deadline", _l("Enter a date as dd/mm/yyyy."))
        elif deadline is not None and deadline.year != year.year:
            errors.add("deadline", _l("The deadline must fall in %(year)d.", year=year.year))
        else:
            out["deadline"] = deadline
    if "is_committed" in data:
        out["is_committed"] = bool(data.get("is_committed"))
    if "indicators" in data:
        out["indicators"] = _clean_indicators(list(data.get("indicators") or []), errors)
    if "milestones" in data:
        out["milestones"] = _clean_milestones(list(data.get("milestones") or []), year, errors)
        deadline = out.get("deadline")
        if deadline and any(isinstance(r["due_on"], date) and r["due_on"] > deadline for r in out["milestones"]):
            errors.add("deadline", _l("A milestone cannot fall after the deadline."))
    errors.raise_if_any()
    return out
