"""Protection orders and court orders. (Interface stub; the protection-orders issue implements it.)"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session


def active_protections_for_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """Active protection orders of a client as JSON-ready summaries."""
    return []


def client_ids_with_active_protection(session: Session, org_id: uuid.UUID) -> Any:
    """A SELECT of client ids having an active protection order (for the ``has_active_protection`` filter),
    or None while protection orders do not exist yet."""
    return None
