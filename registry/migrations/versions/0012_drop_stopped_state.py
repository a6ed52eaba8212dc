"""remove the task state 'stopped': no action ever led to it

``TaskState.STOPPED`` was declared but never assigned: a task stopped with approval is recorded by its verdict
(the outcome "dừng thực hiện", ``Outcome.STOPPED``, which stays). The CHECK on ``tasks.state`` now allows only the
states a task can reach. The upgrade refuses, and changes nothing, while any task is in state 'stopped'.

SQLite cannot change a CHECK constraint in place: the tasks table is rebuilt (copied into a new table with the new
constraint), with foreign keys off so that the rows pointing at tasks are neither refused nor cascaded, and its
partial index recreated by hand. PostgreSQL drops and recreates the constraint.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-22 09:00:00.000000

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import registry.models.base  # noqa: F401  - custom column types

# Kept here as they were when this revision was written, so that later code changes do not alter it:
CHECK = 'ck_tasks_task_state'
OLD_STATES = ('draft', 'submitted', 'returned', 'approved', 'in_progress', 'self_assessed', 'reviewed', 'withdrawn',
              'stopped')
NEW_STATES = OLD_STATES[:-1]
#: SQLite reflects the foreign keys declared on a column (0006 added two) without their names: named again so
FOREIGN_KEY_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
#: the partial index of tasks, recreated by hand around a SQLite table rebuild
CARRIED_FROM_INDEX = ('ix_tasks_carried_from', ['carried_from_id'], 'carried_from_id IS NOT NULL')

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _condition(states):
    return "state IN ({})".format(", ".join(f"'{state}'" for state in states))


@contextmanager
def schema_change(bind):
    """SQLite rebuilds a table to change its CHECK: run the body as one transaction with foreign keys off (as
    SQLite's documentation prescribes for table changes), check them, and switch them on again. Other databases:
    the body as it is. (As in revision 0006.)"""
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("revision 0012 must switch SQLite's foreign keys off to rebuild the tasks table, which is "
                           "impossible inside a transaction: run it in a transaction of its own")
    try:
        bind.exec_driver_sql("BEGIN")
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"revision 0012 would leave broken foreign keys: {broken[:10]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.connection.dbapi_connection.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def _set_states(states):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(CHECK), 'tasks', type_='check')
        op.create_check_constraint(op.f(CHECK), 'tasks', _condition(states))
        return
    name, columns, where = CARRIED_FROM_INDEX
    with schema_change(bind):
        op.drop_index(name, table_name='tasks')
        with op.batch_alter_table('tasks', schema=None, recreate='always',
                                  naming_convention=FOREIGN_KEY_NAMES) as batch_op:
            batch_op.drop_constraint(batch_op.f(CHECK), type_='check')
            batch_op.create_check_constraint(batch_op.f(CHECK), _condition(states))
        op.create_index(name, 'tasks', columns, unique=False, sqlite_where=sa.text(where))


def upgrade():
    stopped = op.get_bind().execute(sa.text("SELECT id FROM tasks WHERE state = 'stopped' ORDER BY id")).scalars()
    stopped = stopped.all()
    if stopped:
        raise RuntimeError(
            f"revision 0012 removes the task state 'stopped', but {len(stopped)} task(s) are in it (ids "
            f"{', '.join(map(str, stopped[:20]))}{', …' if len(stopped) > 20 else ''}): no action of the registry "
            "leads there, so these rows were written by hand; give each the state its record supports (a task "
            "stopped with approval is 'reviewed' with a verdict of the outcome 'stopped'), then upgrade again")
    _set_states(NEW_STATES)


def downgrade():
    _set_states(OLD_STATES)
