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

from app.clients.anumber import InvalidANumber, normalize_a_number
from app.clients.schemas import LanguageIn, SensitiveFlag, parse_partial_date
from app.clients.service import search_key
from app.core_data.countries import normalize_country_code
from app.core_data.names import InvalidName, fold_for_search, normalize_name
from app.custody.rules import check_event
from app.custody.statuses import Confidence, CustodyStatus, SourceType

__all__ = ["COLUMNS", "MAX_ROWS", "REQUIRED_COLUMNS", "FileProblem", "IntakeRow", "parse_clients_csv"]

MAX_ROWS = 10_000

# column -> max length of the raw cell
COLUMNS: dict[str, int] = {
    "a_number": 40,
    "given_names": 200,
    "first_surname": 200,
    "second_surname": 200,
    "name_on_charging_document": 400,
    "aliases": 2000,
    "date_of_birth": 10,
    "sex": 40,
    "country_of_birth": 10,
    "citizenships": 200,
    "stateless": 10,
    "languages": 200,
    "interpreter_needed": 10,
    "interpreter_language": 80,
    "last_known_address": 500,
    "sensitive_flags": 300,
    "notes": 20000,
    "group": 200,
    "custody_status": 40,
    "custody_effective_at": 40,
    "facility_external_id": 80,
    "facility_name": 300,
    "custody_location": 500,
    "custody_country": 10,
    "source_type": 40,
    "confidence": 20,
    "family_visible": 10,
    "custody_notes": 5000,
}
REQUIRED_COLUMNS: tuple[str, ...] = ("given_names", "first_surname")
CUSTODY_COLUMNS: tuple[str, ...] = (
    "custody_effective_at", "facility_external_id", "facility_name", "custody_location", "custody_country",
    "source_type", "confidence", "family_visible", "custody_notes",
)
MULTILINE = frozenset({"notes", "custody_notes", "last_known_address"})
_TRUE = frozenset({"true", "yes", "y", "1", "si", "sí", "x"})
_FALSE = frozenset({"false", "no", "n", "0"})
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")
_SPACES = re.compile(r"\s+")
_STATUSES = frozenset(s.value for s in CustodyStatus)
_SOURCES = frozenset(s.value for s in SourceType)
_CONFIDENCES = frozenset(c.value for c in Confidence)
_FLAGS = frozenset(f.value for f in SensitiveFlag)


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


def _err(line: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "code": code, "message": message}


def _normalize_header(h: str) -> str:
    return re.sub(r"[\s\-]+", "_", h.strip().lower())


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem([_err(line, None, "invalid_encoding", "File is not valid UTF-8.")]) from None


