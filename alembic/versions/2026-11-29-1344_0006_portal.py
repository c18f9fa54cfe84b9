"""portal: liaison grants (client consent) and liaison invitations

Revision ID: 0006_portal
Revises: 0005_filings
Create Date: 2026-11-29 13:44:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0006_portal'
down_revision: str | Sequence[str] | None = '0005_filings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('liaison_grant',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('liaison_user_id', sa.Uuid(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('consent_method', sa.String(length=32), nullable=False),
    sa.Column('consent_obtained_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('consent_language', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('interpreter_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('obtained_by', sa.Uuid(), nullable=False),
    sa.Column('attorney_id', sa.Uuid(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Uuid(), nullable=True),
    sa.Column('revocation_reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attorney_id'], ['user_account.id'], name=op.f('liaison_grant_attorney_id_fkey')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('liaison_grant_client_id_fkey')),
    sa.ForeignKeyConstraint(['liaison_user_id'], ['user_account.id'], name=op.f('liaison_grant_liaison_user_id_fkey')),
    sa.ForeignKeyConstraint(['obtained_by'], ['user_account.id'], name=op.f('liaison_grant_obtained_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('liaison_grant_organization_id_fkey')),
    sa.ForeignKeyConstraint(['revoked_by'], ['user_account.id'], name=op.f('liaison_grant_revoked_by_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('liaison_grant_pkey'))
    )
    with op.batch_alter_table('liaison_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_grant_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_grant_liaison_user_id'), ['liaison_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_grant_organization_id'), ['organization_id'], unique=False)

    op.create_table('liaison_invitation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('grant_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('liaison_invitation_created_by_fkey')),
    sa.ForeignKeyConstraint(['grant_id'], ['liaison_grant.id'], name=op.f('liaison_invitation_grant_id_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('liaison_invitation_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('liaison_invitation_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('liaison_invitation_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('liaison_invitation_token_hash_key'))
    )
    with op.batch_alter_table('liaison_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_invitation_grant_id'), ['grant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_invitation_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_liaison_invitation_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('liaison_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_invitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_liaison_invitation_organization_id'))
        batch_op.drop_index(batch_op.f('ix_liaison_invitation_grant_id'))

    op.drop_table('liaison_invitation')
    with op.batch_alter_table('liaison_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_grant_organization_id'))
        batch_op.drop_index(batch_op.f('ix_liaison_grant_liaison_user_id'))
        batch_op.drop_index(batch_op.f('ix_liaison_grant_client_id'))

    op.drop_table('liaison_grant')
