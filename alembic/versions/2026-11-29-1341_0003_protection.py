"""protection: tables of the protection domain

Revision ID: 0003_protection
Revises: 0002_clients_custody
Create Date: 2026-11-29 13:41:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
import sqlmodel.sql.sqltypes  # noqa: F401
from alembic import op  # noqa: F401

revision: str = '0003_protection'
down_revision: str | Sequence[str] | None = '0002_clients_custody'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
