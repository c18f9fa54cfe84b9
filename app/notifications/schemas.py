"""Request and response bodies of the notification routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from app.notifications.models import NotificationDelivery, NotificationPreference, OnCallRotation, WebhookEndpoint
from app.notifications.preferences import channels_of

Severity = Literal["critical", "high", "normal", "low"]
Channel = Literal["email"]
Target = Literal["on_call", "backup", "all_attorneys", "all_admins", "all_staff"]
Event = Literal["alert.raised", "alert.acknowledged", "deadline.due_soon", "deadline.missed",
                "custody_event.recorded", "filing_batch.completed"]


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = Field(default="UTC", min_length=1, max_length=64)


class PreferencesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channels: dict[Severity, list[Channel]] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None
    custody_updates: bool = False


class PreferencesPublic(BaseModel):
    channels: dict[str, list[str]]
    quiet_hours: QuietHours | None
    custody_updates: bool
    language: str

    @classmethod
    def of(cls, p: NotificationPreference | None, language: str) -> PreferencesPublic:
        """``p``: the user's row, None for the defaults; ``language``: the account's preferred language."""
        return cls.model_validate({
            "channels": channels_of(p), "quiet_hours": p.quiet_hours if p else None,
            "custody_updates": bool(p and p.custody_updates), "language": language})


class Shift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after_minutes: int = Field(ge=0, le=7 * 24 * 60)
    notify: Target


class OnCallBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shifts: list[Shift] = Field(default_factory=list, max_length=500)
    steps: list[Step] = Field(min_length=1, max_length=20)
    repeat_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _steps(self) -> OnCallBody:
        minutes = [s.after_minutes for s in self.steps]
        if minutes[0] != 0 or minutes != sorted(set(minutes)):
            raise ValueError("the first step is at 0 minutes and later steps strictly later")
        return self


class OnCallPublic(BaseModel):
    shifts: list[Shift]
    steps: list[Step]
    repeat_minutes: int
    version: int
    updated_at: datetime | None

    @classmethod
    def of(cls, row: OnCallRotation, default_steps: list[dict[str, object]]) -> OnCallPublic:
        return cls.model_validate({"shifts": row.shifts, "steps": row.steps or default_steps,
                                   "repeat_minutes": row.repeat_minutes, "version": row.version,
                                   "updated_at": row.updated_at if row.version else None})


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000)
    events: list[Event] = Field(min_length=1)
    description: str | None = Field(default=None, max_length=200)


class EndpointPublic(BaseModel):
    id: uuid.UUID
    url: str
    description: str | None
    events: list[str]
    status: str
    consecutive_failures: int
    failing_since: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, ep: WebhookEndpoint) -> EndpointPublic:
        return cls(id=ep.id, url=ep.url, description=ep.description, events=list(ep.events), status=ep.status,
                   consecutive_failures=ep.consecutive_failures, failing_since=ep.failing_since,
                   created_at=ep.created_at)


class EndpointCreated(EndpointPublic):
    secret: str = Field(description="whsec_... shown once, never again")


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    webhook_id: str
    intent_id: uuid.UUID
    channel: str
    recipient_user_id: uuid.UUID | None
    endpoint_id: uuid.UUID | None
    escalation_step: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    last_status_code: int | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, d: NotificationDelivery) -> DeliveryPublic:
        return cls(id=d.id, webhook_id=f"msg_{d.id.hex}", intent_id=d.intent_id, channel=d.channel,
                   recipient_user_id=d.recipient_user_id, endpoint_id=d.endpoint_id,
                   escalation_step=d.escalation_step, status=d.status, attempts=d.attempts,
                   next_attempt_at=d.next_attempt_at, last_error=d.last_error, last_status_code=d.last_status_code,
                   delivered_at=d.delivered_at, created_at=d.created_at)
