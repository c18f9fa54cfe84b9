"""Filing snapshots and PDFs encrypted at rest (docs/security-model.md#data-at-rest) on both backends: raw SQL shows
neither the
A-number nor the client's name, the API still serves the exact PDF, moved ciphertext fails, key rotation
re-encrypts final filings too, and migration 0008 encrypts existing rows and its downgrade restores them."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, text

from app.core import crypto, keyring
from tests.conftest import BACKEND, assert_problem, new_database_url
from tests.factories import make_client, make_group
from tests.key_ring import restore, spec_of

from .conftest import API, detained_client
from .test_api_filings import audit_actions, draft, fetch_pdf
from .test_batches import wait_done


def _key(value: Any) -> Any:
    """A UUID as the backend stores it (raw SQL parameters)."""
    value = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    return value if BACKEND == "postgres" else value.hex


def _raw(db: Any, sql: str, **params: Any) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), {k: _key(v) for k, v in params.items()}).mappings()]


def _blob(rows: list[dict[str, Any]]) -> bytes:
    """Every stored value of the rows, as bytes, for plaintext searches."""
    out = []
    for row in rows:
        for value in row.values():
            out.append(bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode("utf-8"))
    return b"\x00".join(out)


def _person() -> tuple[str, str, str]:
    """A fictional unique surname and A-number (digits and display form)."""
    surname = "Zelaya" + "".join(chr(97 + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    num = f"7{uuid.uuid4().int % 10**8:08d}"
    return surname, num, f"A-{num[:3]}-{num[3:6]}-{num[6:]}"


def _needles(surname: str, num: str, display: str) -> list[bytes]:
    return [surname.encode(), num.encode(), display.encode(), num[-6:].encode()]


def test_raw_rows_carry_no_plaintext_and_the_api_serves_the_exact_pdf(api: Any, db: Any, org_a: Any) -> None:
    surname, num, display = _person()
    client, _ = detained_client(db, org_a.id, first_surname=surname, a_number=num)
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    created = r.json()
    assert api.post(f"{API}/filings/{created['id']}/finalize", headers=org_a.h("attorney")).status_code == 200

    filings = _raw(db, "SELECT * FROM filing WHERE id = :i", i=created["id"])
    docs = _raw(db, "SELECT * FROM filing_document WHERE filing_id = :i", i=created["id"])
    assert len(filings) == 1 and len(docs) == 1
    assert "input_snapshot" not in filings[0] and "pdf" not in docs[0]
    dump = _blob(filings + docs)
    for needle in _needles(surname, num, display):
        assert needle not in dump, needle
    assert b"%PDF" not in dump and b"Chesapeake" not in dump
    ring = keyring.ring()
    assert crypto.KeyRing.key_id_bytes(bytes(filings[0]["input_snapshot_ct"])) == ring.active
    assert crypto.KeyRing.key_id_bytes(bytes(docs[0]["pdf_ct"])) == ring.active

    # ...while the API returns the snapshot and exactly the PDF the SHA-256 names (hash of the plaintext).
    pdf, text_ = fetch_pdf(api, org_a, created["id"])
    assert hashlib.sha256(pdf).hexdigest() == created["sha256"] and len(pdf) == created["bytes"]
    assert pdf.startswith(b"%PDF-") and display in text_ and surname in text_
    detail = api.get(f"{API}/filings/{created['id']}", headers=org_a.h("paralegal")).json()
    assert detail["input_snapshot"]["client"]["a_number_display"] == display
    assert detail["input_snapshot"]["client"]["name"]["first_surname"] == surname


def test_batch_errors_and_audit_details_carry_no_personal_values(api: Any, db: Any, org_a: Any) -> None:
    surname, num, display = _person()
    placed, _ = detained_client(db, org_a.id, first_surname=surname, a_number=num)
    unplaced = make_client(db, org_a.id, given_names="Sin", first_surname=surname + "b", a_number=f"8{num[1:]}")
    group = make_group(db, org_a.id, [placed.id, unplaced.id])
    r = api.post(f"{API}/filing-batches", headers=org_a.h("paralegal"),
                 json={"template": "habeas_2241", "group_id": str(group.id),
                       "options": {"attorney_id": str(org_a.users["attorney"].id)}})
    assert r.status_code == 202, r.text
    body = wait_done(api, org_a, r.json()["id"])
    assert (body["done"], body["failed"]) == (1, 1)
    fid = next(i["filing_id"] for i in body["items"] if i["status"] == "done")
    fetch_pdf(api, org_a, fid)

    items = _raw(db, "SELECT * FROM filing_batch_item WHERE organization_id = :o", o=org_a.id)
    events = _raw(db, "SELECT * FROM audit_event WHERE organization_id = :o", o=org_a.id)
    batches = _raw(db, "SELECT * FROM filing_batch WHERE organization_id = :o", o=org_a.id)
    assert any(i["error"] for i in items) and {"filing.create", "filing.pdf_read", "filing_batch.item_failed"} \
        <= {e["action"] for e in events}
    dump = _blob(items + events + batches)
    for needle in _needles(surname, num, display) + [f"8{num[1:]}".encode()]:
        assert needle not in dump, needle


def _swap(db: Any, table: str, column: str, key_column: str, source: str, target: str) -> bytes:
    """Copy one row's ciphertext onto another row, past the write-once trigger (what an attacker with SQL
    access could do); returns the target's own ciphertext."""
    from app.filings.keys import immutability_lifted

    with db.session(write=True) as s:
        get = text(f"SELECT {column} FROM {table} WHERE {key_column} = :i")
        moved = s.execute(get, {"i": _key(source)}).scalar_one()
        own = s.execute(get, {"i": _key(target)}).scalar_one()
        with immutability_lifted(s, table):
            s.execute(text(f"UPDATE {table} SET {column} = :c WHERE {key_column} = :i"),
                      {"c": moved, "i": _key(target)})
        s.commit()
    return bytes(own)


