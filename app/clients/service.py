"""Client use cases: lookups (cross-domain contract), create/update/soft-delete, search and filters.

Proceedings and groups live in ``app.clients.proceedings`` / ``app.clients.groups``; the CSV intake in
``app.clients.importer``. Every query starts from the caller's organization; another organization's
client is indistinguishable from a missing one (404 ``client_not_found``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.clients import name_index
from app.clients.anumber import InvalidANumber, display_a_number, normalize_a_number
from app.clients.models import Client, ClientGroupMember, Proceeding, a_number_bidx, decrypt_a_number
from app.clients.schemas import ClientCreate, ClientUpdate
from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import claim_version
from app.core.errors import ProblemError, conflict, not_found
from app.core.types import table_of, utcnow
from app.core_data.names import fold_for_search

SEARCH_NAME_MAX = 2000


def scoped(org_id: uuid.UUID) -> SelectOfScalar[Client]:
    """Every client query starts here: the caller's organization, not deleted."""
    return select(Client).where(Client.organization_id == org_id, col(Client.deleted_at).is_(None))


def get_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> Client:
    """The organization's client, or 404 ``client_not_found`` (another organization's looks missing)."""
    client = session.get(Client, client_id)
    if client is None or client.organization_id != org_id or client.deleted_at is not None:
        raise not_found("client_not_found", "No such client.")
    return client


def ensure_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> None:
    """``get_client`` for routes that need only to know the client exists (one indexed read, no ORM object)."""
    found = session.execute(sa.select(col(Client.id)).where(
        col(Client.id) == client_id, col(Client.organization_id) == org_id, col(Client.deleted_at).is_(None))).first()
    if found is None:
        raise not_found("client_not_found", "No such client.")


