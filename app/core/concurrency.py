"""Optimistic locking helpers: ETag from ``version``; ``If-Match`` required (428) and current (412)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Protocol

from fastapi import Request, Response

from app.core.errors import ProblemError

if TYPE_CHECKING:
    from sqlmodel import Session


class _Identified(Protocol):
    """A table model instance (``claim_version`` reads its ``id``; its table has a ``version`` column)."""

    @property
    def id(self) -> uuid.UUID: ...


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def require_if_match(request: Request) -> int:
    """Parse ``If-Match: "<version>"``; 428 when absent, 412 when unparseable."""
    raw = request.headers.get("if-match")
    if raw is None:
        raise ProblemError(428, "precondition_required", "Send If-Match with the ETag you last read.")
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise ProblemError(412, "version_conflict", "If-Match does not match the current version.")
    return int(value)


def check_version(expected: int, current: int) -> None:
    if expected != current:
        raise ProblemError(
            412, "version_conflict", "The record changed since you read it; reload and try again.",
            extra={"current_version": current},
        )


def claim_version(session: Session, obj: _Identified, expected: int) -> None:
    """Atomically bump ``version`` from ``expected`` (compare-and-set) or raise 412.

    ``UPDATE ... SET version = version + 1 WHERE id = :id AND version = :expected`` holds the row lock
    until commit, so of two requests carrying the same If-Match exactly one succeeds
    (docs/security-model.md#concurrency-and-faults).
    """
    import sqlalchemy as sa

    from app.core.types import affected, table_of

    table = table_of(type(obj))
    result = session.execute(
        sa.update(table)
        .where(table.c.id == obj.id, table.c.version == expected)
        .values(version=table.c.version + 1)
    )
    if affected(result) != 1:
        current = getattr(obj, "version", None)
        raise ProblemError(
            412, "version_conflict", "The record changed since you read it; reload and try again.",
            extra={"current_version": current},
        )
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(obj, "version", expected + 1)
