"""Bulk registration from a spreadsheet: the secretariat registers the Form A of many owners at once.

The sheet's layout, the reading of its cells and the sheets written from it (the template, a year's export):
``registry.services.registration_sheet``.

``check_import`` reads every row and says, row by row and column by column, what is wrong, in the user's
language, without writing anything; ``import_registrations`` imports all rows or none: when any row is wrong
nothing is written, otherwise every new row goes through ``tasks.create_task`` (``on_behalf_of`` the owner, the
same input rules as the form, one audit event each) in the caller's one transaction. A row whose owner already
has a registration of that title in that year is skipped as already registered, so importing the same file
twice changes nothing. People, units, fields, years and existing registrations are read once for the whole
sheet (a 5,000-row sheet costs a handful of queries before the writes); ``progress(done, total)`` is called as
rows are written (the command line prints it; a background job can store it).

Who may: ``policy`` row ``import_registrations`` — the secretariat of each row's committee or of a unit above
it; ``actor`` None is the command line (an operator of the installation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import labels, policy
from registry.exports.sheet import Formula, SheetError, read_rows
from registry.models import Authority, Field, OrgUnit, Person, Task, TaskState, Year, db
from registry.services import task_core, task_input
from registry.services import tasks as task_service
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.services.registration_sheet import (
    INDICATOR_PARTS,
    REQUIRED,
    cell_date,
    cell_number,
    cell_text,
    choices,
    columns,
    header_keys,
)
from registry.services.registration_sheet import (  # noqa: F401 - the files of the sheet, for callers
    export_file,
    export_tasks,
    template_file,
)
from registry.services.task_input import MAX_ROWS, TEXT_FIELDS  # noqa: F401 - MAX_ROWS: the groups' limit
from registry.text import fold

Progress = Callable[[int, int], None]
#: the key under which a row's values note the cells already reported (a formula)
REPORTED = "_reported"


# -- the report --------------------------------------------------------------------------------------------------------

@dataclass
class RowIssue:
    """One message about one cell (or a whole row, ``column`` empty; the header row is row 1)."""

    row: int
    column: str
    message: str


@dataclass
class Planned:
    """A row that will be registered (or is already)."""

    row: int
    owner: Person
    year: Year
    committee: OrgUnit
    owner_unit: OrgUnit | None
    data: dict[str, Any]
    #: the registration already there (owner, year, title): the row is skipped
    existing: Task | None = None


@dataclass
class ImportReport:
    """What a sheet holds: the rows to register, those already registered and every problem found."""

    issues: list[RowIssue] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    created: list[Task] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def new(self) -> list[Planned]:
        return [p for p in self.planned if p.existing is None]

    @property
    def already(self) -> list[Planned]:
        return [p for p in self.planned if p.existing is not None]

    def add(self, row: int, column: str, message: Any) -> None:
        self.issues.append(RowIssue(row, column, str(message)))


# -- checking ----------------------------------------------------------------------------------------------------------

def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


class _Reference:
    """Everything the rows refer to, read once: people by username, units by code, fields, years, and the
    registrations already there for those owners and years."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        #: the years of the rows are those of the registry, so the existing registrations are read for them only
        usernames = {cell_text(r.get("owner")).lower() for r in rows} - {""}
        codes = {cell_text(r.get(k)) for r in rows for k in ("committee", "owner_unit")} - {""}
        self.people = {p.username: p for p in _in_chunks(
            lambda chunk: select(Person).where(Person.username.in_(chunk)).options(selectinload(Person.grants)),
            usernames)}
        self.units = {u.code: u for u in _in_chunks(lambda chunk: select(OrgUnit).where(OrgUnit.code.in_(chunk)),
                                                     codes)}
        self.fields: dict[str, Field] = {}
        for item in db.session.scalars(select(Field).where(Field.is_active.is_(True))):
            self.fields.setdefault(fold(item.name), item)
            if item.name_en:
                self.fields.setdefault(fold(item.name_en), item)
        self.years = {y.year: y for y in db.session.scalars(select(Year))}
        self.kinds = choices(labels.KIND)
        self.authorities = choices(labels.AUTHORITY)
        owner_ids = [p.id for p in self.people.values()]
        year_ids = sorted({y.id for text in {cell_text(r.get("year")) for r in rows} if text.isdigit()
                           for y in [self.years.get(int(text))] if y is not None})
        self.existing: dict[tuple[int, int, str], Task] = {}
        for task in _in_chunks(lambda chunk: select(Task).where(
                Task.owner_id.in_(chunk), Task.year_id.in_(year_ids), Task.state != TaskState.WITHDRAWN),
                owner_ids):
            self.existing.setdefault((task.owner_id, task.year_id, _title_key(task.title)), task)


