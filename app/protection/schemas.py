"""API schemas of the protection domain. Instants must carry an offset (naive datetimes are 422);
unknown fields are refused; text is single-line and NFC-normalized unless it is a note."""

from __future__ import annotations

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.core.validation import clean_multiline, clean_text
from app.protection.models import ObligatedParty, OrderScope, OrderStatus, OrderType, TriState

Short = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=8)]
Element = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- protection orders ------------------------------------------------------------------------------------


class RemovalOrderFacts(_In):
    """The underlying removal order (check the paper: some IJ decisions contain none,
    docs/domain/protection.md#order-types)."""

    exists: TriState = TriState.unknown
    date: Date | None = None
    designated_country: Code | None = None
    alternate_countries: list[Code] = Field(default_factory=list, max_length=20)


class ClassDefinition(_In):
    name: Short | None = None
    definition_text: str | None = Field(default=None, max_length=5000)
    certified: bool | None = None
    member_basis: str | None = Field(default=None, max_length=1000)

    _clean = field_validator("name", "member_basis")(clean_text)
    _clean_ml = field_validator("definition_text")(clean_multiline)


class ProtectionOrderCreate(_In):
    type: OrderType
    scope: OrderScope
    countries: list[Code] = Field(default_factory=list, max_length=50)
    federal_district: Code | None = None
    issuing_body: Short
    judge: Short | None = None
    proceeding_id: uuid.UUID | None = None
    docket_entry: str | None = Field(default=None, max_length=80)
    issued_at: AwareDatetime
    effective_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    extended: bool = False
    status: OrderStatus = OrderStatus.active
    underlying_removal_order: RemovalOrderFacts | None = None
    class_definition: ClassDefinition | None = None
    verified: bool = False
    notes: str | None = Field(default=None, max_length=5000)

    _clean = field_validator("issuing_body", "judge", "docket_entry")(clean_text)
    _clean_ml = field_validator("notes")(clean_multiline)


class ProtectionOrderUpdate(_In):
    """Fields sent are changed (``null`` clears); a status change needs ``status_reason``."""

    type: OrderType | None = None
    scope: OrderScope | None = None
    countries: list[Code] | None = Field(default=None, max_length=50)
    federal_district: Code | None = None
    issuing_body: Short | None = None
    judge: Short | None = None
    proceeding_id: uuid.UUID | None = None
    docket_entry: str | None = Field(default=None, max_length=80)
    issued_at: AwareDatetime | None = None
    effective_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    extended: bool | None = None
    status: OrderStatus | None = None
    status_reason: str | None = Field(default=None, min_length=1, max_length=1000)
    underlying_removal_order: RemovalOrderFacts | None = None
    class_definition: ClassDefinition | None = None
    verified: bool | None = None
    notes: str | None = Field(default=None, max_length=5000)

    _clean = field_validator("issuing_body", "judge", "docket_entry")(clean_text)
    _clean_ml = field_validator("notes", "status_reason")(clean_multiline)


class StatusChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    from_status: str | None
    to_status: str
    reason: str
    changed_by: uuid.UUID | None
    changed_at: datetime


class ProtectionOrderPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    type: str
    scope: str
    countries: list[str]
    federal_district: str | None
    issuing_body: str
    judge: str | None
    docket_entry: str | None
    issued_at: datetime
    effective_at: datetime | None
    expires_at: datetime | None
    extended: bool
    status: str
    effective_status: str  # "expired" once expires_at has passed, even before the sweep records it
    is_active: bool
    status_changed_at: datetime
    underlying_removal_order: RemovalOrderFacts
    class_definition: ClassDefinition | None
    verified: bool
    verified_by: uuid.UUID | None
    verified_at: datetime | None
    notes: str | None
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    status_history: list[StatusChangePublic] | None = None


class AlertAction(BaseModel):
    rel: str
    method: str
    href: str
    body: dict[str, Any]


class AlertPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    client_display_name: str | None = None  # lists only (staff): whose alert it is, without a second request
    a_number_display: str | None = None
    kind: str
    severity: str
    dedupe_key: str
    trigger_type: str
    trigger_id: uuid.UUID | None
    details: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: uuid.UUID | None
    ack_note: str | None
    open: bool
    # The alert view offers the emergency packet (GET /alerts/{id} only): the request to make, prefilled.
    actions: list[AlertAction] = Field(default_factory=list)


class OrderWithAlerts(BaseModel):
    order: ProtectionOrderPublic
    alerts: list[AlertPublic]


class AcknowledgeBody(_In):
    note: str | None = Field(default=None, max_length=2000)

    _clean_ml = field_validator("note")(clean_multiline)


# --- court orders, obligations, occurrences ---------------------------------------------------------------


class ObligationCreate(_In):
    obligated_party: ObligatedParty
    description: str = Field(min_length=1, max_length=2000)
    required_elements: list[Element] = Field(default_factory=list, max_length=30)
    declarant_requirement: str | None = Field(default=None, max_length=500)
    first_due_at: AwareDatetime
    timezone: str = Field(min_length=1, max_length=64)
    recurrence: str | None = Field(default=None, min_length=1, max_length=500)

    _clean = field_validator("declarant_requirement", "timezone", "recurrence")(clean_text)
    _clean_ml = field_validator("description")(clean_multiline)

    @field_validator("required_elements")
    @classmethod
    def _elements(cls, value: list[str]) -> list[str]:
        out = [clean_text(cls, v) for v in value]
        if len(set(out)) != len(out):
            raise ValueError("required elements must be distinct")
        return out


class ObligationUpdate(_In):
    """Pause (a later order), resume (``paused_by_order_id: null``) or end an obligation."""

    paused_by_order_id: uuid.UUID | None = None
    paused_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    ended_by_order_id: uuid.UUID | None = None


class CourtOrderCreate(_In):
    issuing_court: Short
    judge: Short | None = None
    proceeding_id: uuid.UUID | None = None
    docket_number: str | None = Field(default=None, max_length=80)
    docket_entry: str | None = Field(default=None, max_length=80)
    issued_at: AwareDatetime
    summary: str | None = Field(default=None, max_length=2000)
    obligations: list[ObligationCreate] = Field(default_factory=list, max_length=20)

    _clean = field_validator("issuing_court", "judge", "docket_number", "docket_entry")(clean_text)
    _clean_ml = field_validator("summary")(clean_multiline)


class ObligationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    court_order_id: uuid.UUID
    client_id: uuid.UUID
    obligated_party: str
    description: str
    required_elements: list[str]
    declarant_requirement: str | None
    first_due_at: datetime
    timezone: str
    recurrence: str | None
    until_further_order: bool
    paused_by_order_id: uuid.UUID | None
    paused_at: datetime | None
    ended_by_order_id: uuid.UUID | None
    ended_at: datetime | None
    generated_until: datetime | None
    version: int
    created_at: datetime


class CourtOrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    issuing_court: str
    judge: str | None
    docket_number: str | None
    docket_entry: str | None
    issued_at: datetime
    summary: str | None
    version: int
    created_at: datetime
    obligations: list[ObligationPublic] = Field(default_factory=list)


class ObligationFilingCreate(_In):
    filed_at: AwareDatetime
    docket_entry: str | None = Field(default=None, max_length=80)
    answered_elements: list[Element] = Field(default_factory=list, max_length=30)

    _clean = field_validator("docket_entry")(clean_text)

    @field_validator("answered_elements")
    @classmethod
    def _elements(cls, value: list[str]) -> list[str]:
        return [clean_text(cls, v) for v in value]


class ObligationFilingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    filed_at: datetime
    docket_entry: str | None
    answered_elements: list[str]
    recorded_by: uuid.UUID | None
    created_at: datetime


class OccurrencePublic(BaseModel):
    id: uuid.UUID
    obligation_id: uuid.UUID
    client_id: uuid.UUID
    due_at: datetime
    due_local: str  # the due instant in the obligation's time zone, e.g. 2025-04-15T17:00:00-04:00
    status: str
    minutes_late: int | None
    filed_at: datetime | None
    missing_elements: list[str] | None = None
    filings: list[ObligationFilingPublic] | None = None
