"""Exports for staff: clients, custody history, deadlines and alerts as CSV or XLSX, and the whole organization
as JSON (admins) so a team can move its records elsewhere.

Spreadsheets are for reading and sharing inside the team: they carry names and A-numbers as printed, never
privileged notes. Every export is audited (who, what, how many rows). CSV cells that begin like a formula are
escaped (``app.core.spreadsheet.safe_cell``); XLSX cells are written as strings or typed values, never as
formulas.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from app.auth.models import Organization
from app.casework import client_records
from app.clients import service as clients_service
from app.clients.models import Client, decrypt_a_number, decrypt_privileged_notes
from app.core import audit, keyring
from app.core.audit import AuditActor
from app.core.spreadsheet import csv_text, safe_cell
from app.core.types import table_of, utcnow
from app.custody.models import CustodyEvent, Facility
from app.deadlines.models import Deadline
from app.filings.models import decrypt_batch_options
from app.protection.models import Alert

Format = Literal["csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PAGE = 500


@dataclass(frozen=True)
class Table:
    """One export: a sheet name, its header and rows (plain values)."""

    name: str
    header: list[str]
    rows: list[list[Any]]


def _cell(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return value


def _client_ids(session: Session, org_id: uuid.UUID) -> Iterator[list[uuid.UUID]]:
    c = table_of(Client).c
    ids = list(session.execute(sa.select(c.id).where(c.organization_id == org_id, c.deleted_at.is_(None))
                               .order_by(c.created_at, c.id)).scalars())
    for start in range(0, len(ids), _PAGE):
        yield ids[start:start + _PAGE]


def clients_table(session: Session, org_id: uuid.UUID) -> Table:
    header = ["client_id", "display_name", "given_names", "first_surname", "second_surname", "a_number",
              "date_of_birth", "country_of_birth", "citizenships", "languages", "interpreter_needed",
              "custody_status", "custody_since", "facility_id", "federal_district", "custody_country", "created_at"]
    rows: list[list[Any]] = []
    for page in _client_ids(session, org_id):
        for item in client_records.list_items(session, org_id, page):
            cust = item.custody
            rows.append([item.id, item.display_name, item.given_names, item.first_surname, item.second_surname,
                         item.a_number_display, item.date_of_birth, item.country_of_birth, item.citizenships,
                         [lang["code"] for lang in item.languages], item.interpreter_needed,
                         cust.status if cust else None, cust.effective_at if cust else None,
                         cust.facility_id if cust else None, cust.federal_district if cust else None,
                         cust.country if cust else None, item.created_at])
    return Table("clients", header, [[_cell(v) for v in r] for r in rows])


def _labelled(session: Session, org_id: uuid.UUID, rows: Sequence[Any]) -> dict[uuid.UUID, Any]:
    return clients_service.labels(session, org_id, (r.client_id for r in rows))


def _live(org_id: uuid.UUID) -> Any:
    """The organization's live (not deleted) clients, as a subquery of ids."""
    return sa.select(col(Client.id)).where(col(Client.organization_id) == org_id, col(Client.deleted_at).is_(None))


def custody_events_table(session: Session, org_id: uuid.UUID) -> Table:
    header = ["event_id", "client_id", "client", "status", "effective_at", "reported_at", "facility",
              "location_text", "country", "detention_authority", "source_type", "confidence", "family_visible",
              "retracted_at", "retraction_reason", "notes"]
    events = list(session.execute(
        sa.select(CustodyEvent, col(Facility.name))
        .outerjoin(Facility, col(Facility.id) == col(CustodyEvent.facility_id))
        .where(col(CustodyEvent.organization_id) == org_id, col(CustodyEvent.client_id).in_(_live(org_id)))
        .order_by(col(CustodyEvent.client_id), col(CustodyEvent.effective_at), col(CustodyEvent.id))).all())
    names = _labelled(session, org_id, [ev for ev, _ in events])
    rows = [[ev.id, ev.client_id, names[ev.client_id].display_name if ev.client_id in names else None, ev.status,
             ev.effective_at, ev.reported_at, fac_name, ev.location_text, ev.country, ev.detention_authority,
             ev.source_type, ev.confidence, ev.family_visible, ev.retracted_at, ev.retraction_reason, ev.notes]
            for ev, fac_name in events]
    return Table("custody_events", header, [[_cell(v) for v in r] for r in rows])


