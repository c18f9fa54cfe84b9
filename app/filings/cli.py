"""``dueprocess filings resume``: draft pending filing-batch items without the web server."""

from __future__ import annotations

import typer


def _resume(workers: int) -> tuple[int, int]:
    import asyncio

    import app.models  # noqa: F401  (every table, so foreign keys resolve)
    from app.core.config import get_settings
    from app.core.db import make_database
    from app.filings.batches import BatchWorker, pending_count
    from app.filings.router import make_renderer

    settings = get_settings()
    if workers:
        settings = settings.model_copy(update={"render_workers": workers})
    db = make_database(settings)
    renderer = make_renderer(settings)
    try:
        before = pending_count(db)
        worker = BatchWorker(db, renderer, poll_seconds=0.5)

        async def run() -> None:
            from starlette.concurrency import run_in_threadpool

            from app.filings.batches import requeue_interrupted

            await run_in_threadpool(requeue_interrupted, db)
            await worker.run_until_idle()

        asyncio.run(run())
        return before, worker.processed
    finally:
        renderer.shutdown()
        db.dispose()


def commands(cli: typer.Typer) -> None:
    filings = typer.Typer(help="Court filings.", no_args_is_help=True)

    @filings.command("resume")
    def resume(
        workers: int = typer.Option(0, "--workers", min=0, help="Render processes (0 = RENDER_WORKERS)."),
    ) -> None:
        """Draft every pending or interrupted batch item, then exit. Do not run it while a server with
        a batch worker is running: the server re-queues interrupted items itself on start-up."""
        before, processed = _resume(workers)
        typer.echo(f"filing batch items: {before} pending at start, {processed} processed")

    cli.add_typer(filings, name="filings")
