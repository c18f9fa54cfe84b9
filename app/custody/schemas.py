"""API schemas of custody events and the staff status view (facilities: facility_schemas.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.custody.facility_schemas import FacilitySummary, clean_country, clean_value
from app.custody.models import CustodyEvent, Facility
from app.custody.statuses import Confidence, Custodian, CustodyStatus, DetentionAuthority, SourceType

_FORBID = ConfigDict(extra="forbid")


class FlightFacts(BaseModel):
    """Flight facts of an ``in_transit`` event (a removal or transfer flight), pleaded as the emergency."""

    model_config = _FORBID
    carrier: str | None = Field(default=None, max_length=120)
    flight_number: str | None = Field(default=None, max_length=20)
    departure_airport: str | None = Field(default=None, max_length=120)
    departed_at: AwareDatetime | None = None
    destination_country: str = Field(min_length=2, max_length=2)

    @field_validator("carrier", "flight_number", "departure_airport", mode="before")
    @classmethod
    def _line(cls, v: Any) -> Any:
        return clean_value(v)

    @field_validator("destination_country", mode="before")
    @classmethod
    def _c(cls, v: Any) -> Any:
        return clean_country(v)

    @field_validator("destination_country", mode="after")
    @classmethod
    def _abroad(cls, v: str) -> str:
        if v == "US":
            raise ValueError("a flight's destination_country is the foreign country it is bound for")
        return v

    def stored(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        if self.departed_at is not None:
            data["departed_at"] = self.departed_at.isoformat()
        return data


class CustodyEventCreate(BaseModel):
    """``POST /clients/{id}/custody-events``. Per-status rules are checked by the service (422 with a code)."""

    model_config = _FORBID
    status: CustodyStatus
    effective_at: AwareDatetime
    reported_at: AwareDatetime | None = None
    facility_id: uuid.UUID | None = None
    location_text: str | None = Field(default=None, max_length=500)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    custodian: Custodian | None = None
    detention_authority: DetentionAuthority | None = None
    source_type: SourceType
    source_detail: str | None = Field(default=None, max_length=1000)
    confidence: Confidence
    family_visible: bool = False
    notes: str | None = Field(default=None, max_length=5000)
    flight: FlightFacts | None = None  # only on an in_transit event
    # Confirms a family report (docs/family-page.md#reporting-news): the report stays as it was; this event is
    # the staff's own finding and names it.
    confirms_event_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _flight_only_in_transit(self) -> CustodyEventCreate:
        if self.flight is not None and self.status != CustodyStatus.IN_TRANSIT:
            raise ValueError("flight is recorded only on an in_transit event")
        return self

    @field_validator("location_text", "source_detail", mode="before")
    @classmethod
    def _line(cls, v: Any) -> Any:
        return clean_value(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return clean_value(v, multiline=True)

    @field_validator("country", mode="before")
    @classmethod
    def _c(cls, v: Any) -> Any:
        return clean_country(v)


class RetractBody(BaseModel):
    model_config = _FORBID
    reason: str = Field(min_length=1, max_length=1000)

    @field_validator("reason", mode="before")
    @classmethod
    def _r(cls, v: Any) -> Any:
        return clean_value(v, multiline=True) or "" if isinstance(v, str) else v


class CustodyEventPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    status: str
    effective_at: datetime
    reported_at: datetime
    facility_id: uuid.UUID | None
    facility: FacilitySummary | None = None
    location_text: str | None
    country: str | None
    custodian: str | None
    detention_authority: str | None
    flight: dict[str, Any] | None = None
    source_type: str
    source_detail: str | None
    confidence: str
    family_visible: bool
    notes: str | None
    entered_by: uuid.UUID | None
    confirms_event_id: uuid.UUID | None = None
    # A family report (source_type family_report) that no later event confirms yet; false for other events.
    unconfirmed_report: bool = False
    retracted: bool
    retracted_at: datetime | None
    retracted_by: uuid.UUID | None
    retraction_reason: str | None
    created_at: datetime

    @classmethod
    def of(cls, ev: CustodyEvent, facility: Facility | None = None,
           confirmed: set[uuid.UUID] | None = None) -> CustodyEventPublic:
        """``confirmed``: the ids of family reports known to be confirmed (``service.confirmed_report_ids``)."""
        is_report = ev.source_type == SourceType.FAMILY_REPORT.value
        return cls(
            confirms_event_id=ev.confirms_event_id,
            unconfirmed_report=is_report and ev.id not in (confirmed or set()),
            id=ev.id, client_id=ev.client_id, status=ev.status, effective_at=ev.effective_at,
            reported_at=ev.reported_at, facility_id=ev.facility_id,
            facility=FacilitySummary.of(facility) if facility else None,
            location_text=ev.location_text, country=ev.country, custodian=ev.custodian,
            detention_authority=ev.detention_authority, flight=ev.flight,
            source_type=ev.source_type, source_detail=ev.source_detail,
            confidence=ev.confidence, family_visible=ev.family_visible, notes=ev.notes, entered_by=ev.entered_by,
            retracted=ev.retracted_at is not None, retracted_at=ev.retracted_at, retracted_by=ev.retracted_by,
            retraction_reason=ev.retraction_reason, created_at=ev.created_at,
        )


class CustodyEventCreated(BaseModel):
    event: CustodyEventPublic
    alerts: list[Any]


class DistrictRef(BaseModel):
    id: str
    name: str


class StatusView(BaseModel):
    """``GET /clients/{id}/status``: where the client is, how we know, and what protects them."""

    client_id: uuid.UUID
    status: str | None
    event_id: uuid.UUID | None
    effective_at: datetime | None
    reported_at: datetime | None
    source_type: str | None
    confidence: str | None
    last_confirmed_at: datetime | None
    age_hours: float | None
    age_text: str
    facility: FacilitySummary | None
    location_text: str | None
    country: str | None
    federal_district: DistrictRef | None
    active_protections: list[Any]
    open_alerts: list[Any]
    next_deadlines: list[Any]
