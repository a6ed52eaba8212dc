"""list sort index: a covering index for the task list sorted by a column

The task list sorts by deadline, owner, field, state or code (``?sort=…``). Its page's ids are read from the tasks
alone; sorted other than by id they were read from the wide rows of every task in the viewer's scope.
``ix_tasks_list_sort`` holds the deadline first, every column those sorts and the scope read, and the id (the
title sort has ``ix_tasks_search_scope``), so that the ids are read from the index instead of the table (on
PostgreSQL an index-only scan).

Only an index: nothing is rewritten.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 18:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Kept here as it was when this revision was written, so that later code changes do not alter it.
COLUMNS = ['deadline', 'committee_id', 'owner_id', 'monitor_id', 'owner_unit_id', 'field_id', 'state', 'year_id',
           'id']


def upgrade():
    op.create_index('ix_tasks_list_sort', 'tasks', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_tasks_list_sort', table_name='tasks')
