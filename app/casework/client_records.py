"""Client records as staff read them: the list and the detail, each with the client's current custody, and
the soft delete that takes a client out of both the name index and the custody projection.

The list joins the clients domain with the custody projection (``custody_current``) and, for the
``has_active_protection`` filter, with the protection domain, so it lives on the casework floor.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app.clients import name_index
from app.clients import service as clients_service
from app.clients.anumber import display_a_number, looks_like_a_number
from app.clients.models import Client, ClientGroupMember, a_number_bidx, decrypt_a_number
from app.clients.schemas import ClientDetail, ClientListItem, CustodySummary
from app.core.audit import AuditActor
from app.core.types import table_of
from app.custody import service as custody_service
from app.custody.models import CustodyCurrent
from app.protection import service as protection_service


def to_detail(session: Session, client: Client) -> ClientDetail:
    """Full record for staff: privileged notes, groups, current custody summary."""
    custody = custody_summaries(session, client.organization_id, [client.id]).get(client.id)
    return ClientDetail(**clients_service.base_fields(client, client.a_number), custody=custody,
                        privileged_notes=client.privileged_notes,
                        group_ids=clients_service.group_ids_of(session, client.organization_id, client.id))


def delete_client(ctx: AuditActor, session: Session, client: Client, expected_version: int) -> None:
    """Soft delete (``deleted_at``): the record and its history stay for the audit trail; the client leaves the
    name index and the custody projection (both cover live clients only). One commit."""
    clients_service.delete_client(ctx, session, client, expected_version)
    custody_service.drop_projection(session, client.id)
    session.commit()


@dataclass(frozen=True)
class ClientFilters:
    q: str | None = None
    status: str | None = None
    facility_id: uuid.UUID | None = None
    country: str | None = None
    group: uuid.UUID | None = None
    has_active_protection: bool | None = None


def _name_words(q: str | None) -> list[str]:
    """The words of a name search (empty when ``q`` is blank or an A-number)."""
    if q is None or not q.strip() or looks_like_a_number(q) is not None:
        return []
    return name_index.query_words(q)


def _conditions(session: Session, org_id: uuid.UUID, f: ClientFilters) -> tuple[list[Any], list[Any]]:
    """(WHERE conditions on ``client``, conditions on the custody projection — empty if not filtered).

    A name search is not among them: it is the word index (``list_clients``). An A-number in any accepted
    format matches that A-number (a blind-index lookup)."""
    conds: list[Any] = []
    custody: list[Any] = []
    if f.status is not None or f.facility_id is not None:
        custody.append(CustodyCurrent.organization_id == org_id)
        if f.status is not None:
            custody.append(CustodyCurrent.status == f.status)
        if f.facility_id is not None:
            custody.append(CustodyCurrent.facility_id == f.facility_id)
    a_number = looks_like_a_number(f.q) if f.q is not None and f.q.strip() else None
    if a_number is not None:
        conds.append(Client.a_number_bidx == a_number_bidx(org_id, a_number))
    if f.country is not None:
        # citizenships is a JSON list of validated upper-case codes: '["SV", "GT"]' on both backends.
        conds.append(sa.or_(
            col(Client.country_of_birth) == f.country,
            sa.cast(Client.citizenships, sa.String).like(f'%"{f.country}"%'),
        ))
    if f.group is not None:
        conds.append(sa.exists().where(
            col(ClientGroupMember.group_id) == f.group,
            col(ClientGroupMember.client_id) == Client.id,
            col(ClientGroupMember.organization_id) == org_id,
        ))
    if f.has_active_protection is not None:
        ids = protection_service.client_ids_with_active_protection(session, org_id)
        if ids is not None:
            inside = col(Client.id).in_(ids)
            conds.append(inside if f.has_active_protection else sa.not_(inside))
    return conds, custody


def _count_and_page(session: Session, matches: Any, limit: int, offset: int, *,
                    together: bool = False) -> tuple[list[uuid.UUID], int]:
    """(client ids of the page, total) of a subquery of matches ``(client_id, client_created_at)``.

    ``together``: one statement (the total as a window count next to each row of the page), for match sets that
    are costly to compute twice (an INTERSECT, joins) and small; otherwise a count, then the page."""
    page = sa.select(matches.c.client_id).order_by(matches.c.client_created_at, matches.c.client_id)
    count = sa.select(sa.func.count()).select_from(matches)
    if together:
        rows = session.execute(page.add_columns(sa.func.count().over()).limit(limit).offset(offset)).all()
        if rows:
            return [r[0] for r in rows], int(rows[0][1])
        return [], 0 if offset == 0 else int(session.execute(count).scalar_one())
    return _count_then_page(session, count, page.limit(_LIMIT).offset(_OFFSET), {}, limit, offset)


_LIMIT, _OFFSET = sa.bindparam("limit", type_=sa.Integer), sa.bindparam("offset", type_=sa.Integer)


def _count_then_page(session: Session, count: Any, page: Any, params: dict[str, Any], limit: int,
                     offset: int) -> tuple[list[uuid.UUID], int]:
    """(ids of the page, total): the count first, and the page (``page`` takes ``:limit``/``:offset``) only when
    the offset is inside the total."""
    total = int(session.execute(count, params).scalar_one())
    if total <= offset:
        return [], total
    return list(session.execute(page, {**params, "limit": limit, "offset": offset}).scalars()), total


def list_clients(session: Session, org_id: uuid.UUID, f: ClientFilters, limit: int,
                 offset: int) -> tuple[list[ClientListItem], int]:
    """A page of clients (list items with their current custody) in a stable order (created_at, id) and the total
    matching.

    First the ids of the page and the total, by one of three plans with the same answer: (1) a name search
    counts and pages the matching (created_at, id) pairs on the word index (``client_name_token``; joined to
    ``client``/the projection only when other filters are set); (2) status/facility filters alone are counted
    and paged on the custody projection's ordered indexes (it holds live clients only); (3) anything else is
    counted and paged on ``client``. Then the page is read in one query (``list_items``)."""
    extra, custody = _conditions(session, org_id, f)
    conds = [Client.organization_id == org_id, col(Client.deleted_at).is_(None), *extra, *custody]
    words = _name_words(f.q)
    if words:
        spans = name_index.word_spans(session, org_id, words)
        if any(lo is None for lo, _ in spans.values()):
            return [], 0  # a word that begins no indexed name: nothing can match
        sole = name_index.sole_words(spans)  # equality ranges, already in list order
        m = name_index.match_query(org_id, words, sole).subquery()
        matches = sa.select(m.c.client_id, m.c.client_created_at)
        if extra or custody:  # the other filters are checked on each match
            matches = matches.join(Client, col(Client.id) == m.c.client_id)
            if custody:
                matches = matches.join(CustodyCurrent, col(CustodyCurrent.client_id) == m.c.client_id)
            matches = matches.where(*conds)
        # One statement for an INTERSECT or joins (costly twice, small results) and on PostgreSQL (cheaper there
        # even for one word); SQLite counts a single word's thousands of matches faster without the window.
        # A sole word's range alone is counted straight off the index and paged in index order: never together.
        together = len(words) > 1 or bool(extra or custody) or (
            not sole and session.get_bind().dialect.name == "postgresql")
    elif custody and not extra:
        matches = sa.select(col(CustodyCurrent.client_id), col(CustodyCurrent.client_created_at)).where(*custody)
        together = False
    elif not extra and not custody:
        count, page = _all_live_statements()
        page_ids, total = _count_then_page(session, count, page, {"org_id": org_id}, limit, offset)
        return list_items(session, org_id, page_ids), total
    else:
        matches = sa.select(col(Client.id).label("client_id"), col(Client.created_at).label("client_created_at"))
        if custody:
            matches = matches.join(CustodyCurrent, col(CustodyCurrent.client_id) == Client.id)
        matches = matches.where(*conds)
        together = False
    page_ids, total = _count_and_page(session, matches.subquery(), limit, offset, together=together)
    return list_items(session, org_id, page_ids), total


# Statements of the unfiltered list and of a page read, built once with bound parameters (org_id, ids, limit,
# offset). Why: a statement is a graph of objects that point at each other (a subquery's columns at the
# subquery), so each one built per request became cyclic garbage, with the page's ids attached. Under load
# (bench/load.py) that was nearly all the API's cyclic garbage, and the collections it set off stopped a worker
# for 30-60 ms about once a second. Filtered lists still build theirs (their shape varies).

@functools.cache
def _all_live_statements() -> tuple[Any, Any]:
    """(count, page of ids) of the organization's live clients, in list order (created_at, id)."""
    c = table_of(Client).c
    live = (c.organization_id == sa.bindparam("org_id"), c.deleted_at.is_(None))
    count = sa.select(sa.func.count()).select_from(table_of(Client)).where(*live)
    page = sa.select(c.id).where(*live).order_by(c.created_at, c.id).limit(_LIMIT).offset(_OFFSET)
    return count, page


