"""Key rotation for encrypted client fields (docs/security-model.md#data-at-rest): re-encrypt under the active key.

Old keys stay configured until this has run; rows already under the active key are skipped, so the job
is idempotent and can be resumed. Each batch commits on its own.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.clients.models import Client
from app.core import crypto, keyring


def rotate_client_keys(session: Session, batch_size: int = 500) -> dict[str, int]:
    ring = keyring.ring()
    prefix = f"{crypto.VERSION}.{ring.active}."
    rotated = scanned = failed = 0
    last_id = None
    while True:
        stmt = select(Client).where(col(Client.a_number_ct).is_not(None) | col(Client.privileged_notes_ct).is_not(None))
        if last_id is not None:
            stmt = stmt.where(Client.id > last_id)
        batch = list(session.exec(stmt.order_by(col(Client.id)).limit(batch_size)).all())
        if not batch:
            break
        for client in batch:
            scanned += 1
            stale = any(ct is not None and not ct.startswith(prefix)
                        for ct in (client.a_number_ct, client.privileged_notes_ct))
            if stale:
                # Decrypt with whichever key the row names, encrypt with the active one (same AAD).
                try:
                    a_number, notes = client.a_number, client.privileged_notes
                except crypto.DecryptionError:
                    failed += 1  # moved or altered ciphertext: leave it as evidence, report it
                    continue
                client.a_number = a_number
                client.privileged_notes = notes
                session.add(client)
                rotated += 1
        last_id = batch[-1].id
        session.commit()
    return {"scanned": scanned, "rotated": rotated, "failed": failed, "active_key": ring.active}  # type: ignore[dict-item]
