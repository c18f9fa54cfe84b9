"""Renderer limits through the API: page cap -> 422, timeout -> 503 + Retry-After, busy -> 503, a PDF
failing preflight is stored as a draft that can never be finalized. A failed render stores nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import assert_problem

from .conftest import API, OPTIONS, detained_client, running_app
from .test_api_filings import draft, filing_count


def test_page_cap_and_preflight_failure(settings: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    with running_app(settings, db, render_workers=1, render_max_pages=1, pdf_max_bytes=1024) as http:
        body = assert_problem(draft(http, org_a, client.id), 422, "page_limit_exceeded")
        assert body["limit"] == 1 and body["pages"] > 1
        assert filing_count(db, client.id) == 0

        # One page, but larger than the (tiny) court size cap: stored as a draft with its failed report.
        r = draft(http, org_a, client.id, "declaration", options=OPTIONS["declaration"], attorney=False)
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["preflight_ok"] is False and created["status"] == "draft"
        assert [c["name"] for c in created["preflight"]["checks"] if not c["ok"]] == ["size"]
        body = assert_problem(http.post(f"{API}/filings/{created['id']}/finalize", headers=org_a.h("attorney")),
                              409, "preflight_failed")
        assert body["failed_checks"] == ["size"]
        assert http.get(f"{API}/filings/{created['id']}", headers=org_a.h("paralegal")).json()["status"] == "draft"
        assert http.get(f"{API}/filings/{created['id']}/pdf", headers=org_a.h("paralegal")).status_code == 200


def test_timeout_is_503_and_stores_nothing(settings: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    with running_app(settings, db, render_workers=1, render_timeout_seconds=0.05) as http:
        r = draft(http, org_a, client.id)
        assert_problem(r, 503, "render_timeout")
        assert int(r.headers["retry-after"]) > 0
    assert filing_count(db, client.id) == 0


def test_busy_renderer_is_503_with_retry_after(filings_app: Any, api: Any, db: Any, org_a: Any) -> None:
    client, _ = detained_client(db, org_a.id)
    renderer = filings_app.state.filing_renderer
    fill = renderer.max_workers + renderer.queue_limit  # as if every slot and queue place were taken
    with renderer._lock:
        renderer._admitted += fill
    try:
        r = draft(api, org_a, client.id)
    finally:
        with renderer._lock:
            renderer._admitted -= fill
    assert_problem(r, 503, "render_busy")
    assert r.headers["retry-after"] == str(renderer.retry_after)
    assert filing_count(db, client.id) == 0
