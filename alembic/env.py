"""Alembic environment: the URL comes from the caller (tests, CLI), else MIGRATION_DATABASE_URL (the tables'
owner), else DATABASE_URL."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, pool

import app.models  # noqa: F401  (registers every table)
from alembic import context
from app.core.base import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    from app.core.config import get_settings

    return (os.environ.get("MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
            or get_settings().migration_url)


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    # Expression indexes (lower(email)) are created by hand in migrations; autogenerate cannot compare them.
    if type_ == "index" and name == "user_account_email_lower_key":
        return False
    # procrastinate's tables (migration 0015_jobs) belong to the job engine, not to app.models.
    if type_ == "table" and name and name.startswith("procrastinate_"):
        return False
    return True


def run_migrations_online() -> None:
    url = _url()
    if url.startswith("sqlite"):
        from pathlib import Path

        from sqlalchemy.engine import make_url

        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
    connectable = create_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
