"""Tokens and passwords. The ONLY module that imports python-jose (docs/design.md#authentication,
docs/security-model.md#tokens-and-sessions).

python-jose's claim checks are permissive by default (``require_*`` all False, ``aud`` skipped when the
token has none), so every decode passes ``algorithms=["HS256"]`` and requires every claim explicitly,
checks the ``typ`` header per token kind (RFC 8725 §3.11-3.12), and turns every failure into
``InvalidToken`` — never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jose import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

ALGORITHM = "HS256"
ACCESS_TYP = "at+jwt"
ACCESS_AUDIENCE_SUFFIX = ":access"
MAX_TOKEN_LENGTH = 4096
LEEWAY_SECONDS = 30
_DECODE_OPTIONS = {
    "verify_signature": True,
    "verify_aud": True,
    "verify_iat": True,
    "verify_exp": True,
    "verify_nbf": True,
    "verify_iss": True,
    "verify_sub": True,
    "verify_jti": True,
    "verify_at_hash": False,
    "require_aud": True,
    "require_iat": True,
    "require_exp": True,
    "require_nbf": False,
    "require_iss": True,
    "require_sub": True,
    "require_jti": True,
    "require_at_hash": False,
    "leeway": LEEWAY_SECONDS,
}


class InvalidToken(Exception):
    """Any token problem. Callers answer 401 with a generic body."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    org_id: uuid.UUID
    token_version: int
    jti: str
    expires_at: datetime


def create_access_token(
    *, key: str, issuer: str, user_id: uuid.UUID, org_id: uuid.UUID, token_version: int, minutes: int,
    now: datetime | None = None,
) -> tuple[str, int]:
    now = now or datetime.now(UTC)
    exp = now + timedelta(minutes=minutes)
    claims = {
        "sub": str(user_id),
        "org": str(org_id),
        "tv": token_version,
        "iat": int(now.timestamp()),
        "exp": int(exp.timestamp()),
        "iss": issuer,
        "aud": issuer + ACCESS_AUDIENCE_SUFFIX,
        "jti": secrets.token_urlsafe(16),
    }
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": ACCESS_TYP})
    return token, minutes * 60


# Tokens whose signature and claims were verified, keyed by (token, key, issuer): a client presents the same
# access token on every request, and re-verifying it (~45 µs in python-jose) was a fifth of an authenticated
# request. Only the verdict on an immutable string is cached: expiry is re-checked on every hit, and the
# account (active, role, token version) is still read from the database on every request
# (docs/design.md#permissions-and-roles).
_VERIFIED_MAX = 4096
_verified: dict[tuple[str, str, str], tuple[AccessClaims, int]] = {}
_verified_lock = threading.Lock()


def decode_access_token(token: str, *, key: str, issuer: str) -> AccessClaims:
    """Verify an access token; raise InvalidToken on anything unexpected."""
    cache_key = (token, key, issuer)
    hit = _verified.get(cache_key)
    if hit is not None:
        claims, exp = hit
        if time.time() <= exp + LEEWAY_SECONDS:  # the exp rule python-jose applies, with the same leeway
            return claims
        with _verified_lock:
            _verified.pop(cache_key, None)
        raise InvalidToken("expired")
    claims = _verify_access_token(token, key=key, issuer=issuer)
    with _verified_lock:
        if len(_verified) >= _VERIFIED_MAX:
            _verified.pop(next(iter(_verified)))  # oldest first (dicts keep insertion order)
        _verified[cache_key] = (claims, int(claims.expires_at.timestamp()))
    return claims


def _verify_access_token(token: str, *, key: str, issuer: str) -> AccessClaims:
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("malformed")
    try:
        header = jwt.get_unverified_header(token)
        if not isinstance(header, dict) or header.get("alg") != ALGORITHM or header.get("typ") != ACCESS_TYP:
            raise InvalidToken("header")
        # kid/jku/x5u/jwk are never consulted: there is one static key (RFC 8725 §3.10).
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=issuer + ACCESS_AUDIENCE_SUFFIX, issuer=issuer,
            options=_DECODE_OPTIONS,
        )
        iat = int(claims["iat"])
        if iat > int(datetime.now(UTC).timestamp()) + LEEWAY_SECONDS:
            raise InvalidToken("iat in the future")
        tv = claims["tv"]
        if not isinstance(tv, int) or isinstance(tv, bool):
            raise InvalidToken("tv")
        return AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            org_id=uuid.UUID(str(claims["org"])),
            token_version=tv,
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except InvalidToken:
        raise
    except Exception as exc:  # noqa: BLE001 - every library failure is just "invalid token"
        raise InvalidToken(type(exc).__name__) from None


