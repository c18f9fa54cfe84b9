"""``dueprocess import-facilities FILE`` and ``dueprocess seed-facilities`` (shared facility list)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer


def _upsert(text: str | bytes, *, dry_run: bool) -> None:
    from app.core.config import get_settings
    from app.core.db import make_database
    from app.custody.facilities import csv_columns, upsert_facilities
    from app.custody.facility_csv import parse_facilities_csv

    rows, errors = parse_facilities_csv(text)
    db = make_database(get_settings())
    try:
        if not errors:
            with db.session(write=True) as session:
                report = upsert_facilities(session, rows, org_id=None, dry_run=dry_run,
                                           columns=csv_columns(text))
                errors = report["errors"]
                if not errors and not dry_run:
                    session.commit()
    finally:
        db.dispose()
    if errors:
        for e in errors:
            typer.echo(f"line {e['line']}: {e['column'] or '-'}: {e['code']}: {e['message']}", err=True)
        typer.echo(f"{len(errors)} error(s); nothing imported", err=True)
        raise typer.Exit(1)
    prefix = "dry run: " if dry_run else ""
    typer.echo(f"{prefix}shared facilities: {report['created']} created, {report['updated']} updated, "
               f"{report['unchanged']} unchanged")


def commands(cli: typer.Typer) -> None:
    @cli.command("import-facilities")
    def import_facilities(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Facility CSV file."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    ) -> None:
        """Upsert the shared facility list from a CSV (docs/facilities_csv.md); idempotent, all-or-nothing."""
        _upsert(file.read_bytes(), dry_run=dry_run)

    @cli.command("seed-facilities")
    def seed_facilities(
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate and report; write nothing."),
    ) -> None:
        """Load the bundled facility list (app/custody/data/facilities.csv); safe to run on every start."""
        text = resources.files("app.custody").joinpath("data/facilities.csv").read_bytes()
        _upsert(text, dry_run=dry_run)
