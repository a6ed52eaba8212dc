"""Commendation proposals for the emulation and commendation council (Hội đồng Thi đua – Khen thưởng): the list
of the commendations that verdicts proposed, and the council's decision on each, recorded by the secretariat.

A proposal is a verdict with a commendation (``Verdict.commendation`` other than none). Its state
(``ProposalState``): *proposed* until a decision is recorded, then *accepted* or *not accepted*; a verdict reopened
before the decision leaves its proposal *lapsed* (the new verdict proposes again, as a new proposal). A decision
is recorded once; deciding again, deciding a lapsed proposal or a verdict that proposed nothing is out of order
(409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from registry import clock, policy
from registry.models import (
    Commendation,
    CommendationDecision,
    CouncilDecision,
    OrgUnit,
    Person,
    ProposalState,
    Task,
    Verdict,
    Year,
    db,
)
from registry.services.audit import record_event
from registry.services.backfill import local_day
from registry.services.errors import Conflict, FieldErrors, too_long
from registry.services.queries import SORT_DIRECTIONS, in_unit

MAX_DECISION_REF = 200
MAX_REASON = 2000

#: the fields a decision takes
DECISION_FIELDS = ("decision", "decision_ref", "decided_on", "reason")


# -- the state of a proposal -----------------------------------------------------------------------------------

def proposal_state(verdict: Verdict) -> ProposalState:
    """Where the verdict's proposal stands (its decision loaded with it)."""
    decision = verdict.commendation_decision
    if decision is not None:
        return ProposalState(decision.decision.value)
    return ProposalState.PROPOSED if verdict.is_current else ProposalState.LAPSED


def _state_sql(state: ProposalState) -> ColumnElement[bool]:
    """SQL condition on ``Verdict`` (outer-joined to its decision) for one state."""
    undecided = CommendationDecision.id.is_(None)
    if state is ProposalState.PROPOSED:
        return and_(undecided, Verdict.is_current.is_(True))
    if state is ProposalState.LAPSED:
        return and_(undecided, Verdict.is_current.is_(False))
    return CommendationDecision.decision == CouncilDecision(state.value)


# -- the list ----------------------------------------------------------------------------------------------------

#: the columns the list sorts by
SORTS = ("code", "owner", "commendation", "proposed", "state")


@dataclass(frozen=True)
class ProposalFilters:
    year: int | None = None
    unit_id: int | None = None  #: tasks of this unit and its sub-units (``queries.in_unit``)
    state: ProposalState | None = None
    commendation: Commendation | None = None  #: praise or reward
    sort: str = "code"
    direction: str = "asc"


def proposal_filters(year: int | None = None, unit_id: int | None = None, state: Any = None,
                     commendation: Any = None, sort: Any = None, direction: Any = None) -> ProposalFilters:
    """The filters asked for; an unknown value of a choice falls back to none (not an error)."""
    def choice(enum_cls, value):
        try:
            return enum_cls(value) if value else None
        except ValueError:
            return None

    kind = choice(Commendation, commendation)
    return ProposalFilters(year=year, unit_id=unit_id, state=choice(ProposalState, state),
                           commendation=None if kind is Commendation.NONE else kind,
                           sort=sort if sort in SORTS else "code",
                           direction=direction if direction in SORT_DIRECTIONS else "asc")


def _sort_key(key: str):
    owner = case((Task.owner_unit_id.is_not(None),
                  select(OrgUnit.name).where(OrgUnit.id == Task.owner_unit_id).scalar_subquery()),
                 else_=select(Person.search_name).where(Person.id == Task.owner_id).scalar_subquery())
    state = case((CommendationDecision.decision == CouncilDecision.ACCEPTED, 1),
                 (CommendationDecision.decision == CouncilDecision.NOT_ACCEPTED, 2),
                 (Verdict.is_current.is_(True), 0), else_=3)
    return {"code": select(Year.year).where(Year.id == Task.year_id).scalar_subquery(), "owner": owner,
            "commendation": Verdict.commendation, "proposed": Verdict.decided_at, "state": state}[key]


def proposals(viewer: Person | None, filters: ProposalFilters) -> Select:
    """The commendation proposals of the tasks ``viewer`` may read (all when None), filtered and sorted, with what
    a row shows loaded up front (a select of ``Verdict``)."""
    stmt = (select(Verdict).join(Task, Task.id == Verdict.task_id)
            .outerjoin(CommendationDecision, CommendationDecision.verdict_id == Verdict.id)
            .where(Verdict.commendation != Commendation.NONE))
    if viewer is not None:
        stmt = stmt.where(policy.visible(viewer))
    if filters.year:
        stmt = stmt.where(Task.year_id.in_(select(Year.id).where(Year.year == filters.year)))
    if filters.unit_id:
        stmt = stmt.where(in_unit(filters.unit_id))
    if filters.state is not None:
        stmt = stmt.where(_state_sql(filters.state))
    if filters.commendation is not None:
        stmt = stmt.where(Verdict.commendation == filters.commendation)
    key = _sort_key(filters.sort)
    if filters.direction == "desc":
        order = [key.desc().nulls_last(), Task.id.desc(), Verdict.id.desc()]
    else:
        order = [key.asc().nulls_last(), Task.id.asc(), Verdict.id.asc()]
    return stmt.options(
        joinedload(Verdict.task).joinedload(Task.year),
        joinedload(Verdict.task).joinedload(Task.owner).lazyload(Person.grants),
        joinedload(Verdict.task).joinedload(Task.owner_unit).selectinload(OrgUnit.former_names),
        joinedload(Verdict.task).joinedload(Task.org_unit),
        joinedload(Verdict.level), joinedload(Verdict.decided_by).lazyload(Person.grants),
        joinedload(Verdict.commendation_decision).joinedload(CommendationDecision.recorded_by)
        .lazyload(Person.grants),
    ).order_by(*order)


