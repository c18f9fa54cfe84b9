"""Run Alembic programmatically (CLI ``migrate``, tests, readiness)."""

from __future__ import annotations

import warnings
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    with warnings.catch_warnings():
        # On SQLite, a batch ALTER (migration 0002b) reflects the tables its foreign keys point at, and
        # SQLAlchemy cannot reflect user_account's index on lower(email). That table is only read, never
        # rebuilt, so the index stays; the warning only alarmed whoever ran ``dueprocess migrate``.
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())