def test_ciphertext_moved_to_another_filing_does_not_decrypt(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, a_number=f"6{uuid.uuid4().int % 10**8:08d}")
    first = draft(api, org_a, client.id).json()
    second = draft(api, org_a, client.id).json()
    own_pdf = _swap(db, "filing_document", "pdf_ct", "filing_id", first["id"], second["id"])
    own_snapshot = _swap(db, "filing", "input_snapshot_ct", "id", first["id"], second["id"])
    r = api.get(f"{API}/filings/{second['id']}/pdf", headers=org_a.h("paralegal"))
    assert_problem(r, 500, "data_integrity_error")
    assert b"%PDF" not in r.content
    assert_problem(api.get(f"{API}/filings/{second['id']}", headers=org_a.h("paralegal")), 500,
                   "data_integrity_error")
    # No audited read for a PDF that was never delivered; the first filing still reads fine.
    assert "filing.pdf_read" not in audit_actions(db, org_a.id, second["id"])
    fetch_pdf(api, org_a, first["id"])
    # Put the second filing's own ciphertext back (so later key rotations in this database find no evidence).
    from app.filings.keys import immutability_lifted

    with db.session(write=True) as s:
        for table, column, key_column, value in (("filing_document", "pdf_ct", "filing_id", own_pdf),
                                                 ("filing", "input_snapshot_ct", "id", own_snapshot)):
            with immutability_lifted(s, table):
                s.execute(text(f"UPDATE {table} SET {column} = :c WHERE {key_column} = :i"),
                          {"c": value, "i": _key(second["id"])})
        s.commit()
    assert fetch_pdf(api, org_a, second["id"])[0].startswith(b"%PDF-")


def _trigger_state(db: Any) -> Any:
    with db.engine.connect() as conn:
        if BACKEND == "postgres":
            return sorted(conn.execute(text(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal AND "
                "tgrelid IN ('filing'::regclass, 'filing_document'::regclass)")).all())
        return sorted(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                                        "tbl_name IN ('filing', 'filing_document')")).all())


