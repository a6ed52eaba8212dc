"""public page: a committee's public transparency page, off by default

``public_pages`` holds, per unit, whether its public page is switched on and which columns it shows (a subset
of a fixed whitelist). A unit without a row has no public page.

Only a new table: nothing existing is rewritten, and no row digest changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registry.models.base

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('updated_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_public_pages_unit_id_org_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_public_pages_updated_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_pages')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_public_pages_unit_id'))
    )


def downgrade():
    op.drop_table('public_pages')
