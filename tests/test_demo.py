"""The demo loader: a rich, rule-abiding data set, loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from registry.models import (
    AuditEvent,
    Field,
    OrgUnit,
    Ownership,
    Person,
    Role,
    Task,
    TaskAdjustment,
    TaskState,
    Year,
)
from registry.services import clock
from registry.services.people import authenticate

MODELS = (Year, Field, OrgUnit, Person, Task, TaskAdjustment, AuditEvent)


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def test_load_demo_builds_a_full_world(db):
    assert load_demo() is True

    years = db.session.scalars(select(Year).order_by(Year.year)).all()
    assert len(years) >= 2
    today = clock.today()
    current = next(y for y in years if y.year == today.year)
    previous = next(y for y in years if y.year == today.year - 1)
    assert current.registration_open_on(today)
    assert (current.registration_closes_on - today).days >= 60
    assert previous.registration_closes_on < today  # set back to its real, past window
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
    assert {TaskState.DRAFT, TaskState.SUBMITTED, TaskState.RETURNED, TaskState.APPROVED,
            TaskState.WITHDRAWN} <= states
    assert {t.ownership for t in all_tasks} == {Ownership.INDIVIDUAL, Ownership.COLLECTIVE}
    for task in all_tasks:
        assert task.year.year in (today.year, today.year - 1)
        assert task.indicators and task.milestones and task.goal and task.deliverable and task.is_committed
        assert task.deadline.year == task.year.year
        if task.ownership is Ownership.COLLECTIVE:
            assert task.owner_unit.head_id == task.owner_id
        if task.state is TaskState.APPROVED:
            assert task.monitor_id is not None and task.approved_by_id is not None
            assert len({task.owner_id, task.approved_by_id, task.monitor_id}) == 3
            assert task.decision_ref and task.decision_date <= today
        if task.state is TaskState.RETURNED:
            assert task.return_comment

    adjusted_in_queue = [t for t in all_tasks if t.state is TaskState.SUBMITTED and t.adjustments]
    assert adjusted_in_queue and all(a.reason for t in adjusted_in_queue for a in t.adjustments)

    with_events = set(db.session.scalars(select(AuditEvent.task_id).where(AuditEvent.task_id.is_not(None))))
    assert {t.id for t in all_tasks} <= with_events


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