def _in_chunks(query: Callable[[list], Any], values: Iterable[Any], size: int = 500) -> list[Any]:
    """Rows of ``query(chunk)`` for ``values`` cut into chunks (below SQLite's limit of bound parameters)."""
    values = sorted(values)
    out: list[Any] = []
    for start in range(0, len(values), size):
        out.extend(db.session.scalars(query(values[start:start + size])).unique())
    return out


def _committee_for(actor: Person | None, owner: Person, code: str, ref: _Reference, report: ImportReport,
                   row: int, header: Callable[[str], str]) -> OrgUnit | None:
    """The row's committee: the one named, or the owner's only committee the actor may import for."""
    allowed = [u for u in policy.registration_committees(owner)
               if actor is None or policy.can(actor, "import_registrations", u)]
    if code:
        unit = ref.units.get(code)
        if unit is None:
            report.add(row, header("committee"), _l("No unit has the code %(code)s.", code=code))
            return None
        if actor is not None and not policy.can(actor, "import_registrations", unit):
            report.add(row, header("committee"),
                       _l("You do not administer %(unit)s: its secretariat, or one above it, registers its tasks.",
                          unit=unit.name))
            return None
        if unit not in policy.registration_committees(owner):
            report.add(row, header("committee"),
                       _l("%(owner)s does not register tasks with %(unit)s (no owner role there).",
                          owner=owner.username, unit=unit.name))
            return None
        return unit
    if len(allowed) == 1:
        return allowed[0]
    if not allowed:
        report.add(row, header("owner"), _l("%(owner)s holds the owner role in no committee you administer.",
                                            owner=owner.username))
    else:
        report.add(row, header("committee"), _l("%(owner)s registers with several committees: give its code.",
                                                owner=owner.username))
    return None