def deadlines_table(session: Session, org_id: uuid.UUID) -> Table:
    header = ["deadline_id", "client_id", "client", "a_number", "rule", "title", "status", "due_at",
              "due_earliest_safe_date", "due_latest_arguable_date", "court_timezone", "jurisdictional", "proposed",
              "owner_id", "obligated_party"]
    rows = list(session.scalars(sa.select(Deadline).where(
        col(Deadline.organization_id) == org_id, col(Deadline.client_id).in_(_live(org_id)))
        .order_by(col(Deadline.due_at), col(Deadline.id))))
    names = _labelled(session, org_id, rows)
    out = [[d.id, d.client_id, names[d.client_id].display_name if d.client_id in names else None,
            names[d.client_id].a_number_display if d.client_id in names else None, d.rule_id, d.title, d.status,
            d.due_at, d.due_earliest_safe_date, d.due_latest_arguable_date, d.court_timezone, d.jurisdictional,
            d.proposed, d.owner_id, d.obligated_party] for d in rows]
    return Table("deadlines", header, [[_cell(v) for v in r] for r in out])


def alerts_table(session: Session, org_id: uuid.UUID) -> Table:
    header = ["alert_id", "client_id", "client", "a_number", "kind", "severity", "created_at", "open",
              "acknowledged_at", "acknowledged_by", "ack_note"]
    rows = list(session.scalars(sa.select(Alert).where(col(Alert.organization_id) == org_id)
                                .order_by(col(Alert.created_at), col(Alert.id))))
    names = _labelled(session, org_id, rows)
    out = [[a.id, a.client_id, names[a.client_id].display_name if a.client_id in names else None,
            names[a.client_id].a_number_display if a.client_id in names else None, a.kind, a.severity,
            a.created_at, a.open_marker is not None, a.acknowledged_at, a.acknowledged_by, a.ack_note] for a in rows]
    return Table("alerts", header, [[_cell(v) for v in r] for r in out])


TABLES = {"clients": clients_table, "custody_events": custody_events_table, "deadlines": deadlines_table,
          "alerts": alerts_table}


def export_table(ctx: AuditActor, session: Session, entity: str, fmt: Format) -> tuple[bytes, str, str]:
    """(content, media type, file name) of one entity's export; audited with the row count. Commits the audit
    entry (a read session cannot hold it), so the caller passes a write session."""
    table = TABLES[entity](session, ctx.org_id)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        content, media = xlsx_bytes([table]), XLSX
    else:
        content, media = csv_text(table.header, table.rows).encode("utf-8"), "text/csv; charset=utf-8"
    audit.record(session, ctx, f"export.{entity}", "organization", ctx.org_id,
                 {"format": fmt, "rows": len(table.rows)})
    session.commit()
    return content, media, f"{entity}-{stamp}.{fmt}"


def xlsx_bytes(tables: list[Table]) -> bytes:
    """An XLSX workbook, one sheet per table. Strings are written as strings (``write_string``), never parsed as
    formulas; dates and instants as text in ISO form, so no time zone is lost."""
    import xlsxwriter  # an export-only dependency; imported when an export is asked for

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    for table in tables:
        sheet = book.add_worksheet(table.name[:31])
        for c, name in enumerate(table.header):
            sheet.write_string(0, c, name, bold)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif isinstance(value, datetime | date):
                    sheet.write_string(r, c, value.isoformat())
                else:
                    sheet.write_string(r, c, str(value))
        sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


