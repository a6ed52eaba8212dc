"""entering a past year afterwards (nhập bổ sung): who entered a row, and when, next to the event's own date

The secretariat may enter a closed year's register afterwards. Each row it enters keeps the dates of the events
as the paper register gives them in its usual columns, and here who entered it and when (real time): the
registration and the decision of a task, progress notes, assessments, replies to recommendations, self-assessments
and verdicts. Existing rows were recorded as things happened: both columns stay empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-20 09:00:00.000000

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import registry.models.base  # noqa: F401  - custom column types

# Kept here as they were when this revision was written, so that later code changes do not alter it:
# (table, column prefix, name of the CHECK that both columns are filled together)
MARKS = [
    ('tasks', 'entered', 'entered_later_complete'),
    ('tasks', 'decision_entered', 'decision_entered_later_complete'),
    ('progress_notes', 'entered', 'entered_later_complete'),
    ('assessments', 'entered', 'entered_later_complete'),
    ('recommendations', 'reply_entered', 'reply_entered_later_complete'),
    ('self_assessments', 'entered', 'entered_later_complete'),
    ('verdicts', 'entered', 'entered_later_complete'),
]
#: the partial unique index of verdicts, recreated by hand around a SQLite table rebuild
CURRENT_VERDICT_INDEX = 'uq_verdicts_current_task'

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _names(table, prefix, check):
    return (f'{prefix}_by_id', f'{prefix}_at', f'fk_{table}_{prefix}_by_id_people', f'ck_{table}_{check}',
            f'({prefix}_by_id IS NULL) = ({prefix}_at IS NULL)')


@contextmanager
def schema_change(bind):
    """SQLite rebuilds a table to drop a column that a foreign key names: run the body as one transaction with
    foreign keys off (as SQLite's documentation prescribes for table changes), check them, and switch them on
    again. Other databases: the body as it is."""
    if bind.dialect.name != "sqlite":
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("revision 0006 must switch SQLite's foreign keys off to rebuild tables, which is "
                           "impossible inside a transaction: run it in a transaction of its own")
    try:
        bind.exec_driver_sql("BEGIN")
        yield
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"revision 0006 would leave broken foreign keys: {broken[:10]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.connection.dbapi_connection.rollback()
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    bind = op.get_bind()
    for table, prefix, check in MARKS:
        by_id, at, fk, ck, condition = _names(table, prefix, check)
        if bind.dialect.name == "sqlite":
            # ADD COLUMN with its constraints inline: SQLite adds nullable columns in place (no table rebuild,
            # which the foreign keys pointing at these tables would refuse)
            op.execute(f'ALTER TABLE {table} ADD COLUMN {by_id} INTEGER CONSTRAINT {fk} REFERENCES people (id)')
            op.execute(f'ALTER TABLE {table} ADD COLUMN {at} DATETIME CONSTRAINT {ck} CHECK ({condition})')
        else:
            op.add_column(table, sa.Column(by_id, sa.Integer(), nullable=True))
            op.add_column(table, sa.Column(at, registry.models.base.UTCDateTime(), nullable=True))
            op.create_foreign_key(op.f(fk), table, 'people', [by_id], ['id'])
            op.create_check_constraint(op.f(ck), table, condition)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table, prefix, check in reversed(MARKS):
            by_id, at, fk, ck, _condition = _names(table, prefix, check)
            op.drop_constraint(op.f(ck), table, type_='check')
            op.drop_constraint(op.f(fk), table, type_='foreignkey')
            op.drop_column(table, at)
            op.drop_column(table, by_id)
        return
    with schema_change(bind):
        op.drop_index(CURRENT_VERDICT_INDEX, table_name='verdicts')
        tables = {}
        for table, prefix, check in MARKS:
            tables.setdefault(table, []).append(_names(table, prefix, check))
        for table, marks in tables.items():
            with op.batch_alter_table(table, schema=None, recreate='always') as batch_op:
                for by_id, at, _fk, ck, _condition in marks:
                    batch_op.drop_constraint(batch_op.f(ck), type_='check')
                    batch_op.drop_column(at)
                    batch_op.drop_column(by_id)
        op.create_index(CURRENT_VERDICT_INDEX, 'verdicts', ['task_id'], unique=True,
                        sqlite_where=sa.text('is_current'))
