"""Deadlines. (Interface stub; the deadline-engine issue implements it.)"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session


def next_deadlines_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                              limit: int = 5) -> list[dict[str, Any]]:
    """The client's next open deadlines as JSON-ready summaries, soonest first."""
    return []
