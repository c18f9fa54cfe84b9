"""clients: ``name_latin``, the Latin-script name a person enters for captions of names in another script

Court captions are in English. A client whose name is recorded in Arabic, Chinese, Ethiopic or another script
needs the Latin-script form used on the immigration papers, entered by a person (spellings differ between
documents, so nothing is transliterated automatically). Nullable; existing rows read as none.

Revision ID: 0014_client_name_latin
Revises: 0013_email_folding
Create Date: 2026-12-05 02:40:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0014_client_name_latin'
down_revision: str | Sequence[str] | None = '0013_email_folding'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('client', sa.Column('name_latin', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('client') as batch:
        batch.drop_column('name_latin')
