"""Batch items left behind by a stopped service are drafted when the next one starts.

Runs on a database of its own, so no other application's job runner can take the items. On SQLite the
in-process runner recovers open items from the rows at start-up; on PostgreSQL the jobs were durable all along.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from app.filings.models import Filing, FilingBatchItem
from tests.conftest import OrgFixture, own_database, staff_org

from .conftest import API, detained_client


@pytest.fixture(scope="module")
def own_db(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> Iterator[tuple[Any, Any]]:
    with own_database(tmp_path_factory, settings, render_workers=2) as pair:
        yield pair


def _org(db: Any, settings: Any) -> OrgFixture:
    return staff_org(db, settings, ("attorney", "paralegal"), name=f"Resume Org {uuid.uuid4().hex[:6]}")


def _app(settings: Any, db: Any, *, worker: bool) -> Any:
    from app.main import create_app

    return create_app(settings.model_copy(update={"jobs_in_process": worker}), db=db)


def test_pending_and_interrupted_items_resume_after_restart(own_db: tuple[Any, Any]) -> None:
    settings, db = own_db
    org = _org(db, settings)
    clients = [detained_client(db, org.id, a_number=f"{300000000 + i:09d}")[0] for i in range(5)]

    # 1. A service without a batch worker accepts the batch, then stops: nothing is drafted.
    with TestClient(_app(settings, db, worker=False), raise_server_exceptions=False) as http:
        r = http.post(f"{API}/filing-batches", headers=org.h("attorney"),
                      json={"template": "habeas_2241", "client_ids": [str(c.id) for c in clients]})
        assert r.status_code == 202, r.text
        batch_id = r.json()["id"]
        time.sleep(0.5)
        body = http.get(f"{API}/filing-batches/{batch_id}", headers=org.h("paralegal")).json()
        assert body["status"] == "queued" and body["done"] == 0

    # 2. A crash while an item was being drafted leaves it `running`.
    with db.session(write=True) as s:
        table = FilingBatchItem.__table__
        s.execute(sa.update(table).where(table.c.batch_id == uuid.UUID(batch_id), table.c.position == 2)
                  .values(status="running", attempts=1))
        s.commit()

    # 3. The next service start re-queues it and drafts every item exactly once.
    with TestClient(_app(settings, db, worker=True), raise_server_exceptions=False) as http:
        deadline = time.monotonic() + 120
        while True:
            body = http.get(f"{API}/filing-batches/{batch_id}", headers=org.h("paralegal")).json()
            if body["status"] == "done":
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.25)
        assert (body["done"], body["failed"]) == (5, 0)
        for item in body["items"]:
            assert http.get(f"{API}/filings/{item['filing_id']}/pdf", headers=org.h("paralegal")).status_code == 200
    with db.session() as s:
        versions = s.execute(sa.select(Filing.client_id, Filing.version).where(Filing.organization_id == org.id)).all()
    assert sorted(v for _, v in versions) == [1] * 5 and len({c for c, _ in versions}) == 5


def test_cli_resume_drafts_pending_items(own_db: tuple[Any, Any]) -> None:
    """`dueprocess filings resume` drafts open items in its own process, without a server or a worker."""
    from app.core import jobs
    from app.filings import batches
    from app.filings.router import make_renderer

    settings, db = own_db
    org = _org(db, settings)
    clients = [detained_client(db, org.id, a_number=f"{400000000 + i:09d}")[0] for i in range(3)]
    with TestClient(_app(settings, db, worker=False), raise_server_exceptions=False) as http:
        r = http.post(f"{API}/filing-batches", headers=org.h("attorney"),
                      json={"template": "habeas_2241", "client_ids": [str(c.id) for c in clients]})
        batch_id = r.json()["id"]

    renderer = make_renderer(settings)
    try:
        with db.session() as s:
            ids = [args["item_id"] for _, args in batches.open_items(s)]
        with jobs.using({"database": db, "filings.renderer": renderer}):
            for item_id in ids:
                batches.render_batch_item(str(item_id))
    finally:
        renderer.shutdown()
    with TestClient(_app(settings, db, worker=False), raise_server_exceptions=False) as http:
        body = http.get(f"{API}/filing-batches/{batch_id}", headers=org.h("paralegal")).json()
    assert (body["status"], body["done"], body["failed"]) == ("done", 3, 0)


def test_jobs_in_process_setting(own_db: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """`JOBS_IN_PROCESS` (default true) decides whether a server process runs jobs itself."""
    from app.core.config import Settings

    settings, db = own_db
    assert Settings(database_url=settings.database_url).jobs_in_process is True
    monkeypatch.setenv("JOBS_IN_PROCESS", "false")
    api_only = Settings(database_url=settings.database_url)
    assert api_only.jobs_in_process is False
    with TestClient(_app(settings, db, worker=False), raise_server_exceptions=False) as http:
        assert http.app.state.jobs_runner is None and http.app.state.jobs_worker is None  # type: ignore[attr-defined]
    with TestClient(_app(settings, db, worker=True), raise_server_exceptions=False) as http:
        state = http.app.state  # type: ignore[attr-defined]
        assert (state.jobs_runner is not None) or (state.jobs_worker is not None)
