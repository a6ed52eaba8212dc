"""The workflow as a state machine: random legal and illegal actions by random people of three committees.

Hypothesis drives a ``RuleBasedStateMachine`` over the services and, for most actions, the JSON API through the
test client with each person's token: register, edit, submit, withdraw, approve, return, adjust, assign a
monitor, write a quarterly note, assess, self-assess, give the final assessment, record the verdict, reopen,
carry over, and an office granting or taking away someone's monitor role. Each run starts from a few tasks taken
along the legal path to a random point; every action is then tried on a random task (most often one in a state
the action starts from) by a random person (most often one who may take it).

Next to the database runs a plain-Python model of the workflow and of who may act, written from the tables of
``docs/authority.md`` (not by asking ``registry.policy``): it predicts every answer — done, 403 (not one of the
parties), 409 (not in this state, or out of order), 422 (bad input) — and after every step the database must
match it: each task's state, lock, monitor, approver, current verdict, its notes, assessments, self-assessment,
verdicts, adjustments and audit events; a refused step leaves every table exactly as it was;
``registry.policy.can`` agrees with the model for every person, action and task; and ``audit verify`` passes.
``test_one_story_through_every_action`` walks the same steps once with the answers also written out by hand.

The world: province P (the top unit) with communes A and B below it. Some people hold several roles, so the
"owner, approver and monitor are three different people" rule is exercised: ``a_lead`` registers with A and sits
on A's Standing Committee; ``a_front`` is a Fatherland Front monitor of A and on A's Standing Committee; ``b_owner``
registers with B and is a monitor in A; ``p_chair`` sits on P's Standing Committee (reads A and B, decides
neither) and registers with P; ``a_office`` and ``p_office`` are the secretariats of A and of the province.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from registry import policy
from registry.extensions import db as _db
from registry.models import (
    Assessment,
    AuditEvent,
    Field,
    OrgLevel,
    OrgUnit,
    Period,
    Person,
    ProgressNote,
    Role,
    SelfAssessment,
    Task,
    TaskAdjustment,
    Verdict,
    Year,
)
from registry.models.org import place
from registry.services import monitoring, progress, review
from registry.services import people as people_service
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.services.verify import verify_all
from tests.conftest import _empty_tables, task_input

API = "/api/v1"
#: mid-August 2026: quarters 1–3 of 2026 have begun, quarter 4 has not; 2027's registration window is open
NOW = datetime(2026, 8, 15, 9, 0, tzinfo=timezone.utc)
TODAY = NOW.date()
YEAR, NEXT = 2026, 2027
STEPS = 40
EXAMPLES = 20

# -- the world, as the model knows it ------------------------------------------------------------------------------

COMMITTEES = ("P", "A", "B")
#: person → committee → roles held there
PEOPLE: dict[str, dict[str, set[str]]] = {
    "a_owner": {"A": {"owner"}},
    "a_owner2": {"A": {"owner"}},
    "a_lead": {"A": {"owner", "standing"}},
    "a_standing": {"A": {"standing"}},
    "a_front": {"A": {"monitor", "standing"}},
    "a_monitor": {"A": {"monitor"}},
    "a_office": {"A": {"secretariat"}},
    "b_owner": {"B": {"owner"}, "A": {"monitor"}},
    "b_standing": {"B": {"standing"}},
    "b_monitor": {"B": {"monitor"}},
    "p_chair": {"P": {"standing", "owner"}},
    "p_standing": {"P": {"standing"}},
    "p_monitor": {"P": {"monitor"}},
    "p_inspector": {"P": {"inspector"}},
    "p_office": {"P": {"secretariat"}},
}
NAMES = sorted(PEOPLE)
#: the unit each person works in (it grants nothing, but an office manages only people whose unit it covers)
HOME = {name: next(iter(held)) for name, held in PEOPLE.items()}
#: the roles held now: a run starts from PEOPLE, and the offices may grant or take away a monitor role
ROLES: dict[str, dict[str, set[str]]] = {name: {c: set(r) for c, r in held.items()} for name, held in PEOPLE.items()}
LEVELS = ("exceeded", "on_time", "late", "partial", "not_done", "stopped")
UNFINISHED = {"partial", "not_done"}
IN_YEAR = ("q1", "q2", "q3", "q4", "mid_year")
#: the people and the committees they register with
OWNERS = [(p, c) for p in sorted(PEOPLE) for c in COMMITTEES if "owner" in PEOPLE[p].get(c, set())]
#: values reached at year end (of an indicator 44 → 0 households): met, nearly, worse than the start
REACHED = st.sampled_from([0, 3, 50])

DRAFT, SUBMITTED, RETURNED, APPROVED, IN_PROGRESS = "draft", "submitted", "returned", "approved", "in_progress"
SELF_ASSESSED, REVIEWED, WITHDRAWN = "self_assessed", "reviewed", "withdrawn"
UNDER_WAY = {APPROVED, IN_PROGRESS}


def holds(person: str, role: str, committee: str) -> bool:
    return role in ROLES[person].get(committee, set())


def within(unit: str, office: str) -> bool:
    """A unit lies in an office's subtree: its own unit, or any unit below the province."""
    return unit == office or office == "P"


