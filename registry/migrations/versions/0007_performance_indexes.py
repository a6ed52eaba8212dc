"""performance indexes: covering indexes for what the lists, counts and reports filter on and read

Tasks rows are wide (every Form A text), so a count or a group over a year, a committee or the search text that
had to read them now reads an index holding exactly the columns it needs:

- ``ix_tasks_year_scope`` (replaces ``ix_tasks_year_state``): a year's counts by state, kind, field and unit over
  what the viewer may read (reports, the home page's states);
- ``ix_tasks_committee_scope`` (replaces ``ix_tasks_committee_year_state``): a committee's tasks with their
  owner and monitor (the approval queue, the attention lists and the header's counts);
- ``ix_tasks_search_scope``: the folded titles with the scope columns (the search and its count);
- ``ix_tasks_unit_year`` (replaces ``ix_tasks_year_unit``): a unit's tasks of every year (its dossier) as well as
  of one year (the list's and the report's unit filter);
- ``ix_progress_notes_task_late``: the late notes of tasks (the attention lists, the report's count of late notes);
- ``ix_tasks_carried_from``, partial (not NULL): the task a registration was carried into, asked by every task
  page. The unique index on the column holds mostly NULLs, which SQLite's statistics (ANALYZE) count as one
  value matching every row, so that it scanned the table instead.

Only indexes: nothing is rewritten, and the downgrade puts the previous ones back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Kept here as they were when this revision was written, so that later code changes do not alter it.
NEW = [
    ('tasks', 'ix_tasks_year_scope',
     ['year_id', 'state', 'committee_id', 'owner_id', 'monitor_id', 'kind', 'field_id', 'org_unit_id']),
    ('tasks', 'ix_tasks_committee_scope', ['committee_id', 'year_id', 'state', 'owner_id', 'monitor_id']),
    ('tasks', 'ix_tasks_search_scope', ['search_text', 'committee_id', 'owner_id', 'monitor_id']),
    ('tasks', 'ix_tasks_unit_year', ['org_unit_id', 'year_id']),
    ('progress_notes', 'ix_progress_notes_task_late', ['task_id', 'is_late']),
]
REPLACED = [
    ('tasks', 'ix_tasks_year_state', ['year_id', 'state']),
    ('tasks', 'ix_tasks_committee_year_state', ['committee_id', 'year_id', 'state']),
    ('tasks', 'ix_tasks_year_unit', ['year_id', 'org_unit_id']),
]


#: partial indexes: (table, name, columns, condition)
PARTIAL = [
    ('tasks', 'ix_tasks_carried_from', ['carried_from_id'], 'carried_from_id IS NOT NULL'),
]


def upgrade():
    for table, name, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for table, name, columns, condition in PARTIAL:
        op.create_index(name, table, columns, unique=False, sqlite_where=sa.text(condition),
                        postgresql_where=sa.text(condition))
    for table, name, _columns in REPLACED:
        op.drop_index(name, table_name=table)


def downgrade():
    for table, name, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for table, name, _columns, _condition in PARTIAL:
        op.drop_index(name, table_name=table)
    for table, name, _columns in NEW:
        op.drop_index(name, table_name=table)
