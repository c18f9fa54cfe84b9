"""Field encryption at rest for A-numbers, privileged notes, filing snapshots and filing PDFs
(docs/security-model.md#encryption-at-rest,
test rows D1/D2).

- AES-256-GCM (``cryptography``), 96-bit random nonce per value.
- Stored form of text values: ``v1.<key id>.<base64url(nonce || ciphertext+tag)>`` — the key id lets old
  keys keep decrypting after a rotation (``dueprocess keys rotate`` re-encrypts under the active key).
- Stored form of binary values (filing PDFs and input snapshots, ``encrypt_bytes``): the bytes
  ``v1.<key id>.`` followed by ``nonce || ciphertext+tag`` (no base64: PDFs are large).
- Associated data binds a value to its place: ``organization|table|column|row id``. A ciphertext copied to
  another row, column or organization fails to decrypt (GCM tag mismatch).
- Lookups and uniqueness use a blind index: HMAC-SHA256 under a separate key over ``organization|value``,
  so equal A-numbers collide only within one organization and the index reveals nothing by itself.

Keys come from settings (``DATA_ENCRYPTION_KEYS`` = ``kid:base64key,...``, ``DATA_ENCRYPTION_ACTIVE_KEY``,
``BLIND_INDEX_KEY``); in development they are generated once under ./var/.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"


class DecryptionError(Exception):
    """A stored value could not be decrypted (wrong key, moved ciphertext, or tampering)."""


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def parse_keys(spec: str) -> dict[str, bytes]:
    """``kid:base64,kid2:base64`` -> {kid: 32-byte key}."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, _, b64 = part.partition(":")
        if not kid.isalnum() or len(kid) > 16:
            raise ValueError("encryption key ids must be 1-16 letters/digits")
        raw = b64d(b64)
        if len(raw) != 32:
            raise ValueError(f"encryption key {kid!r} must be 32 bytes (base64)")
        keys[kid] = raw
    return keys


def new_key_spec(kid: str = "k1") -> str:
    return f"{kid}:{_b64e(secrets.token_bytes(32))}"


def new_index_key() -> str:
    return _b64e(secrets.token_bytes(32))


@dataclass
class KeyRing:
    keys: dict[str, bytes]
    active: str
    index_key: bytes
    _ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise ValueError("the active encryption key id is not among the configured keys")
        if len(self.index_key) < 32:
            raise ValueError("the blind-index key must be at least 32 bytes")
        # One cipher object per key: building AESGCM costs about as much as decrypting an A-number (a list
        # page decrypts 50). The objects are stateless; nonces are fresh per call.
        self._ciphers = {kid: AESGCM(key) for kid, key in self.keys.items()}

    @staticmethod
    def aad(org_id: uuid.UUID, table: str, column: str, row_id: uuid.UUID) -> bytes:
        return f"{org_id}|{table}|{column}|{row_id}".encode()

    def encrypt(self, plaintext: str, aad: bytes) -> str:
        nonce = os.urandom(12)
        ct = self._ciphers[self.active].encrypt(nonce, plaintext.encode("utf-8"), aad)
        return f"{VERSION}.{self.active}.{_b64e(nonce + ct)}"

    def decrypt(self, token: str, aad: bytes) -> str:
        try:
            version, kid, body = token.split(".", 2)
            if version != VERSION:
                raise DecryptionError("unknown format")
            raw = b64d(body)
            return self._ciphers[kid].decrypt(raw[:12], raw[12:], aad).decode("utf-8")
        except (ValueError, KeyError, InvalidTag) as exc:
            raise DecryptionError(type(exc).__name__) from None

    @staticmethod
    def key_id(token: str) -> str | None:
        parts = token.split(".", 2)
        return parts[1] if len(parts) == 3 else None

    def encrypt_bytes(self, plaintext: bytes, aad: bytes) -> bytes:
        """Binary counterpart of ``encrypt``: ``b"v1.<kid>." + nonce + ciphertext+tag``."""
        nonce = os.urandom(12)
        ct = self._ciphers[self.active].encrypt(nonce, bytes(plaintext), aad)
        return b"".join((VERSION.encode(), b".", self.active.encode(), b".", nonce, ct))

    def decrypt_bytes(self, token: bytes, aad: bytes) -> bytes:
        try:
            version, kid, raw = bytes(token).split(b".", 2)
            if version != VERSION.encode() or len(raw) < 12 + 16:
                raise DecryptionError("unknown format")
            return self._ciphers[kid.decode("ascii")].decrypt(raw[:12], raw[12:], aad)
        except (ValueError, KeyError, InvalidTag, UnicodeDecodeError) as exc:
            raise DecryptionError(type(exc).__name__) from None

    @staticmethod
    def key_id_bytes(token: bytes) -> str | None:
        """The key id of a binary token (its header is ASCII; the body is not looked at)."""
        parts = bytes(token[:40]).split(b".", 2)
        if len(parts) != 3:
            return None
        try:
            return parts[1].decode("ascii")
        except UnicodeDecodeError:
            return None

    def blind_index(self, org_id: uuid.UUID, value: str) -> str:
        return hmac.new(self.index_key, f"{org_id}|{value}".encode(), hashlib.sha256).hexdigest()


_ring: KeyRing | None = None
DEV_KEYS_FILE = Path("var") / "data_keys.env"


_TEST_KEYS: tuple[str, str, str] | None = None


def process_test_keys() -> tuple[str, str, str]:
    """Ephemeral keys shared by every Settings object of one test process."""
    global _TEST_KEYS
    if _TEST_KEYS is None:
        _TEST_KEYS = (new_key_spec("test1"), "test1", new_index_key())
    return _TEST_KEYS


def dev_keys() -> tuple[str, str, str]:
    """Development keys generated once and kept under ./var/ (never committed)."""
    if DEV_KEYS_FILE.exists():
        spec, active, index = DEV_KEYS_FILE.read_text().split("\n")[:3]
        return spec, active, index
    spec, active, index = new_key_spec("dev1"), "dev1", new_index_key()
    try:
        DEV_KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
        DEV_KEYS_FILE.write_text(f"{spec}\n{active}\n{index}\n")
        DEV_KEYS_FILE.chmod(0o600)
    except OSError:
        pass
    return spec, active, index
