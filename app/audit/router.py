"""Audit trail reads (admin): list with filters, and chain verification."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict

from app.auth.deps import ReadAudit
from app.core import audit
from app.core.audit import verify_chain
from app.core.pagination import Limit, Offset, Page, QueryInstant
from app.core.routing import api_router

router = api_router(prefix="/audit-events", tags=["audit"])


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    seq: int
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: str | None
    request_id: str | None
    ip: str | None
    detail: dict[str, Any]
    hash: str
    prev_hash: str


class AuditVerifyResult(BaseModel):
    ok: bool
    events: int
    first_broken_seq: int | None
    reason: str | None


@router.get("", response_model=Page[AuditEventPublic])
def list_audit_events(
    ctx: ReadAudit,
    limit: Limit = 50,
    offset: Offset = 0,
    action: Annotated[str | None, Query(max_length=80)] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_user_id: uuid.UUID | None = None,
    since: QueryInstant | None = None,
    until: QueryInstant | None = None,
) -> Page[AuditEventPublic]:
    """The organization's audit trail, newest first."""
    filters = audit.EventFilters(action=action, entity_type=entity_type, entity_id=entity_id,
                                 actor_user_id=actor_user_id, since=since, until=until)
    rows, total = audit.list_events(ctx.session, ctx.org_id, filters, limit=limit, offset=offset)
    return Page(items=[AuditEventPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/verify", response_model=AuditVerifyResult)
def verify(ctx: ReadAudit) -> AuditVerifyResult:
    """Recompute the organization's hash chain and report the first broken link."""
    return AuditVerifyResult(**verify_chain(ctx.session, ctx.org_id))
