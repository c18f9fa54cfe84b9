"""CSV intake use case (``POST /clients/import``): validate, dedupe, then write everything in one transaction.

Deduplication never merges and never duplicates: a row whose A-number an existing client already has, or
(when it has a date of birth) whose folded legal name + date of birth match an existing client without a
different A-number, is reported as ``matched`` with the existing client's id. Duplicates inside the file
are row errors. Writes are batched (one flush per table, one commit) and audited once, with counts only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.models import Organization
from app.casework.custody_events import record_initial_events
from app.casework.intake import FileProblem, IntakeRow, Reading, parse_clients_csv
from app.casework.schemas import ImportReport
from app.clients import groups as groups_service
from app.clients import name_index
from app.clients.bulk import bulk_insert
from app.clients.models import (
    Client,
    ClientGroup,
    ClientGroupMember,
    ClientNameToken,
    a_number_bidx,
    encrypt_client_row,
)
from app.clients.service import name_dob_key
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, conflict
from app.core.types import table_of, utcnow
from app.core_data.names import fold_for_search
from app.custody import facilities as facilities_service

CHUNK = 500
MAX_REPORTED_ERRORS = 5000


class FacilityIndex:
    """Resolve the intake's facility columns among the facilities the organization may use."""

    def __init__(self, facilities: list[Any], org_id: uuid.UUID) -> None:
        self.org_id = org_id
        self.by_ext: dict[str, list[Any]] = defaultdict(list)
        self.by_name: dict[str, list[Any]] = defaultdict(list)
        for f in facilities:
            if f.external_id:
                self.by_ext[f.external_id.lower()].append(f)
            for n in {fold_for_search(x) for x in [f.name, *(f.aliases or [])]}:
                self.by_name[n].append(f)

    def _pick(self, candidates: list[Any]) -> tuple[Any | None, str | None]:
        if not candidates:
            return None, "facility_not_found"
        own = [f for f in candidates if f.organization_id == self.org_id]
        if len(own) == 1:
            return own[0], None
        if len(candidates) == 1:
            return candidates[0], None
        return None, "facility_ambiguous"

    def __call__(self, external_id: str | None, name: str | None) -> tuple[Any | None, str | None]:
        if external_id:
            return self._pick(self.by_ext.get(external_id.strip().lower(), []))
        if name:
            return self._pick(self.by_name.get(fold_for_search(name), []))
        return None, None


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _existing_by_a_number(session: Session, org_id: uuid.UUID, numbers: list[str]) -> dict[str, tuple[Any, bool]]:
    """A-number -> (client id, deleted?) for every client of the organization holding one of ``numbers``."""
    out: dict[str, tuple[Any, bool]] = {}
    by_index = {a_number_bidx(org_id, n): n for n in numbers}  # A-numbers are stored encrypted: match blind indexes
    for chunk in _chunks(sorted(by_index)):
        stmt = select(Client.id, Client.a_number_bidx, Client.deleted_at).where(
            Client.organization_id == org_id, col(Client.a_number_bidx).in_(chunk))
        for cid, bidx, deleted_at in session.exec(stmt).all():
            if bidx is not None:
                out[by_index[bidx]] = (cid, deleted_at is not None)
    return out


def _existing_by_name_dob(session: Session, org_id: uuid.UUID,
                          dobs: list[str]) -> dict[tuple[str, str], list[tuple[Any, str | None]]]:
    """(folded legal name, date of birth) -> [(client id, a_number)] among live clients."""
    out: dict[tuple[str, str], list[tuple[Any, str | None]]] = defaultdict(list)
    cols = (Client.id, Client.given_names, Client.first_surname, Client.second_surname, Client.date_of_birth,
            Client.a_number_bidx)  # only whether an A-number exists matters here
    base = select(*cols).where(  # type: ignore[call-overload]
        Client.organization_id == org_id, col(Client.deleted_at).is_(None))
    # Few distinct dates: look them up; many: one pass over the organization's clients is cheaper.
    stmts = ([base.where(col(Client.date_of_birth).in_(c)) for c in _chunks(dobs)] if len(dobs) <= 2 * CHUNK
             else [base.where(col(Client.date_of_birth).is_not(None))])
    wanted = set(dobs)
    for stmt in stmts:
        for cid, given, first, second, dob, a_number in session.exec(stmt.order_by(Client.created_at)).all():
            if dob in wanted:
                out[(name_dob_key(given, first, second), dob)].append((cid, a_number))
    return out


