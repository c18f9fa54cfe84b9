"""Exhibits on filings: attached client documents fill the exhibit index, and the filing's exhibits PDF merges
them with a slip sheet and a bookmark each (app/filings/exhibits.py). Read back with pypdf on both backends."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from pypdf import PdfReader

from tests.conftest import assert_problem
from tests.documents import samples
from tests.factories import make_client

from .conftest import API, OPTIONS, detained_client, flat


def _upload(api: Any, org: Any, client_id: Any, data: bytes, title: str) -> str:
    r = api.post(f"{API}/clients/{client_id}/documents", headers=org.h("paralegal"),
                 files={"file": ("f", data, "application/octet-stream")}, data={"title": title})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _draft(api: Any, org: Any, client_id: Any, exhibits: list[dict[str, Any]]) -> Any:
    opts = dict(OPTIONS["habeas_2241"], attorney_id=str(org.users["attorney"].id))
    return api.post(f"{API}/clients/{client_id}/filings", headers=org.h("paralegal"),
                    json={"template": "habeas_2241", "options": opts, "exhibits": exhibits})


def _text(pdf: bytes) -> str:
    return flat("\n".join(p.extract_text() or "" for p in PdfReader(BytesIO(pdf)).pages))


def _index(text: str) -> str:
    return text[text.index("EXHIBIT INDEX"):]


def test_index_lists_the_attached_documents_and_the_exhibits_pdf_has_slip_sheets(api: Any, db: Any,
                                                                                 org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    nta = _upload(api, org_a, client.id, samples.pdf(pages=2), "Notice to Appear")
    photo = _upload(api, org_a, client.id, samples.png(400, 300), "Photograph of the removal flight notice")
    r = _draft(api, org_a, client.id, [{"document_id": nta}, {"document_id": photo}])
    assert r.status_code == 201, r.text
    filing = r.json()

    pdf = api.get(f"{API}/filings/{filing['id']}/pdf", headers=org_a.h("attorney")).content
    index = _index(_text(pdf))
    assert "A Notice to Appear" in index and "B Photograph of the removal flight notice" in index
    # O7: nothing the drafter did not attach.
    assert "Custody records" not in index and "Declaration of counsel regarding" not in index

    got = api.get(f"{API}/filings/{filing['id']}/exhibits.pdf", headers=org_a.h("paralegal"))
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert got.headers["cache-control"] == "no-store"
    reader = PdfReader(BytesIO(got.content))
    assert len(reader.pages) == 1 + 2 + 1 + 1  # slip, NTA (2), slip, image
    assert "Exhibit A — Notice to Appear" in (reader.pages[0].extract_text() or "")
    assert "Exhibit B — Photograph" in (reader.pages[3].extract_text() or "")
    outline = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
    assert outline == [("Exhibit A — Notice to Appear", 0),
                       ("Exhibit B — Photograph of the removal flight notice", 3)]

    # A document deleted after drafting stays in the filing's exhibits (the filing was drafted with it).
    assert api.delete(f"{API}/documents/{nta}", headers=org_a.h("paralegal")).status_code == 204
    again = api.get(f"{API}/filings/{filing['id']}/exhibits.pdf", headers=org_a.h("attorney"))
    assert len(PdfReader(BytesIO(again.content)).pages) == 5


def test_custom_labels_and_no_exhibits(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    doc = _upload(api, org_a, client.id, samples.jpeg(), "Birth certificate")
    filing = _draft(api, org_a, client.id, [{"document_id": doc, "label": "1"}]).json()
    index = _index(_text(api.get(f"{API}/filings/{filing['id']}/pdf", headers=org_a.h("attorney")).content))
    assert "1 Birth certificate" in index

    bare = _draft(api, org_a, client.id, []).json()
    index = _index(_text(api.get(f"{API}/filings/{bare['id']}/pdf", headers=org_a.h("attorney")).content))
    assert "No exhibits are attached" in index and "Custody records" not in index
    assert_problem(api.get(f"{API}/filings/{bare['id']}/exhibits.pdf", headers=org_a.h("attorney")), 404,
                   "no_exhibits")


def test_invalid_exhibits_are_422_and_nothing_is_stored(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    other = make_client(db, org_a.id)
    foreign = _upload(api, org_a, other.id, samples.png(), "Someone else's paper")
    mine = _upload(api, org_a, client.id, samples.png(), "Mine")
    body = assert_problem(_draft(api, org_a, client.id, [{"document_id": foreign}]), 422, "exhibit_not_found")
    assert body["document_ids"] == [foreign]
    assert_problem(_draft(api, org_a, client.id, [{"document_id": mine}, {"document_id": mine}]), 422,
                   "exhibit_duplicate")
    assert_problem(_draft(api, org_a, client.id, [{"document_id": mine, "label": "A B"}]), 422)
    assert_problem(_draft(api, org_a, client.id, [{"document_id": "not-a-uuid"}]), 422)
    listed = api.get(f"{API}/clients/{client.id}/filings", headers=org_a.h("attorney")).json()
    assert listed["total"] == 0


def test_exhibits_pdf_roles_and_tenancy(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    doc = _upload(api, org_a, client.id, samples.pdf(), "Order of the immigration judge")
    filing = _draft(api, org_a, client.id, [{"document_id": doc}]).json()
    url = f"{API}/filings/{filing['id']}/exhibits.pdf"
    for role in ("admin", "attorney", "paralegal"):
        assert api.get(url, headers=org_a.h(role)).status_code == 200
    assert_problem(api.get(url, headers=org_a.h("family_liaison")), 403)
    assert_problem(api.get(url, headers=org_b.h("attorney")), 404, "filing_not_found")
