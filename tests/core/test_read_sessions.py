"""PostgreSQL read sessions (app/core/db.py ``read_only_autocommit``): no transaction around a read, writes and
locks refused, and psycopg's prepared statements kept from one read to the next."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from psycopg import pq

from app.auth.models import Organization
from app.core.db import Database, WriteInReadSession
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
    with db.session() as s, pytest.raises(WriteInReadSession):
        s.execute(sa.text(sql))


def test_orm_changes_through_a_read_session_are_refused(db: Database, org_a: Any) -> None:
    with db.session() as s:
        org = s.get(Organization, org_a.id)
        assert org is not None
        org.name = "Renamed through a read session"
        with pytest.raises(WriteInReadSession):
            s.flush()
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


def test_repeated_reads_use_prepared_statements(db: Database, org_a: Any) -> None:
    """psycopg prepares a query at its fifth execution on a connection and forgets everything at a ROLLBACK,
    which every read transaction used to end with."""
    stmt = sa.select(Organization.name).where(Organization.id == org_a.id)
    with db.session() as s:
        raw = s.connection().connection.dbapi_connection
    for _ in range(8):
        with db.session() as s:
            assert s.execute(stmt).scalar_one() == "Org A"
    with db.session() as s:
        if s.connection().connection.dbapi_connection is not raw:
            pytest.skip("the pool handed out another connection")
        prepared = s.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("organization" in p for p in prepared), prepared