def _row_data(values: dict[str, Any], ref: _Reference, report: ImportReport, row: int,
              header: Callable[[str], str], groups: tuple[int, int]) -> tuple[dict[str, Any], set[str]]:
    """The Form A input of one row, in the shape ``clean_task_input`` takes, and the input keys whose cell was
    already reported (their value is left for the Form A rules to refuse, without a second message)."""
    reported: set[str] = set(values.get(REPORTED, ()))
    data: dict[str, Any] = {name: cell_text(values.get(name)) for name in TEXT_FIELDS}
    kind_text = cell_text(values.get("kind"))
    kind = ref.kinds.get(fold(kind_text))
    if kind is None:
        report.add(row, header("kind"), _l("Unknown kind “%(value)s”: write one of %(choices)s.", value=kind_text,
                                           choices="; ".join(str(v) for v in labels.KIND.values())))
        reported.add("kind")
    data["kind"] = kind
    field_text = cell_text(values.get("field"))
    found = ref.fields.get(fold(field_text))
    if found is None:
        report.add(row, header("field"), _l("Unknown field “%(value)s”: write a field's name as the registry lists "
                                            "it.", value=field_text))
        reported.add("field_id")
    data["field_id"] = found.id if found is not None else None
    authority_text = cell_text(values.get("authority"))
    if authority_text:
        authority = ref.authorities.get(fold(authority_text))
        if authority is None:
            report.add(row, header("authority"), _l("Unknown authority “%(value)s”: write one of %(choices)s.",
                                                    value=authority_text,
                                                    choices="; ".join(str(v) for v in labels.AUTHORITY.values())))
            reported.add("authority")
        data["authority"] = authority or Authority.OWN
    else:
        data["authority"] = Authority.OWN
    deadline = cell_date(values.get("deadline"))
    if deadline is None:
        report.add(row, header("deadline"), _l("Enter a date as dd/mm/yyyy."))
        reported.add("deadline")
    data["deadline"] = deadline or None
    data["indicators"] = [
        {part: (cell_number if part in ("baseline", "target") else cell_text)(values.get(f"indicators.{i}.{part}"))
         for part, _label in INDICATOR_PARTS} for i in range(groups[0])]
    milestones = []
    for i in range(groups[1]):
        key = f"milestones.{i}.due_on"
        due_on = cell_date(values.get(key))
        if due_on is None:
            report.add(row, header(key), _l("Enter a date as dd/mm/yyyy."))
            reported.add(key)
        milestones.append({"description": cell_text(values.get(f"milestones.{i}.description")), "due_on": due_on or None})
    data["milestones"] = milestones
    return data, reported


def _parse(rows: list[tuple[int, list[Any]]], report: ImportReport) -> tuple[list[tuple[int, dict[str, Any]]],
                                                                            dict[str, str], tuple[int, int]]:
    """The header row → column keys; each further row as {key: cell}."""
    if not rows:
        report.add(1, "", _l("The sheet is empty: start from the template."))
        return [], {}, (0, 0)
    number, header_row = rows[0]
    known = header_keys()
    keys: list[str | None] = []
    shown: dict[str, str] = {}
    for cell in header_row:
        text = cell_text(cell)
        if not text:
            keys.append(None)
            continue
        key = known.get(fold(text))
        if key is None:
            report.add(number, text, _l("Unknown column: use the template's headers."))
        elif key in shown:
            report.add(number, text, _l("This column appears twice."))
            key = None
        else:
            shown[key] = text
        keys.append(key)
    for key in REQUIRED:
        if key not in shown:
            report.add(number, dict(columns(0, 0))[key], _l("This column is missing."))
    indicators = 1 + max([int(k.split(".")[1]) for k in shown if k.startswith("indicators.")], default=-1)
    milestones = 1 + max([int(k.split(".")[1]) for k in shown if k.startswith("milestones.")], default=-1)
    #: columns without a header (a value there would be lost: refused)
    unnamed = {i for i, cell in enumerate(header_row) if not cell_text(cell)}
    body = []
    for row_number, cells in rows[1:]:
        unnamed.update(range(len(header_row), len(cells)))
        values: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            key = keys[index] if index < len(keys) else None
            if key is None:
                if index in unnamed and cell_text(cell):
                    report.add(row_number, "", _l("A value stands in a column without a header."))
                continue
            if isinstance(cell, Formula):
                report.add(row_number, shown[key], _l("Formulas are not accepted: type the value itself."))
                values.setdefault(REPORTED, set()).add({"field": "field_id"}.get(key, key))
                continue
            if isinstance(cell, float) and not math.isfinite(cell):
                cell = str(cell)
            values[key] = cell
        body.append((row_number, values))
    return body, shown, (indicators, milestones)


