"""Exports: clients, custody history, deadlines and alerts as CSV and XLSX (staff), the whole organization as
JSON (admins). Audited, tenant-scoped, formula cells escaped, secrets never exported."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from tests.conftest import ALL_ROLES, assert_problem

API = "/api/v1"
EXPORTS = {"clients": f"{API}/clients/export", "custody_events": f"{API}/custody-events/export",
           "deadlines": f"{API}/deadlines/export", "alerts": f"{API}/alerts/export"}


def _client(client: Any, h: dict[str, str], **kw: Any) -> dict[str, Any]:
    body = {"given_names": "Marta", "first_surname": f"Quispe{uuid.uuid4().hex[:6]}", "a_number": "A201234567",
            "privileged_notes": "PRIVILEGED-MARKER", "languages": ["spa", "quc"], **kw}
    r = client.post(f"{API}/clients", headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _event(client: Any, h: dict[str, str], client_id: str, **kw: Any) -> None:
    body = {"status": "not_detained", "effective_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
            "source_type": "client_call", "confidence": "confirmed", **kw}
    r = client.post(f"{API}/clients/{client_id}/custody-events", headers=h, json=body)
    assert r.status_code == 201, r.text


def _csv(r: Any) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv") and "attachment" in r.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))


def test_csv_and_xlsx_of_each_entity(client: Any, make_org: Any) -> None:
    org, other = make_org(), make_org()
    h = org.h("paralegal")
    marta = _client(client, h)
    _event(client, h, marta["id"], notes="=HYPERLINK(\"http://evil.example\")")
    theirs = _client(client, other.h("paralegal"), first_surname="Ajena")
    rows = _csv(client.get(EXPORTS["clients"], headers=h))
    assert [r["client_id"] for r in rows] == [marta["id"]]  # another organization's client never appears
    assert rows[0]["a_number"] == "A-201-234-567" and rows[0]["custody_status"] == "not_detained"
    assert rows[0]["languages"] == "spa|quc"
    assert theirs["id"] not in json.dumps(rows)
    events = _csv(client.get(EXPORTS["custody_events"], headers=h))
    assert events[0]["notes"].startswith("'=HYPERLINK")  # a formula is shown, never run
    assert events[0]["client"].startswith("Marta Quispe")
    r = client.get(EXPORTS["clients"], headers=h, params={"format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["client_id", "display_name", "given_names"] and values[1][0] == marta["id"]
    r = client.get(EXPORTS["custody_events"], headers=h, params={"format": "xlsx"})
    cell = openpyxl.load_workbook(io.BytesIO(r.content)).active.cell(row=2, column=16)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # stored as text, not a formula
    for url in EXPORTS.values():
        assert client.get(url, headers=h).status_code == 200
    assert "PRIVILEGED-MARKER" not in client.get(EXPORTS["clients"], headers=h).text
    assert_problem(client.get(EXPORTS["clients"], headers=h, params={"format": "pdf"}), 422)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_export_roles(client: Any, org_a: Any, role: str) -> None:
    for url in EXPORTS.values():
        r = client.get(url, headers=org_a.h(role))
        if role == "family_liaison":
            assert_problem(r, 403, "forbidden")
        else:
            assert r.status_code == 200, (url, r.text)
    r = client.get(f"{API}/organization/export", headers=org_a.h(role))
    if role == "admin":
        assert r.status_code == 200
    else:
        assert_problem(r, 403, "forbidden")


def test_exports_are_audited(client: Any, make_org: Any) -> None:
    org = make_org()
    _client(client, org.h("paralegal"))
    client.get(EXPORTS["clients"], headers=org.h("paralegal"), params={"format": "xlsx"})
    events = client.get(f"{API}/audit-events", headers=org.h("admin"), params={"action": "export.clients"}).json()
    assert events["total"] == 1 and events["items"][0]["detail"] == {"format": "xlsx", "rows": 1}


def test_organization_export_is_complete_and_keeps_secrets_out(client: Any, make_org: Any) -> None:
    org, other = make_org(), make_org()
    marta = _client(client, org.h("paralegal"))
    _event(client, org.h("paralegal"), marta["id"])
    _client(client, other.h("paralegal"), first_surname="Ajena")
    r = client.get(f"{API}/organization/export", headers=org.h("admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["format"] == "dueprocess.organization-export" and doc["organization"]["id"] == str(org.id)
    tables = doc["tables"]
    assert [c["id"] for c in tables["client"]] == [marta["id"]]
    assert tables["client"][0]["a_number"] == "201234567"
    assert tables["client"][0]["privileged_notes"] == "PRIVILEGED-MARKER"  # the record, for portability
    assert len(tables["custody_event"]) == 1 and len(tables["user_account"]) == 4
    text = r.text
    for secret in ("password_hash", "token_hash", "a_number_ct", "a_number_bidx", "$argon2"):
        assert secret not in text
    assert "Ajena" not in text and "refresh_token" not in tables
    audit = client.get(f"{API}/audit-events", headers=org.h("admin"),
                       params={"action": "export.organization"}).json()
    assert audit["total"] == 1
