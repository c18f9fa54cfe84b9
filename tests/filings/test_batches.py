"""Filing batches: a group of 20 clients of whom 2 lack a facility ends with 18 filings and 2 itemized
failures; validation and tenancy refuse before anything is created."""

from __future__ import annotations

import time
import uuid
from typing import Any

import sqlalchemy as sa

from app.filings.models import FilingBatch
from tests.conftest import assert_problem
from tests.factories import make_client, make_group

from .conftest import API, detained_client
from .test_api_filings import assert_court_ready, audit_actions, fetch_pdf

GIVEN = ["José", "María", "Ana", "Luis", "Rosa", "Carlos", "Elena", "Jorge", "Sofía", "Iñés"]


def wait_done(http: Any, org: Any, batch_id: str, timeout: float = 180.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = http.get(f"{API}/filing-batches/{batch_id}", headers=org.h("paralegal"))
        assert r.status_code == 200, r.text
        body = r.json()
        if body["status"] == "done":
            return body
        assert time.monotonic() < deadline, f"batch not done in {timeout} s: {body['done']}/{body['total']}"
        time.sleep(0.25)


def batch_count(db: Any, org_id: Any) -> int:
    with db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(FilingBatch)
                             .where(FilingBatch.organization_id == org_id)).scalar_one())


def test_group_of_twenty_with_two_failures(api: Any, db: Any, org_a: Any) -> None:
    detained: list[Any] = []
    for i in range(18):
        client, _ = detained_client(db, org_a.id, given_names=GIVEN[i % len(GIVEN)],
                                    first_surname=f"Núñez{chr(65 + i)}", a_number=f"{100000000 + i:09d}")
        detained.append(client)
    unplaced = [make_client(db, org_a.id, given_names="Sin", first_surname=f"Ubicación{i}") for i in range(2)]
    members = detained[:9] + unplaced[:1] + detained[9:] + unplaced[1:]
    group = make_group(db, org_a.id, [c.id for c in members])

    r = api.post(f"{API}/filing-batches", headers=org_a.h("paralegal"),
                 json={"template": "habeas_2241", "group_id": str(group.id),
                       "options": {"attorney_id": str(org_a.users["attorney"].id),
                                   "detention_authority": "ina_236a"}})
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["status"] == "queued" and accepted["total"] == 20 and accepted["id"]
    assert r.headers["location"] == f"/api/v1/filing-batches/{accepted['id']}"

    body = wait_done(api, org_a, accepted["id"])
    assert (body["total"], body["done"], body["failed"], body["pending"]) == (20, 18, 2, 0)
    assert body["finished_at"] and body["started_at"]
    by_client = {item["client_id"]: item for item in body["items"]}
    assert [i["client_id"] for i in body["items"]] == [str(c.id) for c in members]  # group order
    for c in unplaced:
        item = by_client[str(c.id)]
        assert item["status"] == "failed" and item.get("filing_id") is None
        err = item["error"]
        assert err["code"] == "missing_filing_data" and err["status"] == 422
        assert err["missing"] == ["client.current_facility"] and err["type"].endswith("/missing_filing_data")
    for c in detained:
        item = by_client[str(c.id)]
        assert item["status"] == "done" and item["error"] is None, item
        meta = api.get(f"{API}/filings/{item['filing_id']}", headers=org_a.h("paralegal")).json()
        assert meta["batch_id"] == accepted["id"] and meta["client_id"] == str(c.id) and meta["version"] == 1
        assert meta["created_by"] == str(org_a.users["paralegal"].id) and meta["preflight_ok"]
        pdf, text = fetch_pdf(api, org_a, item["filing_id"])
        assert f"{c.given_names} {c.first_surname} Núñez" in text
        assert "FOR THE DISTRICT OF MARYLAND" in text and "El Salvador" in text
    assert_court_ready(pdf)
    actions = audit_actions(db, org_a.id, accepted["id"])
    assert actions[0] == "filing_batch.create" and actions[-1] == "filing_batch.done"
    assert actions.count("filing_batch.item_failed") == 2


def test_client_list_batch_and_duplicates(api: Any, db: Any, org_a: Any) -> None:
    a, _ = detained_client(db, org_a.id, a_number="200000001")
    b, _ = detained_client(db, org_a.id, a_number="200000002")
    r = api.post(f"{API}/filing-batches", headers=org_a.h("attorney"),
                 json={"template": "tro_motion", "client_ids": [str(a.id), str(b.id), str(a.id)],
                       "options": {"notice_efforts": "Emailed the Civil Chief at 9:05 a.m."}})
    assert r.status_code == 202, r.text
    body = wait_done(api, org_a, r.json()["id"])
    assert (body["total"], body["done"], body["failed"]) == (2, 2, 0)
    for item in body["items"]:
        meta = api.get(f"{API}/filings/{item['filing_id']}", headers=org_a.h("attorney")).json()
        assert meta["attorney_id"] == str(org_a.users["attorney"].id) and meta["template"] == "tro_motion"


