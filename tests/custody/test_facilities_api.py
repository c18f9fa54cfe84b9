"""Facilities: shared + own, filters, creation rules, tenancy, CSV import (API and CLI, idempotent)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import assert_problem, new_database_url
from tests.factories import make_facility

FAC = "/api/v1/facilities"


def fac_body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Fictional Memorial Hospital", "type": "hospital", "city": "Baltimore",
                            "state": "MD", "country": "US", "custodian_name": "Pat Example",
                            "custodian_title": "Warden", "ice_field_office": "baltimore"}
    data.update(over)
    return data


def test_create_own_facility_derives_district(client: Any, org_a: Any) -> None:
    r = client.post(FAC, headers=org_a.h("paralegal"), json=fac_body())
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["federal_district"] == "mdd" and f["federal_district_name"] == "District of Maryland"
    assert f["circuit"] == "4th" and f["ice_field_office"] == "Baltimore" and f["shared"] is False
    g = client.get(f"{FAC}/{f['id']}", headers=org_a.h("attorney"))
    assert g.status_code == 200 and g.headers["etag"] == '"1"'
    r = client.post(FAC, headers=org_a.h("paralegal"), json=fac_body(name="Port Isabel Hold Room", state="tx",
                                                                     federal_district="TXSD", type="hold_room"))
    assert r.status_code == 201, r.text
    assert r.json()["federal_district_name"] == "Southern District of Texas" and r.json()["state"] == "TX"


def test_foreign_facility(client: Any, org_a: Any) -> None:
    r = client.post(FAC, headers=org_a.h("attorney"), json={
        "name": "Centro de Confinamiento del Terrorismo", "type": "foreign_prison", "city": "Tecoluca",
        "county": "San Vicente", "country": "sv"})
    assert r.status_code == 201, r.text
    assert r.json()["country"] == "SV" and r.json()["federal_district"] is None


@pytest.mark.parametrize(("over", "code"), [
    ({"state": "TX"}, "federal_district_required"),
    ({"federal_district": "txsd"}, "district_state_mismatch"),
    ({"federal_district": "zzz"}, "invalid_district"),
    ({"state": None}, "state_required"),
    ({"country": "MX", "state": None, "federal_district": "txsd"}, "district_abroad"),
    ({"country": "MX"}, "state_abroad"),
    ({"ice_field_office": "Atlantis"}, "invalid_field_office"),
    ({"state": "ZZ"}, "validation_error"),
    ({"type": "castle"}, "validation_error"),
    ({"country": "XX"}, "validation_error"),
    ({"name": ""}, "validation_error"),
    ({"organization_id": str(uuid.uuid4())}, "validation_error"),
    ({"verified": True}, "validation_error"),
    ({"id": str(uuid.uuid4())}, "validation_error"),
    ({"external_id": "Has Spaces"}, "validation_error"),
    ({"zip": "ABCDE"}, "validation_error"),
])
def test_invalid_facility_bodies(client: Any, org_a: Any, over: dict[str, Any], code: str) -> None:
    assert_problem(client.post(FAC, headers=org_a.h("paralegal"), json=fac_body(**over)), 422, code)


def test_duplicate_external_id_is_409(client: Any, org_a: Any) -> None:
    ext = f"org-{uuid.uuid4().hex[:8]}"
    assert client.post(FAC, headers=org_a.h("paralegal"), json=fac_body(external_id=ext)).status_code == 201
    assert_problem(client.post(FAC, headers=org_a.h("paralegal"), json=fac_body(external_id=ext)), 409,
                   "facility_exists")


def test_shared_and_own_visibility(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    shared = make_facility(db, None, name=f"Shared Center {tag}")
    mine = make_facility(db, org_a.id, name=f"Own Hospital {tag}", type="hospital")
    theirs = make_facility(db, org_b.id, name=f"Their Hold Room {tag}", type="hold_room")
    h = org_a.h("paralegal")
    ids = {f["id"] for f in client.get(FAC, headers=h, params={"q": tag, "limit": 200}).json()["items"]}
    assert ids == {str(shared.id), str(mine.id)}
    assert client.get(f"{FAC}/{shared.id}", headers=h).json()["shared"] is True
    assert_problem(client.get(f"{FAC}/{theirs.id}", headers=h), 404, "facility_not_found")
    assert_problem(client.get(f"{FAC}/{uuid.uuid4()}", headers=h), 404, "facility_not_found")


def test_filters_and_accent_insensitive_q(client: Any, org_a: Any, db: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    a = make_facility(db, org_a.id, name=f"Centro Ábrego {tag}", aliases=[f"Alias Núñez {tag}"])
    b = make_facility(db, org_a.id, name=f"Houston Center {tag}", state="TX", federal_district="txsd",
                      type="ice_contract", city="Houston")
    h = org_a.h("paralegal")

    def ids(**params: Any) -> list[str]:
        r = client.get(FAC, headers=h, params={**params, "limit": 200})
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["items"] if tag in f["name"]]

    assert ids(q=f"abrego {tag}") == [str(a.id)]
    assert ids(q=f"NUNEZ {tag}") == [str(a.id)]
    assert ids(q=tag, state="tx") == [str(b.id)]
    assert ids(q=tag, federal_district="TXSD") == [str(b.id)]
    assert ids(q=tag, type="ice_contract") == [str(b.id)]
    assert ids(q=f"%{tag}") == []
    assert sorted(ids(q=tag)) == sorted([str(a.id), str(b.id)])
    assert_problem(client.get(FAC, headers=h, params={"type": "castle"}), 422)
    page = client.get(FAC, headers=h, params={"q": tag, "limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1


def test_liaison_refused(client: Any, org_a: Any) -> None:
    h = org_a.h("family_liaison")
    assert_problem(client.get(FAC, headers=h), 403)
    assert_problem(client.post(FAC, headers=h, json=fac_body()), 403)


ORG_CSV = """external_id,name,type,city,state,country,federal_district,notes
{ext}-1,Fictional County Jail,igsa_county_jail,Towson,MD,US,mdd,"Legal calls: weekdays
9-11"
{ext}-2,Fictional Staging Hangar,hold_room,Alexandria,LA,US,lawd,
"""


def test_org_facility_csv_import_is_idempotent(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    text = ORG_CSV.format(ext=f"t{uuid.uuid4().hex[:6]}")
    files = {"file": ("f.csv", text.encode(), "text/csv")}
    dry = client.post(f"{FAC}/import", headers=h, files=files, params={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["created"] == 2 and dry.json()["dry_run"] is True
    assert client.get(FAC, headers=h, params={"q": "fictional staging"}).json()["total"] == 0
    first = client.post(f"{FAC}/import", headers=h, files=files)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (2, 0, 0)
    second = client.post(f"{FAC}/import", headers=h, files=files).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    items = client.get(FAC, headers=h, params={"q": "fictional county jail"}).json()["items"]
    assert len(items) == 1 and items[0]["visitation_info"] == "Legal calls: weekdays\n9-11"
    assert items[0]["shared"] is False
    bad = client.post(f"{FAC}/import", headers=h, files={"file": ("f.csv", b"name,type,city,state\nX,castle,Y,MD\n",
                                                                    "text/csv")})
    body = assert_problem(bad, 422, "import_invalid")
    assert {e["code"] for e in body["errors"]} >= {"invalid_type"}


def test_cli_seed_and_import_are_idempotent(tmp_path_factory: Any, monkeypatch: Any) -> None:
    """``dueprocess seed-facilities`` / ``import-facilities`` upsert the shared list (fresh database)."""
    import typer
    from typer.testing import CliRunner

    from app.core.config import get_settings
    from app.custody.cli import commands
    from app.custody.facility_csv import load_seed_facilities
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "heads")
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        app = typer.Typer()
        commands(app)
        runner = CliRunner()
        seed_count = len(load_seed_facilities())
        first = runner.invoke(app, ["seed-facilities"])
        assert first.exit_code == 0, first.output
        assert f"{seed_count} created, 0 updated, 0 unchanged" in first.output
        again = runner.invoke(app, ["seed-facilities"])
        assert f"0 created, 0 updated, {seed_count} unchanged" in again.output
        csv_file = tmp_path_factory.mktemp("csv") / "extra.csv"
        csv_file.write_text("external_id,name,type,city,state,federal_district\n"
                            "us-ga-stewart,Stewart Detention Center,dedicated_igsa,Lumpkin,GA,gamd\n"
                            "zz-new,Brand New Center,ice_contract,Conroe,TX,txsd\n", encoding="utf-8")
        out = runner.invoke(app, ["import-facilities", str(csv_file)])
        assert out.exit_code == 0, out.output
        assert "1 created" in out.output
        bad_file = tmp_path_factory.mktemp("csv") / "bad.csv"
        bad_file.write_text("name,type,city,state\nX,castle,Y,MD\n", encoding="utf-8")
        bad = runner.invoke(app, ["import-facilities", str(bad_file)])
        assert bad.exit_code == 1 and "invalid_type" in bad.output
    finally:
        get_settings.cache_clear()
        monkeypatch.delenv("DATABASE_URL")
        get_settings.cache_clear()
        cleanup()
