"""A name recorded in another script is captioned in the Latin-script form a person entered (name_latin); without
it the draft answers 422 naming the field. Nothing is transliterated."""

from __future__ import annotations

from typing import Any

from app.clients.models import Client
from tests.conftest import assert_problem

from .conftest import detained_client
from .test_api_filings import draft, fetch_pdf


def _set_latin(db: Any, client_id: Any, value: str | None) -> None:
    with db.session(write=True) as s:
        row = s.get(Client, client_id)
        assert row is not None
        row.name_latin = value
        s.add(row)
        s.commit()


def test_arabic_name_needs_and_gets_a_latin_caption(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, given_names="محمد", first_surname="العلي", second_surname=None,
                                a_number="310000001")
    body = assert_problem(draft(api, org_a, client.id), 422, "missing_filing_data")
    assert "client.name_latin" in body["missing"]
    _set_latin(db, client.id, "Mohammed Al-Ali")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "Mohammed Al-Ali" in text and "MOHAMMED AL-ALI" in text.upper()


def test_a_latin_name_needs_no_latin_form(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id, given_names="Nguyễn", first_surname="Văn An", second_surname=None,
                                a_number="310000002")
    r = draft(api, org_a, client.id)
    assert r.status_code == 201, r.text
    _, text = fetch_pdf(api, org_a, r.json()["id"])
    assert "Nguyễn Văn An" in text