def test_batch_validation(api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    h = org_a.h("paralegal")
    before = batch_count(db, org_a.id)
    att = {"attorney_id": str(org_a.users["attorney"].id)}
    cases = [
        ({"template": "nope", "client_ids": [str(client.id)], "options": att}, "unknown_template"),
        ({"template": "habeas_2241", "client_ids": [str(client.id)], "options": {**att, "bogus": True}},
         "invalid_filing_options"),
        ({"template": "habeas_2241", "client_ids": [str(client.id)], "options": {}}, "missing_filing_data"),
        ({"template": "habeas_2241", "options": att}, "validation_error"),
        ({"template": "habeas_2241", "client_ids": [], "options": att}, "validation_error"),
        ({"template": "habeas_2241", "client_ids": [str(client.id)], "group_id": str(uuid.uuid4()),
          "options": att}, "validation_error"),
    ]
    for body, code in cases:
        assert_problem(api.post(f"{API}/filing-batches", headers=h, json=body), 422, code)
    empty = make_group(db, org_a.id, [])
    assert_problem(api.post(f"{API}/filing-batches", headers=h,
                            json={"template": "habeas_2241", "group_id": str(empty.id), "options": att}),
                   422, "empty_batch")
    assert batch_count(db, org_a.id) == before
    assert_problem(api.post(f"{API}/filing-batches", headers=org_a.h("family_liaison"),
                            json={"template": "habeas_2241", "client_ids": [str(client.id)]}), 403)


def test_batch_tenancy(api: Any, db: Any, org_a: Any, org_b: Any) -> None:
    mine, _ = detained_client(db, org_a.id)
    theirs, _ = detained_client(db, org_b.id)
    foreign_group = make_group(db, org_b.id, [theirs.id])
    h = org_a.h("attorney")
    before = batch_count(db, org_a.id)
    r = api.post(f"{API}/filing-batches", headers=h,
                 json={"template": "habeas_2241", "client_ids": [str(mine.id), str(theirs.id)]})
    assert_problem(r, 404, "client_not_found")
    r = api.post(f"{API}/filing-batches", headers=h,
                 json={"template": "habeas_2241", "group_id": str(foreign_group.id)})
    assert_problem(r, 404, "group_not_found")
    assert batch_count(db, org_a.id) == before

    r = api.post(f"{API}/filing-batches", headers=org_b.h("attorney"),
                 json={"template": "habeas_2241", "client_ids": [str(theirs.id)]})
    assert r.status_code == 202
    batch_id = r.json()["id"]
    assert_problem(api.get(f"{API}/filing-batches/{batch_id}", headers=h), 404, "batch_not_found")
    assert_problem(api.get(f"{API}/filing-batches/{uuid.uuid4()}", headers=h), 404, "batch_not_found")
    wait_done(api, org_b, batch_id)


def test_interactive_draft_is_not_stuck_behind_a_batch(api: Any, db: Any, org_a: Any) -> None:
    from .test_api_filings import draft

    # A batch long enough (48 renders) that a draft which waited behind it could not finish first on a fast
    # machine; with priority the draft waits for at most one batch render.
    clients = [detained_client(db, org_a.id, a_number=f"{210000000 + i:09d}")[0] for i in range(48)]
    urgent, _ = detained_client(db, org_a.id, a_number="219999999")
    r = api.post(f"{API}/filing-batches", headers=org_a.h("attorney"),
                 json={"template": "habeas_2241", "client_ids": [str(c.id) for c in clients]})
    assert r.status_code == 202
    batch_id = r.json()["id"]
    deadline = time.monotonic() + 120  # wait (bounded) until the batch is rendering, however loaded the machine
    while api.get(f"{API}/filing-batches/{batch_id}", headers=org_a.h("attorney")).json()["status"] != "running":
        assert time.monotonic() < deadline, "the batch never started"
        time.sleep(0.05)
    d = draft(api, org_a, urgent.id, role="attorney")
    assert d.status_code == 201, d.text
    progress = api.get(f"{API}/filing-batches/{batch_id}", headers=org_a.h("attorney")).json()
    assert progress["status"] == "running" and progress["pending"] > 0, progress["pending"]
    assert wait_done(api, org_a, batch_id)["done"] == 48


def test_two_workers_finishing_the_last_items_at_once_still_finish_the_batch(db: Any, org_a: Any) -> None:
    """Both workers reach the "are items still open?" count before either commits; each would see the other's
    item as running (write skew on PostgreSQL) and the batch would never get its end. The batch row is locked
    before the count, so the second worker counts after the first has committed."""
    import threading

    from sqlalchemy import event

    from app.filings import batches
    from app.filings.models import FilingBatchItem

    clients = [make_client(db, org_a.id) for _ in range(2)]
    with db.session(write=True) as s:
        batch = FilingBatch(organization_id=org_a.id, template="habeas_2241", status="running", total=2,
                            created_by=org_a.users["attorney"].id, created_by_role="attorney")
        s.add(batch)
        s.flush()
        items = [FilingBatchItem(organization_id=org_a.id, batch_id=batch.id, client_id=c.id, position=i,
                                 status="running", attempts=1)
                 for i, c in enumerate(clients)]
        s.add_all(items)
        s.commit()

    meeting = threading.Barrier(2, timeout=3)

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "count(*)" in statement and "filing_batch_item" in statement and "status IN" in statement:
            try:
                meeting.wait()  # without the lock both counts run here, before either commit
            except threading.BrokenBarrierError:
                pass  # with it, the other worker waits on the batch row instead

    event.listen(db.write_engine, "before_cursor_execute", before)
    try:
        threads = [threading.Thread(target=batches.fail_item, args=(db, it, {"code": "test_failure"}))
                   for it in items]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(db.write_engine, "before_cursor_execute", before)
    with db.session() as s:
        row = s.get(FilingBatch, batch.id)
        assert row is not None and row.status == "done" and row.finished_at is not None
