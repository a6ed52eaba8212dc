"""The demo loader: a rich, rule-abiding data set, replayed in date order and loaded once, across the 2025 reform
(the previous year with district committees, the current one with province → wards and communes)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from functools import partial
from importlib import resources
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from registry import clock, policy
from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, cases, load_demo
from registry.models import (
    UNFINISHED,
    AuditEvent,
    Commendation,
    EvidenceFile,
    Field,
    MidYearReview,
    OrgLevel,
    OrgUnit,
    Outcome,
    Ownership,
    Person,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    RoleGrant,
    Task,
    TaskAdjustment,
    TaskState,
    Verdict,
    VerdictLevel,
    Year,
)
from registry.models.task import DECIDED_STATES
from registry.policy import is_locked
from registry.services import attention
from registry.services import evidence, monitoring, queries, review
from registry.services.people import authenticate
from registry.services.progress import quarter_window
from registry.services.verify import verify_all

MODELS = (Year, Field, OrgUnit, Person, Task, TaskAdjustment, AuditEvent)
#: what the demo built at 15/03/2026 09:00 UTC, recorded from the Python loader before the cases became data
WORLD = Path(__file__).with_name("demo_world.json")
#: tables whose row counts change with features that are not the demo's (the trail, notifications, sign-ins)
VOLATILE_TABLES = {"audit_events", "notifications", "sign_in_attempts"}


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """The demo's 44 accounts hashed with a cheap method, so that each load takes seconds, not a minute."""
    monkeypatch.setattr("registry.models.person.generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


def person(db, username: str) -> Person:
    return db.session.scalar(select(Person).where(Person.username == username))


def province_of(unit: OrgUnit) -> int:
    """The id of the top unit above ``unit`` (read from its path)."""
    return unit.ancestor_ids[0]


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def local(moment: datetime) -> date:
    return moment.astimezone(clock.LOCAL_TZ).date()


def world_facts(db) -> dict:
    """What the demo built, read back: rows per table, every unit, account with its grants, year, field and task."""
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.code)).all()
    return {
        "rows": {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
                 if t.name not in VOLATILE_TABLES},
        "units": [[u.code, u.name, u.level.value, u.parent.code if u.parent else None, u.is_active,
                   u.merged_into.code if u.merged_into else None, u.head.username if u.head else None]
                  for u in units],
        "people": [[p.username, p.full_name, p.position, p.org_unit.code,
                    sorted(f"{g.role.value}@{g.unit.code}" for g in p.grants)]
                   for p in db.session.scalars(select(Person).order_by(Person.username))],
        "years": [[y.year, y.registration_opens_on.isoformat(), y.registration_closes_on.isoformat(),
                   y.rating_regulation] for y in db.session.scalars(select(Year).order_by(Year.year))],
        "fields": [[f.name, f.sort_order] for f in db.session.scalars(select(Field).order_by(Field.sort_order))],
        "tasks": [[t.code, t.title, t.state.value, t.committee.code, t.owner.username, t.deadline.isoformat(),
                   t.carried_from.code if t.carried_from else None]
                  for t in db.session.scalars(select(Task).order_by(Task.id))],
    }


