"""reference data in English: an optional English name for fields and verdict levels

The secretariat edits these names; English mode shows ``name_en`` and falls back to the Vietnamese ``name``
when it is empty. The verdict levels seeded by revision 0002 (and by ``ensure_default_levels``) get their
English names here, matched by their code; every other row keeps ``name_en`` empty until someone fills it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-13 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import registry.models.base  # noqa: F401  - custom column types

# Kept here as they were when this revision was written, so that later code changes do not alter it.
DEFAULT_LEVELS_EN = {
    "exceeded": "Completed beyond target",
    "on_time": "Completed on time",
    "late": "Completed behind schedule",
    "partial": "Partially completed",
    "not_done": "Not completed",
    "stopped": "Stopped with approval",
}

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE ADD COLUMN (nullable, no default): no table rebuild on SQLite
    op.add_column('fields', sa.Column('name_en', sa.String(length=200), nullable=True))
    op.add_column('verdict_levels', sa.Column('name_en', sa.String(length=200), nullable=True))

    levels = sa.table('verdict_levels', sa.column('code', sa.String), sa.column('name_en', sa.String))
    for code, name_en in DEFAULT_LEVELS_EN.items():
        op.execute(levels.update().where(levels.c.code == code).where(levels.c.name_en.is_(None))
                   .values(name_en=name_en))


def downgrade():
    # SQLite 3.35+ drops a plain column in place (a batch rebuild would trip the foreign keys pointing here)
    op.drop_column('verdict_levels', 'name_en')
    op.drop_column('fields', 'name_en')
