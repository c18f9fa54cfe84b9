"""RFC 9457 problem+json errors with a stable machine-readable ``code`` (docs/design.md#errors).

Bodies never carry stack traces, SQL, or the submitted values (they may be personal data).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("app.errors")
PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """A business or request error rendered as problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra or {}


def not_found(code: str = "not_found", detail: str = "The resource does not exist.") -> ProblemError:
    return ProblemError(404, code, detail)


def conflict(code: str, detail: str, **extra: Any) -> ProblemError:
    return ProblemError(409, code, detail, extra=extra)


def forbidden(code: str = "forbidden", detail: str = "Your role does not allow this action.") -> ProblemError:
    return ProblemError(403, code, detail)


def unprocessable(code: str, detail: str, **extra: Any) -> ProblemError:
    return ProblemError(422, code, detail, extra=extra)


def unauthorized(code: str = "not_authenticated", detail: str = "Authentication required.") -> ProblemError:
    return ProblemError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://dueprocess.invalid/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
        "code": code,
    }
    if request is not None:
        rid = getattr(request.state, "request_id", None)
        if rid:
            body["request_id"] = rid
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "version_conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def _clean_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only location, message and type: the submitted value may be an A-number or a name.
    out = []
    for err in exc.errors():
        msg = str(err.get("msg", ""))
        out.append({"loc": [str(p) for p in err.get("loc", ())], "msg": msg[:300], "type": err.get("type")})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.code, exc.detail, headers=exc.headers, extra=exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404:
            detail = "The resource does not exist."
        return problem_response(request, exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request, 422, "validation_error", "The request is not valid.", extra={"errors": _clean_errors(exc)}
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error", extra={"error_class": type(exc.orig).__name__})
        return problem_response(request, 409, "conflict", "The change conflicts with existing data.")

    @app.exception_handler(OperationalError)
    async def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable", extra={"error_class": type(exc.orig).__name__})
        return problem_response(
            request, 503, "database_unavailable", "The database is unavailable; try again.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(PoolTimeoutError)
    async def _pool(request: Request, exc: PoolTimeoutError) -> JSONResponse:
        return problem_response(
            request, 503, "database_busy", "The database is busy; try again.", headers={"Retry-After": "2"}
        )

    @app.exception_handler(DBAPIError)
    async def _dbapi(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return problem_response(
                request, 503, "database_unavailable", "The database is unavailable; try again.",
                headers={"Retry-After": "5"},
            )
        log.error("database error", extra={"error_class": type(exc.orig).__name__})
        return problem_response(request, 500, "internal_error", "Internal error.")

    from app.core.crypto import DecryptionError

    @app.exception_handler(DecryptionError)
    async def _decrypt(request: Request, exc: DecryptionError) -> JSONResponse:
        # A ciphertext that does not decrypt under its own organization/table/column/row binding was moved or
        # altered (or its key is missing): refuse loudly, reveal nothing.
        log.error("stored value failed to decrypt", extra={"error_class": "DecryptionError"})
        return problem_response(request, 500, "data_integrity_error", "A stored value could not be decrypted.")

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"error_class": type(exc).__name__})
        return problem_response(request, 500, "internal_error", "Internal error.")
