"""``dueprocess deadlines ...`` commands (run ``deadlines sweep`` from cron/systemd every few minutes)."""

from __future__ import annotations

import json
from datetime import datetime

import typer


def commands(cli: typer.Typer) -> None:
    deadlines_cli = typer.Typer(help="Deadlines: sweep overdue deadlines and raise due-soon alerts.",
                                no_args_is_help=True)

    @deadlines_cli.command("sweep")
    def sweep_cmd(
        now: str = typer.Option(None, "--now", help="Pretend it is this ISO 8601 instant (with offset)."),
        org_slug: str = typer.Option(None, "--org", help="Only this organization (slug)."),
    ) -> None:
        """Mark overdue open deadlines missed; raise deadline_due_soon (72 h) and deadline_missed alerts."""
        from sqlmodel import select

        from app.auth.models import Organization
        from app.core.config import get_settings
        from app.core.db import make_database
        from app.core.types import utcnow
        from app.deadlines.sweep import sweep

        at = utcnow()
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                at = None  # type: ignore[assignment]
            if at is None or at.tzinfo is None:
                typer.echo("error: --now needs an ISO 8601 instant with a UTC offset, e.g. 2026-07-01T12:00:00Z",
                           err=True)
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

    cli.add_typer(deadlines_cli, name="deadlines")
