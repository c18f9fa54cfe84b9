"""clients: word index for name search (client_name_token), backfilled; the substring-search indexes go

Name search (``GET /clients?q=``) becomes word-prefix matching on ``client_name_token``: one row per distinct
word of a live client's ``search_name`` (see ``app.clients.name_index``), keyed by (organization, word, client
created_at, client id) so that a prefix is one key range already in list order. On PostgreSQL the word is
compared byte-wise (``COLLATE "C"``) whatever the database collation; on SQLite the table is WITHOUT ROWID.
The rows of existing live clients are written here. ``ix_client_search`` (SQLite covering index) and
``ix_client_search_trgm`` (PostgreSQL trigram index) served the former ``LIKE '%word%'`` search and are
dropped; the downgrade puts them back (``pg_trgm`` itself stays installed, as before).

Revision ID: 0009_client_name_tokens
Revises: 0008_filing_encryption
Create Date: 2026-11-29 17:01:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0009_client_name_tokens'
down_revision: str | Sequence[str] | None = '0008_filing_encryption'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

_client = sa.table(
    'client', sa.column('id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
    sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    sa.column('search_name', sa.String()),
)
_token = sa.table(
    'client_name_token', sa.column('organization_id', sa.Uuid()), sa.column('token', sa.String()),
    sa.column('client_created_at', sqlmodel.sql.sqltypes.UTCDateTime()), sa.column('client_id', sa.Uuid()),
)


def upgrade() -> None:
    op.create_table('client_name_token',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('token', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('client_created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('client_name_token_client_id_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('client_name_token_organization_id_fkey')),
    sa.PrimaryKeyConstraint('organization_id', 'token', 'client_created_at', 'client_id', name=op.f('client_name_token_pkey')),
    sqlite_with_rowid=False
    )
    _backfill()
    with op.batch_alter_table('client_name_token', schema=None) as batch_op:
        batch_op.create_index('ix_client_name_token_client_id_token', ['client_id', 'token'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index('ix_client_search_trgm', postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))
        batch_op.drop_index('ix_client_search', postgresql_where=sa.text('false'))


def _backfill() -> None:
    """The words of every live client, in batches of clients (keyset on the id)."""
    from app.clients.name_index import token_rows

    bind = op.get_bind()
    last = None
    while True:
        stmt = (sa.select(_client.c.id, _client.c.organization_id, _client.c.created_at, _client.c.search_name)
                .where(_client.c.deleted_at.is_(None)).order_by(_client.c.id).limit(BATCH))
        if last is not None:
            stmt = stmt.where(_client.c.id > last)
        rows = bind.execute(stmt).all()
        if not rows:
            return
        tokens = [t for cid, org, created, name in rows for t in token_rows(org, cid, created, name or '')]
        if tokens:
            bind.execute(_token.insert(), tokens)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index('ix_client_search', ['organization_id', 'deleted_at', 'search_name', 'created_at', 'id'], unique=False, postgresql_where=sa.text('false'))
        batch_op.create_index('ix_client_search_trgm', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'}, sqlite_where=sa.text('0'))

    with op.batch_alter_table('client_name_token', schema=None) as batch_op:
        batch_op.drop_index('ix_client_name_token_client_id_token')

    op.drop_table('client_name_token')
