"""API schemas of facilities: the shared (seeded) list, an organization's own, and its overlays on shared ones."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from app.core.validation import check_text
from app.core_data.countries import normalize_country_code
from app.core_data.districts import DISTRICTS, district_display_name
from app.core_data.us_states import is_valid_us_state
from app.custody.merged_facility import MergedFacility
from app.custody.models import Facility
from app.custody.statuses import FacilityType

_FORBID = ConfigDict(extra="forbid")
_EXTERNAL_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
_DETLOC = re.compile(r"[A-Z0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FACILITY_TYPES = frozenset(t.value for t in FacilityType)


def clean_value(value: Any, *, multiline: bool = False) -> Any:
    if isinstance(value, str):
        return check_text(value, multiline=multiline) or None
    return value


def clean_country(value: Any) -> Any:
    return normalize_country_code(value) if isinstance(value, str) else value


# Facility fields fail with stable error types (``errors[].type`` in a 422), the same codes the facility
# CSV import reports for the same problem (app.custody.facility_csv).

def _ftext(value: Any, *, multiline: bool = False) -> Any:
    try:
        return clean_value(value, multiline=multiline)
    except ValueError as exc:
        raise PydanticCustomError("invalid_characters", str(exc)) from None


def _fcountry(value: Any) -> Any:
    try:
        return clean_country(value)
    except ValueError:
        raise PydanticCustomError("invalid_country", "not an ISO 3166-1 alpha-2 country code") from None


def _aliases(value: Any) -> Any:
    if isinstance(value, list):
        return [a for a in (_ftext(x) for x in value) if a]
    return value


def _state(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().upper() or None
        if value is not None and not is_valid_us_state(value):
            raise PydanticCustomError("invalid_state", "use a USPS state or territory code (e.g. 'MD')")
    return value


def _district(value: Any) -> Any:
    return value.strip().lower() or None if isinstance(value, str) else value


def _external_id(value: Any) -> Any:
    if isinstance(value, str) and not _EXTERNAL_ID.fullmatch(value):
        raise PydanticCustomError("invalid_external_id", "use lower-case letters, digits, '.', '_' or '-'")
    return value


def _facility_type(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().lower()
        if value not in _FACILITY_TYPES:
            raise PydanticCustomError("invalid_type", "unknown facility type; see the facility types in the docs")
    return value


def _detloc(value: Any) -> Any:
    if isinstance(value, str):
        value = _ftext(value)
        if value is not None:
            value = value.upper()
            if not _DETLOC.fullmatch(value):
                raise PydanticCustomError("invalid_detloc_code", "ICE facility codes are letters and digits")
    return value


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("invalid_date", "use an ISO date: YYYY-MM-DD") from None
    return value


# --- facilities ----------------------------------------------------------------------------------

class _FacilityFieldRules(BaseModel):
    """The field rules a facility's fields follow wherever they are written (create, update; the CSV import
    validates its rows with ``FacilityCreate``): one definition, so the API and the import cannot disagree."""

    @field_validator("name", "operator", "address", "city", "zip", "county", "ice_field_office",
                     "immigration_court", "phone", "custodian_name", "custodian_title", "source", mode="before",
                     check_fields=False)
    @classmethod
    def _line(cls, v: Any) -> Any:
        return _ftext(v)

    @field_validator("visitation_info", "notes", mode="before", check_fields=False)
    @classmethod
    def _multi(cls, v: Any) -> Any:
        return _ftext(v, multiline=True)

    @field_validator("type", mode="before", check_fields=False)
    @classmethod
    def _type(cls, v: Any) -> Any:
        return _facility_type(v)

    @field_validator("aliases", mode="before", check_fields=False)
    @classmethod
    def _aliases(cls, v: Any) -> Any:
        return _aliases(v)

    @field_validator("country", mode="before", check_fields=False)
    @classmethod
    def _c(cls, v: Any) -> Any:
        return _fcountry(v)

    @field_validator("state", mode="before", check_fields=False)
    @classmethod
    def _state(cls, v: Any) -> Any:
        return _state(v)

    @field_validator("federal_district", mode="before", check_fields=False)
    @classmethod
    def _district(cls, v: Any) -> Any:
        return _district(v)

    @field_validator("external_id", mode="before", check_fields=False)
    @classmethod
    def _ext(cls, v: Any) -> Any:
        return _external_id(_ftext(v))

    @field_validator("ice_detloc_code", mode="before", check_fields=False)
    @classmethod
    def _detloc(cls, v: Any) -> Any:
        return _detloc(v)

    @field_validator("as_of", mode="before", check_fields=False)
    @classmethod
    def _as_of(cls, v: Any) -> Any:
        return _iso_date(v)


class FacilityCreate(_FacilityFieldRules):
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
    country: str = Field(default="US", min_length=2, max_length=2)  # before zip: the ZIP rule depends on it
    state: str | None = Field(default=None, max_length=2)
    zip: str | None = Field(default=None, max_length=12)
    county: str | None = Field(default=None, max_length=120)
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

    @field_validator("zip", mode="after")
    @classmethod
    def _zip(cls, v: Any, info: ValidationInfo) -> Any:
        if v and info.data.get("country", "US") == "US" and not _US_ZIP.fullmatch(v):
            raise PydanticCustomError("invalid_zip", "U.S. ZIP codes are 5 digits or ZIP+4")
        return v


# Fields an organization may keep in its overlay on a shared facility (the rest is reference data).
OVERLAY_FIELDS: tuple[str, ...] = ("custodian_name", "custodian_title", "phone", "notes", "verified", "verified_at")


class FacilityUpdate(_FacilityFieldRules):
    """``PATCH /facilities/{id}`` (If-Match required). Every field is optional; only those sent change.

    On an organization's own facility: any field of ``FacilityCreate`` (district re-validated). On a
    *shared* facility: only the organization's overlay (``OVERLAY_FIELDS``) — ``custodian_name``,
    ``custodian_title``, ``phone``, ``notes``, and ``verified: true`` (or ``verified_at``) to record that
    the caller checked them; the shared row itself never changes. ``null`` clears an overlay field."""

    model_config = _FORBID
    name: str | None = Field(default=None, min_length=1, max_length=300)
    type: FacilityType | None = None
    external_id: str | None = Field(default=None, max_length=80)
    aliases: list[str] | None = Field(default=None, max_length=20)
    operator: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    state: str | None = Field(default=None, max_length=2)
    zip: str | None = Field(default=None, max_length=12)
    county: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, min_length=2, max_length=2)
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
    # overlay only (shared facilities)
    notes: str | None = Field(default=None, max_length=2000)
    verified: bool | None = None
    verified_at: AwareDatetime | None = None


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
    verified: bool  # the reference data was checked against its source (shared list) — not the overlay
    version: int
    created_at: datetime
    updated_at: datetime
    # The caller organization's overlay on a shared facility (merged into the fields above); None/[] for
    # the organization's own facilities and for shared ones it has not annotated.
    notes: str | None = None
    verified_by: uuid.UUID | None = None
    verified_at: datetime | None = None
    overlay_fields: list[str] = Field(default_factory=list)  # which fields above come from the overlay
    overlay_version: int | None = None  # the ETag of a shared facility; 0 before the first PATCH

    @classmethod
    def of(cls, fac: Facility | MergedFacility) -> FacilityPublic:
        """A facility as the caller's organization sees it (a bare row is shown without an overlay)."""
        m = fac if isinstance(fac, MergedFacility) else MergedFacility(fac)
        row = m.row
        return cls(
            id=row.id, shared=m.shared, external_id=row.external_id, name=row.name,
            aliases=list(row.aliases or []), type=row.type, operator=row.operator, address=row.address,
            city=row.city, state=row.state, zip=row.zip, county=row.county, country=row.country,
            federal_district=row.federal_district, federal_district_name=district_name(row.federal_district),
            circuit=row.circuit, ice_field_office=row.ice_field_office, immigration_court=row.immigration_court,
            ice_detloc_code=row.ice_detloc_code, phone=m.phone, visitation_info=row.visitation_info,
            custodian_name=m.custodian_name, custodian_title=m.custodian_title, source=row.source,
            as_of=row.as_of, verified=row.verified, version=row.version, created_at=row.created_at,
            updated_at=row.updated_at, notes=m.notes, verified_by=m.verified_by, verified_at=m.verified_at,
            overlay_fields=m.overlay_fields, overlay_version=m.overlay_version,
        )


def district_name(court_id: str | None) -> str | None:
    """"District of Maryland" for ``mdd``; None for no or an unknown id."""
    return district_display_name(court_id) if court_id is not None and court_id in DISTRICTS else None


class FacilityImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: list[dict[str, Any]]
    dry_run: bool


class FacilitySummary(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    city: str | None
    state: str | None
    country: str
    federal_district: str | None

    @classmethod
    def of(cls, fac: Facility) -> FacilitySummary:
        return cls(id=fac.id, name=fac.name, type=fac.type, city=fac.city, state=fac.state, country=fac.country,
                   federal_district=fac.federal_district)
