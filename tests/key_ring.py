"""The key-rotation tests make a second data-encryption key active for a while. Afterwards every encrypted
column of the session's database goes back under the original key, not only the tables the test was about:
rows another test wrote meanwhile (a document, a batch) would otherwise stay under a key the ring no longer
holds, and a later rotation test would count them as failed."""

from __future__ import annotations

from typing import Any

from app.cli import rotate_every_table
from app.core import crypto, keyring


def spec_of(ring: crypto.KeyRing) -> str:
    """A ring's keys as DATA_ENCRYPTION_KEYS spells them (``id:base64,...``)."""
    return ",".join(f"{k}:{crypto._b64e(v)}" for k, v in ring.keys.items())


def restore(db: Any, old: crypto.KeyRing, added_spec: str) -> None:
    """Every table back under ``old``'s active key, then the ring without the added key."""
    index = crypto._b64e(old.index_key)
    keyring.configure(f"{spec_of(old)},{added_spec}", old.active, index)
    with db.session(write=True) as s:
        rotate_every_table(s)
    keyring.configure(spec_of(old), old.active, index)
