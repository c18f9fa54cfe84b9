"""Append-only, hash-chained audit trail (docs/design.md#audit-chain).

Each organization has its own chain: ``hash = sha256(prev_hash || canonical_json(event))``. Appends are
serialized per organization through a row lock on ``audit_chain_head`` (PostgreSQL) or the database write
lock (SQLite), in the same transaction as the change they describe, so a failed audit insert rolls the
change back. UPDATE and DELETE on ``audit_event`` are refused by database triggers (see the migration).
Details never hold personal values: ids, field names and codes only. Against someone who can rewrite the
database (and so recompute the chain), chain heads are signed outside it: app/core/audit_checkpoints.py.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, col, select

from app.core.types import UTCDateTime, json_col, table_of, utcnow

GENESIS_HASH = "0" * 64


class AuditChainHead(SQLModel, table=True):
    __tablename__ = "audit_chain_head"

    organization_id: uuid.UUID = Field(foreign_key="organization.id", primary_key=True)
    seq: int = Field(default=0, nullable=False)
    last_hash: str = Field(default=GENESIS_HASH, max_length=64, nullable=False)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.UniqueConstraint("organization_id", "seq"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, nullable=False)
    seq: int = Field(nullable=False)
    occurred_at: datetime = Field(sa_type=UTCDateTime(), nullable=False, index=True)
    actor_user_id: uuid.UUID | None = Field(default=None, index=True)
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=80, index=True)
    entity_type: str = Field(max_length=60, index=True)
    entity_id: str | None = Field(default=None, max_length=64, index=True)
    request_id: str | None = Field(default=None, max_length=64)
    ip: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_col())
    prev_hash: str = Field(max_length=64, nullable=False)
    hash: str = Field(max_length=64, nullable=False)


class AuditActor(Protocol):
    @property
    def org_id(self) -> uuid.UUID: ...
    @property
    def user_id(self) -> uuid.UUID | None: ...
    @property
    def role(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def ip(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    """The one concrete audit actor for work that no signed-in request does: sweeps, alerts found while
    reading, CSV imports from the command line, batch workers. ``role`` is ``None`` for the system and
    ``"operator"`` for a command run by someone at the server. A request's ``Caller`` satisfies ``AuditActor``
    itself, so routes pass it straight through."""

    org_id: uuid.UUID
    user_id: uuid.UUID | None = None
    role: str | None = None
    request_id: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class EventFilters:
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    actor_user_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(session: Session, org_id: uuid.UUID, f: EventFilters, *, limit: int,
                offset: int) -> tuple[list[AuditEvent], int]:
    """The organization's audit events matching ``f``, newest first, and their total."""
    conds: list[Any] = [AuditEvent.organization_id == org_id]
    for column, value in ((AuditEvent.action, f.action), (AuditEvent.entity_type, f.entity_type),
                          (AuditEvent.entity_id, f.entity_id), (AuditEvent.actor_user_id, f.actor_user_id)):
        if value:
            conds.append(column == value)
    if f.since:
        conds.append(AuditEvent.occurred_at >= f.since)
    if f.until:
        conds.append(AuditEvent.occurred_at < f.until)
    total = int(session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(*conds)).scalar_one())
    rows = list(session.exec(select(AuditEvent).where(*conds).order_by(col(AuditEvent.seq).desc())
                             .limit(limit).offset(offset)).all())
    return rows, total


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_payload(ev: AuditEvent) -> dict[str, Any]:
    return {
        "organization_id": str(ev.organization_id),
        "seq": ev.seq,
        "occurred_at": ev.occurred_at.isoformat(timespec="microseconds"),
        "actor_user_id": str(ev.actor_user_id) if ev.actor_user_id else None,
        "actor_role": ev.actor_role,
        "action": ev.action,
        "entity_type": ev.entity_type,
        "entity_id": ev.entity_id,
        "request_id": ev.request_id,
        "ip": ev.ip,
        "detail": ev.detail or {},
    }


def compute_hash(prev_hash: str, ev: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_json(event_payload(ev))).encode("utf-8")).hexdigest()


def ensure_chain(session: Session, org_id: uuid.UUID) -> None:
    """Create the chain head for a new organization (same transaction as the organization)."""
    session.add(AuditChainHead(organization_id=org_id))
    session.flush()


