"""Facilities, the append-only custody history, and its current-status projection (docs/design.md#domain-model,
docs/domain/custody.md#custody-is-an-append-only-history, docs/domain/custody.md#facilities)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import keyring
from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class Facility(SQLModel, table=True):
    """A place where people are held. ``organization_id`` NULL = shared reference data (seeded/imported);
    organizations add their own (hospitals, hold rooms) with their id. Venue for habeas is the district of
    confinement, so ``federal_district`` (PACER court id) is the critical field (docs/domain/custody.md#facilities)."""

    __tablename__ = "facility"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id", index=True)
    external_id: str | None = Field(default=None, max_length=80, index=True)
    ice_detloc_code: str | None = Field(default=None, max_length=40)
    name: str = Field(max_length=300)
    aliases: list[str] = Field(default_factory=list, sa_column=json_col())
    type: str = Field(sa_column=enum_col(40))
    operator: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=2, index=True)
    zip: str | None = Field(default=None, max_length=12)
    county: str | None = Field(default=None, max_length=120)
    country: str = Field(default="US", max_length=2)
    federal_district: str | None = Field(default=None, max_length=8, index=True)
    circuit: str | None = Field(default=None, max_length=8)
    ice_field_office: str | None = Field(default=None, max_length=80)
    immigration_court: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=80)
    visitation_info: str | None = Field(default=None, max_length=2000)
    custodian_name: str | None = Field(default=None, max_length=200)
    custodian_title: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=300)
    as_of: date | None = None
    verified: bool = Field(default=False, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class FacilityOverlay(SQLModel, table=True):
    """One organization's own facts about a *shared* facility (who the warden is, a direct phone line, notes,
    when someone last checked), kept beside the shared row instead of forking it: the seeded list stays one
    row per facility that every install can update, and no other organization sees these values. Reads merge
    the overlay over the shared row (``app.custody.facilities.merge``). The immediate custodian is the proper
    habeas respondent (Rumsfeld v. Padilla, 542 U.S. 426 (2004)), and who that is changes more often than the
    reference data does."""

    __tablename__ = "facility_overlay"
    __table_args__ = (sa.UniqueConstraint("organization_id", "facility_id", name="uq_facility_overlay_org_facility"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    facility_id: uuid.UUID = Field(foreign_key="facility.id", nullable=False, index=True)
    custodian_name: str | None = Field(default=None, max_length=200)
    custodian_title: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=80)
    notes: str | None = Field(default=None, max_length=2000)
    verified_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class CustodyEvent(SQLModel, table=True):
    """One fact about where a person was, from a source, at an instant. Never edited or deleted:
    corrections are retractions (with a reason) plus a new event."""

    __tablename__ = "custody_event"
    __table_args__ = (sa.Index("ix_custody_event_client_effective", "client_id", "effective_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    status: str = Field(sa_column=enum_col(40))
    effective_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    facility_id: uuid.UUID | None = Field(default=None, foreign_key="facility.id", index=True)
    # Encrypted at rest like the client's privileged notes (app/core/crypto.py; migration 0022): free text that
    # can say where a person is hidden or what they fear. Read and write through ``location_text``.
    location_text_ct: str | None = Field(default=None, sa_type=sa.Text())
    country: str | None = Field(default=None, max_length=2)
    custodian: str | None = Field(default=None, max_length=40)
    detention_authority: str | None = Field(default=None, max_length=40)
    # Flight facts of an in_transit event: {carrier?, flight_number?, departure_airport?, departed_at?,
    # destination_country} (migration 0011).
    flight: dict[str, Any] | None = Field(default=None, sa_column=json_col(nullable=True))
    source_type: str = Field(max_length=40)
    source_detail: str | None = Field(default=None, max_length=1000)
    confidence: str = Field(max_length=20)
    family_visible: bool = Field(default=False, nullable=False)
    notes_ct: str | None = Field(default=None, sa_type=sa.Text())  # encrypted; use ``notes``
    entered_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    # A confirming event names the family report it confirms (docs/family-page.md#reporting-news): the report
    # itself is never edited, history stays append-only (migration 0020).
    confirms_event_id: uuid.UUID | None = Field(default=None, foreign_key="custody_event.id", index=True)
    retracted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    retracted_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    retraction_reason: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)

    def __init__(self, **data: Any) -> None:
        # The encrypted fields are properties, which SQLModel's constructor would silently ignore.
        encrypted = {k: data.pop(k) for k in ENCRYPTED_EVENT_FIELDS if k in data}
        super().__init__(**data)
        for key, value in encrypted.items():
            setattr(self, key, value)

    @property
    def location_text(self) -> str | None:
        """Where the person is, in words, when no facility row fits; decrypted."""
        return keyring.unseal(self.organization_id, "custody_event", "location_text", self.id, self.location_text_ct)

    @location_text.setter
    def location_text(self, value: str | None) -> None:
        self.location_text_ct = keyring.seal(self.organization_id, "custody_event", "location_text", self.id, value)

    @property
    def notes(self) -> str | None:
        """Staff notes on the event, decrypted."""
        return keyring.unseal(self.organization_id, "custody_event", "notes", self.id, self.notes_ct)

    @notes.setter
    def notes(self, value: str | None) -> None:
        self.notes_ct = keyring.seal(self.organization_id, "custody_event", "notes", self.id, value)


ENCRYPTED_EVENT_FIELDS = ("location_text", "notes")


def encrypt_event_row(row: dict[str, Any]) -> dict[str, Any]:
    """For bulk inserts of plain dicts (the CSV intake): replace ``location_text``/``notes`` by their stored
    forms, under the row's own id."""
    out = dict(row)
    for name in ENCRYPTED_EVENT_FIELDS:
        out[f"{name}_ct"] = keyring.seal(out["organization_id"], "custody_event", name, out["id"], out.pop(name, None))
    return out


class CustodyCurrent(SQLModel, table=True):
    """Projection of each client's latest non-retracted custody event, rebuilt from the events in the same
    transaction as every event insert or retraction (never edited on its own). It exists so that list
    filters by status/facility cost what the page costs, not what the table costs."""

    __tablename__ = "custody_current"
    __table_args__ = (
        # The list order (client created_at, id) is part of each index, so a status or facility page is read
        # in order and its total counted without touching ``client``. Soft-deleted clients have no row here.
        sa.Index("ix_custody_current_org_status_order", "organization_id", "status", "client_created_at",
                 "client_id"),
        sa.Index("ix_custody_current_org_facility_order", "organization_id", "facility_id", "client_created_at",
                 "client_id"),
    )

    client_id: uuid.UUID = Field(foreign_key="client.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    event_id: uuid.UUID = Field(foreign_key="custody_event.id", nullable=False)
    status: str = Field(max_length=40)
    facility_id: uuid.UUID | None = Field(default=None, foreign_key="facility.id")
    country: str | None = Field(default=None, max_length=2)
    federal_district: str | None = Field(default=None, max_length=8)
    effective_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    client_created_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)  # copy of client.created_at
