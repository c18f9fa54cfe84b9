"""``GET /metrics``: Prometheus text format, for a scraper holding ``METRICS_TOKEN`` (docs/operations.md).

Not public, and not for users either: the figures (request rates per route, alert counts, queue depths) tell an
outsider how busy a legal team is and when. A scraper is a machine without an organization or a role, so it
presents a bearer token of its own, ``METRICS_TOKEN`` (compared in constant time), the way Prometheus'
``authorization`` scrape setting sends one; a user's access token, an admin's included, does not open it. Without
``METRICS_TOKEN`` the route answers 404 ``metrics_disabled``.

What each figure means: app/core/metrics.py. This module adds the ones that need the application: the render
pool and admission line of this worker, the database connection pool, and the alerts raised (counted from the
``alert`` table, so every instance and every sweep process is included).
"""

from __future__ import annotations

import hmac
import os

import sqlalchemy as sa
from fastapi import Request, Response

from app.core import metrics
from app.core.errors import ProblemError, unauthorized
from app.core.routing import api_router
from app.core.types import table_of
from app.protection.models import Alert

router = api_router(tags=["operations"])


def _authorize(request: Request) -> None:
    expected: str = request.app.state.settings.metrics_token
    if not expected:
        raise ProblemError(404, "metrics_disabled", "Metrics are not enabled on this server (METRICS_TOKEN).")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise unauthorized("invalid_token", "A valid metrics token is required.")


def _app_sources(request: Request) -> list[metrics.GaugeSource]:
    state = request.app.state
    pid = (str(os.getpid()),)
    out: list[metrics.GaugeSource] = []
    gate = getattr(state, "filing_render_gate", None)
    if gate is not None:
        out += [
            metrics.GaugeSource("dueprocess_render_pool_busy", "PDF render slots in use (this worker)", ("pid",),
                                lambda: {pid: gate.in_use}),
            metrics.GaugeSource("dueprocess_render_pool_queued", "Renders waiting for a slot (this worker)",
                                ("pid",), lambda: {pid: gate.waiting}),
            metrics.GaugeSource("dueprocess_render_pool_slots", "PDF render slots (this worker)", ("pid",),
                                lambda: {pid: gate.capacity}),
        ]
    admission = getattr(state, "admission", None)
    if admission is not None:
        out.append(metrics.GaugeSource("dueprocess_admission_requests", "Authenticated requests being served "
                                       "or waiting in the admission line (this worker)", ("pid", "state"),
                                       lambda: {(pid[0], "active"): admission.active,
                                                (pid[0], "waiting"): admission.waiting}))
    engine = state.db.write_engine
    pool = engine.pool
    if hasattr(pool, "checkedout"):
        out.append(metrics.GaugeSource("dueprocess_db_pool_connections", "Database connections of this worker's "
                                       "pool, by state", ("pid", "state"),
                                       lambda: {(pid[0], "in_use"): pool.checkedout(),
                                                (pid[0], "idle"): pool.checkedin()}))

    def alerts() -> dict[tuple[str, ...], float]:
        table = table_of(Alert)
        with engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.kind, sa.func.count()).group_by(table.c.kind)).all()
        return {(str(kind),): float(n) for kind, n in rows}

    out.append(metrics.GaugeSource("dueprocess_alerts_raised_total", "Alerts raised, by kind (all instances)",
                                   ("kind",), alerts, counter=True))
    return out


@router.get("/metrics", include_in_schema=False)
def get_metrics(request: Request) -> Response:
    """The Prometheus exposition text (needs ``Authorization: Bearer <METRICS_TOKEN>``)."""
    _authorize(request)
    return Response(metrics.render(_app_sources(request)), media_type=metrics.CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})
