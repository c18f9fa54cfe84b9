"""API schemas of the portal domain: liaison grants, invitations, access log, and the redacted view.

The family-facing view (``PortalClientView``) has a fixed key set: every section is always present
and is ``null`` when the client did not consent to its scope (docs/portal.md). ``extra="forbid"`` on
every response model keeps anything else from being serialized into it by mistake.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.auth.models import Password, UserAccount
from app.core.types import utcnow
from app.core.validation import clean_multiline, clean_text
from app.portal.models import ConsentMethod, GrantStatus, LiaisonGrant, LiaisonScope

Lang = Literal["en", "es"]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


# --- grants ----------------------------------------------------------------------------------

class InviteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    full_name: Name
    preferred_language: Lang = "en"

    _clean = field_validator("full_name")(clean_text)


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: ConsentMethod
    obtained_at: AwareDatetime
    language: str = Field(min_length=1, max_length=80)
    interpreter: str | None = Field(default=None, min_length=1, max_length=200)

    _clean = field_validator("language", "interpreter")(clean_text)

    @model_validator(mode="after")
    def _interpreter_named(self) -> ConsentBody:
        if self.method == ConsentMethod.via_interpreter and not self.interpreter:
            raise ValueError("consent obtained via an interpreter must name the interpreter")
        return self


class GrantCreate(BaseModel):
    """``liaison_user_id`` (an existing family liaison) or ``invite`` (create one), never both."""

    model_config = ConfigDict(extra="forbid")
    liaison_user_id: uuid.UUID | None = None
    invite: InviteBody | None = None
    scopes: list[LiaisonScope] = Field(max_length=len(LiaisonScope))
    consent: ConsentBody
    expires_at: AwareDatetime | None = None
    attorney_id: uuid.UUID | None = None
    notes: str | None = Field(default=None, max_length=2000)

    _clean = field_validator("notes")(clean_multiline)

    @model_validator(mode="after")
    def _one_liaison(self) -> GrantCreate:
        if (self.liaison_user_id is None) == (self.invite is None):
            raise ValueError("give exactly one of liaison_user_id or invite")
        return self


class RevokeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)

    _clean = field_validator("reason")(clean_multiline)


class LiaisonSummary(BaseModel):
    id: uuid.UUID
    full_name: str
    email: str
    preferred_language: str
    is_active: bool
    invitation_pending: bool  # invited, has not set a password yet


class ConsentPublic(BaseModel):
    method: ConsentMethod
    obtained_at: datetime
    language: str
    interpreter: str | None
    obtained_by: uuid.UUID


class GrantPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    liaison_user_id: uuid.UUID
    liaison: LiaisonSummary
    scopes: list[LiaisonScope]
    consent: ConsentPublic
    attorney_id: uuid.UUID | None
    notes: str | None
    expires_at: datetime | None
    status: GrantStatus
    revoked_at: datetime | None
    revoked_by: uuid.UUID | None
    revocation_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, grant: LiaisonGrant, liaison: UserAccount | None) -> GrantPublic:
        """``liaison``: the grant's user account (None when it is gone: the summary is then blank)."""
        summary = LiaisonSummary(
            id=grant.liaison_user_id,
            full_name=liaison.full_name if liaison else "",
            email=liaison.email if liaison else "",
            preferred_language=liaison.preferred_language if liaison else "en",
            is_active=bool(liaison and liaison.is_active),
            invitation_pending=bool(liaison and liaison.password_hash is None),
        )
        return GrantPublic(
            id=grant.id, client_id=grant.client_id, liaison_user_id=grant.liaison_user_id, liaison=summary,
            scopes=grant.scopes,
            consent=ConsentPublic(method=grant.consent_method, obtained_at=grant.consent_obtained_at,
                                  language=grant.consent_language, interpreter=grant.interpreter_name,
                                  obtained_by=grant.obtained_by),
            attorney_id=grant.attorney_id, notes=grant.notes, expires_at=grant.expires_at,
            status=grant.status_at(utcnow()), revoked_at=grant.revoked_at, revoked_by=grant.revoked_by,
            revocation_reason=grant.revocation_reason, created_at=grant.created_at,
        )


class GrantCreated(GrantPublic):
    """The create answer: carries the invitation token once (never stored in clear, never shown again)."""

    invitation_token: str | None
    # The link to hand over when the e-mail does not arrive (PUBLIC_BASE_URL/family/invite/<token>).
    invitation_url: str | None = None
    invitation_expires_at: datetime | None
    invitation_emailed: bool = False


class InvitationIssued(BaseModel):
    liaison_user_id: uuid.UUID
    invitation_token: str
    invitation_url: str
    invitation_emailed: bool = False
    invitation_expires_at: datetime


class AcceptInvite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=256)
    password: Password


class LiaisonAccessItem(BaseModel):
    """One portal read by a liaison, from the audit trail."""

    viewed_at: datetime
    liaison_user_id: uuid.UUID | None
    liaison_name: str | None
    liaison_email: str | None
    view: str | None  # "list" or "detail"
    lang: str | None


# --- family-facing view ----------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PortalClientSummary(_Strict):
    client_id: uuid.UUID
    display_name: str


class PortalCustodyStatus(_Strict):
    """``label`` is null when the legal team has not shared any custody event with the family yet."""

    label: str | None
    last_confirmed_at: datetime | None
    last_confirmed_text: str | None
    # How sure the legal team is, in plain words (docs/family-page.md#one-allow-list); null with no event.
    certainty_text: str | None = None


class PortalLocation(_Strict):
    """The facility of the latest family-visible custody event (all null when none is recorded)."""

    facility_name: str | None
    address: str | None
    city: str | None
    state: str | None
    zip: str | None
    phone: str | None
    visitation_info: str | None


class PortalHearing(_Strict):
    at: datetime | None
    text: str  # "Next hearing: …" or "No hearing scheduled"
    court: str | None


class PortalFiling(_Strict):
    due_date: date | None
    text: str  # "A filing is due on …" or "No upcoming filing dates"


class PortalAttorney(_Strict):
    name: str
    phone: str | None
    email: str


class PortalClientView(_Strict):
    client_id: uuid.UUID
    display_name: str
    a_number_masked: str | None
    lang: Lang
    custody_status: PortalCustodyStatus | None  # scope custody_status
    location: PortalLocation | None  # scope location
    next_hearing: PortalHearing | None  # scope hearings
    next_filing: PortalFiling | None  # scope deadlines_generic
    attorney: PortalAttorney | None