def read_records(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (normalised names) and the non-blank records with their starting line numbers."""
    if not text.strip():
        raise FileProblem([_err(1, None, "empty_file", "The file is empty.")])
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
                raise FileProblem([_err(line, None, "too_many_rows", f"At most {MAX_ROWS} rows per file.")],
                                  too_many_rows=True)
    except csv.Error as exc:
        raise FileProblem([_err(reader.line_num, None, "malformed_csv", f"CSV syntax error: {exc}.")]) from None
    errors: list[dict[str, Any]] = []
    for col in sorted({h for h in header if header.count(h) > 1}):
        errors.append(_err(1, col, "duplicate_column", f"Column {col!r} appears more than once."))
    for col in header:
        if col not in COLUMNS:
            errors.append(_err(1, col or None, "unknown_column", f"Unknown column {col!r}."))
    for col in REQUIRED_COLUMNS:
        if col not in header:
            errors.append(_err(1, col, "missing_column", f"Required column {col!r} is missing."))
    if errors:
        raise FileProblem(errors)
    return header, records


def _clean(raw: dict[str, str], line: int, errors: list[dict[str, Any]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for col, value in raw.items():
        if _FORBIDDEN.search(value) or (col not in MULTILINE and ("\n" in value or "\r" in value)):
            errors.append(_err(line, col, "invalid_characters", "Contains control or invisible characters."))
            out[col] = None
            continue
        value = unicodedata.normalize("NFC", value).strip()
        if col not in MULTILINE:
            value = _SPACES.sub(" ", value)
        if len(value) > COLUMNS[col]:
            errors.append(_err(line, col, "too_long", f"Longer than {COLUMNS[col]} characters."))
            out[col] = None
            continue
        out[col] = value or None
    return out


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split("|") if p.strip()]


FacilityResolver = Callable[[str | None, str | None], tuple[Any | None, str | None]]


def validate_row(raw: dict[str, str], line: int, resolve_facility: FacilityResolver,
                 now: datetime) -> tuple[IntakeRow | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    v = _clean(raw, line, errors)
    bad = {e["column"] for e in errors}

    def fail(col: str, code: str, message: str) -> None:
        errors.append(_err(line, col, code, message))

    def name(col: str, limit: int, required: bool = False) -> str | None:
        value = v.get(col)
        if value is None:
            if required and col not in bad:
                fail(col, "missing_required", f"'{col}' is required.")
            return None
        try:
            return normalize_name(value, max_length=limit)
        except InvalidName as exc:
            fail(col, exc.code, str(exc))
            return None

    given = name("given_names", 200, required=True)
    first = name("first_surname", 200, required=True)
    second = name("second_surname", 200)
    charging = name("name_on_charging_document", 400)
    aliases: list[dict[str, Any]] = []
    for alias in _split(v.get("aliases")):
        try:
            aliases.append({"name": normalize_name(alias, max_length=200), "type": "aka", "source": None})
        except InvalidName as exc:
            fail("aliases", exc.code, str(exc))

    a_number, review = None, False
    if v.get("a_number"):
        try:
            result = normalize_a_number(v["a_number"] or "")
            a_number, review = result.value, result.needs_review
        except InvalidANumber as exc:
            errors.append({**_err(line, "a_number", "invalid_a_number", str(exc)), "reason": exc.reason})

    dob = None
    if v.get("date_of_birth"):
        try:
            dob = parse_partial_date(v["date_of_birth"] or "", today=now.date())
        except ValueError as exc:
            fail("date_of_birth", "invalid_date", f"date_of_birth: {exc}.")

    def country(col: str, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return normalize_country_code(value)
        except ValueError:
            fail(col, "invalid_country", f"{col}: not an ISO 3166-1 alpha-2 code.")
            return None

    cob = country("country_of_birth", v.get("country_of_birth"))
    citizenships = list(dict.fromkeys(c for c in (country("citizenships", x) for x in _split(v.get("citizenships")))
                                      if c))

    def boolean(col: str, default: bool = False) -> bool:
        value = (v.get(col) or "").lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value not in _FALSE:
            fail(col, "invalid_boolean", f"{col}: use true or false.")
        return False

    languages = []
    for code in _split(v.get("languages")):
        try:
            languages.append(LanguageIn(code=code).model_dump(mode="json"))
        except ValueError:
            fail("languages", "invalid_language", "Use ISO 639 language codes such as 'spa' or 'quc'.")
    flags = [f.lower() for f in _split(v.get("sensitive_flags"))]
    for f in flags:
        if f not in _FLAGS:
            fail("sensitive_flags", "invalid_flag", f"Unknown sensitive flag {f!r}.")

    client = {
        "a_number": a_number, "a_number_needs_review": review, "given_names": given, "first_surname": first,
        "second_surname": second, "name_on_charging_document": charging, "aliases": aliases,
        "date_of_birth": dob, "sex": v.get("sex"), "country_of_birth": cob, "citizenships": citizenships,
        "stateless": boolean("stateless"), "languages": languages,
        "interpreter_needed": boolean("interpreter_needed"), "interpreter_language": v.get("interpreter_language"),
        "last_known_address": v.get("last_known_address"), "sensitive_flags": list(dict.fromkeys(flags)),
        "privileged_notes": v.get("notes"),
    }
    event, facility = _event(v, bad, line, resolve_facility, now, fail, country, boolean)
    if errors:
        return None, errors
    assert given is not None and first is not None  # noqa: S101 - guaranteed by the checks above
    client["search_name"] = search_key(given, first, second, charging, aliases)
    row = IntakeRow(line=line, client=client, a_number=a_number,
                    name_key=fold_for_search(" ".join(p for p in (given, first, second) if p)),
                    group=v.get("group"), event=event, facility=facility)
    return row, []


def _event(v: dict[str, str | None], bad: set[Any], line: int, resolve_facility: FacilityResolver,
           now: datetime, fail: Callable[[str, str, str], None], country: Callable[[str, str | None], Any],
           boolean: Callable[..., bool]) -> tuple[dict[str, Any] | None, Any | None]:
    status = (v.get("custody_status") or "").lower()
    if not status:
        if any(v.get(c) for c in CUSTODY_COLUMNS) and "custody_status" not in bad:
            fail("custody_status", "missing_required", "Custody columns are filled but custody_status is empty.")
        return None, None
    if status not in _STATUSES:
        fail("custody_status", "invalid_status", f"Unknown custody status {status!r}.")
        return None, None
    effective_at = None
    raw_at = v.get("custody_effective_at")
    if not raw_at:
        if "custody_effective_at" not in bad:
            fail("custody_effective_at", "missing_required", "custody_effective_at is required with a status.")
    else:
        try:
            effective_at = datetime.fromisoformat(raw_at)
            if effective_at.tzinfo is None:
                fail("custody_effective_at", "naive_datetime",
                     "Give the UTC offset, e.g. 2025-03-15T08:00:00-04:00 or ...Z.")
                effective_at = None
        except ValueError:
            fail("custody_effective_at", "invalid_datetime", "Use ISO 8601, e.g. 2025-03-15T08:00:00-04:00.")
    source = (v.get("source_type") or "other").lower()
    if source not in _SOURCES:
        fail("source_type", "invalid_source_type", f"Unknown source type {source!r}.")
    confidence = (v.get("confidence") or "reported").lower()
    if confidence not in _CONFIDENCES:
        fail("confidence", "invalid_confidence", "Use confirmed, reported or inferred.")
    facility, code = resolve_facility(v.get("facility_external_id"), v.get("facility_name"))
    if code is not None:
        col = "facility_external_id" if v.get("facility_external_id") else "facility_name"
        fail(col, code, "No such facility." if code == "facility_not_found" else "Several facilities match.")
    ev_country = country("custody_country", v.get("custody_country"))
    family_visible = boolean("family_visible")
    if effective_at is None:
        return None, None
    effective_at = effective_at.astimezone(UTC)
    stored_country, rule_errors = check_event(
        status=status, effective_at=effective_at, reported_at=None, facility=facility,
        location_text=v.get("custody_location"), country=ev_country, now=now)
    col_of = {"facility_id": "facility_name", "country": "custody_country", "effective_at": "custody_effective_at"}
    for e in rule_errors:
        if code is None or e.code != "location_required":
            fail(col_of.get(e.field, e.field), e.code, e.message)
    event = {
        "status": status, "effective_at": effective_at, "reported_at": max(now, effective_at),
        "facility_id": getattr(facility, "id", None), "location_text": v.get("custody_location"),
        "country": stored_country, "source_type": source, "confidence": confidence,
        "family_visible": family_visible, "notes": v.get("custody_notes"),
    }
    return event, facility


def parse_clients_csv(data: bytes | str, resolve_facility: FacilityResolver,
                      now: datetime) -> tuple[list[IntakeRow], list[dict[str, Any]], int]:
    """Validate a client CSV: ``(valid rows, row errors, number of data rows)``.

    Raises ``FileProblem`` when the file as a whole is unusable (encoding, header, more than 10,000 rows).
    """
    header, records = read_records(decode(data))
    rows: list[IntakeRow] = []
    errors: list[dict[str, Any]] = []
    width = len(header)
    for line, fields in records:
        if len(fields) != width:
            errors.append(_err(line, None, "wrong_field_count", f"Expected {width} fields, found {len(fields)}."))
            continue
        row, row_errors = validate_row(dict(zip(header, fields, strict=True)), line, resolve_facility, now)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return rows, errors, len(records)