@dataclass
class ModelTask:
    id: int
    owner: str
    committee: str
    year: int
    state: str = DRAFT
    monitor: str | None = None
    approver: str | None = None
    #: a carried-over draft lacks a deadline and the commitment until its owner edits it
    complete: bool = True
    quarters: set[int] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    final: bool = False
    self_assessed: bool = False
    verdicts: int = 0
    level: str | None = None
    carried: bool = False
    carried_from: int | None = None
    adjustments: int = 0
    events: int = 1


# -- who may act, from docs/authority.md ("The rules") --------------------------------------------------------------

def is_owner(person: str, task: ModelTask) -> bool:
    return person == task.owner


def is_decider(person: str, task: ModelTask) -> bool:
    """A Standing Committee member of the task's committee who is neither its owner nor its monitor."""
    return holds(person, "standing", task.committee) and person not in (task.owner, task.monitor)


def is_assigned_monitor(person: str, task: ModelTask) -> bool:
    """The monitor assigned to the task, while a monitor of the task's committee."""
    return task.monitor == person and holds(person, "monitor", task.committee)


WHO: dict[str, Callable[[str, ModelTask], bool]] = {
    "edit": is_owner, "submit": is_owner, "withdraw": is_owner,
    "approve": is_decider, "return": is_decider, "adjust": is_decider, "assign_monitor": is_decider,
    "verdict": is_decider, "reopen": is_decider,
    "carry_over": lambda p, t: is_owner(p, t) or is_decider(p, t),
    "report": is_owner, "self_assess": is_owner,
    "assess": is_assigned_monitor, "final_assess": is_assigned_monitor,
}
FROM: dict[str, set[str]] = {
    "edit": {DRAFT, RETURNED}, "submit": {DRAFT, RETURNED}, "withdraw": {DRAFT, SUBMITTED, RETURNED},
    "approve": {SUBMITTED}, "return": {SUBMITTED},
    "adjust": {SUBMITTED, APPROVED, IN_PROGRESS}, "assign_monitor": {SUBMITTED, APPROVED, IN_PROGRESS},
    "verdict": {SELF_ASSESSED}, "reopen": {REVIEWED}, "carry_over": {REVIEWED},
    "report": UNDER_WAY, "self_assess": UNDER_WAY, "assess": UNDER_WAY, "final_assess": {SELF_ASSESSED},
}


def may(person: str, action: str, task: ModelTask) -> bool:
    """The who and from-state columns of the table (a reviewed task is locked: only reopen and carry over start
    from it)."""
    return WHO[action](person, task) and task.state in FROM[action]


def refusal(person: str, action: str, task: ModelTask) -> int | None:
    """403 when the person is not one of the action's parties, 409 when the state does not allow it."""
    if not WHO[action](person, task):
        return 403
    if task.state not in FROM[action]:
        return 409
    return None


def valid_monitor(candidate: str | None, task: ModelTask, decider: str) -> bool:
    """A Front monitor of the task's committee, other than the owner and the deciding member."""
    return (candidate is not None and holds(candidate, "monitor", task.committee)
            and candidate not in (task.owner, decider))


def open_quarters(task: ModelTask) -> set[int]:
    """Quarters begun on TODAY (a quarter's note may be written from its first day)."""
    return {1, 2, 3} if task.year == YEAR else set()


# -- the machine --------------------------------------------------------------------------------------------------

def digest(db) -> str:
    """Every row of every table, on a fresh connection."""
    sha = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            sha.update(f"{table.name}:{len(rows)}:{rows!r}".encode("utf-8", "surrogatepass"))
    return sha.hexdigest()


#: drawn to choose a task the action may start from, and a person who may take it, most of the time
MOSTLY = st.sampled_from([True, True, True, False])
#: a withdrawal ends a task's story: its owner is chosen less often
SOMETIMES = st.sampled_from([True, False, False])
OUTCOME = {PermissionDenied: 403, Conflict: 409, ValidationFailed: 422}


class World:
    """The rows of the world, made once per machine run: committees, years, a field, people and their tokens."""

    def __init__(self, db, password_hash: str):
        units = {}
        for code in COMMITTEES:
            unit = OrgUnit(name=f"Đảng bộ {code}", code=f"SM-{code}", level=OrgLevel.PROVINCE if code == "P"
                           else OrgLevel.COMMUNE, parent=units.get("P"))
            db.session.add(unit)
            db.session.flush()
            place(unit)
            units[code] = unit
        self.years = {
            YEAR: Year(year=YEAR, registration_opens_on=date(2025, 11, 1), registration_closes_on=date(2026, 12, 31),
                       q1_deadline=date(2026, 4, 5), q2_deadline=date(2026, 7, 5), q3_deadline=date(2026, 10, 5),
                       q4_deadline=date(2026, 12, 20), rating_regulation="366-QĐ/TW"),
            NEXT: Year(year=NEXT, registration_opens_on=date(2026, 8, 1), registration_closes_on=date(2027, 12, 31),
                       q1_deadline=date(2027, 4, 5), q2_deadline=date(2027, 7, 5), q3_deadline=date(2027, 10, 5),
                       q4_deadline=date(2027, 12, 20), rating_regulation="366-QĐ/TW"),
        }
        self.field = Field(name="GPMB – tái định cư")
        db.session.add_all([*self.years.values(), self.field])
        self.people: dict[str, Person] = {}
        for name, held in PEOPLE.items():
            person = Person(username=name, full_name=f"Người {name}", position="Ủy viên", password_hash=password_hash,
                            org_unit=units[next(iter(held))], is_active_account=True)
            for code, roles in held.items():
                for role in sorted(roles):
                    person.grant(Role(role), units[code])
            db.session.add(person)
            self.people[name] = person
        db.session.flush()
        self.levels = {level.code: level for level in review.ensure_default_levels()}
        self.units = units
        self.ids = {name: person.id for name, person in self.people.items()}
        self.names = {person_id: name for name, person_id in self.ids.items()}
        self.tokens = {name: token_service.create_token(person, "Máy trạng thái")[1]
                       for name, person in self.people.items()}
        db.session.commit()

    def person(self, name: str | None) -> Person | None:
        return _db.session.get(Person, self.ids[name]) if name else None