_LIST_COLUMNS = tuple(c for c in table_of(Client).c
                      if c.name not in {"privileged_notes_ct", "search_name", "a_number_bidx", "created_by",
                                        "organization_id", "deleted_at"})
_LIST_JSON = ("aliases", "citizenships", "languages", "sensitive_flags")
_LIST_CUSTODY = ("custody_status", "custody_effective_at", "custody_facility_id", "custody_federal_district",
                 "custody_country")


@functools.cache
def _list_items_statement() -> Any:
    """The page read of ``list_items``, built once (see ``_all_live_statements``): the ids are one expanding
    parameter, not 50 values bound into a new statement."""
    ct, cc = table_of(Client), table_of(CustodyCurrent)
    return (sa.select(*_LIST_COLUMNS, cc.c.status.label("custody_status"),
                      cc.c.effective_at.label("custody_effective_at"), cc.c.facility_id.label("custody_facility_id"),
                      cc.c.federal_district.label("custody_federal_district"), cc.c.country.label("custody_country"))
            .select_from(ct.outerjoin(cc, cc.c.client_id == ct.c.id))
            .where(ct.c.organization_id == sa.bindparam("org_id"), ct.c.deleted_at.is_(None),
                   ct.c.id.in_(sa.bindparam("ids", expanding=True))))


