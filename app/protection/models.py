"""Protection orders, court orders with compliance obligations, removal-risk alerts (docs/design.md#domain-model,
docs/domain/protection.md#order-types, docs/domain/protection.md#court-ordered-compliance).

Tables only; API schemas live in ``schemas.py``. Enums are StrEnums stored as VARCHAR.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core import keyring
from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class OrderType(StrEnum):
    asylum_grant = "asylum_grant"  # INA 208
    withholding_241b3 = "withholding_241b3"  # INA 241(b)(3): removal to the named country
    cat_withholding = "cat_withholding"  # 8 CFR 1208.16(c)
    cat_deferral = "cat_deferral"  # 8 CFR 1208.17
    automatic_stay = "automatic_stay"  # 8 CFR 1003.6(a), 1003.23(b)(4)(ii)
    discretionary_stay = "discretionary_stay"
    circuit_stay = "circuit_stay"  # Nken v. Holder
    tro = "tro"  # FRCP 65(b)
    preliminary_injunction = "preliminary_injunction"  # FRCP 65(a)
    jurisdiction_preserving_order = "jurisdiction_preserving_order"  # 28 U.S.C. 1651
    standing_order = "standing_order"  # e.g. D. Md. Amended Standing Order 2025-01
    class_order = "class_order"
    other = "other"


class OrderScope(StrEnum):
    all_removal = "all_removal"
    removal_to_listed_countries = "removal_to_listed_countries"
    removal_from_continental_us = "removal_from_continental_us"
    transfer_out_of_district = "transfer_out_of_district"
    re_detention = "re_detention"
    other = "other"


class OrderStatus(StrEnum):
    active = "active"
    expired = "expired"
    vacated = "vacated"
    stayed = "stayed"
    terminated = "terminated"
    superseded = "superseded"


class TriState(StrEnum):
    true = "true"
    false = "false"
    unknown = "unknown"


# Orders that protect against removal to named countries: they need at least one country.
COUNTRY_SCOPED_TYPES: frozenset[str] = frozenset(
    {OrderType.withholding_241b3, OrderType.cat_withholding, OrderType.cat_deferral}
)


class ProtectionOrder(SQLModel, table=True):
    """An order (or grant) that bars removal, removal to some countries, transfer, or re-detention."""

    __tablename__ = "protection_order"
    __table_args__ = (
        # Alert evaluation reads a client's orders on every custody event: one probe of this index. The query
        # names client_id AND organization_id, so the planner prefers this two-column match over the
        # organization index even without statistics (SQLite without ANALYZE).
        sa.Index("ix_protection_order_client", "client_id", "organization_id", "status"),
        # The clients list filter `has_active_protection` selects client ids by organization and status.
        sa.Index("ix_protection_order_org_status", "organization_id", "status", "client_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    type: str = Field(sa_column=enum_col(40))
    scope: str = Field(sa_column=enum_col(40))
    countries: list[str] = Field(default_factory=list, sa_column=json_col())
    federal_district: str | None = Field(default=None, max_length=8)
    issuing_body: str = Field(max_length=200)
    judge: str | None = Field(default=None, max_length=200)
    docket_entry: str | None = Field(default=None, max_length=80)
    issued_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    effective_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    extended: bool = Field(default=False, nullable=False)
    removal_order_exists: str = Field(default=TriState.unknown, max_length=8)
    removal_order_date: date | None = None
    designated_country: str | None = Field(default=None, max_length=2)
    alternate_countries: list[str] = Field(default_factory=list, sa_column=json_col())
    class_name: str | None = Field(default=None, max_length=200)
    class_definition_text: str | None = Field(default=None, max_length=5000)
    class_certified: bool | None = None
    class_member_basis: str | None = Field(default=None, max_length=1000)
    # Encrypted at rest (app/core/crypto.py; migration 0022): an order's notes carry strategy and facts about
    # the person. Read and write through ``notes``.
    notes_ct: str | None = Field(default=None, sa_type=sa.Text())
    status: str = Field(sa_column=enum_col(20))
    status_changed_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    verified: bool = Field(default=False, nullable=False)
    verified_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)

    def __init__(self, **data: Any) -> None:
        # ``notes`` is a property, which SQLModel's constructor would silently ignore.
        sealed = {k: data.pop(k) for k in ("notes",) if k in data}
        super().__init__(**data)
        for key, value in sealed.items():
            setattr(self, key, value)

    @property
    def notes(self) -> str | None:
        """The order's notes, decrypted."""
        return keyring.unseal(self.organization_id, "protection_order", "notes", self.id, self.notes_ct)

    @notes.setter
    def notes(self, value: str | None) -> None:
        self.notes_ct = keyring.seal(self.organization_id, "protection_order", "notes", self.id, value)


class ProtectionOrderStatusChange(SQLModel, table=True):
    """Every status transition of an order (append-only: no API updates or deletes, and database triggers
    refuse UPDATE/DELETE). The first row (from_status NULL) records the status the order was entered with."""

    __tablename__ = "protection_order_status_change"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    order_id: uuid.UUID = Field(foreign_key="protection_order.id", index=True, nullable=False)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    reason: str = Field(max_length=1000)
    changed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")  # NULL = the sweep
    changed_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)


