"""Client documents over HTTP on both backends: sniffing, caps, encryption at rest, download, roles, tenancy."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import BACKEND, assert_problem
from tests.factories import make_client
from tests.key_ring import restore, spec_of

from . import samples

API = "/api/v1"


def upload(client: Any, headers: dict[str, str], client_id: Any, data: bytes, *, name: str = "file.pdf",
           declared: str = "application/pdf", title: str = "Notice to Appear", **form: str) -> Any:
    return client.post(f"{API}/clients/{client_id}/documents", headers=headers,
                       files={"file": (name, data, declared)}, data={"title": title, **form})


def _raw_rows(db: Any, table: str, column: str, doc_id: str) -> list[dict[str, Any]]:
    key: Any = uuid.UUID(doc_id) if BACKEND == "postgres" else uuid.UUID(doc_id).hex
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {table} WHERE {column} = :i"), {"i": key})
                .mappings()]


def _audit(db: Any, org_id: Any, entity_id: Any) -> list[str]:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    with db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_id,
                                               AuditEvent.entity_id == str(entity_id))
                      .order_by(AuditEvent.seq)).all()  # type: ignore[arg-type]
        return [r.action for r in rows]


def test_upload_list_read_download_delete_round_trip(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    data = samples.pdf(pages=2, text="PLAINTEXT-MARKER-7731")
    r = upload(client, org_a.h("paralegal"), c.id, data, kind="immigration_record", document_date="2026-11-02")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert r.headers["Location"] == f"/api/v1/documents/{doc['id']}"
    assert (doc["media_type"], doc["pages"], doc["kind"], doc["document_date"]) == (
        "application/pdf", 2, "immigration_record", "2026-11-02")
    assert doc["sha256"] == hashlib.sha256(data).hexdigest() and doc["bytes"] == len(data)

    listed = client.get(f"{API}/clients/{c.id}/documents", headers=org_a.h("attorney")).json()
    assert [d["id"] for d in listed["items"]] == [doc["id"]] and listed["total"] == 1
    assert client.get(f"{API}/documents/{doc['id']}", headers=org_a.h("admin")).json()["title"] == "Notice to Appear"

    got = client.get(f"{API}/documents/{doc['id']}/content", headers=org_a.h("attorney"))
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["cache-control"] == "no-store"
    assert got.headers["content-disposition"] == f'attachment; filename="document-{doc["id"]}.pdf"'

    assert client.delete(f"{API}/documents/{doc['id']}", headers=org_a.h("paralegal")).status_code == 204
    assert_problem(client.get(f"{API}/documents/{doc['id']}", headers=org_a.h("admin")), 404, "document_not_found")
    assert client.get(f"{API}/clients/{c.id}/documents", headers=org_a.h("admin")).json()["total"] == 0
    assert _audit(db, org_a.id, doc["id"]) == ["document.created", "document.content_read", "document.deleted"]


def test_stored_bytes_and_title_are_ciphertext(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    data = samples.pdf(text="PLAINTEXT-MARKER-5512")
    doc = upload(client, org_a.h("attorney"), c.id, data, title="Declaration of Rosa Example").json()
    content = _raw_rows(db, "client_document_content", "document_id", doc["id"])
    meta = _raw_rows(db, "client_document", "id", doc["id"])
    stored = bytes(content[0]["content_ct"])
    assert b"PLAINTEXT-MARKER-5512" in data and b"PLAINTEXT-MARKER-5512" not in stored
    assert b"%PDF" not in stored and len(stored) >= len(data)
    assert "Rosa" not in str(meta[0]["title_ct"])


def test_png_named_pdf_is_stored_as_png(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    data = samples.png(300, 200)
    doc = upload(client, org_a.h("attorney"), c.id, data, name="scan.pdf", declared="application/pdf").json()
    assert (doc["media_type"], doc["width"], doc["height"]) == ("image/png", 300, 200)
    got = client.get(f"{API}/documents/{doc['id']}/content", headers=org_a.h("attorney"))
    assert got.headers["content-type"] == "image/png" and got.content == data
    assert got.headers["content-disposition"].endswith('.png"')


@pytest.mark.parametrize("data, code", [
    (b"just some text, named like a PDF", "document_type_not_allowed"),
    (samples.pdf_with_javascript(), "pdf_active_content"),
    (samples.pdf_with_attachment(), "pdf_active_content"),
    (samples.encrypted_pdf(), "pdf_encrypted"),
])
def test_refused_files_leave_nothing_behind(client: Any, db: Any, org_a: Any, data: bytes, code: str) -> None:
    c = make_client(db, org_a.id)
    assert_problem(upload(client, org_a.h("attorney"), c.id, data), 422, code)
    assert client.get(f"{API}/clients/{c.id}/documents", headers=org_a.h("attorney")).json()["total"] == 0


def test_oversize_is_413(client: Any, db: Any, org_a: Any, app: Any) -> None:
    c = make_client(db, org_a.id)
    cap = app.state.settings.document_max_bytes
    big = samples.pdf() + b"\n%" + b"0" * cap
    assert_problem(upload(client, org_a.h("attorney"), c.id, big), 413, "document_too_large")
    # Far beyond the cap, the request body itself is refused before it is read.
    huge = b"%PDF-" + b"0" * (cap + 200_000)
    assert_problem(upload(client, org_a.h("attorney"), c.id, huge), 413)
    assert client.get(f"{API}/clients/{c.id}/documents", headers=org_a.h("attorney")).json()["total"] == 0


@pytest.mark.parametrize("form, field", [
    ({"title": "   "}, "title"),
    ({"kind": "passport-ish"}, "kind"),
    ({"document_date": "02/11/2026"}, "document_date"),
])
def test_invalid_fields_are_422(client: Any, db: Any, org_a: Any, form: dict[str, str], field: str) -> None:
    c = make_client(db, org_a.id)
    body = assert_problem(upload(client, org_a.h("attorney"), c.id, samples.pdf(), **form), 422,
                          "invalid_document_field")
    assert body["field"] == field


def test_missing_file_is_422(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    r = client.post(f"{API}/clients/{c.id}/documents", headers=org_a.h("attorney"), data={"title": "x"})
    assert_problem(r, 422)


def test_family_liaison_is_refused_everywhere(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    doc = upload(client, org_a.h("admin"), c.id, samples.png()).json()
    h = org_a.h("family_liaison")
    assert_problem(upload(client, h, c.id, samples.png()), 403)
    assert_problem(client.get(f"{API}/clients/{c.id}/documents", headers=h), 403)
    assert_problem(client.get(f"{API}/documents/{doc['id']}", headers=h), 403)
    assert_problem(client.get(f"{API}/documents/{doc['id']}/content", headers=h), 403)
    assert_problem(client.delete(f"{API}/documents/{doc['id']}", headers=h), 403)


def test_another_organizations_documents_are_404(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    c = make_client(db, org_a.id)
    doc = upload(client, org_a.h("attorney"), c.id, samples.jpeg()).json()
    h = org_b.h("attorney")
    assert_problem(upload(client, h, c.id, samples.png()), 404, "client_not_found")
    assert_problem(client.get(f"{API}/clients/{c.id}/documents", headers=h), 404, "client_not_found")
    assert_problem(client.get(f"{API}/documents/{doc['id']}", headers=h), 404, "document_not_found")
    assert_problem(client.get(f"{API}/documents/{doc['id']}/content", headers=h), 404, "document_not_found")
    assert_problem(client.delete(f"{API}/documents/{doc['id']}", headers=h), 404, "document_not_found")
    assert client.get(f"{API}/documents/{doc['id']}", headers=org_a.h("attorney")).status_code == 200


def test_key_rotation_re_encrypts_documents_and_they_still_download(client: Any, db: Any, org_a: Any) -> None:
    from app.core import crypto, keyring
    from app.documents.keys import rotate_document_keys

    c = make_client(db, org_a.id)
    data = samples.png(90, 90)
    doc = upload(client, org_a.h("attorney"), c.id, data, title="Passport page").json()
    old = keyring.ring()
    old_spec = spec_of(old)
    rot_spec = crypto.new_key_spec("docrot")
    try:
        keyring.configure(f"{old_spec},{rot_spec}", "docrot", crypto._b64e(old.index_key))
        with db.session(write=True) as s:
            result = rotate_document_keys(s)
        assert result["client_document"]["rotated"] >= 1 and result["client_document_content"]["rotated"] >= 1
        assert result["client_document_content"]["failed"] == 0
        stored = _raw_rows(db, "client_document_content", "document_id", doc["id"])[0]
        assert crypto.KeyRing.key_id_bytes(bytes(stored["content_ct"])) == "docrot"
        assert client.get(f"{API}/documents/{doc['id']}/content", headers=org_a.h("attorney")).content == data
        meta = client.get(f"{API}/documents/{doc['id']}", headers=org_a.h("attorney")).json()
        assert meta["title"] == "Passport page"
        with db.session(write=True) as s:  # idempotent
            assert rotate_document_keys(s)["client_document_content"]["rotated"] == 0
    finally:
        restore(db, old, rot_spec)
    assert client.get(f"{API}/documents/{doc['id']}/content", headers=org_a.h("attorney")).content == data
