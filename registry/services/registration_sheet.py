"""The sheet of bulk registration: its layout, how a cell is read, and the sheets written from it.

One row is one registration (the columns: ``columns``, headers in Vietnamese or English); its indicators and
milestones are groups of columns ("Indicator 1", "Indicator 1: unit" …). ``template_file`` writes the blank
template (with a sheet of the values the coded columns take), ``export_file`` a year's registrations in the same
layout, so a year exported from one installation imports into another one with the same people, units and fields.
Checking and importing a sheet: ``registry.services.bulk_registration``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from registry import labels, policy
from registry.exports.sheet import Sheet, csv_bytes, xlsx_bytes
from registry.exports.table import CSV_MIMETYPE, XLSX_MIMETYPE
from registry.localized import localized_name
from registry.models import Field, OrgUnit, Person, Role, Task, TaskState, Year, db
from registry.services.task_input import MAX_ROWS, TEXT_FIELDS
from registry.text import fold

#: the columns of one registration, before its indicator and milestone groups
BASE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("year", _l("Year")),
    ("owner", _l("Owner (username)")),
    ("committee", _l("Committee (unit code)")),
    ("owner_unit", _l("Collective unit (code)")),
    ("kind", labels.TASK_FIELD["kind"]),
    ("field", labels.TASK_FIELD["field_id"]),
    *((name, labels.TASK_FIELD[name]) for name in TEXT_FIELDS),
    ("authority", labels.TASK_FIELD["authority"]),
    ("deadline", labels.TASK_FIELD["deadline"]),
)
INDICATOR_PARTS = (
    ("name", _l("Indicator %(n)d")),
    ("unit", _l("Indicator %(n)d: unit")),
    ("baseline", _l("Indicator %(n)d: baseline")),
    ("target", _l("Indicator %(n)d: target")),
)
MILESTONE_PARTS = (
    ("description", _l("Milestone %(n)d")),
    ("due_on", _l("Milestone %(n)d: due date")),
)
REQUIRED = ("year", "owner", "kind", "field", "title")
#: indicator and milestone groups in the blank template
TEMPLATE_GROUPS = 3
LANGUAGES = ("vi", "en")


# -- the layout ------------------------------------------------------------------------------------------------

def columns(indicators: int = TEMPLATE_GROUPS, milestones: int = TEMPLATE_GROUPS) -> list[tuple[str, str]]:
    """(key, header in the current language) of every column: ``indicators.0.target`` for a group's part."""
    out = [(key, str(label)) for key, label in BASE_COLUMNS]
    for i in range(indicators):
        out += [(f"indicators.{i}.{part}", str(label % {"n": i + 1})) for part, label in INDICATOR_PARTS]
    for i in range(milestones):
        out += [(f"milestones.{i}.{part}", str(label % {"n": i + 1})) for part, label in MILESTONE_PARTS]
    return out


def column_keys(indicators: int, milestones: int) -> list[str]:
    """The keys of ``columns`` alone (no translation: one call per sheet, not per row)."""
    keys = [key for key, _label in BASE_COLUMNS]
    for i in range(indicators):
        keys += [f"indicators.{i}.{part}" for part, _label in INDICATOR_PARTS]
    for i in range(milestones):
        keys += [f"milestones.{i}.{part}" for part, _label in MILESTONE_PARTS]
    return keys


def header_keys() -> dict[str, str]:
    """Every header this importer recognises, folded (no diacritics, lower case), in Vietnamese and English,
    and the keys themselves: folded header → key."""
    known: dict[str, str] = {}
    for language in LANGUAGES:
        with force_locale(language):
            for key, header in columns(MAX_ROWS, MAX_ROWS):
                known[fold(header)] = key
    for key in column_keys(MAX_ROWS, MAX_ROWS):
        known[fold(key)] = key
    return known


def choices(labels_by_value: dict[Any, Any]) -> dict[str, Any]:
    """Folded label (both languages) and value → the enum member."""
    out: dict[str, Any] = {}
    for member, label in labels_by_value.items():
        out[fold(member.value)] = member
        for language in LANGUAGES:
            with force_locale(language):
                out[fold(str(label))] = member
    return out


# -- reading one cell ------------------------------------------------------------------------------------------------

def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def cell_date(value: Any) -> date | None | str:
    """A date cell or text as dd/mm/yyyy (or ISO); "" for a blank cell; None for something else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def cell_number(value: Any) -> Any:
    """A number cell as it is; text as typed (the Form A rule reads "12,5")."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return cell_text(value)


# -- writing the sheet ---------------------------------------------------------------------------------------------

