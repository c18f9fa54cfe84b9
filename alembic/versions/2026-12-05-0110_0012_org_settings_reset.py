"""auth: organization settings (date order, version for If-Match, updated_at) and password-reset tokens

``organization`` gains ``date_order`` (``MDY`` for existing rows), ``version`` (1) and ``updated_at`` (the row's
``created_at``), so ``PATCH /organization`` can use optimistic locking like every other mutable record.
``password_reset_token`` holds single-use reset tokens as SHA-256 digests (e-mailed links and admin-issued links).

Revision ID: 0012_org_settings_reset
Revises: 0011_venue_pleading
Create Date: 2026-12-05 01:10:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0012_org_settings_reset'
down_revision: str | Sequence[str] | None = '0011_venue_pleading'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults fill the existing rows; the application always writes the columns itself.
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_order', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False,
                                      server_default='MDY'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(sa.text('UPDATE organization SET updated_at = created_at'))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)

    op.create_table('password_reset_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('password_reset_token_created_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('password_reset_token_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('password_reset_token_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('password_reset_token_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('password_reset_token_token_hash_key'))
    )
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_token_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_token_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('password_reset_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_password_reset_token_organization_id'))

    op.drop_table('password_reset_token')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('date_order')
