"""Read side of the year-end record: the per-person and per-collective dossier across the years, the per-year
counts of current verdict outcomes (the facts the annual rating uses), and the audit-trail listings.

Everything here only reads. A dossier is loaded with a fixed number of queries however many tasks it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from registry import policy
from registry.clock import LOCAL_TZ
from registry.localized import pick_name
from registry.models import (
    Assessment,
    AuditEvent,
    Field,
    Indicator,
    OrgUnit,
    Outcome,
    Ownership,
    Person,
    ProgressNote,
    Recommendation,
    SelfAssessment,
    Task,
    TaskAdjustment,
    Verdict,
    VerdictLevel,
    Year,
    db,
)
from registry.models.task import AWAITING_DECISION, AWAITING_VERDICT, NOT_REGISTERED
from registry.services.queries import KeyedPagination, contains, in_unit
from registry.text import fold
from registry.trail_cache import TrailCache

#: the outcomes counted for the annual rating, in the order of the default scale
OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)



# -- the dossier ---------------------------------------------------------------------------------------------

def _dossier_options() -> list[Any]:
    """Everything a dossier shows, loaded up front: one query per relationship, none per row. The people it
    names come without their role grants (``Person.grants`` is loaded with every person otherwise, a query per
    kind of person named: a dossier shows names only)."""
    named = lazyload(Person.grants)
    return [
        joinedload(Task.year), joinedload(Task.field), joinedload(Task.owner).options(named),
        joinedload(Task.owner_unit).selectinload(OrgUnit.former_names),  # the name borne in the task's year
        joinedload(Task.org_unit), joinedload(Task.approved_by).options(named),
        joinedload(Task.monitor).options(named),
        joinedload(Task.carried_from).joinedload(Task.year),
        selectinload(Task.carried_into).joinedload(Task.year),
        selectinload(Task.adjustments).joinedload(TaskAdjustment.adjusted_by).options(named),
        selectinload(Task.notes).selectinload(ProgressNote.amendments),
        selectinload(Task.assessments).joinedload(Assessment.monitor).options(named),
        selectinload(Task.assessments).selectinload(Assessment.recommendations)
        .joinedload(Recommendation.replied_by).options(named),
        joinedload(Task.mid_year_review),  # one per task at most (unique), joined as the task's own columns
        joinedload(Task.self_assessment).joinedload(SelfAssessment.self_level),
        selectinload(Task.verdicts).joinedload(Verdict.level),
        selectinload(Task.verdicts).joinedload(Verdict.decided_by).options(named),
        selectinload(Task.verdicts).joinedload(Verdict.reopened_by).options(named),
    ]


@dataclass
class YearRecord:
    """One year of a dossier: the counted registrations, the outcome counts, and registrations shown but
    counted elsewhere (a head's collective tasks, counted in the unit's dossier)."""

    year: Year
    tasks: list[Task] = field(default_factory=list)
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    others: list[Task] = field(default_factory=list)

    @property
    def registered(self) -> int:
        """Counted registrations that went to the Standing Committee and were not withdrawn."""
        return sum(1 for task in self.tasks if task.state not in NOT_REGISTERED)

    @property
    def reviewed(self) -> int:
        """Registrations with a current verdict."""
        return sum(self.counts.values())

    @property
    def awaiting(self) -> int:
        """Approved registrations still waiting for their verdict."""
        return sum(1 for task in self.tasks if task.state in AWAITING_VERDICT)

    @property
    def undecided(self) -> int:
        """Registrations sent to the Standing Committee and not approved yet (submitted or returned)."""
        return sum(1 for task in self.tasks if task.state in AWAITING_DECISION)


@dataclass
class Dossier:
    """Every registration of one person or collective, by year (newest first)."""

    years: list[YearRecord]

    @property
    def tasks(self) -> list[Task]:
        return [task for record in self.years for task in record.tasks + record.others]

    @property
    def totals(self) -> dict[Outcome, int]:
        return {outcome: sum(record.counts[outcome] for record in self.years) for outcome in OUTCOMES}


def outcome_counts(*conditions: ColumnElement[bool]) -> dict[int, dict[Outcome, int]]:
    """Current verdicts per year id and outcome over the tasks matching ``conditions`` (one query)."""
    stmt = (select(Task.year_id, VerdictLevel.outcome, func.count(Verdict.id))
            .join(Verdict, Verdict.task_id == Task.id).join(VerdictLevel, Verdict.level_id == VerdictLevel.id)
            .where(Verdict.is_current.is_(True), *conditions)
            .group_by(Task.year_id, VerdictLevel.outcome))
    counts: dict[int, dict[Outcome, int]] = {}
    for year_id, outcome, n in db.session.execute(stmt):
        counts.setdefault(year_id, dict.fromkeys(OUTCOMES, 0))[outcome] = n
    return counts


def _build(tasks: list[Task], counted: ColumnElement[bool], is_counted) -> Dossier:
    by_year: dict[int, YearRecord] = {}
    for task in sorted(tasks, key=lambda t: (-t.year.year, t.id)):
        record = by_year.setdefault(task.year_id, YearRecord(year=task.year))
        (record.tasks if is_counted(task) else record.others).append(task)
    for year_id, counts in outcome_counts(counted).items():
        if year_id in by_year:
            by_year[year_id].counts = counts
    return Dossier(years=list(by_year.values()))


def person_dossier(viewer: Person | None, person: Person) -> Dossier:
    """The person's registrations across all years that ``viewer`` may read (all when None). Their individual
    tasks are counted; collective tasks they answered for as a unit's head are listed too but counted in the
    unit's dossier."""
    scope = policy.visible(viewer) if viewer is not None else true()
    tasks = list(db.session.scalars(select(Task).where(Task.owner_id == person.id, scope)
                                    .options(*_dossier_options())).unique())
    counted = (Task.owner_id == person.id) & (Task.ownership == Ownership.INDIVIDUAL) & scope
    return _build(tasks, counted, lambda task: task.ownership == Ownership.INDIVIDUAL)