def assert_replayed_in_order(app, db, folder: Path | None = None) -> None:
    """The trail verifies, reads in date order, and nothing is dated after today or before its time."""
    report = verify_all(app.config["AUDIT_KEY"], folder or Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    moments = [e.occurred_at for e in events]
    assert moments == sorted(moments)
    now, today = clock.now(), clock.today()
    assert moments[-1] <= now
    for task in db.session.scalars(select(Task)):
        assert task.decision_date is None or task.decision_date <= today
        for note in task.notes:
            assert quarter_window(task, note.quarter).opens_on <= local(note.submitted_at) <= today
            assert note.is_late == (local(note.submitted_at) > quarter_window(task, note.quarter).deadline)
        for assessment in task.assessments:
            assert assessment.created_at <= now
    years = {y.year: y for y in db.session.scalars(select(Year))}
    previous, current = years[today.year - 1], years[today.year]
    # the previous year's window was never opened artificially: it keeps its real dates
    assert (previous.registration_opens_on, previous.registration_closes_on) == (
        date(today.year - 2, 11, 1), date(today.year - 1, 1, 31))
    assert current.registration_open_on(today)
    assert (current.registration_closes_on - today).days >= 60


def test_load_demo_builds_a_full_world(app, db):
    assert load_demo() is True

    years = db.session.scalars(select(Year).order_by(Year.year)).all()
    assert len(years) >= 2
    today = clock.today()
    current = next(y for y in years if y.year == today.year)
    previous = next(y for y in years if y.year == today.year - 1)
    assert current.registration_open_on(today)
    assert (current.registration_closes_on - today).days >= 60
    assert previous.registration_closes_on < today  # its real, past window
    assert len({u.level for u in db.session.scalars(select(OrgUnit))}) >= 3
    assert db.session.scalar(select(func.count()).select_from(Field)) >= 9

    persons = db.session.scalars(select(Person)).all()
    assert len(persons) >= 30
    assert set().union(*(p.roles for p in persons)) == set(Role)
    usernames = {p.username for p in persons}
    assert {u for u, _ in DEMO_LOGINS} <= usernames
    assert authenticate(DEMO_LOGINS[0][0], DEMO_PASSWORD) is not None

    all_tasks = db.session.scalars(select(Task)).all()
    assert len(all_tasks) >= 20
    states = {t.state for t in all_tasks}
    assert {TaskState.DRAFT, TaskState.SUBMITTED, TaskState.RETURNED, TaskState.WITHDRAWN} <= states
    assert states & {TaskState.APPROVED, TaskState.IN_PROGRESS}
    assert {t.ownership for t in all_tasks} == {Ownership.INDIVIDUAL, Ownership.COLLECTIVE}
    for task in all_tasks:
        assert task.year.year in (today.year, today.year - 1)
        assert task.indicators and task.milestones and task.goal and task.deliverable and task.is_committed
        assert task.deadline.year == task.year.year
        if task.ownership is Ownership.COLLECTIVE:
            assert task.owner_unit.head_id == task.owner_id
        if task.state in DECIDED_STATES:
            assert task.monitor_id is not None and task.approved_by_id is not None
            assert len({task.owner_id, task.approved_by_id, task.monitor_id}) == 3
            assert task.decision_ref and task.decision_date <= today
        if task.state is TaskState.RETURNED:
            assert task.return_comment

    adjusted_in_queue = [t for t in all_tasks if t.state is TaskState.SUBMITTED and t.adjustments]
    assert adjusted_in_queue and all(a.reason for t in adjusted_in_queue for a in t.adjustments)

    with_events = set(db.session.scalars(select(AuditEvent.task_id).where(AuditEvent.task_id.is_not(None))))
    assert {t.id for t in all_tasks} <= with_events
    assert_replayed_in_order(app, db)


def test_late_november_shows_the_whole_lifecycle(app, db, frozen_now):
    frozen_now(datetime(2025, 11, 22, 3, 0, tzinfo=timezone.utc))  # 10:00 in Vietnam
    assert load_demo() is True
    assert_replayed_in_order(app, db)
    today = clock.today()
    all_tasks = db.session.scalars(select(Task)).all()

    assert {TaskState.DRAFT, TaskState.SUBMITTED, TaskState.RETURNED, TaskState.APPROVED, TaskState.IN_PROGRESS,
            TaskState.REVIEWED, TaskState.WITHDRAWN} <= {t.state for t in all_tasks}
    for task in all_tasks:
        if task.year.year == today.year - 1:  # the previous year is decided and locked
            assert task.state in (TaskState.REVIEWED, TaskState.WITHDRAWN)
            assert task.state is TaskState.WITHDRAWN or is_locked(task)

    # the verdicts cover the whole scale, each with what its level requires
    verdicts = db.session.scalars(select(Verdict)).all()
    current = [v for v in verdicts if v.is_current]
    assert {v.level.code for v in current} == {level.code for level in db.session.scalars(select(VerdictLevel))}
    by_outcome = {v.level.outcome: v for v in current}
    assert by_outcome[Outcome.EXCEEDED].commendation is Commendation.REWARD
    assert by_outcome[Outcome.EXCEEDED].commendation_form
    assert any(v.commendation is Commendation.PRAISE and v.commendation_form for v in current)
    assert 0 < by_outcome[Outcome.PARTIAL].percent < 100 and by_outcome[Outcome.PARTIAL].measures
    assert by_outcome[Outcome.NOT_DONE].measures
    assert all(v.conclusion_ref and v.task.self_assessment and review.final_assessment(v.task) for v in current)
    # one verdict was reopened with a reason and decided again; the trail shows both
    reopened = [v for v in verdicts if not v.is_current]
    assert reopened and all(v.reopen_reason and v.task.current_verdict is not None for v in reopened)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.task_id == reopened[0].task_id).order_by(AuditEvent.seq))]
    assert actions[-3:] == ["task.verdict", "task.reopen", "task.verdict"]

    # unfinished tasks were carried over and approved again; the lineage shows both ways
    carried = [t for t in all_tasks if t.carried_from is not None]
    assert {t.carried_from.current_verdict.level.outcome for t in carried} == set(UNFINISHED)
    for task in carried:
        assert task.carried_from.carried_into is task and task.carry_reason
        assert review.lineage(task) == review.lineage(task.carried_from) == [task.carried_from, task]
        assert task.state in (TaskState.APPROVED, TaskState.IN_PROGRESS)
        assert task.year.year == today.year and task.carried_from.year.year == today.year - 1

    # the year under way: late and at-risk notes, the six-month review, recommendations open and overdue
    notes = db.session.scalars(select(ProgressNote)).all()
    assert any(n.is_late for n in notes)
    assert any(n.status is ProgressStatus.AT_RISK and n.task.year.year == today.year for n in notes)
    reviews = db.session.scalars(select(MidYearReview)).all()
    assert {r.task.year.year for r in reviews} == {today.year, today.year - 1}
    assert any(r.conclusion for r in reviews)
    recommendations = db.session.scalars(select(Recommendation)).all()
    assert any(r.replied_at and local(r.replied_at) > r.reply_deadline for r in recommendations)  # a late reply
    open_ = [r for r in recommendations if r.status is RecommendationStatus.OPEN]
    assert any(r.reply_deadline > today for r in open_)
    assert any(monitoring.is_reply_overdue(r) for r in open_)
    # the Standing Committees have something to look at in their own committee: a missing note, a task at risk
    worrying = set()
    for username in ("bithu.tayho", "chutich.tayho"):  # the city's and Phú Thượng ward's
        member = person(db, username)
        found = db.session.scalars(attention.late_or_at_risk(member, queries.current_year())).all()
        assert found and all(policy.holds(member, Role.STANDING, t.committee_id) for t in found)
        worrying |= {t.id for t in found}
    assert len(worrying) >= 2


