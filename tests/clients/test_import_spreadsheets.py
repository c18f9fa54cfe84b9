"""Client CSVs as spreadsheets write them: local dates, serial numbers, date-times without an offset, country
names, everyday column names; the template and the error report downloads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.core.spreadsheet import CellError, csv_text, read_country, read_date, read_datetime, read_partial_date
from tests.conftest import assert_problem
from tests.factories import make_facility

API = "/api/v1"
IMPORT = f"{API}/clients/import"


def upload(client: Any, h: dict[str, str], text: str, url: str = IMPORT, **params: Any) -> Any:
    return client.post(url, headers=h, params=params, files={"file": ("intake.csv", text.encode(), "text/csv")})


# --- the cell readers (pure) ---------------------------------------------------------------------------------

def test_dates_in_either_order_and_as_serials() -> None:
    assert read_date("11/20/2026") == read_date("2026-11-20")
    assert read_date("11/20/2026").ambiguous is False  # 20 cannot be a month
    assert read_date("20/11/2026", "MDY").value == date(2026, 11, 20)  # a day above 12 settles it
    assert read_date("03/04/2026", "MDY").value == date(2026, 3, 4)
    assert read_date("03/04/2026", "DMY").value == date(2026, 4, 3)
    assert read_date("03/04/2026").ambiguous is True
    assert read_date("04/04/2026").ambiguous is False  # same either way
    assert read_date("20.11.2026").value == date(2026, 11, 20)
    assert read_date("46346").value == date(2026, 11, 20)  # Excel/LibreOffice/Sheets serial
    for bad in ("13/13/2026", "02/30/2026", "12", "yesterday", "2026-13-01"):
        with pytest.raises(CellError):
            read_date(bad)
    assert read_partial_date("1990") == ("1990", False)
    assert read_partial_date("1990-07") == ("1990-07", False)
    assert read_partial_date("7/4/1990") == ("1990-07-04", True)  # or 7 April: MDY decides


def test_datetimes_without_an_offset_are_local_to_the_organization() -> None:
    at, _ = read_datetime("2026-11-20", "America/Chicago")
    assert at == datetime(2026, 11, 20, 6, tzinfo=UTC)  # midnight in Chicago (CST, UTC-6)
    at, _ = read_datetime("11/20/2026 8:30 PM", "America/New_York")
    assert at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    at, _ = read_datetime("2026-07-01 08:00", "America/Los_Angeles")
    assert at == datetime(2026, 7, 1, 15, tzinfo=UTC)  # PDT, UTC-7
    at, _ = read_datetime("2026-07-01T08:00:00Z", "America/Los_Angeles")
    assert at == datetime(2026, 7, 1, 8, tzinfo=UTC)  # an offset is taken as written
    at, _ = read_datetime("46346.5", "America/New_York")
    assert at == datetime(2026, 11, 20, 17, tzinfo=UTC)  # noon Eastern
    with pytest.raises(CellError):
        read_datetime("11/20/2026 25:00", "America/New_York")


def test_country_names_in_english_and_spanish() -> None:
    assert read_country("El Salvador") == "SV"
    assert read_country("méxico") == "MX"
    assert read_country("Estados Unidos") == "US"
    assert read_country("GT") == "GT"
    assert read_country("Atlantis") == "Atlantis"  # left for the schema to refuse


def test_formula_cells_are_escaped() -> None:
    text = csv_text(["a", "b"], [["=HYPERLINK(\"x\")", "+1"], ["@SUM(A1)", "plain"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "'+1"] and rows[2] == ["'@SUM(A1)", "plain"]


# --- through the API ---------------------------------------------------------------------------------------

def test_spreadsheet_export_imports_as_is(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    tag = uuid.uuid4().hex[:6]
    fac = make_facility(db, org.id, name=f"Casa {tag}", external_id=f"casa-{tag}")
    text = (
        "First Name,Last Name,DOB,A#,Country of Birth,Nationality,Status,As Of,Facility\r\n"
        f"Marta {tag},Quispe,07/04/1990,201234567,Guatemala,Guatemala|México,detained_ice,"
        f"11/20/2025 8:00 AM,Casa {tag}\r\n"
        f"Rosa {tag},Mamani,46346,,El Salvador,,,,\r\n"
    )
    r = upload(client, h, text, dry_run="true")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["errors"] == [] and report["created"] == 2 and report["custody_events"] == 1
    r = upload(client, h, text)
    assert r.status_code == 200, r.text
    items = client.get(f"{API}/clients", headers=h, params={"q": f"marta {tag}"}).json()["items"]
    assert len(items) == 1
    marta = client.get(f"{API}/clients/{items[0]['id']}", headers=h).json()
    assert marta["date_of_birth"] == "1990-07-04" and marta["country_of_birth"] == "GT"
    assert marta["citizenships"] == ["GT", "MX"]
    assert marta["custody"]["status"] == "detained_ice"
    # 8:00 AM on 20 November in the organization's zone (America/New_York by default, EST = UTC-5)
    assert marta["custody"]["effective_at"].startswith("2025-11-20T13:00:00")
    assert marta["custody"]["facility_id"] == str(fac.id)


def test_ambiguous_dates_are_counted(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    text = "given_names,first_surname,date_of_birth\r\nA,Uno,03/04/1990\r\nB,Dos,04/04/1990\r\nC,Tres,1990-03-04\r\n"
    report = upload(client, h, text, dry_run="true").json()
    assert report["errors"] == [] and report["ambiguous_dates"] == 1 and report["date_order"] == "MDY"


def test_unreadable_cells_are_row_errors(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    text = ("given_names,first_surname,date_of_birth,country_of_birth,custody_status,custody_effective_at\r\n"
            "A,Uno,31/31/1990,,,\r\nB,Dos,,Atlantis,,\r\nC,Tres,,,detained_ice,someday\r\n")
    body = assert_problem(upload(client, h, text), 422, "import_invalid")
    got = {(e["line"], e["column"], e["code"]) for e in body["errors"]}
    assert got == {(2, "date_of_birth", "invalid_date"), (3, "country_of_birth", "invalid_country"),
                   (4, "custody_effective_at", "invalid_date")}
    assert all("Atlantis" not in e["message"] for e in body["errors"])  # messages do not echo values


def test_template_downloads_and_imports_cleanly(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    r = client.get(f"{IMPORT}/template.csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["a_number", "given_names", "first_surname"] and len(rows) == 2
    report = upload(client, h, r.text, dry_run="true").json()
    assert report["errors"] == [] and report["created"] == 1, report
    assert_problem(client.get(f"{IMPORT}/template.csv", headers=org.h("family_liaison")), 403, "forbidden")
    assert_problem(client.get(f"{IMPORT}/template.csv"), 401)


def test_error_report_is_a_csv_of_the_row_errors(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    text = "given_names,first_surname,date_of_birth\r\n=CMD(),Uno,1990-02-30\r\nB,,\r\nC,Tres,1990\r\n"
    r = upload(client, h, text, url=f"{IMPORT}/errors.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["line", "column", "code", "message"]
    assert [(x[0], x[1], x[2]) for x in rows[1:]] == [("2", "date_of_birth", "invalid_date"),
                                                     ("3", "first_surname", "missing_required")]
    assert org_count_is_zero(client, h)  # the report never imports
    assert_problem(upload(client, org.h("family_liaison"), text, url=f"{IMPORT}/errors.csv"), 403, "forbidden")


def org_count_is_zero(client: Any, h: dict[str, str]) -> bool:
    return int(client.get(f"{API}/clients", headers=h, params={"limit": 1}).json()["total"]) == 0


def test_error_report_of_an_unreadable_file_is_a_problem(client: Any, make_org: Any) -> None:
    org = make_org()
    body = assert_problem(upload(client, org.h("paralegal"), "false", url=f"{IMPORT}/errors.csv"), 422,
                          "import_invalid")
    assert {e["code"] for e in body["errors"]} >= {"missing_column"}


def test_the_organization_date_order_and_zone_are_used(client: Any, make_org: Any) -> None:
    """An organization whose spreadsheets write day first (Latin America) sets date_order DMY."""
    org = make_org()
    admin = org.h("admin")
    etag = client.get(f"{API}/organization", headers=admin).headers["etag"]
    r = client.patch(f"{API}/organization", headers={**admin, "If-Match": etag},
                     json={"date_order": "DMY", "timezone": "America/Mexico_City"})
    assert r.status_code == 200, r.text
    text = ("given_names,first_surname,date_of_birth,custody_status,custody_effective_at,custody_location\r\n"
            "A,Uno,03/04/1990,detained_other_us,05/11/2025 10:00,Cárcel municipal\r\n")
    h = org.h("paralegal")
    report = upload(client, h, text, dry_run="true").json()
    assert report["errors"] == [] and report["date_order"] == "DMY" and report["ambiguous_dates"] == 2
    upload(client, h, text)
    item = client.get(f"{API}/clients", headers=h).json()["items"][0]
    detail = client.get(f"{API}/clients/{item['id']}", headers=h).json()
    assert detail["date_of_birth"] == "1990-04-03"
    # 10:00 on 5 November 2025 in Mexico City (UTC-6 all year since 2022)
    assert detail["custody"]["effective_at"].startswith("2025-11-05T16:00:00")
