"""The request's clock: one dependency every route that needs "now" takes (``now: Now``).

Async on purpose (no thread-pool hop). Tests pin time by overriding ``current_time`` in
``app.dependency_overrides``; sweeps and commands take ``--now`` instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from app.core.types import utcnow


async def current_time() -> datetime:
    """The request's notion of "now" (timezone-aware UTC)."""
    return utcnow()


Now = Annotated[datetime, Depends(current_time)]