def _dedupe(session: Session, org_id: uuid.UUID, rows: list[IntakeRow]) -> tuple[
        list[IntakeRow], list[tuple[IntakeRow, Any, str]], list[dict[str, Any]]]:
    """Split valid rows into (to create, matched (row, client id, by), duplicate errors)."""
    by_number = _existing_by_a_number(session, org_id, sorted({r.a_number for r in rows if r.a_number}))
    by_name = _existing_by_name_dob(session, org_id,
                                    sorted({r.client["date_of_birth"] for r in rows if r.client["date_of_birth"]}))
    create: list[IntakeRow] = []
    matched: list[tuple[IntakeRow, Any, str]] = []
    errors: list[dict[str, Any]] = []
    seen_numbers: dict[str, int] = {}
    seen_names: dict[tuple[str, str], list[tuple[int, str | None]]] = defaultdict(list)
    for row in rows:
        dob = row.client["date_of_birth"]
        key = (row.name_key, dob) if dob else None
        if row.a_number and row.a_number in seen_numbers:
            errors.append({"line": row.line, "column": "a_number", "code": "duplicate_in_file",
                           "message": f"Same A-number as line {seen_numbers[row.a_number]}."})
            continue
        if key is not None:
            prior = [ln for ln, num in seen_names[key] if num is None or row.a_number is None]
            if prior:
                errors.append({"line": row.line, "column": "given_names", "code": "duplicate_in_file",
                               "message": f"Same name and date of birth as line {prior[0]}."})
                continue
            seen_names[key].append((row.line, row.a_number))
        if row.a_number:
            seen_numbers[row.a_number] = row.line
            hit = by_number.get(row.a_number)
            if hit is not None:
                cid, deleted = hit
                if deleted:
                    errors.append({"line": row.line, "column": "a_number", "code": "a_number_conflict",
                                   "message": "A deleted client of this organization has this A-number."})
                else:
                    matched.append((row, cid, "a_number"))
                continue
        if key is not None:
            same = [cid for cid, num in by_name.get(key, []) if num is None or row.a_number is None]
            if same:
                matched.append((row, same[0], "name_dob"))
                continue
        create.append(row)
    return create, matched, errors


def _report_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors.sort(key=lambda e: (e["line"], e["column"] or ""))
    return errors[:MAX_REPORTED_ERRORS]


def import_clients(ctx: AuditActor, session: Session, data: bytes, *, partial: bool, dry_run: bool) -> ImportReport:
    """Validate every row, dedupe, and (unless ``dry_run``) write: all-or-nothing unless ``partial``."""
    now = utcnow()
    resolver = FacilityIndex(facilities_service.visible_facilities(session, ctx.org_id), ctx.org_id)
    reading = reading_of(session, ctx.org_id)
    try:
        rows, errors, _ = parse_clients_csv(data, resolver, now, reading)
    except FileProblem as exc:
        if exc.too_many_rows:
            raise ProblemError(413, "too_many_rows", "At most 10,000 rows per file.") from None
        if dry_run:
            return ImportReport(created=0, matched=[], errors=exc.errors, dry_run=True, partial=partial)
        raise ProblemError(422, "import_invalid", "The file cannot be imported.", extra={"errors": exc.errors}) \
            from None
    create, matched, dup_errors = _dedupe(session, ctx.org_id, rows)
    errors = _report_errors(errors + dup_errors)
    matched_out = [{"line": r.line, "client_id": str(cid), "by": by} for r, cid, by in matched]
    if errors and not partial and not dry_run:
        raise ProblemError(422, "import_invalid", "Some rows are invalid; nothing was imported.",
                           extra={"errors": errors, "error_count": len(errors), "matched": matched_out})
    events = sum(1 for r in create if r.event is not None)
    if dry_run:
        return ImportReport(created=len(create), matched=matched_out, errors=errors, dry_run=True, partial=partial,
                            custody_events=events, ambiguous_dates=reading.ambiguous_dates,
                            date_order=reading.date_order)
    report = _write(ctx, session, create, matched, errors, matched_out, partial, now)
    return report.model_copy(update={"ambiguous_dates": reading.ambiguous_dates, "date_order": reading.date_order})


