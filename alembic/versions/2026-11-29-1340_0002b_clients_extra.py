"""clients/custody: indexes for name search and for status/facility list pages

- ``custody_current.client_created_at`` (copy of ``client.created_at``) so that the status and facility
  indexes carry the list order: a filtered page is read in order and its total counted on the index alone.
- Name search: a trigram GIN index on PostgreSQL (``pg_trgm``); a covering index on SQLite. Each is declared
  for both dialects with an always-false partial predicate on the other one, so it stays empty there.

Revision ID: 0002b_clients_extra
Revises: 0002_clients_custody
Create Date: 2026-11-29 14:05:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0002b_clients_extra'
down_revision: str | Sequence[str] | None = '0002_clients_custody'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        # Trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index('ix_client_search', ['organization_id', 'deleted_at', 'search_name', 'created_at', 'id'], unique=False, postgresql_where=sa.text('false'))
        batch_op.create_index('ix_client_search_trgm', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))

    with op.batch_alter_table('custody_current', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # Backfill from the clients; soft-deleted clients leave the projection.
    op.execute(
        'UPDATE custody_current SET client_created_at = '
        '(SELECT client.created_at FROM client WHERE client.id = custody_current.client_id)'
    )
    op.execute(
        'DELETE FROM custody_current WHERE client_id IN (SELECT id FROM client WHERE deleted_at IS NOT NULL)'
    )
    with op.batch_alter_table('custody_current', schema=None) as batch_op:
        batch_op.alter_column('client_created_at', existing_type=sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_custody_current_org_facility'))
        batch_op.drop_index(batch_op.f('ix_custody_current_org_status'))
        batch_op.create_index('ix_custody_current_org_facility_order', ['organization_id', 'facility_id', 'client_created_at', 'client_id'], unique=False)
        batch_op.create_index('ix_custody_current_org_status_order', ['organization_id', 'status', 'client_created_at', 'client_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('custody_current', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_current_org_status_order')
        batch_op.drop_index('ix_custody_current_org_facility_order')
        batch_op.create_index(batch_op.f('ix_custody_current_org_status'), ['organization_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_current_org_facility'), ['organization_id', 'facility_id'], unique=False)
        batch_op.drop_column('client_created_at')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_search_trgm', postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.drop_index('ix_client_search', postgresql_where=sa.text('false'))
    # pg_trgm stays installed: other objects may use it, and dropping an extension needs more privileges.
