"""Organizations, user accounts and refresh tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints, field_validator
from pydantic import Field as PField
from sqlmodel import Field, SQLModel

from app.auth.emails import fold_email
from app.auth.permissions import Role
from app.core.types import UTCDateTime, enum_col, json_col, utcnow
from app.core.validation import clean_text


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=80, unique=True)
    timezone: str = Field(default="America/New_York", max_length=64)
    default_court_state: str | None = Field(default=None, max_length=2)
    whereabouts_unknown_hours: int = Field(default=12)
    # How spreadsheet dates like 03/04/2026 are read (docs/design.md#wave-2): "MDY" (U.S. default) or "DMY".
    date_order: str = Field(default="MDY", max_length=3)
    # Roles whose users must sign in with a second factor (docs/auth.md "Multi-factor sign-in"): e.g.
    # ["attorney", "admin"]. Null or [] requires it of nobody.
    mfa_required_roles: list[str] | None = Field(default=None, sa_column=json_col(nullable=True))
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (sa.Index("user_account_email_lower_key", sa.text("lower(email)"), unique=True),
                      sa.Index("user_account_email_folded_key", "email_folded", unique=True))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    email: str = Field(max_length=254)
    # fold_email(email), set on every insert and update (app/auth/emails.py): lookups and uniqueness use it.
    email_folded: str | None = Field(default=None, max_length=320)
    full_name: str = Field(max_length=200)
    role: str = Field(sa_column=enum_col(32))
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True, nullable=False)
    token_version: int = Field(default=0, nullable=False)
    preferred_language: str = Field(default="en", max_length=2)
    bar_number: str | None = Field(default=None, max_length=40)
    bar_state: str | None = Field(default=None, max_length=2)
    # Bar admissions per court: [{"court": "mdd", "bar_number": "21457", "status": "active"}] (migration 0011).
    # A filing warns when its signer has no active admission in the captioned court.
    admissions: list[dict[str, Any]] | None = Field(default=None, sa_column=json_col(nullable=True))
    firm_name: str | None = Field(default=None, max_length=200)
    office_address: str | None = Field(default=None, max_length=500)
    phone: str | None = Field(default=None, max_length=40)
    calendar_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    # True once a TOTP enrollment is confirmed (app/auth/mfa.py). Kept on the account row so the per-request
    # principal query sees it without a second read (the organization's MFA requirement is checked there).
    mfa_enabled: bool = Field(default=False, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


@sa.event.listens_for(UserAccount, "before_insert")
@sa.event.listens_for(UserAccount, "before_update")
def _fold_email(_mapper: object, _conn: object, target: UserAccount) -> None:
    target.email_folded = fold_email(target.email)


class RefreshToken(SQLModel, table=True):
    """Opaque refresh tokens, stored as SHA-256; rotated on use; replay revokes the family (RFC 9700)."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    family_id: uuid.UUID = Field(index=True, nullable=False)
    parent_id: uuid.UUID | None = Field(default=None)
    token_hash: str = Field(max_length=64, unique=True)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    family_expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class PasswordResetToken(SQLModel, table=True):
    """A single-use password-reset token, stored as SHA-256 (the raw token exists only in the link).

    ``channel`` is ``email`` (self-service request) or ``admin_link`` (issued by an admin of the organization,
    ``created_by``). Issuing a new token revokes the user's earlier unused ones; using one revokes the rest."""

    __tablename__ = "password_reset_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    token_hash: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=16)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


# --- API schemas ---------------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    refresh_token: str


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = PField(min_length=1, max_length=512)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = PField(min_length=1, max_length=256)
    new_password: Password


class AdmissionStatus(StrEnum):
    active = "active"
    pro_hac_vice = "pro_hac_vice"  # admitted for one case
    pending = "pending"  # applied, not yet admitted
    inactive = "inactive"


