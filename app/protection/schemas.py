"""API schemas of the protection domain. Instants must carry an offset (naive datetimes are 422);
unknown fields are refused; text is single-line and NFC-normalized unless it is a note."""

from __future__ import annotations

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.core.validation import clean_multiline, clean_text
from app.protection.models import (
    Alert,
    ComplianceObligation,
    CourtOrder,
    ObligatedParty,
    ObligationFiling,
    ObligationOccurrence,
    OrderScope,
    OrderStatus,
    OrderType,
    ProtectionOrder,
    ProtectionOrderStatusChange,
    TriState,
)
from app.protection.rules import effective_status, is_active

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

    @classmethod
    def of(cls, order: ProtectionOrder) -> RemovalOrderFacts:
        return cls(exists=TriState(order.removal_order_exists), date=order.removal_order_date,
                   designated_country=order.designated_country,
                   alternate_countries=list(order.alternate_countries or []))


class ClassDefinition(_In):
    name: Short | None = None
    definition_text: str | None = Field(default=None, max_length=5000)
    certified: bool | None = None
    member_basis: str | None = Field(default=None, max_length=1000)

    _clean = field_validator("name", "member_basis")(clean_text)
    _clean_ml = field_validator("definition_text")(clean_multiline)

    @classmethod
    def of(cls, order: ProtectionOrder) -> ClassDefinition | None:
        """None when the order records nothing of a class."""
        if not (order.class_name or order.class_definition_text or order.class_member_basis
                or order.class_certified is not None):
            return None
        return cls(name=order.class_name, definition_text=order.class_definition_text,
                   certified=order.class_certified, member_basis=order.class_member_basis)


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

    @classmethod
    def of(cls, order: ProtectionOrder, now: datetime,
           status_history: list[ProtectionOrderStatusChange] | None = None) -> ProtectionOrderPublic:
        return cls(
            id=order.id, client_id=order.client_id, proceeding_id=order.proceeding_id, type=order.type,
            scope=order.scope, countries=list(order.countries), federal_district=order.federal_district,
            issuing_body=order.issuing_body, judge=order.judge, docket_entry=order.docket_entry,
            issued_at=order.issued_at, effective_at=order.effective_at, expires_at=order.expires_at,
            extended=order.extended, status=order.status, effective_status=effective_status(order, now),
            is_active=is_active(order, now), status_changed_at=order.status_changed_at,
            underlying_removal_order=RemovalOrderFacts.of(order), class_definition=ClassDefinition.of(order),
            verified=order.verified, verified_by=order.verified_by, verified_at=order.verified_at,
            notes=order.notes, version=order.version, created_by=order.created_by, created_at=order.created_at,
            updated_at=order.updated_at,
            status_history=[StatusChangePublic.model_validate(h) for h in status_history]
            if status_history is not None else None)


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

    @classmethod
    def of(cls, a: Alert) -> AlertPublic:
        return cls(id=a.id, client_id=a.client_id, kind=a.kind, severity=a.severity, dedupe_key=a.dedupe_key,
                   trigger_type=a.trigger_type, trigger_id=a.trigger_id, details=a.details,
                   created_at=a.created_at, acknowledged_at=a.acknowledged_at,
                   acknowledged_by=a.acknowledged_by, ack_note=a.ack_note, open=a.open_marker is not None)


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

    @classmethod
    def of(cls, ob: ComplianceObligation) -> ObligationPublic:
        return cls.model_validate(
            {**{k: getattr(ob, k) for k in ObligationPublic.model_fields if k != "until_further_order"},
             "until_further_order": ob.recurrence is not None and "UNTIL=" not in ob.recurrence
             and "COUNT=" not in ob.recurrence and ob.ended_at is None})


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

    @classmethod
    def of(cls, order: CourtOrder, obligations: list[ComplianceObligation]) -> CourtOrderPublic:
        data = {k: getattr(order, k) for k in CourtOrderPublic.model_fields if k != "obligations"}
        return cls(**data, obligations=[ObligationPublic.of(o) for o in obligations])


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

    @classmethod
    def of(cls, occ: ObligationOccurrence, ob: ComplianceObligation,
           filings: list[ObligationFiling] | None = None) -> OccurrencePublic:
        missing = None
        if filings is not None:
            answered = {e for f in filings for e in (f.answered_elements or [])}
            missing = [e for e in ob.required_elements if e not in answered]
        return cls(
            id=occ.id, obligation_id=occ.obligation_id, client_id=occ.client_id, due_at=occ.due_at,
            due_local=occ.due_at.astimezone(ZoneInfo(ob.timezone)).isoformat(), status=occ.status,
            minutes_late=occ.minutes_late, filed_at=occ.filed_at, missing_elements=missing,
            filings=[ObligationFilingPublic.model_validate(f) for f in filings] if filings is not None else None)
