"""``dueprocess import-clients FILE --org SLUG|NAME``: the CSV intake from the command line (docs/clients_csv.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def commands(cli: typer.Typer) -> None:
    @cli.command("import-clients")
    def import_clients(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Client CSV file."),
        org: str = typer.Option(..., "--org", help="Organization slug or name."),
        partial: bool = typer.Option(False, "--partial", help="Import the valid rows even if others are invalid."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    ) -> None:
        """Import clients (and their initial custody status) from a CSV into an organization."""

        from app.auth.sweep_cli import organization_for_option
        from app.casework.client_import import import_clients as run_import
        from app.core.audit import Actor
        from app.core.config import get_settings
        from app.core.db import make_database
        from app.core.errors import ProblemError

        data = file.read_bytes()
        db = make_database(get_settings())
        try:
            with db.session(write=True) as session:
                org_id = organization_for_option(session, org).id
                try:
                    report = run_import(Actor(org_id, role="operator"), session, data, partial=partial, dry_run=dry_run)
                except ProblemError as exc:
                    typer.echo(json.dumps({"code": exc.code, "detail": exc.detail, **exc.extra}, default=str,
                                          ensure_ascii=False, indent=1), err=True)
                    raise typer.Exit(1) from None
        finally:
            db.dispose()
        typer.echo(report.model_dump_json(indent=1))
