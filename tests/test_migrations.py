"""Alembic is the only thing that creates tables: upgrade, no drift, downgrade, upgrade again
(docs/security-model.md#concurrency-and-faults)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.migrations import downgrade, script_heads, upgrade
from tests.conftest import new_database_url


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and name and name.startswith("procrastinate_"):
        return False  # the job engine's own tables (migration 0015_jobs), not app.models
    return not (type_ == "index" and name == "user_account_email_lower_key")


def test_upgrade_no_drift_downgrade(tmp_path_factory: Any) -> None:
    import app.models  # noqa: F401
    from app.core.base import metadata

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "heads")
        engine = create_engine(url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _include})
            diff = compare_metadata(ctx, metadata)
            assert diff == [], diff
            assert set(ctx.get_current_heads()) == script_heads()
        downgrade(url, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade(url, "heads")
        with engine.connect() as conn:
            assert "audit_event" in inspect(conn).get_table_names()
        engine.dispose()
    finally:
        cleanup()


def test_single_head() -> None:
    assert len(script_heads()) == 1, "merge migration heads before committing"
