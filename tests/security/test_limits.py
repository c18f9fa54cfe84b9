"""Request limits, security headers and request-smuggling odds and ends (docs/security-model.md#attack-catalogue, S2,
D3, F4, Z7).

* bodies over the cap are refused with 413 even when streamed chunked with no Content-Length (in-process and
  through a real uvicorn socket), before any parsing;
* 10,000-level JSON nesting is a 4xx, never a RecursionError/500;
* every GET route answers with nosniff, ``Cache-Control: no-store``, a deny-all CSP and a Referrer-Policy —
  walked from ``iter_routes(app)`` with the path filled from a seeded organization (200s) and with random
  UUIDs (404s);
* ``X-HTTP-Method-Override`` (and friends) is ignored, TRACE/OPTIONS/HEAD never bypass anything;
* ``?organization_id=<other org>`` (and body ``organization_id``) never reaches another tenant's data.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.route_inventory import declared_permission, iter_routes
from tests.conftest import assert_problem
from tests.security.conftest import World, seed_world

API = "/api/v1"
MB = 1_048_576
DOC_PATHS = ("/docs", "/openapi.json", "/docs/oauth2-redirect", "/redoc")


@pytest.fixture(scope="module")
def world_a(client: Any, db: Any, make_org: Any) -> World:
    return seed_world(client, db, make_org("Limits Org A"))


@pytest.fixture(scope="module")
def world_b(client: Any, db: Any, make_org: Any) -> World:
    return seed_world(client, db, make_org("Limits Org B"))


def _chunks(total: int, size: int = 64 * 1024, prefix: bytes = b'{"given_names": "') -> Iterator[bytes]:
    yield prefix
    sent = len(prefix)
    while sent < total:
        n = min(size, total - sent)
        yield b"a" * n
        sent += n
    yield b'"}'


# --- body caps ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/users", "/clients", "/deadlines/compute"])
@pytest.mark.parametrize("authenticated", [True, False], ids=["token", "no-token"])
def test_chunked_body_over_cap_is_413(client: Any, world_a: World, path: str, authenticated: bool) -> None:
    headers = {"Content-Type": "application/json", **(world_a.org.h("admin") if authenticated else {})}
    r = client.post(API + path, headers=headers, content=_chunks(MB + 200_000))
    assert r.request.headers.get("transfer-encoding") == "chunked" and "content-length" not in r.request.headers
    body = assert_problem(r, 413, "payload_too_large")
    assert "aaaa" not in r.text and body["status"] == 413


def test_declared_length_over_cap_is_413_for_every_write_route(client: Any, app: Any, world_a: World) -> None:
    """Content-Length over the cap is refused up front on every POST/PATCH route (imports and document uploads
    have larger caps: tests/documents/test_api_documents.py::test_oversize_is_413)."""
    h = {**world_a.org.h("admin"), "Content-Type": "application/json"}
    big = b'{"x": "' + b"a" * (MB + 10) + b'"}'
    for r in iter_routes(app):
        if r.method not in ("POST", "PATCH") or r.path.endswith(("/import", "/documents")):
            continue
        resp = client.request(r.method, world_a.fill(r.path), headers=h, content=big)
        assert_problem(resp, 413, "payload_too_large")


def test_import_routes_have_their_own_larger_cap(client: Any, world_a: World) -> None:
    h = world_a.org.h("admin")
    # ~1.3 MB (over the 1 MB JSON cap, under the 10 MB import cap) in 5,000 rows (under the row cap)
    csv_body = b"given_names,first_surname\n" + (b"Fictional" + b"a" * 250 + b",Example\n") * 5_000
    ok = client.post(f"{API}/clients/import", headers=h, params={"dry_run": "true"},
                     files={"file": ("c.csv", csv_body, "text/csv")})
    assert ok.status_code != 413 and ok.status_code < 500, ok.text[:300]
    huge = client.post(f"{API}/clients/import", headers=h,
                       files={"file": ("c.csv", b"a" * (11 * MB), "text/csv")})
    assert_problem(huge, 413, "payload_too_large")


@pytest.mark.parametrize("shape", ["array", "object"])
@pytest.mark.parametrize(("method", "path"), [("POST", "/users"), ("POST", "/clients"),
                                              ("POST", "/deadlines/compute"), ("PATCH", "/clients/{client_id}"),
                                              ("POST", "/auth/refresh")])
def test_deeply_nested_json_is_4xx(client: Any, world_a: World, shape: str, method: str, path: str) -> None:
    depth = 10_000
    payload = ("[" * depth + "]" * depth) if shape == "array" else ('{"a":' * depth + "1" + "}" * depth)
    headers = {**world_a.org.h("admin"), "Content-Type": "application/json", "If-Match": '"1"'}
    r = client.request(method, API + world_a.fill(path), headers=headers, content=payload.encode())
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(settings: Any) -> Iterator[int]:
    """The app under uvicorn on a loopback port (same database and JWT key as the tests)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": settings.database_url, "RATE_LIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:build", "--factory", "--host", "127.0.0.1",
                             "--port", str(port), "--no-access-log", "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_chunked_body_over_cap_on_a_real_socket(live_server: int, world_a: World) -> None:
    """Raw HTTP/1.1 chunked upload of 2 MB: 413 problem after ~1 MB, and the server closes the connection
    instead of reading the rest."""
    token = world_a.org.h("admin")["Authorization"]
    head = (f"POST {API}/clients HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", live_server), timeout=10) as s:
        s.sendall(head)
        try:
            for chunk in _chunks(2 * MB):
                s.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close before we finish: that is the point
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except OSError:
                break
            if not part:
                break
            data += part
    status_line, _, rest = data.partition(b"\r\n")
    assert status_line.split()[1] == b"413", data[:300]
    assert b"application/problem+json" in rest.lower() and b"payload_too_large" in rest


