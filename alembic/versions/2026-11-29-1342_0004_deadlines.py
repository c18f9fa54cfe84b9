"""deadlines: tables of the deadlines domain

Revision ID: 0004_deadlines
Revises: 0003_protection
Create Date: 2026-11-29 13:42:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0004_deadlines'
down_revision: str | Sequence[str] | None = '0003_protection'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deadline_rule',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('period', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('regime', sa.String(length=20), nullable=False),
    sa.Column('citation', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('jurisdictional', sa.Boolean(), nullable=False),
    sa.Column('extendable', sa.Boolean(), nullable=False),
    sa.Column('extension_note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('as_of_date', sa.Date(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('time_of_day', sa.Time(), nullable=True),
    sa.Column('runs_from_service', sa.Boolean(), nullable=False),
    sa.Column('roll', sa.Boolean(), nullable=False),
    sa.Column('max_period', sa.Integer(), nullable=True),
    sa.Column('obligated_party', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('deadline_rule_created_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('deadline_rule_organization_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('deadline_rule_pkey')),
    sa.UniqueConstraint('organization_id', 'code', name=op.f('deadline_rule_organization_id_code_key'))
    )
    op.create_table('trigger_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('proceeding_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('occurred_date', sa.Date(), nullable=False),
    sa.Column('occurred_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('service_method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('court_state', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('court_timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('trigger_event_client_id_fkey')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('trigger_event_created_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('trigger_event_organization_id_fkey')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('trigger_event_owner_id_fkey')),
    sa.ForeignKeyConstraint(['proceeding_id'], ['proceeding.id'], name=op.f('trigger_event_proceeding_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('trigger_event_pkey'))
    )
    with op.batch_alter_table('trigger_event', schema=None) as batch_op:
        batch_op.create_index('ix_trigger_event_org_client', ['organization_id', 'client_id', 'occurred_date'], unique=False)
    op.create_table('deadline',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('proceeding_id', sa.Uuid(), nullable=True),
    sa.Column('rule_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('trigger_event_id', sa.Uuid(), nullable=True),
    sa.Column('trigger_kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('trigger_date', sa.Date(), nullable=True),
    sa.Column('trigger_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('service_method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('court_state', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('court_timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period_override', sa.Integer(), nullable=True),
    sa.Column('regime', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('due_earliest_safe_date', sa.Date(), nullable=False),
    sa.Column('due_latest_arguable_date', sa.Date(), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due_latest_arguable_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('computation_notes', sa.JSON(), nullable=False),
    sa.Column('jurisdictional', sa.Boolean(), nullable=False),
    sa.Column('extendable', sa.Boolean(), nullable=False),
    sa.Column('obligated_party', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('met_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('confirmed_by', sa.Uuid(), nullable=True),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('proposed', sa.Boolean(), nullable=False),
    sa.Column('supersedes_id', sa.Uuid(), nullable=True),
    sa.Column('superseded_by_id', sa.Uuid(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('deadline_client_id_fkey')),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user_account.id'], name=op.f('deadline_confirmed_by_fkey')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('deadline_created_by_fkey')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('deadline_organization_id_fkey')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('deadline_owner_id_fkey')),
    sa.ForeignKeyConstraint(['proceeding_id'], ['proceeding.id'], name=op.f('deadline_proceeding_id_fkey')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['deadline.id'], name=op.f('deadline_superseded_by_id_fkey')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['deadline.id'], name=op.f('deadline_supersedes_id_fkey')),
    sa.ForeignKeyConstraint(['trigger_event_id'], ['trigger_event.id'], name=op.f('deadline_trigger_event_id_fkey')),
    sa.PrimaryKeyConstraint('id', name=op.f('deadline_pkey'))
    )
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_org_client_due', ['organization_id', 'client_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_deadline_org_due', ['organization_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_deadline_org_status_due', ['organization_id', 'status', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_deadline_owner_status_due', ['owner_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_deadline_supersedes', ['supersedes_id'], unique=False)
        batch_op.create_index('ix_deadline_trigger_event', ['trigger_event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_trigger_event')
        batch_op.drop_index('ix_deadline_supersedes')
        batch_op.drop_index('ix_deadline_owner_status_due')
        batch_op.drop_index('ix_deadline_org_status_due')
        batch_op.drop_index('ix_deadline_org_due')
        batch_op.drop_index('ix_deadline_org_client_due')
    op.drop_table('deadline')
    with op.batch_alter_table('trigger_event', schema=None) as batch_op:
        batch_op.drop_index('ix_trigger_event_org_client')
    op.drop_table('trigger_event')
    op.drop_table('deadline_rule')
