"""Page sessions of family liaisons (docs/family-page.md#sessions).

A page session is a random token in an HttpOnly cookie; only its SHA-256 is stored, so a copy of the database
does not let anyone in. It ends at ``idle_expires_at`` (renewed while in use), at ``absolute_expires_at``, at
logout (``revoked_at``), and when the account's ``token_version`` moves on (password reset, deactivation, "sign
out everywhere"): the server can revoke it at any time, unlike a self-contained token.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, utcnow


class FamilySession(SQLModel, table=True):
    __tablename__ = "family_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    user_id: uuid.UUID = Field(foreign_key="user_account.id", index=True, nullable=False)
    token_hash: str = Field(max_length=64, unique=True)
    token_version: int = Field(nullable=False)  # the account's token_version at sign-in
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    idle_expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    absolute_expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
