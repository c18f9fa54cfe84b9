"""Column types and small value helpers shared by every domain."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Field
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import app.core.base  # noqa: F401  (naming convention before any table)

__all__ = [
    "UTCDateTime", "AutoString", "table_of", "affected", "utcnow", "new_id", "id_field", "org_field", "enum_col",
    "json_col",
]


def table_of(model: type[Any]) -> sa.Table:
    """A table model's ``Table`` (SQLModel declares ``__table__`` without a type, so each use needed an ignore)."""
    table: sa.Table = model.__table__
    return table


def affected(result: sa.Result[*tuple[Any, ...]]) -> int:
    """Rows matched by the UPDATE or DELETE that produced ``result`` (its ``rowcount``).

    ``Session.execute`` is typed to return ``Result``, which has no ``rowcount``; for a DML statement the
    object is a ``CursorResult``, which has. A cast only (no check, no conversion), so nothing changes at run time.
    """
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


def utcnow() -> datetime:
    """Now, timezone-aware UTC, truncated to microseconds (what both backends store)."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def id_field() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def org_field() -> Any:
    return Field(foreign_key="organization.id", index=True, nullable=False)


def enum_col(length: int = 40, *, nullable: bool = False, index: bool = False) -> Any:
    """StrEnum values are stored as VARCHAR (no native PostgreSQL ENUM, docs/design.md#strings-and-text-hygiene)."""
    return sa.Column(sa.String(length), nullable=nullable, index=index)


def json_col(nullable: bool = False) -> Any:
    return sa.Column(sa.JSON, nullable=nullable)
