"""/filing-templates, filings and filing batches (docs/design.md#api-surface, docs/design.md#filing-pdfs). HTTP only:
rules live in the services.

Drafting is `async`: the record is read in the thread pool, the PDF renders in the process pool while the
event loop keeps serving, and the result is stored in the thread pool. `setup(app)` (called by
`create_app`) registers the start-up hook that creates the renderer pool and the shutdown hook that stops
it. Batch items are drafted by the job engine (app/jobs/, docs/jobs.md).
"""

from __future__ import annotations

import logging
import uuid
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.auth.deps import DraftFilings, FinalizeFilings, ReadFilings, ticket_of
from app.core.config import AppEnv, Settings
from app.core.db import Database
from app.core.errors import ProblemError
from app.core.pagination import Limit, Offset, Page
from app.core.routing import api_router, attachment
from app.filings import batch_views, batches, exhibits, service
from app.filings.models import FilingStatus
from app.filings.registry import registry_listing
from app.filings.render.gate import RenderGate
from app.filings.schemas import (
    BatchAccepted,
    BatchCreate,
    BatchPublic,
    BatchSummary,
    FilingCreate,
    FilingDetail,
    FilingPublic,
    TemplateInfo,
)

if TYPE_CHECKING:
    from app.filings.render.renderer import Renderer

log = logging.getLogger("app.filings")
router = api_router(tags=["filings"])

_TEMPLATES = [TemplateInfo.model_validate(t) for t in registry_listing()]


def _renderer(request: Request) -> Any:
    renderer = getattr(request.app.state, "filing_renderer", None)
    if renderer is None:
        raise ProblemError(503, "render_unavailable", "The PDF renderer is not running.",
                           headers={"Retry-After": "5"})
    return renderer


@router.get("/filing-templates", response_model=list[TemplateInfo])
async def list_templates(ctx: ReadFilings) -> list[TemplateInfo]:
    """Filing templates: key, title, version, description, required record fields and options."""
    return _TEMPLATES


@router.post("/clients/{client_id}/filings", response_model=FilingPublic, status_code=201)
async def create_filing(client_id: uuid.UUID, body: FilingCreate, request: Request, response: Response,
                        ctx: DraftFilings) -> FilingPublic:
    """Draft a filing from the client's record (422 ``missing_filing_data`` lists every missing field)."""
    caller = service.caller_of(ctx)
    draft = await run_in_threadpool(service.prepare_draft, ctx.session, caller, client_id, body.template,
                                    body.proceeding_id, body.options, None, body.exhibits)
    renderer = _renderer(request)
    ticket = ticket_of(request)
    # The draft's transaction has ended (no connection is held), so the request steps out of the worker's
    # line while the PDF renders (app/core/admission.py) and queues again to store it.
    async with ticket.stepped_out() if ticket is not None else nullcontext():
        try:
            async with request.app.state.filing_render_gate.slot(interactive=True, owner=str(ctx.org_id)):
                result = await renderer.render_async(body.template, draft.context)
        except Exception as exc:  # noqa: BLE001 - every render failure maps to a problem; nothing is stored
            problem = service.render_problem(exc)
            if problem.status >= 500 and problem.code == "internal_error":
                log.exception("filing render failed")
            raise problem from None
    filing = await run_in_threadpool(service.create_draft, ctx.session, ctx, client_id, body.template, draft,
                                     result)
    response.headers["ETag"] = service.etag_of(filing)
    response.headers["Location"] = f"/api/v1/filings/{filing.id}"
    return FilingPublic.of(filing)


@router.get("/clients/{client_id}/filings", response_model=Page[FilingPublic])
def list_client_filings(
    client_id: uuid.UUID,
    ctx: ReadFilings,
    limit: Limit = 50,
    offset: Offset = 0,
    template: Annotated[str | None, Query(max_length=60)] = None,
    status: FilingStatus | None = None,
) -> Page[FilingPublic]:
    """The client's filings, newest first (metadata only)."""
    rows, total = service.list_filings(ctx.session, ctx.org_id, client_id, template=template,
                                       status=status.value if status else None, limit=limit, offset=offset)
    return Page(items=[FilingPublic.of(f) for f in rows], total=total, limit=limit, offset=offset)


@router.get("/filings/{filing_id}", response_model=FilingDetail)
def get_filing(filing_id: uuid.UUID, response: Response,
               ctx: ReadFilings) -> FilingDetail:
    """A filing's metadata, preflight report and input snapshot."""
    filing = service.get_filing(ctx.session, ctx.org_id, filing_id)
    response.headers["ETag"] = service.etag_of(filing)
    return FilingDetail.of(filing)


@router.get("/filings/{filing_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The PDF."}})
def get_filing_pdf(filing_id: uuid.UUID, request: Request,
                   ctx: ReadFilings) -> Response:
    """Download the PDF (the read is audited as ``filing.pdf_read``)."""
    # The audit row is written in a write transaction of its own (a read transaction on SQLite cannot
    # safely be upgraded to a write); the auth session is released first.
    ctx.session.close()
    db: Database = request.app.state.db
    with db.session(write=True) as ws:
        filing, pdf = service.read_pdf(ws, ctx, filing_id)
    return Response(content=pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filing.file_name}"',
        "ETag": service.etag_of(filing),
    })


