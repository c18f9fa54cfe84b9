"""filings: tables of the filings domain

Revision ID: 0005_filings
Revises: 0004_deadlines
Create Date: 2026-11-29 13:43:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0005_filings'
down_revision: str | Sequence[str] | None = '0004_deadlines'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
