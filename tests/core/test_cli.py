"""The newcomer's commands: ``dueprocess --version``, a quiet ``dueprocess migrate``, and the Makefile's
``run`` (PORT/HOST) and ``test-postgres`` targets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import app.cli as cli_module

ROOT = Path(__file__).resolve().parents[2]


def test_version() -> None:
    result = CliRunner().invoke(cli_module.cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"dueprocess {version('dueprocess')}"


def test_migrate_prints_no_warning(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}", "APP_ENV": "test",
           "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "database is at the migration head"
    assert "Warning" not in done.stderr, done.stderr


def _make_dry_run(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST", "TEST_DATABASE_URL")}
    done = subprocess.run(["make", "-n", "-W", "pyproject.toml", "-o", ".venv/.installed", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_takes_port_and_host() -> None:
    assert "dueprocess serve --host 127.0.0.1 --port 8000" in _make_dry_run("run")
    assert "dueprocess serve --host 0.0.0.0 --port 8123" in _make_dry_run("run", "PORT=8123", "HOST=0.0.0.0")


def test_make_test_postgres_has_a_default_database() -> None:
    out = _make_dry_run("test-postgres")
    assert "DP_TEST_BACKEND=postgres" in out
    assert "TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test" in out
