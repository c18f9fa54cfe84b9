"""encrypt notes: custody-event notes and location text, protection-order notes, court-order summaries

The last free-text fields of the custody and protection records move to ``<name>_ct`` columns holding AES-GCM
ciphertext bound to organization/table/column/row, exactly like the client's privileged notes (migration
0007, app/core/crypto.py). Existing rows are encrypted here with the configured keys (DATA_ENCRYPTION_KEYS,
DATA_ENCRYPTION_ACTIVE_KEY), as 0007 did: the migration runs under the same settings as the app, so the key is
available to it (docs/DECISIONS.md). The downgrade decrypts them back into plaintext columns.

Columns are added and dropped in place (plain ALTER TABLE on both backends; SQLite >= 3.35 drops a column in
place), so no table is rebuilt; no trigger or index names these columns.

Revision ID: 0022_encrypt_notes
Revises: 0014_client_name_latin
Create Date: 2026-12-05 03:50:00+00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022_encrypt_notes'
down_revision: str | Sequence[str] | None = '0018_documents'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (column, its plaintext length before this migration)
FIELDS: dict[str, tuple[tuple[str, int], ...]] = {
    'custody_event': (('location_text', 500), ('notes', 5000)),
    'protection_order': (('notes', 5000),),
    'court_order': (('summary', 2000),),
}
PAGE = 500


def _convert(table_name: str, columns: Sequence[str], to_ct: bool) -> None:
    """Rewrite every row of ``table_name``: plaintext -> ciphertext (``to_ct``) or back, page by page."""
    from app.core import keyring

    src = [c if to_ct else f'{c}_ct' for c in columns]
    dst = [f'{c}_ct' if to_ct else c for c in columns]
    table = sa.table(table_name, sa.column('id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
                     *(sa.column(c, sa.Text()) for c in (*src, *dst)))
    bind = op.get_bind()
    last = None
    while True:
        stmt = sa.select(table.c.id, table.c.organization_id, *(table.c[c] for c in src)).order_by(table.c.id)
        stmt = stmt.where(sa.or_(*(table.c[c].is_not(None) for c in src))).limit(PAGE)
        if last is not None:
            stmt = stmt.where(table.c.id > last)
        rows = bind.execute(stmt).fetchall()
        if not rows:
            return
        for rid, org, *values in rows:
            fn = keyring.seal if to_ct else keyring.unseal
            new = {d: fn(org, table_name, col, rid, v) for d, col, v in zip(dst, columns, values, strict=True)}
            bind.execute(table.update().where(table.c.id == rid).values(**new))
        last = rows[-1][0]


def upgrade() -> None:
    for table, fields in FIELDS.items():
        for column, _ in fields:
            op.add_column(table, sa.Column(f'{column}_ct', sa.Text(), nullable=True))
        _convert(table, [c for c, _ in fields], to_ct=True)
        for column, _ in fields:
            op.drop_column(table, column)


def downgrade() -> None:
    for table, fields in FIELDS.items():
        for column, length in fields:
            op.add_column(table, sa.Column(column, sa.String(length=length), nullable=True))
        _convert(table, [c for c, _ in fields], to_ct=False)
        for column, _ in fields:
            op.drop_column(table, f'{column}_ct')
