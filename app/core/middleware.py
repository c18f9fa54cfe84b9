"""One pure-ASGI middleware for every request: request id, body-size cap, security headers, access log.

Pure ASGI (not BaseHTTPMiddleware) keeps the per-request overhead small (docs/design.md#stack asks for few hops).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import metrics
from app.core.client_address import STATE_KEY, Network, from_scope
from app.core.logging import request_id_var

log = logging.getLogger("app.access")
_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_DOCUMENT_UPLOAD = re.compile(r"^/api/v1/clients/[0-9a-fA-F-]{32,36}/documents$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    b"frame-ancestors 'none'",
)


def _problem_413(path: str, rid: str, limit: int) -> bytes:
    return json.dumps({
        "type": "https://dueprocess.invalid/problems/payload_too_large", "title": "Content Too Large",
        "status": 413, "detail": f"The request body exceeds {limit} bytes.", "instance": path,
        "code": "payload_too_large", "request_id": rid,
    }).encode()


def _loggable(path: str) -> str:
    """Paths that carry a secret (the calendar-feed token) are logged without it."""
    if path.startswith("/calendar/"):
        return "/calendar/***.ics"
    if path.startswith("/family/invite/"):  # an invitation link is a credential until it is used
        return "/family/invite/***"
    return path


def _route_template(path: str, route: Any) -> str:
    """``/api/v1/clients/{client_id}`` for ``/api/v1/clients/<uuid>``. An included router's route knows only its
    own part (``/clients/{client_id}``); the prefix before it is static in this application (``/api/v1``), so
    it is the raw path's leading segments."""
    own = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not own:
        return "unmatched"
    raw, tail = path.split("/"), own.split("/")
    prefix = "/".join(raw[:max(0, len(raw) - len(tail) + 1)])  # both lists start with the empty ""
    return f"{prefix}{own}"


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` so FastAPI's body parsing re-raises it as-is (an HTTPException) -> 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="The request body is too large.")


class RequestContextMiddleware:
    def __init__(self, app: Any, *, max_body_bytes: int, max_import_bytes: int, rate_limiter: Any = None,
                 trusted_proxies: tuple[Network, ...] = (),
                 large_body_paths: tuple[str, ...] = ("/api/v1/clients/import", "/api/v1/facilities/import"),
                 max_document_bytes: int = 0) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies
        # Client document uploads (app/documents/) are capped by DOCUMENT_MAX_BYTES plus room for the multipart
        # envelope; the service checks the file's own size and answers ``document_too_large``.
        self.max_document = max_document_bytes + 65_536 if max_document_bytes else 0
        self.rate_limiter = rate_limiter
        self.max_body = max_body_bytes
        self.max_import = max_import_bytes
        self.large_paths = large_body_paths

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        head = scope.get("method") == "HEAD"
        if head:
            # RFC 9110 §9.3.2: HEAD is GET without the content. The app sees a GET (same auth, permission,
            # audit and headers, Content-Length included); the body is dropped here. The server's own scope
            # keeps "HEAD", so it does not expect a body either.
            scope = {**scope, "method": "GET"}
        headers = dict(scope.get("headers") or [])
        raw_rid = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = raw_rid if _RID.match(raw_rid) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        # The one client address of this request, for rate limits, throttles and audit (app/core/client_address.py).
        address = scope["state"][STATE_KEY] = from_scope(scope, self.trusted_proxies)
        token = request_id_var.set(rid)
        path: str = scope.get("path", "")
        limit = self.max_import if path in self.large_paths else self.max_body
        if self.max_document and _DOCUMENT_UPLOAD.match(path):
            limit = self.max_document
        status_holder = {"status": 0}
        is_docs = path in ("/docs", "/redoc", "/openapi.json") or path.startswith("/docs/")

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                hdrs = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                hdrs.append((b"x-request-id", rid.encode()))
                present = {k.lower() for k, _ in hdrs}
                hdrs.extend(h for h in (*SECURITY_HEADERS, DOCS_CSP if is_docs else API_CSP) if h[0] not in present)
                if not any(k.lower() == b"cache-control" for k, _ in hdrs):
                    hdrs.append((b"cache-control", b"no-store"))
                rl = scope["state"].get("dp_ratelimit")
                if rl and not any(k.lower() == b"x-ratelimit-limit" for k, _ in hdrs):
                    hdrs.extend((k.lower().encode(), v.encode()) for k, v in rl.items())
                message["headers"] = hdrs
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if self.rate_limiter is not None and path not in ("/healthz", "/readyz"):
                allowed, rl_headers = await self.rate_limiter.check_ip(address)
                if not allowed:
                    await self._reject_429(send_wrapper, path, rid, rl_headers)
                    return
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await self._reject(send_wrapper, path, rid, limit)
                return
            received = 0

            async def receive_capped() -> dict[str, Any]:
                nonlocal received
                message: dict[str, Any] = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge()
                return message

            try:
                await self.app(scope, receive_capped, send_wrapper)
            except BodyTooLarge:
                if status_holder["status"] == 0:
                    await self._reject(send_wrapper, path, rid, limit)
        finally:
            ticket = scope["state"].pop("dp_ticket", None)
            for session in scope["state"].pop("dp_sessions", ()):
                try:
                    session.close()
                except Exception:  # noqa: BLE001 - closing must never mask the response
                    log.warning("session close failed")
            if ticket is not None:  # after the sessions: the next request may use their connections
                ticket.release()
            elapsed = time.perf_counter() - start
            # By route template, never the raw path (ids would make one series per record: app/core/metrics.py).
            template = _route_template(path, scope.get("route"))
            metrics.observe_request("HEAD" if head else str(scope.get("method")), template,
                                    status_holder["status"], elapsed)
            if log.isEnabledFor(logging.INFO):  # the fields are not even built under LOG_LEVEL=WARNING
                log.info("request", extra={
                    "method": "HEAD" if head else scope.get("method"), "path": _loggable(path),
                    "status": status_holder["status"],
                    "duration_ms": round(elapsed * 1000, 2),
                })
            request_id_var.reset(token)

    @staticmethod
    async def _reject_429(send: Any, path: str, rid: str, rl_headers: dict[str, str]) -> None:
        body = json.dumps({
            "type": "https://dueprocess.invalid/problems/rate_limited", "title": "Too Many Requests",
            "status": 429, "detail": "Too many requests from this address; slow down.", "instance": path,
            "code": "rate_limited", "request_id": rid,
        }).encode()
        reset = rl_headers.get("X-RateLimit-Reset", "60")
        hdrs = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
                (b"retry-after", reset.encode())]
        hdrs.extend((k.lower().encode(), v.encode()) for k, v in rl_headers.items())
        await send({"type": "http.response.start", "status": 429, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _reject(send: Any, path: str, rid: str, limit: int) -> None:
        body = _problem_413(path, rid, limit)
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})
