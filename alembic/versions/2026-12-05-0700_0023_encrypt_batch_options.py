"""encrypt batch options: ``filing_batch.options`` (JSON) -> ``filing_batch.options_ct`` (ciphertext)

A batch's options can carry case facts a lawyer typed (a ``facts`` narrative, a detention authority, dates),
the last privileged free text still stored in clear. They move to ``options_ct``: the options' JSON sealed
with AES-GCM to organization/table/column/row (``filing_batch``/``options``/batch id), exactly as 0022 sealed
the notes (app/core/keyring.py). Existing rows are encrypted here with the configured keys
(DATA_ENCRYPTION_KEYS, DATA_ENCRYPTION_ACTIVE_KEY), as 0007 and 0022 did: the migration runs under the same
settings as the app, so the key is available to it (docs/DECISIONS.md). The downgrade decrypts them back.

The upgrade adds and drops a column in place (plain ALTER TABLE on both backends; SQLite >= 3.35 drops a
column in place), so no table is rebuilt; no trigger or index names the column. ``options_ct`` stays nullable
in the schema, like 0022's columns; the model always writes it. The downgrade restores ``options`` as it was
(JSON, NOT NULL; on SQLite the NOT NULL needs the batch table rebuild, as in 0008).

Revision ID: 0023_encrypt_batch_options
Revises: 0019_emergency_packets
Create Date: 2026-12-05 07:00:00+00:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023_encrypt_batch_options'
down_revision: str | Sequence[str] | None = '0019_emergency_packets'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 500
_batch = sa.table('filing_batch', sa.column('id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
                  sa.column('options', sa.JSON()), sa.column('options_ct', sa.Text()))


def _convert(to_ct: bool) -> None:
    """Rewrite every row: plaintext options -> ciphertext (``to_ct``) or back, page by page."""
    from app.core import keyring

    src = _batch.c.options if to_ct else _batch.c.options_ct
    bind = op.get_bind()
    last = None
    while True:
        stmt = sa.select(_batch.c.id, _batch.c.organization_id, src).where(src.is_not(None)).order_by(_batch.c.id)
        if last is not None:
            stmt = stmt.where(_batch.c.id > last)
        rows = bind.execute(stmt.limit(PAGE)).fetchall()
        if not rows:
            return
        for rid, org, value in rows:
            if to_ct:
                if isinstance(value, str):  # a JSON column may hand back text on some drivers
                    value = json.loads(value)
                plain = json.dumps(value, ensure_ascii=False, separators=(',', ':'))
                new = {'options_ct': keyring.seal(org, 'filing_batch', 'options', rid, plain)}
            else:
                new = {'options': json.loads(keyring.unseal(org, 'filing_batch', 'options', rid, value) or '{}')}
            bind.execute(_batch.update().where(_batch.c.id == rid).values(**new))
        last = rows[-1][0]


def _keys_or_stop() -> None:
    """Load the key ring before any change (as 0008 does): without keys (required in production) the migration
    stops here, with the schema untouched."""
    from app.core import keyring

    keyring.ring()


def upgrade() -> None:
    _keys_or_stop()
    op.add_column('filing_batch', sa.Column('options_ct', sa.Text(), nullable=True))
    _convert(to_ct=True)
    op.drop_column('filing_batch', 'options')


def downgrade() -> None:
    _keys_or_stop()
    op.add_column('filing_batch', sa.Column('options', sa.JSON(), nullable=True))
    _convert(to_ct=False)
    bind = op.get_bind()
    # A row written without options (none exist: the model always writes them) gets the empty object.
    bind.execute(_batch.update().where(_batch.c.options.is_(None)).values(options={}))
    with op.batch_alter_table('filing_batch', schema=None) as batch_op:
        batch_op.alter_column('options', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('options_ct')