# --- security headers on every GET route --------------------------------------------------------------------

def _assert_security_headers(r: Any, label: str) -> None:
    h = r.headers
    assert h.get("x-content-type-options") == "nosniff", label
    assert "no-store" in h.get("cache-control", ""), (label, h.get("cache-control"))
    csp = h.get("content-security-policy", "")
    assert csp.startswith("default-src 'none'"), (label, csp)
    assert "unsafe" not in csp and "*" not in csp, (label, csp)
    assert h.get("referrer-policy", "").split(",")[0].strip() in ("no-referrer", "strict-origin-when-cross-origin",
                                                                  "same-origin", "strict-origin"), label


def _get_routes(app: Any) -> list[Any]:
    return [r for r in iter_routes(app) if r.method == "GET" and r.path not in DOC_PATHS]


@pytest.mark.parametrize("role", ["admin", "paralegal", "family_liaison"])
def test_security_headers_on_every_get_route(client: Any, app: Any, world_a: World, role: str) -> None:
    seen_200 = 0
    for r in _get_routes(app):
        h = world_a.org.h(role) if declared_permission(r.route) is not None else {}
        for path in (world_a.fill(r.path), re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), r.path)):
            resp = client.get(path, headers=h)
            assert resp.status_code < 500, (r.path, resp.status_code, resp.text[:300])
            _assert_security_headers(resp, f"GET {r.path} -> {resp.status_code}")
            seen_200 += resp.status_code == 200
    if role == "admin":
        assert seen_200 >= 20, "the walk should reach real objects"


def test_security_headers_on_errors_and_public_routes(client: Any, world_a: World) -> None:
    for resp in (client.get("/healthz"), client.get("/readyz"), client.get(f"{API}/nothing-here"),
                 client.get(f"{API}/clients"),  # 401
                 client.post(f"{API}/auth/token", data={"username": "nobody@example.org", "password": "x" * 12}),
                 client.request("TRACE", f"{API}/clients"),
                 client.post(f"{API}/users", headers={**world_a.org.h("admin"), "Content-Type": "application/json"},
                             content=b"{" * 10)):
        _assert_security_headers(resp, f"{resp.request.method} {resp.request.url.path} -> {resp.status_code}")


def test_security_headers_are_not_duplicated(client: Any, app: Any, world_a: World) -> None:
    """Each security header is sent once: a route that sets one itself must not get a second copy."""
    dupes = []
    for r in _get_routes(app):
        h = world_a.org.h("admin") if declared_permission(r.route) is not None else {}
        resp = client.get(world_a.fill(r.path), headers=h)
        for name in ("referrer-policy", "x-content-type-options", "content-security-policy", "cache-control",
                     "x-frame-options"):
            if len(resp.headers.get_list(name)) > 1:
                dupes.append((r.path, name, resp.headers.get_list(name)))
    assert dupes == []


# --- method tricks --------------------------------------------------------------------------------------------

OVERRIDE_HEADERS = ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")


@pytest.mark.parametrize("header", OVERRIDE_HEADERS)
def test_method_override_headers_are_ignored(client: Any, world_a: World, header: str) -> None:
    h = world_a.org.h("paralegal")  # may not delete clients
    cid = world_a.ids["client_id"]
    r = client.get(f"{API}/clients/{cid}", headers={**h, header: "DELETE"})
    assert r.status_code == 200 and r.json()["id"] == cid
    r = client.post(f"{API}/clients/{cid}", headers={**h, header: "PATCH"}, json={"given_names": "Changed"})
    assert_problem(r, 405)
    r = client.get(f"{API}/users", headers={**h, header: "POST"})
    assert_problem(r, 403)  # a paralegal still may not list users, whatever the header says
    admin = world_a.org.h("admin")
    r = client.get(f"{API}/clients/{cid}", headers={**admin, header: "DELETE", "If-Match": '"1"'})
    assert r.status_code == 200
    assert client.get(f"{API}/clients/{cid}", headers=admin).status_code == 200  # still there


