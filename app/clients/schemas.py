"""API schemas of the clients domain: bodies refuse unknown and server-owned fields (``extra="forbid"``)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.core.validation import check_text
from app.core_data.countries import normalize_country_code
from app.core_data.names import is_latin_script, normalize_name

__all__ = [
    "FORBID_EXTRA", "AliasIn", "AliasType", "ClientCreate", "ClientDetail", "ClientListItem", "ClientUpdate",
    "CustodySummary", "LanguageIn", "SensitiveFlag", "clean_name", "clean_value", "parse_partial_date",
]

FORBID_EXTRA = ConfigDict(extra="forbid")


class AliasType(StrEnum):
    """docs/domain/clients.md#the-person alias types; a government-alleged moniker is sensitive and never
    family-visible."""

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


def clean_name(value: Any, max_length: int) -> Any:
    if value is None or not isinstance(value, str):
        return value
    return normalize_name(value, max_length=max_length)


def clean_value(value: Any, *, multiline: bool = False) -> Any:
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
    model_config = FORBID_EXTRA
    name: str = Field(min_length=1, max_length=200)
    type: AliasType = AliasType.aka
    source: str | None = Field(default=None, max_length=200)

    _n = field_validator("name", mode="before")(lambda cls, v: clean_name(v, 200))
    _s = field_validator("source", mode="before")(lambda cls, v: clean_value(v))


class LanguageIn(BaseModel):
    """A language: ISO 639 code (``spa``, ``quc`` for K'iche', ``mam``), optional name and proficiency."""

    model_config = FORBID_EXTRA
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

    _n = field_validator("name", mode="before")(lambda cls, v: clean_value(v))


def _languages(value: Any) -> Any:
    """Accept plain codes (``["spa", "quc"]``) as well as objects."""
    if isinstance(value, list):
        return [{"code": v} if isinstance(v, str) else v for v in value]
    return value


Country = Annotated[str, Field(min_length=2, max_length=2)]


# --- clients -------------------------------------------------------------------------------------

class _ClientFields(BaseModel):
    model_config = FORBID_EXTRA

    @field_validator("given_names", "first_surname", mode="before", check_fields=False)
    @classmethod
    def _required_names(cls, v: Any) -> Any:
        return clean_name(v, 200)

    @field_validator("second_surname", mode="before", check_fields=False)
    @classmethod
    def _second(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        return clean_name(v, 200)

    @field_validator("name_on_charging_document", mode="before", check_fields=False)
    @classmethod
    def _charging(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        return clean_name(v, 400)

    @field_validator("name_latin", mode="before", check_fields=False)
    @classmethod
    def _latin(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        v = clean_name(v, 400)
        if isinstance(v, str) and not is_latin_script(v):
            raise ValueError("name_latin must be written in Latin letters")
        return v

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
        return clean_value(v)

    @field_validator("privileged_notes", mode="before", check_fields=False)
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return clean_value(v, multiline=True)

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
    name_latin: str | None = Field(default=None, max_length=400)
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
    name_latin: str | None = Field(default=None, max_length=400)
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
    name_latin: str | None = None
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
