"""``GET /jobs/stats`` (admins): the job engine at a glance."""

from __future__ import annotations

from fastapi import Request

from app.auth.deps import ReadJobStats
from app.core.routing import api_router
from app.jobs import local, stats

router = api_router(tags=["jobs"])


@router.get("/jobs/stats", response_model=stats.JobStats)
def job_stats(request: Request, ctx: ReadJobStats) -> stats.JobStats:
    """Queue depth per queue, the oldest waiting job's age, failed runs in the last hour, and the last run of
    each periodic task. The whole installation's engine (counts and task names only)."""
    if request.app.state.jobs_postgres:
        return stats.postgres_stats(ctx.session)
    runner = local.runner_for(request.app.state.db.write_engine)
    return stats.local_stats(runner.snapshot() if runner is not None else None)
