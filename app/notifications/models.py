"""Notification tables: intents (the outbox), deliveries, webhook endpoints, preferences, the on-call rotation.

The durable truth of a notification is here, in rows written in the same transaction as the change that
caused it (docs/notifications.md "Outbox"); a job carries only a delivery id.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.types import UTCDateTime, json_col, utcnow


class NotificationIntent(SQLModel, table=True):
    """Something happened that people or systems must hear about. Payload: ids and kinds only."""

    __tablename__ = "notification_intent"
    __table_args__ = (sa.Index("ix_notification_intent_escalation", "next_escalation_at"),
                      sa.Index("ix_notification_intent_subject", "organization_id", "subject_type", "subject_id"))

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    event: str = Field(max_length=60)
    subject_type: str = Field(max_length=40)
    subject_id: uuid.UUID = Field(nullable=False)
    severity: str | None = Field(default=None, max_length=16)
    client_id: uuid.UUID | None = Field(default=None)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_col())
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    # Escalation (critical alerts only): the last step done and when the next is due; NULL = not escalating.
    escalation_step: int = Field(default=0, nullable=False)
    next_escalation_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class NotificationDelivery(SQLModel, table=True):
    """One message to one recipient (a user's e-mail) or one endpoint (a webhook), with its retry state.

    ``id`` is the stable message id (``webhook-id``) a receiver deduplicates on: every attempt reuses it.
    ``dedupe_key`` makes writing the same delivery twice (a re-run sweep) impossible."""

    __tablename__ = "notification_delivery"
    __table_args__ = (sa.Index("ix_notification_delivery_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    intent_id: uuid.UUID = Field(foreign_key="notification_intent.id", index=True, nullable=False)
    dedupe_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=16)  # email | webhook
    recipient_user_id: uuid.UUID | None = Field(default=None, foreign_key="user_account.id", index=True)
    endpoint_id: uuid.UUID | None = Field(default=None, foreign_key="webhook_endpoint.id", index=True)
    escalation_step: int = Field(default=0, nullable=False)
    # pending -> in_progress (claimed, lease_until) -> delivered | pending (retry) | failed | cancelled
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime())
    last_error: str | None = Field(default=None, max_length=200)
    last_status_code: int | None = Field(default=None)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class WebhookEndpoint(SQLModel, table=True):
    """An organization's webhook receiver. Never disabled by the system: a failing one is marked ``failing``
    and keeps receiving; only an admin deletes it (``deleted_at``)."""

    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=200)
    events: list[str] = Field(default_factory=list, sa_column=json_col())
    secret_encrypted: str = Field(max_length=500)  # whsec_... under the key ring (AAD: org, table, row)
    status: str = Field(default="active", max_length=16)  # active | failing
    consecutive_failures: int = Field(default=0, nullable=False)
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime())
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class NotificationPreference(SQLModel, table=True):
    """A user's channels per severity, quiet hours, and (liaisons) the custody-update opt-in."""

    __tablename__ = "notification_preference"

    user_id: uuid.UUID = Field(foreign_key="user_account.id", primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    channels: dict[str, Any] = Field(default_factory=dict, sa_column=json_col())
    quiet_hours: dict[str, Any] | None = Field(default=None, sa_column=json_col(nullable=True))
    custody_updates: bool = Field(default=False, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class OnCallRotation(SQLModel, table=True):
    """The organization's rotation (shifts with time windows) and escalation steps, replaced as a whole."""

    __tablename__ = "on_call_rotation"

    organization_id: uuid.UUID = Field(foreign_key="organization.id", primary_key=True)
    shifts: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_column=json_col())
    repeat_minutes: int = Field(default=15, nullable=False)
    version: int = Field(default=1, nullable=False)
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