def unit_dossier(viewer: Person | None, unit: OrgUnit) -> Dossier:
    """The collective registrations of the unit and of its sub-units (``queries.in_unit``: the rule the task
    list and the report count a unit's tasks by) across all years that ``viewer`` may read (all when None), all
    counted. Individual registrations are counted in their owners' dossiers."""
    scope = policy.visible(viewer) if viewer is not None else true()
    counted = in_unit(unit.id) & (Task.ownership == Ownership.COLLECTIVE) & scope
    tasks = list(db.session.scalars(select(Task).where(counted).options(*_dossier_options())).unique())
    return _build(tasks, counted, lambda task: True)


def review_task(task_id: int) -> Task | None:
    """One task with everything its year-end review form (Form D) prints."""
    return db.session.scalars(select(Task).where(Task.id == task_id).options(*_dossier_options())).unique().first()


# -- the audit trail -----------------------------------------------------------------------------------------

@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""  #: part of the actor's name or user name, diacritics ignored
    since: date | None = None  #: first local day included
    until: date | None = None  #: last local day included
    task_id: int | None = None


def local_day_start(day: date) -> datetime:
    """Midnight of a day in Vietnam, as an aware datetime (compared in UTC by the column type)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def audit_events(viewer: Person | None, filters: AuditFilters) -> Select:
    """The trail inside ``viewer``'s audit scope (the whole trail when None), newest first, filtered."""
    stmt = select(AuditEvent).where(policy.audit_scope(viewer)) if viewer is not None else select(AuditEvent)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if fold(filters.actor):
        pattern = contains(filters.actor)
        stmt = stmt.where(AuditEvent.actor.has(or_(Person.search_name.like(pattern, escape="\\"),
                                                   func.lower(Person.username).like(pattern, escape="\\"))))
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= local_day_start(filters.since))
    if filters.until:
        stmt = stmt.where(AuditEvent.occurred_at < local_day_start(filters.until + timedelta(days=1)))
    if filters.task_id:
        stmt = stmt.where(AuditEvent.task_id == filters.task_id)
    return _newest_first(stmt)


