"""Encryption at rest of filing-batch options (docs/SECURITY.md, encryption at rest; migration 0023) on both
backends: the raw row never holds the facts a lawyer typed, the batch still drafts them into its filings, key
rotation re-encrypts them, the migration converts existing rows and the organization export shows them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app.core import crypto, keyring
from tests.conftest import BACKEND, new_database_url
from tests.key_ring import restore, spec_of

from .conftest import API, detained_client
from .test_api_filings import fetch_pdf
from .test_batches import wait_done


def _rid(value: str | uuid.UUID) -> Any:
    return str(value) if BACKEND == "postgres" else uuid.UUID(str(value)).hex


def _raw_batch(db: Any, batch_id: str) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM filing_batch WHERE id = :i"),
                                 {"i": _rid(batch_id)}).mappings().one())


def _batch(api: Any, db: Any, org: Any, marker: str) -> tuple[str, list[Any]]:
    """A habeas batch for two detained clients whose ``facts`` carry ``marker``; (batch id, clients)."""
    clients = [detained_client(db, org.id, a_number=f"7{uuid.uuid4().int % 10**8:08d}")[0] for _ in range(2)]
    r = api.post(f"{API}/filing-batches", headers=org.h("paralegal"), json={
        "template": "habeas_2241", "client_ids": [str(c.id) for c in clients],
        "options": {"attorney_id": str(org.users["attorney"].id), "detention_authority": "ina_236a",
                    "facts": f"{marker} Petitioner was detained at his workplace in front of his children."}})
    assert r.status_code == 202, r.text
    return r.json()["id"], clients


def test_options_are_stored_encrypted_and_still_drafted(api: Any, db: Any, org_a: Any) -> None:
    marker = f"FACTS{uuid.uuid4().hex[:8]}"
    batch_id, _ = _batch(api, db, org_a, marker)
    raw = _raw_batch(db, batch_id)
    assert marker not in " ".join(str(v) for v in raw.values())
    assert "options" not in raw  # the plaintext column is gone
    assert raw["options_ct"].startswith("v1.") and "workplace" not in raw["options_ct"]

    body = wait_done(api, org_a, batch_id)
    assert (body["done"], body["failed"]) == (2, 0), body
    assert "options" not in body  # the batch view answers as before: it never showed the options
    for item in body["items"]:
        detail = api.get(f"{API}/filings/{item['filing_id']}", headers=org_a.h("paralegal")).json()
        assert detail["batch_id"] == batch_id
        assert marker in json.dumps(detail["input_snapshot"])  # the facts reached the filing
        assert marker in fetch_pdf(api, org_a, item["filing_id"])[1]
    assert marker not in str(_raw_batch(db, batch_id))  # processing wrote nothing back in clear


def test_options_ciphertext_is_bound_to_its_batch(api: Any, db: Any, org_a: Any) -> None:
    from app.filings.models import FilingBatch

    first, _ = _batch(api, db, org_a, "FIRSTBATCH")
    second, _ = _batch(api, db, org_a, "SECONDBATCH")
    wait_done(api, org_a, first)
    wait_done(api, org_a, second)
    with db.session() as s:
        one = s.get(FilingBatch, uuid.UUID(first))
        two = s.get(FilingBatch, uuid.UUID(second))
        assert one is not None and two is not None
        assert "FIRSTBATCH" in one.options["facts"]
        two.options_ct = one.options_ct  # a ciphertext moved to another row does not decrypt there
        with pytest.raises(crypto.DecryptionError):
            _ = two.options
        s.rollback()


@contextmanager
def _second_key(db: Any) -> Iterator[None]:
    """Make a new key active for the duration; afterwards rotate the filings back under the original key so
    the rest of the suite sees the usual key ring (tests/key_ring.py)."""
    old = keyring.ring()
    added = crypto.new_key_spec("rot4")
    try:
        keyring.configure(f"{spec_of(old)},{added}", "rot4", crypto._b64e(old.index_key))
        yield
    finally:
        restore(db, old, added)


def test_key_rotation_re_encrypts_batch_options(api: Any, db: Any, org_a: Any, settings: Any,
                                                monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    import app.cli as cli_module
    from app.filings.keys import rotate_filing_keys
    from app.filings.models import FilingBatch

    batch_id, _ = _batch(api, db, org_a, "ROTATEFACTS")
    wait_done(api, org_a, batch_id)
    with _second_key(db):
        with db.session() as s:  # before rotation: still under the old key, and readable
            batch = s.get(FilingBatch, uuid.UUID(batch_id))
            assert batch is not None and "ROTATEFACTS" in batch.options["facts"]
        with db.session(write=True) as s:
            result = rotate_filing_keys(s)["filing_batch"]
        assert result["rotated"] >= 1 and result["failed"] == 0, result
        raw = _raw_batch(db, batch_id)
        assert crypto.KeyRing.key_id(raw["options_ct"]) == "rot4" and "ROTATEFACTS" not in str(raw)
        with db.session() as s:
            batch = s.get(FilingBatch, uuid.UUID(batch_id))
            assert batch is not None and "ROTATEFACTS" in batch.options["facts"]
        with db.session(write=True) as s:
            assert rotate_filing_keys(s)["filing_batch"]["rotated"] == 0  # idempotent
        monkeypatch.setattr(cli_module, "get_settings", lambda: settings)
        out = CliRunner().invoke(cli_module.cli, ["keys", "rotate"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["tables"]["filing_batch"]["failed"] == 0


def test_organization_export_shows_the_options(api: Any, db: Any, make_org: Any) -> None:
    org = make_org()
    batch_id, _ = _batch(api, db, org, "EXPORTFACTS")
    wait_done(api, org, batch_id)
    r = api.get(f"{API}/organization/export", headers=org.h("admin"))
    assert r.status_code == 200, r.text
    batches = r.json()["tables"]["filing_batch"]
    assert [b["id"] for b in batches] == [batch_id]
    assert batches[0]["options"]["facts"].startswith("EXPORTFACTS ")
    assert batches[0]["options"]["detention_authority"] == "ina_236a"
    assert "options_ct" not in r.text and "v1." not in json.dumps(batches)


def test_migration_encrypts_existing_options_and_downgrade_restores(tmp_path_factory: Any) -> None:
    from app.migrations import downgrade, upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0019_emergency_packets")
        engine = create_engine(url)
        org, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        ids = {k: (v if BACKEND == "postgres" else v.hex) for k, v in {"o": org, "a": first, "b": second}.items()}
        options = {"facts": "OLDFACTS typed before 0023: detained at the bus stop.", "relief": ["Ñandú release"]}
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                              "date_order, version, created_at, updated_at) VALUES (:o, 'M', :s, "
                              "'America/New_York', 12, 'MDY', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                         {"o": ids["o"], "s": f"m-{org.hex[:6]}"})
            insert = text("INSERT INTO filing_batch (id, organization_id, template, options, status, total, "
                          "created_at) VALUES (:i, :o, 'habeas_2241', :opt, 'done', 1, CURRENT_TIMESTAMP)")
            conn.execute(insert, {"i": ids["a"], "o": ids["o"], "opt": json.dumps(options)})
            conn.execute(insert, {"i": ids["b"], "o": ids["o"], "opt": "{}"})
        upgrade(url, "0023_encrypt_batch_options")
        ring = keyring.ring()
        with engine.connect() as conn:
            rows = {str(r["id"]).replace("-", ""): dict(r) for r in
                    conn.execute(text("SELECT * FROM filing_batch")).mappings()}
        assert "OLDFACTS" not in str(rows) and "Ñandú" not in str(rows)
        assert all("options" not in r for r in rows.values())
        assert json.loads(ring.decrypt(rows[first.hex]["options_ct"],
                                       crypto.KeyRing.aad(org, "filing_batch", "options", first))) == options
        assert json.loads(ring.decrypt(rows[second.hex]["options_ct"],
                                       crypto.KeyRing.aad(org, "filing_batch", "options", second))) == {}
        downgrade(url, "0019_emergency_packets")
        with engine.connect() as conn:
            got = {str(r[0]).replace("-", ""): r[1] for r in
                   conn.execute(text("SELECT id, options FROM filing_batch")).all()}
        got = {k: json.loads(v) if isinstance(v, str) else v for k, v in got.items()}
        assert got == {first.hex: options, second.hex: {}}
        upgrade(url, "0023_encrypt_batch_options")  # and up again
        engine.dispose()
    finally:
        cleanup()
