"""Migration 0012 on a database that already has organizations: the new columns get their defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from app.migrations import upgrade
from tests.conftest import new_database_url


def test_existing_organizations_get_defaults(tmp_path_factory: Any) -> None:
    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0009_client_name_tokens")
        engine = create_engine(url)
        org_id = uuid.uuid4()
        created = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                              "created_at) VALUES (:id, 'Old Org', :slug, 'America/Denver', 24, :created)"),
                         {"id": org_id.hex if url.startswith("sqlite") else str(org_id),
                          "slug": f"old-{org_id.hex[:8]}",
                          "created": created.replace(tzinfo=None) if url.startswith("sqlite") else created})
        upgrade(url, "heads")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT date_order, version, timezone, whereabouts_unknown_hours "
                                    "FROM organization")).one()
            assert tuple(row) == ("MDY", 1, "America/Denver", 24)
            assert conn.execute(text("SELECT count(*) FROM organization WHERE updated_at = created_at")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM password_reset_token")).scalar() == 0
        engine.dispose()
    finally:
        cleanup()
