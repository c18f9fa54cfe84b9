"""Time-based one-time passwords, RFC 6238 (TOTP) over RFC 4226 (HOTP): HMAC-SHA1, 30-second steps, 6 digits.

These are the parameters every authenticator app supports by default (Google Authenticator ignores others), so
the ``otpauth://`` URI names them explicitly. The implementation is the few lines of the RFCs, checked against
the RFC 6238 Appendix B test vectors in tests/auth/test_totp.py; no dependency is needed for it.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
import urllib.parse

PERIOD = 30
DIGITS = 6
# One step either side of now: a code typed just as the phone's 30-second window rolls over, or a phone clock
# a few seconds off, still works (RFC 6238 §5.2 recommends at most one step of network/clock allowance).
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, the HMAC-SHA1 block recommended by RFC 4226 §4 (R6)


def new_secret() -> str:
    """A fresh shared secret, base32 without padding (the form authenticator apps accept)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret_b32: str) -> bytes:
    s = secret_b32.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC the 8-byte counter, dynamic truncation, modulo 10^digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def step_at(unix_time: float) -> int:
    return int(unix_time // PERIOD)


def code_at(secret_b32: str, unix_time: float) -> str:
    return hotp(_key(secret_b32), step_at(unix_time))


def matching_step(secret_b32: str, code: str, unix_time: float) -> int | None:
    """The time step whose code equals ``code`` within the drift window, or None. Every candidate is compared
    (constant time per comparison) so the answer's timing does not tell which step matched."""
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = _key(secret_b32)
    now = step_at(unix_time)
    found: int | None = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(hotp(key, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret_b32: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from a QR code (Key Uri Format)."""
    label = urllib.parse.quote(f"{issuer}:{account}", safe="@:")
    query = urllib.parse.urlencode({"secret": secret_b32, "issuer": issuer, "algorithm": "SHA1",
                                    "digits": DIGITS, "period": PERIOD})
    return f"otpauth://totp/{label}?{query}"


def normalize_code(code: str) -> str:
    """Authenticator apps show "123 456"; people paste it with the space."""
    return code.replace(" ", "").replace("-", "").strip()

