"""``GET /metrics``: Prometheus text for a scraper holding METRICS_TOKEN, nobody else (app/monitoring.py,
app/core/metrics.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.core import metrics
from app.core.config import Settings
from tests.conftest import assert_problem

TOKEN = "metrics-" + "m" * 40


@pytest.fixture
def scraped(settings: Settings, db: Any) -> Iterator[TestClient]:
    from app.main import create_app

    app = create_app(Settings(database_url=settings.database_url, metrics_token=TOKEN), db=db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _scrape(c: TestClient) -> dict[str, Any]:
    r = c.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {f.name: f for f in text_string_to_metric_families(r.text)}


def test_metrics_need_the_metrics_token(scraped: TestClient, org_a: Any) -> None:
    assert_problem(scraped.get("/metrics"), 401, "invalid_token")
    assert_problem(scraped.get("/metrics", headers={"Authorization": "Bearer " + "x" * 48}), 401, "invalid_token")
    # A user's access token, even an admin's, is not the scraper's token.
    for role in ("admin", "attorney", "paralegal", "family_liaison"):
        assert_problem(scraped.get("/metrics", headers=org_a.h(role)), 401, "invalid_token")
    assert scraped.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_metrics_are_disabled_without_a_token(client: TestClient) -> None:
    assert_problem(client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}), 404, "metrics_disabled")


def test_short_metrics_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        Settings(metrics_token="short")


def test_request_latency_is_labelled_by_route_template_not_raw_path(scraped: TestClient, org_a: Any) -> None:
    missing = uuid.uuid4()
    assert scraped.get(f"/api/v1/clients/{missing}", headers=org_a.h("attorney")).status_code == 404
    scraped.get("/no/such/path")
    fams = _scrape(scraped)
    hist = fams["dueprocess_request_duration_seconds"]
    routes = {s.labels["route"] for s in hist.samples}
    assert "/api/v1/clients/{client_id}" in routes
    assert "unmatched" in routes
    assert not any(str(missing) in r for r in routes)  # no ids in label values
    counts = [s for s in hist.samples if s.name.endswith("_count")
              and s.labels["route"] == "/api/v1/clients/{client_id}" and s.labels["status"] == "404"]
    assert counts and counts[0].value >= 1


def test_pools_alerts_and_registered_gauges_are_exported(scraped: TestClient) -> None:
    metrics.register_gauge("dueprocess_job_queue_depth", "Jobs waiting, by queue", ("queue",),
                           lambda: {("render",): 3, ("notify",): 0})
    try:
        metrics.sweep_ran("alerts", at=1_700_000_000.0)
        fams = _scrape(scraped)
    finally:
        metrics.unregister("dueprocess_job_queue_depth")
    depth = {s.labels["queue"]: s.value for s in fams["dueprocess_job_queue_depth"].samples}
    assert depth == {"render": 3.0, "notify": 0.0}
    sweeps = {s.labels["sweep"]: s.value for s in fams["dueprocess_sweep_last_run_timestamp_seconds"].samples}
    assert sweeps["alerts"] == 1_700_000_000.0
    assert "dueprocess_render_pool_busy" in fams and "dueprocess_render_pool_queued" in fams
    assert {s.labels["state"] for s in fams["dueprocess_db_pool_connections"].samples} == {"in_use", "idle"}
    assert {s.labels["state"] for s in fams["dueprocess_admission_requests"].samples} == {"active", "waiting"}
    assert fams["dueprocess_alerts_raised"].type == "counter"


def test_a_failing_source_does_not_hide_the_others(scraped: TestClient) -> None:
    def broken() -> dict[tuple[str, ...], float]:
        raise RuntimeError("engine down")

    metrics.register_gauge("dueprocess_test_broken", "always fails", (), broken)
    try:
        fams = _scrape(scraped)
    finally:
        metrics.unregister("dueprocess_test_broken")
    assert "dueprocess_request_duration_seconds" in fams


def test_several_workers_report_together_with_a_multiprocess_directory(database_url: str, tmp_path: Any) -> None:
    """``dueprocess serve --workers 2`` with PROMETHEUS_MULTIPROC_DIR: whichever worker answers the scrape, the
    histogram counts every worker's requests (a real server process; nothing timed)."""
    import httpx

    from tests.core.test_serve import _healthy, _serve, _until, _workers, free_port

    port = free_port()
    proc = _serve(database_url, "--port", str(port), "--workers", "2",
                  env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "METRICS_TOKEN": TOKEN})
    try:
        _until(lambda: _healthy(port), "the first answer", proc)
        _until(lambda: len(_workers(proc.pid)) == 2, "two workers", proc)
        before = _healthz_count(port)
        for _ in range(20):  # a new connection each time: the kernel spreads them over both workers
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as c:
                assert c.get("/healthz").status_code == 200
        for _ in range(3):  # every scrape, from whichever worker, sees all 20
            assert _healthz_count(port) == before + 20
    finally:
        proc.terminate()
        proc.wait(timeout=120)


def _healthz_count(port: int) -> float:
    import httpx

    r = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert r.status_code == 200, r.text
    return sum(s.value for f in text_string_to_metric_families(r.text) for s in f.samples
               if s.name == "dueprocess_request_duration_seconds_count" and s.labels.get("route") == "/healthz")
