"""Parse and validate facility CSV files (seed data and organisation imports).

Layout and rules: docs/facilities_csv.md. Every row is validated and every problem reported as
``{"line", "column", "code", "message"}`` (line = physical line where the record starts, the
header being line 1; column = header name or ``None`` for whole-row problems), so an import can
be all-or-nothing with a complete error list. Rows with errors are left out of ``rows``.

Pure functions, no database. The importer (service layer) upserts each valid row by
``facility_identity(row)``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date
from importlib import resources
from typing import Any

from app.core_data.countries import is_valid_country
from app.core_data.districts import CIRCUITS, DISTRICTS
from app.core_data.names import fold_for_search
from app.core_data.us_states import is_valid_us_state
from app.custody.statuses import FacilityType

__all__ = [
    "COLUMNS",
    "ICE_FIELD_OFFICES",
    "REQUIRED_COLUMNS",
    "facility_identity",
    "load_seed_facilities",
    "parse_facilities_csv",
]

# column -> max length (within the Facility model's limits). Order = header order of the seed file.
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

# ICE ERO field offices / areas of responsibility (DOMAIN §1.4).
ICE_FIELD_OFFICES: tuple[str, ...] = (
    "Atlanta", "Baltimore", "Boston", "Buffalo", "Chicago", "Dallas", "Denver", "Detroit",
    "El Paso", "Harlingen", "Houston", "Los Angeles", "Miami", "New Orleans", "New York City",
    "Newark", "Philadelphia", "Phoenix", "Salt Lake City", "San Antonio", "San Diego",
    "San Francisco", "Seattle", "St. Paul", "Washington",
)  # fmt: skip
_FIELD_OFFICE_KEYS = {o.casefold(): o for o in ICE_FIELD_OFFICES} | {
    "new york": "New York City",
    "saint paul": "St. Paul",
    "st paul": "St. Paul",
    "washington dc": "Washington",
    "washington, dc": "Washington",
    "washington, d.c.": "Washington",
}

_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c]")
_SPACES = re.compile(r"\s+")
_EXTERNAL_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_DETLOC = re.compile(r"[A-Z0-9]+")
_US_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TYPES = frozenset(t.value for t in FacilityType)
_CIRCUIT_ALIASES = {c.casefold(): c for c in CIRCUITS} | {c[:-2]: c for c in CIRCUITS if c[0].isdigit()}
_CIRCUIT_ALIASES |= {"dc": "D.C.", "d.c": "D.C."}


def _err(line: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    return {"line": line, "column": column, "code": code, "message": message}


def facility_identity(row: dict[str, Any]) -> tuple[str, str]:
    """Key for idempotent re-import: ``external_id`` if given, else folded name + state + country."""
    if row.get("external_id"):
        return ("external_id", str(row["external_id"]))
    place = f"{fold_for_search(row.get('state') or '')}|{row.get('country') or 'US'}"
    return ("name_state", f"{fold_for_search(str(row['name']))}|{place}")


def _clean(raw: dict[str, str], line: int, errors: list[dict[str, Any]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for col, limit in COLUMNS.items():
        value = raw.get(col)
        if value is None:
            out[col] = None
            continue
        if _FORBIDDEN.search(value) or (col not in _MULTILINE and "\n" in value):
            errors.append(_err(line, col, "invalid_characters", "Contains control or invisible characters."))
            out[col] = None
            continue
        value = unicodedata.normalize("NFC", value).strip()
        if col not in _MULTILINE:
            value = _SPACES.sub(" ", value)
        if len(value) > limit:
            errors.append(_err(line, col, "too_long", f"Longer than {limit} characters."))
            out[col] = None
            continue
        out[col] = value or None
    return out


def _validate_row(raw: dict[str, str], line: int) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    errors: list[dict[str, Any]] = []
    v = _clean(raw, line, errors)
    bad_cols = {e["column"] for e in errors}

    def fail(col: str, code: str, message: str) -> None:
        errors.append(_err(line, col, code, message))

    for col in REQUIRED_COLUMNS:
        if not v[col] and col not in bad_cols:
            fail(col, "missing_required", f"'{col}' is required.")

    ftype = v["type"]
    if ftype and ftype.lower() not in _TYPES:
        fail("type", "invalid_type", f"Unknown facility type {ftype!r}.")
    country = (v["country"] or "US").upper()
    if not is_valid_country(country):
        fail("country", "invalid_country", f"{v['country']!r} is not an ISO 3166-1 alpha-2 code.")
    in_us = country == "US"

    state = v["state"]
    if not in_us and state:
        fail("state", "state_abroad", "Outside the U.S. leave 'state' empty; put the province in 'county'.")
    if in_us:
        state = state.upper() if state else None
        if state is None and "state" not in bad_cols:
            fail("state", "missing_required", "'state' is required for U.S. facilities.")
        elif state is not None and not is_valid_us_state(state):
            fail("state", "invalid_state", f"{state!r} is not a USPS state or territory code.")
        if v["zip"] and not _US_ZIP.fullmatch(v["zip"]):
            fail("zip", "invalid_zip", "U.S. ZIP codes are 5 digits or ZIP+4.")

    district_id = v["federal_district"].lower() if v["federal_district"] else None
    district = DISTRICTS.get(district_id) if district_id else None
    if district_id and not in_us:
        fail("federal_district", "district_abroad", "Facilities outside the U.S. have no federal district.")
    elif district_id and district is None:
        fail("federal_district", "invalid_district", f"{district_id!r} is not a PACER district court id.")
    elif district and is_valid_us_state(state) and district.state != state:
        fail("federal_district", "district_state_mismatch", f"{district_id} is not in {state}.")
    elif in_us and not district_id and "federal_district" not in bad_cols:
        fail(
            "federal_district", "missing_required", "U.S. facilities need a federal district (habeas venue)."
        )

    circuit = v["circuit"]
    if circuit:
        key = circuit.casefold().rstrip(".").replace(" circuit", "")
        canonical = _CIRCUIT_ALIASES.get(key)
        if not in_us:
            fail("circuit", "circuit_abroad", "Facilities outside the U.S. have no circuit.")
        elif canonical is None:
            fail("circuit", "invalid_circuit", f"Unknown circuit {circuit!r}.")
        elif district and district.circuit != canonical:
            fail("circuit", "circuit_mismatch", f"{district.court_id} is in the {district.circuit} Circuit.")
        circuit = canonical
    elif district:
        circuit = district.circuit

    office = v["ice_field_office"]
    if office:
        office = _FIELD_OFFICE_KEYS.get(office.casefold())
        if office is None:
            fail(
                "ice_field_office",
                "invalid_field_office",
                f"Unknown ICE field office {v['ice_field_office']!r}.",
            )

    as_of: date | None = None
    if v["as_of"]:
        try:
            if not _ISO_DATE.fullmatch(v["as_of"]):
                raise ValueError
            as_of = date.fromisoformat(v["as_of"])
        except ValueError:
            fail("as_of", "invalid_date", "Use an ISO date: YYYY-MM-DD.")

    verified = (v["verified"] or "false").lower()
    if verified not in ("true", "false"):
        fail("verified", "invalid_boolean", "Use true or false.")

    external_id = v["external_id"]
    if external_id and not _EXTERNAL_ID.fullmatch(external_id):
        fail("external_id", "invalid_external_id", "Use lower-case letters, digits, '.', '_' or '-'.")
    detloc = v["ice_detloc_code"].upper() if v["ice_detloc_code"] else None
    if detloc and not _DETLOC.fullmatch(detloc):
        fail("ice_detloc_code", "invalid_detloc_code", "ICE facility codes are letters and digits.")
    aliases = [a.strip() for a in (v["aliases"] or "").split("|") if a.strip()]

    if errors:
        return None, errors
    row: dict[str, Any] = dict(v)
    row.update(
        line=line,
        type=FacilityType(ftype.lower()) if ftype else None,
        country=country,
        state=state,
        federal_district=district_id,
        circuit=circuit,
        ice_field_office=office,
        as_of=as_of,
        verified=verified == "true",
        aliases=aliases,
        ice_detloc_code=detloc,
    )
    return row, []


def parse_facilities_csv(text: str | bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate a facility CSV; returns ``(valid rows, errors)``. See docs/facilities_csv.md."""
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return [], [_err(line, None, "invalid_encoding", "File is not valid UTF-8.")]
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return [], [_err(1, None, "empty_file", "The file is empty.")]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    errors: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
        for col in sorted({h for h in header if header.count(h) > 1}):
            errors.append(_err(1, col, "duplicate_column", f"Column {col!r} appears more than once."))
        for col in header:
            if col not in COLUMNS:
                errors.append(_err(1, col or None, "unknown_column", f"Unknown column {col!r}."))
        for col in REQUIRED_COLUMNS:
            if col not in header:
                errors.append(_err(1, col, "missing_column", f"Required column {col!r} is missing."))
        if "state" not in header and "country" not in header:
            errors.append(_err(1, "state", "missing_column", "Need a 'state' or a 'country' column."))
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
                errors.append(_err(line, None, "too_many_rows", f"At most {MAX_ROWS} rows per file."))
                break
            if len(fields) != len(header):
                msg = f"Expected {len(header)} fields, found {len(fields)}."
                errors.append(_err(line, None, "wrong_field_count", msg))
                continue
            row, row_errors = _validate_row(dict(zip(header, fields, strict=True)), line)
            errors.extend(row_errors)
            if row is None:
                continue
            key = facility_identity(row)
            if key in seen:
                col = "external_id" if key[0] == "external_id" else "name"
                errors.append(_err(line, col, "duplicate_row", f"Same facility as line {seen[key]}."))
                continue
            seen[key] = line
            rows.append(row)
    except csv.Error as exc:
        errors.append(_err(reader.line_num, None, "malformed_csv", f"CSV syntax error: {exc}."))
    return rows, errors


def load_seed_facilities() -> list[dict[str, Any]]:
    """The packaged seed list (app/custody/data/facilities.csv); raises ``ValueError`` if invalid."""
    text = resources.files("app.custody").joinpath("data/facilities.csv").read_text(encoding="utf-8-sig")
    rows, errors = parse_facilities_csv(text)
    if errors:
        raise ValueError(f"seed facilities.csv is invalid: {errors[:5]}")
    return rows
