"""Parse and validate a client intake CSV (pure: no database). Layout and rules: docs/clients_csv.md.

Every problem is reported as ``{"line", "column", "code", "message"}`` (line = physical line where the
record starts, the header being line 1; column = header name, or ``None`` for a whole-row problem), so
that an import can be all-or-nothing with a complete error list. Rows with errors are left out.
Deduplication against the database is the importer's job (``app.casework.client_import``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from app.casework.intake_columns import (
    COLUMNS,
    CUSTODY_COLUMNS,
    HEADER_ALIASES,
    MAX_ROWS,
    MULTILINE,
    REQUIRED_COLUMNS,
    TEMPLATE_EXAMPLE,
)
from app.clients.anumber import InvalidANumber, normalize_a_number
from app.clients.schemas import ClientCreate
from app.clients.service import search_key
from app.core.spreadsheet import (
    CellError,
    DateOrder,
    header_problems,
    read_country,
    read_datetime,
    read_partial_date,
    row_error,
)
from app.core.validation import FORBIDDEN_TEXT
from app.core_data.names import fold_for_search
from app.custody.rules import check_event
from app.custody.schemas import CustodyEventCreate

__all__ = ["COLUMNS", "MAX_ROWS", "REQUIRED_COLUMNS", "TEMPLATE_EXAMPLE", "FileProblem", "IntakeRow",
           "parse_clients_csv"]

_TRUE = frozenset({"true", "yes", "y", "1", "si", "sí", "x"})
_FALSE = frozenset({"false", "no", "n", "0"})
_SPACES = re.compile(r"\s+")


class FileProblem(Exception):
    """The file cannot be read at all (encoding, header, size): one list of errors, nothing imported."""

    def __init__(self, errors: list[dict[str, Any]], *, too_many_rows: bool = False) -> None:
        super().__init__("invalid client CSV")
        self.errors = errors
        self.too_many_rows = too_many_rows


@dataclass
class IntakeRow:
    line: int
    client: dict[str, Any]  # Client column values
    a_number: str | None
    name_key: str  # folded legal name (dedupe by name + date of birth)
    group: str | None
    event: dict[str, Any] | None = None  # CustodyEvent column values (without client/org ids)
    facility: Any | None = None


def _normalize_header(h: str) -> str:
    key = re.sub(r"[\s\-]+", "_", h.strip().lower())
    return HEADER_ALIASES.get(key, key)


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem([row_error(line, None, "invalid_encoding", "File is not valid UTF-8.")]) from None


def read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (normalised names) and the non-blank records with their starting line numbers."""
    if not text.strip():
        raise FileProblem([row_error(1, None, "empty_file", "The file is empty.")])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        header = [_normalize_header(h) for h in next(reader)]
        end_of_previous = reader.line_num
        for fields in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            records.append((line, fields))
            if len(records) > MAX_ROWS:
                raise FileProblem([row_error(line, None, "too_many_rows", f"At most {MAX_ROWS} rows per file.")],
                                  too_many_rows=True)
    except csv.Error as exc:
        raise FileProblem([row_error(reader.line_num, None, "malformed_csv", f"CSV syntax error: {exc}.")]) from None
    errors = header_problems(header, COLUMNS, REQUIRED_COLUMNS)
    if errors:
        raise FileProblem(errors)
    return header, records