@pytest.mark.parametrize("moment", [
    datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc),  # registration under way
    datetime(2026, 7, 10, 3, 0, tzinfo=timezone.utc),  # after the second quarter's deadline
    datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc),  # the last evening of the year
], ids=["15-01", "10-07", "31-12"])
def test_the_demo_loads_whatever_the_date(app, db, frozen_now, moment):
    frozen_now(moment)
    assert load_demo() is True
    assert_replayed_in_order(app, db)
    today = clock.today()
    current_tasks = [t for t in db.session.scalars(select(Task)) if t.year.year == today.year]
    states = {t.state for t in current_tasks}
    assert {TaskState.DRAFT, TaskState.SUBMITTED, TaskState.RETURNED, TaskState.WITHDRAWN} <= states
    assert states & {TaskState.APPROVED, TaskState.IN_PROGRESS}
    assert any(t.carried_from is not None for t in current_tasks)
    for task in current_tasks:  # notes only for quarters whose deadline has passed
        assert all(quarter_window(task, n.quarter).deadline < today for n in task.notes)

    before = counts(db)
    assert load_demo() is False
    assert counts(db) == before


def test_the_demo_follows_the_two_level_administration(app, db):
    """Previous year: district committees; since the reform, province → wards and communes, each committee with
    its own authorities, and the two provinces apart."""
    assert load_demo() is True
    today = clock.today()
    units = db.session.scalars(select(OrgUnit)).all()
    provinces = [u for u in units if u.level is OrgLevel.PROVINCE]
    assert len(provinces) == 2 and all(u.parent_id is None and u.is_active for u in provinces)
    # the districts stay in the tree, inactive, merged into their province; the communes sit right under it
    districts = [u for u in units if u.level is OrgLevel.DISTRICT]
    assert districts and all(not u.is_active and u.parent.level is OrgLevel.PROVINCE for u in districts)
    assert all(u.merged_into_id == u.parent_id for u in districts)
    assert not any(u.parent in districts for u in units)  # their agencies went to their successors
    assert all(u.merged_into is not None and u.merged_into.is_active for u in units if not u.is_active)
    communes = [u for u in units if u.level is OrgLevel.COMMUNE]
    assert len(communes) >= 6 and all(u.is_active and u.parent.level is OrgLevel.PROVINCE for u in communes)
    assert {u.code for u in units if u.parent is not None and u.parent.level is OrgLevel.COMMUNE}  # a Party cell

    # the previous year's tasks are registered with the districts, the current year's with none of them
    all_tasks = db.session.scalars(select(Task)).all()
    previous = [t for t in all_tasks if t.year.year == today.year - 1]
    current = [t for t in all_tasks if t.year.year == today.year]
    assert previous and all(t.committee.level is OrgLevel.DISTRICT for t in previous)
    assert current and not any(t.committee.level is OrgLevel.DISTRICT for t in current)
    assert all(t.committee.is_active for t in current)
    carried = [t for t in current if t.carried_from is not None]  # with the district's successor
    assert carried and all(t.committee_id == t.carried_from.committee.merged_into_id for t in carried)
    with_commune = {t.committee_id for t in current if t.committee.level is OrgLevel.COMMUNE}
    with_province = {t.committee_id for t in current if t.committee.level is OrgLevel.PROVINCE}
    assert len(with_commune) >= 4 and with_province == {u.id for u in provinces}
    assert sum(t.committee.level is OrgLevel.COMMUNE for t in current) > len(current) // 2

    # nobody holds a role in a closed unit; two communes and both provinces have every authority of their own
    grants = db.session.scalars(select(RoleGrant)).all()
    assert all(g.unit.is_active for g in grants)
    assert all(p.org_unit.is_active for p in db.session.scalars(select(Person)))
    roles_in: dict[int, set[Role]] = {}
    for grant in grants:
        roles_in.setdefault(grant.unit_id, set()).add(grant.role)
    assert all(roles_in.get(u.id) == set(Role) for u in provinces)
    full_communes = [u for u in communes if roles_in.get(u.id) == set(Role)]
    assert len(full_communes) >= 3 and len({province_of(u) for u in full_communes}) == 2

    # someone holds roles in two units: a ward's Party secretary on the ward's Standing Committee, who also
    # registers with the city committee
    persons = db.session.scalars(select(Person)).all()
    assert any(len({g.unit_id for g in p.grants}) >= 2 for p in persons)
    secretary = person(db, "bithu.phuthuong")
    ward, city = secretary.org_unit, secretary.org_unit.parent
    assert {(g.role, g.unit_id) for g in secretary.grants} == {
        (Role.STANDING, ward.id), (Role.OWNER, ward.id), (Role.OWNER, city.id)}
    assert {t.committee_id for t in current if t.owner_id == secretary.id} == {ward.id, city.id}

    # every current-year decision is taken inside the task's committee
    decided = [t for t in current if t.approved_by_id is not None]
    assert len(decided) >= 10
    for task in decided:
        assert policy.holds(task.approved_by, Role.STANDING, task.committee_id), task.title
        assert policy.holds(task.monitor, Role.MONITOR, task.committee_id), task.title
        review_ = task.mid_year_review
        assert review_ is None or review_.concluded_by is None or policy.holds(
            review_.concluded_by, Role.STANDING, task.committee_id)

    # nobody sees across provinces; a ward's Standing Committee sees its ward's tasks and its members' own
    for someone in persons:
        mine = {province_of(g.unit) for g in someone.grants}
        seen = db.session.scalars(queries.visible_tasks(someone)).all()
        assert all(province_of(t.committee) in mine for t in seen), someone.username
    for username in ("pbt.tayho", "chutich.tayho", "btv.yenson"):
        member = person(db, username)
        committee = next(g.unit for g in member.grants if g.role is Role.STANDING)
        seen = db.session.scalars(queries.visible_tasks(member)).all()
        assert {t.committee_id for t in seen if t.owner_id != member.id} == {committee.id}
        assert {t.id for t in seen} >= {t.id for t in current if t.committee_id == committee.id}
    # the city's Standing Committee reads every Hà Nội task, the previous year's district ones included
    city_member = person(db, "bithu.tayho")
    seen = {t.id for t in db.session.scalars(queries.visible_tasks(city_member))}
    hanoi = province_of(city_member.grants[0].unit)
    assert seen == {t.id for t in all_tasks if province_of(t.committee) == hanoi}

    assert_replayed_in_order(app, db)