# --- the second-factor step of a sign-in -------------------------------------------------------------
# After a correct password, an account with MFA gets an ``mfa_token`` instead of an access token: a JWT of its
# own type and audience (``mfa+jwt``, ``<issuer>:mfa``), so it can never pass ``decode_access_token`` (RFC 8725
# §3.11: explicit typing), and it is good for a few minutes and one thing: ``POST /auth/token/mfa``.

MFA_TYP = "mfa+jwt"
MFA_AUDIENCE_SUFFIX = ":mfa"


def create_mfa_token(*, key: str, issuer: str, user_id: uuid.UUID, org_id: uuid.UUID, token_version: int,
                     minutes: int, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id), "org": str(org_id), "tv": token_version,
        "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "iss": issuer, "aud": issuer + MFA_AUDIENCE_SUFFIX, "jti": secrets.token_urlsafe(16),
    }
    return str(jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": MFA_TYP}))


def decode_mfa_token(token: str, *, key: str, issuer: str) -> AccessClaims:
    """Verify an ``mfa_token`` (never cached: it is used once or twice); InvalidToken on anything unexpected."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("malformed")
    try:
        header = jwt.get_unverified_header(token)
        if not isinstance(header, dict) or header.get("alg") != ALGORITHM or header.get("typ") != MFA_TYP:
            raise InvalidToken("header")
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=issuer + MFA_AUDIENCE_SUFFIX,
                            issuer=issuer, options=_DECODE_OPTIONS)
        tv = claims["tv"]
        if not isinstance(tv, int) or isinstance(tv, bool):
            raise InvalidToken("tv")
        return AccessClaims(user_id=uuid.UUID(str(claims["sub"])), org_id=uuid.UUID(str(claims["org"])),
                            token_version=tv, jti=str(claims["jti"]),
                            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC))
    except InvalidToken:
        raise
    except Exception as exc:  # noqa: BLE001 - every library failure is just "invalid token"
        raise InvalidToken(type(exc).__name__) from None


# --- opaque secrets (refresh tokens, invitations, calendar feeds) ---------------------------------

def new_opaque_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    """Stored form of an opaque token: SHA-256 (the token itself has 256 bits of entropy)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- passwords --------------------------------------------------------------------------------

_STRONG = Argon2Hasher()  # argon2-cffi defaults: Argon2id, t=3, m=64 MiB, p=4 (above OWASP minimum)
_FAST = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only (PASSWORD_HASH_PROFILE=fast)


class PasswordService:
    """Argon2id hashing with bcrypt verify-and-upgrade; bounded concurrency (64 MiB per hash)."""

    def __init__(self, profile: str = "strong", concurrency: int = 4) -> None:
        argon = _FAST if profile == "fast" else _STRONG
        self._hasher = PasswordHash((argon, BcryptHasher()))
        self._gate = threading.BoundedSemaphore(concurrency)
        self._dummy = self._hasher.hash("dummy-password-for-timing-" + secrets.token_hex(8))

    @staticmethod
    def normalize(password: str) -> str:
        # NFC so that the same password typed as composed or decomposed Unicode matches.
        return unicodedata.normalize("NFC", password)

    def hash(self, password: str) -> str:
        with self._gate:
            return self._hasher.hash(self.normalize(password))

    def verify(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        """Return (ok, upgraded_hash). A missing hash never matches; unknown users verify a dummy."""
        with self._gate:
            if not stored_hash:
                self._hasher.verify(self.normalize(password), self._dummy)
                return False, None
            try:
                return self._hasher.verify_and_update(self.normalize(password), stored_hash)
            except Exception:  # noqa: BLE001 - malformed stored hash: treat as mismatch
                return False, None

    def verify_dummy(self, password: str) -> None:
        """Spend the same time as a real verification (unknown e-mail, docs/security-model.md#login-attacks)."""
        with self._gate:
            self._hasher.verify(self.normalize(password), self._dummy)


def forge_unsafe_token_for_tests(claims: dict[str, Any], key: str, headers: dict[str, Any] | None = None,
                                 algorithm: str = ALGORITHM) -> str:
    """Build arbitrary JWTs for the token-attack tests (kept here so jose stays in one module)."""
    return str(jwt.encode(claims, key, algorithm=algorithm, headers=headers))
