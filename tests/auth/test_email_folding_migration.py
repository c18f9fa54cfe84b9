"""Migration 0013_email_folding: existing addresses are folded; two that fold to one stop the migration."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app.migrations import downgrade, upgrade
from tests.conftest import new_database_url


def _insert_users(url: str, emails: list[str]) -> None:
    engine = create_engine(url)
    sqlite = url.startswith("sqlite")
    org_id = uuid.uuid4()
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    ts = now.replace(tzinfo=None) if sqlite else now
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organization (id, name, slug, timezone, whereabouts_unknown_hours, "
                          "created_at) VALUES (:id, 'Old Org', :slug, 'America/Denver', 24, :created)"),
                     {"id": org_id.hex if sqlite else str(org_id), "slug": f"old-{org_id.hex[:8]}", "created": ts})
        for email in emails:
            uid = uuid.uuid4()
            conn.execute(text("INSERT INTO user_account (id, organization_id, email, full_name, role, is_active, "
                              "token_version, preferred_language, version, created_at, updated_at) VALUES "
                              "(:id, :org, :email, 'Old User', 'paralegal', true, 0, 'en', 1, :ts, :ts)"),
                         {"id": uid.hex if sqlite else str(uid), "org": org_id.hex if sqlite else str(org_id),
                          "email": email, "ts": ts})
    engine.dispose()


def test_existing_addresses_are_folded(tmp_path_factory: Any) -> None:
    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0009_client_name_tokens")
        _insert_users(url, [unicodedata.normalize("NFD", "Émile@Example.org "), "ana@example.org"])
        upgrade(url, "0013_email_folding")
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = sorted(tuple(r) for r in conn.execute(text("SELECT email, email_folded FROM user_account")))
        engine.dispose()
        assert rows == [("ana@example.org", "ana@example.org"), ("Émile@Example.org", "émile@example.org")]
        downgrade(url, "0009_client_name_tokens")
        upgrade(url, "heads")
    finally:
        cleanup()


def test_two_addresses_folding_to_one_refuse_the_migration(tmp_path_factory: Any) -> None:
    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0009_client_name_tokens")
        # Distinct for SQLite's ASCII-only lower() (and for PostgreSQL's, which does not normalize).
        _insert_users(url, ["émile@example.org", unicodedata.normalize("NFD", "ÉMILE@example.org")])
        with pytest.raises(RuntimeError, match="0013_email_folding: 1 group"):
            upgrade(url, "0013_email_folding")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM user_account")).scalar() == 2
        engine.dispose()
    finally:
        cleanup()
