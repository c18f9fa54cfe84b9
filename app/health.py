"""Liveness and readiness (root paths, public)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.errors import problem_response
from app.core.routing import api_router

router = api_router(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (no database call)."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """The database answers and its schema is at the migration head."""
    db = request.app.state.db
    heads: set[str] = request.app.state.migration_heads
    try:
        with db.engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return problem_response(request, 503, "database_unavailable", "The database is not reachable.",
                                headers={"Retry-After": "5"})
    if current != heads:
        return problem_response(request, 503, "migrations_pending", "The database schema is not at the head revision.")
    return JSONResponse({"status": "ready", "database": db.dialect})
