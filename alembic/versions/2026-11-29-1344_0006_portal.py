"""portal: tables of the portal domain

Revision ID: 0006_portal
Revises: 0005_filings
Create Date: 2026-11-29 13:44:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0006_portal'
down_revision: str | Sequence[str] | None = '0005_filings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
