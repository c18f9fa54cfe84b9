"""API schemas of the clients domain: bodies refuse unknown and server-owned fields (``extra="forbid"``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.clients.models import Forum
from app.core.validation import check_text
from app.core_data.countries import normalize_country_code
from app.core_data.districts import is_valid_district
from app.core_data.names import normalize_name

__all__ = [
    "AliasIn", "AliasType", "ClientCreate", "ClientDetail", "ClientListItem", "ClientUpdate", "CustodySummary",
    "GroupCreate", "GroupDetail", "GroupMembersIn", "GroupMembersResult", "GroupPublic", "ImportReport",
    "LanguageIn", "OurRole", "ProceedingCreate", "ProceedingPublic", "ProceedingStatus", "ProceedingUpdate",
    "RespondentIn", "SensitiveFlag", "parse_partial_date",
]

_FORBID = ConfigDict(extra="forbid")


class AliasType(StrEnum):
    """DOMAIN §1.1 alias types; a government-alleged moniker is sensitive and never family-visible."""

    aka = "aka"
    dhs_record_misspelling = "dhs_record_misspelling"
    birth_name = "birth_name"
    married_name = "married_name"
    nickname = "nickname"
    government_alleged_moniker = "government_alleged_moniker"


class SensitiveFlag(StrEnum):
    asylum_confidential = "asylum_confidential"  # 8 CFR 208.6 / 1208.6
    medical = "medical"
    mental_health = "mental_health"
    criminal_history = "criminal_history"
    lgbtq = "lgbtq"
    trafficking_victim = "trafficking_victim"
    child = "child"
    other = "other"


class Proficiency(StrEnum):
    native = "native"
    fluent = "fluent"
    limited = "limited"


class ProceedingStatus(StrEnum):
    open = "open"
    stayed = "stayed"
    on_appeal = "on_appeal"
    closed = "closed"


class OurRole(StrEnum):
    counsel_of_record = "counsel_of_record"
    co_counsel = "co_counsel"
    next_friend = "next_friend"
    amicus = "amicus"
    consulting = "consulting"
    none = "none"


# --- field helpers -------------------------------------------------------------------------------

_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_LANG = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*")


def parse_partial_date(value: str, *, today: date | None = None) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a real date, not in the future, year >= 1900)."""
    today = today or datetime.now(UTC).date()
    m = _PARTIAL_DATE.fullmatch(value.strip())
    if not m:
        raise ValueError("use YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = int(m[1]), m[2], m[3]
    if year < 1900:
        raise ValueError("year before 1900")
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError("month must be 01-12")
    if day is not None:
        date(year, int(month), int(day))  # raises ValueError for 2025-02-30
    if (year, int(month or 1), int(day or 1)) > (today.year, today.month, today.day):
        raise ValueError("date is in the future")
    return m[0]


def _name(value: Any, max_length: int) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return normalize_name(value, max_length=max_length)


def _text(value: Any, *, multiline: bool = False) -> Any:
    if isinstance(value, str):
        value = check_text(value, multiline=multiline)
        return value or None
    return value


def _country(value: Any) -> Any:
    if isinstance(value, str):
        return normalize_country_code(value)
    return value


def _not_future(value: date | None) -> date | None:
    if value is not None and value > datetime.now(UTC).date():
        raise ValueError("date is in the future")
    return value


class AliasIn(BaseModel):
    model_config = _FORBID
    name: str = Field(min_length=1, max_length=200)
    type: AliasType = AliasType.aka
    source: str | None = Field(default=None, max_length=200)

    _n = field_validator("name", mode="before")(lambda cls, v: _name(v, 200))
    _s = field_validator("source", mode="before")(lambda cls, v: _text(v))


class LanguageIn(BaseModel):
    """A language: ISO 639 code (``spa``, ``quc`` for K'iche', ``mam``), optional name and proficiency."""

    model_config = _FORBID
    code: str = Field(min_length=2, max_length=20)
    name: str | None = Field(default=None, max_length=80)
    proficiency: Proficiency | None = None
    is_primary: bool = False

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().lower()
            if not _LANG.fullmatch(v):
                raise ValueError("use an ISO 639 language code such as 'spa' or 'quc'")
        return v

    _n = field_validator("name", mode="before")(lambda cls, v: _text(v))


def _languages(value: Any) -> Any:
    """Accept plain codes (``["spa", "quc"]``) as well as objects."""
    if isinstance(value, list):
        return [{"code": v} if isinstance(v, str) else v for v in value]
    return value


class RespondentIn(BaseModel):
    """A respondent named in a caption; ``name`` may be empty (sued by title, FRCP 17(d))."""

    model_config = _FORBID
    name: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=40)

    _t = field_validator("name", "title", "role", mode="before")(lambda cls, v: _text(v))


