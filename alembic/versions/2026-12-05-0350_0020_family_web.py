"""family page: ``family_session`` (server-side page sessions) and ``custody_event.confirms_event_id``

Family liaisons sign in to the server-rendered family page with a cookie whose SHA-256 is stored here, so a
session can be ended by the server (logout, password reset, deactivation). A custody event that confirms a
family report names it in ``confirms_event_id``; the report itself is never edited (append-only history).

Revision ID: 0020_family_web
Revises: 0014_client_name_latin
Create Date: 2026-12-05 03:50:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0020_family_web'
down_revision: str | Sequence[str] | None = '0021_mfa_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('family_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('idle_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('absolute_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('family_session_organization_id_fkey')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('family_session_user_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('family_session_pkey')),
    sa.UniqueConstraint('token_hash', name=op.f('family_session_token_hash_key'))
    )
    with op.batch_alter_table('family_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_session_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_session_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirms_event_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('custody_event_confirms_event_id_fkey'), 'custody_event',
                                    ['confirms_event_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_custody_event_confirms_event_id'), ['confirms_event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_event_confirms_event_id'))
        batch_op.drop_constraint(batch_op.f('custody_event_confirms_event_id_fkey'), type_='foreignkey')
        batch_op.drop_column('confirms_event_id')
    with op.batch_alter_table('family_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_family_session_organization_id'))
    op.drop_table('family_session')
