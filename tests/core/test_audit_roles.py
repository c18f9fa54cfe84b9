"""The app runs under a PostgreSQL role that does not own its tables (docs/design.md#wave-2 "Audit trail").

A throwaway role is created, given exactly what `dueprocess db grant-app-role` grants, and used as the app's
DATABASE_URL: it appends to the audit trail through the normal code path, but cannot disable or drop the
append-only triggers, nor update, delete or truncate audit rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from app.core.config import Settings, get_settings
from tests.conftest import BACKEND, new_database_url

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres",
    reason="SQLite has no roles: whoever can write the file can drop the triggers; the signed checkpoints are "
           "the protection there (tests/core/test_audit_checkpoints.py)")


@pytest.fixture(scope="module")
def owner_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from app.migrations import upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    upgrade(url, "heads")
    yield url
    cleanup()


@pytest.fixture
def app_role(owner_url: str) -> Iterator[str]:
    role = f"dp_app_{uuid.uuid4().hex[:10]}"
    owner = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    with owner.begin() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        yield role
    finally:
        with owner.begin() as conn:
            conn.execute(sa.text(f'DROP OWNED BY "{role}"'))  # its grants in this database
            conn.execute(sa.text(f'DROP ROLE "{role}"'))
        owner.dispose()


def _cli(owner_url: str, app_url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    from app import cli as cli_module

    monkeypatch.setenv("DATABASE_URL", app_url)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", owner_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_module.cli, list(args))
    finally:
        get_settings.cache_clear()


def test_the_app_role_appends_but_cannot_touch_the_triggers(owner_url: str, app_role: str,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    from app.auth import service
    from app.core import audit
    from app.core.db import make_database

    app_url = make_url(owner_url).set(username=app_role, password=None).render_as_string(hide_password=False)
    r = _cli(owner_url, app_url, monkeypatch, "db", "grant-app-role", app_role)
    assert r.exit_code == 0, r.output

    db = make_database(Settings(database_url=app_url), app_url)
    try:
        # Normal work through the app's own code: an organization, its chain head, chained audit events.
        with db.session(write=True) as s:
            org = service.create_organization(s, f"Role Org {uuid.uuid4().hex[:6]}")
            audit.record_raw(s, org_id=org.id, action="test.role", entity_type="test", detail={"n": 1})
            audit.record_raw(s, org_id=org.id, action="test.role", entity_type="test", detail={"n": 2})
            s.commit()
        with db.session() as s:
            assert audit.verify_chain(s, org.id) == {"ok": True, "events": 2, "first_broken_seq": None,
                                                     "reason": None}
        for stmt in ("ALTER TABLE audit_event DISABLE TRIGGER ALL",
                     "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
                     "DROP TRIGGER audit_event_no_update ON audit_event",
                     "UPDATE audit_event SET action = 'x' WHERE organization_id = :o",
                     "DELETE FROM audit_event WHERE organization_id = :o",
                     "TRUNCATE audit_event",
                     "ALTER TABLE audit_event OWNER TO CURRENT_USER",
                     "SET session_replication_role = replica"):  # the other way to skip triggers
            with db.write_engine.connect() as conn:
                with pytest.raises(DBAPIError) as err:
                    conn.execute(sa.text(stmt), {"o": org.id})
                assert "permission denied" in str(err.value) or "must be owner" in str(err.value), stmt
                conn.rollback()
        with db.session() as s:  # nothing changed
            assert audit.verify_chain(s, org.id)["ok"] is True
    finally:
        db.dispose()

    # The periodic checkpoint needs no more than the app role.
    key = tmp_path / "k.pem"
    assert _cli(owner_url, app_url, monkeypatch, "audit", "keygen", "--out", str(key)).exit_code == 0
    out = _cli(owner_url, app_url, monkeypatch, "audit", "checkpoint", "--out", str(tmp_path / "cp"),
               "--key", str(key), "--org", org.slug)
    assert out.exit_code == 0, out.output
    ok = _cli(owner_url, app_url, monkeypatch, "audit", "verify", "--org", org.slug, "--checkpoints",
              str(tmp_path / "cp"), "--public-key", str(key) + ".pub")
    assert ok.exit_code == 0, ok.output


def test_grant_refuses_an_owner_or_superuser(owner_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    owner = make_url(owner_url).username or "postgres"
    r = _cli(owner_url, owner_url, monkeypatch, "db", "grant-app-role", owner)
    assert r.exit_code == 2
    assert "superuser" in r.stderr or "owns tables" in r.stderr, r.output
    bad = _cli(owner_url, owner_url, monkeypatch, "db", "grant-app-role", "x; DROP TABLE y")
    assert bad.exit_code == 2


def test_migrations_and_key_rotation_use_the_owner_url(owner_url: str, app_role: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`migrate` runs as MIGRATION_DATABASE_URL: as the app role it would fail (no CREATE, no ALTER)."""
    app_url = make_url(owner_url).set(username=app_role, password=None).render_as_string(hide_password=False)
    assert _cli(owner_url, app_url, monkeypatch, "db", "grant-app-role", app_role).exit_code == 0
    r = _cli(owner_url, app_url, monkeypatch, "migrate")
    assert r.exit_code == 0 and "migration head" in r.output, r.output
    monkeypatch.setenv("DATABASE_URL", app_url)
    monkeypatch.setenv("MIGRATION_DATABASE_URL", owner_url)
    get_settings.cache_clear()
    try:
        assert get_settings().migration_url == owner_url
        monkeypatch.delenv("MIGRATION_DATABASE_URL")
        get_settings.cache_clear()
        assert get_settings().migration_url == app_url  # default: DATABASE_URL
    finally:
        get_settings.cache_clear()