def test_trace_is_405_everywhere(client: Any, app: Any, world_a: World) -> None:
    token = world_a.org.h("admin")
    for path in sorted({r.path for r in iter_routes(app)}):
        for headers in ({}, token):
            r = client.request("TRACE", world_a.fill(path), headers=headers)
            assert_problem(r, 405, "method_not_allowed")
            assert token["Authorization"].split()[1] not in r.text  # nothing echoed back


def test_head_and_options_never_bypass_auth(client: Any, app: Any, world_a: World) -> None:
    for r in iter_routes(app):
        if declared_permission(r.route) is None:
            continue
        path = world_a.fill(r.path)
        for method in ("HEAD", "OPTIONS"):
            resp = client.request(method, path)
            assert resp.status_code in (401, 405), (method, r.path, resp.status_code)
            if method == "OPTIONS":
                assert "items" not in resp.text


# --- tenancy through the query string and the body -----------------------------------------------------------

TENANT_PARAMS = ("organization_id", "org_id", "org", "organization", "tenant_id")


def _ids(payload: Any) -> set[str]:
    """Every value of an ``id``-like key anywhere in a JSON document."""
    out: set[str] = set()
    if isinstance(payload, dict):
        for k, v in payload.items():
            if isinstance(v, str) and (k == "id" or k.endswith("_id")):
                out.add(v)
            else:
                out |= _ids(v)
    elif isinstance(payload, list):
        for v in payload:
            out |= _ids(v)
    return out


@pytest.mark.parametrize("role", ["admin", "paralegal", "family_liaison"])
def test_organization_id_in_query_is_ignored(client: Any, app: Any, world_a: World, world_b: World,
                                             role: str) -> None:
    """Every GET route, with ``?organization_id=<org B>`` (and synonyms): same answer as without, and no id of
    organization B anywhere in it."""
    h = world_a.org.h(role)
    b_ids = set(world_b.ids.values()) | {str(world_b.org.id)} | {str(u.id) for u in world_b.org.users.values()}
    b_ids.discard(world_b.ids.get("rule_id"))  # built-in rule ids are shared by design
    params = {p: str(world_b.org.id) for p in TENANT_PARAMS}
    for r in _get_routes(app):
        if declared_permission(r.route) is None:
            continue
        path = world_a.fill(r.path)
        plain = client.get(path, headers=h)
        tricked = client.get(path, headers=h, params=params)
        assert tricked.status_code == plain.status_code, (r.path, plain.status_code, tricked.status_code)
        if tricked.headers.get("content-type", "").startswith("application/json"):
            leaked = _ids(tricked.json()) & b_ids
            assert not leaked, (r.path, leaked)
            assert _ids(tricked.json()) <= _ids(plain.json()) | _ids(client.get(path, headers=h).json()), r.path


def test_organization_id_in_body_never_moves_data(client: Any, world_a: World, world_b: World) -> None:
    h = world_a.org.h("paralegal")
    body = {"given_names": "Fictional", "first_surname": f"Tenant{uuid.uuid4().hex[:6]}",
            "organization_id": str(world_b.org.id)}
    r = client.post(f"{API}/clients", headers=h, json=body, params={"organization_id": str(world_b.org.id)})
    if r.status_code == 201:  # accepted: then it must live in organization A
        cid = r.json()["id"]
        assert client.get(f"{API}/clients/{cid}", headers=h).status_code == 200
        assert_problem(client.get(f"{API}/clients/{cid}", headers=world_b.org.h("paralegal")), 404)
    else:
        assert_problem(r, 422)
    listed = client.get(f"{API}/clients", headers=world_b.org.h("admin"), params={"q": body["first_surname"]})
    assert listed.json()["total"] == 0


def test_duplicated_query_parameters_are_deterministic(client: Any, world_a: World) -> None:
    """HTTP parameter pollution (docs/security-model.md#input-validation): a repeated filter gives the same answer every
    time, never a 500,
    and never widens the result beyond the caller's organization."""
    h = world_a.org.h("admin")
    answers = {client.get(f"{API}/users", headers=h, params=[("role", "admin"), ("role", "paralegal")]).text
               for _ in range(3)}
    assert len(answers) == 1
    r = client.get(f"{API}/users", headers=h, params=[("limit", "5"), ("limit", "500")])
    assert r.status_code in (200, 422)
    if r.status_code == 200:
        assert r.json()["limit"] <= 200