def check_import(actor: Person | None, data: bytes) -> ImportReport:
    """Read the uploaded sheet and check every row, writing nothing: the rows to register, those already
    registered (same owner, year and title) and every problem with its row, column and message. ``actor``
    None: the command line."""
    report = ImportReport()
    if actor is not None:
        policy.require_can(actor, "import_registrations")
    try:
        rows = read_rows(data)
    except SheetError as exc:
        report.add(0, "", exc.message)
        return report
    body, shown, groups = _parse(rows, report)
    report.rows = len(body)
    if not report.ok:
        return report
    if not body:
        report.add(2, "", _l("The sheet has no registration rows."))
        return report

    every = dict(columns(*groups))

    def header(key: str) -> str:
        return shown.get(key) or every.get(key, "")

    ref = _Reference([values for _n, values in body])
    seen: dict[tuple[int, int, str], int] = {}
    for row, values in body:
        issues_before = len(report.issues)
        year_text = cell_text(values.get("year"))
        year = ref.years.get(int(year_text)) if year_text.isdigit() and len(year_text) == 4 else None
        if year is None:
            report.add(row, header("year"), _l("No year %(value)s in the registry.", value=year_text or "—")
                       if year_text else _l("Give the year."))
        else:
            try:
                task_core.check_window(year)
            except Conflict as exc:
                report.add(row, header("year"), exc.message)
        username = cell_text(values.get("owner")).lower()
        owner = ref.people.get(username)
        committee = unit = None
        if not username:
            report.add(row, header("owner"), _l("Give the owner's username."))
        elif owner is None:
            report.add(row, header("owner"), _l("No account has the username %(name)s.", name=username))
        elif not owner.is_active:
            report.add(row, header("owner"), _l("This account is deactivated: it cannot register tasks."))
        else:
            committee = _committee_for(actor, owner, cell_text(values.get("committee")), ref, report, row, header)
            unit_code = cell_text(values.get("owner_unit"))
            if unit_code:
                unit = ref.units.get(unit_code)
                if unit is None:
                    report.add(row, header("owner_unit"), _l("No unit has the code %(code)s.", code=unit_code))
                elif unit.head_id != owner.id:
                    report.add(row, header("owner_unit"),
                               _l("A collective registers through its head: %(owner)s does not head %(unit)s.",
                                  owner=owner.username, unit=unit.name))
        data, reported = _row_data(values, ref, report, row, header, groups)
        if year is not None:
            try:
                task_input.clean_task_input(data, year)
            except ValidationFailed as exc:
                for key, messages in exc.errors.items():
                    if key in reported:
                        continue
                    for message in messages:
                        report.add(row, header({"field_id": "field"}.get(key, key)), message)
        if len(report.issues) > issues_before or owner is None or year is None or committee is None:
            continue
        key = (owner.id, year.id, _title_key(data["title"]))
        if key in seen:
            report.add(row, header("title"), _l("The same owner, year and title as row %(row)d.", row=seen[key]))
            continue
        seen[key] = row
        report.planned.append(Planned(row=row, owner=owner, year=year, committee=committee, owner_unit=unit,
                                      data=data, existing=ref.existing.get(key)))
    return report


def import_registrations(actor: Person | None, data: bytes, *, dry_run: bool = False,
                         progress: Progress | None = None) -> ImportReport:
    """Check the sheet, then register every new row as a draft for its owner (all rows or none): nothing is
    written when any row is wrong, or with ``dry_run``. Rows already registered are skipped. The caller
    commits (one transaction)."""
    report = check_import(actor, data)
    if not report.ok or dry_run:
        return report
    todo = report.new
    total = len(todo)
    step = max(1, total // 100)
    if progress is not None:
        progress(0, total)
    for done, planned in enumerate(todo, start=1):
        try:
            task = task_service.create_task(actor, planned.year, planned.data, committee_id=planned.committee.id,
                                            owner_unit_id=planned.owner_unit.id if planned.owner_unit else None,
                                            on_behalf_of=planned.owner)
        except (ValidationFailed, Conflict, PermissionDenied) as exc:  # checked above; the rules say the same
            report.created.clear()
            messages = exc.errors.values() if isinstance(exc, ValidationFailed) else [[exc.message]]
            for group in messages:
                for message in group:
                    report.add(planned.row, "", message)
            return report
        report.created.append(task)
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)
    return report
