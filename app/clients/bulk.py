"""Bulk inserts for the CSV intake: PostgreSQL ``COPY``, SQLite ``executemany``; inside the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session


def bulk_insert(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT every row (all rows carry the same keys). On PostgreSQL rows are streamed with ``COPY ... FROM
    STDIN`` (an executemany through psycopg is one statement per row, and multi-row VALUES statements cost
    more to build than to run); SQLite's executemany is already a tight loop in C."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(sa.insert(table), rows)
        return
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, sa.JSON)}
    names = ", ".join(f'"{c}"' for c in cols)
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_cols else row[c] for c in cols])
