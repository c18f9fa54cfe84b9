"""OpenAPI document: bearer security scheme on protected operations and problem+json error responses.

Every error the API can return is RFC 9457 problem+json (docs/design.md#errors); documenting them lets clients and
the schema fuzzer check responses against the contract.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.core.route_inventory import declared_permission, iter_routes

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": ["string", "null"]},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    "400": "Bad request", "401": "Not authenticated", "403": "Forbidden for this role", "404": "Not found",
    "405": "Method not allowed", "409": "Conflict", "412": "Version conflict (stale If-Match)",
    "413": "Body too large", "415": "Unsupported media type", "422": "Validation error",
    "428": "If-Match required", "429": "Rate limited", "500": "Internal error", "503": "Unavailable",
}


def _problem_response(code: str) -> dict[str, Any]:
    return {"description": _DESCRIPTIONS[code],
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def install_openapi(app: FastAPI) -> None:
    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        protected = {(r.method.lower(), r.path) for r in iter_routes(app) if declared_permission(r.route) is not None}
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                codes = ["400", "404", "405", "413", "415", "422", "429", "500", "503"]
                if method in ("post", "patch", "put", "delete"):
                    codes += ["409", "412", "428"]
                if (method, path) in protected:
                    op["security"] = [{"bearerAuth": []}]
                    codes += ["401", "403"]
                elif path.startswith("/api/v1/auth/"):
                    codes += ["401"]
                for code in codes:
                    op["responses"][code] = _problem_response(code)
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
