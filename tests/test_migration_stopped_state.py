"""Revision 0012 removes the task state 'stopped' (never reached by any action): the CHECK on ``tasks.state``
refuses it afterwards, the upgrade refuses while a task is in it, the downgrade gives it back, and neither loses
or alters a row (on SQLite the tasks table is rebuilt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, stamp, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from registry import MIGRATIONS
from registry.models import TaskState
from registry.services.verify import verify_all

AUDIT_KEY = "test-audit-key"  # as in tests/conftest.py


@pytest.fixture
def at_0012(app, db):
    """The session's schema (made from the models) stamped as revision 0012, the one that dropped 'stopped';
    afterwards the schema is made from the models again, whatever revision the test left it at."""
    db.session.remove()
    stamp(directory=MIGRATIONS, revision="0012")
    try:
        yield db
    finally:
        db.session.remove()
        with db.engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}"{"" if sqlite else " CASCADE"}'))
            connection.commit()
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        db.create_all()


def _snapshot(db) -> dict:
    """Every row of every table of the models, and the shape of the tasks table (indexes, foreign keys)."""
    with db.engine.connect() as connection:
        rows = {name: sorted(tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"')))
                for name in db.metadata.tables}
        inspector = inspect(connection)
        indexes = sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                         for ix in inspector.get_indexes("tasks"))
        foreign_keys = sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                              for fk in inspector.get_foreign_keys("tasks"))
        partial = (connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_tasks_carried_from'"))
                   .scalar_one() if connection.dialect.name == "sqlite" else None)
    return {"rows": rows, "indexes": indexes, "foreign_keys": foreign_keys, "partial": partial}


def _accepts_stopped(db, task_id: int) -> bool:
    """Whether the database lets a task be put in state 'stopped' (tried, then rolled back)."""
    with db.engine.connect() as connection:
        try:
            connection.execute(text("UPDATE tasks SET state = 'stopped' WHERE id = :id"), {"id": task_id})
            accepted = True
        except IntegrityError as exc:
            assert "task_state" in str(exc), exc  # refused by that CHECK, not by another one
            accepted = False
        connection.rollback()
    return accepted


def _version(db) -> str:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def _tasks(db, make_task, make_reviewed_task) -> dict[str, int]:
    tasks = {"draft": make_task(), "reviewed": make_reviewed_task("on_time"),
             "approved": make_task(TaskState.APPROVED), "withdrawn": make_task(TaskState.WITHDRAWN)}
    ids = {state: task.id for state, task in tasks.items()}
    db.session.commit()
    db.session.remove()
    return ids


def test_the_state_is_gone_from_the_model():
    assert "stopped" not in {state.value for state in TaskState}


def test_downgrade_and_upgrade_keep_every_row(app, at_0012, make_task, make_reviewed_task):
    db = at_0012
    ids = _tasks(db, make_task, make_reviewed_task)
    before = _snapshot(db)
    assert before["rows"]["verdicts"] and before["rows"]["progress_notes"], "rows pointing at the tasks"
    assert not _accepts_stopped(db, ids["draft"])

    downgrade(directory=MIGRATIONS, revision="0011")
    assert _version(db) == "0011"
    assert _snapshot(db) == before
    assert _accepts_stopped(db, ids["draft"]), "the downgrade gives the old set of states back"

    upgrade(directory=MIGRATIONS, revision="0012")
    assert _version(db) == "0012"
    assert _snapshot(db) == before, "nothing lost, nothing changed, the same indexes and foreign keys"
    assert not _accepts_stopped(db, ids["draft"])
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1, "switched on again"
    report = verify_all(AUDIT_KEY, Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report  # the chain and the seals of the rebuilt rows still hold
    db.session.remove()


def _constraint_names(db) -> tuple[set[str], set[str]]:
    with db.engine.connect() as connection:
        inspector = inspect(connection)
        return ({fk["name"] for fk in inspector.get_foreign_keys("tasks")},
                {ck["name"] for ck in inspector.get_check_constraints("tasks")})


def test_the_migrated_tasks_table_keeps_its_constraint_names(app, at_0012):
    """Built by the revisions (0006 declares two foreign keys on their columns, which SQLite reflects without
    a name), the rebuilt tasks table names every constraint as the models do."""
    db = at_0012
    from_models = _constraint_names(db)
    assert None not in from_models[0] and "ck_tasks_task_state" in from_models[1]
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    db.drop_all()
    upgrade(directory=MIGRATIONS)
    assert _version(db) == ScriptDirectory(MIGRATIONS).get_current_head()  # 0012 and every revision after it
    assert _constraint_names(db) == from_models


def test_upgrade_refuses_while_a_task_is_stopped(app, at_0012, make_task, make_reviewed_task, capsys):
    db = at_0012
    ids = _tasks(db, make_task, make_reviewed_task)
    downgrade(directory=MIGRATIONS, revision="0011")
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE tasks SET state = 'stopped' WHERE id = :id"), {"id": ids["approved"]})
    before = _snapshot(db)

    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
        upgrade(directory=MIGRATIONS, revision="0012")
    err = capsys.readouterr().err
    assert "removes the task state 'stopped'" in err and f"ids {ids['approved']})" in err, err
    assert _version(db) == "0011"
    assert _snapshot(db) == before, "nothing changed"
    assert _accepts_stopped(db, ids["draft"]), "the old constraint is still there"

    with db.engine.begin() as connection:  # the task given the state its record supports
        connection.execute(text("UPDATE tasks SET state = 'approved' WHERE id = :id"), {"id": ids["approved"]})
    upgrade(directory=MIGRATIONS, revision="0012")
    assert _version(db) == "0012"
    assert not _accepts_stopped(db, ids["approved"])
