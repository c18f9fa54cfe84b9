"""Test harness: real SQLite or real PostgreSQL, tables only through Alembic, real HTTP requests.

The backend is chosen by ``DP_TEST_BACKEND`` (``sqlite`` default, ``postgres`` uses TEST_DATABASE_URL);
``make test`` runs the whole suite once per backend. Each test works in organizations it creates itself,
so tests never see each other's rows and nothing needs truncating (the audit table refuses deletes anyway).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("JWT_SECRET_KEY", "test-only-key-" + "k" * 40)
os.environ.setdefault("PASSWORD_HASH_PROFILE", "fast")
os.environ.setdefault("LOGIN_MAX_FAILURES_PER_IP", "100000")
os.environ.setdefault("RATE_LIMIT_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The suite builds many short-lived apps in one process; frozen start-up heaps would never be collected.
os.environ.setdefault("GC_FREEZE", "false")
# The periodic sweeps of the apps under test would otherwise fire at real time in the middle of tests that
# count alerts; tests that exercise them set their own cron (tests/jobs/).
os.environ.setdefault("SWEEPS_CRON", "0 0 1 1 *")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.db import Database, make_database  # noqa: E402

BACKEND = os.environ.get("DP_TEST_BACKEND", "sqlite")
PASSWORD = "correct horse battery staple"


def _create_pg_database(base_url: str) -> tuple[str, str]:
    url = make_url(base_url)
    name = f"dp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """A brand-new empty database on the selected backend and a cleanup callable."""
    if BACKEND == "postgres":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            raise RuntimeError("DP_TEST_BACKEND=postgres needs TEST_DATABASE_URL")
        url, name = _create_pg_database(base)
        return url, lambda: _drop_pg_database(base, name)
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return f"sqlite:///{path}", lambda: None


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    upgrade(url, "heads")
    yield url
    cleanup()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = make_database(settings)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database) -> Any:
    from app.main import create_app

    return create_app(settings, db=db)


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class OrgFixture:
    """An organization with one user per role and ready-made Authorization headers."""

    id: uuid.UUID
    name: str
    users: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return self.headers[role]


def mint_headers(settings: Settings, user: Any) -> dict[str, str]:
    from app.core.security import create_access_token

    tok, _ = create_access_token(key=settings.jwt_secret_key, issuer=settings.jwt_issuer, user_id=user.id,
                                 org_id=user.organization_id, token_version=user.token_version, minutes=15)
    return {"Authorization": f"Bearer {tok}"}


@contextmanager
def own_database(tmp_path_factory: pytest.TempPathFactory, settings: Settings,
                 **overrides: Any) -> Iterator[tuple[Settings, Database]]:
    """A database of a module's own (new, migrated to head) with the session's settings and keys pointed at it,
    ``overrides`` applied: for tests whose job runner or worker processes must see no other module's rows."""
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "heads")
        own = settings.model_copy(update={"database_url": url, **overrides})
        database = make_database(own)
        try:
            yield own, database
        finally:
            database.dispose()
    finally:
        cleanup()


def staff_org(db: Database, settings: Settings, roles: tuple[str, ...] = ("admin", "attorney", "paralegal"),
              name: str | None = None, *, password_hash: str | None = None,
              every_role_signs: bool = True) -> OrgFixture:
    """An organization with one user per role (direct inserts) and minted headers. ``every_role_signs``: each
    user has an attorney's bar and office details, so any of them can sign a draft (databases of their own);
    otherwise only the attorney has them (``make_org``)."""
    from app.auth import service
    from app.auth.models import UserAccount

    with db.session(write=True) as s:
        org = service.create_organization(s, name or f"Test Org {uuid.uuid4().hex[:6]}")
        fx = OrgFixture(id=org.id, name=org.name)
        for role in roles:
            signs = every_role_signs or role == "attorney"
            u = UserAccount(organization_id=org.id, email=f"{role}-{uuid.uuid4().hex[:8]}@example.org",
                            full_name=f"Test {role.title()}", role=role, password_hash=password_hash,
                            bar_number="MD-0000" if signs else None,
                            bar_state="MD" if role == "attorney" else None,
                            firm_name="Fictional Defense Collective" if role == "attorney" else None,
                            office_address="100 Example St, Baltimore, MD 21201" if signs else None,
                            phone="+1-410-555-0100" if signs else None)
            s.add(u)
            fx.users[role] = u
        s.commit()
    for role, u in fx.users.items():
        fx.headers[role] = mint_headers(settings, u)
    return fx


@pytest.fixture(scope="session")
def make_org(app: Any, db: Database, settings: Settings) -> Any:
    """Factory: ``make_org(name=None, roles=(...))`` -> OrgFixture (committed rows)."""
    return org_factory(app, db, settings)


def org_factory(app: Any, db: Database, settings: Settings) -> Any:
    """``make_org`` for a given application and database (test packages with a database of their own)."""
    pw_hash = app.state.passwords.hash(PASSWORD)

    def factory(name: str | None = None,
                roles: tuple[str, ...] = ("admin", "attorney", "paralegal", "family_liaison")) -> OrgFixture:
        return staff_org(db, settings, roles, name or f"Test Org {uuid.uuid4().hex[:6]}", password_hash=pw_hash,
                         every_role_signs=False)

    return factory


@pytest.fixture
def org_a(make_org: Any) -> OrgFixture:
    return make_org("Org A")


@pytest.fixture
def org_b(make_org: Any) -> OrgFixture:
    return make_org("Org B")


STAFF_ROLES = ("admin", "attorney", "paralegal")
ALL_ROLES = ("admin", "attorney", "paralegal", "family_liaison")


def assert_problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem+json response with a stable code."""
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    assert resp.headers["content-type"].startswith("application/problem+json"), resp.headers["content-type"]
    body = resp.json()
    for key in ("type", "title", "status", "detail", "code"):
        assert key in body, body
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
