"""Clients, proceedings and groups (DESIGN §5, DOMAIN §1.1-§1.2). Tables only; API schemas live in schemas.py."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class Forum(StrEnum):
    immigration_court = "immigration_court"
    bia = "bia"
    district_court = "district_court"
    court_of_appeals = "court_of_appeals"
    supreme_court = "supreme_court"
    uscis = "uscis"
    other = "other"


class Client(SQLModel, table=True):
    __tablename__ = "client"
    __table_args__ = (
        # One A-number per person within an organization (DOMAIN §1.1); NULLs (unknown yet) do not collide.
        sa.UniqueConstraint("organization_id", "a_number"),
        sa.Index("ix_client_org_created", "organization_id", "created_at", "id"),
        # Name search (``q``) is LIKE '%word%' on the folded ``search_name``. SQLite has no index for that,
        # so it scans this covering index (the organization's live clients: name, order key, id) instead of
        # the table. PostgreSQL uses the trigram index below; there the covering index is left empty.
        sa.Index("ix_client_search", "organization_id", "deleted_at", "search_name", "created_at", "id",
                 postgresql_where=sa.text("false")),
        sa.Index("ix_client_search_trgm", "search_name", postgresql_using="gin",
                 postgresql_ops={"search_name": "gin_trgm_ops"}, sqlite_where=sa.text("0")),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    a_number: str | None = Field(default=None, max_length=9)
    a_number_needs_review: bool = Field(default=False, nullable=False)
    a_number_sealed: bool = Field(default=False, nullable=False)
    given_names: str = Field(max_length=200)
    first_surname: str = Field(max_length=200)
    second_surname: str | None = Field(default=None, max_length=200)
    name_on_charging_document: str | None = Field(default=None, max_length=400)
    aliases: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    search_name: str = Field(default="", max_length=2000)  # accent/case-folded names + aliases, for `q`
    date_of_birth: str | None = Field(default=None, max_length=10)  # YYYY, YYYY-MM or YYYY-MM-DD
    sex: str | None = Field(default=None, max_length=40)
    country_of_birth: str | None = Field(default=None, max_length=2, index=True)
    citizenships: list[str] = Field(default_factory=list, sa_column=json_col())
    stateless: bool = Field(default=False, nullable=False)
    languages: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    interpreter_needed: bool = Field(default=False, nullable=False)
    interpreter_language: str | None = Field(default=None, max_length=80)
    last_arrival_date: date | None = None
    last_known_address: str | None = Field(default=None, max_length=500)
    sensitive_flags: list[str] = Field(default_factory=list, sa_column=json_col())
    privileged_notes: str | None = Field(default=None, max_length=20000)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class Proceeding(SQLModel, table=True):
    """A case in one forum (DOMAIN §1.2); respondents feed district-court captions."""

    __tablename__ = "proceeding"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", index=True, nullable=False)
    forum: str = Field(sa_column=enum_col(40))
    court_name: str | None = Field(default=None, max_length=200)
    federal_district: str | None = Field(default=None, max_length=8)
    division: str | None = Field(default=None, max_length=80)
    docket_number: str | None = Field(default=None, max_length=80)
    judge: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", max_length=40)
    our_role: str | None = Field(default=None, max_length=60)
    name_as_filed: str | None = Field(default=None, max_length=400)
    respondents: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    next_hearing_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    next_hearing_type: str | None = Field(default=None, max_length=80)
    hearing_location: str | None = Field(default=None, max_length=300)
    opened_date: date | None = None
    closed_date: date | None = None
    sealed: bool = Field(default=False, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ClientGroup(SQLModel, table=True):
    """A named set of clients, e.g. everyone reported on one removal flight."""

    __tablename__ = "client_group"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ClientGroupMember(SQLModel, table=True):
    __tablename__ = "client_group_member"

    group_id: uuid.UUID = Field(foreign_key="client_group.id", primary_key=True)
    client_id: uuid.UUID = Field(foreign_key="client.id", primary_key=True, index=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
