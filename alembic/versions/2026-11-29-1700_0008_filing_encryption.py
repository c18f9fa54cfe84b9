"""filing encryption: input snapshots and PDF bytes encrypted at rest

Revision ID: 0008_filing_encryption
Revises: 0007_field_encryption
Create Date: 2026-11-29 17:00:00+00:00

A filing's input snapshot (JSON) and its PDF carry the client's name, A-number and whereabouts. They become
AES-256-GCM ciphertext (``KeyRing.encrypt_bytes``) bound to organization/table/column/row:
``filing.input_snapshot`` -> ``filing.input_snapshot_ct``, ``filing_document.pdf`` -> ``filing_document.pdf_ct``.
Existing rows are encrypted with the configured keys (DATA_ENCRYPTION_KEYS, as in 0007); the downgrade
decrypts them back. ``filing.sha256`` is untouched: it stays the hash of the plaintext PDF.

Final filings and stored PDFs are immutable (triggers of 0005). Rewriting their storage form is not a change
of content, so the triggers that refuse it are lifted for the rewrite and put back before the migration ends,
in the same transaction (PostgreSQL: DISABLE/ENABLE TRIGGER; SQLite: the batch table rebuild drops a table's
triggers anyway, so they are dropped first and created again at the end). Every PDF is checked against its
stored SHA-256 on the way, so the rewrite provably keeps the documents byte for byte.
"""
import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_filing_encryption'
down_revision: str | Sequence[str] | None = '0007_field_encryption'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_filing = sa.table(
    'filing', sa.column('id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
    sa.column('input_snapshot', sa.JSON()), sa.column('input_snapshot_ct', sa.LargeBinary()),
    sa.column('sha256', sa.String()),
)
_document = sa.table(
    'filing_document', sa.column('filing_id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
    sa.column('pdf', sa.LargeBinary()), sa.column('pdf_ct', sa.LargeBinary()),
)

# The immutability triggers of 0005 (SQLite forms; on PostgreSQL they are only disabled and enabled again).
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER filing_final_no_update BEFORE UPDATE ON filing WHEN OLD.status = 'final' "
    "BEGIN SELECT RAISE(ABORT, 'final filings are immutable'); END",
    "CREATE TRIGGER filing_final_no_delete BEFORE DELETE ON filing WHEN OLD.status = 'final' "
    "BEGIN SELECT RAISE(ABORT, 'final filings are immutable'); END",
    "CREATE TRIGGER filing_document_no_update BEFORE UPDATE ON filing_document "
    "BEGIN SELECT RAISE(ABORT, 'filing documents are write-once'); END",
)
_PG_TRIGGERS = (('filing', 'filing_final_no_change'), ('filing_document', 'filing_document_no_update'))

_BATCH = 200  # snapshots per read
_AAD = {  # table -> logical column named in the associated data (as app/filings/models.py does)
    'filing': 'input_snapshot',
    'filing_document': 'pdf',
}


def _lift_immutability() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, trigger in _PG_TRIGGERS:
            op.execute(f'ALTER TABLE {table} DISABLE TRIGGER {trigger}')
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {statement.split()[2]}')


def _restore_immutability() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table, trigger in _PG_TRIGGERS:
            op.execute(f'ALTER TABLE {table} ENABLE TRIGGER {trigger}')
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _sha256_by_filing(bind: sa.engine.Connection) -> dict[object, str]:
    return {fid: sha for fid, sha in bind.execute(sa.select(_filing.c.id, _filing.c.sha256)).fetchall()}


def _document_ids(bind: sa.engine.Connection) -> list[object]:
    return list(bind.execute(sa.select(_document.c.filing_id).order_by(_document.c.filing_id)).scalars().all())


def _check_pdf(pdf: bytes, expected: str | None, filing_id: object) -> None:
    if expected is not None and hashlib.sha256(pdf).hexdigest() != expected:
        raise RuntimeError(f'filing {filing_id}: stored PDF does not match its SHA-256; migration stopped')


def upgrade() -> None:
    from app.core.crypto import KeyRing
    from app.core.keyring import ring

    bind = op.get_bind()
    keys = ring()
    _lift_immutability()
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_snapshot_ct', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('filing_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_ct', sa.LargeBinary(), nullable=True))

    last = None
    while True:
        stmt = sa.select(_filing.c.id, _filing.c.organization_id, _filing.c.input_snapshot).order_by(_filing.c.id)
        if last is not None:
            stmt = stmt.where(_filing.c.id > last)
        rows = bind.execute(stmt.limit(_BATCH)).fetchall()
        if not rows:
            break
        for fid, org, snapshot in rows:
            if isinstance(snapshot, str):  # a JSON column may hand back text on some drivers
                snapshot = json.loads(snapshot)
            plain = json.dumps(snapshot, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
            bind.execute(_filing.update().where(_filing.c.id == fid).values(
                input_snapshot_ct=keys.encrypt_bytes(plain, KeyRing.aad(org, 'filing', _AAD['filing'], fid))))
        last = rows[-1][0]

    sha = _sha256_by_filing(bind)
    for fid in _document_ids(bind):  # one PDF in memory at a time
        org, pdf = bind.execute(sa.select(_document.c.organization_id, _document.c.pdf)
                                .where(_document.c.filing_id == fid)).one()
        pdf = bytes(pdf)
        _check_pdf(pdf, sha.get(fid), fid)
        bind.execute(_document.update().where(_document.c.filing_id == fid).values(
            pdf_ct=keys.encrypt_bytes(pdf, KeyRing.aad(org, 'filing_document', _AAD['filing_document'], fid))))

    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.alter_column('input_snapshot_ct', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('input_snapshot')
    with op.batch_alter_table('filing_document', schema=None) as batch_op:
        batch_op.alter_column('pdf_ct', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('pdf')
    _restore_immutability()


def downgrade() -> None:
    from app.core.crypto import KeyRing
    from app.core.keyring import ring

    bind = op.get_bind()
    keys = ring()
    _lift_immutability()
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_snapshot', sa.JSON(), nullable=True))
    with op.batch_alter_table('filing_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))

    last = None
    while True:
        stmt = (sa.select(_filing.c.id, _filing.c.organization_id, _filing.c.input_snapshot_ct)
                .order_by(_filing.c.id))
        if last is not None:
            stmt = stmt.where(_filing.c.id > last)
        rows = bind.execute(stmt.limit(_BATCH)).fetchall()
        if not rows:
            break
        for fid, org, token in rows:
            plain = keys.decrypt_bytes(bytes(token), KeyRing.aad(org, 'filing', _AAD['filing'], fid))
            bind.execute(_filing.update().where(_filing.c.id == fid).values(input_snapshot=json.loads(plain)))
        last = rows[-1][0]

    sha = _sha256_by_filing(bind)
    for fid in _document_ids(bind):
        org, token = bind.execute(sa.select(_document.c.organization_id, _document.c.pdf_ct)
                                  .where(_document.c.filing_id == fid)).one()
        pdf = keys.decrypt_bytes(bytes(token), KeyRing.aad(org, 'filing_document', _AAD['filing_document'], fid))
        _check_pdf(pdf, sha.get(fid), fid)
        bind.execute(_document.update().where(_document.c.filing_id == fid).values(pdf=pdf))

    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.alter_column('input_snapshot', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('input_snapshot_ct')
    with op.batch_alter_table('filing_document', schema=None) as batch_op:
        batch_op.alter_column('pdf', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('pdf_ct')
    _restore_immutability()
