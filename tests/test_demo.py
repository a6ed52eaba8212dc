"""The demo loader: a rich, rule-abiding data set, replayed in date order and loaded once."""

from __future__ import annotations

from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from registry import clock
from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from registry.models import (
    UNFINISHED,
    AuditEvent,
    Commendation,
    EvidenceFile,
    Field,
    MidYearReview,
    OrgUnit,
    Outcome,
    Ownership,
    Person,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    RecommendationStatus,
    Role,
    Task,
    TaskAdjustment,
    TaskState,
    Verdict,
    VerdictLevel,
    Year,
)
from registry.services import evidence, monitoring, queries, review
from registry.services.people import authenticate
from registry.services.progress import quarter_window
from registry.services.tasks import is_locked
from registry.services.verify import verify_all

MODELS = (Year, Field, OrgUnit, Person, Task, TaskAdjustment, AuditEvent)
UNDER_WAY = (TaskState.APPROVED, TaskState.IN_PROGRESS, TaskState.SELF_ASSESSED, TaskState.REVIEWED)


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    """The demo's 35 accounts hashed with a cheap method, so that each load takes seconds, not a minute."""
    monkeypatch.setattr("registry.models.person.generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def local(moment: datetime) -> date:
    return moment.astimezone(clock.LOCAL_TZ).date()


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
        if task.state in UNDER_WAY:
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
    # the Standing Committee has something to look at: a missing note or a task at risk
    chair = db.session.scalar(select(Person).where(Person.username == "bithu.tayho"))
    assert queries.count(queries.late_or_at_risk(chair, queries.current_year())) >= 2


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