def test_key_rotation_re_encrypts_final_filings_and_old_keys_still_decrypt(api: Any, db: Any,
                                                                             org_a: Any) -> None:
    from app.filings.keys import rotate_filing_keys

    client, _ = detained_client(db, org_a.id, a_number=f"5{uuid.uuid4().int % 10**8:08d}")
    final = draft(api, org_a, client.id).json()
    assert api.post(f"{API}/filings/{final['id']}/finalize", headers=org_a.h("attorney")).status_code == 200
    pending = draft(api, org_a, client.id).json()
    before = {f["id"]: fetch_pdf(api, org_a, f["id"])[0] for f in (final, pending)}
    snapshots = {f["id"]: api.get(f"{API}/filings/{f['id']}", headers=org_a.h("paralegal")).json()["input_snapshot"]
                 for f in (final, pending)}
    triggers = _trigger_state(db)
    if BACKEND == "postgres":
        assert triggers and all(state == "O" for _, state in triggers)
    else:
        assert len(triggers) == 3

    old = keyring.ring()
    old_spec = spec_of(old)
    new_spec = crypto.new_key_spec("rot3")
    try:
        keyring.configure(f"{old_spec},{new_spec}", "rot3", crypto._b64e(old.index_key))
        # Before rotation: still under the old key and readable.
        assert fetch_pdf(api, org_a, final["id"])[0] == before[final["id"]]
        with db.session(write=True) as s:
            result = rotate_filing_keys(s)
        assert result["filing"]["rotated"] >= 2 and result["filing_document"]["rotated"] >= 2
        for f in (final, pending):
            row = _raw(db, "SELECT input_snapshot_ct FROM filing WHERE id = :i", i=f["id"])[0]
            doc = _raw(db, "SELECT pdf_ct FROM filing_document WHERE filing_id = :i", i=f["id"])[0]
            assert crypto.KeyRing.key_id_bytes(bytes(row["input_snapshot_ct"])) == "rot3"
            assert crypto.KeyRing.key_id_bytes(bytes(doc["pdf_ct"])) == "rot3"
            pdf = fetch_pdf(api, org_a, f["id"])[0]
            assert pdf == before[f["id"]] and hashlib.sha256(pdf).hexdigest() == f["sha256"]
            got = api.get(f"{API}/filings/{f['id']}", headers=org_a.h("paralegal")).json()
            assert got["input_snapshot"] == snapshots[f["id"]]
        with db.session(write=True) as s:
            again = rotate_filing_keys(s)
        assert again["filing"]["rotated"] == 0 and again["filing_document"]["rotated"] == 0  # idempotent
        # The immutability triggers are back, unchanged, and still bite.
        assert _trigger_state(db) == triggers
        table = sa.table("filing", sa.column("id", sa.Uuid()), sa.column("pages", sa.Integer()))
        with db.session(write=True) as s, pytest.raises(Exception, match="immutable"):
            s.execute(sa.update(table).where(table.c.id == uuid.UUID(final["id"])).values(pages=1))
            s.commit()
        docs = sa.table("filing_document", sa.column("filing_id", sa.Uuid()), sa.column("pdf_ct", sa.LargeBinary()))
        with db.session(write=True) as s, pytest.raises(Exception, match="write-once"):
            s.execute(sa.update(docs).where(docs.c.filing_id == uuid.UUID(pending["id"])).values(pdf_ct=b"x"))
            s.commit()
    finally:
        restore(db, old, new_spec)
    assert fetch_pdf(api, org_a, final["id"])[0] == before[final["id"]]


