"""packets: ``emergency_packet`` (the filings one request made, in order) and ``emergency_packet_docx``
(encrypted DOCX copies of its proposed orders for chambers)

Revision ID: 0019_emergency_packets
Revises: 0014_client_name_latin
Create Date: 2026-12-05 03:50:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import app.core.types

revision: str = '0019_emergency_packets'
down_revision: str | Sequence[str] | None = '0022_encrypt_notes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'emergency_packet',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Uuid(), nullable=False),
        sa.Column('client_id', sa.Uuid(), nullable=False),
        sa.Column('proceeding_id', sa.Uuid(), nullable=True),
        sa.Column('alert_id', sa.Uuid(), nullable=True),
        sa.Column('attorney_id', sa.Uuid(), nullable=False),
        sa.Column('court_id', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('situation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('documents', sa.JSON(), nullable=False),
        sa.Column('warnings', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Uuid(), nullable=True),
        sa.Column('created_at', app.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_emergency_packet_alert_id_alert')),
        sa.ForeignKeyConstraint(['attorney_id'], ['user_account.id'],
                                name=op.f('fk_emergency_packet_attorney_id_user_account')),
        sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_emergency_packet_client_id_client')),
        sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                                name=op.f('fk_emergency_packet_created_by_user_account')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_emergency_packet_organization_id_organization')),
        sa.ForeignKeyConstraint(['proceeding_id'], ['proceeding.id'],
                                name=op.f('fk_emergency_packet_proceeding_id_proceeding')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_packet')),
    )
    op.create_index(op.f('ix_emergency_packet_organization_id'), 'emergency_packet', ['organization_id'])
    op.create_index('ix_emergency_packet_org_client_created', 'emergency_packet',
                    ['organization_id', 'client_id', 'created_at'])
    op.create_table(
        'emergency_packet_docx',
        sa.Column('filing_id', sa.Uuid(), nullable=False),
        sa.Column('packet_id', sa.Uuid(), nullable=False),
        sa.Column('organization_id', sa.Uuid(), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('docx_ct', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['filing_id'], ['filing.id'], name=op.f('fk_emergency_packet_docx_filing_id_filing')),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_emergency_packet_docx_organization_id_organization')),
        sa.ForeignKeyConstraint(['packet_id'], ['emergency_packet.id'],
                                name=op.f('fk_emergency_packet_docx_packet_id_emergency_packet')),
        sa.PrimaryKeyConstraint('filing_id', name=op.f('pk_emergency_packet_docx')),
    )
    op.create_index(op.f('ix_emergency_packet_docx_packet_id'), 'emergency_packet_docx', ['packet_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_emergency_packet_docx_packet_id'), table_name='emergency_packet_docx')
    op.drop_table('emergency_packet_docx')
    op.drop_index('ix_emergency_packet_org_client_created', table_name='emergency_packet')
    op.drop_index(op.f('ix_emergency_packet_organization_id'), table_name='emergency_packet')
    op.drop_table('emergency_packet')
