"""Key rotation for the packets' DOCX copies (run by ``dueprocess keys rotate`` after the filings' PDFs).

Same scheme as app/filings/keys.py: scan ids by page, re-encrypt only what is not under the active key, one
DOCX in memory at a time, a ciphertext that does not decrypt under its own row's binding is left as evidence
and counted as failed. The DOCX table has no immutability trigger (its rows are never updated otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from app.core import crypto, keyring
from app.core.types import table_of
from app.filings.keys import _chunks, _stale_ids
from app.packets.models import PacketDocx, docx_aad

BATCH = 20


def rotate_packet_keys(session: Session, batch_size: int = BATCH) -> dict[str, dict[str, int]]:
    ring = keyring.ring()
    prefix = f"{crypto.VERSION}.{ring.active}.".encode()
    table = table_of(PacketDocx)
    scanned = rotated = failed = 0
    for seen, stale in _stale_ids(session, table.c.filing_id, table.c.docx_ct, prefix):
        scanned += seen
        for chunk in _chunks(stale, batch_size):
            for fid in chunk:
                row = session.execute(sa.select(table.c.organization_id, table.c.docx_ct)
                                      .where(table.c.filing_id == fid)).first()
                if row is None:
                    continue
                org, token = row
                try:
                    plain = ring.decrypt_bytes(token, docx_aad(org, fid))
                except crypto.DecryptionError:
                    failed += 1
                    continue
                session.execute(sa.update(table).where(table.c.filing_id == fid)
                                .values(docx_ct=ring.encrypt_bytes(plain, docx_aad(org, fid))))
                rotated += 1
            session.commit()
    return {"emergency_packet_docx": {"scanned": scanned, "rotated": rotated, "failed": failed}}
