"""OpenAPI document: bearer security scheme on protected operations, problem+json error responses, the
optimistic-locking headers, and readable operation ids.

Every error the API can return is RFC 9457 problem+json (docs/design.md#errors); documenting them lets clients and
the schema fuzzer check responses against the contract. Generated clients (openapi-python-client and the like,
tests/test_generated_client.py) need three more things from the document (docs/DECISIONS.md, "OpenAPI for
generated clients"):

- ``If-Match`` as a header parameter and ``ETag`` as a response header wherever the route uses them, or the
  client has no way to send the one or read the other. Routes read both through ``app.core.concurrency``
  rather than declared parameters (one place parses the header), so they are found by what the endpoint calls.
- One component name per model (two models of one name become ``app__x__schemas__Name``, which some generators
  reject): the test asserts it.
- Short, unique operation ids (``clients_list``, ``clients_update``): they become the generated function names.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

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


IF_MATCH_REQUIRED: dict[str, Any] = {
    "name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
    "description": "The ETag of the version you last read (e.g. `\"3\"`); 428 when absent, 412 when stale.",
}
IF_MATCH_OPTIONAL: dict[str, Any] = {
    **IF_MATCH_REQUIRED, "required": False,
    "description": "Optional; when sent it must be the current ETag (412 otherwise).",
}
ETAG_HEADER: dict[str, Any] = {
    "description": "The version of the returned object; send it back as If-Match to change it.",
    "schema": {"type": "string"},
}
# What an endpoint's code names when it requires If-Match, reads it optionally, or sets an ETag.
_REQUIRES_IF_MATCH = {"require_if_match"}
_READS_IF_MATCH = {"if-match", "If-Match"}
_SETS_ETAG = {"set_etag", "etag_of", "ETag"}


def _code_names(fn: Any) -> set[str]:
    """Global and attribute names, and string constants, of a function's code (nested code objects included)."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    names: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        for const in c.co_consts:
            if isinstance(const, str):
                names.add(const)
            elif inspect.iscode(const):
                stack.append(const)
    return names


def locking_of(route: APIRoute) -> tuple[str | None, bool]:
    """(``"required"``/``"optional"``/None for If-Match, whether an ETag is set) for one route."""
    names = _code_names(route.endpoint)
    if_match = ("required" if names & _REQUIRES_IF_MATCH
                else "optional" if names & _READS_IF_MATCH else None)
    return if_match, bool(names & _SETS_ETAG)


def _words(segment: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\{[^}]*\}", "", segment).lower()).strip("_")


def operation_id(method: str, path: str, *, collection: bool, created: bool) -> str:
    """``clients_list``, ``clients_get``, ``clients_update``, ``clients_custody_events_create``,
    ``custody_events_retract``: the literal path segments after the version prefix, then the action.
    ``collection``: the path also answers a paged GET; ``created``: the operation answers 201."""
    literal = [w for w in (_words(seg) for seg in re.sub(r"^/api/v\d+", "", path).split("/")) if w]
    on_item = path.rstrip("/").endswith("}")
    stem = "_".join(literal) or "root"
    if method == "get":
        # A singleton at the top (``/organization``) reads as ``organization_get``; a view below an item
        # (``/clients/{id}/status``) as ``clients_status``.
        action = "get" if on_item or (not collection and len(literal) == 1) else ("list" if collection else "")
    elif method == "post":
        action = "create" if (created or collection) else ""
    else:
        action = {"patch": "update", "put": "replace", "delete": "delete"}.get(method, method)
    return f"{stem}_{action}" if action else stem


def _is_list(op: dict[str, Any]) -> bool:
    """Whether a GET answers a list: an array, or a page (``Page_X_``, ``DeadlinePage``), possibly one of several."""
    schema = (op.get("responses", {}).get("200", {}).get("content", {}).get("application/json", {})
              .get("schema", {}))
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "array" or "Page" in o.get("$ref", "").rsplit("/", 1)[-1] for o in options)


def _document_locking_and_ids(app: FastAPI, schema: dict[str, Any]) -> None:
    routes = {(r.method.lower(), r.path): r.route for r in iter_routes(app)}
    paths = schema.get("paths", {})
    seen: dict[str, tuple[str, str]] = {}
    for path, item in paths.items():
        collection = isinstance(item.get("get"), dict) and _is_list(item["get"])
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            route = routes.get((method, path))
            oid = operation_id(method, path, collection=collection, created="201" in op["responses"])
            if oid in seen and route is not None:  # a new route whose path reads like another's: stay unique
                oid = f"{oid}_{route.name}"
            seen[oid] = (method, path)
            op["operationId"] = oid
            if route is None:
                continue
            if_match, etag = locking_of(route)
            if if_match is not None:
                params = op.setdefault("parameters", [])
                if not any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in params):
                    params.append(dict(IF_MATCH_REQUIRED if if_match == "required" else IF_MATCH_OPTIONAL))
            if etag:
                for code, response in op["responses"].items():
                    if code.startswith("2"):
                        response.setdefault("headers", {})["ETag"] = ETAG_HEADER


def _name_form_bodies(schema: dict[str, Any]) -> None:
    """FastAPI names a form/multipart body ``Body_<function>_<path>`` (``Body_upload_document_api_v1_clients__
    client_id__documents_post``): unreadable, and it changes with the path. Name it after the operation id
    instead (``ClientsDocumentsCreateForm``) and point every reference at the new name."""
    schemas = schema.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    for item in schema.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for media in op.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                old = ref.rsplit("/", 1)[-1]
                if old.startswith("Body_") and old in schemas and "operationId" in op:
                    new = "".join(part.capitalize() for part in op["operationId"].split("_")) + "Form"
                    renames[old] = new
                    media["schema"]["$ref"] = f"#/components/schemas/{new}"
    for old, new in renames.items():
        body = schemas.pop(old)
        body["title"] = new
        schemas[new] = body


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
        _document_locking_and_ids(app, schema)
        _name_form_bodies(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
