"""OpenAPI conformance for generated clients (app/core/openapi.py): unique readable operation ids, one component
name per model, If-Match and ETag documented on every optimistic-locking route."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Any

import pytest

from app.core.openapi import operation_id
from app.core.route_inventory import iter_routes

# The optimistic-locking routes of the API (docs/design.md, "Optimistic locking": PATCH/DELETE
# with If-Match, 428 without, 412 stale).
LOCKING = [
    ("patch", "/api/v1/organization"), ("patch", "/api/v1/users/{user_id}"),
    ("patch", "/api/v1/clients/{client_id}"), ("delete", "/api/v1/clients/{client_id}"),
    ("patch", "/api/v1/proceedings/{proceeding_id}"), ("patch", "/api/v1/facilities/{facility_id}"),
    ("patch", "/api/v1/protection-orders/{order_id}"), ("patch", "/api/v1/obligations/{obligation_id}"),
    ("patch", "/api/v1/deadline-rules/{rule_id}"), ("patch", "/api/v1/deadlines/{deadline_id}"),
    ("patch", "/api/v1/trigger-events/{event_id}"),
]
# The reads whose ETag the PATCH above is sent back with.
ETAG_READS = [
    ("get", "/api/v1/organization"), ("get", "/api/v1/users/{user_id}"), ("get", "/api/v1/clients/{client_id}"),
    ("get", "/api/v1/proceedings/{proceeding_id}"), ("get", "/api/v1/facilities/{facility_id}"),
    ("get", "/api/v1/protection-orders/{order_id}"), ("get", "/api/v1/obligations/{obligation_id}"),
    ("get", "/api/v1/deadline-rules/{rule_id}"), ("get", "/api/v1/deadlines/{deadline_id}"),
    ("get", "/api/v1/trigger-events/{event_id}"), ("get", "/api/v1/filings/{filing_id}"),
]


@pytest.fixture(scope="module")
def doc(client: Any) -> dict[str, Any]:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items() if isinstance(op, dict)
            and "responses" in op]


def test_operation_ids_are_unique_and_readable(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(doc)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9_]{1,60}", i)] == []
    by_route = {(m, p): op["operationId"] for m, p, op in _operations(doc)}
    assert by_route[("get", "/api/v1/clients")] == "clients_list"
    assert by_route[("post", "/api/v1/clients")] == "clients_create"
    assert by_route[("get", "/api/v1/clients/{client_id}")] == "clients_get"
    assert by_route[("patch", "/api/v1/clients/{client_id}")] == "clients_update"
    assert by_route[("delete", "/api/v1/clients/{client_id}")] == "clients_delete"
    assert by_route[("post", "/api/v1/custody-events/{event_id}/retract")] == "custody_events_retract"
    assert by_route[("get", "/api/v1/organization")] == "organization_get"


def test_operation_id_rule() -> None:
    assert operation_id("get", "/api/v1/clients/{client_id}/custody-events", collection=True, created=False) \
        == "clients_custody_events_list"
    assert operation_id("post", "/api/v1/clients/{client_id}/custody-events", collection=True, created=True) \
        == "clients_custody_events_create"
    assert operation_id("get", "/api/v1/clients/{client_id}/status", collection=False, created=False) \
        == "clients_status"
    assert operation_id("get", "/calendar/{feed_token}.ics", collection=False, created=False) == "calendar_ics"


def test_one_component_name_per_model(doc: dict[str, Any]) -> None:
    """FastAPI names two models of one class name ``app__module__Name``; a generated client then drops or
    mangles operations (two ``FilingCreate`` did). Every component must be named by its plain class name."""
    names = list(doc["components"]["schemas"])
    assert [n for n in names if "__" in n or "." in n] == []
    titles = Counter(s.get("title") for s in doc["components"]["schemas"].values() if s.get("title"))
    assert [t for t, n in titles.items() if n > 1] == []


def test_if_match_and_etag_documented_on_locking_routes(doc: dict[str, Any]) -> None:
    ops = {(m, p): op for m, p, op in _operations(doc)}
    for key in LOCKING:
        params = [x for x in ops[key].get("parameters", []) if x["in"] == "header" and x["name"] == "If-Match"]
        assert len(params) == 1 and params[0]["required"] is True, key
        if key[0] == "patch":  # the new version's ETag (a DELETE answers 204 with nothing to version)
            assert "ETag" in ops[key]["responses"]["200"].get("headers", {}), key
        for code in ("412", "428"):
            assert code in ops[key]["responses"], (key, code)
    for key in ETAG_READS:
        assert "ETag" in ops[key]["responses"]["200"].get("headers", {}), key
    finalize = ops[("post", "/api/v1/filings/{filing_id}/finalize")]
    assert [x["required"] for x in finalize["parameters"] if x["name"] == "If-Match"] == [False]


def test_every_route_that_requires_if_match_documents_it(app: Any, doc: dict[str, Any]) -> None:
    """Read from each endpoint's source text (not the bytecode the document uses): a new route that calls
    ``require_if_match`` without the document saying so fails here."""
    ops = {(m, p): op for m, p, op in _operations(doc)}
    requiring = {(r.method.lower(), r.path) for r in iter_routes(app)
                 if "require_if_match(" in inspect.getsource(inspect.unwrap(r.route.endpoint))}
    assert set(LOCKING) <= requiring
    for key in requiring:
        assert any(x["name"] == "If-Match" and x["required"] for x in ops[key].get("parameters", [])), key
