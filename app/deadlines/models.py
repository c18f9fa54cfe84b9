"""Tables of the deadlines domain: organization rules, trigger events, deadlines (docs/design.md#domain-model,
docs/domain/deadlines.md#rules-are-data).

Built-in rules are code (``catalog.py``), not rows; ``deadline_rule`` holds only an organization's own rules.
Dates are court-local calendar dates (``*_date``); instants are UTC (``*_at``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, enum_col, json_col, utcnow


class DeadlineStatus(StrEnum):
    open = "open"
    met = "met"
    missed = "missed"
    moot = "moot"
    extended = "extended"


class DeadlineSource(StrEnum):
    computed = "computed"  # rule + trigger through the engine
    manual = "manual"  # a date typed in by staff
    # the literal date/time an order sets (ORDER_DEFINED, docs/domain/deadlines.md#counting-regimes)
    court_order = "court_order"


class DeadlineRuleRow(SQLModel, table=True):
    """An organization's own rule (same shape as a built-in ``RuleSpec``); ``code`` is its public id."""

    __tablename__ = "deadline_rule"
    __table_args__ = (sa.UniqueConstraint("organization_id", "code"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    code: str = Field(max_length=64)
    title: str = Field(max_length=300)
    trigger: str = Field(max_length=300)
    period: int | None = None
    unit: str = Field(sa_column=enum_col(20))
    direction: str = Field(sa_column=enum_col(10))
    regime: str = Field(sa_column=enum_col(20))
    citation: str = Field(max_length=500)
    jurisdictional: bool = Field(default=False, nullable=False)
    extendable: bool = Field(default=True, nullable=False)
    extension_note: str = Field(default="", max_length=2000)
    as_of_date: date | None = None
    notes: str = Field(default="", max_length=4000)
    time_of_day: time | None = None
    runs_from_service: bool = Field(default=False, nullable=False)
    roll: bool = Field(default=True, nullable=False)
    max_period: int | None = None
    obligated_party: str = Field(default="us", max_length=20)
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class TriggerEvent(SQLModel, table=True):
    """Something that starts clocks (a BIA decision, an OSC served, a judgment entered...)."""

    __tablename__ = "trigger_event"
    __table_args__ = (sa.Index("ix_trigger_event_org_client", "organization_id", "client_id", "occurred_date"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    kind: str = Field(sa_column=enum_col(40))
    occurred_date: date = Field(nullable=False)  # court-local date of the event
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime())  # exact instant, when known
    service_method: str = Field(default="electronic", max_length=20)
    court_state: str | None = Field(default=None, max_length=2)
    court_timezone: str = Field(default="America/New_York", max_length=64)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class Deadline(SQLModel, table=True):
    """One clock for one client. Versions: a recomputation that would move an attorney-confirmed deadline
    creates a NEW row (``proposed``, ``supersedes_id`` -> the confirmed one) and leaves the confirmed row as is;
    accepting the proposal marks the old row ``moot`` with ``superseded_by_id``."""

    __tablename__ = "deadline"
    __table_args__ = (
        # GET /deadlines: range on the due instant, stable order (due_at, id), per organization.
        sa.Index("ix_deadline_org_due", "organization_id", "due_at", "id"),
        sa.Index("ix_deadline_org_status_due", "organization_id", "status", "due_at", "id"),
        # next_deadlines_for_client, ?client_id=; the calendar feed and ?owner=.
        sa.Index("ix_deadline_org_client_due", "organization_id", "client_id", "due_at", "id"),
        sa.Index("ix_deadline_owner_status_due", "owner_id", "status", "due_at"),
        sa.Index("ix_deadline_trigger_event", "trigger_event_id"),
        sa.Index("ix_deadline_supersedes", "supersedes_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", nullable=False)
    client_id: uuid.UUID = Field(foreign_key="client.id", nullable=False)
    proceeding_id: uuid.UUID | None = Field(default=None, foreign_key="proceeding.id")
    rule_id: str | None = Field(default=None, max_length=64)  # built-in or organization rule code; NULL = manual
    title: str = Field(max_length=300)
    notes: str | None = Field(default=None, max_length=4000)
    # Inputs of the computation (kept so that a recomputation is reproducible).
    trigger_event_id: uuid.UUID | None = Field(default=None, foreign_key="trigger_event.id")
    trigger_kind: str | None = Field(default=None, max_length=40)
    trigger_date: date | None = None
    trigger_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    service_method: str | None = Field(default=None, max_length=20)
    court_state: str | None = Field(default=None, max_length=2)
    court_timezone: str = Field(default="America/New_York", max_length=64)  # also the due time zone
    period_override: int | None = None
    # Result.
    regime: str | None = Field(default=None, max_length=20)
    due_earliest_safe_date: date = Field(nullable=False)
    due_latest_arguable_date: date = Field(nullable=False)
    due_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)  # end of the earliest-safe reading
    due_latest_arguable_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    trace: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    computation_notes: list[str] = Field(default_factory=list, sa_column=json_col())
    jurisdictional: bool = Field(default=False, nullable=False)
    extendable: bool = Field(default=True, nullable=False)
    obligated_party: str = Field(default="us", max_length=20)
    # Workflow.
    status: str = Field(default=DeadlineStatus.open, sa_column=enum_col(20))
    met_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    source: str = Field(default=DeadlineSource.computed, sa_column=enum_col(20))
    confirmed_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    proposed: bool = Field(default=False, nullable=False)
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="deadline.id")
    superseded_by_id: uuid.UUID | None = Field(default=None, foreign_key="deadline.id")
    version: int = Field(default=1, nullable=False)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
