"""facilities: each organization's overlay on a shared facility (facility_overlay)

An organization keeps its own custodian name and title, phone, notes and who verified them when, on a
shared (seeded) facility, without forking the shared row: one row per (organization, facility), merged
over the shared row on every read of that organization. Nothing to backfill.

Revision ID: 0010_facility_overlay
Revises: 0009_client_name_tokens
Create Date: 2026-12-05 01:10:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0010_facility_overlay'
down_revision: str | Sequence[str] | None = '0009_client_name_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('facility_overlay',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('facility_id', sa.Uuid(), nullable=False),
    sa.Column('custodian_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('custodian_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('verified_by', sa.Uuid(), nullable=True),
    sa.Column('verified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('facility_overlay_facility_id_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('facility_overlay_organization_id_fkey')),
    sa.ForeignKeyConstraint(['verified_by'], ['user_account.id'], name=op.f('facility_overlay_verified_by_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('facility_overlay_pkey')),
    sa.UniqueConstraint('organization_id', 'facility_id', name='uq_facility_overlay_org_facility')
    )
    with op.batch_alter_table('facility_overlay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_overlay_facility_id'), ['facility_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('facility_overlay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_overlay_facility_id'))

    op.drop_table('facility_overlay')