@router.get("/filings/{filing_id}/exhibits.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The exhibits, merged."}})
def get_filing_exhibits(filing_id: uuid.UUID, request: Request, ctx: ReadFilings) -> Response:
    """The filing's exhibits as one PDF: a slip sheet and a bookmark per exhibit (audited as
    ``filing.exhibits_read``; 404 ``no_exhibits`` when none are attached)."""
    ctx.session.close()
    with request.app.state.db.session(write=True) as ws:
        filing = service.get_filing(ws, ctx.org_id, filing_id)
        pdf = exhibits.exhibits_pdf(ws, ctx, filing)
    return attachment(pdf, "application/pdf", filing.file_name.removesuffix(".pdf") + "-exhibits.pdf")


@router.post("/filings/{filing_id}/finalize", response_model=FilingPublic)
def finalize_filing(filing_id: uuid.UUID, request: Request, response: Response,
                    ctx: FinalizeFilings) -> FilingPublic:
    """Make a draft final (attorneys). If-Match is optional; when sent it must be the draft's ETag."""
    filing = service.finalize(ctx.session, ctx, filing_id, request.headers.get("if-match"))
    response.headers["ETag"] = service.etag_of(filing)
    return FilingPublic.of(filing)


@router.post("/filing-batches", response_model=BatchAccepted, status_code=202)
async def create_batch(body: BatchCreate, request: Request, response: Response,
                       ctx: DraftFilings) -> BatchAccepted:
    """Queue one filing per client of a group or list; poll `GET /filing-batches/{id}` for progress."""
    caller = service.caller_of(ctx)
    batch = await run_in_threadpool(batches.create_batch, ctx.session, ctx, caller, body)
    response.headers["Location"] = f"/api/v1/filing-batches/{batch.id}"
    return BatchAccepted(id=batch.id, status=batch.status, total=batch.total)


@router.get("/filing-batches", response_model=Page[BatchSummary])
def list_batches(ctx: ReadFilings, limit: Limit = 50, offset: Offset = 0) -> Page[BatchSummary]:
    """The organization's filing batches, newest first, with their progress counts."""
    items, total = batch_views.list_batches(ctx.session, ctx.org_id, limit=limit, offset=offset)
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/filing-batches/{batch_id}/zip", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "the batch's PDFs"}})
def batch_zip(batch_id: uuid.UUID, request: Request, ctx: ReadFilings) -> Response:
    """Every finished PDF of the batch and a manifest.csv (one line per client: filing, status, SHA-256 or the
    problem), as one zip; audited like reading each PDF. Deleted clients are left out."""
    with request.app.state.db.session(write=True) as ws:
        content, name = batch_views.batch_zip(ctx, ws, batch_id)
    return attachment(content, "application/zip", name)


@router.get("/filing-batches/{batch_id}", response_model=BatchPublic)
def get_batch(batch_id: uuid.UUID, ctx: ReadFilings) -> BatchPublic:
    """Batch progress: status, counts and one line per client (filing id or problem)."""
    return batches.batch_view(ctx.session, ctx.org_id, batch_id)


# --- start-up / shutdown ---------------------------------------------------------------------------

def make_renderer(settings: Settings) -> Renderer:
    """The renderer pool configured from settings (`render_workers` 0 = one per CPU)."""
    from app.filings.render.renderer import Renderer

    return Renderer(max_workers=settings.render_workers or None, timeout=settings.render_timeout_seconds,
                    max_pages=settings.render_max_pages, queue_limit=settings.render_queue_limit,
                    max_bytes=settings.pdf_max_bytes, nice=settings.render_nice)


async def _start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    renderer = make_renderer(settings)
    app.state.filing_render_gate = RenderGate(renderer.max_workers, queue_limit=renderer.queue_limit,
                                              timeout=renderer.queue_timeout, retry_after=renderer.retry_after)
    app.state.filing_renderer = renderer
    if settings.app_env != AppEnv.test:
        # Spawn and warm the workers now rather than on the first request (tests spawn them lazily).
        try:
            await run_in_threadpool(renderer.start, False)
        except Exception as exc:  # noqa: BLE001 - the pool is created again on first use
            log.warning("could not pre-start the render pool (%s)", type(exc).__name__)


async def _stop(app: FastAPI) -> None:
    renderer = getattr(app.state, "filing_renderer", None)
    if renderer is not None:
        app.state.filing_renderer = None
        await run_in_threadpool(renderer.shutdown)


def setup(app: FastAPI) -> None:
    """Register the renderer pool with the application's lifespan. Batch items are drafted by the job engine
    (app/jobs/), which runs after this hook and hands the pool to the batch task when jobs run in process."""
    app.state.filing_renderer = None
    app.state.filing_render_gate = None
    app.state.startup_hooks.append(_start)
    app.state.shutdown_hooks.append(_stop)
