"""``dueprocess notifications sweep --now``: the command the lead makes periodic, run for real."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from typer.testing import CliRunner

from app.core.config import get_settings
from tests.notifications.conftest import critical_alert, now


def test_sweep_command_delivers_and_escalates(client: Any, db: Any, make_org: Any, smtp: Any, settings: Any,
                                              monkeypatch: Any) -> None:
    from app.auth.models import Organization
    from app.cli import cli

    inbox, port = smtp
    org = make_org()
    critical_alert(client, db, org)
    with db.session() as s:
        org_row = s.get(Organization, org.id)
        assert org_row is not None
        slug = org_row.slug
    for key, value in {"DATABASE_URL": settings.database_url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                       "SMTP_STARTTLS": "false", "MAIL_FROM": "alerts@example.org"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        t0 = now()
        r = runner.invoke(cli, ["notifications", "sweep", "--now", t0.isoformat(), "--org", slug])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output.strip().splitlines()[-1])["delivered"] >= 1
        assert len(inbox.to(org.users["attorney"].email)) == 1
        r = runner.invoke(cli, ["notifications", "sweep", "--now", (t0 + timedelta(minutes=6)).isoformat(),
                                "--org", slug])
        assert r.exit_code == 0, r.output
        assert json.loads(r.output.strip().splitlines()[-1])["escalation_steps"] == 1
        bad = runner.invoke(cli, ["notifications", "sweep", "--now", "2026-05-01T12:00:00"])
        assert bad.exit_code == 2
    finally:
        get_settings.cache_clear()
