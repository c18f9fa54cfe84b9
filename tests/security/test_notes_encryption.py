"""Encryption at rest of custody-event notes and location text, protection-order notes and court-order summaries
(docs/SECURITY.md, encryption at rest; migration 0022) on both backends: the raw column never holds the
plaintext, the API answers as before, key rotation re-encrypts, the migration converts existing rows."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, text

from app.core import crypto, keyring
from tests.conftest import BACKEND, new_database_url
from tests.factories import make_client
from tests.key_ring import restore, spec_of
from tests.protection.conftest import order_body

API = "/api/v1"


def _rid(value: str | uuid.UUID) -> Any:
    return str(value) if BACKEND == "postgres" else uuid.UUID(str(value)).hex


def _raw(db: Any, table: str, row_id: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text(f"SELECT * FROM {table} WHERE id = :i"), {"i": _rid(row_id)}).mappings().one())


def _records(client: Any, db: Any, org: Any, marker: str) -> dict[str, dict[str, Any]]:
    """One custody event, one protection order and one court order, each carrying ``marker`` in its text."""
    person = make_client(db, org.id)
    h = org.h("paralegal")
    ev = client.post(f"{API}/clients/{person.id}/custody-events", headers=h, json={
        "status": "detained_other_us", "effective_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "source_type": "client_call", "confidence": "confirmed",
        "location_text": f"{marker}-county hold room", "notes": f"{marker}-fears the cousin"})
    assert ev.status_code == 201, ev.text
    po = client.post(f"{API}/clients/{person.id}/protection-orders", headers=h,
                     json=order_body(notes=f"{marker}-order notes"))
    assert po.status_code == 201, po.text
    co = client.post(f"{API}/clients/{person.id}/court-orders", headers=h, json={
        "issuing_court": "United States District Court for the District of Maryland",
        "issued_at": "2025-04-11T19:30:00Z", "summary": f"{marker}-daily declarations"})
    assert co.status_code == 201, co.text
    return {"custody_event": ev.json()["event"], "protection_order": po.json()["order"], "court_order": co.json()}


def test_raw_columns_hold_no_plaintext_and_the_api_reads_them(client: Any, db: Any, org_a: Any) -> None:
    marker = f"MARK{uuid.uuid4().hex[:8]}"
    made = _records(client, db, org_a, marker)
    for table, row in made.items():
        raw = _raw(db, table, row["id"])
        assert marker not in " ".join(str(v) for v in raw.values()), table
        assert not {"notes", "location_text", "summary"} & set(raw), table  # the plaintext columns are gone
    ev = _raw(db, "custody_event", made["custody_event"]["id"])
    assert ev["notes_ct"].startswith("v1.") and ev["location_text_ct"].startswith("v1.")
    assert made["custody_event"]["notes"] == f"{marker}-fears the cousin"

    h = org_a.h("attorney")
    cid = made["custody_event"]["client_id"]
    events = client.get(f"{API}/clients/{cid}/custody-events", headers=h).json()["items"]
    assert events[0]["location_text"] == f"{marker}-county hold room"
    assert events[0]["notes"] == f"{marker}-fears the cousin"
    status = client.get(f"{API}/clients/{cid}/status", headers=h).json()
    assert marker in str(status)  # the status view shows the location text of the current event
    po = client.get(f"{API}/protection-orders/{made['protection_order']['id']}", headers=h).json()
    assert po["notes"] == f"{marker}-order notes"
    co = client.get(f"{API}/court-orders/{made['court_order']['id']}", headers=h).json()
    assert co["summary"] == f"{marker}-daily declarations"


def test_patched_notes_are_encrypted_and_cleared(client: Any, db: Any, org_a: Any) -> None:
    order = _records(client, db, org_a, "PATCHME")["protection_order"]
    url = f"{API}/protection-orders/{order['id']}"
    h = {**org_a.h("paralegal"), "If-Match": '"1"'}
    r = client.patch(url, headers=h, json={"notes": "SECONDNOTE copy on file"})
    assert r.status_code == 200, r.text
    assert r.json()["order"]["notes"] == "SECONDNOTE copy on file"
    assert "SECONDNOTE" not in str(_raw(db, "protection_order", order["id"]))
    r = client.patch(url, headers={**h, "If-Match": r.headers["etag"]}, json={"notes": None})
    assert r.status_code == 200 and r.json()["order"]["notes"] is None
    assert _raw(db, "protection_order", order["id"])["notes_ct"] is None


def test_ciphertext_moved_to_another_order_does_not_decrypt(client: Any, db: Any, org_a: Any) -> None:
    first = _records(client, db, org_a, "FIRST")["court_order"]
    second = _records(client, db, org_a, "SECOND")["court_order"]
    moved = _raw(db, "court_order", first["id"])["summary_ct"]
    own = _raw(db, "court_order", second["id"])["summary_ct"]
    update = text("UPDATE court_order SET summary_ct = :c WHERE id = :i")
    with db.write_engine.begin() as conn:
        conn.execute(update, {"c": moved, "i": _rid(second["id"])})
    try:
        r = client.get(f"{API}/court-orders/{second['id']}", headers=org_a.h("attorney"))
        assert r.status_code == 500 and r.json()["code"] == "data_integrity_error"
        assert "FIRST" not in r.text
    finally:  # put the row back, so that the rotation tests of this session find nothing unreadable
        with db.write_engine.begin() as conn:
            conn.execute(update, {"c": own, "i": _rid(second["id"])})


def test_organization_export_shows_the_notes_decrypted(client: Any, db: Any, make_org: Any) -> None:
    org = make_org()
    made = _records(client, db, org, "EXPORTNOTE")
    r = client.get(f"{API}/organization/export", headers=org.h("admin"))
    assert r.status_code == 200, r.text
    tables = r.json()["tables"]
    event = next(e for e in tables["custody_event"] if e["id"] == made["custody_event"]["id"])
    assert event["notes"] == "EXPORTNOTE-fears the cousin"
    assert event["location_text"] == "EXPORTNOTE-county hold room"
    assert tables["protection_order"][0]["notes"] == "EXPORTNOTE-order notes"
    assert tables["court_order"][0]["summary"] == "EXPORTNOTE-daily declarations"
    for name in ("custody_event", "protection_order", "court_order"):  # the ciphertext is not exported
        assert not [k for row in tables[name] for k in row if k.endswith("_ct")], name


@contextmanager
def _second_key(db: Any) -> Iterator[None]:
    """Make a new key active for the duration; afterwards rotate everything back under the original key so
    the rest of the suite sees the usual key ring."""

    old = keyring.ring()
    added = crypto.new_key_spec("rot3")
    try:
        keyring.configure(f"{spec_of(old)},{added}", "rot3", crypto._b64e(old.index_key))
        yield
    finally:
        restore(db, old, added)


def test_key_rotation_re_encrypts_the_new_columns(client: Any, db: Any, org_a: Any) -> None:
    from app.core.rotation import rotate_fields
    from app.custody.models import ENCRYPTED_EVENT_FIELDS, CustodyEvent
    from app.protection.models import CourtOrder, ProtectionOrder

    made = _records(client, db, org_a, "ROTATE")
    columns = {"custody_event": ("notes_ct", "location_text_ct"), "protection_order": ("notes_ct",),
               "court_order": ("summary_ct",)}
    with _second_key(db):
        # Before rotation the rows are still under the old key and read fine.
        h = org_a.h("attorney")
        assert client.get(f"{API}/court-orders/{made['court_order']['id']}", headers=h).json()["summary"] \
            == "ROTATE-daily declarations"
        with db.session(write=True) as s:
            results = {"custody_event": rotate_fields(s, CustodyEvent, ENCRYPTED_EVENT_FIELDS),
                       "protection_order": rotate_fields(s, ProtectionOrder, ("notes",)),
                       "court_order": rotate_fields(s, CourtOrder, ("summary",))}
        for table, cols in columns.items():
            # "failed" counts rows of the whole shared test database that do not decrypt (the portal redaction
            # test plants marker strings in every text column, *_ct included); this test's rows must be rotated.
            assert results[table]["rotated"] >= 1, table
            raw = _raw(db, table, made[table]["id"])
            assert all(crypto.KeyRing.key_id(raw[c]) == "rot3" for c in cols), table
        assert client.get(f"{API}/protection-orders/{made['protection_order']['id']}", headers=h).json()["notes"] \
            == "ROTATE-order notes"
        events = client.get(f"{API}/clients/{made['custody_event']['client_id']}/custody-events", headers=h).json()
        assert events["items"][0]["notes"] == "ROTATE-fears the cousin"
        with db.session(write=True) as s:
            assert rotate_fields(s, CourtOrder, ("summary",))["rotated"] == 0  # idempotent


def test_keys_rotate_command_covers_the_new_tables(client: Any, db: Any, org_a: Any, settings: Any,
                                                  monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    import app.cli as cli_module

    _records(client, db, org_a, "CLI")
    monkeypatch.setattr(cli_module, "get_settings", lambda: settings)
    with _second_key(db):
        out = CliRunner().invoke(cli_module.cli, ["keys", "rotate"])
        assert out.exit_code == 0, out.output
        tables = json.loads(out.output)["tables"]
        for table in ("custody_event", "protection_order", "court_order"):
            assert tables[table]["rotated"] >= 1, table


def test_migration_encrypts_existing_rows_and_downgrade_restores(tmp_path_factory: Any) -> None:
    from app.migrations import downgrade, upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0014_client_name_latin")
        engine = create_engine(url)
        org, cid, ev, po, co = (uuid.uuid4() for _ in range(5))
        ids = {k: (v if BACKEND == "postgres" else v.hex)
               for k, v in {"o": org, "c": cid, "e": ev, "p": po, "k": co}.items()}
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                              "date_order, version, created_at, updated_at) VALUES (:o, 'M', :s, "
                              "'America/New_York', 12, 'MDY', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                         {"o": ids["o"], "s": f"m-{org.hex[:6]}"})
            conn.execute(text(
                "INSERT INTO client (id, organization_id, a_number_needs_review, a_number_sealed, "
                "given_names, first_surname, aliases, search_name, citizenships, stateless, languages, "
                "interpreter_needed, sensitive_flags, version, created_at, updated_at) VALUES "
                "(:c, :o, false, false, 'Old', 'Row', '[]', 'old row', '[]', false, '[]', false, '[]', "
                "1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), ids)
            conn.execute(text(
                "INSERT INTO custody_event (id, organization_id, client_id, status, effective_at, reported_at, "
                "location_text, source_type, confidence, family_visible, notes, created_at) VALUES "
                "(:e, :o, :c, 'detained_other_us', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'old location', "
                "'client_call', 'confirmed', false, 'old event notes', CURRENT_TIMESTAMP)"), ids)
            conn.execute(text(
                "INSERT INTO protection_order (id, organization_id, client_id, type, scope, countries, "
                "issuing_body, issued_at, extended, removal_order_exists, alternate_countries, notes, status, "
                "status_changed_at, verified, version, created_at, updated_at) VALUES "
                "(:p, :o, :c, 'withholding_241b3', 'removal_to_listed_countries', '[\"SV\"]', 'IJ', "
                "CURRENT_TIMESTAMP, false, 'unknown', '[]', 'old order notes', 'active', CURRENT_TIMESTAMP, "
                "false, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), ids)
            conn.execute(text(
                "INSERT INTO court_order (id, organization_id, client_id, issuing_court, issued_at, summary, "
                "version, created_at) VALUES (:k, :o, :c, 'D. Md.', CURRENT_TIMESTAMP, 'old summary', 1, "
                "CURRENT_TIMESTAMP)"), ids)
        upgrade(url, "0022_encrypt_notes")
        ring = keyring.ring()
        with engine.connect() as conn:
            e = dict(conn.execute(text("SELECT * FROM custody_event")).mappings().one())
            p = dict(conn.execute(text("SELECT * FROM protection_order")).mappings().one())
            k = dict(conn.execute(text("SELECT * FROM court_order")).mappings().one())
        dump = str(e) + str(p) + str(k)
        assert not [t for t in ("old location", "old event notes", "old order notes", "old summary") if t in dump]
        assert ring.decrypt(e["location_text_ct"], crypto.KeyRing.aad(org, "custody_event", "location_text", ev)) \
            == "old location"
        assert ring.decrypt(e["notes_ct"], crypto.KeyRing.aad(org, "custody_event", "notes", ev)) == "old event notes"
        assert ring.decrypt(p["notes_ct"], crypto.KeyRing.aad(org, "protection_order", "notes", po)) \
            == "old order notes"
        assert ring.decrypt(k["summary_ct"], crypto.KeyRing.aad(org, "court_order", "summary", co)) == "old summary"
        downgrade(url, "0014_client_name_latin")
        with engine.connect() as conn:
            assert dict(conn.execute(text("SELECT location_text, notes FROM custody_event")).mappings().one()) \
                == {"location_text": "old location", "notes": "old event notes"}
            assert conn.execute(text("SELECT notes FROM protection_order")).scalar() == "old order notes"
            assert conn.execute(text("SELECT summary FROM court_order")).scalar() == "old summary"
        engine.dispose()
    finally:
        cleanup()


def test_csv_intake_encrypts_the_first_events_notes_and_location(client: Any, db: Any, org_a: Any) -> None:
    """The intake writes its first custody events in bulk, as dicts, past the model's constructor."""
    tag = uuid.uuid4().hex[:8]
    header = "given_names,first_surname,custody_status,custody_effective_at,custody_location,source_type," \
             "confidence,custody_notes"
    row = f"Intake{tag},Ejemplo,detained_other_us,2026-11-20T08:00:00Z,INLOC{tag} county jail,client_call," \
          f"confirmed,INNOTE{tag} call the sister"
    h = org_a.h("paralegal")
    r = client.post(f"{API}/clients/import", headers=h,
                    files={"file": ("intake.csv", f"{header}\r\n{row}\r\n".encode(), "text/csv")})
    assert r.status_code in (200, 201), r.text
    found = client.get(f"{API}/clients", headers=h, params={"q": f"Intake{tag}"}).json()["items"]
    assert len(found) == 1
    events = client.get(f"{API}/clients/{found[0]['id']}/custody-events", headers=h).json()["items"]
    assert events[0]["location_text"] == f"INLOC{tag} county jail"
    assert events[0]["notes"] == f"INNOTE{tag} call the sister"
    raw = _raw(db, "custody_event", events[0]["id"])
    assert tag not in str(raw) and raw["notes_ct"].startswith("v1.")
