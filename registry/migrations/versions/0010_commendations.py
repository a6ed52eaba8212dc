"""commendations: the emulation council's decision on each commendation a verdict proposed

A verdict may propose a commendation (biểu dương / khen thưởng). ``commendation_decisions`` holds, per proposing
verdict, what the council decided as the secretariat recorded it: accepted with the decision's reference, or not
accepted with the reason, and the date. A proposal without a row is still awaiting the council.

Only a new table: nothing existing is rewritten, and no row digest changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import registry.models.base

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commendation_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verdict_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('accepted', 'not_accepted', name='council_decision', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('decision_ref', sa.String(length=200), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("decision <> 'accepted' OR decision_ref <> ''", name=op.f('ck_commendation_decisions_accepted_has_reference')),
    sa.CheckConstraint("decision <> 'not_accepted' OR reason <> ''", name=op.f('ck_commendation_decisions_not_accepted_has_reason')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_commendation_decisions_recorded_by_id_people')),
    sa.ForeignKeyConstraint(['verdict_id'], ['verdicts.id'], name=op.f('fk_commendation_decisions_verdict_id_verdicts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendation_decisions')),
    sa.UniqueConstraint('verdict_id', name=op.f('uq_commendation_decisions_verdict_id'))
    )


def downgrade():
    op.drop_table('commendation_decisions')
