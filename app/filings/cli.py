"""``dueprocess filings resume``: draft every open filing-batch item in this process, then exit."""

from __future__ import annotations

import typer


def _resume(workers: int) -> tuple[int, int]:
    from app.core import jobs
    from app.core.config import get_settings
    from app.core.db import make_database
    from app.filings import batches
    from app.filings.router import make_renderer

    settings = get_settings()
    if workers:
        settings = settings.model_copy(update={"render_workers": workers})
    db = make_database(settings)
    renderer = make_renderer(settings)
    jobs.provide("database", db)
    jobs.provide("filings.renderer", renderer)
    try:
        with db.session() as s:
            ids = [args["item_id"] for _, args in batches.open_items(s)]
        processed = 0
        for item_id in ids:
            # The last attempt: a renderer failure here ends the item `failed` rather than leaving it open.
            with jobs.attempt(jobs.MAX_ATTEMPTS - 1):
                batches.render_batch_item(str(item_id))
            processed += 1
        return len(ids), processed
    finally:
        renderer.shutdown()
        db.dispose()


def commands(cli: typer.Typer) -> None:
    filings = typer.Typer(help="Court filings.", no_args_is_help=True)

    @filings.command("resume")
    def resume(
        workers: int = typer.Option(0, "--workers", min=0, help="Render processes (0 = RENDER_WORKERS)."),
    ) -> None:
        """Draft every open batch item in this process, then exit (a recovery tool: normally the job engine
        drafts them, `dueprocess worker` on PostgreSQL). Running it beside a worker is safe: an item is
        completed once, whoever finishes first."""
        before, processed = _resume(workers)
        typer.echo(f"filing batch items: {before} open at start, {processed} processed")

    cli.add_typer(filings, name="filings")
