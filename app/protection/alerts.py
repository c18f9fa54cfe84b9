"""Removal-risk alerts. (Interface stub; the protection-orders issue implements it.)

Callers in other domains use exactly these functions; they run inside the caller's transaction
and never commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session


def evaluate_custody_event(session: Session, ctx: Any, client: Any, event: Any) -> list[Any]:
    """Evaluate a just-recorded custody event against the client's orders; return the alerts raised."""
    return []


def open_alerts_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """Open (unacknowledged) alerts of a client as JSON-ready summaries, most severe first."""
    return []
