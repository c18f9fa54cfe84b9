"""Key rotation for encrypted text fields stored as ``<name>_ct`` beside a ``<name>`` property (custody-event
notes and location text, protection-order notes, court-order summaries; docs/SECURITY.md).

Run by ``dueprocess keys rotate``. Like the client rotation (app/clients/keys.py) it is idempotent and
resumable: only rows with a value not under the active key are read (the key id is the ciphertext's prefix),
each batch commits on its own, and a value that does not decrypt (moved or altered ciphertext) is left as
evidence and counted as ``failed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core import crypto, keyring


def rotate_fields(session: Session, model: Any, fields: Sequence[str], batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt ``fields`` of every row of ``model`` under the active key. ``model`` is a table class whose
    ``<field>`` property decrypts and encrypts its ``<field>_ct`` column."""
    prefix = f"{crypto.VERSION}.{keyring.ring().active}."
    columns = [getattr(model, f"{name}_ct") for name in fields]
    stale = sa.or_(*(sa.and_(col.is_not(None), sa.not_(col.startswith(prefix, autoescape=True)))
                     for col in columns))
    rotated = failed = 0
    last_id = None
    while True:
        stmt = select(model).where(stale)
        if last_id is not None:
            stmt = stmt.where(model.id > last_id)
        batch = list(session.exec(stmt.order_by(model.id).limit(batch_size)).all())
        if not batch:
            break
        for row in batch:
            try:
                values = {name: getattr(row, name) for name in fields}
            except crypto.DecryptionError:
                failed += 1
                continue
            for name, value in values.items():
                setattr(row, name, value)  # the setter encrypts under the active key, same AAD
            session.add(row)
            rotated += 1
        last_id = batch[-1].id
        session.commit()
    # Rows already under the active key are not read at all; "scanned" counts the rows that needed work.
    return {"scanned": rotated + failed, "rotated": rotated, "failed": failed}