class Admission(BaseModel):
    """One court the attorney is admitted to practise before: a federal district court by its PACER id
    ("mdd"), or a state bar as "state:MD"."""

    model_config = ConfigDict(extra="forbid")
    court: str = PField(min_length=2, max_length=40)
    bar_number: str | None = PField(default=None, max_length=40)
    status: AdmissionStatus = AdmissionStatus.active

    _clean = field_validator("bar_number")(clean_text)

    @field_validator("court", mode="before")
    @classmethod
    def _court(cls, v: Any) -> Any:
        if not isinstance(v, str):
            return v
        from app.core_data.districts import is_valid_district
        from app.core_data.us_states import is_valid_us_state

        value = v.strip().lower()
        if value.startswith("state:"):
            state = value[6:].upper()
            if not is_valid_us_state(state):
                raise ValueError("use 'state:' and a USPS state code, e.g. 'state:MD'")
            return f"state:{state}"
        if not is_valid_district(value):
            raise ValueError("use a federal district court id (e.g. 'mdd') or 'state:XX'")
        return value


Admissions = Annotated[list[Admission], PField(max_length=60)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    full_name: Name
    role: Role
    password: Password
    preferred_language: str = PField(default="en", pattern="^(en|es)$")
    bar_number: str | None = PField(default=None, max_length=40)
    bar_state: str | None = PField(default=None, pattern="^[A-Z]{2}$")
    admissions: Admissions = PField(default_factory=list)
    firm_name: str | None = PField(default=None, max_length=200)
    office_address: str | None = PField(default=None, max_length=500)
    phone: str | None = PField(default=None, max_length=40)

    _clean = field_validator("full_name", "firm_name", "office_address", "phone", "bar_number")(clean_text)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    preferred_language: str | None = PField(default=None, pattern="^(en|es)$")
    bar_number: str | None = PField(default=None, max_length=40)
    bar_state: str | None = PField(default=None, pattern="^[A-Z]{2}$")
    admissions: Admissions | None = None
    firm_name: str | None = PField(default=None, max_length=200)
    office_address: str | None = PField(default=None, max_length=500)
    phone: str | None = PField(default=None, max_length=40)

    _clean = field_validator("full_name", "firm_name", "office_address", "phone", "bar_number")(clean_text)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    preferred_language: str
    bar_number: str | None
    bar_state: str | None
    admissions: list[Admission] = PField(default_factory=list)
    firm_name: str | None
    office_address: str | None
    phone: str | None
    mfa_enabled: bool = False
    version: int

    @field_validator("admissions", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v
    created_at: datetime


class OrganizationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    slug: str
    timezone: str


class MeResponse(UserPublic):
    organization: OrganizationPublic
    permissions: list[str]


class CalendarTokenResponse(BaseModel):
    token: str
    url: str


# --- organization settings, staff directory, password reset (docs/design.md#wave-2) ------------------

class DateOrder(StrEnum):
    MDY = "MDY"
    DMY = "DMY"


class OrganizationSettings(BaseModel):
    """The organization's settings (GET/PATCH /organization)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    slug: str
    timezone: str
    date_order: DateOrder
    whereabouts_unknown_hours: int
    default_court_state: str | None
    mfa_required_roles: list[Role] = PField(default_factory=list)
    version: int
    created_at: datetime
    updated_at: datetime

    @field_validator("mfa_required_roles", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v


class OrganizationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    timezone: str | None = PField(default=None, min_length=1, max_length=64,
                                  description="IANA time-zone name, e.g. America/Chicago")
    date_order: DateOrder | None = None
    whereabouts_unknown_hours: int | None = PField(default=None, ge=1, le=720)
    default_court_state: str | None = PField(default=None, pattern="^[A-Z]{2}$")
    mfa_required_roles: list[Role] | None = PField(
        default=None, max_length=4,
        description='roles that must sign in with a second factor, e.g. ["attorney", "admin"]; [] for none')

    _clean = field_validator("name")(clean_text)

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        from app.auth.orgtime import is_valid_timezone

        if value is not None and not is_valid_timezone(value):
            raise ValueError("not a known IANA time-zone name (for example America/Chicago)")
        return value


class StaffDirectoryEntry(BaseModel):
    """What any staff member may read about a colleague (no e-mail, phone or address)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    full_name: str
    role: Role
    is_active: bool
    bar_number: str | None
    bar_state: str | None


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Not EmailStr: a malformed address gets the same 202 as an unknown one (no validation oracle beyond length).
    email: str = PField(min_length=1, max_length=320)


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = PField(min_length=1, max_length=512)
    password: Password


class PasswordResetAccepted(BaseModel):
    detail: str


class PasswordResetLink(BaseModel):
    reset_url: str
    expires_at: datetime
