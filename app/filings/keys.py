"""Key rotation for filing input snapshots, PDFs and batch options (docs/security-model.md#data-at-rest): re-encrypt
under the active key.

Run by ``dueprocess keys rotate`` after the client fields. Like client rotation it is idempotent and
resumable: rows already under the active key are skipped (only the ciphertext header is read to find them),
and each batch commits on its own.

**Why the immutability triggers are lifted here, and only here.** Final filings are immutable to the
application and stored PDFs are write-once: database triggers refuse any UPDATE (migration 0005). Re-encrypting
under a new key is not a change of the document: it is key management on the storage form. So, for one batch
at a time and inside that batch's transaction, the rotation lifts the trigger of the one table it rewrites,
rewrites *only* the ciphertext column, and puts the trigger back before COMMIT:

- PostgreSQL: ``ALTER TABLE … DISABLE TRIGGER`` / ``ENABLE TRIGGER``. The catalog change is transactional
  and the statement takes a SHARE ROW EXCLUSIVE lock on the table, so no other session can write the table
  while the trigger is off (they wait for the batch's COMMIT; reads go on). Needs the table owner's role
  (the role that runs migrations).
- SQLite: the trigger is dropped and created again from its own stored SQL (``sqlite_master``) in the same
  ``BEGIN IMMEDIATE`` transaction, which holds the database write lock; readers keep seeing the committed
  schema.

A failure rolls back the batch, trigger change included. Every PDF is decrypted and checked against the
filing's SHA-256 before it is re-encrypted, and a snapshot must decrypt to JSON, so a rotation provably
leaves every document byte for byte as it was. A row that does not decrypt (moved or altered ciphertext) is
left as evidence and counted as ``failed``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.core import crypto, keyring
from app.core.rotation import rotate_fields
from app.core.types import table_of
from app.filings.models import Filing, FilingBatch, FilingDocument, pdf_aad, snapshot_aad

# The triggers that refuse an UPDATE of a final filing / of a stored PDF (names as created by 0005).
_UPDATE_TRIGGERS = {
    "postgresql": {"filing": "filing_final_no_change", "filing_document": "filing_document_no_update"},
    "sqlite": {"filing": "filing_final_no_update", "filing_document": "filing_document_no_update"},
}
SCAN_PAGE = 1000  # ciphertext headers per read
SNAPSHOT_BATCH = 200  # snapshots re-encrypted per transaction
PDF_BATCH = 20  # PDFs per transaction (up to PDF_MAX_BYTES each; the table stays write-locked meanwhile)


@contextmanager
def immutability_lifted(session: Session, table: str) -> Iterator[None]:
    """Within the session's current transaction, lift the UPDATE trigger of ``table`` and restore it on the
    way out. The caller commits (or rolls back, which undoes both) afterwards."""
    dialect = session.get_bind().dialect.name
    trigger = _UPDATE_TRIGGERS.get(dialect, {}).get(table)
    if trigger is None:
        yield
        return
    try:
        if dialect == "postgresql":
            present = session.execute(sa.text(
                "SELECT 1 FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND tgname = :n"),
                {"t": table, "n": trigger}).first() is not None
            if present:
                session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
            yield
            if present:
                session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
            return
        sql = session.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n "
                                      "AND tbl_name = :t"), {"n": trigger, "t": table}).scalar()
        if sql:
            session.execute(sa.text(f"DROP TRIGGER {trigger}"))
        yield
        if sql:
            session.execute(sa.text(sql))
    except BaseException:
        session.rollback()  # undoes the trigger change together with the rows
        raise


def _stale_ids(session: Session, id_col: Any, ct_col: Any, prefix: bytes) -> Iterator[tuple[int, list[Any]]]:
    """Pages of (rows scanned, ids whose ciphertext is not under the active key), by id order."""
    last = None
    while True:
        stmt = sa.select(id_col, sa.func.substr(ct_col, 1, len(prefix))).order_by(id_col).limit(SCAN_PAGE)
        if last is not None:
            stmt = stmt.where(id_col > last)
        rows = session.execute(stmt).all()
        session.rollback()  # the scan holds no lock while the batches run
        if not rows:
            return
        yield len(rows), [rid for rid, header in rows if bytes(header or b"") != prefix]
        last = rows[-1][0]


def _chunks(ids: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def rotate_snapshots(session: Session, batch_size: int = SNAPSHOT_BATCH) -> dict[str, int]:
    ring = keyring.ring()
    prefix = f"{crypto.VERSION}.{ring.active}.".encode()
    table = table_of(Filing)
    scanned = rotated = failed = 0
    for seen, stale in _stale_ids(session, table.c.id, table.c.input_snapshot_ct, prefix):
        scanned += seen
        for chunk in _chunks(stale, batch_size):
            rows = session.execute(sa.select(table.c.id, table.c.organization_id, table.c.input_snapshot_ct)
                                   .where(table.c.id.in_(chunk))).all()
            with immutability_lifted(session, "filing"):
                for fid, org, token in rows:
                    aad = snapshot_aad(org, fid)
                    try:
                        plain = ring.decrypt_bytes(token, aad)
                        json.loads(plain)
                    except (crypto.DecryptionError, ValueError):
                        failed += 1  # moved or altered ciphertext: leave it as evidence, report it
                        continue
                    session.execute(sa.update(table).where(table.c.id == fid)
                                    .values(input_snapshot_ct=ring.encrypt_bytes(plain, aad)))
                    rotated += 1
            session.commit()
    return {"scanned": scanned, "rotated": rotated, "failed": failed}


def rotate_pdfs(session: Session, batch_size: int = PDF_BATCH) -> dict[str, int]:
    ring = keyring.ring()
    prefix = f"{crypto.VERSION}.{ring.active}.".encode()
    docs = table_of(FilingDocument)
    filings = table_of(Filing)
    scanned = rotated = failed = 0
    for seen, stale in _stale_ids(session, docs.c.filing_id, docs.c.pdf_ct, prefix):
        scanned += seen
        for chunk in _chunks(stale, batch_size):
            with immutability_lifted(session, "filing_document"):
                for fid in chunk:  # one PDF in memory at a time
                    row = session.execute(
                        sa.select(docs.c.organization_id, docs.c.pdf_ct, filings.c.sha256)
                        .join(filings, filings.c.id == docs.c.filing_id).where(docs.c.filing_id == fid)).first()
                    if row is None:
                        continue
                    org, token, sha256 = row
                    aad = pdf_aad(org, fid)
                    try:
                        pdf = ring.decrypt_bytes(token, aad)
                    except crypto.DecryptionError:
                        failed += 1
                        continue
                    if hashlib.sha256(pdf).hexdigest() != sha256:
                        failed += 1  # not the document the filing names: never re-encrypt it as if it were
                        continue
                    session.execute(sa.update(docs).where(docs.c.filing_id == fid)
                                    .values(pdf_ct=ring.encrypt_bytes(pdf, aad)))
                    rotated += 1
            session.commit()
    return {"scanned": scanned, "rotated": rotated, "failed": failed}


def rotate_filing_keys(session: Session) -> dict[str, dict[str, int]]:
    """Re-encrypt filing snapshots, then PDFs (one table per transaction, so the two table locks are never
    held together), then batch options (sealed text like the notes: no trigger guards them)."""
    return {"filing": rotate_snapshots(session), "filing_document": rotate_pdfs(session),
            "filing_batch": rotate_fields(session, FilingBatch, ("options",))}

