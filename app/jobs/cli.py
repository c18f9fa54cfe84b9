"""``dueprocess worker``: run jobs from PostgreSQL (app/jobs/worker.py)."""

from __future__ import annotations

import typer


def commands(cli: typer.Typer) -> None:
    @cli.command()
    def worker(
        queues: str = typer.Option("", "--queues", help="Comma-separated queues (render,notify,sweeps); default all."),
        concurrency: int = typer.Option(0, "--concurrency", min=0, help="Jobs at once (0 = JOBS_CONCURRENCY)."),
    ) -> None:
        """Run jobs from PostgreSQL until SIGTERM/SIGINT (which lets the jobs in flight finish). Start as many
        as you like, on any machines sharing DATABASE_URL."""
        from app.core.config import get_settings
        from app.core.jobs import QUEUES
        from app.jobs import worker as job_worker

        wanted = [q.strip() for q in queues.split(",") if q.strip()] or None
        unknown = [q for q in wanted or [] if q not in QUEUES]
        if unknown:
            typer.echo(f"error: unknown queue(s) {', '.join(unknown)}; known: {', '.join(QUEUES)}", err=True)
            raise typer.Exit(2)
        settings = get_settings()
        job_worker.run(settings, wanted, concurrency or settings.jobs_concurrency)