class ObligatedParty(StrEnum):
    government = "government"  # respondents / defendants
    us = "us"  # our side


class OccurrenceStatus(StrEnum):
    due = "due"
    filed_on_time = "filed_on_time"
    filed_late = "filed_late"
    not_filed = "not_filed"
    non_responsive = "non_responsive"


class CourtOrder(SQLModel, table=True):
    """A court order that imposes compliance obligations (e.g. daily declarations,
    docs/domain/abrego-garcia.md#timeline)."""

    __tablename__ = "court_order"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    issuing_court: str = Field(max_length=200)
    judge: str | None = Field(default=None, max_length=200)
    docket_number: str | None = Field(default=None, max_length=80)
    docket_entry: str | None = Field(default=None, max_length=80)
    issued_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    # Encrypted at rest (app/core/crypto.py; migration 0022). Read and write through ``summary``.
    summary_ct: str | None = Field(default=None, sa_type=sa.Text())
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)

    def __init__(self, **data: Any) -> None:
        # ``summary`` is a property, which SQLModel's constructor would silently ignore.
        sealed = {k: data.pop(k) for k in ("summary",) if k in data}
        super().__init__(**data)
        for key, value in sealed.items():
            setattr(self, key, value)

    @property
    def summary(self) -> str | None:
        """What the order requires, in staff's words; decrypted."""
        return keyring.unseal(self.organization_id, "court_order", "summary", self.id, self.summary_ct)

    @summary.setter
    def summary(self, value: str | None) -> None:
        self.summary_ct = keyring.seal(self.organization_id, "court_order", "summary", self.id, value)


class ComplianceObligation(SQLModel, table=True):
    """Who must file what by when; one-off or recurring (RFC 5545 RRULE in a wall-clock time zone)."""

    __tablename__ = "compliance_obligation"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    court_order_id: uuid.UUID = Field(foreign_key="court_order.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    obligated_party: str = Field(sa_column=enum_col(20))
    description: str = Field(max_length=2000)
    required_elements: list[str] = Field(default_factory=list, sa_column=json_col())
    declarant_requirement: str | None = Field(default=None, max_length=500)
    first_due_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    timezone: str = Field(max_length=64)
    recurrence: str | None = Field(default=None, max_length=500)
    paused_by_order_id: uuid.UUID | None = Field(default=None, foreign_key="court_order.id")
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    ended_by_order_id: uuid.UUID | None = Field(default=None, foreign_key="court_order.id")
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    # Occurrences are materialized up to this instant (inclusive); generation resumes after it.
    generated_until: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ObligationOccurrence(SQLModel, table=True):
    """One due instant of an obligation; unique per (obligation, due_at) so generation is idempotent."""

    __tablename__ = "obligation_occurrence"
    __table_args__ = (
        sa.UniqueConstraint("obligation_id", "due_at"),
        sa.Index("ix_obligation_occurrence_org_status_due", "organization_id", "status", "due_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    obligation_id: uuid.UUID = Field(foreign_key="compliance_obligation.id", nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    due_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    status: str = Field(default=OccurrenceStatus.due, sa_column=enum_col(20))
    minutes_late: int | None = None
    filed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ObligationFiling(SQLModel, table=True):
    """A docket entry answering an occurrence, with the required elements it actually answered."""

    __tablename__ = "obligation_filing"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    occurrence_id: uuid.UUID = Field(foreign_key="obligation_occurrence.id", index=True, nullable=False)
    filed_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    docket_entry: str | None = Field(default=None, max_length=80)
    answered_elements: list[str] = Field(default_factory=list, sa_column=json_col())
    recorded_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class AlertKind(StrEnum):
    removal_to_protected_country = "removal_to_protected_country"
    removal_while_barred = "removal_while_barred"
    transfer_out_of_district_barred = "transfer_out_of_district_barred"
    third_country_removal = "third_country_removal"
    whereabouts_unknown = "whereabouts_unknown"
    obligation_missed = "obligation_missed"
    protection_expiring = "protection_expiring"
    deadline_due_soon = "deadline_due_soon"  # raised by the deadlines domain
    deadline_missed = "deadline_missed"  # raised by the deadlines sweep


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    normal = "normal"


SEVERITY_RANK: dict[str, int] = {Severity.critical: 0, Severity.high: 1, Severity.normal: 2}


class Alert(SQLModel, table=True):
    """A removal-risk or compliance alarm. ``open_marker`` is 1 while open and NULL once acknowledged, so the
    unique index (organization_id, dedupe_key, open_marker) allows one OPEN alert per set of facts (NULLs never
    collide on SQLite or PostgreSQL) while keeping every acknowledged one."""

    __tablename__ = "alert"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "dedupe_key", "open_marker"),
        sa.Index("ix_alert_org_open_created", "organization_id", "open_marker", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    kind: str = Field(sa_column=enum_col(40))
    severity: str = Field(sa_column=enum_col(10))
    severity_rank: int = Field(nullable=False)  # 0 critical, 1 high, 2 normal: "most severe first" sorts on it
    dedupe_key: str = Field(max_length=200)
    open_marker: int | None = Field(default=1)
    trigger_type: str = Field(max_length=40)
    trigger_id: uuid.UUID | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=json_col())
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    acknowledged_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    ack_note: str | None = Field(default=None, max_length=2000)