Country = Annotated[str, Field(min_length=2, max_length=2)]


# --- clients -------------------------------------------------------------------------------------

class _ClientFields(BaseModel):
    model_config = _FORBID

    @field_validator("given_names", "first_surname", mode="before", check_fields=False)
    @classmethod
    def _required_names(cls, v: Any) -> Any:
        return _name(v, 200)

    @field_validator("second_surname", mode="before", check_fields=False)
    @classmethod
    def _second(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        return _name(v, 200)

    @field_validator("name_on_charging_document", mode="before", check_fields=False)
    @classmethod
    def _charging(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        return _name(v, 400)

    @field_validator("date_of_birth", mode="before", check_fields=False)
    @classmethod
    def _dob(cls, v: Any) -> Any:
        return parse_partial_date(v) if isinstance(v, str) else v

    @field_validator("country_of_birth", mode="before", check_fields=False)
    @classmethod
    def _cob(cls, v: Any) -> Any:
        return _country(v)

    @field_validator("citizenships", mode="before", check_fields=False)
    @classmethod
    def _citizenships(cls, v: Any) -> Any:
        if isinstance(v, list):
            out: list[Any] = []
            for c in v:
                c = _country(c)
                if c not in out:
                    out.append(c)
            return out
        return v

    @field_validator("languages", mode="before", check_fields=False)
    @classmethod
    def _langs(cls, v: Any) -> Any:
        return _languages(v)

    @field_validator("sensitive_flags", mode="after", check_fields=False)
    @classmethod
    def _flags(cls, v: Any) -> Any:
        return list(dict.fromkeys(v)) if isinstance(v, list) else v

    @field_validator("sex", "interpreter_language", "last_known_address", mode="before", check_fields=False)
    @classmethod
    def _line(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("privileged_notes", mode="before", check_fields=False)
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return _text(v, multiline=True)

    @field_validator("last_arrival_date", mode="after", check_fields=False)
    @classmethod
    def _arrival(cls, v: Any) -> Any:
        return _not_future(v)


class ClientCreate(_ClientFields):
    """``POST /clients``. The A-number is normalised by the service (422 ``invalid_a_number``)."""

    given_names: str = Field(min_length=1, max_length=200)
    first_surname: str = Field(min_length=1, max_length=200)
    second_surname: str | None = Field(default=None, max_length=200)
    name_on_charging_document: str | None = Field(default=None, max_length=400)
    a_number: str | None = Field(default=None, max_length=40)
    a_number_sealed: bool = False
    aliases: list[AliasIn] = Field(default_factory=list, max_length=20)
    date_of_birth: str | None = Field(default=None, max_length=10)
    sex: str | None = Field(default=None, max_length=40)
    country_of_birth: Country | None = None
    citizenships: list[Country] = Field(default_factory=list, max_length=10)
    stateless: bool = False
    languages: list[LanguageIn] = Field(default_factory=list, max_length=10)
    interpreter_needed: bool = False
    interpreter_language: str | None = Field(default=None, max_length=80)
    last_arrival_date: date | None = None
    last_known_address: str | None = Field(default=None, max_length=500)
    sensitive_flags: list[SensitiveFlag] = Field(default_factory=list, max_length=20)
    privileged_notes: str | None = Field(default=None, max_length=20000)


# Fields a PATCH may not set to null.
CLIENT_NOT_NULL = frozenset({
    "given_names", "first_surname", "a_number_sealed", "aliases", "citizenships", "stateless", "languages",
    "interpreter_needed", "sensitive_flags",
})


class ClientUpdate(_ClientFields):
    """``PATCH /clients/{id}``: only the fields sent are changed; ``null`` clears an optional field."""

    given_names: str | None = Field(default=None, min_length=1, max_length=200)
    first_surname: str | None = Field(default=None, min_length=1, max_length=200)
    second_surname: str | None = Field(default=None, max_length=200)
    name_on_charging_document: str | None = Field(default=None, max_length=400)
    a_number: str | None = Field(default=None, max_length=40)
    a_number_sealed: bool | None = None
    aliases: list[AliasIn] | None = Field(default=None, max_length=20)
    date_of_birth: str | None = Field(default=None, max_length=10)
    sex: str | None = Field(default=None, max_length=40)
    country_of_birth: Country | None = None
    citizenships: list[Country] | None = Field(default=None, max_length=10)
    stateless: bool | None = None
    languages: list[LanguageIn] | None = Field(default=None, max_length=10)
    interpreter_needed: bool | None = None
    interpreter_language: str | None = Field(default=None, max_length=80)
    last_arrival_date: date | None = None
    last_known_address: str | None = Field(default=None, max_length=500)
    sensitive_flags: list[SensitiveFlag] | None = Field(default=None, max_length=20)
    privileged_notes: str | None = Field(default=None, max_length=20000)

    @model_validator(mode="after")
    def _no_nulls(self) -> ClientUpdate:
        bad = sorted(f for f in self.model_fields_set & CLIENT_NOT_NULL if getattr(self, f) is None)
        if bad:
            raise ValueError(f"may not be null: {', '.join(bad)}")
        if not self.model_fields_set:
            raise ValueError("send at least one field")
        return self


class CustodySummary(BaseModel):
    status: str
    effective_at: datetime
    facility_id: uuid.UUID | None = None
    federal_district: str | None = None
    country: str | None = None


class ClientListItem(BaseModel):
    """A client as listed: everything except privileged notes."""

    id: uuid.UUID
    version: int
    a_number: str | None
    a_number_display: str | None
    a_number_needs_review: bool
    a_number_sealed: bool
    display_name: str
    given_names: str
    first_surname: str
    second_surname: str | None
    name_on_charging_document: str | None
    aliases: list[dict[str, Any]]
    date_of_birth: str | None
    sex: str | None
    country_of_birth: str | None
    citizenships: list[str]
    stateless: bool
    languages: list[dict[str, Any]]
    interpreter_needed: bool
    interpreter_language: str | None
    last_arrival_date: date | None
    last_known_address: str | None
    sensitive_flags: list[str]
    created_at: datetime
    updated_at: datetime
    custody: CustodySummary | None = None


class ClientDetail(ClientListItem):
    """One client (staff only): adds privileged notes and group memberships."""

    privileged_notes: str | None
    group_ids: list[uuid.UUID] = Field(default_factory=list)


# --- proceedings ---------------------------------------------------------------------------------

class _ProceedingFields(BaseModel):
    model_config = _FORBID

    @field_validator("federal_district", mode="before", check_fields=False)
    @classmethod
    def _district(cls, v: Any) -> Any:
        if isinstance(v, str):
            if not is_valid_district(v):
                raise ValueError("not a PACER district court id (e.g. 'mdd', 'txsd')")
            return v.strip().lower()
        return v

    @field_validator("court_name", "division", "docket_number", "judge", "next_hearing_type", "hearing_location",
                     mode="before", check_fields=False)
    @classmethod
    def _line(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("name_as_filed", mode="before", check_fields=False)
    @classmethod
    def _filed(cls, v: Any) -> Any:
        return _name(v, 400)

    @model_validator(mode="after")
    def _dates(self) -> Any:
        opened, closed = getattr(self, "opened_date", None), getattr(self, "closed_date", None)
        if opened and closed and closed < opened:
            raise ValueError("closed_date is before opened_date")
        return self


class ProceedingCreate(_ProceedingFields):
    forum: Forum
    court_name: str | None = Field(default=None, max_length=200)
    federal_district: str | None = Field(default=None, max_length=8)
    division: str | None = Field(default=None, max_length=80)
    docket_number: str | None = Field(default=None, max_length=80)
    judge: str | None = Field(default=None, max_length=200)
    respondents: list[RespondentIn] = Field(default_factory=list, max_length=20)
    status: ProceedingStatus = ProceedingStatus.open
    our_role: OurRole | None = None
    name_as_filed: str | None = Field(default=None, max_length=400)
    next_hearing_at: AwareDatetime | None = None
    next_hearing_type: str | None = Field(default=None, max_length=80)
    hearing_location: str | None = Field(default=None, max_length=300)
    opened_date: date | None = None
    closed_date: date | None = None
    sealed: bool = False


PROCEEDING_NOT_NULL = frozenset({"forum", "respondents", "status", "sealed"})


class ProceedingUpdate(_ProceedingFields):
    forum: Forum | None = None
    court_name: str | None = Field(default=None, max_length=200)
    federal_district: str | None = Field(default=None, max_length=8)
    division: str | None = Field(default=None, max_length=80)
    docket_number: str | None = Field(default=None, max_length=80)
    judge: str | None = Field(default=None, max_length=200)
    respondents: list[RespondentIn] | None = Field(default=None, max_length=20)
    status: ProceedingStatus | None = None
    our_role: OurRole | None = None
    name_as_filed: str | None = Field(default=None, max_length=400)
    next_hearing_at: AwareDatetime | None = None
    next_hearing_type: str | None = Field(default=None, max_length=80)
    hearing_location: str | None = Field(default=None, max_length=300)
    opened_date: date | None = None
    closed_date: date | None = None
    sealed: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ProceedingUpdate:
        bad = sorted(f for f in self.model_fields_set & PROCEEDING_NOT_NULL if getattr(self, f) is None)
        if bad:
            raise ValueError(f"may not be null: {', '.join(bad)}")
        if not self.model_fields_set:
            raise ValueError("send at least one field")
        return self


class ProceedingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: uuid.UUID
    version: int
    forum: str
    court_name: str | None
    federal_district: str | None
    federal_district_name: str | None = None
    division: str | None
    docket_number: str | None
    judge: str | None
    respondents: list[dict[str, Any]]
    status: str
    our_role: str | None
    name_as_filed: str | None
    next_hearing_at: datetime | None
    next_hearing_type: str | None
    hearing_location: str | None
    opened_date: date | None
    closed_date: date | None
    sealed: bool
    created_at: datetime
    updated_at: datetime


# --- groups --------------------------------------------------------------------------------------

class GroupCreate(BaseModel):
    model_config = _FORBID
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)

    _n = field_validator("name", mode="before")(lambda cls, v: _text(v))
    _d = field_validator("description", mode="before")(lambda cls, v: _text(v, multiline=True))


class GroupPublic(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    version: int
    created_at: datetime
    member_count: int


class GroupMember(BaseModel):
    client_id: uuid.UUID
    display_name: str
    added_at: datetime


class GroupDetail(GroupPublic):
    members: list[GroupMember]


class GroupMembersIn(BaseModel):
    model_config = _FORBID
    client_ids: list[uuid.UUID] = Field(min_length=1, max_length=10_000)


class GroupMembersResult(BaseModel):
    group_id: uuid.UUID
    added: int
    already_members: int
    member_count: int


# --- CSV intake ----------------------------------------------------------------------------------

class ImportReport(BaseModel):
    created: int
    matched: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    dry_run: bool
    partial: bool
    custody_events: int = 0
    group_memberships: int = 0
    groups_created: list[str] = Field(default_factory=list)
    # Dates such as 03/04/2026 that could be read two ways and were read in the organization's date order.
    ambiguous_dates: int = 0
    date_order: str = "MDY"
