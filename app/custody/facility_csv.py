"""Parse and validate facility CSV files (seed data and organisation imports).

Layout and rules: docs/facilities_csv.md. Every row is validated and every problem reported as
``{"line", "column", "code", "message"}`` (line = physical line where the record starts, the
header being line 1; column = header name or ``None`` for whole-row problems), so an import can
be all-or-nothing with a complete error list. Rows with errors are left out of ``rows``.

Each row is validated by the API's own schema (``FacilityCreate``) and venue rules
(``app.custody.facility_rules``), so a file and a ``POST /facilities`` give the same answer, with the same
codes: a pydantic error becomes a row error whose code is the schema's error type (``invalid_state``,
``invalid_zip``, ...; ``missing_required`` and ``too_long`` for pydantic's own ``missing`` and
``string_too_long``), and a state with a single district fills in ``federal_district`` in both. What only
a file has — the ``circuit`` and ``verified`` columns of the shared list, header and line problems — is
checked here.

Pure functions, no database. The importer (service layer) upserts each valid row by
``facility_identity(row)``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from importlib import resources
from typing import Any

from pydantic import ValidationError

from app.core.spreadsheet import header_problems, row_error
from app.core_data.districts import CIRCUITS
from app.core_data.names import fold_for_search
from app.custody.facility_rules import ICE_FIELD_OFFICES, FacilityRuleError, resolve_field_office, resolve_venue
from app.custody.facility_schemas import FacilityCreate

__all__ = [
    "COLUMNS",
    "ICE_FIELD_OFFICES",
    "REQUIRED_COLUMNS",
    "facility_identity",
    "load_seed_facilities",
    "parse_facilities_csv",
]

# The file's columns, in the seed file's header order. The lengths are checked here only for the file's own
# columns (circuit, verified, notes); every other column is a FacilityCreate field and the schema's limit applies.
COLUMNS: dict[str, int] = {
    "external_id": 80, "name": 200, "aliases": 1000, "type": 40, "operator": 200, "address": 300,
    "city": 100, "state": 100, "zip": 10, "county": 100, "country": 60, "federal_district": 20,
    "circuit": 20, "ice_field_office": 40, "immigration_court": 200, "ice_detloc_code": 16,
    "phone": 80, "visitation_info": 2000, "custodian_name": 200, "custodian_title": 200,
    "source": 300, "as_of": 40, "verified": 10, "notes": 2000,
}  # fmt: skip
REQUIRED_COLUMNS: tuple[str, ...] = ("name", "type", "city")
_MULTILINE = frozenset({"notes", "visitation_info"})
MAX_ROWS = 10_000

_SPACES = re.compile(r" {2,}")
# The file's columns that are not fields of FacilityCreate (the shared list's own columns).
_FILE_ONLY = frozenset({"circuit", "verified", "notes"})
# pydantic's own error types, named as the file reports them; the schema's own types pass through.
_PYDANTIC_CODES = {"missing": "missing_required", "string_too_long": "too_long", "too_long": "too_long",
                   "string_too_short": "missing_required", "enum": "invalid_type", "date_parsing": "invalid_date",
                   "date_from_datetime_parsing": "invalid_date", "string_type": "invalid_value"}
_CIRCUIT_ALIASES = {c.casefold(): c for c in CIRCUITS} | {c[:-2]: c for c in CIRCUITS if c[0].isdigit()}
_CIRCUIT_ALIASES |= {"dc": "D.C.", "d.c": "D.C."}


def facility_identity(row: dict[str, Any]) -> tuple[str, str]:
    """Key for idempotent re-import: ``external_id`` if given, else folded name + state + country."""
    if row.get("external_id"):
        return ("external_id", str(row["external_id"]))
    place = f"{fold_for_search(row.get('state') or '')}|{row.get('country') or 'US'}"
    return ("name_state", f"{fold_for_search(str(row['name']))}|{place}")


def _clean(raw: dict[str, str], line: int, errors: list[dict[str, Any]]) -> dict[str, str | None]:
    """Spreadsheet tidying only (NFC, outer spaces, runs of spaces); the schema judges the values. The
    file's own columns (``circuit``, ``verified``, ``notes``) get their length and character checks here."""
    out: dict[str, str | None] = {}
    for col, limit in COLUMNS.items():
        value = raw.get(col)
        if value is None:
            out[col] = None
            continue
        value = unicodedata.normalize("NFC", value).strip()
        if col not in _MULTILINE:
            value = _SPACES.sub(" ", value)
        if col in _FILE_ONLY:
            if _CONTROL.search(value) or (col not in _MULTILINE and "\n" in value):
                errors.append(row_error(line, col, "invalid_characters", "Contains control or invisible characters."))
                value = ""
            elif len(value) > limit:
                errors.append(row_error(line, col, "too_long", f"Longer than {limit} characters."))
                value = ""
        out[col] = value or None
    return out


_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")
_SCHEMA_FIELDS = tuple(FacilityCreate.model_fields)


def _schema_errors(exc: ValidationError, line: int, notes_column: bool) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        field = str(e["loc"][0]) if e["loc"] else None
        column = "notes" if field == "visitation_info" and notes_column else field
        code = _PYDANTIC_CODES.get(e["type"], e["type"])
        if code in ("value_error", "assertion_error"):
            code = "invalid_value"
        message = str(e["msg"]).removeprefix("Value error, ")
        message = message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
        out.append(row_error(line, column, code, message))
    return out


