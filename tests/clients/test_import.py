"""CSV intake (POST /clients/import): validation, all-or-nothing, partial, dry run, dedupe, groups, custody."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import assert_problem
from tests.factories import make_client, make_facility

API = "/api/v1"
IMPORT = f"{API}/clients/import"
HEADER = ["a_number", "given_names", "first_surname", "second_surname", "date_of_birth", "country_of_birth",
          "citizenships", "languages", "interpreter_needed", "group", "custody_status", "custody_effective_at",
          "facility_external_id", "facility_name", "custody_country", "source_type", "confidence", "notes"]


def numbers(n: int) -> list[str]:
    base = random.randint(100_000_000, 899_999_999 - n)
    return [str(base + i) for i in range(n)]


def csv_text(rows: list[dict[str, str]], sep: str = ",", header: list[str] = HEADER) -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if (sep in v or "\n" in v or '"' in v) else v

    lines = [sep.join(header)] + [sep.join(cell(r.get(h, "")) for h in header) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def upload(client: Any, h: dict[str, str], text: str | bytes, **params: Any) -> Any:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(IMPORT, headers=h, params=params, files={"file": ("intake.csv", data, "text/csv")})


def bulk_rows(n: int) -> list[dict[str, str]]:
    tag = uuid.uuid4().hex[:6]
    return [{"a_number": num, "given_names": f"Persona {tag}", "first_surname": f"Apellido{i}",
             "second_surname": "Pérez", "date_of_birth": "1990-01-01", "country_of_birth": "SV",
             "citizenships": "SV", "languages": "spa", "interpreter_needed": "yes"}
            for i, num in enumerate(numbers(n))]


def org_count(client: Any, h: dict[str, str]) -> int:
    return int(client.get(f"{API}/clients", headers=h, params={"limit": 1}).json()["total"])


def test_thousand_rows_with_three_bad_rows_writes_nothing(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    rows = bulk_rows(1000)
    rows[10]["a_number"] = "IOE0912345678"  # receipt number: line 12
    rows[500]["date_of_birth"] = "1990-02-30"  # line 502
    rows[998]["given_names"] = ""  # line 1000
    r = upload(client, h, csv_text(rows))
    body = assert_problem(r, 422, "import_invalid")
    assert sorted({e["line"] for e in body["errors"]}) == [12, 502, 1000]
    by_line = {e["line"]: e for e in body["errors"]}
    assert (by_line[12]["column"], by_line[12]["code"]) == ("a_number", "invalid_a_number")
    assert (by_line[502]["column"], by_line[502]["code"]) == ("date_of_birth", "invalid_date")
    assert (by_line[1000]["column"], by_line[1000]["code"]) == ("given_names", "missing_required")
    assert "IOE0912345678" not in r.text
    assert org_count(client, h) == 0
    # partial: the 997 valid rows go in
    p = upload(client, h, csv_text(rows), partial="true")
    assert p.status_code == 200, p.text[:500]
    out = p.json()
    assert out["created"] == 997 and out["partial"] is True and out["dry_run"] is False
    assert sorted({e["line"] for e in out["errors"]}) == [12, 502, 1000]
    assert org_count(client, h) == 997
    # the same file again: everything valid is matched, nothing duplicated
    again = upload(client, h, csv_text(rows), partial="true").json()
    assert again["created"] == 0 and len(again["matched"]) == 997
    assert {m["by"] for m in again["matched"]} == {"a_number"}
    assert org_count(client, h) == 997


def test_dry_run_writes_nothing(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    rows = bulk_rows(20)
    rows[3]["country_of_birth"] = "XX"
    r = upload(client, h, csv_text(rows), dry_run="true")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["dry_run"] is True and out["created"] == 19
    assert [(e["line"], e["column"], e["code"]) for e in out["errors"]] == [(5, "country_of_birth", "invalid_country")]
    assert org_count(client, h) == 0


def test_too_many_rows_is_413(client: Any, org_a: Any) -> None:
    rows = "\n".join(f"Ana{i},Pérez" for i in range(10_001))
    r = upload(client, org_a.h("paralegal"), "given_names,first_surname\n" + rows + "\n")
    assert_problem(r, 413, "too_many_rows")
    ok = "\n".join(f"Ana{i},Pérez" for i in range(10_000))
    r = upload(client, org_a.h("paralegal"), "given_names,first_surname\n" + ok + "\n", dry_run="true")
    assert r.status_code == 200 and r.json()["created"] == 10_000


def test_bom_semicolon_unicode_groups_and_custody(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    fac = make_facility(db, None, name=f"Intake Center {uuid.uuid4().hex[:6]}", external_id=f"t-{uuid.uuid4().hex[:8]}")
    nums = numbers(4)
    eff = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    rows = [
        {"a_number": f"A-{nums[0][:3]}-{nums[0][3:6]}-{nums[0][6:]}", "given_names": "José Luis",
         "first_surname": "Núñez", "second_surname": "Peña", "date_of_birth": "1988", "country_of_birth": "sv",
         "citizenships": "SV|GT", "languages": "spa|quc", "interpreter_needed": "sí", "group": "Vuelo 15 de marzo",
         "custody_status": "detained_ice", "custody_effective_at": eff, "facility_external_id": fac.external_id,
         "source_type": "ice_locator", "confidence": "confirmed", "notes": "Nota; con punto y coma\ny salto"},
        {"given_names": "محمد", "first_surname": "عبد الله", "group": "Vuelo 15 de marzo",
         "custody_status": "removed_to_third_country", "custody_effective_at": eff, "custody_country": "SV"},
        {"a_number": nums[2], "given_names": "伟", "first_surname": "王", "custody_status": "hospitalized",
         "custody_effective_at": eff, "facility_name": fac.name.upper()},
        {"a_number": nums[3], "given_names": "Ana", "first_surname": "Ábrego", "group": "Otro grupo"},
    ]
    text = "\ufeff" + csv_text(rows, sep=";")
    r = upload(client, h, text)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["created"] == 4 and out["errors"] == [] and out["custody_events"] == 3
    assert out["group_memberships"] == 3 and out["groups_created"] == ["Otro grupo", "Vuelo 15 de marzo"]
    items = client.get(f"{API}/clients", headers=h, params={"q": "nunez pena"}).json()["items"]
    assert len(items) == 1
    jose = client.get(f"{API}/clients/{items[0]['id']}", headers=h).json()
    assert jose["a_number"] == nums[0] and jose["citizenships"] == ["SV", "GT"] and jose["interpreter_needed"] is True
    assert jose["privileged_notes"] == "Nota; con punto y coma\ny salto" and jose["date_of_birth"] == "1988"
    assert [lang["code"] for lang in jose["languages"]] == ["spa", "quc"]
    assert len(jose["group_ids"]) == 1
    st = client.get(f"{API}/clients/{jose['id']}/status", headers=h).json()
    assert st["status"] == "detained_ice" and st["facility"]["id"] == str(fac.id) and st["confidence"] == "confirmed"
    assert client.get(f"{API}/clients", headers=h, params={"q": "محمد"}).json()["total"] == 1
    detained = client.get(f"{API}/clients", headers=h, params={"facility_id": str(fac.id)}).json()
    assert detained["total"] == 2
    removed = client.get(f"{API}/clients", headers=h, params={"status": "removed_to_third_country"}).json()
    assert removed["total"] == 1 and removed["items"][0]["custody"]["country"] == "SV"


def test_matching_existing_clients_and_in_file_duplicates(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    nums = numbers(5)
    by_number = make_client(db, org.id, a_number=nums[0], given_names="Existing", first_surname="Uno")
    by_name = make_client(db, org.id, given_names="María José", first_surname="García", second_surname="López",
                          date_of_birth="1990-05-04")
    other_a = make_client(db, org.id, given_names="Pedro", first_surname="Soto", date_of_birth="1980",
                          a_number=nums[4])
    deleted = make_client(db, org.id, a_number=nums[1])
    client.delete(f"{API}/clients/{deleted.id}", headers={**org.h("attorney"), "If-Match": '"1"'})
    rows = [
        {"a_number": f"A{nums[0]}", "given_names": "Different", "first_surname": "Name", "group": "G1"},  # 2
        {"given_names": "MARIA JOSE", "first_surname": "Garcia", "second_surname": "lopez",
         "date_of_birth": "1990-05-04", "group": "G1"},  # 3: matched by name + DOB
        {"a_number": nums[2], "given_names": "Pedro", "first_surname": "Soto", "date_of_birth": "1980"},  # 4: new
        {"a_number": nums[2], "given_names": "Copy", "first_surname": "Row"},  # 5: dup A-number in file
        {"given_names": "Luz", "first_surname": "Díaz", "date_of_birth": "2001-02-03"},  # 6
        {"given_names": "luz", "first_surname": "DIAZ", "date_of_birth": "2001-02-03"},  # 7: dup name+DOB in file
        {"a_number": nums[1], "given_names": "Gone", "first_surname": "Client"},  # 8: deleted client's A-number
        {"a_number": nums[3], "given_names": "Luz", "first_surname": "Díaz", "date_of_birth": "2001-02-03"},  # 9
    ]
    r = upload(client, h, csv_text(rows), partial="true")
    assert r.status_code == 200, r.text
    out = r.json()
    assert sorted((m["line"], m["client_id"], m["by"]) for m in out["matched"]) == [
        (2, str(by_number.id), "a_number"), (3, str(by_name.id), "name_dob")]
    assert [(e["line"], e["code"]) for e in out["errors"]] == [
        (5, "duplicate_in_file"), (7, "duplicate_in_file"), (8, "a_number_conflict"), (9, "duplicate_in_file")]
    assert out["created"] == 2  # lines 4 and 6
    assert out["group_memberships"] == 2  # matched clients join the group; their records are untouched
    unchanged = client.get(f"{API}/clients/{by_number.id}", headers=h).json()
    assert unchanged["given_names"] == "Existing" and unchanged["version"] == 1 and len(unchanged["group_ids"]) == 1
    assert client.get(f"{API}/clients", headers=h, params={"q": "pedro soto"}).json()["total"] == 2
    assert other_a.id  # same name + DOB but a different A-number: a different person (line 4 was created)
    strict = upload(client, h, csv_text(rows))
    assert_problem(strict, 422, "import_invalid")


def test_custody_rows_are_validated(client: Any, make_org: Any, db: Any, org_b: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    theirs = make_facility(db, org_b.id, name=f"Their Hospital {uuid.uuid4().hex[:6]}", type="hospital",
                           external_id=f"theirs-{uuid.uuid4().hex[:8]}")
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    rows = [
        {"given_names": "A", "first_surname": "Uno", "custody_status": "detained_ice", "custody_effective_at": future,
         "facility_name": "Nowhere At All"},  # 2
        {"given_names": "B", "first_surname": "Dos", "custody_status": "removed_to_third_country",
         "custody_effective_at": past},  # 3
        {"given_names": "C", "first_surname": "Tres", "custody_status": "jailed", "custody_effective_at": past},  # 4
        {"given_names": "D", "first_surname": "Cuatro", "custody_status": "not_detained",
         "custody_effective_at": "2025-01-01T10:00:00"},  # 5: no offset = the organization's time zone (valid)
        {"given_names": "E", "first_surname": "Cinco", "custody_status": "hospitalized", "custody_effective_at": past,
         "facility_external_id": theirs.external_id},  # 6
        {"given_names": "F", "first_surname": "Seis", "custody_effective_at": past},  # 7
        {"given_names": "G", "first_surname": "Siete", "custody_status": "not_detained", "custody_effective_at": past,
         "source_type": "rumour", "confidence": "sure"},  # 8
        {"given_names": "H", "first_surname": "Ocho", "custody_status": "detained_ice",
         "custody_effective_at": past},  # 9
    ]
    out = upload(client, h, csv_text(rows), dry_run="true").json()
    got = {(e["line"], e["column"], e["code"]) for e in out["errors"]}
    assert got == {
        (2, "custody_effective_at", "effective_at_in_future"), (2, "facility_name", "facility_not_found"),
        (3, "custody_country", "country_required"), (4, "custody_status", "invalid_status"),
        (6, "facility_external_id", "facility_not_found"),
        (7, "custody_status", "missing_required"), (8, "source_type", "invalid_source_type"),
        (8, "confidence", "invalid_confidence"), (9, "facility_name", "location_required"),
    }
    assert out["created"] == 1  # line 5 only


def test_file_level_problems(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    body = assert_problem(upload(client, h, "given_names,first_surname,favourite_color\nA,B,red\n"), 422,
                          "import_invalid")
    assert body["errors"] == [{"line": 1, "column": "favourite_color", "code": "unknown_column",
                               "message": "Unknown column 'favourite_color'."}]
    body = assert_problem(upload(client, h, "given_names\nA\n"), 422, "import_invalid")
    assert body["errors"][0]["code"] == "missing_column"
    body = assert_problem(upload(client, h, b"given_names,first_surname\n\xff\xfe,B\n"), 422, "import_invalid")
    assert body["errors"][0]["code"] == "invalid_encoding" and body["errors"][0]["line"] == 2
    body = assert_problem(upload(client, h, ""), 422, "import_invalid")
    assert body["errors"][0]["code"] == "empty_file"
    body = assert_problem(upload(client, h, 'given_names,first_surname\n"A,B\n'), 422, "import_invalid")
    assert body["errors"][0]["code"] == "malformed_csv"
    body = assert_problem(upload(client, h, "given_names,first_surname\nA,B,C\nD\u202eE,F\n"), 422, "import_invalid")
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(2, "wrong_field_count"), (3, "invalid_characters")]
    report = upload(client, h, "Given Names;FIRST-SURNAME\nA;B\n", dry_run="true")
    assert report.status_code == 200 and report.json()["created"] == 1
    assert_problem(client.post(IMPORT, headers=h), 422)


def test_roles_and_audit(client: Any, make_org: Any, db: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    org = make_org()
    text = csv_text(bulk_rows(3))
    assert_problem(upload(client, org.h("family_liaison"), text), 403)
    assert_problem(client.post(IMPORT, files={"file": ("a.csv", b"x", "text/csv")}), 401)
    r = upload(client, org.h("paralegal"), text)
    assert r.status_code == 200 and r.json()["created"] == 3
    with db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                               AuditEvent.action == "client.import")).all()
    assert len(rows) == 1
    assert rows[0].detail["created"] == 3 and "Persona" not in repr(rows[0].detail)
    # no per-client audit events for an import
    with db.session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                               AuditEvent.action == "client.create")).all() == []


def test_cli_import_clients(make_org: Any, db: Any, database_url: str, monkeypatch: Any, tmp_path: Any) -> None:
    """``dueprocess import-clients FILE --org SLUG`` runs the same intake (audited as the operator)."""
    import json

    import typer
    from sqlmodel import select
    from typer.testing import CliRunner

    from app.auth.models import Organization
    from app.casework.cli import commands
    from app.core.audit import AuditEvent
    from app.core.config import get_settings

    org = make_org()
    with db.session() as s:
        slug = s.exec(select(Organization.slug).where(Organization.id == org.id)).one()
    csv_file = tmp_path / "intake.csv"
    csv_file.write_text(csv_text(bulk_rows(5)), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        app = typer.Typer()

        @app.callback()
        def _group() -> None:  # a group, as in `dueprocess`, not a single-command app
            """dueprocess"""

        commands(app)
        runner = CliRunner()
        dry = runner.invoke(app, ["import-clients", str(csv_file), "--org", slug, "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert json.loads(dry.output)["created"] == 5
        out = runner.invoke(app, ["import-clients", str(csv_file), "--org", slug])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["created"] == 5
        again = runner.invoke(app, ["import-clients", str(csv_file), "--org", slug])
        assert again.exit_code == 0 and len(json.loads(again.output)["matched"]) == 5
        bad_file = tmp_path / "bad.csv"
        bad_file.write_text("given_names,first_surname,color\nA,B,red\n", encoding="utf-8")
        bad = runner.invoke(app, ["import-clients", str(bad_file), "--org", slug])
        assert bad.exit_code == 1 and "unknown_column" in bad.output
        assert runner.invoke(app, ["import-clients", str(csv_file), "--org", "no-such-org"]).exit_code == 2
        # The organization by its name, as an operator would type it (case and accents aside).
        by_name = runner.invoke(app, ["import-clients", str(csv_file), "--org", org.name.upper(), "--dry-run"])
        assert by_name.exit_code == 0 and len(json.loads(by_name.output)["matched"]) == 5, by_name.output
        twin = make_org(org.name)  # two organizations with one name: the slug is needed
        assert twin.id != org.id
        ambiguous = runner.invoke(app, ["import-clients", str(csv_file), "--org", org.name, "--dry-run"])
        assert ambiguous.exit_code == 2 and "use a slug" in ambiguous.output
    finally:
        monkeypatch.delenv("DATABASE_URL")
        get_settings.cache_clear()
    with db.session() as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                             AuditEvent.action == "client.import")).all()
    assert len(ev) == 2 and {e.actor_role for e in ev} == {"operator"} and ev[0].actor_user_id is None


def test_imported_events_are_evaluated_for_alerts(client: Any, make_org: Any) -> None:
    """Alerts that need no order (whereabouts unknown for days) are raised for imported events too."""
    org = make_org()
    h = org.h("paralegal")
    long_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    rows = [{"given_names": "Sin", "first_surname": "Paradero", "custody_status": "unknown",
             "custody_effective_at": long_ago}]
    r = upload(client, h, csv_text(rows))
    assert r.status_code == 200, r.text
    cid = client.get(f"{API}/clients", headers=h, params={"q": "paradero"}).json()["items"][0]["id"]
    status = client.get(f"{API}/clients/{cid}/status", headers=h).json()
    assert status["status"] == "unknown"
    assert "whereabouts_unknown" in {a["kind"] for a in status["open_alerts"]}


def test_imported_events_raise_the_same_alerts_as_single_events(client: Any, db: Any, make_org: Any) -> None:
    """The intake's bulk evaluation (new clients: no orders to look up) raises exactly what the one-event path
    raises for the same facts, with one alert.raised audit event per client that got alerts."""
    from sqlmodel import select

    from app.core.audit import AuditEvent
    from app.protection.models import Alert

    org = make_org()
    h = org.h("paralegal")
    now = datetime.now(UTC) - timedelta(hours=1)
    long_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    tag = uuid.uuid4().hex[:6]
    rows = [
        {"given_names": f"Tercero {tag}", "first_surname": "Uno", "citizenships": "GT",
         "custody_status": "removed_to_third_country", "custody_effective_at": now.isoformat(),
         "custody_country": "SV", "source_type": "flight_manifest", "confidence": "reported"},
        {"given_names": f"Sin {tag}", "first_surname": "Dos", "custody_status": "unknown",
         "custody_effective_at": long_ago},
        {"given_names": f"Libre {tag}", "first_surname": "Tres", "custody_status": "released_bond",
         "custody_effective_at": now.isoformat()},
    ]
    r = upload(client, h, csv_text(rows))
    assert r.status_code == 200, r.text
    with db.session() as s:
        alerts = s.exec(select(Alert).where(Alert.organization_id == org.id)).all()
        audits = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                                 AuditEvent.action == "alert.raised")).all()
    assert sorted(a.kind for a in alerts) == ["third_country_removal", "whereabouts_unknown"]
    assert len(audits) == 2 and {a.entity_id for a in audits} == {str(a.client_id) for a in alerts}
    # The same facts through the single-event API path give the same kinds and dedupe keys.
    single = make_org()
    hs = single.h("paralegal")
    for row in rows[:1]:
        c = client.post(f"{API}/clients", headers=hs, json={
            "given_names": row["given_names"], "first_surname": row["first_surname"], "citizenships": ["GT"]})
        assert c.status_code == 201, c.text
        e = client.post(f"{API}/clients/{c.json()['id']}/custody-events", headers=hs, json={
            "status": "removed_to_third_country", "effective_at": now.isoformat(), "country": "SV",
            "source_type": "flight_manifest", "confidence": "reported"})
        assert e.status_code == 201, e.text
    with db.session() as s:
        single_alerts = s.exec(select(Alert).where(Alert.organization_id == single.id)).all()
    bulk_third = next(a for a in alerts if a.kind == "third_country_removal")
    assert [(a.kind, a.severity, a.dedupe_key.split(":")[0], a.dedupe_key.split(":")[-1]) for a in single_alerts] \
        == [(bulk_third.kind, bulk_third.severity, "third_country_removal", "SV")]
