"""auth: TOTP second factor, recovery codes, personal access tokens, and the organization's MFA requirement

``user_account.mfa_enabled`` (false for existing rows) is read with the account on every request;
``organization.mfa_required_roles`` (null: nobody) lists the roles that must enroll. ``mfa_totp`` holds one
encrypted TOTP secret per account, ``mfa_recovery_code`` single-use recovery codes as SHA-256 digests, and
``personal_access_token`` scoped, expiring integration tokens as SHA-256 digests (docs/auth.md).

Revision ID: 0021_mfa_tokens
Revises: 0014_client_name_latin
Create Date: 2026-12-05 04:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0021_mfa_tokens'
down_revision: str | Sequence[str] | None = '0014_client_name_latin'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('mfa_enabled', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('mfa_required_roles', sa.JSON(), nullable=True))

    op.create_table('mfa_totp',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('secret_encrypted', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_used_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('mfa_totp_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('mfa_totp_user_id_fkey')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('mfa_totp_pkey'))
    )
    with op.batch_alter_table('mfa_totp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_totp_organization_id'), ['organization_id'], unique=False)

    op.create_table('mfa_recovery_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('mfa_recovery_code_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('mfa_recovery_code_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('mfa_recovery_code_pkey')),
    sa.UniqueConstraint('code_hash', name=op.f('mfa_recovery_code_code_hash_key'))
    )
    with op.batch_alter_table('mfa_recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_recovery_code_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mfa_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('personal_access_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('token_hint', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('personal_access_token_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('personal_access_token_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('personal_access_token_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('personal_access_token_token_hash_key'))
    )
    with op.batch_alter_table('personal_access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_access_token_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_access_token_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    for table in ('personal_access_token', 'mfa_recovery_code'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_user_id'))
            batch_op.drop_index(batch_op.f(f'ix_{table}_organization_id'))
        op.drop_table(table)
    with op.batch_alter_table('mfa_totp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_totp_organization_id'))
    op.drop_table('mfa_totp')
    # recreate='never': ALTER TABLE … DROP COLUMN (SQLite >= 3.35) keeps the expression index on lower(email),
    # which a recreated SQLite table would lose (as in 0013).
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('mfa_required_roles')
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('mfa_enabled')
