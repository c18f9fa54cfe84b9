"""PostgreSQL read sessions (app/core/db.py ``make_database``): no transaction around a read, writes and locks
refused by the server (``default_transaction_read_only``), and psycopg's prepared statements kept from one read
to the next."""

from __future__ import annotations

from typing import Any

import psycopg.errors
import pytest
import sqlalchemy as sa
from psycopg import pq
from sqlalchemy.exc import DBAPIError

from app.auth.models import Organization
from app.core.config import Settings
from app.core.db import Database, make_database
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL read sessions")


def test_a_read_runs_outside_any_transaction(db: Database, org_a: Any) -> None:
    with db.session() as s:
        assert s.execute(sa.select(Organization.name).where(Organization.id == org_a.id)).scalar_one() == "Org A"
        raw = s.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status == pq.TransactionStatus.IDLE


@pytest.mark.parametrize("sql", [
    "UPDATE organization SET name = name WHERE false",
    "  insert into organization (id) select id from organization where false",
    "DELETE FROM organization WHERE false",
    "SELECT id FROM organization FOR UPDATE",
    "(SELECT id FROM organization) FOR SHARE",
])
def test_writes_and_locks_are_refused(db: Database, sql: str) -> None:
    with db.session() as s, pytest.raises(DBAPIError) as err:
        s.execute(sa.text(sql))
    assert isinstance(err.value.orig, psycopg.errors.ReadOnlySqlTransaction)


def test_orm_changes_through_a_read_session_are_refused(db: Database, org_a: Any) -> None:
    with db.session() as s:
        org = s.get(Organization, org_a.id)
        assert org is not None
        org.name = "Renamed through a read session"
        with pytest.raises(DBAPIError) as err:
            s.flush()
        assert isinstance(err.value.orig, psycopg.errors.ReadOnlySqlTransaction)
    with db.session() as s:
        assert s.get(Organization, org_a.id).name == "Org A"  # type: ignore[union-attr]


def test_write_sessions_are_unchanged(db: Database, make_org: Any) -> None:
    org = make_org()
    with db.session(write=True) as s:
        s.execute(sa.update(Organization).where(Organization.id == org.id).values(name="Renamed"))
        raw = s.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status == pq.TransactionStatus.INTRANS
        s.rollback()
    with db.session() as s:
        assert s.get(Organization, org.id).name == org.name  # type: ignore[union-attr]


def test_repeated_reads_use_prepared_statements(settings: Settings, org_a: Any) -> None:
    """psycopg prepares a query at its fifth execution on a connection and forgets everything at a ROLLBACK,
    which every read transaction used to end with. A pool of one connection, used one session at a time, hands
    out the same connection every time, however busy the machine (the overflow opens only under concurrency)."""
    db = make_database(Settings(database_url=settings.database_url, db_pool_size=1))
    try:
        stmt = sa.select(Organization.name).where(Organization.id == org_a.id)
        raws = set()
        for _ in range(8):
            with db.session() as s:
                assert s.execute(stmt).scalar_one() == "Org A"
                raws.add(id(s.connection().connection.dbapi_connection))
        with db.session() as s:
            raws.add(id(s.connection().connection.dbapi_connection))
            prepared = s.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        assert len(raws) == 1
        assert any("organization" in p for p in prepared), prepared
    finally:
        db.dispose()
