"""``dueprocess deadlines ...`` commands (run ``deadlines sweep`` from cron/systemd every few minutes)."""

from __future__ import annotations

import typer

from app.auth.sweep_cli import NOW_OPTION_HELP, ORG_OPTION_HELP, run_sweep


def commands(cli: typer.Typer) -> None:
    deadlines_cli = typer.Typer(help="Deadlines: sweep overdue deadlines and raise due-soon alerts.",
                                no_args_is_help=True)

    @deadlines_cli.command("sweep")
    def sweep_cmd(
        now: str = typer.Option(None, "--now", help=NOW_OPTION_HELP),
        org_slug: str = typer.Option(None, "--org", help=ORG_OPTION_HELP),
    ) -> None:
        """Mark overdue open deadlines missed; raise deadline_due_soon (72 h) and deadline_missed alerts."""
        from app.deadlines.sweep import sweep

        run_sweep(sweep, now, org_slug)

    cli.add_typer(deadlines_cli, name="deadlines")