def make_machine(app, db, password_hash: str, folder: Path):
    client = app.test_client()

    class Workflow(RuleBasedStateMachine):
        """One run: an empty database, the world, then up to STEPS random actions."""

        def __init__(self):
            super().__init__()
            ROLES.clear()
            ROLES.update({name: {c: set(r) for c, r in held.items()} for name, held in PEOPLE.items()})
            db.session.rollback()
            _empty_tables()
            db.session.remove()
            self.world = World(db, password_hash)
            self.tasks: dict[int, ModelTask] = {}
            self.titles = 0
            self.last = ""
            self.done = False

        # -- helpers -------------------------------------------------------------------------------------

        def _title(self) -> str:
            self.titles += 1
            return f"Việc khó số {self.titles}"

        def _task(self, data, action: str, wanted: Callable[[ModelTask], bool] = lambda t: True) -> ModelTask:
            """A task of the model, most often one on which somebody may take ``action`` now."""
            ready = [t for t in self.tasks.values() if t.state in FROM[action] and wanted(t)]
            pool = ready if ready and data.draw(MOSTLY, label="a ready task") else list(self.tasks.values())
            return self.tasks[data.draw(st.sampled_from(sorted(t.id for t in pool)), label="task")]

        def _actor(self, data, action: str, task: ModelTask | None, often=None) -> str:
            """Most often one of the people who may, else anyone."""
            able = [p for p in NAMES if task is not None and WHO[action](p, task)]
            if able and data.draw(MOSTLY if often is None else often, label="a party"):
                return data.draw(st.sampled_from(able), label="actor")
            return data.draw(st.sampled_from(NAMES), label="actor")

        def _monitor(self, data, task: ModelTask, decider: str) -> str:
            """Most often a monitor the decider may name, else anyone."""
            fit = [p for p in NAMES if valid_monitor(p, task, decider) and p != task.approver]
            if fit and data.draw(MOSTLY, label="a fit monitor"):
                return data.draw(st.sampled_from(fit), label="monitor")
            return data.draw(st.sampled_from(NAMES), label="monitor")

        def _via(self, data) -> str:
            return data.draw(st.sampled_from(["service", "service", "api"]), label="via")

        def act(self, what: str, expected: int | None, service: Callable[[], Any],
                api: tuple[str, str, dict] | None, via: str) -> int | None:
            """Take one step the way a request does (one commit, or nothing) and compare the answer with the
            model's prediction (None: done); a refusal must leave every row as it was. Returns the id of what
            was made (a task for registration and carry-over) or None; raises when the answer differs."""
            self.last = f"{what} via {via}"
            before = digest(db)
            made = None
            if via == "api" and api is not None:
                actor, path, body = api
                response = client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json",
                                       headers={"Authorization": f"Bearer {self.world.tokens[actor]}"})
                status, detail = response.status_code, response.get_data(as_text=True)[:300]
                got = None if status in (200, 201) else status
                if got is None:
                    made = response.get_json().get("id")
                db.session.rollback()  # and read what the request committed
            else:
                try:
                    result = service()
                    db.session.commit()
                    got, detail, made = None, "", getattr(result, "id", None)
                except (PermissionDenied, Conflict, ValidationFailed) as exc:
                    db.session.rollback()
                    got, detail = OUTCOME[type(exc)], str(getattr(exc, "message", exc))
            assert got == expected, f"{self.last}: got {got or 'done'}, the model says {expected or 'done'} ({detail})"
            if got is not None:
                assert digest(db) == before, f"{self.last} was refused ({got}) but changed rows"
            self.done = got is None
            return made

        def _row(self, task: ModelTask) -> Task:
            return db.session.get(Task, task.id)

        # -- steps: one action with its choices made, predicted by the model ------------------------------

        def register(self, actor: str, committee: str, via: str) -> ModelTask | None:
            registers_somewhere = any(holds(actor, "owner", c) for c in COMMITTEES)
            expected = None if holds(actor, "owner", committee) else 403 if not registers_somewhere else 422
            unit, year = self.world.units[committee], self.world.years[YEAR]
            values = task_input(self.world.field, year, title=self._title())
            body = {**values, "deadline": values["deadline"].isoformat(), "year": YEAR, "committee_id": unit.id,
                    "milestones": [{**m, "due_on": m["due_on"].isoformat()} for m in values["milestones"]]}
            made = self.act(f"register by {actor} with {committee}", expected,
                            lambda: task_service.create_task(self.world.person(actor), db.session.get(Year, year.id),
                                                             values, committee_id=unit.id),
                            (actor, "/tasks", body), via)
            if not self.done:
                return None
            self.tasks[made] = ModelTask(made, actor, committee, YEAR)
            return self.tasks[made]

        def edit(self, task: ModelTask, actor: str) -> None:
            values = task_input(self.world.field, self.world.years[task.year], title=self._title())
            self.act(f"edit of {task.id} by {actor}", refusal(actor, "edit", task),
                     lambda: task_service.update_task(self.world.person(actor), self._row(task), values), None,
                     "service")
            if self.done:
                task.complete, task.events = True, task.events + 1

        def submit(self, task: ModelTask, actor: str, via: str) -> None:
            expected = refusal(actor, "submit", task) or (None if task.complete else 422)
            self.act(f"submit of {task.id} by {actor}", expected,
                     lambda: task_service.submit_task(self.world.person(actor), self._row(task)),
                     (actor, f"/tasks/{task.id}/submit", {}), via)
            if self.done:
                task.state, task.events = SUBMITTED, task.events + 1

        def withdraw(self, task: ModelTask, actor: str, via: str) -> None:
            reason = "Không còn phù hợp"
            self.act(f"withdraw of {task.id} by {actor}", refusal(actor, "withdraw", task),
                     lambda: task_service.withdraw_task(self.world.person(actor), self._row(task), reason),
                     (actor, f"/tasks/{task.id}/withdraw", {"reason": reason}), via)
            if self.done:
                task.state, task.events = WITHDRAWN, task.events + 1

        def approve(self, task: ModelTask, actor: str, monitor: str, reference: str, via: str) -> None:
            expected = refusal(actor, "approve", task) or (
                None if reference and valid_monitor(monitor, task, actor) else 422)
            self.act(f"approve of {task.id} by {actor} with monitor {monitor}", expected,
                     lambda: task_service.approve_task(self.world.person(actor), self._row(task),
                                                       decision_ref=reference, decision_date=TODAY,
                                                       monitor=self.world.person(monitor)),
                     (actor, f"/tasks/{task.id}/approve", {"decision_ref": reference, "decision_date": TODAY.isoformat(),
                                                           "monitor_id": self.world.ids[monitor]}), via)
            if self.done:
                task.state, task.approver, task.monitor, task.events = APPROVED, actor, monitor, task.events + 1

        def return_(self, task: ModelTask, actor: str, comment: str, via: str) -> None:
            expected = refusal(actor, "return", task) or (None if comment.strip() else 422)
            self.act(f"return of {task.id} by {actor}", expected,
                     lambda: task_service.return_task(self.world.person(actor), self._row(task), comment=comment),
                     (actor, f"/tasks/{task.id}/return", {"comment": comment}), via)
            if self.done:
                task.state, task.events = RETURNED, task.events + 1

        def adjust(self, task: ModelTask, actor: str, reason: str, via: str) -> None:
            title = self._title()
            expected = refusal(actor, "adjust", task) or (None if reason else 422)
            self.act(f"adjust of {task.id} by {actor}", expected,
                     lambda: task_service.adjust_task(self.world.person(actor), self._row(task), reason=reason,
                                                      data={"title": title}),
                     (actor, f"/tasks/{task.id}/adjust", {"reason": reason, "title": title}), via)
            if self.done:
                task.adjustments, task.events = task.adjustments + 1, task.events + 1

        def assign_monitor(self, task: ModelTask, actor: str, monitor: str, via: str) -> None:
            expected = refusal(actor, "assign_monitor", task) or (
                None if valid_monitor(monitor, task, actor) and monitor != task.approver else 422)
            self.act(f"monitor {monitor} for {task.id} by {actor}", expected,
                     lambda: task_service.assign_monitor(self.world.person(actor), self._row(task),
                                                         self.world.person(monitor)),
                     (actor, f"/tasks/{task.id}/assign-monitor", {"monitor_id": self.world.ids[monitor]}), via)
            if self.done:
                task.events += monitor != task.monitor  # naming the same monitor again changes nothing
                task.monitor = monitor

        def add_note(self, task: ModelTask, actor: str, quarter: int, via: str) -> None:
            expected = refusal(actor, "report", task) or (
                None if quarter in open_quarters(task) and quarter not in task.quarters else 409)
            body = {"work_done": "Đã vận động thêm 6 hộ", "status": "on_track", "percent_complete": 40}
            values = {i.id: 30 for i in self._row(task).indicators}
            self.act(f"note Q{quarter} of {task.id} by {actor}", expected,
                     lambda: progress.add_progress_note(self.world.person(actor), self._row(task), quarter,
                                                        {**body, "values": dict(values)}),
                     (actor, f"/tasks/{task.id}/notes",
                      {**body, "quarter": quarter, "values": {str(k): v for k, v in values.items()}}), via)
            if self.done:
                task.quarters.add(quarter)
                task.state, task.events = IN_PROGRESS, task.events + 1

        def assess(self, task: ModelTask, actor: str, period: str, via: str) -> None:
            expected = refusal(actor, "assess", task) or (None if period not in task.periods else 409)
            body = {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Đúng kế hoạch"}
            self.act(f"assessment {period} of {task.id} by {actor}", expected,
                     lambda: monitoring.add_assessment(self.world.person(actor), self._row(task), period, dict(body)),
                     (actor, f"/tasks/{task.id}/assessments", {**body, "period": period}), via)
            if self.done:
                task.periods.add(period)
                task.events += 1

        def self_assess(self, task: ModelTask, actor: str, reached: float, level: str, via: str) -> None:
            level_id = self.world.levels[level].id
            values = {i.id: reached for i in self._row(task).indicators}
            self.act(f"self-assessment of {task.id} by {actor}", refusal(actor, "self_assess", task),
                     lambda: review.submit_self_assessment(self.world.person(actor), self._row(task), {
                         "reached": dict(values), "deliverable": "Mặt bằng sạch", "self_level_id": level_id}),
                     (actor, f"/tasks/{task.id}/self-assessment",
                      {"reached": {str(k): v for k, v in values.items()}, "deliverable": "Mặt bằng sạch",
                       "self_level_id": level_id}), via)
            if self.done:
                task.state, task.self_assessed, task.events = SELF_ASSESSED, True, task.events + 1

        def final_assess(self, task: ModelTask, actor: str, via: str) -> None:
            expected = refusal(actor, "final_assess", task) or (409 if task.final else None)
            body = {"supervision_form": "field_survey", "judgement": "late", "shortcomings": "Còn chậm"}
            self.act(f"final assessment of {task.id} by {actor}", expected,
                     lambda: monitoring.add_assessment(self.world.person(actor), self._row(task), Period.FINAL,
                                                       dict(body)),
                     (actor, f"/tasks/{task.id}/assessments", {**body, "period": "final"}), via)
            if self.done:
                task.final, task.events = True, task.events + 1

        def verdict(self, task: ModelTask, actor: str, code: str, via: str) -> None:
            body: dict[str, Any] = {"level_id": self.world.levels[code].id, "reasons": "Theo kết quả giám sát",
                                    "commendation": "none"}
            if code == "partial":
                body["percent"] = 60
            if code in UNFINISHED:
                body["measures"] = "Chuyển sang năm sau"
            expected = refusal(actor, "verdict", task) or (None if task.final else 409)
            self.act(f"verdict {code} on {task.id} by {actor}", expected,
                     lambda: review.record_verdict(self.world.person(actor), self._row(task), dict(body)),
                     (actor, f"/tasks/{task.id}/verdict", body), via)
            if self.done:
                task.state, task.level, task.verdicts, task.events = REVIEWED, code, task.verdicts + 1, task.events + 1

        def reopen(self, task: ModelTask, actor: str, reason: str, via: str) -> None:
            expected = refusal(actor, "reopen", task) or (None if reason else 422)
            self.act(f"reopen of {task.id} by {actor}", expected,
                     lambda: review.reopen_task(self.world.person(actor), self._row(task), reason),
                     (actor, f"/tasks/{task.id}/reopen", {"reason": reason}), via)
            if self.done:
                task.state, task.level, task.events = SELF_ASSESSED, None, task.events + 1

        def carry_over(self, task: ModelTask, actor: str, via: str) -> None:
            expected = refusal(actor, "carry_over", task)
            if expected is None and (task.level not in UNFINISHED or task.carried):
                expected = 409  # judged finished, or carried over already
            if expected is None and task.year >= NEXT:
                expected = 422  # no later year to carry it into
            year = self.world.years[NEXT]
            made = self.act(f"carry-over of {task.id} by {actor}", expected,
                            lambda: review.carry_over(self.world.person(actor), self._row(task),
                                                      db.session.get(Year, year.id), "Còn dở dang"),
                            (actor, f"/tasks/{task.id}/carry-over", {"year_id": year.id, "reason": "Còn dở dang"}), via)
            if self.done:
                task.carried = True
                self.tasks[made] = ModelTask(made, task.owner, task.committee, NEXT, complete=False,
                                             carried_from=task.id)

        def change_monitor_grant(self, actor: str, person: str, committee: str) -> None:
            """An office gives ``person`` the monitor role in ``committee``, or takes it away."""
            held = {(role, c) for c, roles in ROLES[person].items() for role in roles}
            wanted = held ^ {("monitor", committee)}
            offices = [c for c in COMMITTEES if holds(actor, "secretariat", c)]
            units = {HOME[person]} | {c for _, c in held}
            if not offices or not all(any(within(u, o) for o in offices) for u in units):
                expected = 403  # only an office whose subtree holds the person's unit and every grant
            elif not wanted or not any(within(committee, o) for o in offices):
                expected = 422  # nobody without a role; no grant above the office
            else:
                expected = None
            row = self.world.person(person)
            data = {"username": row.username, "full_name": row.full_name, "position": row.position,
                    "email": row.email, "org_unit_id": row.org_unit_id,
                    "grants": [{"role": role, "unit_id": self.world.units[c].id} for role, c in sorted(wanted)]}
            self.act(f"{'revoke' if ('monitor', committee) in held else 'grant'} monitor of {person} in {committee} "
                     f"by {actor}", expected,
                     lambda: people_service.update_person(self.world.person(actor), self.world.person(person), data),
                     None, "service")
            if self.done:
                ROLES[person] = {}
                for role, c in wanted:
                    ROLES[person].setdefault(c, set()).add(role)

        # -- a starting population: a few tasks taken along the legal path to a random point --------------

        @initialize(data=st.data())
        def populate(self, data):
            for _ in range(data.draw(st.integers(1, 4), label="tasks")):
                owner, committee = data.draw(st.sampled_from(OWNERS), label="owner")
                task = self.register(owner, committee, self._via(data))
                depth = data.draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 7, 7]), label="steps along the path")
                legal = [
                    lambda t: self.submit(t, t.owner, self._via(data)),
                    lambda t: self.approve(t, (d := self._able(data, "approve", t)), self._fit(data, t, d),
                                           "12-QĐ/ĐU", self._via(data)),
                    lambda t: self.add_note(t, t.owner, data.draw(st.integers(1, 3), label="quarter"),
                                            self._via(data)),
                    lambda t: self.self_assess(t, t.owner, data.draw(REACHED, label="reached"),
                                               data.draw(st.sampled_from(LEVELS), label="level"), self._via(data)),
                    lambda t: self.final_assess(t, t.monitor, self._via(data)),
                    lambda t: self.verdict(t, self._able(data, "verdict", t),
                                           data.draw(st.sampled_from(LEVELS), label="level"), self._via(data)),
                    lambda t: self._close(data, t),
                ]
                for take in legal[:depth]:
                    take(task)
                    assert self.done, f"{self.last}: a legal step of the path was refused"

        def _close(self, data, task: ModelTask) -> None:
            """After the verdict: carry an unfinished task over, or reopen it."""
            if task.level in UNFINISHED and data.draw(st.booleans(), label="carry over"):
                self.carry_over(task, self._able(data, "carry_over", task), self._via(data))
            else:
                self.reopen(task, self._able(data, "reopen", task), "Sai số liệu", self._via(data))

        def _able(self, data, action: str, task: ModelTask) -> str:
            return data.draw(st.sampled_from([p for p in NAMES if WHO[action](p, task)]), label="who may")

        def _fit(self, data, task: ModelTask, decider: str) -> str:
            return data.draw(st.sampled_from([p for p in NAMES if valid_monitor(p, task, decider)]), label="monitor")

        # -- rules: random actions by random people ---------------------------------------------------------

        @rule(data=st.data())
        def any_registers(self, data):
            if data.draw(MOSTLY, label="an owner"):
                actor, committee = data.draw(st.sampled_from(OWNERS), label="owner")
            else:
                actor = data.draw(st.sampled_from(NAMES), label="actor")
                committee = data.draw(st.sampled_from(COMMITTEES), label="committee")
            self.register(actor, committee, self._via(data))

        @rule(data=st.data())
        def an_office_changes_a_monitor_grant(self, data):
            actor = data.draw(st.sampled_from(["p_office", "p_office", "a_office", *NAMES]), label="actor")
            person = data.draw(st.sampled_from(["a_monitor", "a_front", "b_owner", "b_monitor", *NAMES]),
                               label="person")
            self.change_monitor_grant(actor, person, data.draw(st.sampled_from(COMMITTEES), label="committee"))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_edits(self, data):
            task = self._task(data, "edit")
            self.edit(task, self._actor(data, "edit", task))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_submits(self, data):
            task = self._task(data, "submit")
            self.submit(task, self._actor(data, "submit", task), self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_withdraws(self, data):
            task = self._task(data, "withdraw")
            self.withdraw(task, self._actor(data, "withdraw", task, SOMETIMES), self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_approves(self, data):
            task = self._task(data, "approve")
            actor = self._actor(data, "approve", task)
            reference = data.draw(st.sampled_from(["12-QĐ/ĐU", "12-QĐ/ĐU", "12-QĐ/ĐU", ""]), label="decision")
            self.approve(task, actor, self._monitor(data, task, actor), reference, self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_returns(self, data):
            task = self._task(data, "return")
            comment = data.draw(st.sampled_from(["Bổ sung chỉ tiêu", "Bổ sung chỉ tiêu", " "]), label="comment")
            self.return_(task, self._actor(data, "return", task), comment, self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_adjusts(self, data):
            task = self._task(data, "adjust")
            reason = data.draw(st.sampled_from(["Điều chỉnh tên việc", "Điều chỉnh tên việc", ""]), label="reason")
            self.adjust(task, self._actor(data, "adjust", task), reason, self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_assigns_a_monitor(self, data):
            task = self._task(data, "assign_monitor")
            actor = self._actor(data, "assign_monitor", task)
            self.assign_monitor(task, actor, self._monitor(data, task, actor), self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_writes_a_note(self, data):
            task = self._task(data, "report")
            self.add_note(task, self._actor(data, "report", task), data.draw(st.integers(1, 4), label="quarter"),
                          self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_assesses(self, data):
            task = self._task(data, "assess")
            self.assess(task, self._actor(data, "assess", task), data.draw(st.sampled_from(IN_YEAR), label="period"),
                        self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_self_assesses(self, data):
            task = self._task(data, "self_assess")
            self.self_assess(task, self._actor(data, "self_assess", task), data.draw(REACHED, label="reached"),
                             data.draw(st.sampled_from(LEVELS), label="level"), self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_gives_the_final_assessment(self, data):
            task = self._task(data, "final_assess", lambda t: not t.final)
            self.final_assess(task, self._actor(data, "final_assess", task), self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_records_a_verdict(self, data):
            task = self._task(data, "verdict", lambda t: t.final)
            self.verdict(task, self._actor(data, "verdict", task), data.draw(st.sampled_from(LEVELS), label="level"),
                         self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_reopens(self, data):
            task = self._task(data, "reopen")
            reason = data.draw(st.sampled_from(["Phát hiện sai sót số liệu", "Phát hiện sai sót số liệu", ""]),
                               label="reason")
            self.reopen(task, self._actor(data, "reopen", task), reason, self._via(data))

        @precondition(lambda self: self.tasks)
        @rule(data=st.data())
        def any_carries_over(self, data):
            task = self._task(data, "carry_over", lambda t: t.level in UNFINISHED and not t.carried)
            self.carry_over(task, self._actor(data, "carry_over", task), self._via(data))

        # -- after every step ------------------------------------------------------------------------------

        @invariant()
        def database_matches_the_model(self):
            db.session.rollback()
            rows = {t.id: t for t in db.session.scalars(select(Task))}
            assert set(rows) == set(self.tasks), f"after {self.last}: tasks {sorted(rows)} != {sorted(self.tasks)}"
            counts = {}
            for model in (ProgressNote, Assessment, SelfAssessment, Verdict, TaskAdjustment):
                counts[model] = dict(db.session.execute(select(model.task_id, func.count()).group_by(model.task_id)).all())
            events = dict(db.session.execute(select(AuditEvent.task_id, func.count()).where(
                AuditEvent.task_id.is_not(None)).group_by(AuditEvent.task_id)).all())
            current = dict(db.session.execute(select(Verdict.task_id, Verdict.level_id).where(
                Verdict.is_current.is_(True))).all())
            level_codes = {level.id: code for code, level in self.world.levels.items()}
            names = self.world.names
            for task_id, expected in self.tasks.items():
                row = rows[task_id]
                seen = {
                    "state": row.state.value, "monitor": names.get(row.monitor_id),
                    "approver": names.get(row.approved_by_id), "owner": names[row.owner_id],
                    "committee": next(c for c, u in self.world.units.items() if u.id == row.committee_id),
                    "year": row.year.year, "locked": policy.is_locked(row),
                    "level": level_codes.get(current.get(task_id)), "carried_from": row.carried_from_id,
                    "notes": counts[ProgressNote].get(task_id, 0),
                    "assessments": counts[Assessment].get(task_id, 0),
                    "self_assessed": counts[SelfAssessment].get(task_id, 0),
                    "verdicts": counts[Verdict].get(task_id, 0), "adjustments": counts[TaskAdjustment].get(task_id, 0),
                    "events": events.get(task_id, 0),
                }
                wanted = {
                    "state": expected.state, "monitor": expected.monitor, "approver": expected.approver,
                    "owner": expected.owner, "committee": expected.committee, "year": expected.year,
                    "locked": expected.state == REVIEWED, "level": expected.level,
                    "carried_from": expected.carried_from, "notes": len(expected.quarters),
                    "assessments": len(expected.periods) + expected.final, "self_assessed": int(expected.self_assessed),
                    "verdicts": expected.verdicts, "adjustments": expected.adjustments, "events": expected.events,
                }
                diff = {k: (seen[k], wanted[k]) for k in wanted if seen[k] != wanted[k]}
                assert not diff, f"after {self.last}: task {task_id} (database, model): {diff}"

        @invariant()
        def the_policy_table_agrees_with_the_model(self):
            rows = {t.id: t for t in db.session.scalars(select(Task))}
            people = {name: self.world.person(name) for name in NAMES}
            wrong = [(name, action, task_id)
                     for task_id, task in self.tasks.items() for name in NAMES for action in WHO
                     if policy.can(people[name], action, rows[task_id]) != may(name, action, task)]
            assert not wrong, f"after {self.last}: policy.can differs from docs/authority.md for {wrong[:10]}"

        @invariant()
        def the_audit_trail_verifies(self):
            report = verify_all(app.config["AUDIT_KEY"], folder)
            assert report.ok, f"after {self.last}: {report}"

    return Workflow


def test_workflow_state_machine(app, db, frozen_now, password_hash, tmp_path, monkeypatch):
    frozen_now(NOW)
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    machine = make_machine(app, db, password_hash, tmp_path / "evidence")
    run_state_machine_as_test(machine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]))


def test_one_story_through_every_action(app, db, frozen_now, password_hash, tmp_path, monkeypatch):
    """Every step once, legal and not, with the answer written out here as well as predicted by the model: a
    registration of commune A from draft to carry-over, and one of the province."""
    frozen_now(NOW)
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    m = make_machine(app, db, password_hash, tmp_path / "evidence")()

    def then(done: bool) -> None:
        assert m.done is done, m.last
        m.database_matches_the_model()
        m.the_policy_table_agrees_with_the_model()
        m.the_audit_trail_verifies()

    t = m.register("a_owner", "A", "api")
    then(True)
    m.register("b_standing", "A", "service")
    then(False)  # 403: registers nowhere
    m.register("b_owner", "A", "api")
    then(False)  # 422: registers with B, not with A
    m.approve(t, "a_standing", "a_monitor", "12-QĐ/ĐU", "api")
    then(False)  # 409: a draft
    m.submit(t, "a_owner2", "api")
    then(False)  # 403: not the owner
    m.submit(t, "a_owner", "service")
    then(True)
    m.return_(t, "a_standing", " ", "api")
    then(False)  # 422: no comment
    m.return_(t, "a_standing", "Bổ sung chỉ tiêu", "api")
    then(True)
    m.edit(t, "a_owner")
    then(True)
    m.submit(t, "a_owner", "api")
    then(True)
    m.assign_monitor(t, "a_standing", "a_front", "api")
    then(True)
    for decider in ("a_front", "b_standing", "p_standing"):  # the monitor; another commune; the province above
        m.approve(t, decider, "a_monitor", "12-QĐ/ĐU", "service")
        then(False)  # 403
    for monitor in ("a_owner", "b_monitor", "a_lead"):  # the owner; B's monitor; the approver
        m.approve(t, "a_lead", monitor, "12-QĐ/ĐU", "api")
        then(False)  # 422
    m.approve(t, "a_lead", "a_monitor", "12-QĐ/ĐU", "api")
    then(True)
    m.assign_monitor(t, "a_standing", "a_lead", "service")
    then(False)  # 422: the approver
    m.adjust(t, "a_standing", "Điều chỉnh tên việc", "api")
    then(True)
    m.add_note(t, "a_owner", 4, "api")
    then(False)  # 409: quarter 4 has not begun
    m.add_note(t, "a_owner", 2, "api")
    then(True)
    m.add_note(t, "a_owner", 2, "service")
    then(False)  # 409: quarter 2 has its note
    m.assess(t, "a_front", "q2", "api")
    then(False)  # 403: no longer the monitor
    m.assess(t, "a_monitor", "q2", "service")
    then(True)
    m.change_monitor_grant("a_office", "a_monitor", "A")
    then(False)  # 422: it is the only role a_monitor holds
    m.change_monitor_grant("p_office", "a_monitor", "B")
    then(True)
    m.change_monitor_grant("a_office", "a_monitor", "A")
    then(False)  # 403: a_monitor now also holds a role in B, outside A's office
    m.change_monitor_grant("p_office", "a_monitor", "A")
    then(True)
    m.assess(t, "a_monitor", "q3", "api")
    then(False)  # 403: no longer a monitor of A
    m.change_monitor_grant("p_office", "a_monitor", "A")
    then(True)
    m.change_monitor_grant("a_office", "b_owner", "A")
    then(False)  # 403: b_owner registers in B, which A's office does not manage
    m.verdict(t, "a_standing", "on_time", "api")
    then(False)  # 409: not self-assessed
    m.self_assess(t, "a_owner", 3, "partial", "api")
    then(True)
    m.verdict(t, "a_standing", "partial", "api")
    then(False)  # 409: no final assessment
    m.final_assess(t, "a_monitor", "service")
    then(True)
    m.final_assess(t, "a_monitor", "api")
    then(False)  # 409: given already
    m.verdict(t, "a_monitor", "partial", "api")
    then(False)  # 403
    m.verdict(t, "a_standing", "partial", "api")
    then(True)
    m.add_note(t, "a_owner", 3, "service")
    then(False)  # 409: locked
    m.adjust(t, "a_standing", "Điều chỉnh", "api")
    then(False)  # 409: locked
    m.reopen(t, "a_owner", "Sai số liệu", "api")
    then(False)  # 403
    m.reopen(t, "a_standing", "", "api")
    then(False)  # 422: no reason
    m.reopen(t, "a_lead", "Sai số liệu", "service")
    then(True)
    m.verdict(t, "a_front", "not_done", "api")
    then(True)
    m.carry_over(t, "a_monitor", "api")
    then(False)  # 403
    m.carry_over(t, "a_owner", "api")
    then(True)
    m.carry_over(t, "a_standing", "service")
    then(False)  # 409: carried over already
    new = m.tasks[max(m.tasks)]
    assert (new.year, new.carried_from, new.owner) == (NEXT, t.id, "a_owner")
    m.submit(new, "a_owner", "api")
    then(False)  # 422: no deadline, no commitment yet
    m.edit(new, "a_owner")
    then(True)
    m.submit(new, "a_owner", "api")
    then(True)
    m.withdraw(new, "a_owner", "api")
    then(True)
    m.withdraw(new, "a_owner", "service")
    then(False)  # 409
    p = m.register("p_chair", "P", "service")
    then(True)
    m.submit(p, "p_chair", "api")
    then(True)
    m.approve(p, "p_chair", "p_monitor", "1-QĐ/TU", "service")
    then(False)  # 403: one's own task
    m.approve(p, "p_standing", "p_monitor", "1-QĐ/TU", "api")
    then(True)


@pytest.mark.parametrize("person", NAMES)
def test_the_model_reads_the_table_as_the_policy_does(person):
    """The model's who-column, spelled out for one task of A (owner a_owner, monitor a_monitor): nobody outside A's
    Standing Committee decides; the owner and the monitor never do; only the assigned monitor assesses."""
    task = ModelTask(1, "a_owner", "A", YEAR, state=SUBMITTED, monitor="a_monitor")
    assert is_decider(person, task) == (person in {"a_lead", "a_standing", "a_front"})
    assert is_assigned_monitor(person, task) == (person == "a_monitor")
    task.monitor = "a_front"  # a Standing Committee member named monitor no longer decides the task
    assert is_decider(person, task) == (person in {"a_lead", "a_standing"})