def _clean(raw: dict[str, str], line: int, errors: list[dict[str, Any]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for col, value in raw.items():
        if FORBIDDEN_TEXT.search(value) or (col not in MULTILINE and ("\n" in value or "\r" in value)):
            errors.append(row_error(line, col, "invalid_characters", "Contains control or invisible characters."))
            out[col] = None
            continue
        value = unicodedata.normalize("NFC", value).strip()
        if col not in MULTILINE:
            value = _SPACES.sub(" ", value)
        if len(value) > COLUMNS[col]:
            errors.append(row_error(line, col, "too_long", f"Longer than {COLUMNS[col]} characters."))
            out[col] = None
            continue
        out[col] = value or None
    return out


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split("|") if p.strip()]


FacilityResolver = Callable[[str | None, str | None], tuple[Any | None, str | None]]


# Codes of the row errors, by the schema field that refused a value (the schemas are the API's own, so a row
# is accepted exactly when the same values sent to POST /clients and POST /clients/{id}/custody-events would be).
_CODE_BY_FIELD: dict[str, str] = {
    "country_of_birth": "invalid_country", "citizenships": "invalid_country", "date_of_birth": "invalid_date",
    "languages": "invalid_language", "sensitive_flags": "invalid_flag", "status": "invalid_status",
    "source_type": "invalid_source_type", "confidence": "invalid_confidence", "country": "invalid_country",
    "effective_at": "invalid_datetime",
}
# Schema field -> CSV column, where the names differ.
_CLIENT_COLUMN = {"privileged_notes": "notes"}
_EVENT_COLUMN = {"status": "custody_status", "effective_at": "custody_effective_at",
                 "location_text": "custody_location", "country": "custody_country", "notes": "custody_notes",
                 "facility_id": "facility_name"}


def row_errors(exc: ValidationError, line: int, columns: dict[str, str]) -> list[dict[str, Any]]:
    """A schema's ``ValidationError`` as row errors ``{"line", "column", "code", "message"}``. The message is the
    validator's, never the submitted value (it may be an A-number or a name)."""
    out: list[dict[str, Any]] = []
    for e in exc.errors(include_input=False, include_url=False):
        field = str(e["loc"][0]) if e["loc"] else None
        cause = (e.get("ctx") or {}).get("error")
        if getattr(cause, "code", None):  # InvalidName, TextRefused: the validator's own stable code
            code = cause.code  # type: ignore[union-attr]
        elif e["type"] == "missing":
            code = "missing_required"
        elif e["type"] in ("string_too_long", "too_long"):
            code = "too_long"
        elif e["type"] == "timezone_aware":
            code = "naive_datetime"
        else:
            code = _CODE_BY_FIELD.get(field or "", "invalid_value")
        message = str(cause) if cause is not None else e["msg"]
        column = columns.get(field, field) if field else None
        out.append(row_error(line, column, code, f"{column}: {message}" if column else message))
    return out


def _boolean(v: dict[str, str | None], col: str, fail: Callable[[str, str, str], None]) -> bool:
    """Spreadsheet booleans: true/false, yes/no, sí, x, 1/0 (empty: false)."""
    value = (v.get(col) or "").lower()
    if not value or value in _FALSE:
        return False
    if value in _TRUE:
        return True
    fail(col, "invalid_boolean", f"{col}: use true or false.")
    return False


@dataclass
class Reading:
    """How this organization's spreadsheets write dates and times, and how many dates could be read two ways."""

    zone: str = "America/New_York"
    date_order: DateOrder = "MDY"
    ambiguous_dates: int = 0


def _read_cells(v: dict[str, str | None], bad: set[Any], reading: Reading,
                fail: Callable[[str, str, str], None]) -> None:
    """Spreadsheet dates, date-times and country names into the ISO forms the schemas take (in place)."""
    def refuse(col: str, exc: CellError) -> None:
        fail(col, exc.code, f"{col}: {exc}")
        bad.add(col)
        v[col] = None

    if v.get("date_of_birth") and "date_of_birth" not in bad:
        try:
            v["date_of_birth"], ambiguous = read_partial_date(v["date_of_birth"] or "", reading.date_order)
            reading.ambiguous_dates += ambiguous
        except CellError as exc:
            refuse("date_of_birth", exc)
    for col in ("country_of_birth", "custody_country"):
        if v.get(col):
            v[col] = read_country(v[col] or "")
    if v.get("citizenships"):
        v["citizenships"] = "|".join(read_country(c) for c in _split(v["citizenships"]))
    if v.get("custody_effective_at") and "custody_effective_at" not in bad:
        try:
            at, ambiguous = read_datetime(v["custody_effective_at"] or "", reading.zone, reading.date_order)
            v["custody_effective_at"] = at.isoformat()
            reading.ambiguous_dates += ambiguous
        except CellError as exc:
            refuse("custody_effective_at", exc)


def validate_row(raw: dict[str, str], line: int, resolve_facility: FacilityResolver,
                 now: datetime, reading: Reading | None = None) -> tuple[IntakeRow | None, list[dict[str, Any]]]:
    """One CSV row: cells are read as a spreadsheet writes them (lists split on ``|``, yes/no booleans, local
    dates and times, country names), then validated by the API's own schemas (``ClientCreate``,
    ``CustodyEventCreate``) and custody rules."""
    reading = reading if reading is not None else Reading()
    errors: list[dict[str, Any]] = []
    v = _clean(raw, line, errors)
    bad = {e["column"] for e in errors}

    def fail(col: str, code: str, message: str) -> None:
        errors.append(row_error(line, col, code, message))

    _read_cells(v, bad, reading, fail)

    a_number, review = None, False
    if v.get("a_number"):
        try:
            result = normalize_a_number(v["a_number"] or "")
            a_number, review = result.value, result.needs_review
        except InvalidANumber as exc:
            errors.append({**row_error(line, "a_number", "invalid_a_number", str(exc)), "reason": exc.reason})
    candidate: dict[str, Any] = {
        "given_names": v.get("given_names"), "first_surname": v.get("first_surname"),
        "second_surname": v.get("second_surname"), "name_on_charging_document": v.get("name_on_charging_document"),
        "aliases": [{"name": a} for a in _split(v.get("aliases"))], "date_of_birth": v.get("date_of_birth"),
        "sex": v.get("sex"), "country_of_birth": v.get("country_of_birth"),
        "citizenships": _split(v.get("citizenships")), "stateless": _boolean(v, "stateless", fail),
        "languages": _split(v.get("languages")), "interpreter_needed": _boolean(v, "interpreter_needed", fail),
        "interpreter_language": v.get("interpreter_language"), "last_known_address": v.get("last_known_address"),
        "sensitive_flags": [f.lower() for f in _split(v.get("sensitive_flags"))], "privileged_notes": v.get("notes"),
    }
    # An empty cell is an absent field (a required one answers missing_required); a cell already refused
    # (control characters, too long) is not validated again.
    candidate = {k: val for k, val in candidate.items()
                 if val is not None and _CLIENT_COLUMN.get(k, k) not in bad}
    body: ClientCreate | None = None
    try:
        body = ClientCreate.model_validate(candidate)
    except ValidationError as exc:
        errors.extend(e for e in row_errors(exc, line, _CLIENT_COLUMN) if e["column"] not in bad)
    event, facility = _event(v, bad, line, resolve_facility, now, fail)
    if errors or body is None:
        return None, errors
    client = body.model_dump(mode="json", exclude={"a_number", "a_number_sealed", "last_arrival_date"})
    client.update(a_number=a_number, a_number_needs_review=review, date_of_birth=body.date_of_birth)
    client["search_name"] = search_key(body.given_names, body.first_surname, body.second_surname,
                                       body.name_on_charging_document, client["aliases"])
    row = IntakeRow(line=line, client=client, a_number=a_number,
                    name_key=fold_for_search(" ".join(p for p in (body.given_names, body.first_surname,
                                                                  body.second_surname) if p)),
                    group=v.get("group"), event=event, facility=facility)
    return row, []


def _event(v: dict[str, str | None], bad: set[Any], line: int, resolve_facility: FacilityResolver,
           now: datetime, fail: Callable[[str, str, str], None]) -> tuple[dict[str, Any] | None, Any | None]:
    """The row's first custody event, validated as ``POST /clients/{id}/custody-events`` would validate it."""
    status = (v.get("custody_status") or "").lower()
    if not status:
        if any(v.get(c) for c in CUSTODY_COLUMNS) and "custody_status" not in bad:
            fail("custody_status", "missing_required", "Custody columns are filled but custody_status is empty.")
        return None, None
    raw_at = v.get("custody_effective_at")
    if not raw_at and "custody_effective_at" not in bad:
        fail("custody_effective_at", "missing_required", "custody_effective_at is required with a status.")
    facility, code = resolve_facility(v.get("facility_external_id"), v.get("facility_name"))
    if code is not None:
        col = "facility_external_id" if v.get("facility_external_id") else "facility_name"
        fail(col, code, "No such facility." if code == "facility_not_found" else "Several facilities match.")
    candidate = {
        "status": status, "effective_at": raw_at, "facility_id": getattr(facility, "id", None),
        "location_text": v.get("custody_location"), "country": v.get("custody_country"),
        "source_type": (v.get("source_type") or "other").lower(),
        "confidence": (v.get("confidence") or "reported").lower(),
        "family_visible": _boolean(v, "family_visible", fail), "notes": v.get("custody_notes"),
    }
    candidate = {k: val for k, val in candidate.items() if val is not None and _EVENT_COLUMN.get(k, k) not in bad}
    try:
        body = CustodyEventCreate.model_validate(candidate)
    except ValidationError as exc:
        for e in row_errors(exc, line, _EVENT_COLUMN):
            if not (e["code"] == "missing_required" and e["column"] in bad | {"custody_effective_at"}):
                fail(e["column"], e["code"], e["message"])
        return None, None
    effective_at = body.effective_at.astimezone(UTC)
    stored_country, rule_errors = check_event(
        status=body.status.value, effective_at=effective_at, reported_at=None, facility=facility,
        location_text=body.location_text, country=body.country, now=now)
    col_of = {"facility_id": "facility_name", "country": "custody_country", "effective_at": "custody_effective_at"}
    for rule_error in rule_errors:
        if code is None or rule_error.code != "location_required":
            field = rule_error.field or "custody_status"
            fail(col_of.get(field, field), rule_error.code, rule_error.message)
    event = {
        "status": body.status.value, "effective_at": effective_at, "reported_at": max(now, effective_at),
        "facility_id": getattr(facility, "id", None), "location_text": body.location_text,
        "country": stored_country, "source_type": body.source_type.value, "confidence": body.confidence.value,
        "family_visible": body.family_visible, "notes": body.notes,
    }
    return event, facility


def parse_clients_csv(data: bytes | str, resolve_facility: FacilityResolver, now: datetime,
                      reading: Reading | None = None) -> tuple[list[IntakeRow], list[dict[str, Any]], int]:
    """Validate a client CSV: ``(valid rows, row errors, number of data rows)``.

    Raises ``FileProblem`` when the file as a whole is unusable (encoding, header, more than 10,000 rows).
    """
    header, records = read_records(decode(data))
    rows: list[IntakeRow] = []
    errors: list[dict[str, Any]] = []
    width = len(header)
    for line, fields in records:
        if len(fields) != width:
            errors.append(row_error(line, None, "wrong_field_count", f"Expected {width} fields, found {len(fields)}."))
            continue
        row, row_errors = validate_row(dict(zip(header, fields, strict=True)), line, resolve_facility, now, reading)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return rows, errors, len(records)
