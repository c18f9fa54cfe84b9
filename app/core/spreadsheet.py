"""Reading cells the way spreadsheets write them (pure functions, no database).

People keep client lists in Excel, LibreOffice or Google Sheets and export them as CSV. Those programs write
dates as the computer's locale shows them (``11/20/2026`` in the United States, ``20/11/2026`` in most of Latin
America), as serial day numbers when a column was formatted as a number (``46346``), and date-times without a
UTC offset. These functions turn such cells into the ISO values the API's schemas take, and say when a date
could be read two ways, so the import can count how many followed the organization's ``date_order``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from app.core_data.country_names import COUNTRY_ROWS

DateOrder = Literal["MDY", "DMY"]

# Serial day numbers count from 1899-12-30 in Excel, LibreOffice and Google Sheets (Excel's 1900 leap-year
# bug puts its day 60 on a 29 February that never was; from day 61 on every program agrees). Numbers below
# 61 are refused: they are more likely a typing error than a date in early 1900.
_SERIAL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"\d{2,6}(?:\.\d+)?")
_SLASHED = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")


class CellError(ValueError):
    """A cell that cannot be read; ``code`` is stable (CSV row errors)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class DateCell:
    value: date
    ambiguous: bool  # both readings were possible; the organization's date order decided


def _serial_date(text: str) -> date:
    days = float(text)
    if days < 61 or days > 2_958_465:  # 9999-12-31
        raise CellError("invalid_date", "A number in a date column must be a spreadsheet date serial.")
    return _SERIAL_EPOCH + timedelta(days=int(days))


def read_date(text: str, order: DateOrder = "MDY") -> DateCell:
    """``2026-11-20``, ``11/20/2026`` (or ``20/11/2026`` with ``DMY``; ``-`` and ``.`` work as separators),
    or a spreadsheet serial (``46346``). A day above 12 settles the order whatever the setting."""
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return DateCell(date.fromisoformat(text), False)
        except ValueError:
            raise CellError("invalid_date", "Not a real date.") from None
    m = _SLASHED.fullmatch(text)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        ambiguous = a <= 12 and b <= 12 and a != b
        if a > 12:
            day, month = a, b
        elif b > 12:
            month, day = a, b
        else:
            month, day = (a, b) if order == "MDY" else (b, a)
        try:
            return DateCell(date(year, month, day), ambiguous)
        except ValueError:
            raise CellError("invalid_date", "Not a real date.") from None
    if _SERIAL.fullmatch(text):
        return DateCell(_serial_date(text), False)
    raise CellError("invalid_date", "Use YYYY-MM-DD, MM/DD/YYYY (or DD/MM/YYYY) or a spreadsheet date.")


def read_partial_date(text: str, order: DateOrder = "MDY") -> tuple[str, bool]:
    """A date of birth: ``YYYY`` and ``YYYY-MM`` stay partial (the record may know no more); anything else is
    read by ``read_date``. Returns (ISO text, ambiguous)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}(-\d{2})?", text):
        return text, False
    cell = read_date(text, order)
    return cell.value.isoformat(), cell.ambiguous


def read_datetime(text: str, zone: str, order: DateOrder = "MDY") -> tuple[datetime, bool]:
    """An instant. With a UTC offset (``2026-11-20T08:00:00-05:00``, ``...Z``) it is taken as written; without
    one (``2026-11-20 08:00``, ``11/20/2026 8:00 AM``, a bare date, a serial with a fraction of a day) it is
    a wall-clock time in ``zone`` (the organization's). Returns (aware datetime, ambiguous date)."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            return parsed, False
        return parsed.replace(tzinfo=ZoneInfo(zone)), False
    if _SERIAL.fullmatch(text):
        day = _serial_date(text)
        seconds = round((float(text) % 1) * 86400)
        return datetime.combine(day, time(), ZoneInfo(zone)) + timedelta(seconds=seconds), False
    date_part, _, clock_part = text.partition(" ")
    cell = read_date(date_part, order)
    at = time()
    if clock_part.strip():
        m = _CLOCK.fullmatch(clock_part.strip())
        if not m:
            raise CellError("invalid_datetime", "Use a time like 08:30 or 8:30 AM after the date.")
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        if m[4]:
            if not 1 <= hour <= 12:
                raise CellError("invalid_datetime", "With AM/PM the hour is 1 to 12.")
            hour = hour % 12 + (12 if m[4].lower() == "pm" else 0)
        try:
            at = time(hour, minute, second)
        except ValueError:
            raise CellError("invalid_datetime", "Not a real time of day.") from None
    return datetime.combine(cell.value, at, ZoneInfo(zone)), cell.ambiguous


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).replace(".", " ").split())


_COUNTRY_BY_NAME: dict[str, str] = {}
for _code, _en, _es in COUNTRY_ROWS:
    _COUNTRY_BY_NAME.setdefault(_fold(_en), _code)
    _COUNTRY_BY_NAME.setdefault(_fold(_es), _code)
# Everyday names a spreadsheet may hold besides the short names of the list.
for _name, _code in (("usa", "US"), ("united states of america", "US"), ("estados unidos de america", "US"),
                     ("eeuu", "US"), ("ee uu", "US"), ("uk", "GB"), ("britain", "GB"), ("great britain", "GB"),
                     ("russia", "RU"), ("south korea", "KR"), ("north korea", "KP"), ("vietnam", "VN"),
                     ("dr congo", "CD"), ("drc", "CD"), ("ivory coast", "CI"), ("cabo verde", "CV")):
    _COUNTRY_BY_NAME.setdefault(_name, _code)


def read_country(text: str) -> str:
    """An ISO 3166-1 alpha-2 code (``SV``) as it is, or a country's English or Spanish name (``El Salvador``,
    ``Guatemala``, ``México``) as its code. Unknown names are returned unchanged for the schema to refuse."""
    stripped = text.strip()
    if len(stripped) == 2:
        return stripped
    return _COUNTRY_BY_NAME.get(_fold(stripped), stripped)


def row_error(line: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    """One problem of a CSV import: ``line`` is the physical line where the record starts (header = 1)."""
    return {"line": line, "column": column, "code": code, "message": message}


def header_problems(header: list[str], known: Collection[str], required: Collection[str]) -> list[dict[str, Any]]:
    """Repeated, unknown and missing columns of a CSV header (a misspelt column must never drop data)."""
    errors = [row_error(1, col, "duplicate_column", f"Column {col!r} appears more than once.")
              for col in sorted({h for h in header if header.count(h) > 1})]
    errors += [row_error(1, col or None, "unknown_column", f"Unknown column {col!r}.")
               for col in header if col not in known]
    errors += [row_error(1, col, "missing_column", f"Required column {col!r} is missing.")
               for col in required if col not in header]
    return errors


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value for a CSV cell a spreadsheet will open: text that begins like a formula (``= + - @``, tab,
    carriage return) gets a leading apostrophe, so a name such as ``=HYPERLINK(...)`` is shown, never run
    (OWASP, "CSV Injection")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    """A CSV document (RFC 4180, CRLF line ends, UTF-8 when encoded) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
