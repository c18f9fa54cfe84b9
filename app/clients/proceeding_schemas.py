"""API schemas of proceedings (a case in one forum) and the respondents of its caption."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.clients.models import Forum, Proceeding
from app.clients.schemas import FORBID_EXTRA, clean_name, clean_value
from app.core_data.districts import district_display_name, is_valid_district


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


class RespondentIn(BaseModel):
    """A respondent named in a caption; ``name`` may be empty (sued by title, FRCP 17(d))."""

    model_config = FORBID_EXTRA
    name: str | None = Field(default=None, max_length=200)
    title: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=40)

    _t = field_validator("name", "title", "role", mode="before")(lambda cls, v: clean_value(v))


class _ProceedingFields(BaseModel):
    model_config = FORBID_EXTRA

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
        return clean_value(v)

    @field_validator("name_as_filed", mode="before", check_fields=False)
    @classmethod
    def _filed(cls, v: Any) -> Any:
        return clean_name(v, 400)

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

    @classmethod
    def of(cls, proc: Proceeding) -> ProceedingPublic:
        out = cls.model_validate(proc)
        if proc.federal_district:
            out.federal_district_name = district_display_name(proc.federal_district)
        return out
