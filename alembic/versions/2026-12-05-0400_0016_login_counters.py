"""auth: ``login_counter``, the sign-in, password-change and password-reset throttles shared by every instance

On PostgreSQL the throttles keep their counters here instead of in each process's memory, so N API instances
allow the limits once, not N times (app/auth/shared_throttle.py). One row per counter; ``key`` is a SHA-256
digest (no e-mail or client address in the clear); ``expires`` lets any instance delete dead rows. Created on
SQLite too (same schema on both backends) but unused there.

Revision ID: 0016_login_counters
Revises: 0014_client_name_latin
Create Date: 2026-12-05 04:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0016_login_counters'
down_revision: str | Sequence[str] | None = '0020_family_web'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_counter',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('started', sa.Float(), nullable=False),
        sa.Column('last', sa.Float(), nullable=False),
        sa.Column('prev', sa.Float(), nullable=False),
        sa.Column('expires', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_counter')),
    )
    op.create_index(op.f('ix_login_counter_expires'), 'login_counter', ['expires'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_counter_expires'), table_name='login_counter')
    op.drop_table('login_counter')