def _validate_row(raw: dict[str, str], line: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    v = _clean(raw, line, errors)

    def fail(col: str, code: str, message: str) -> None:
        errors.append(row_error(line, col, code, message))

    # The API's schema, fed the file's values (``notes`` is the shared list's name for visitation_info).
    notes_column = not v["visitation_info"] and bool(v["notes"])
    data: dict[str, Any] = {k: v[k] for k in _SCHEMA_FIELDS if k in v and v[k] is not None}
    if notes_column:
        data["visitation_info"] = v["notes"]
    if v["aliases"]:
        data["aliases"] = [a for a in v["aliases"].split("|") if a.strip()]
    data.pop("ice_field_office", None)  # checked below by the shared rule, as the API does after the schema
    body: FacilityCreate | None = None
    try:
        body = FacilityCreate.model_validate(data)
    except ValidationError as exc:
        errors.extend(_schema_errors(exc, line, notes_column))
    for col in REQUIRED_COLUMNS:  # the file layout requires a city too (the API does not)
        if not v[col] and not any(e["column"] == col for e in errors):
            fail(col, "missing_required", f"'{col}' is required.")
    bad = {e["column"] for e in errors}

    # The venue rules of the API, on the schema's values (or, when the schema refused the row, on the
    # file's values, so that every problem of the row is reported at once).
    district_id: str | None = None
    circuit: str | None = None
    if body is not None:
        country, state, requested, county = body.country, body.state, body.federal_district, body.county
    else:
        country = "" if "country" in bad else (v["country"] or "US").upper()
        state = None if "state" in bad else (v["state"] or "").upper() or None
        requested = (v["federal_district"] or "").lower() or None
        county = None if "county" in bad else v["county"]
    if country:
        try:
            district_id, circuit = resolve_venue(country, state, requested, county)
        except FacilityRuleError as rule:
            if rule.field not in bad:
                fail(rule.field, rule.code, rule.message)

    given_circuit = v["circuit"]
    if given_circuit:
        key = given_circuit.casefold().rstrip(".").replace(" circuit", "")
        canonical = _CIRCUIT_ALIASES.get(key)
        if country != "US":
            fail("circuit", "circuit_abroad", "Facilities outside the U.S. have no circuit.")
        elif canonical is None:
            fail("circuit", "invalid_circuit", f"Unknown circuit {given_circuit!r}.")
        elif district_id and circuit != canonical:
            fail("circuit", "circuit_mismatch", f"{district_id} is in the {circuit} Circuit.")

    office: str | None = None
    try:
        office = resolve_field_office(v["ice_field_office"])
    except FacilityRuleError as rule:
        fail(rule.field, rule.code, rule.message)

    verified = (v["verified"] or "false").lower()
    if verified not in ("true", "false"):
        fail("verified", "invalid_boolean", "Use true or false.")

    if errors or body is None:
        errors.sort(key=lambda e: _COLUMN_ORDER.get(e["column"], -1))
        return None, errors
    row: dict[str, Any] = body.model_dump()
    row.update(
        line=line,
        notes=v["notes"],
        visitation_info=v["visitation_info"] or v["notes"],
        federal_district=district_id,
        circuit=circuit,
        ice_field_office=office,
        verified=verified == "true",
    )
    return row, []


_COLUMN_ORDER = {c: i for i, c in enumerate(COLUMNS)}


def parse_facilities_csv(text: str | bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate a facility CSV; returns ``(valid rows, errors)``. See docs/facilities_csv.md."""
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return [], [row_error(line, None, "invalid_encoding", "File is not valid UTF-8.")]
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [row_error(1, None, "empty_file", "The file is empty.")]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    errors: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
        errors.extend(header_problems(header, COLUMNS, REQUIRED_COLUMNS))
        if "state" not in header and "country" not in header:
            errors.append(row_error(1, "state", "missing_column", "Need a 'state' or a 'country' column."))
        if errors:
            return [], errors

        seen: dict[tuple[str, str], int] = {}
        end_of_previous = reader.line_num
        count = 0
        for fields in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            count += 1
            if count > MAX_ROWS:
                errors.append(row_error(line, None, "too_many_rows", f"At most {MAX_ROWS} rows per file."))
                break
            if len(fields) != len(header):
                msg = f"Expected {len(header)} fields, found {len(fields)}."
                errors.append(row_error(line, None, "wrong_field_count", msg))
                continue
            row, row_errors = _validate_row(dict(zip(header, fields, strict=True)), line)
            errors.extend(row_errors)
            if row is None:
                continue
            key = facility_identity(row)
            if key in seen:
                col = "external_id" if key[0] == "external_id" else "name"
                errors.append(row_error(line, col, "duplicate_row", f"Same facility as line {seen[key]}."))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append(row_error(reader.line_num, None, "malformed_csv", f"CSV syntax error: {exc}."))
    return rows, errors


def load_seed_facilities() -> list[dict[str, Any]]:
    """The packaged seed list (app/custody/data/facilities.csv); raises ``ValueError`` if invalid."""
    text = resources.files("app.custody").joinpath("data/facilities.csv").read_text(encoding="utf-8-sig")
    rows, errors = parse_facilities_csv(text)
    if errors:
        raise ValueError(f"seed facilities.csv is invalid: {errors[:5]}")
    return rows