def task_audit(task: Task) -> Select:
    """Every event of one task, newest first, with the carry-over that started a task from it (recorded on the
    new task): a carry-over is in the history of both the old and the new task."""
    carried_into = select(Task.id).where(Task.carried_from_id == task.id)
    return _newest_first(select(AuditEvent).where(or_(
        AuditEvent.task_id == task.id,
        (AuditEvent.action == "task.carry_over") & AuditEvent.task_id.in_(carried_into))))


def person_audit(viewer: Person | None, person: Person) -> Select:
    """Every event whose subject is the person (their tasks and their account) that ``viewer`` may read:
    inside their audit scope, or about a task they may read; newest first."""
    stmt = select(AuditEvent).where(AuditEvent.subject_person_id == person.id)
    if viewer is not None:
        readable = AuditEvent.task_id.in_(select(Task.id).where(Task.owner_id == person.id, policy.visible(viewer)))
        own = AuditEvent.subject_person_id == viewer.id
        stmt = stmt.where(or_(policy.audit_scope(viewer), readable, own))
    return _newest_first(stmt)


def _newest_first(stmt: Select) -> Select:
    return stmt.options(joinedload(AuditEvent.actor)).order_by(AuditEvent.seq.desc())


#: the audit pages' totals, per page, reader and filters, until the trail moves: the events counted change only
#: with the trail, and so does what a reader may read (grants, units and names are audited). A province's trail
#: holds hundreds of thousands of events, and counting them was most of the page.
_audit_totals = TrailCache("COUNTS_CACHE_SIZE")


class AuditPagination(KeyedPagination):
    """A page of events whose total is kept under ``count_key`` until the trail moves (``_audit_totals``), and
    counted over the events' numbers alone when it is not. The events come alone, without their actors: the
    page names them from ``audit_context`` (``AuditContext.people``), with everyone else it names."""

    def _query_items(self) -> list[AuditEvent]:
        stmt, session = self._query_args["select"], self._query_args["session"]
        numbers = list(dict.fromkeys(session.scalars(stmt.with_only_columns(AuditEvent.seq).limit(self.per_page)
                                                     .offset(self._query_offset))))
        if not numbers:
            return []
        events = {event.seq: event for event in session.scalars(select(AuditEvent)
                                                                 .where(AuditEvent.seq.in_(numbers)))}
        return [events[seq] for seq in numbers if seq in events]

    def _query_count(self) -> int:
        stmt, session = self._query_args["select"], self._query_args["session"]

        def count() -> int:
            numbers = stmt.with_only_columns(AuditEvent.seq).order_by(None).subquery()
            return session.scalar(select(func.count()).select_from(numbers)) or 0

        return _audit_totals.get(self._query_args["count_key"], count)


def audit_page(stmt: Select, count_key: tuple, *, per_page: int) -> AuditPagination:
    """The request's page of the events ``stmt`` selects (``audit_events``, ``task_audit``, ``person_audit``);
    ``count_key`` names the selection for the kept total: the page, the reader and what filters it."""
    return AuditPagination(select=stmt, session=db.session(), page=None, per_page=per_page, max_per_page=100,
                           error_out=False, count=True, count_key=count_key)


def recorded_actions() -> tuple[str, ...]:
    """The distinct actions present in the trail (for the filter), kept until the trail moves."""
    return _audit_totals.get(("actions",), lambda: tuple(db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action))))


@dataclass
class AuditContext:
    """What the event rows refer to by id, loaded for a whole page at once."""

    tasks: dict[int, Task]
    people: dict[int, Person]
    fields: dict[int, Field]
    #: verdict level names by code, in the current language (events record the code)
    levels: dict[str, str]
    units: dict[int, OrgUnit] = field(default_factory=dict)
    notes: dict[int, ProgressNote] = field(default_factory=dict)
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    indicators: dict[int, Indicator] = field(default_factory=dict)
    years: dict[int, Year] = field(default_factory=dict)
    #: each event's recorded payload by sequence number, parsed once for the page (``AuditEvent.data`` parses the
    #: stored JSON, row digests and all, on every use)
    payloads: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: the page's words for recorded keys and values, each translated once per page (``audit_view``)
    words: dict[tuple, Any] = field(default_factory=dict)

    def data(self, event: AuditEvent) -> dict[str, Any]:
        """The event's recorded payload (parsed once)."""
        if event.seq not in self.payloads:
            self.payloads[event.seq] = event.data
        return self.payloads[event.seq]

    def before(self, event: AuditEvent) -> Any:
        return self.data(event).get("before")

    def after(self, event: AuditEvent) -> Any:
        return self.data(event).get("after")