def lock_client(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> Client:
    """``get_client`` holding the row lock until commit (PostgreSQL; SQLite writers are serialized anyway),
    so that per-client writes such as custody events and their projection are applied one at a time."""
    client = session.get(Client, client_id, with_for_update=True)
    if client is None or client.organization_id != org_id or client.deleted_at is not None:
        raise not_found("client_not_found", "No such client.")
    return client


def get_proceeding(session: Session, org_id: uuid.UUID, proceeding_id: uuid.UUID) -> Proceeding:
    """The organization's proceeding (of a live client), or 404 ``proceeding_not_found``."""
    proc = session.get(Proceeding, proceeding_id)
    if proc is None or proc.organization_id != org_id:
        raise not_found("proceeding_not_found", "No such proceeding.")
    client = session.get(Client, proc.client_id)
    if client is None or client.deleted_at is not None:
        raise not_found("proceeding_not_found", "No such proceeding.")
    return proc


def display_name(client: Client | sa.Row[Any]) -> str:
    """Given names and both surnames, as one line."""
    return join_names(client.given_names, client.first_surname, client.second_surname)


class ClientLabelled(Protocol):
    """A list item that names its client (an alert, a deadline); ``label_items`` fills in the two labels."""

    client_id: uuid.UUID
    client_display_name: str | None
    a_number_display: str | None


@dataclass(frozen=True)
class ClientLabel:
    """How a list names a client to staff: the display name and the A-number as printed (never to a family)."""

    display_name: str
    a_number_display: str | None


def labels(session: Session, org_id: uuid.UUID, client_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ClientLabel]:
    """Labels of the organization's clients ``client_ids`` (deleted ones too: a list of old alerts must still
    say whose they are), one query."""
    ids = list(set(client_ids))
    if not ids:
        return {}
    c = table_of(Client).c
    rows = session.execute(sa.select(c.id, c.given_names, c.first_surname, c.second_surname, c.a_number_ct)
                           .where(c.organization_id == org_id, c.id.in_(ids))).all()
    out: dict[uuid.UUID, ClientLabel] = {}
    for r in rows:
        a_number = decrypt_a_number(org_id, r.id, r.a_number_ct)
        out[r.id] = ClientLabel(join_names(r.given_names, r.first_surname, r.second_surname),
                                display_a_number(a_number) if a_number else None)
    return out


def label_items(session: Session, org_id: uuid.UUID, items: Sequence[ClientLabelled]) -> None:
    """Fill ``client_display_name`` and ``a_number_display`` of list items that carry a ``client_id`` (alerts,
    deadlines), in place, with one query."""
    named = labels(session, org_id, (i.client_id for i in items))
    for item in items:
        label = named.get(item.client_id)
        if label is not None:
            item.client_display_name = label.display_name
            item.a_number_display = label.a_number_display


def join_names(*parts: str | None) -> str:
    return " ".join(p for p in parts if p).strip()


# --- names, A-numbers ----------------------------------------------------------------------------

def search_key(given_names: str, first_surname: str, second_surname: str | None = None,
               name_on_charging_document: str | None = None, aliases: Iterable[dict[str, Any]] = ()) -> str:
    """Folded names + aliases (what ``q`` matches against)."""
    parts = [given_names, first_surname, second_surname, name_on_charging_document]
    parts += [a.get("name") for a in aliases]
    return fold_for_search(" ".join(p for p in parts if p))[:SEARCH_NAME_MAX]


def name_dob_key(given_names: str, first_surname: str, second_surname: str | None) -> str:
    """Folded legal name, for duplicate detection by name + date of birth."""
    return fold_for_search(" ".join(p for p in (given_names, first_surname, second_surname) if p))


def refresh_search_name(client: Client) -> None:
    """Recompute ``search_name``; the caller then flushes and rewrites the word index
    (``name_index.index_client``) in the same transaction."""
    client.search_name = search_key(client.given_names, client.first_surname, client.second_surname,
                                    client.name_on_charging_document, client.aliases or [])


def normalize_a_number_or_422(raw: str) -> tuple[str, bool]:
    """(nine digits, needs_review) or 422 ``invalid_a_number`` with the reason code."""
    try:
        result = normalize_a_number(raw)
    except InvalidANumber as exc:
        raise ProblemError(422, "invalid_a_number", str(exc), extra={
            "reason": exc.reason,
            "errors": [{"loc": ["body", "a_number"], "msg": str(exc), "type": exc.reason}],
        }) from None
    return result.value, result.needs_review


def _a_number_conflict() -> ProblemError:
    return conflict("a_number_conflict", "Another client of this organization has this A-number.")


def _check_a_number_free(session: Session, org_id: uuid.UUID, a_number: str,
                         exclude: uuid.UUID | None = None) -> None:
    stmt = select(Client.id).where(Client.organization_id == org_id,
                                   Client.a_number_bidx == a_number_bidx(org_id, a_number))
    if exclude is not None:
        stmt = stmt.where(Client.id != exclude)
    if session.exec(stmt.limit(1)).first() is not None:
        raise _a_number_conflict()


def _is_a_number_violation(exc: IntegrityError) -> bool:
    text = str(getattr(exc, "orig", exc))
    return "a_number" in text


def _flush_or_conflict(session: Session) -> None:
    """Flush; a concurrent insert of the same A-number surfaces as 409 ``a_number_conflict``."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if _is_a_number_violation(exc):
            raise _a_number_conflict() from None
        raise


def _commit_or_conflict(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if _is_a_number_violation(exc):
            raise _a_number_conflict() from None
        raise


# --- create / update / delete --------------------------------------------------------------------

def _json_lists(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("aliases", "languages"):
        if data.get(key) is not None:
            data[key] = [dict(x) for x in data[key]]
    for key in ("sensitive_flags", "citizenships"):
        if data.get(key) is not None:
            data[key] = [str(x) for x in data[key]]
    return data


def create_client(ctx: AuditActor, session: Session, body: ClientCreate) -> Client:
    """Create a client (A-number normalised and unique in the organization); audited; one commit."""
    data = _json_lists(body.model_dump(mode="json"))
    data["last_arrival_date"] = body.last_arrival_date
    raw = data.pop("a_number")
    a_number, review = (None, False)
    if raw is not None:
        a_number, review = normalize_a_number_or_422(raw)
        _check_a_number_free(session, ctx.org_id, a_number)
    client = Client(organization_id=ctx.org_id, a_number=a_number, a_number_needs_review=review,
                    created_by=ctx.user_id, **data)
    refresh_search_name(client)
    session.add(client)
    _flush_or_conflict(session)
    name_index.index_client(session, client)
    audit.record(session, ctx, "client.create", "client", client.id,
                 {"fields": sorted(body.model_fields_set), "a_number_needs_review": review})
    _commit_or_conflict(session)
    return client


NAME_FIELDS = frozenset({"given_names", "first_surname", "second_surname", "name_on_charging_document", "aliases"})


def update_client(ctx: AuditActor, session: Session, client: Client, body: ClientUpdate,
                  expected_version: int) -> Client:
    """Apply the fields sent (If-Match version checked atomically); audited with field names only."""
    fields = set(body.model_fields_set)
    data = _json_lists(body.model_dump(mode="json", include=fields))
    if "last_arrival_date" in fields:
        data["last_arrival_date"] = body.last_arrival_date
    if "a_number" in data:
        raw = data.pop("a_number")
        if raw is None:
            data["a_number"], data["a_number_needs_review"] = None, False
        else:
            a_number, review = normalize_a_number_or_422(raw)
            data["a_number"], data["a_number_needs_review"] = a_number, review
    claim_version(session, client, expected_version)
    if data.get("a_number") and data["a_number"] != client.a_number:
        _check_a_number_free(session, ctx.org_id, data["a_number"], exclude=client.id)
    for key, value in data.items():
        setattr(client, key, value)
    renamed = bool(fields & NAME_FIELDS)
    if renamed:
        refresh_search_name(client)
    client.updated_at = utcnow()
    session.add(client)
    _flush_or_conflict(session)
    if renamed:
        name_index.index_client(session, client)
    audit.record(session, ctx, "client.update", "client", client.id, {"fields": sorted(fields)})
    _commit_or_conflict(session)
    return client


def delete_client(ctx: AuditActor, session: Session, client: Client, expected_version: int) -> None:
    """Soft delete (``deleted_at``); the record and its history stay for the audit trail. No commit: the
    caller (``app.casework.client_records.delete_client``) also drops the client's custody projection."""
    claim_version(session, client, expected_version)
    client.deleted_at = utcnow()
    client.updated_at = client.deleted_at
    session.add(client)
    # The name index covers live clients only (totals are counted on it alone).
    name_index.unindex_client(session, client.id)
    session.flush()
    audit.record(session, ctx, "client.delete", "client", client.id, {})


def group_ids_of(session: Session, org_id: uuid.UUID, client_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(ClientGroupMember.group_id).where(ClientGroupMember.organization_id == org_id,
                                                    ClientGroupMember.client_id == client_id)
    return sorted(session.exec(stmt).all(), key=str)


def base_fields(client: Client | sa.Row[Any], a_number: str | None) -> dict[str, Any]:
    """The list fields of a ``Client`` or of a row with the same column names (``a_number`` decrypted)."""
    return {
        "id": client.id, "version": client.version, "a_number": a_number,
        "a_number_display": display_a_number(a_number) if a_number else None,
        "a_number_needs_review": client.a_number_needs_review, "a_number_sealed": client.a_number_sealed,
        "display_name": display_name(client), "given_names": client.given_names,
        "first_surname": client.first_surname, "second_surname": client.second_surname,
        "name_on_charging_document": client.name_on_charging_document, "name_latin": client.name_latin,
        "aliases": client.aliases or [],
        "date_of_birth": client.date_of_birth, "sex": client.sex, "country_of_birth": client.country_of_birth,
        "citizenships": client.citizenships or [], "stateless": client.stateless,
        "languages": client.languages or [], "interpreter_needed": client.interpreter_needed,
        "interpreter_language": client.interpreter_language, "last_arrival_date": client.last_arrival_date,
        "last_known_address": client.last_known_address, "sensitive_flags": client.sensitive_flags or [],
        "created_at": client.created_at, "updated_at": client.updated_at,
    }
