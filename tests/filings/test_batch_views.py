"""The organization's filing batches as a list, and one batch's PDFs (with a manifest) as a zip."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest

from tests.conftest import ALL_ROLES, assert_problem
from tests.factories import make_client

from .conftest import API, detained_client
from .test_batches import wait_done


def _batch(api: Any, org: Any, clients: list[Any]) -> str:
    r = api.post(f"{API}/filing-batches", headers=org.h("attorney"),
                 json={"template": "tro_motion", "client_ids": [str(c.id) for c in clients],
                       "options": {"notice_efforts": "Emailed the Civil Chief at 9:05 a.m."}})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_list_and_zip_of_a_batch(api: Any, db: Any, make_org: Any) -> None:
    org = make_org()
    a, _ = detained_client(db, org.id, given_names="María José", first_surname="Núñez", a_number="200000011")
    b, _ = detained_client(db, org.id, given_names="Luis", first_surname="Peña", a_number="200000012")
    unplaced = make_client(db, org.id, given_names="Sin", first_surname="Ubicación")
    batch_id = _batch(api, org, [a, unplaced, b])
    body = wait_done(api, org, batch_id)
    assert (body["done"], body["failed"]) == (2, 1)

    listed = api.get(f"{API}/filing-batches", headers=org.h("paralegal")).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == batch_id
    assert (listed["items"][0]["status"], listed["items"][0]["done"], listed["items"][0]["failed"]) == ("done", 2, 1)

    r = api.get(f"{API}/filing-batches/{batch_id}/zip", headers=org.h("paralegal"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "attachment" in r.headers["content-disposition"]
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    assert names == ["001-Maria-Jose-Nunez-Nunez-tro_motion.pdf", "003-Luis-Pena-Nunez-tro_motion.pdf",
                     "manifest.csv"]
    assert all(zf.read(n).startswith(b"%PDF-") for n in names[:2])
    manifest = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
    assert [m["status"] for m in manifest] == ["done", "failed", "done"]
    assert manifest[1]["error"] == "missing_filing_data" and manifest[1]["file"] == ""
    assert manifest[0]["sha256"] and manifest[0]["filing_id"]
    again = api.get(f"{API}/filing-batches/{batch_id}/zip", headers=org.h("paralegal"))
    assert again.content == r.content  # the same batch gives the same bytes
    audit = api.get(f"{API}/audit-events", headers=org.h("admin"),
                    params={"action": "filing_batch.zip_read"}).json()
    assert audit["total"] == 2 and audit["items"][0]["detail"] == {"pdfs": 2, "items": 3}


def test_a_deleted_client_is_left_out_of_the_zip(api: Any, db: Any, make_org: Any) -> None:
    org = make_org()
    a, _ = detained_client(db, org.id, a_number="200000021")
    b, _ = detained_client(db, org.id, a_number="200000022")
    batch_id = _batch(api, org, [a, b])
    wait_done(api, org, batch_id)
    etag = api.get(f"{API}/clients/{b.id}", headers=org.h("attorney")).headers["etag"]
    assert api.delete(f"{API}/clients/{b.id}", headers={**org.h("attorney"), "If-Match": etag}).status_code == 204
    zf = zipfile.ZipFile(io.BytesIO(api.get(f"{API}/filing-batches/{batch_id}/zip", headers=org.h("attorney")).content))
    assert len([n for n in zf.namelist() if n.endswith(".pdf")]) == 1
    assert str(b.id) not in zf.read("manifest.csv").decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_batch_list_and_zip_roles_and_tenancy(api: Any, db: Any, make_org: Any, role: str) -> None:
    org, other = make_org(), make_org()
    a, _ = detained_client(db, other.id, a_number="200000031")
    theirs = _batch(api, other, [a])
    wait_done(api, other, theirs)
    listed = api.get(f"{API}/filing-batches", headers=org.h(role))
    zipped = api.get(f"{API}/filing-batches/{theirs}/zip", headers=org.h(role))
    if role == "family_liaison":
        assert_problem(listed, 403, "forbidden")
        assert_problem(zipped, 403, "forbidden")
    else:
        assert listed.status_code == 200 and listed.json()["total"] == 0
        assert_problem(zipped, 404, "batch_not_found")  # another organization's batch
    assert_problem(api.get(f"{API}/filing-batches", headers=org.h("admin"), params={"limit": 0}), 422)