def reading_of(session: Session, org_id: uuid.UUID) -> Reading:
    """How the organization's spreadsheets write dates: its time zone and its date order (MDY unless set)."""
    org = session.get(Organization, org_id)
    if org is None:
        return Reading()
    return Reading(zone=org.timezone, date_order="DMY" if org.date_order == "DMY" else "MDY")


CLIENT_DEFAULTS: dict[str, Any] = {"a_number_sealed": False, "last_arrival_date": None, "deleted_at": None,
                                   "version": 1}


def _write(ctx: AuditActor, session: Session, create: list[IntakeRow], matched: list[tuple[IntakeRow, Any, str]],
           errors: list[dict[str, Any]], matched_out: list[dict[str, Any]], partial: bool, now: Any) -> ImportReport:
    """Insert with one executemany per table (no ORM objects per row), then one audit event and one commit."""
    ids = [uuid.uuid4() for _ in create]
    rows = [{**CLIENT_DEFAULTS, **row.client, "id": cid, "organization_id": ctx.org_id, "created_by": ctx.user_id,
             "created_at": now, "updated_at": now} for cid, row in zip(ids, create, strict=True)]
    events = [{**row.event, "id": uuid.uuid4(), "organization_id": ctx.org_id, "client_id": cid,
               "entered_by": ctx.user_id, "created_at": now}
              for cid, row in zip(ids, create, strict=True) if row.event is not None]
    try:
        bulk_insert(session, table_of(Client), [encrypt_client_row(r) for r in rows])
        bulk_insert(session, table_of(ClientNameToken), [
            tok for r in rows for tok in name_index.token_rows(ctx.org_id, r["id"], now, r["search_name"])])
        alerts = record_initial_events(ctx, session, events, {cid: now for cid in ids})
    except IntegrityError:
        session.rollback()
        raise conflict("a_number_conflict", "Another client of this organization has one of these A-numbers.") \
            from None
    memberships, groups_created = _group_members(ctx, session, list(zip(create, ids, strict=True)),
                                                 [(r, cid) for r, cid, _ in matched])
    audit.record(session, ctx, "client.import", "client", None, {
        "created": len(rows), "matched": len(matched), "rejected_rows": len({e["line"] for e in errors}),
        "custody_events": len(events), "alerts": alerts, "group_memberships": memberships,
        "groups_created": len(groups_created), "partial": partial,
    })
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise conflict("a_number_conflict", "Another client of this organization has one of these A-numbers.") \
            from None
    return ImportReport(created=len(rows), matched=matched_out, errors=errors, dry_run=False, partial=partial,
                        custody_events=len(events), group_memberships=memberships, groups_created=groups_created)


def _group_members(ctx: AuditActor, session: Session, created: list[tuple[IntakeRow, Any]],
                   matched: list[tuple[IntakeRow, Any]]) -> tuple[int, list[str]]:
    """Add created and matched clients to the groups named in the ``group`` column (created if missing)."""
    wanted: dict[str, dict[Any, bool]] = defaultdict(dict)  # group name -> {client id: is new client}
    for row, cid in created:
        if row.group:
            wanted[row.group][cid] = True
    for row, cid in matched:
        if row.group:
            wanted[row.group].setdefault(cid, False)
    if not wanted:
        return 0, []
    existing = {g.name: g for g in session.exec(select(ClientGroup).where(
        ClientGroup.organization_id == ctx.org_id, col(ClientGroup.name).in_(list(wanted)))).all()}
    created_groups = [name for name in wanted if name not in existing]
    for name in created_groups:
        group = ClientGroup(organization_id=ctx.org_id, name=name, description="Created by a CSV import")
        session.add(group)
        existing[name] = group
    session.flush()
    members: list[dict[str, Any]] = []
    now = utcnow()
    for name, cids in wanted.items():
        group = existing[name]
        # only clients that existed before the import can already be members
        old = [cid for cid, new in cids.items() if not new]
        already = groups_service.existing_members(session, ctx.org_id, group.id, old) if old else set()
        members += [{"group_id": group.id, "client_id": cid, "organization_id": ctx.org_id, "added_at": now}
                    for cid in cids if cid not in already]
    bulk_insert(session, table_of(ClientGroupMember), members)
    return len(members), sorted(created_groups)
