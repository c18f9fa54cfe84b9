"""deadlines: tables of the deadlines domain

Revision ID: 0004_deadlines
Revises: 0003_protection
Create Date: 2026-11-29 13:42:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0004_deadlines'
down_revision: str | Sequence[str] | None = '0003_protection'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
