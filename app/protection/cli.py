"""``dueprocess alerts ...`` commands (run ``alerts sweep`` from cron/systemd every few minutes)."""

from __future__ import annotations

import json
from datetime import datetime

import typer


def commands(cli: typer.Typer) -> None:
    alerts_cli = typer.Typer(help="Removal-risk and compliance alerts.", no_args_is_help=True)

    @alerts_cli.command("sweep")
    def sweep_cmd(
        now: str = typer.Option(None, "--now", help="Pretend it is this ISO 8601 instant (with offset)."),
        org_slug: str = typer.Option(None, "--org", help="Only this organization (slug)."),
    ) -> None:
        """Expire lapsed orders, generate occurrences, mark missed filings, raise time-based alerts."""
        from sqlmodel import select

        from app.auth.models import Organization
        from app.core.config import get_settings
        from app.core.db import make_database
        from app.core.types import utcnow
        from app.protection.sweep import sweep

        at = utcnow()
        if now:
            at = datetime.fromisoformat(now)
            if at.tzinfo is None:
                typer.echo("error: --now needs a UTC offset, e.g. 2025-04-17T12:00:00Z", err=True)
                raise typer.Exit(2)
        db = make_database(get_settings())
        try:
            with db.session(write=True) as session:
                org_ids = None
                if org_slug:
                    org_ids = list(session.exec(select(Organization.id).where(Organization.slug == org_slug)).all())
                    if not org_ids:
                        typer.echo(f"error: no organization {org_slug!r}", err=True)
                        raise typer.Exit(2)
                result = sweep(session, at, org_ids)
        finally:
            db.dispose()
        typer.echo(json.dumps({"now": at.isoformat(), **result}))

    cli.add_typer(alerts_cli, name="alerts")
