"""jobs: procrastinate's schema (PostgreSQL only); batch items lose the hand-made claim columns

The job engine on PostgreSQL is procrastinate (docs/jobs.md). Its tables, types, functions and triggers are
created here from the schema.sql of the pinned version (pyproject.toml), so ``dueprocess migrate`` is the
one step that prepares a database, and they are left out of the metadata drift check (alembic/env.py): they
belong to procrastinate, not to app.models. An upgrade of procrastinate that changes its schema needs a new
migration applying procrastinate's own migration files. On SQLite, jobs run in process and nothing is created.

``filing_batch_item.claim_token`` and ``claimed_at`` served the home-made claim/requeue loop the engine
replaces; a batch item is now completed under a row lock (app/filings/batches.py).

Revision ID: 0015_jobs
Revises: 0014_client_name_latin
Create Date: 2026-12-05 04:00:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0015_jobs'
down_revision: str | Sequence[str] | None = '0016_login_counters'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Everything procrastinate's schema.sql creates, dropped by name on downgrade.
_DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.sig || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type CASCADE;
"""


def upgrade() -> None:
    with op.batch_alter_table('filing_batch_item') as batch:
        batch.drop_column('claim_token')
        batch.drop_column('claimed_at')
    if op.get_bind().dialect.name == 'postgresql':
        from procrastinate.schema import SchemaManager

        # The schema text as the package ships it (functions with $$ bodies, `%` in messages): sent through
        # the driver without parameters, so nothing in it is read as a placeholder; same transaction.
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(_DROP_PROCRASTINATE)
    with op.batch_alter_table('filing_batch_item') as batch:
        batch.add_column(sa.Column('claim_token', sa.Uuid(), nullable=True))
        batch.add_column(sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
