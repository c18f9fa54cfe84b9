"""``dueprocess notifications sweep``: escalate what is due and deliver every due delivery. The job engine runs
the same function every minute (``notifications.sweep``); this command runs it by hand, and ``--now`` drives
escalation time in tests."""

from __future__ import annotations

import typer

from app.auth.sweep_cli import NOW_OPTION_HELP, ORG_OPTION_HELP, run_sweep


def commands(cli: typer.Typer) -> None:
    notifications_cli = typer.Typer(help="Notifications: escalation and delivery.", no_args_is_help=True)

    @notifications_cli.command("sweep")
    def sweep_cmd(
        now: str = typer.Option(None, "--now", help=NOW_OPTION_HELP),
        org_slug: str = typer.Option(None, "--org", help=ORG_OPTION_HELP),
    ) -> None:
        """Run due escalation steps of unacknowledged critical alerts; deliver due e-mails and webhooks."""
        from app.notifications.delivery import sweep

        run_sweep(sweep, now, org_slug)

    cli.add_typer(notifications_cli, name="notifications")