#: keys recorded in events whose values are ids, by what they name (lists under these keys hold ids too)
REF_KEYS: dict[str, str] = {
    "committee_id": "units", "owner_unit_id": "units", "org_unit_id": "units", "unit_id": "units",
    "parent_id": "units", "merged_into_id": "units", "children": "units",
    "monitor_id": "people", "head_id": "people", "people": "people", "on_behalf_of_id": "people",
    "carried_from_id": "tasks", "tasks": "tasks",
    "field_id": "fields", "note_id": "notes", "verdict_id": "verdicts", "indicator_id": "indicators",
}

#: the object types whose id names the event's subject, and the reference table that holds them
OBJECT_REFS = {"org_unit": "units", "field": "fields", "year": "years", "person": "people"}


def _collect(value: Any, key: str, wanted: dict[str, set[int]]) -> None:
    """Gather the ids named in one recorded value (recursively) into ``wanted``."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "values" and isinstance(v, dict):  # a note's indicator values, by indicator id
                wanted["indicators"].update(int(i) for i in v if str(i).isdigit())
            _collect(v, k, wanted)
    elif isinstance(value, list):
        for item in value:
            _collect(item, key, wanted)
    elif isinstance(value, int) and not isinstance(value, bool) and key in REF_KEYS:
        wanted[REF_KEYS[key]].add(value)


def audit_context(events: list[AuditEvent]) -> AuditContext:
    """Everything a page of events names by id — tasks, people (the actors too), units, fields, notes, verdicts,
    indicators, years — and the verdict levels by code, loaded at once (one query per kind, however many events)."""
    wanted: dict[str, set[int]] = {kind: set() for kind in ("tasks", "people", "fields", "units", "notes",
                                                            "verdicts", "indicators", "years")}
    payloads = {event.seq: event.data for event in events}
    for event in events:
        if event.actor_id:
            wanted["people"].add(event.actor_id)
        if event.task_id:
            wanted["tasks"].add(event.task_id)
        if event.subject_person_id:
            wanted["people"].add(event.subject_person_id)
        if event.object_type in OBJECT_REFS and event.object_id:
            wanted[OBJECT_REFS[event.object_type]].add(event.object_id)
        for side in ("before", "after"):
            _collect(payloads[event.seq].get(side), "", wanted)

    def load(model, ids, *options):
        if not ids:
            return {}
        return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids))
                                                           .options(*options)).unique()}

    notes = load(ProgressNote, wanted["notes"], joinedload(ProgressNote.task))
    wanted["tasks"].update(note.task_id for note in notes.values())
    # a task and a person are named only (``Task.code``, ``title``; ``full_name``): not their committee, unit or grants
    tasks = load(Task, wanted["tasks"], load_only(Task.title, Task.year_id), lazyload(Task.committee),
                 joinedload(Task.year).load_only(Year.year))
    people = load(Person, wanted["people"], load_only(Person.full_name), lazyload(Person.grants))
    levels = {code: pick_name(name, name_en) for code, name, name_en
              in db.session.execute(select(VerdictLevel.code, VerdictLevel.name, VerdictLevel.name_en))} \
        if events else {}
    return AuditContext(
        tasks=tasks, people=people, fields=load(Field, wanted["fields"]), levels=levels,
        units=load(OrgUnit, wanted["units"]), notes=notes,
        verdicts=load(Verdict, wanted["verdicts"], joinedload(Verdict.level)),
        indicators=load(Indicator, wanted["indicators"]), years=load(Year, wanted["years"]), payloads=payloads)
