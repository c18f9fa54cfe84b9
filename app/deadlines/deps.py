"""Request helpers of the deadline routes: the overridable clock."""

from __future__ import annotations

from datetime import datetime

from app.core.types import utcnow


async def current_time() -> datetime:
    """The request's notion of "now" (async: no thread-pool hop). Tests override it to control the clock."""
    return utcnow()
