"""Second factors and personal access tokens (docs/auth.md): the tables and the API schemas.

Every secret here is stored in a form that a database dump does not give back: the TOTP shared secret is
encrypted with the field key ring (app/core/keyring.py; it must be read back to check codes), recovery codes and
access tokens are stored as SHA-256 digests (each carries at least 80 random bits, so a fast hash is enough:
the same reasoning as refresh tokens, docs/DECISIONS.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, json_col, utcnow
from app.core.validation import clean_text


class MfaTotp(SQLModel, table=True):
    """One authenticator per account: pending until ``confirmed_at`` is set by a first correct code."""

    __tablename__ = "mfa_totp"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    # ``v1.<kid>.<…>`` (app/core/crypto.py), bound to organization|mfa_totp|secret|user id.
    secret_encrypted: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # The last 30-second step whose code was accepted: a code is good once (RFC 6238 §5.2), so a code seen over
    # a shoulder or replayed from a log cannot be used again inside its window.
    last_used_step: int | None = Field(default=None, sa_type=sa.BigInteger())


class MfaRecoveryCode(SQLModel, table=True):
    """Single-use codes for a lost authenticator, shown once at enrollment."""

    __tablename__ = "mfa_recovery_code"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class PersonalAccessToken(SQLModel, table=True):
    """A bearer credential for an integration, limited to ``scopes`` (permission names)."""

    __tablename__ = "personal_access_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters of the token (``dp_pat_`` + 4), so a person can tell their tokens apart.
    token_hint: str = Field(max_length=16)
    scopes: list[str] = Field(sa_column=json_col())
    # The account's token version at creation: "log out everywhere", a new password, a role change or a
    # deactivation bump it, and with it every token ends (docs/auth.md).
    token_version: int = Field(nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


# --- API schemas ---------------------------------------------------------------------------------------

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class TotpEnrollment(BaseModel):
    secret: str
    otpauth_uri: str
    recovery_codes: list[str]


class TotpCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code


class TotpDisable(BaseModel):
    """A current code (or a recovery code), or the account's password."""

    model_config = ConfigDict(extra="forbid")
    code: Code | None = None
    password: str | None = PField(default=None, min_length=1, max_length=256)


class MfaTokenExchange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = PField(min_length=1, max_length=4096)
    code: Code


class MfaStatus(BaseModel):
    enabled: bool
    pending: bool
    recovery_codes_left: int


class AccessTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    scopes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = PField(min_length=1, max_length=40)
    expires_at: datetime

    _clean = field_validator("name")(clean_text)

    @field_validator("expires_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-31T00:00:00Z")
        return v


class AccessTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    token_hint: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class AccessTokenCreated(AccessTokenPublic):
    token: str  # shown once

    @classmethod
    def of(cls, row: PersonalAccessToken, token: str) -> AccessTokenCreated:
        data: dict[str, Any] = AccessTokenPublic.model_validate(row).model_dump()
        return cls(**data, token=token)
