"""API schemas of the deadlines domain. Unknown fields are refused (422); instants need an offset; text is
single-line and NFC-normalized except notes. Engine-level checks (time zone, court state, trigger range,
period) answer 422 with the engine's own ``code`` (``unknown_timezone``, ``unknown_court_state``, ...)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator

from app.core.validation import clean_multiline, clean_text
from app.deadlines import recompute as rc
from app.deadlines.catalog import DEPENDENTS, TriggerKind
from app.deadlines.compute import RuleSpec
from app.deadlines.models import Deadline, DeadlineRuleRow, DeadlineStatus, TriggerEvent
from app.deadlines.regimes import Direction, Regime, ServiceMethod, Unit

RuleRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RuleCode = Annotated[str, StringConstraints(min_length=5, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]
StateCode = Annotated[str, StringConstraints(min_length=1, max_length=8)]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Party = Literal["us", "government", "court"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _wall_clock(cls: Any, v: time | None) -> time | None:
    if v is not None and v.tzinfo is not None:
        raise ValueError("time_of_day is a wall-clock time in the court's time zone: no offset")
    return v


# --- rules -----------------------------------------------------------------------------------------------------


class RuleCreate(_In):
    """An organization rule. ``id`` is upper-case, starts with ``ORG-`` and never equals a built-in id."""

    id: RuleCode
    title: Title
    trigger: Title
    period: int | None = Field(default=None, ge=1)
    unit: Unit
    direction: Direction = Direction.AFTER
    regime: Regime
    citation: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    jurisdictional: bool = False
    extendable: bool = True
    extension_note: str = Field(default="", max_length=2000)
    as_of: date | None = None
    notes: str = Field(default="", max_length=4000)
    time_of_day: time | None = None
    runs_from_service: bool = False
    roll: bool = True
    max_period: int | None = Field(default=None, ge=1)
    obligated_party: Party = "us"

    _clean = field_validator("title", "trigger", "citation", "extension_note")(clean_text)
    _clean_ml = field_validator("notes")(clean_multiline)

    _naive_time = field_validator("time_of_day")(_wall_clock)


class RuleUpdate(_In):
    """Fields sent are changed; the id cannot change."""

    title: Title | None = None
    trigger: Title | None = None
    period: int | None = Field(default=None, ge=1)
    unit: Unit | None = None
    direction: Direction | None = None
    regime: Regime | None = None
    citation: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    jurisdictional: bool | None = None
    extendable: bool | None = None
    extension_note: str | None = Field(default=None, max_length=2000)
    as_of: date | None = None
    notes: str | None = Field(default=None, max_length=4000)
    time_of_day: time | None = None
    runs_from_service: bool | None = None
    roll: bool | None = None
    max_period: int | None = Field(default=None, ge=1)
    obligated_party: Party | None = None

    _clean = field_validator("title", "trigger", "citation", "extension_note")(clean_text)
    _clean_ml = field_validator("notes")(clean_multiline)
    _naive_time = field_validator("time_of_day")(_wall_clock)


class RulePublic(BaseModel):
    id: str
    title: str
    trigger: str
    citation: str
    regime: str
    period: int | None
    unit: str
    direction: str
    jurisdictional: bool
    extendable: bool
    extension_note: str
    as_of: date | None
    notes: str
    # A wall-clock time in the court's zone (no offset), so not JSON Schema's "time" format, which needs one.
    time_of_day: Annotated[time | None, WithJsonSchema(
        {"anyOf": [{"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$"}, {"type": "null"}]})]
    runs_from_service: bool
    roll: bool
    max_period: int | None
    allowed_periods: list[int]
    obligated_party: str
    verification: str
    spawned_by: list[str]  # trigger-event kinds that create this deadline automatically
    builtin: bool
    version: int | None  # organization rules only (ETag / If-Match)

    @classmethod
    def of_builtin(cls, spec: RuleSpec) -> RulePublic:
        return cls(
            id=spec.id, title=spec.title, trigger=spec.trigger, citation=spec.citation, regime=spec.regime.value,
            period=spec.period, unit=spec.unit.value, direction=spec.direction.value,
            jurisdictional=spec.jurisdictional, extendable=spec.extendable, extension_note=spec.extension_note,
            as_of=spec.as_of, notes=spec.notes, time_of_day=spec.time_of_day,
            runs_from_service=spec.runs_from_service, roll=spec.roll, max_period=spec.max_period,
            allowed_periods=list(spec.allowed_periods), obligated_party=spec.obligated_party,
            verification=spec.verification, spawned_by=_spawned_by().get(spec.id, []), builtin=True, version=None,
        )

    @classmethod
    def of(cls, row: DeadlineRuleRow) -> RulePublic:
        return cls(
            id=row.code, title=row.title, trigger=row.trigger, citation=row.citation, regime=row.regime,
            period=row.period, unit=row.unit, direction=row.direction, jurisdictional=row.jurisdictional,
            extendable=row.extendable, extension_note=row.extension_note, as_of=row.as_of_date, notes=row.notes,
            time_of_day=row.time_of_day, runs_from_service=row.runs_from_service, roll=row.roll,
            max_period=row.max_period, allowed_periods=[], obligated_party=row.obligated_party,
            verification="U",  # the organization vouches for it; it is not from the research notes
            spawned_by=[], builtin=False, version=row.version,
        )


@cache
def _spawned_by() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, rule_ids in DEPENDENTS.items():
        for rule_id in rule_ids:
            out.setdefault(rule_id, []).append(str(kind))
    return out


# --- compute preview -------------------------------------------------------------------------------------------


class ComputeRequest(_In):
    rule: RuleRef
    trigger_date: date | None = None
    trigger_at: AwareDatetime | None = None
    service_method: ServiceMethod = ServiceMethod.ELECTRONIC
    court_state: StateCode | None = None
    court_timezone: TimeZoneName | None = None
    period_override: int | None = None


class TraceStepOut(BaseModel):
    date: str
    action: str
    reason: str
    citation: str


class ComputeResponse(BaseModel):
    rule: str
    due_earliest_safe: date | None
    due_latest_arguable: date | None
    due_at: datetime | None
    due_at_latest_arguable: datetime | None
    jurisdictional: bool
    regime: str
    period: int | None
    unit: str
    court_timezone: str
    court_state: str | None
    trace: list[TraceStepOut]
    notes: list[str]


# --- deadlines -------------------------------------------------------------------------------------------------


class DeadlineCreate(_In):
    """Computed (``rule`` + ``trigger_date``/``trigger_at``) or manual (``due_date`` or ``due_at``)."""

    title: Title | None = None
    rule: RuleRef | None = None
    trigger_date: date | None = None
    trigger_at: AwareDatetime | None = None
    service_method: ServiceMethod | None = None
    period_override: int | None = None
    proceeding_id: uuid.UUID | None = None
    due_date: date | None = None
    due_at: AwareDatetime | None = None
    source: Literal["manual", "court_order"] | None = None
    jurisdictional: bool | None = None
    extendable: bool | None = None
    owner_id: uuid.UUID | None = None
    court_state: StateCode | None = None
    court_timezone: TimeZoneName | None = None
    notes: str | None = Field(default=None, max_length=4000)

    _clean = field_validator("title")(clean_text)
    _clean_ml = field_validator("notes")(clean_multiline)


class DeadlineUpdate(_In):
    """Fields sent are changed (``null`` clears ``owner_id``/``notes``). Changing a trigger input recomputes."""

    title: Title | None = None
    notes: str | None = Field(default=None, max_length=4000)
    status: DeadlineStatus | None = None
    met_at: AwareDatetime | None = None
    owner_id: uuid.UUID | None = None
    confirmed: bool | None = None
    trigger_date: date | None = None
    trigger_at: AwareDatetime | None = None
    service_method: ServiceMethod | None = None
    period_override: int | None = None
    court_state: StateCode | None = None
    court_timezone: TimeZoneName | None = None
    due_date: date | None = None
    due_at: AwareDatetime | None = None

    _clean = field_validator("title")(clean_text)
    _clean_ml = field_validator("notes")(clean_multiline)


class DeadlineListItem(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    client_display_name: str | None = None  # lists only (staff): whose deadline it is, without a second request
    a_number_display: str | None = None
    proceeding_id: uuid.UUID | None
    rule: str | None
    title: str
    status: str
    source: str
    due_earliest_safe: date
    due_latest_arguable: date
    due_at: datetime  # UTC
    due_at_local: str  # the same instant in the court's time zone (ISO 8601 with offset)
    due_latest_arguable_at: datetime
    court_timezone: str
    court_state: str | None
    jurisdictional: bool
    extendable: bool
    obligated_party: str
    regime: str | None
    owner_id: uuid.UUID | None
    met_at: datetime | None
    confirmed: bool
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    proposed: bool
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    trigger_event_id: uuid.UUID | None
    trigger_kind: str | None
    trigger_date: date | None
    trigger_at: datetime | None
    service_method: str | None
    period_override: int | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, d: Deadline) -> DeadlineListItem:
        return DeadlineListItem(
            id=d.id, client_id=d.client_id, proceeding_id=d.proceeding_id, rule=d.rule_id, title=d.title,
            status=d.status, source=d.source, due_earliest_safe=d.due_earliest_safe_date,
            due_latest_arguable=d.due_latest_arguable_date, due_at=d.due_at,
            due_at_local=d.due_at.astimezone(rc.zone(d.court_timezone)).isoformat(),
            due_latest_arguable_at=d.due_latest_arguable_at, court_timezone=d.court_timezone,
            court_state=d.court_state, jurisdictional=d.jurisdictional, extendable=d.extendable,
            obligated_party=d.obligated_party, regime=d.regime, owner_id=d.owner_id, met_at=d.met_at,
            confirmed=d.confirmed_at is not None, confirmed_by=d.confirmed_by, confirmed_at=d.confirmed_at,
            proposed=d.proposed, supersedes_id=d.supersedes_id, superseded_by_id=d.superseded_by_id,
            trigger_event_id=d.trigger_event_id, trigger_kind=d.trigger_kind, trigger_date=d.trigger_date,
            trigger_at=d.trigger_at, service_method=d.service_method, period_override=d.period_override,
            version=d.version, created_at=d.created_at, updated_at=d.updated_at,
        )


class DeadlinePublic(DeadlineListItem):
    notes: str | None
    trace: list[dict[str, Any]]
    computation_notes: list[str]

    @classmethod
    def of(cls, d: Deadline) -> DeadlinePublic:
        return DeadlinePublic(**DeadlineListItem.of(d).model_dump(), notes=d.notes, trace=list(d.trace or []),
                              computation_notes=list(d.computation_notes or []))


class DeadlinePage(BaseModel):
    items: list[DeadlineListItem]
    total: int
    limit: int
    offset: int
    total_capped: bool = False  # True: more than `total` rows match (exact counts stop at 10,000)


# --- trigger events --------------------------------------------------------------------------------------------


class TriggerEventCreate(_In):
    kind: TriggerKind
    occurred_on: date | None = None
    occurred_at: AwareDatetime | None = None
    service_method: ServiceMethod = ServiceMethod.ELECTRONIC
    proceeding_id: uuid.UUID | None = None
    court_state: StateCode | None = None
    court_timezone: TimeZoneName | None = None
    owner_id: uuid.UUID | None = None


class TriggerEventUpdate(_In):
    """Changing the date, instant, service method or court recomputes the dependent deadlines."""

    occurred_on: date | None = None
    occurred_at: AwareDatetime | None = None
    service_method: ServiceMethod | None = None
    court_state: StateCode | None = None
    court_timezone: TimeZoneName | None = None
    owner_id: uuid.UUID | None = None


class TriggerEventPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    kind: str
    occurred_on: date
    occurred_at: datetime | None
    service_method: str
    court_state: str | None
    court_timezone: str
    owner_id: uuid.UUID | None
    version: int
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, te: TriggerEvent) -> TriggerEventPublic:
        return TriggerEventPublic(
            id=te.id, client_id=te.client_id, proceeding_id=te.proceeding_id, kind=te.kind,
            occurred_on=te.occurred_date, occurred_at=te.occurred_at, service_method=te.service_method,
            court_state=te.court_state, court_timezone=te.court_timezone, owner_id=te.owner_id, version=te.version,
            created_by=te.created_by, created_at=te.created_at, updated_at=te.updated_at,
        )


class RecomputeSummary(BaseModel):
    recomputed: list[uuid.UUID] = Field(default_factory=list)  # changed in place (not confirmed)
    proposed: list[uuid.UUID] = Field(default_factory=list)  # new or updated proposed versions of confirmed ones
    withdrawn: list[uuid.UUID] = Field(default_factory=list)  # proposals made moot (dates back to confirmed)
    untouched: list[uuid.UUID] = Field(default_factory=list)  # met / moot / extended, or confirmed and unchanged


class TriggerEventDetail(TriggerEventPublic):
    deadlines: list[DeadlinePublic]
    recompute: RecomputeSummary | None = None