def list_items(session: Session, org_id: uuid.UUID, client_ids: list[uuid.UUID]) -> list[ClientListItem]:
    """List items of the organization's live clients ``client_ids`` (in that order), with their current custody:
    one query, plain rows (no ORM objects), each A-number decrypted once.

    This is most of the work of ``GET /clients`` (a page is 50 of these), so each row becomes a dict by its
    column names in one step and is completed in place; ``_base_fields`` gives the same fields for an ORM
    ``Client`` (a test compares the two)."""
    if not client_ids:
        return []
    result = session.execute(_list_items_statement(), {"org_id": org_id, "ids": client_ids})
    keys = tuple(result.keys())
    items: dict[uuid.UUID, ClientListItem] = {}
    for values in result.all():  # one fetch of the page, not one per row
        d = dict(zip(keys, values, strict=True))
        status, effective_at, facility_id, district, country = (d.pop(k) for k in _LIST_CUSTODY)
        custody = CustodySummary(status=status, effective_at=effective_at, facility_id=facility_id,
                                 federal_district=district, country=country) if status is not None else None
        a_number = decrypt_a_number(org_id, d["id"], d.pop("a_number_ct"))
        d["a_number"] = a_number
        d["a_number_display"] = display_a_number(a_number) if a_number else None
        d["display_name"] = clients_service.join_names(d["given_names"], d["first_surname"], d["second_surname"])
        for k in _LIST_JSON:
            if d[k] is None:
                d[k] = []
        items[d["id"]] = ClientListItem(**d, custody=custody)
    return [items[i] for i in client_ids if i in items]


def custody_summaries(session: Session, org_id: uuid.UUID,
                      client_ids: list[uuid.UUID]) -> dict[uuid.UUID, CustodySummary]:
    """Current custody status (from the projection) of a page of clients, one query."""
    if not client_ids:
        return {}
    cc = table_of(CustodyCurrent).c
    rows = session.execute(sa.select(cc.client_id, cc.status, cc.effective_at, cc.facility_id, cc.federal_district,
                                     cc.country).where(cc.organization_id == org_id, cc.client_id.in_(client_ids)))
    return {r.client_id: CustodySummary(status=r.status, effective_at=r.effective_at, facility_id=r.facility_id,
                                        federal_district=r.federal_district, country=r.country) for r in rows}