# --- the whole organization --------------------------------------------------------------------------------

# Never exported: secrets and their hashes, ciphertexts (the fields of ``_DECRYPTED`` are added decrypted instead),
# blind indexes, and the stored PDFs and encrypted filing inputs (large; re-rendered from the record if needed).
# Sessions (refresh tokens), second factors (TOTP secrets, recovery codes) and derived indexes (the name index,
# the chain head) are not records to move.
_SECRET_COLUMNS = frozenset({"password_hash", "calendar_token_hash", "token_hash", "claim_token", "a_number_ct",
                             "a_number_bidx", "privileged_notes_ct", "input_snapshot_ct", "pdf_ct", "search_name",
                             "secret_encrypted", "code_hash"})
_SKIP_TABLES = frozenset({"refresh_token", "client_name_token", "audit_chain_head", "mfa_totp",
                          "mfa_recovery_code"})
# Encrypted fields that are records, exported decrypted under their plain name (``<name>_ct`` -> ``<name>``):
# table -> {stored column: decrypt(organization id, row id, stored value)}. The ciphertext itself never is.
Decrypt = Callable[[uuid.UUID, uuid.UUID, Any], Any]


def _unsealed(table: str, column: str) -> Decrypt:
    """The decryption of a text field sealed by ``keyring.seal`` (migration 0022's notes)."""
    return lambda org, rid, stored: keyring.unseal(org, table, column, rid, stored)


_DECRYPTED: dict[str, dict[str, Decrypt]] = {
    "client": {"a_number_ct": decrypt_a_number, "privileged_notes_ct": decrypt_privileged_notes},
    "custody_event": {"location_text_ct": _unsealed("custody_event", "location_text"),
                      "notes_ct": _unsealed("custody_event", "notes")},
    "protection_order": {"notes_ct": _unsealed("protection_order", "notes")},
    "court_order": {"summary_ct": _unsealed("court_order", "summary")},
    "filing_batch": {"options_ct": lambda org, rid, stored: decrypt_batch_options(stored, org, rid)},
}


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def organization_export(ctx: AuditActor, session: Session) -> dict[str, Any]:
    """Every row of the organization in every table that has an ``organization_id`` (and the organization
    itself), secrets left out, encrypted client fields decrypted. Audited; commits the audit entry."""
    org = session.get(Organization, ctx.org_id)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in sorted(SQLModel.metadata.sorted_tables, key=lambda t: t.name):
        if "organization_id" not in table.c or table.name in _SKIP_TABLES:
            continue
        decrypt = _DECRYPTED.get(table.name, {})
        keep = [c for c in table.c if c.name not in _SECRET_COLUMNS and c.name not in decrypt]
        # Encrypted fields are read in the same statement and decrypted here (no query per row).
        sealed = [table.c[name] for name in decrypt]
        order = [c for c in table.primary_key.columns]
        rows = session.execute(sa.select(*keep, *sealed).where(table.c.organization_id == ctx.org_id)
                               .order_by(*order))
        out = []
        for row in rows.mappings():
            item = {c.name: _json_value(row[c.name]) for c in keep}
            for name, fn in decrypt.items():
                item[name.removesuffix("_ct")] = fn(ctx.org_id, row["id"], row[name])
            out.append(item)
        tables[table.name] = out
    audit.record(session, ctx, "export.organization", "organization", ctx.org_id,
                 {"tables": len(tables), "rows": sum(len(v) for v in tables.values())})
    session.commit()
    return {"format": "dueprocess.organization-export", "format_version": 1,
            "exported_at": utcnow().isoformat(),
            "organization": {"id": str(ctx.org_id), "name": org.name if org else None,
                             "slug": org.slug if org else None, "timezone": org.timezone if org else None},
            "tables": tables}


__all__ = ["TABLES", "XLSX", "Format", "Table", "export_table", "organization_export", "safe_cell", "xlsx_bytes"]
