"""Limit/offset pagination (docs/design.md#pagination): ``{items, total, limit, offset}`` with a stable order."""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeAlias, TypeVar, overload

from fastapi import Query
from pydantic import AwareDatetime, BaseModel, BeforeValidator
from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import Mapped
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select, SelectOfScalar

T = TypeVar("T")
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


# The one pagination shape of every list route: ``limit: Limit = 50, offset: Offset = 0``.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def _iso_instant(value: Any) -> Any:
    # Pydantic reads a bare number as a Unix timestamp; a query parameter documented as an ISO 8601 date-time
    # must not accept "-2.2e-309" (a schema-violating value the fuzzer sends).
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError("use an ISO 8601 date-time with a UTC offset, e.g. 2026-03-15T08:00:00Z")
    return value


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
# The one type of an instant in a query string (since/until filters): ISO 8601 with an offset.
QueryInstant = Annotated[AwareDatetime, BeforeValidator(_iso_instant)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# A column of the stable order: ``col(Model.field)`` or an expression such as ``col(Model.field).desc()``.
OrderBy: TypeAlias = "ColumnElement[Any] | Mapped[Any]"


@overload
def paginate(session: Session, stmt: SelectOfScalar[T], *order_by: OrderBy, limit: int,
             offset: int) -> tuple[list[T], int]: ...
@overload
def paginate(session: Session, stmt: Select[*tuple[Any, ...]], *order_by: OrderBy, limit: int,
             offset: int) -> tuple[list[Any], int]: ...
def paginate(session: Session, stmt: SelectOfScalar[Any] | Select[*tuple[Any, ...]], *order_by: OrderBy,
             limit: int, offset: int) -> tuple[list[Any], int]:
    """Run a scoped select (built by a service) with a stable order; return (rows of the page, total): the
    model instances of a one-entity select, rows of a select of several."""
    total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    rows = list(session.exec(stmt.order_by(*order_by).limit(limit).offset(offset)).all())
    return rows, int(total)
