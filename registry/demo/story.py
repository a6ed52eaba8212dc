"""The demo as a list of dated events, planned from the data files and replayed in date order through the
services, each inside ``clock.travel`` to its moment."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from registry import clock
from registry.demo.cases import (
    AFTER_REFORM,
    ASSESSMENT_TEXTS,
    AT_RISK_PACE,
    COUNCIL,
    DASHBOARDS,
    DEMO_PASSWORD,
    FIELDS,
    LEVEL_TEXTS,
    MID_YEAR,
    NEW_AT_REFORM,
    OFFICES,
    PEOPLE,
    PUBLIC_PAGE,
    QUARTER_DEADLINES,
    REDECIDE_DAY,
    REFORM_DAY,
    REFORM_HEADS,
    REOPEN_DAY,
    SECRETARY,
    SLOWNESS,
    SUCCESSORS,
    SUPERVISION_FORMS,
    TASKS,
    TEXTS,
    UNITS,
    VERDICT_MEETINGS,
    YEAR_CLOSE_DAY,
    Account,
)
from registry.demo.forms import (
    ROMAN,
    at,
    fill,
    form_data,
    full_form,
    note_data,
    pdf,
    progress as progress_share,
    value,
    year_data,
)
from registry.models import (
    Assessment,
    Field,
    Judgement,
    OrgLevel,
    OrgUnit,
    Period,
    Person,
    ProgressStatus,
    Role,
    Task,
    VerdictLevel,
    Year,
    db,
)
from registry.services import admin, commendations, evidence, monitoring, people, progress, public_page, review, tasks
from registry.services.evidence import EvidenceStore


def _unit_data(code: str, name: str, level: OrgLevel, parent: OrgUnit | None, head: Person | None,
               is_active: bool = True) -> dict:
    return {"code": code, "name": name, "level": level, "parent_id": parent.id if parent else None,
            "head_id": head.id if head else None, "is_active": is_active}


def _unit_changes(unit: OrgUnit, **changes: Any) -> dict:
    """The unit's data for ``admin.save_org_unit`` with ``changes`` (parent, head, is_active) applied."""
    data = {"parent": db.session.get(OrgUnit, unit.parent_id) if unit.parent_id else None,
            "head": db.session.get(Person, unit.head_id) if unit.head_id else None, "is_active": unit.is_active,
            **changes}
    return _unit_data(unit.code, unit.name, unit.level, data["parent"], data["head"], data["is_active"])


def _person_data(person: Person, position: str | None, unit: OrgUnit, grants: list[tuple[Role, OrgUnit]]) -> dict:
    """A person's data for ``people.update_person``: the new post and the whole set of grants."""
    return {"username": person.username, "full_name": person.full_name, "email": person.email,
            "position": position if position is not None else person.position, "org_unit_id": unit.id,
            "grants": [{"role": role, "unit_id": where.id} for role, where in grants]}


def _save_year(actor: Person | None, number: int, opens: date, closes: date) -> Year:
    existing = db.session.scalar(select(Year).where(Year.year == number))
    return admin.save_year(actor, existing, year_data(number, opens, closes))


def _load_fields() -> dict[str, Field]:
    out = {}
    for position, (name, name_en) in enumerate(FIELDS, start=1):
        existing = db.session.scalar(select(Field).where(func.lower(Field.name) == name.lower()))
        out[name] = existing or admin.save_field(None, None, {"name": name, "name_en": name_en,
                                                               "sort_order": position * 10})
    return out


