"""``dueprocess alerts ...`` commands (run ``alerts sweep`` from cron/systemd every few minutes)."""

from __future__ import annotations

import typer

from app.auth.sweep_cli import NOW_OPTION_HELP, ORG_OPTION_HELP, run_sweep


def commands(cli: typer.Typer) -> None:
    alerts_cli = typer.Typer(help="Removal-risk and compliance alerts.", no_args_is_help=True)

    @alerts_cli.command("sweep")
    def sweep_cmd(
        now: str = typer.Option(None, "--now", help=NOW_OPTION_HELP),
        org_slug: str = typer.Option(None, "--org", help=ORG_OPTION_HELP),
    ) -> None:
        """Expire lapsed orders, generate occurrences, mark missed filings, raise time-based alerts."""
        from app.protection.sweep import sweep

        run_sweep(sweep, now, org_slug)

    cli.add_typer(alerts_cli, name="alerts")
