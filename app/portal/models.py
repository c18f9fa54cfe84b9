"""Liaison grants (client consent) and liaison invitations (docs/design.md#domain-model LiaisonGrant,
docs/domain/family-view.md#consent).

A grant records that the *client* consented to share a set of scopes with one family liaison:
how consent was obtained, in which language, through which interpreter, by whom, until when.
Grants are never deleted or edited: revocation stamps ``revoked_at`` (with a reason) and a changed
consent is a new grant. Whether a grant is active is computed at every request from
``revoked_at``/``expires_at`` (nothing is cached), so revocation and expiry bite on the next call.

Invitations are single-use opaque tokens stored as SHA-256 (``app.core.security``), valid 72 hours.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class LiaisonScope(StrEnum):
    """What the client agreed to share (docs/domain/family-view.md#visibility-by-default,
    docs/domain/family-view.md#consent); default-deny for everything else."""

    custody_status = "custody_status"  # plain-language status + last-confirmed time
    location = "location"  # facility name, address, city/state, phone, visiting info; label names place/country
    hearings = "hearings"  # next hearing date/time and court
    deadlines_generic = "deadlines_generic"  # "a filing is due on <date>", nothing more
    # May report news from the family page (an arrest, a call from a plane, a transfer): it becomes a custody
    # event marked family_report/reported that the legal team confirms (docs/family-page.md#reporting-news).
    report_news = "report_news"


class ConsentMethod(StrEnum):
    written_signed = "written_signed"
    oral_recorded = "oral_recorded"  # oral consent recorded by the attorney
    via_interpreter = "via_interpreter"


class GrantStatus(StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class LiaisonGrant(SQLModel, table=True):
    __tablename__ = "liaison_grant"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    liaison_user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    scopes: list[str] = Field(default_factory=list, sa_column=json_col())
    consent_method: str = Field(sa_column=enum_col(32))
    consent_obtained_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    # Free text, not a code: consent is often taken in Mam, K'iche' or another Indigenous language.
    consent_language: str = Field(max_length=80)
    interpreter_name: str | None = Field(default=None, max_length=200)
    obtained_by: uuid.UUID = Field(foreign_key="user_account.id", nullable=False)
    # The attorney the family is told to contact (defaults to the granting attorney).
    attorney_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    notes: str | None = Field(default=None, max_length=2000)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    revocation_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)

    def status_at(self, now: datetime) -> GrantStatus:
        if self.revoked_at is not None:
            return GrantStatus.revoked
        if self.expires_at is not None and self.expires_at <= now:
            return GrantStatus.expired
        return GrantStatus.active


class LiaisonInvitation(SQLModel, table=True):
    """A one-time token that lets an invited family liaison set a password and activate the account."""

    __tablename__ = "liaison_invitation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    grant_id: uuid.UUID = Field(foreign_key="liaison_grant.id", index=True, nullable=False)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: uuid.UUID = Field(foreign_key="user_account.id", nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
