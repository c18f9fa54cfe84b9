"""API schemas of the custody domain (facilities, custody events, status view)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.validation import check_text
from app.core_data.countries import normalize_country_code
from app.core_data.us_states import is_valid_us_state
from app.custody.statuses import Confidence, Custodian, CustodyStatus, DetentionAuthority, FacilityType, SourceType

_FORBID = ConfigDict(extra="forbid")
_EXTERNAL_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")


def _text(value: Any, *, multiline: bool = False) -> Any:
    if isinstance(value, str):
        return check_text(value, multiline=multiline) or None
    return value


def _country(value: Any) -> Any:
    return normalize_country_code(value) if isinstance(value, str) else value


# --- facilities ----------------------------------------------------------------------------------

class FacilityCreate(BaseModel):
    """An organization's own facility (hospital, hold room, airport staging, foreign prison, ...).

    U.S. facilities need a ``federal_district`` (habeas venue is the district of confinement); it is
    derived from ``state`` when the state has a single district, validated against the state otherwise,
    and must be empty abroad."""

    model_config = _FORBID
    name: str = Field(min_length=1, max_length=300)
    type: FacilityType
    external_id: str | None = Field(default=None, max_length=80)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    operator: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=2)
    zip: str | None = Field(default=None, max_length=12)
    county: str | None = Field(default=None, max_length=120)
    country: str = Field(default="US", min_length=2, max_length=2)
    federal_district: str | None = Field(default=None, max_length=8)
    ice_field_office: str | None = Field(default=None, max_length=80)
    immigration_court: str | None = Field(default=None, max_length=200)
    ice_detloc_code: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=80)
    visitation_info: str | None = Field(default=None, max_length=2000)
    custodian_name: str | None = Field(default=None, max_length=200)
    custodian_title: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=300)
    as_of: date | None = None

    @field_validator("name", "external_id", "operator", "address", "city", "zip", "county", "ice_field_office",
                     "immigration_court", "ice_detloc_code", "phone", "custodian_name", "custodian_title",
                     "source", mode="before")
    @classmethod
    def _line(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("visitation_info", mode="before")
    @classmethod
    def _multi(cls, v: Any) -> Any:
        return _text(v, multiline=True)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [a for a in (_text(x) for x in v) if a]
        return v

    @field_validator("country", mode="before")
    @classmethod
    def _c(cls, v: Any) -> Any:
        return _country(v)

    @field_validator("external_id", mode="after")
    @classmethod
    def _ext(cls, v: Any) -> Any:
        if isinstance(v, str) and not _EXTERNAL_ID.fullmatch(v):
            raise ValueError("use lower-case letters, digits, '.', '_' or '-'")
        return v

    @model_validator(mode="after")
    def _zip(self) -> FacilityCreate:
        if self.country == "US" and self.zip and not _US_ZIP.fullmatch(self.zip):
            raise ValueError("U.S. ZIP codes are 5 digits or ZIP+4")
        return self

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().upper() or None
            if v is not None and not is_valid_us_state(v):
                raise ValueError("use a USPS state or territory code (e.g. 'MD')")
        return v

    @field_validator("federal_district", mode="before")
    @classmethod
    def _district(cls, v: Any) -> Any:
        return v.strip().lower() or None if isinstance(v, str) else v


class FacilityPublic(BaseModel):
    id: uuid.UUID
    shared: bool  # seeded reference data (True) or the organization's own (False)
    external_id: str | None
    name: str
    aliases: list[str]
    type: str
    operator: str | None
    address: str | None
    city: str | None
    state: str | None
    zip: str | None
    county: str | None
    country: str
    federal_district: str | None
    federal_district_name: str | None
    circuit: str | None
    ice_field_office: str | None
    immigration_court: str | None
    ice_detloc_code: str | None
    phone: str | None
    visitation_info: str | None
    custodian_name: str | None
    custodian_title: str | None
    source: str | None
    as_of: date | None
    verified: bool
    version: int
    created_at: datetime
    updated_at: datetime


class FacilityImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]
    dry_run: bool


# --- custody events ------------------------------------------------------------------------------

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
        return _text(v)

    @field_validator("destination_country", mode="before")
    @classmethod
    def _c(cls, v: Any) -> Any:
        return _country(v)

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

    @model_validator(mode="after")
    def _flight_only_in_transit(self) -> CustodyEventCreate:
        if self.flight is not None and self.status != CustodyStatus.IN_TRANSIT:
            raise ValueError("flight is recorded only on an in_transit event")
        return self

    @field_validator("location_text", "source_detail", mode="before")
    @classmethod
    def _line(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return _text(v, multiline=True)

    @field_validator("country", mode="before")
    @classmethod
    def _c(cls, v: Any) -> Any:
        return _country(v)


class RetractBody(BaseModel):
    model_config = _FORBID
    reason: str = Field(min_length=1, max_length=1000)

    @field_validator("reason", mode="before")
    @classmethod
    def _r(cls, v: Any) -> Any:
        return _text(v, multiline=True) or "" if isinstance(v, str) else v


class FacilitySummary(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    city: str | None
    state: str | None
    country: str
    federal_district: str | None


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
    retracted: bool
    retracted_at: datetime | None
    retracted_by: uuid.UUID | None
    retraction_reason: str | None
    created_at: datetime


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
