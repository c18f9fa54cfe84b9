"""Request helpers of the protection routes: the overridable clock and side effects of reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlmodel import Session

from app.auth.deps import Ctx
from app.core.types import utcnow
from app.protection.alerts import SystemActor


async def current_time() -> datetime:
    """The request's notion of "now" (async: no threadpool hop). Tests override it to control the clock."""
    return utcnow()


def run_side_effects(request: Request, ctx: Ctx, fn: Callable[[Session], Any]) -> None:
    """Time-based side effects of a read (alerts, occurrences) in their own short write transaction.

    A GET's session is a read transaction (on SQLite a WAL snapshot that cannot safely be upgraded to a write
    under concurrency), so the writes go through the write engine and the read snapshot is then renewed.
    """
    with request.app.state.db.session(write=True) as ws:
        fn(ws)
        ws.commit()
    ctx.session.commit()  # ends the read transaction (nothing to flush) so the next query sees the new rows
    ctx.session.expire_all()


def read_actor(ctx: Ctx) -> SystemActor:
    """Alerts found while reading are the system's doing, not the reader's (audit actor)."""
    return SystemActor(ctx.org_id, request_id=ctx.request_id, ip=ctx.ip)
