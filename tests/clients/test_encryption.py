"""Encryption at rest of A-numbers and privileged notes (docs/security-model.md#data-at-rest) on both backends."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import create_engine, text

from app.core import crypto, keyring
from tests.conftest import BACKEND, assert_problem, new_database_url
from tests.key_ring import restore, spec_of

NUM = "209876543"


def _create(client: Any, org: Any, a_number: str, notes: str) -> dict[str, Any]:
    r = client.post("/api/v1/clients", headers=org.h("paralegal"),
                    json={"given_names": "Rosa", "first_surname": "Quintanilla", "a_number": a_number,
                          "privileged_notes": notes})
    assert r.status_code == 201, r.text
    return r.json()


def _raw_row(db: Any, client_id: str) -> dict[str, Any]:
    cid = client_id if BACKEND == "postgres" else uuid.UUID(client_id).hex
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM client WHERE id = :i"), {"i": cid}).mappings().one())


def test_raw_sql_shows_no_plaintext(client: Any, db: Any, org_a: Any) -> None:
    num = f"2{uuid.uuid4().int % 10**8:08d}"
    c = _create(client, org_a, num, "MARKER-fear-of-return")
    row = _raw_row(db, c["id"])
    dump = " ".join(str(v) for v in row.values())
    assert num not in dump and num[-6:] not in dump
    assert "MARKER" not in dump
    assert row["a_number_ct"].startswith("v1.") and len(row["a_number_bidx"]) == 64
    # ...while the API still reads, searches and dedupes by the A-number.
    got = client.get(f"/api/v1/clients/{c['id']}", headers=org_a.h("attorney")).json()
    assert got["a_number"] == num and got["privileged_notes"] == "MARKER-fear-of-return"
    found = client.get("/api/v1/clients", headers=org_a.h("attorney"),
                       params={"q": f"A-{num[:3]}-{num[3:6]}-{num[6:]}"}).json()["items"]
    assert [x["id"] for x in found] == [c["id"]]
    assert_problem(client.post("/api/v1/clients", headers=org_a.h("paralegal"),
                               json={"given_names": "X", "first_surname": "Y", "a_number": num}),
                   409, "a_number_conflict")


def test_same_a_number_in_two_organizations_has_different_index(client: Any, db: Any, org_a: Any,
                                                                org_b: Any) -> None:
    num = f"3{uuid.uuid4().int % 10**8:08d}"
    a = _raw_row(db, _create(client, org_a, num, "n")["id"])
    b = _raw_row(db, _create(client, org_b, num, "n")["id"])
    assert a["a_number_bidx"] != b["a_number_bidx"]


def test_ciphertext_moved_to_another_row_does_not_decrypt(client: Any, db: Any, org_a: Any) -> None:
    first = _create(client, org_a, f"4{uuid.uuid4().int % 10**8:08d}", "first notes")
    second = _create(client, org_a, f"5{uuid.uuid4().int % 10**8:08d}", "second notes")
    moved = _raw_row(db, first["id"])["privileged_notes_ct"]
    sid = second["id"] if BACKEND == "postgres" else uuid.UUID(second["id"]).hex
    with db.write_engine.begin() as conn:
        conn.execute(text("UPDATE client SET privileged_notes_ct = :c WHERE id = :i"), {"c": moved, "i": sid})
    r = client.get(f"/api/v1/clients/{second['id']}", headers=org_a.h("attorney"))
    body = assert_problem(r, 500, "data_integrity_error")
    assert "first notes" not in r.text and "notes" not in body["detail"].lower().replace("not be decrypted", "")


def test_key_rotation_re_encrypts_and_old_keys_still_decrypt(client: Any, db: Any, org_a: Any) -> None:
    from app.clients.keys import rotate_client_keys

    c = _create(client, org_a, f"6{uuid.uuid4().int % 10**8:08d}", "rotate me")
    old = keyring.ring()
    new_spec = crypto.new_key_spec("rot2")
    old_spec = spec_of(old)
    try:
        keyring.configure(f"{old_spec},{new_spec}", "rot2", crypto._b64e(old.index_key))
        # before rotation the row is still under the old key and reads fine
        assert client.get(f"/api/v1/clients/{c['id']}", headers=org_a.h("attorney")).json()["privileged_notes"] \
            == "rotate me"
        with db.session(write=True) as s:
            result = rotate_client_keys(s)
        assert result["rotated"] >= 1
        row = _raw_row(db, c["id"])
        assert crypto.KeyRing.key_id(row["a_number_ct"]) == "rot2"
        assert crypto.KeyRing.key_id(row["privileged_notes_ct"]) == "rot2"
        got = client.get(f"/api/v1/clients/{c['id']}", headers=org_a.h("attorney")).json()
        assert got["privileged_notes"] == "rotate me"
        with db.session(write=True) as s:
            assert rotate_client_keys(s)["rotated"] == 0  # idempotent
    finally:
        restore(db, old, new_spec)


def test_migration_encrypts_existing_rows_and_downgrade_restores(tmp_path_factory: Any) -> None:
    from app.migrations import downgrade, upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0006_portal")
        engine = create_engine(url)
        org, cid = uuid.uuid4(), uuid.uuid4()
        ids = (org, cid) if BACKEND == "postgres" else (org.hex, cid.hex)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                              "created_at) VALUES (:o, 'M', :s, 'America/New_York', 12, CURRENT_TIMESTAMP)"),
                         {"o": ids[0], "s": f"m-{org.hex[:6]}"})
            conn.execute(text(
                "INSERT INTO client (id, organization_id, a_number, a_number_needs_review, a_number_sealed, "
                "given_names, first_surname, aliases, search_name, citizenships, stateless, languages, "
                "interpreter_needed, sensitive_flags, privileged_notes, version, created_at, updated_at) VALUES "
                "(:i, :o, :n, false, false, 'Old', 'Row', '[]', 'old row', '[]', false, '[]', false, '[]', "
                "'old notes', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"i": ids[1], "o": ids[0], "n": "012345678"})
        upgrade(url, "heads")
        with engine.connect() as conn:
            row = dict(conn.execute(text("SELECT * FROM client")).mappings().one())
        assert "a_number" not in row and "012345678" not in str(row) and "old notes" not in str(row)
        ring = keyring.ring()
        assert ring.decrypt(row["a_number_ct"], crypto.KeyRing.aad(org, "client", "a_number", cid)) == "012345678"
        assert row["a_number_bidx"] == ring.blind_index(org, "012345678")
        downgrade(url, "0006_portal")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT a_number, privileged_notes FROM client")).mappings().one())
        assert back == {"a_number": "012345678", "privileged_notes": "old notes"}
        engine.dispose()
    finally:
        cleanup()