def proposal(verdict_id: int) -> Verdict | None:
    """One verdict with what its proposal's page shows."""
    return db.session.scalars(select(Verdict).where(Verdict.id == verdict_id).options(
        joinedload(Verdict.task).joinedload(Task.year), joinedload(Verdict.level),
        joinedload(Verdict.commendation_decision),
        joinedload(Verdict.task).selectinload(Task.verdicts))).unique().first()


# -- recording the council's decision ------------------------------------------------------------------------------

def require_decidable(actor: Person | None, verdict: Verdict) -> None:
    """Check that ``actor`` may record the council's decision on the verdict's proposal now: 403 unless the
    secretariat of the task's committee or above, 409 unless it is a proposal still awaiting its decision."""
    policy.require_can(actor, "decide_commendation", verdict)
    if verdict.commendation == Commendation.NONE:
        raise Conflict(_l("This verdict proposed no commendation."))
    if verdict.commendation_decision is not None:
        raise Conflict(_l("The council's decision on this proposal has been recorded already."))
    if not verdict.is_current:
        raise Conflict(_l("The verdict that made this proposal was reopened, so the proposal lapsed; a new verdict "
                          "makes a new proposal."))


def _text(data: dict[str, Any], name: str, limit: int, errors: FieldErrors) -> str:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        errors.add(name, _l("Enter text."))
        return ""
    value = (value or "").strip()
    if len(value) > limit:
        errors.add(name, too_long(limit))
    return value


def decide(actor: Person, verdict: Verdict, data: dict[str, Any]) -> CommendationDecision:
    """Record the council's decision on the commendation the verdict proposed: ``decision`` (accepted or
    not_accepted), the decision's reference (required when accepted), the reason (required when not accepted),
    and the date it was decided (``decided_on``: not before the verdict, not after today)."""
    require_decidable(actor, verdict)
    errors = FieldErrors()
    for name in sorted(set(data) - set(DECISION_FIELDS)):
        errors.add(name, _l("Unknown field."))
    raw = data.get("decision")
    try:
        decision = CouncilDecision(getattr(raw, "value", raw)) if raw else None
    except ValueError:
        decision = None
    if decision is None:
        errors.add("decision", _l("Choose whether the council accepted the proposal."))
    decision_ref = _text(data, "decision_ref", MAX_DECISION_REF, errors)
    reason = _text(data, "reason", MAX_REASON, errors)
    if decision is CouncilDecision.ACCEPTED and not decision_ref and "decision_ref" not in errors.errors:
        errors.add("decision_ref", _l("Give the reference of the decision that grants the commendation."))
    if decision is CouncilDecision.NOT_ACCEPTED and not reason and "reason" not in errors.errors:
        errors.add("reason", _l("Give the reason the council did not accept the proposal."))
    decided_on = data.get("decided_on")
    if not isinstance(decided_on, date):
        errors.add("decided_on", _l("Enter a date as dd/mm/yyyy."))
    elif decided_on > clock.today():
        errors.add("decided_on", _l("The date cannot be in the future."))
    elif decided_on < local_day(verdict.decided_at):
        errors.add("decided_on", _l("The council decides after the verdict (%(date)s).",
                                    date=local_day(verdict.decided_at).strftime("%d/%m/%Y")))
    errors.raise_if_any()
    row = CommendationDecision(verdict=verdict, decision=decision, decision_ref=decision_ref, reason=reason,
                               decided_on=decided_on, recorded_by=actor, recorded_at=clock.now())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # recorded meanwhile by someone else (the unique verdict): out of order, not a 500
        db.session.rollback()  # the request fails as a whole; its session must be usable for the answer
        raise Conflict(_l("The council's decision on this proposal has been recorded already.")) from None
    task = verdict.task
    record_event(actor, "commendation.decide", object_type="commendation_decision", object_id=row.id, task=task,
                 before={"council_decision": ProposalState.PROPOSED.value, "verdict_id": verdict.id},
                 after={"council_decision": decision.value, "verdict_id": verdict.id,
                        "commendation": verdict.commendation.value, "commendation_form": verdict.commendation_form,
                        "decision_ref": decision_ref, "decided_on": decided_on.isoformat(), "reason": reason})
    return row

