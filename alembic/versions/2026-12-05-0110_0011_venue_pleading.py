"""venue and pleading: bar admissions per court, flight facts on custody events, drafting warnings on filings

``user_account.admissions`` holds an attorney's admissions (court, bar number, status) so a filing can warn
when its signer is not admitted in the captioned court; ``custody_event.flight`` holds the flight facts of an
``in_transit`` event (carrier, flight number, departure airport and time, destination country), pleaded as the
emergency; ``filing.warnings`` keeps the warnings a draft was created with (no personal data). All three are
nullable JSON columns added in place (plain ALTER TABLE ... ADD COLUMN on both backends, so the immutability
and append-only triggers on ``filing`` and ``custody_event`` stay as they are); existing rows read as empty.

Revision ID: 0011_venue_pleading
Revises: 0010_facility_overlay
Create Date: 2026-12-05 01:10:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_venue_pleading'
down_revision: str | Sequence[str] | None = '0010_facility_overlay'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('admissions', sa.JSON(), nullable=True))
    op.add_column('custody_event', sa.Column('flight', sa.JSON(), nullable=True))
    op.add_column('filing', sa.Column('warnings', sa.JSON(), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place; the triggers on these tables do not name these columns.
    op.drop_column('filing', 'warnings')
    op.drop_column('custody_event', 'flight')
    op.drop_column('user_account', 'admissions')
