"""The process-wide key ring: which keys encrypt and decrypt the fields stored encrypted at rest.

``app.core.crypto`` holds the primitives (AES-GCM, the blind index, key parsing) and knows nothing of the
settings; the settings validate the keys with those primitives. This module joins the two: ``create_app``
installs the ring from the settings it was given, and anything that runs without an app (a command, a test
factory) gets one configured from the environment's settings on first use.
"""

from __future__ import annotations

import uuid

from app.core import crypto
from app.core.config import get_settings

_ring: crypto.KeyRing | None = None


def configure(keys_spec: str, active: str, index_key_b64: str) -> crypto.KeyRing:
    """Install the process-wide key ring (called at start-up from settings)."""
    global _ring
    _ring = crypto.KeyRing(crypto.parse_keys(keys_spec), active, crypto.b64d(index_key_b64))
    return _ring


def ring() -> crypto.KeyRing:
    """The configured key ring; configured from the environment's settings on first use."""
    if _ring is None:
        s = get_settings()
        return configure(s.data_encryption_keys, s.data_encryption_active_key, s.blind_index_key)
    return _ring


def seal(org_id: uuid.UUID, table: str, column: str, row_id: uuid.UUID, value: str | None) -> str | None:
    """The stored form of one text field (``None`` stays ``None``), bound to its organization, table, column
    and row (docs/SECURITY.md, encryption at rest)."""
    if value is None:
        return None
    return ring().encrypt(value, crypto.KeyRing.aad(org_id, table, column, row_id))


def unseal(org_id: uuid.UUID, table: str, column: str, row_id: uuid.UUID, stored: str | None) -> str | None:
    """The text stored by ``seal``; raises ``crypto.DecryptionError`` for a moved or altered value."""
    if stored is None:
        return None
    return ring().decrypt(stored, crypto.KeyRing.aad(org_id, table, column, row_id))