def _number_cell(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _task_row(task: Task, keys: list[str]) -> list[Any]:
    by_key: dict[str, Any] = {
        "year": task.year.year,
        "owner": task.owner.username,
        "committee": task.committee.code,
        "owner_unit": task.owner_unit.code if task.owner_unit else "",
        "kind": str(labels.KIND[task.kind]),
        "field": localized_name(task.field),
        **{name: getattr(task, name) for name in TEXT_FIELDS},
        "authority": str(labels.AUTHORITY[task.authority]),
        "deadline": task.deadline,
    }
    for i, indicator in enumerate(task.indicators):
        by_key.update({f"indicators.{i}.name": indicator.name, f"indicators.{i}.unit": indicator.unit,
                       f"indicators.{i}.baseline": _number_cell(indicator.baseline),
                       f"indicators.{i}.target": _number_cell(indicator.target)})
    for i, milestone in enumerate(task.milestones):
        by_key.update({f"milestones.{i}.description": milestone.description,
                       f"milestones.{i}.due_on": milestone.due_on})
    return [by_key.get(key) for key in keys]


def export_tasks(actor: Person | None, year: Year) -> list[Task]:
    """The registrations of ``year`` that ``actor`` may read (None: every one), withdrawn ones left out, in the
    order of their committees."""
    query = (select(Task).join(OrgUnit, Task.committee_id == OrgUnit.id)
             .where(Task.year_id == year.id, Task.state != TaskState.WITHDRAWN)
             .options(joinedload(Task.owner), joinedload(Task.owner_unit), joinedload(Task.field),
                      joinedload(Task.year), selectinload(Task.indicators), selectinload(Task.milestones))
             .order_by(OrgUnit.path, Task.id))
    if actor is not None:
        query = query.where(policy.visible(actor, "view"))
    return list(db.session.scalars(query).unique())


def registration_sheet(tasks: list[Task], title: str) -> Sheet:
    """The registrations as one sheet of the import layout (as many indicator and milestone groups as the
    fullest registration needs, at least one)."""
    indicators = max([len(t.indicators) for t in tasks] + [1])
    milestones = max([len(t.milestones) for t in tasks] + [1])
    header = [h for _k, h in columns(indicators, milestones)]
    keys = column_keys(indicators, milestones)
    return Sheet(title, header, [_task_row(t, keys) for t in tasks], widths=(8, 18, 16, 16))


def _guide(actor: Person | None) -> Sheet:
    """The template's second sheet: the values each coded column takes."""
    rows: list[list[Any]] = []
    for value in labels.KIND.values():
        rows.append([str(labels.TASK_FIELD["kind"]), str(value)])
    for value in labels.AUTHORITY.values():
        rows.append([str(labels.TASK_FIELD["authority"]), str(value)])
    for item in db.session.scalars(select(Field).where(Field.is_active.is_(True)).order_by(Field.sort_order,
                                                                                             Field.name)):
        rows.append([str(labels.TASK_FIELD["field_id"]), localized_name(item)])
    units = select(OrgUnit).where(OrgUnit.is_active.is_(True)).order_by(OrgUnit.path)
    if actor is not None:
        units = units.where(policy.units_in_scope(actor, [Role.SECRETARIAT]))
    for unit in db.session.scalars(units):
        rows.append([_("Committee (unit code)"), unit.code, unit.name])
    rows.append([_("Dates"), _("dd/mm/yyyy")])
    return Sheet(_("Values"), [_("Column"), _("Value"), _("Meaning")], rows, widths=(28, 40, 50))


def template_file(actor: Person | None, fmt: str) -> tuple[str, bytes, str]:
    """The blank template: (file name, content, MIME type); the XLSX has a second sheet of the values."""
    sheet = Sheet(_("Registrations"), [h for _k, h in columns()], [], widths=(8, 18, 16, 16))
    name = _("registration-template")
    if fmt == "csv":
        return f"{name}.csv", csv_bytes(sheet), CSV_MIMETYPE
    return f"{name}.xlsx", xlsx_bytes([sheet, _guide(actor)]), XLSX_MIMETYPE


def export_file(actor: Person | None, year: Year, fmt: str) -> tuple[str, bytes, str]:
    """The registrations of a year in the import layout: (file name, content, MIME type)."""
    sheet = registration_sheet(export_tasks(actor, year), _("Registrations %(year)d", year=year.year))
    name = _("registrations-%(year)d", year=year.year)
    if fmt == "csv":
        return f"{name}.csv", csv_bytes(sheet), CSV_MIMETYPE
    return f"{name}.xlsx", xlsx_bytes([sheet]), XLSX_MIMETYPE