class Story:
    """The demo as a list of dated events, planned first and then replayed in date order through the services,
    each inside ``clock.travel`` to its moment. Nothing is planned after today: the current year stops at the
    last quarter whose deadline has passed, and its January registrations are squeezed before today when today
    is earlier."""

    def __init__(self, evidence_folder: str | Path | None) -> None:
        self.now, self.today = clock.now(), clock.today()
        self.limit = self.now - timedelta(minutes=5)  # the latest moment an event may have
        self.numbers = {"previous": self.today.year - 1, "current": self.today.year}
        self.store = EvidenceStore(Path(evidence_folder)) if evidence_folder is not None else None
        self.events: list[tuple[datetime, int, Callable[[], Any]]] = []
        self.specs = {spec["key"]: spec for spec in TASKS}
        self.fields: dict[str, Field] = {}
        self.units: dict[str, OrgUnit] = {}
        self.persons: dict[str, Person] = {}
        self.levels: dict[str, VerdictLevel] = {}
        self.years: dict[str, Year] = {}
        self.tasks: dict[str, Task] = {}
        self.forms: dict[str, dict[str, Any]] = {}
        self.approved_at: dict[str, datetime] = {}
        self.assessments: dict[tuple[str, str], Assessment] = {}

    # -- planning

    def at(self, moment: datetime, action: Callable[..., Any], *args: Any) -> None:
        self.events.append((moment, len(self.events), partial(action, *args)))

    def plan(self) -> None:
        previous = self.numbers["previous"]
        self.at(at(date(previous - 1, 11, 1)), self.set_up)
        self.at(at(date(previous, *REFORM_DAY)), self.reform)
        self.at(at(date(previous, *YEAR_CLOSE_DAY)), self.close_districts)
        self.at(at(date(previous, 11, 1)), self.open_year, "current")
        for index, spec in enumerate(TASKS):
            self.plan_registration(index, spec)
        self.plan_year("previous")
        self.plan_year_end()
        self.plan_year("current")
        current = self.numbers["current"]
        self.at(self.by_now(at(date(current, *COUNCIL["day"]), 120)), self.council_decision)
        self.at(self.by_now(at(date(current, *PUBLIC_PAGE["day"]), 90)), self.publish)

    def by_now(self, moment: datetime) -> datetime:
        """``moment``, or a little before the latest moment when today comes first (a step that must happen)."""
        return min(moment, self.limit - timedelta(minutes=10))

    def fit(self, which: str, moment: datetime) -> datetime:
        """The current year registers from 5 to 31 January; when today comes earlier, those days are squeezed
        into the days before today (from 28/12 of the previous year at the earliest), each event keeping its
        time of day. A task's steps share one time of day, so they keep their order."""
        number = self.numbers["current"]
        first, last = date(number, 1, 5), date(number, 1, 31)
        day = moment.astimezone(clock.LOCAL_TZ).date()
        if which != "current" or self.today > last or not first <= day <= last:
            return moment
        start = first if (self.today - first).days >= 4 else date(number - 1, 12, 28)
        room = (self.today - timedelta(days=1) - start).days
        return moment + (start + timedelta(days=(day - first).days * room // (last - first).days) - day)

    def plan_registration(self, index: int, spec: dict[str, Any]) -> None:
        """Registered in January (a day and time set by the task's place in the list), each step a day after the
        one before unless it names its day."""
        which, key, number = spec["year"], spec["key"], self.numbers[spec["year"]]
        minutes = (index * 7) % 300
        moment = at(date(number, 1, 5 + index % 9), minutes)
        self.at(self.fit(which, moment), self.register, spec)
        for step in spec["steps"]:
            following = at(date(number, *step["on"]), minutes) if step["on"] else moment + timedelta(days=1)
            if following <= moment:
                raise ValueError(f"demo task {key}: step {step['do']} is dated before the step it follows")
            moment = following
            self.at(self.fit(which, moment), self.step, key, step)
            if step["do"] == "approve":
                self.approved_at[key] = self.fit(which, moment)

    def approved_specs(self, which: str) -> list[dict[str, Any]]:
        return [s for s in TASKS if s["year"] == which and self.approved_at.get(s["key"], self.limit) < self.limit]

    def plan_year(self, which: str) -> None:
        """Quarterly notes, the monitor's assessments with recommendations and the owner's answers, the
        six-month review."""
        number = self.numbers[which]
        deadlines = [date(number, *md) for md in QUARTER_DEADLINES]
        for n, spec in enumerate(self.approved_specs(which)):
            key = spec["key"]
            if which == "previous":
                end = spec["end"]
                quarters = [1, 2, 3, 4]
                end_share, slowness = end["reached"], SLOWNESS.get(end["level"], 1.0)
            else:
                end = {}
                quarters = [q for q, deadline in enumerate(deadlines, start=1) if deadline < self.today]
                if key == DASHBOARDS["skips_last_note"]:
                    quarters = quarters[:-1]
                end_share, slowness = (AT_RISK_PACE if key == DASHBOARDS["at_risk"] else 1.0), 1.0
            notes: dict[int, datetime] = {}
            for q in quarters:
                if which == "previous" and q == 4:  # early, before the year-end self-assessment
                    day = date(number, 12, 1 + n % 4)
                elif q in end.get("late", ()):
                    day = deadlines[q - 1] + timedelta(days=3 + n % 3)
                else:
                    day = deadlines[q - 1] - timedelta(days=2 + n % 4)
                moment = at(day, 60 + 5 * n)
                if self.approved_at[key] < moment <= self.limit:
                    notes[q] = moment
                    self.at(moment, self.note, key, q, end_share, slowness)
            self.plan_assessments(which, n, key, notes, bool(end.get("late_reply")))
        self.at(at(date(number, 7, 15), 60), self.snapshot, which)
        self.at(at(date(number, 7, 22), 360), self.conclude_mid_year, which)

    def plan_assessments(self, which: str, n: int, key: str, notes: dict[int, datetime], late_reply: bool) -> None:
        """Every other quarter (alternating between tasks) the monitor assesses the note a week later with one
        recommendation; the owner acknowledges two days later and replies within the week."""
        wanted = (1, 3) if n % 2 == 0 else (2, 4)
        if which == "previous":  # the fourth quarter is covered by the final assessment
            wanted = tuple(q for q in wanted if q < 4)
        planned = {q: notes[q] + timedelta(days=8) for q in wanted if q in notes}
        unanswered, floor = set(), None
        if which == "current" and key == DASHBOARDS["open_recommendation"] and notes:
            q = max(notes)
            moment = min(notes[q] + timedelta(days=8), self.limit - timedelta(hours=1))
            if moment > notes[q]:
                planned[q], floor = moment, self.today + timedelta(days=14)
                unanswered.add(q)
        if which == "current" and key == DASHBOARDS["overdue_recommendation"]:
            for q in sorted(notes, reverse=True):
                moment = notes[q] + timedelta(days=8)
                if (moment + timedelta(days=20)).date() < self.today - timedelta(days=1):
                    planned[q] = moment
                    unanswered.add(q)
                    break
        for q in sorted(planned):
            moment = planned[q]
            if moment > self.limit:
                continue
            self.at(moment, self.assess, key, q, n, floor if q in unanswered else None)
            self.at(moment + timedelta(days=2), self.acknowledge, key, f"q{q}")
            if q not in unanswered:
                self.at(moment + timedelta(days=24 if late_reply else 6), self.reply, key, f"q{q}")
                late_reply = False

    def plan_year_end(self) -> None:
        """Self-assessment in early December, the monitor's final assessment, the Standing Committee's verdicts
        at its year-end meeting; one verdict is reopened and decided again."""
        number = self.numbers["previous"]
        for n, spec in enumerate(self.approved_specs("previous")):
            key, end = spec["key"], spec["end"]
            self.at(at(date(number, 12, 5 + n % 4), 90), self.self_assess, key)
            final = at(date(number, 12, 10 + n % 4), 120)
            self.at(final, self.final_assessment, key, n)
            self.at(final + timedelta(days=1), self.acknowledge, key, "final")
            meeting, ref = VERDICT_MEETINGS[spec["committee"]]
            self.at(at(date(number, *meeting), 360 + n), self.verdict, key, end, ref)
            if "reopen" in end:
                self.at(at(date(number, *REOPEN_DAY), 120), self.reopen, key)
                self.at(at(date(number, *REDECIDE_DAY), 360), self.verdict, key, end["reopen"],
                        end["reopen"]["conclusion_ref"])

    def run(self) -> None:
        for moment, _order, action in sorted(self.events, key=lambda event: event[:2]):
            if moment <= self.limit:
                with clock.travel(moment):
                    action()

    # -- the events

    def set_up(self) -> None:
        """Fields, units (the districts with their wards and communes), people with the grants they hold before
        the reform, unit heads and the verdict scale; the secretariat opens the previous year."""
        self.fields = _load_fields()
        for unit in UNITS:
            self.units[unit.code] = admin.save_org_unit(None, None, _unit_data(
                unit.code, unit.name, unit.level, self.units.get(unit.parent), None))
        for account in PEOPLE:
            self.create_person(None, account)
        for unit in UNITS:
            if unit.head:
                admin.save_org_unit(None, self.units[unit.code], _unit_data(
                    unit.code, unit.name, unit.level, self.units.get(unit.parent), self.persons[unit.head]))
        for level in reversed(review.ensure_default_levels()):  # the first level of each outcome wins
            self.levels[level.outcome.value] = level
        self.open_year("previous")

    def create_person(self, actor: Person | None, account: Account) -> None:
        self.persons[account.username] = people.create_person(
            actor, {"username": account.username, "full_name": account.full_name, "position": account.position,
                    "org_unit_id": self.units[account.unit].id,
                    "grants": [{"role": role, "unit_id": self.units[code].id} for role, code in account.grants]},
            password=DEMO_PASSWORD)

    def office(self, code: str) -> Person:
        """The secretariat of the province of unit ``code`` ("HN-TAYHO" is in "HN")."""
        return self.persons[OFFICES[code.split("-")[0]]]

    def reform(self) -> None:
        """1 July of the previous year: each province office moves its districts' wards and communes up under
        the province and closes the districts and their agencies (inactive, kept in the tree under the
        province); the people take their new posts, keeping their district grants until the district's year is
        decided; the new ward and commune committees get their office and inspection accounts."""
        for district in [u.code for u in UNITS if u.level is OrgLevel.DISTRICT]:
            office, province = self.office(district), self.units[district].parent
            for unit in UNITS:
                if unit.parent == district and unit.level is OrgLevel.COMMUNE:
                    admin.save_org_unit(office, self.units[unit.code],
                                        _unit_changes(self.units[unit.code], parent=province))
            for unit in UNITS:
                if unit.code == district or (unit.parent == district and unit.level is not OrgLevel.COMMUNE):
                    admin.save_org_unit(office, self.units[unit.code],
                                        _unit_changes(self.units[unit.code], is_active=False))
        for username, post in AFTER_REFORM.items():
            person = self.persons[username]
            held = [(g.role, g.unit) for g in person.grants]
            added = [(role, self.units[code]) for role, code in post.grants]
            people.update_person(self.office(post.unit), person,
                                 _person_data(person, post.position, self.units[post.unit], held + added))
        for code, head in REFORM_HEADS.items():
            admin.save_org_unit(self.office(code), self.units[code],
                                _unit_changes(self.units[code], head=self.persons[head]))
        for account in NEW_AT_REFORM:
            self.create_person(self.office(account.unit), account)

    def close_districts(self) -> None:
        """Once the district committees have decided their year, the province offices end every grant held in
        an inactive unit and merge each closed unit into its successor. The previous year's tasks, all decided,
        stay registered with the districts, for the history."""
        for person in self.persons.values():
            kept = [(g.role, g.unit) for g in person.grants if g.unit.is_active]
            if len(kept) < len(person.grants):
                home = db.session.get(OrgUnit, person.org_unit_id)  # ``person.org_unit`` may predate the reform
                people.update_person(self.office(home.code), person, _person_data(person, None, home, kept))
        for code, successor in SUCCESSORS.items():
            admin.merge_units(self.office(code), self.units[code], self.units[successor])

    def open_year(self, which: str) -> None:
        """The secretariat opens a year: registration from 1/11 of the year before to the end of January."""
        number = self.numbers[which]
        self.years[which] = _save_year(self.persons[SECRETARY], number, date(number - 1, 11, 1), date(number, 1, 31))

    def extend_window(self) -> None:
        """Today, the secretariat keeps the current year's registration open at least 60 more days."""
        year = self.years["current"]
        closes = max(year.registration_closes_on, self.today + timedelta(days=60))
        self.years["current"] = _save_year(self.persons[SECRETARY], year.year, year.registration_opens_on, closes)

    def register(self, spec: dict[str, Any]) -> None:
        year, owner = self.years[spec["year"]], self.persons[spec["owner"]]
        form = full_form(spec, year, self.fields, owner, self.units)
        committee = self.units[spec["committee"]]
        if spec.get("carry"):  # into the one committee the owner now registers with
            task = review.carry_over(owner, self.tasks[spec["carry"]], year, fill(spec["carry_reason"], year.year))
            if task.committee_id != committee.id:  # pragma: no cover - a mistake in the data files
                raise ValueError(f"demo task {spec['key']} was carried over into the wrong committee")
        else:
            unit_id = self.units[spec["unit"]].id if spec.get("unit") else None
            task = tasks.create_task(owner, year, form, owner_unit_id=unit_id, committee_id=committee.id)
        self.tasks[spec["key"]], self.forms[spec["key"]] = task, form

    def step(self, key: str, step: dict[str, Any]) -> None:
        task, form = self.tasks[key], self.forms[key]
        owner, number, action = task.owner, task.year.year, step["do"]
        if action == "submit":
            tasks.submit_task(owner, task)
        elif action == "withdraw":
            tasks.withdraw_task(owner, task, fill(step["reason"], number))
        elif action == "return":
            tasks.return_task(self.persons[step["by"]], task, comment=fill(step["comment"], number))
        elif action == "update":
            tasks.update_task(owner, task, {**form, **form_data(step["changes"], task.year, self.fields)})
        elif action == "adjust":
            tasks.adjust_task(self.persons[step["by"]], task, reason=fill(step["reason"], number),
                              data=form_data(step["changes"], task.year, self.fields))
        elif action == "approve":
            tasks.approve_task(self.persons[step["by"]], task, decision_ref=step["decision"],
                               decision_date=clock.today(), monitor=self.persons[step["monitor"]])
        else:  # pragma: no cover - a typo in the data files
            raise ValueError(f"unknown demo step {action!r}")

    def note(self, key: str, quarter: int, end_share: float, slowness: float) -> None:
        task = self.tasks[key]
        share, status = progress_share(task, quarter, end_share, slowness)
        note = progress.add_progress_note(task.owner, task, quarter, note_data(task, quarter, share, status))
        if self.store is not None and quarter % 2 == 0:
            lines = [line.format(quarter=ROMAN[quarter], year=task.year.year, title=task.title,
                                 owner=task.owner.full_name, date=f"{clock.today():%d/%m/%Y}")
                     for line in TEXTS["evidence_lines"]]
            evidence.attach_evidence(task.owner, note, io.BytesIO(pdf(lines)),
                                     TEXTS["evidence_name"].format(code=task.code, number=quarter), self.store)

    def assess(self, key: str, quarter: int, n: int, deadline_floor: date | None) -> None:
        task = self.tasks[key]
        note = next(note for note in task.notes if note.quarter == quarter)
        behind = note.status in (ProgressStatus.AT_RISK, ProgressStatus.LATE)
        texts = ASSESSMENT_TEXTS["behind" if behind else "on_track"]
        deadline = clock.today() + timedelta(days=20)
        if deadline_floor is not None:
            deadline = max(deadline, deadline_floor)
        q = ROMAN[quarter]
        self.assessments[(key, f"q{quarter}")] = monitoring.add_assessment(
            task.monitor, task, Period(f"q{quarter}"),
            {"supervision_form": SUPERVISION_FORMS[(n + quarter) % 4], "judgement": "late" if behind else "on_track",
             "strengths": texts["strengths"].format(q=q), "shortcomings": texts["shortcomings"].format(q=q),
             "causes": texts["causes"]},
            [{"content": texts["recommendation"].format(q=q), "reply_deadline": deadline,
              "addressee": TEXTS["addressee"].format(name=task.owner.full_name, position=task.owner.position)}])

    def acknowledge(self, key: str, period: str) -> None:
        monitoring.acknowledge_assessment(self.tasks[key].owner, self.assessments[(key, period)])

    def reply(self, key: str, period: str) -> None:
        assessment = self.assessments[(key, period)]
        reply = ASSESSMENT_TEXTS["behind" if assessment.judgement == Judgement.LATE else "on_track"]["reply"]
        monitoring.reply_to_recommendation(self.tasks[key].owner, assessment.recommendations[0], reply)

    def snapshot(self, which: str) -> None:
        """Each province office takes the mid-year snapshots of the committees in its province."""
        for office in OFFICES.values():
            monitoring.take_mid_year_snapshots(self.persons[office], self.years[which])

    def conclude_mid_year(self, which: str) -> None:
        """The Standing Committee concludes on the tasks behind at mid-year, and praises the first on track."""
        praised = False
        for task in self.tasks.values():
            review_ = task.mid_year_review
            if task.year_id != self.years[which].id or review_ is None:
                continue
            behind = review_.snapshot.get("status") in ("at_risk", "late")
            if not behind and (praised or review_.snapshot.get("status") is None):
                continue
            praised = praised or not behind
            conclusion = MID_YEAR["behind" if behind else "on_track"].format(owner=task.owner.full_name)
            monitoring.conclude_mid_year(task.approved_by, review_, conclusion)

    def self_assess(self, key: str) -> None:
        task, end = self.tasks[key], self.specs[key]["end"]
        texts = LEVEL_TEXTS[end["level"]]
        review.submit_self_assessment(task.owner, task, {
            "reached": {i.id: value(i, end["reached"]) for i in task.indicators},
            "deliverable": texts["deliverable"].format(d=task.deliverable),
            "self_level_id": self.levels[end.get("self_level", end["level"])].id,
            "shortcomings": texts["shortcomings"], "lessons": texts["lessons"]})

    def final_assessment(self, key: str, n: int) -> None:
        task, texts = self.tasks[key], LEVEL_TEXTS[self.specs[key]["end"]["level"]]
        self.assessments[(key, "final")] = monitoring.add_assessment(task.monitor, task, Period.FINAL, {
            "supervision_form": SUPERVISION_FORMS[(n + 1) % 4], "judgement": texts["judgement"],
            "strengths": texts["strengths"], "shortcomings": texts["weaknesses"], "causes": ""})

    def verdict(self, key: str, outcome: dict[str, Any], ref: str) -> None:
        task = self.tasks[key]
        number, level = task.year.year, self.levels[outcome["level"]]
        data = {"level_id": level.id, "reasons": fill(outcome["reasons"], number),
                "commendation": outcome.get("commendation", "none"),
                "commendation_form": fill(outcome.get("commendation_form", ""), number),
                "measures": fill(outcome.get("measures", ""), number),
                "conclusion_ref": TEXTS["conclusion_ref"].format(ref=ref, date=f"{clock.today():%d/%m/%Y}")}
        if level.requires_percent:
            data["percent"] = outcome["percent"]
        decider = self.persons[outcome["by"]] if "by" in outcome else task.approved_by
        review.record_verdict(decider, task, data)

    def council_decision(self) -> None:
        """The province office records the emulation council's decision on the commendation that a previous-year
        verdict proposed."""
        verdict = self.tasks[COUNCIL["task"]].current_verdict
        commendations.decide(self.persons[COUNCIL["by"]], verdict, {
            "decision": COUNCIL["decision"], "decision_ref": COUNCIL["decision_ref"],
            "decided_on": clock.today(), "reason": COUNCIL.get("reason", "")})

    def publish(self) -> None:
        """The ward's office switches its committee's public transparency page on, with the chosen columns."""
        public_page.save_public_page(self.persons[PUBLIC_PAGE["by"]], self.units[PUBLIC_PAGE["unit"]],
                                     {"is_enabled": True, "columns": list(PUBLIC_PAGE["columns"])})

    def reopen(self, key: str) -> None:
        task, again = self.tasks[key], self.specs[key]["end"]["reopen"]
        review.reopen_task(self.persons[again["by"]], task, fill(again["reason"], task.year.year))
