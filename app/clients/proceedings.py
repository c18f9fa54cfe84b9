"""Proceedings (a case in one forum, docs/domain/clients.md#matters-and-proceedings): create, list, update with
optimistic locking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.clients.models import Client, Proceeding
from app.clients.proceeding_schemas import ProceedingCreate, ProceedingUpdate
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import ProblemError
from app.core.types import utcnow


def _data(body: ProceedingCreate | ProceedingUpdate, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in fields:
        value = getattr(body, key)
        if key == "respondents" and value is not None:
            value = [r.model_dump() for r in value]
        elif hasattr(value, "value"):  # StrEnum -> stored VARCHAR
            value = value.value
        elif isinstance(value, datetime):
            value = value.astimezone(UTC)
        data[key] = value
    return data


def create_proceeding(ctx: AuditActor, session: Session, client: Client, body: ProceedingCreate) -> Proceeding:
    """Open a proceeding for the client; audited; one commit."""
    data = _data(body, set(ProceedingCreate.model_fields))
    proc = Proceeding(organization_id=ctx.org_id, client_id=client.id, **data)
    session.add(proc)
    session.flush()
    audit.record(session, ctx, "proceeding.create", "proceeding", proc.id,
                 {"client_id": str(client.id), "fields": sorted(body.model_fields_set)})
    session.commit()
    return proc


def list_proceedings(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, limit: int,
                     offset: int) -> tuple[list[Proceeding], int]:
    conds: list[Any] = [Proceeding.organization_id == org_id, Proceeding.client_id == client_id]
    total = int(session.execute(sa.select(sa.func.count()).select_from(Proceeding).where(*conds)).scalar_one())
    rows = session.exec(select(Proceeding).where(*conds)
                        .order_by(col(Proceeding.created_at), col(Proceeding.id))
                        .limit(limit).offset(offset)).all()
    return list(rows), total


def update_proceeding(ctx: AuditActor, session: Session, proc: Proceeding, body: ProceedingUpdate,
                      expected_version: int) -> Proceeding:
    """Apply the fields sent (If-Match version checked atomically); audited with field names only."""
    fields = set(body.model_fields_set)
    data = _data(body, fields)
    opened = data.get("opened_date", proc.opened_date)
    closed = data.get("closed_date", proc.closed_date)
    if opened and closed and closed < opened:
        raise ProblemError(422, "invalid_dates", "closed_date is before opened_date.")
    claim_version(session, proc, expected_version)
    for key, value in data.items():
        setattr(proc, key, value)
    proc.updated_at = utcnow()
    session.add(proc)
    session.flush()
    audit.record(session, ctx, "proceeding.update", "proceeding", proc.id,
                 {"client_id": str(proc.client_id), "fields": sorted(fields)})
    session.commit()
    return proc