def test_the_demo_attaches_evidence_when_given_a_store(app, db, tmp_path):
    assert load_demo(evidence_folder=tmp_path) is True
    files = db.session.scalars(select(EvidenceFile)).all()
    assert files and all(f.content_type == evidence.PDF for f in files)
    assert all(evidence.detect_type(tmp_path / f.stored_name) == evidence.PDF for f in files)
    assert_replayed_in_order(app, db, tmp_path)


def test_second_load_changes_nothing(db):
    assert load_demo() is True
    before = counts(db)
    assert load_demo() is False
    assert counts(db) == before


def test_cli_demo_command_runs_twice(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    loaded = counts(db)
    assert loaded["Task"] >= 20 and loaded["Person"] >= 30

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    assert counts(db) == loaded

    logins = runner.invoke(args=["demo-logins"])
    assert logins.exit_code == 0 and DEMO_PASSWORD in logins.output
    assert all(username in logins.output for username, _ in DEMO_LOGINS)

    listed = runner.invoke(args=["demo-logins", "--json"])
    assert listed.exit_code == 0, listed.output
    accounts = {row["username"]: row for row in json.loads(listed.output)}
    assert len(accounts) == loaded["Person"]
    assert all(row["grants"] for row in accounts.values())
    codes = {u.code: u for u in db.session.scalars(select(OrgUnit))}
    assert all(codes[g["unit_code"]].is_active for row in accounts.values() for g in row["grants"])
    assert {g["unit_code"] for g in accounts["bithu.phuthuong"]["grants"]} == {"HN", "HN-PHUTHUONG"}


def test_the_demo_builds_the_world_it_built_before_its_cases_became_data(app, db, frozen_now):
    """At a fixed moment the demo builds what the Python loader built: the same rows per table, units, accounts
    with their grants, years, fields and tasks in the same states, and the same logins to print; the fields now
    also have their English names."""
    assert load_demo() is True
    expected = json.loads(WORLD.read_text(encoding="utf-8"))
    facts = world_facts(db)
    assert {name: facts["rows"].get(name) for name in expected["rows"]} == expected["rows"]
    for key in ("units", "people", "years", "fields", "tasks"):
        assert facts[key] == expected[key], key
    assert [list(login) for login in DEMO_LOGINS] == expected["logins"]

    fields = db.session.scalars(select(Field).order_by(Field.sort_order)).all()
    assert all(f.name_en for f in fields)
    with app.test_request_context(), force_locale("en"):
        assert fields[0].display_name == "Economy"
    with app.test_request_context(), force_locale("vi"):
        assert fields[0].display_name == "Kinh tế"


def test_the_data_files_name_only_what_exists():
    assert cases.problems() == []
    years = [t["year"] for t in cases.TASKS]  # the previous year's first: a task's place sets its registration day
    assert years == ["previous"] * 10 + ["current"] * 21


def test_a_mistake_in_the_data_files_is_named(monkeypatch):
    first, second = cases.TASKS[0], cases.TASKS[1]
    broken = {**first, "owner": "nobody.here", "field": "Không có lĩnh vực này", "unit": "HN-NOWHERE",
              "steps": [{"do": "approve", "on": None, "changes": {}}, {"do": "sign", "on": None, "changes": {}}]}
    monkeypatch.setattr(cases, "TASKS", [broken, second, second, *cases.TASKS[2:]])
    found = cases.problems()
    for expected in ("no such person nobody.here", "no such field Không có lĩnh vực này", "no such unit HN-NOWHERE",
                     "unknown step 'approve' or missing", "unknown step 'sign'", f"{second['key']}: key used twice"):
        assert any(expected in problem for problem in found), (expected, found)


def test_the_data_files_ship_with_the_package(tmp_path):
    """Building the project (as a wheel or an install does) copies every data file the loader reads."""
    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "src"
    shutil.copytree(root / "registry", source / "registry", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py", "-d",
                    str(tmp_path / "build")], cwd=source, check=True, capture_output=True)
    built = {p.name for p in (tmp_path / "build" / "registry" / "demo" / "data").glob("*.toml")}
    read = {f.name for f in resources.files("registry.demo").joinpath("data").iterdir() if f.name.endswith(".toml")}
    assert built == read == {"world.toml", "people.toml", "reform.toml", "story.toml", "tasks-previous.toml",
                             "tasks-current.toml"}


