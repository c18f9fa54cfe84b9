"""documents: ``client_document`` (metadata, encrypted title) and ``client_document_content`` (encrypted bytes)

A client's uploaded PDFs and images (app/documents/): the type sniffed from the bytes, active content refused,
stored as AES-256-GCM ciphertext bound to organization/table/column/row. Metadata and bytes are separate
tables so that listing never loads the content. Soft delete (``deleted_at``) keeps the bytes for filings that
already list the document as an exhibit.

Revision ID: 0018_documents
Revises: 0014_client_name_latin
Create Date: 2026-12-05 04:15:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0018_documents'
down_revision: str | Sequence[str] | None = '0017_notifications'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('client_document',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('title_ct', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=True),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deleted_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('client_document_client_id_fkey')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('client_document_created_by_fkey')),
    sa.ForeignKeyConstraint(['deleted_by'], ['user_account.id'], name=op.f('client_document_deleted_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('client_document_organization_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('client_document_pkey'))
    )
    with op.batch_alter_table('client_document', schema=None) as batch_op:
        batch_op.create_index('ix_client_document_org_client_created', ['organization_id', 'client_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_document_organization_id'), ['organization_id'], unique=False)

    op.create_table('client_document_content',
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('content_ct', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['client_document.id'], name=op.f('client_document_content_document_id_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('client_document_content_organization_id_fkey')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('client_document_content_pkey'))
    )
    with op.batch_alter_table('client_document_content', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_document_content_organization_id'), ['organization_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('client_document_content', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_document_content_organization_id'))

    op.drop_table('client_document_content')
    with op.batch_alter_table('client_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_document_organization_id'))
        batch_op.drop_index('ix_client_document_org_client_created')

    op.drop_table('client_document')
