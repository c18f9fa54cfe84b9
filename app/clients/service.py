"""Client use cases. (Core lookups; the clients issue extends this module.)"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from app.clients.models import Client, Proceeding
from app.core.errors import not_found


def scoped(org_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """Every client query starts here: the caller's organization, not deleted."""
    return select(Client).where(Client.organization_id == org_id, Client.deleted_at.is_(None))  # type: ignore[union-attr]


def get_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> Client:
    """The organization's client, or 404 ``client_not_found`` (another organization's looks missing)."""
    client = session.get(Client, client_id)
    if client is None or client.organization_id != org_id or client.deleted_at is not None:
        raise not_found("client_not_found", "No such client.")
    return client


def get_proceeding(session: Session, org_id: uuid.UUID, proceeding_id: uuid.UUID) -> Proceeding:
    proc = session.get(Proceeding, proceeding_id)
    if proc is None or proc.organization_id != org_id:
        raise not_found("proceeding_not_found", "No such proceeding.")
    client = session.get(Client, proc.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("proceeding_not_found", "No such proceeding.")
    return proc


def display_name(client: Client) -> str:
    parts = [client.given_names, client.first_surname, client.second_surname or ""]
    return " ".join(p for p in parts if p).strip()
