"""security: a session version per person (ends every session at once) and the sign-in attempts table

Existing people start at session version 1; sessions signed in before this revision carry no version and are
refused, so everyone signs in once more after the upgrade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import registry.models.base  # noqa: F401  - custom column types

# Kept here as they were when this revision was written, so that later code changes do not alter it.
OUTCOMES = ('success', 'failure', 'throttled')

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ALTER TABLE (SQLite adds a NOT NULL column with a default in place: no table rebuild, which
    # foreign keys pointing at people would refuse)
    op.add_column('people', sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('sign_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempted_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Enum(*OUTCOMES, name='attempt_outcome', native_enum=False, create_constraint=True,
                                 length=24), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempts'))
    )
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_username_at', ['username', 'attempted_at'], unique=False)
        batch_op.create_index('ix_sign_in_attempts_address_at', ['address', 'attempted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_attempts_address_at')
        batch_op.drop_index('ix_sign_in_attempts_username_at')
        batch_op.drop_index(batch_op.f('ix_sign_in_attempts_attempted_at'))
    op.drop_table('sign_in_attempts')
    op.drop_column('people', 'session_version')  # SQLite 3.35+ drops a plain column in place
