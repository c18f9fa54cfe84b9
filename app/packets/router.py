"""/clients/{id}/emergency-packets and /emergency-packets/{id} (docs/filings-packet.md). HTTP only: rules live
in app/packets/service.py.

The packet answers 201 synchronously (docs/filings-packet.md#rendering): its documents render in parallel on the
API's render pool (the filings renderer on app state), at most as many at once as the pool has workers, so a
packet never overfills the pool's admission queue and single drafts keep getting slots between its documents.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import nullcontext
from typing import TYPE_CHECKING

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from app.auth.deps import DraftFilings, ReadFilings, ticket_of
from app.core.errors import ProblemError
from app.core.routing import api_router, attachment
from app.filings import service as filings_service
from app.packets import service
from app.packets.schemas import PacketCreate, PacketPublic

if TYPE_CHECKING:
    from app.filings.drafting import Draft
    from app.filings.render.renderer import Renderer, RenderResult

log = logging.getLogger("app.packets")
router = api_router(tags=["emergency packets"])


def _renderer(request: Request) -> Renderer:
    renderer: Renderer | None = getattr(request.app.state, "filing_renderer", None)
    if renderer is None:
        raise ProblemError(503, "render_unavailable", "The PDF renderer is not running.",
                           headers={"Retry-After": "5"})
    return renderer


async def render_all(request: Request, packet_plan: service.PacketPlan, owner: str = "") -> list[RenderResult]:
    """Render every document of the plan in parallel; the first failure is raised as a problem (nothing is
    stored: the caller stores only when every document rendered)."""
    renderer = _renderer(request)
    gate = request.app.state.filing_render_gate
    parallel = asyncio.Semaphore(max(1, int(renderer.max_workers)))

    async def one(kind: str, draft: Draft) -> RenderResult:
        async with parallel, gate.slot(interactive=True, owner=owner):
            return await renderer.render_async(kind, draft.context)

    results = await asyncio.gather(*(one(k, d) for k, d in packet_plan.drafts), return_exceptions=True)
    done: list[RenderResult] = []
    for r in results:
        if not isinstance(r, BaseException):
            done.append(r)
        elif not isinstance(r, Exception):  # cancelled (the client went away) or the process is stopping
            raise r
        else:
            problem = filings_service.render_problem(r)
            if problem.status >= 500 and problem.code == "internal_error":
                log.error("packet render failed", exc_info=r)
            raise problem from None
    return done


@router.post("/clients/{client_id}/emergency-packets", response_model=PacketPublic, status_code=201)
async def create_packet(client_id: uuid.UUID, body: PacketCreate, request: Request, response: Response,
                        ctx: DraftFilings) -> PacketPublic:
    """Draft every paper of an emergency filing at once (422 lists every gap of every document)."""
    caller = filings_service.caller_of(ctx)
    packet_plan = await run_in_threadpool(service.prepare_packet, ctx.session, caller, client_id, body)
    ticket = ticket_of(request)
    # No transaction is open while the PDFs render: step out of the worker's line (app/core/admission.py).
    async with ticket.stepped_out() if ticket is not None else nullcontext():
        results = await render_all(request, packet_plan, owner=str(ctx.org_id))
        docx = await run_in_threadpool(service.chambers_copies, packet_plan)
    packet = await run_in_threadpool(service.store_packet, ctx.session, ctx, packet_plan, results, docx)
    response.headers["Location"] = f"/api/v1/emergency-packets/{packet.id}"
    return PacketPublic.of(packet)


@router.get("/emergency-packets/{packet_id}", response_model=PacketPublic)
def get_packet(packet_id: uuid.UUID, ctx: ReadFilings) -> PacketPublic:
    """The packet: its documents in filing order (kind, filing id, title, pages) and warnings."""
    return PacketPublic.of(service.get_packet(ctx.session, ctx.org_id, packet_id))


@router.get("/emergency-packets/{packet_id}/zip", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "the packet's files"}})
def packet_zip(packet_id: uuid.UUID, request: Request, ctx: ReadFilings) -> Response:
    """The packet's PDFs, the DOCX of its proposed orders and manifest.json (audited)."""
    ctx.session.close()
    with request.app.state.db.session(write=True) as ws:
        content, name = service.packet_zip(ws, ctx, packet_id)
    return attachment(content, "application/zip", name)


@router.get("/emergency-packets/{packet_id}/review.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "every document, merged"}})
def packet_review(packet_id: uuid.UUID, request: Request, ctx: ReadFilings) -> Response:
    """Every document merged in filing order with a bookmark per document, for review (audited)."""
    ctx.session.close()
    with request.app.state.db.session(write=True) as ws:
        content, name = service.review_pdf(ws, ctx, packet_id)
    return attachment(content, "application/pdf", name)