PENDING_KEY = "dp_audit_pending"


def record_raw(
    session: Session,
    *,
    org_id: uuid.UUID,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None = None,
    actor_user_id: uuid.UUID | None = None,
    actor_role: str | None = None,
    request_id: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Queue one event for the organization's chain; it is chained and inserted when the session commits.

    Chaining at commit time keeps the per-organization lock on ``audit_chain_head`` for the last moment of the
    transaction only (instead of from the first audited change to the commit), so concurrent writers in one
    organization queue for microseconds, not for their whole use case. Same transaction, so a failed audit
    insert still rolls the change back.
    """
    ev = AuditEvent(
        organization_id=org_id,
        seq=0,
        occurred_at=utcnow(),
        actor_user_id=actor_user_id,
        actor_role=actor_role,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        request_id=request_id,
        ip=ip,
        detail=detail or {},
        prev_hash="",
        hash="",
    )
    session.info.setdefault(PENDING_KEY, []).append(ev)
    return ev


def flush_pending(session: Session) -> None:
    """Chain and insert the queued events (called right before COMMIT)."""
    pending: list[AuditEvent] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    head_table = table_of(AuditChainHead)
    by_org: dict[uuid.UUID, list[AuditEvent]] = {}
    for ev in pending:
        by_org.setdefault(ev.organization_id, []).append(ev)
    for org_id in sorted(by_org, key=str):  # a fixed order: two multi-organization commits cannot deadlock
        events = by_org[org_id]
        # The UPDATE takes the row lock, so concurrent appends queue here instead of forking the chain.
        row = session.execute(
            sa.update(head_table)
            .where(head_table.c.organization_id == org_id)
            .values(seq=head_table.c.seq + len(events))
            .returning(head_table.c.seq, head_table.c.last_hash)
        ).one()
        seq, prev_hash = int(row[0]) - len(events), str(row[1])
        for ev in events:
            seq += 1
            ev.seq = seq
            ev.prev_hash = prev_hash
            ev.hash = compute_hash(prev_hash, ev)
            prev_hash = ev.hash
            session.add(ev)
        session.execute(
            sa.update(head_table).where(head_table.c.organization_id == org_id).values(last_hash=prev_hash)
        )
    session.flush()


@sa.event.listens_for(Session, "before_commit")
def _chain_before_commit(session: Session) -> None:
    # SQLAlchemy fires before_commit for a SAVEPOINT's release too. Chaining there would take the chain-head
    # lock early (at the first savepoint) and once per savepoint; the queue is chained at the real COMMIT.
    # Events must therefore be recorded outside a savepoint that may roll back (alerts.raise_alerts does so).
    if session.in_nested_transaction():
        return
    flush_pending(session)


@sa.event.listens_for(Session, "after_rollback")
def _drop_pending_on_rollback(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def record(
    session: Session,
    ctx: AuditActor,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit an action by the authenticated caller. Does not commit."""
    return record_raw(
        session,
        org_id=ctx.org_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        actor_user_id=ctx.user_id,
        actor_role=ctx.role,
        request_id=ctx.request_id,
        ip=ctx.ip,
        detail=detail,
    )


def verify_chain(session: Session, org_id: uuid.UUID) -> dict[str, Any]:
    """Recompute the chain; report the first broken link (seq) if any."""
    prev = GENESIS_HASH
    count = 0
    expected_seq = 1
    stmt = select(AuditEvent).where(col(AuditEvent.organization_id) == org_id).order_by(col(AuditEvent.seq))
    for ev in session.exec(stmt).yield_per(1000):
        count += 1
        if ev.seq != expected_seq:
            return {"ok": False, "events": count, "first_broken_seq": expected_seq, "reason": "missing_event"}
        if ev.prev_hash != prev or compute_hash(prev, ev) != ev.hash:
            return {"ok": False, "events": count, "first_broken_seq": ev.seq, "reason": "hash_mismatch"}
        prev = ev.hash
        expected_seq += 1
    head = session.get(AuditChainHead, org_id)
    if head is not None and (head.seq != count or head.last_hash != prev):
        return {"ok": False, "events": count, "first_broken_seq": count + 1, "reason": "truncated"}
    return {"ok": True, "events": count, "first_broken_seq": None, "reason": None}