def test_keys_rotate_command_reports_every_table(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import app.cli as cli_module

    monkeypatch.setattr(cli_module, "get_settings", lambda: settings)
    out = CliRunner().invoke(cli_module.cli, ["keys", "rotate"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert set(result["tables"]) == {"client", "custody_event", "protection_order", "court_order", "filing",
                                     "filing_document", "filing_batch", "emergency_packet_docx", "mfa_totp",
                                     "client_document", "client_document_content"}
    assert result["active_key"] == keyring.ring().active
    assert result["scanned"] == sum(t["scanned"] for t in result["tables"].values())


# --- migration 0008 ---------------------------------------------------------------------------------

SNAPSHOT = {"client": {"name": {"given_names": "Old", "first_surname": "Ledgerwood"},
                       "a_number_display": "A-012-345-678"}, "options": {"facts": "Señor Ledgerwood"}}
PDF = b"%PDF-1.7\n% fictional old filing for Ledgerwood, A-012-345-678\n%%EOF\n"


def test_migration_encrypts_existing_filings_and_downgrade_restores(tmp_path_factory: Any) -> None:
    from app.migrations import downgrade, upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    engine = create_engine(url)
    try:
        upgrade(url, "0007_field_encryption")
        org, cid, final_id, draft_id = (uuid.uuid4() for _ in range(4))
        k = (lambda u: u) if BACKEND == "postgres" else (lambda u: u.hex)
        sha = hashlib.sha256(PDF).hexdigest()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                              "created_at) VALUES (:o, 'M', :s, 'America/New_York', 12, CURRENT_TIMESTAMP)"),
                         {"o": k(org), "s": f"m-{org.hex[:6]}"})
            conn.execute(text(
                "INSERT INTO client (id, organization_id, a_number_needs_review, a_number_sealed, given_names, "
                "first_surname, aliases, search_name, citizenships, stateless, languages, interpreter_needed, "
                "sensitive_flags, version, created_at, updated_at) VALUES (:i, :o, false, false, 'Old', "
                "'Ledgerwood', '[]', 'old ledgerwood', '[]', false, '[]', false, '[]', 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"), {"i": k(cid), "o": k(org)})
            for fid, version, status in ((final_id, 1, "draft"), (draft_id, 2, "draft")):
                conn.execute(text(
                    "INSERT INTO filing (id, organization_id, client_id, template, template_version, version, "
                    "status, input_snapshot, sha256, pages, bytes, preflight_ok, preflight, file_name, created_at) "
                    "VALUES (:i, :o, :c, 'habeas_2241', '1', :v, :st, :snap, :sha, 1, :n, true, '{}', 'f.pdf', "
                    "CURRENT_TIMESTAMP)"),
                    {"i": k(fid), "o": k(org), "c": k(cid), "v": version, "st": status,
                     "snap": json.dumps(SNAPSHOT), "sha": sha, "n": len(PDF)})
                conn.execute(text("INSERT INTO filing_document (filing_id, organization_id, pdf) VALUES (:i, :o, :p)"),
                             {"i": k(fid), "o": k(org), "p": PDF})
            # Final filings are immutable from here on: the migration has to get past the triggers.
            conn.execute(text("UPDATE filing SET status = 'final' WHERE id = :i"), {"i": k(final_id)})

        upgrade(url, "heads")
        with engine.connect() as conn:
            filings = [dict(r) for r in conn.execute(text("SELECT * FROM filing")).mappings()]
            docs = [dict(r) for r in conn.execute(text("SELECT * FROM filing_document")).mappings()]
        dump = _blob(filings + docs)
        for needle in (b"Ledgerwood", b"012-345-678", b"%PDF", "Señor".encode()):
            assert needle not in dump
        ring = keyring.ring()
        for row in filings:
            fid = uuid.UUID(str(row["id"]))
            snap = ring.decrypt_bytes(bytes(row["input_snapshot_ct"]), crypto.KeyRing.aad(org, "filing",
                                                                                       "input_snapshot", fid))
            assert json.loads(snap) == SNAPSHOT
        for row in docs:
            fid = uuid.UUID(str(row["filing_id"]))
            assert ring.decrypt_bytes(bytes(row["pdf_ct"]),
                                      crypto.KeyRing.aad(org, "filing_document", "pdf", fid)) == PDF
        # The immutability triggers survived the table rewrite.
        with pytest.raises(Exception, match="immutable"), engine.begin() as conn:
            conn.execute(text("UPDATE filing SET pages = 2 WHERE id = :i"), {"i": k(final_id)})
        with pytest.raises(Exception, match="write-once"), engine.begin() as conn:
            conn.execute(text("UPDATE filing_document SET pdf_ct = :p WHERE filing_id = :i"),
                         {"p": b"x", "i": k(draft_id)})

        downgrade(url, "0007_field_encryption")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT f.id, f.status, f.input_snapshot, d.pdf FROM filing f "
                                     "JOIN filing_document d ON d.filing_id = f.id ORDER BY f.version")).all()
        assert [(str(uuid.UUID(str(i))), s) for i, s, _, _ in back] == [(str(final_id), "final"),
                                                                        (str(draft_id), "draft")]
        for _, _, snap, pdf in back:
            assert (json.loads(snap) if isinstance(snap, str) else snap) == SNAPSHOT and bytes(pdf) == PDF
        with pytest.raises(Exception, match="immutable"), engine.begin() as conn:
            conn.execute(text("UPDATE filing SET pages = 2 WHERE id = :i"), {"i": k(final_id)})
        with pytest.raises(Exception, match="write-once"), engine.begin() as conn:
            conn.execute(text("UPDATE filing_document SET pdf = :p WHERE filing_id = :i"),
                         {"p": b"x", "i": k(draft_id)})
        upgrade(url, "heads")  # and up again
    finally:
        engine.dispose()
        cleanup()