def test_the_demo_shows_a_public_page_and_a_council_decision(app, db, client, login_as):
    """The ward office has switched Phú Thượng's public page on (its approved tasks, the chosen columns, read
    anonymously), and the city office has recorded the emulation council's decision on the one commendation a
    previous-year verdict proposed; the trail still verifies."""
    assert load_demo() is True
    assert_replayed_in_order(app, db)
    db.session.commit()
    ward = db.session.scalar(select(OrgUnit).where(OrgUnit.code == cases.PUBLIC_PAGE["unit"]))
    index = client.get("/public/")
    assert index.status_code == 200 and ward.name in index.get_data(as_text=True)
    html = client.get(f"/public/{ward.code}").get_data(as_text=True)
    published = [t for t in db.session.scalars(select(Task).where(Task.committee_id == ward.id))
                 if t.state in DECIDED_STATES]
    assert published and all(t.title in html for t in published)
    unpublished = [t for t in db.session.scalars(select(Task).where(Task.committee_id == ward.id))
                   if t.state not in DECIDED_STATES]
    assert not any(t.title in html for t in unpublished)
    assert client.get("/public/TQ-MYBANG").status_code == 404  # only the one page is switched on

    verdicts = [v for v in db.session.scalars(select(Verdict)) if v.commendation is not Commendation.NONE]
    decided = [v for v in verdicts if v.commendation_decision is not None]
    assert len(decided) == 1 and decided[0].task.code
    decision = decided[0].commendation_decision
    assert decision.decision_ref == cases.COUNCIL["decision_ref"] and decision.recorded_by.username == "vanphong.tayho"
    assert local(decided[0].decided_at) <= decision.decided_on <= clock.today()
    page = login_as(person(db, "vanphong.tayho")).get(f"/commendations?year={clock.today().year - 1}")
    assert page.status_code == 200 and cases.COUNCIL["decision_ref"] in page.get_data(as_text=True)
