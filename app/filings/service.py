"""Filing use cases: draft (context -> render -> store), read, list, PDF download, finalize.

A draft is built in three steps so that no database transaction stays open while a PDF renders:
`prepare_draft` (read the record, validate, end the transaction), the render in the process pool, then
`store_draft` (one short write transaction: version number, filing row, PDF row, audit). A render that
fails stores nothing. Final filings are immutable; a later draft is a new row with the next version.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.clients import service as clients_service
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, conflict, not_found
from app.core.types import affected, table_of, utcnow
from app.filings import exhibits as exhibits_mod
from app.filings.drafting import Draft, Drafter, build_record
from app.filings.models import Filing, FilingDocument, FilingStatus
from app.filings.registry import get_spec
from app.filings.schemas import ExhibitRef

if TYPE_CHECKING:  # the renderer imports WeasyPrint; the service only needs the types
    from app.auth.deps import Caller
    from app.filings.render.renderer import Renderer, RenderResult


def caller_of(ctx: Caller) -> Drafter:
    """The drafting caller of a request context (`app.auth.deps.Caller`)."""
    tz = ctx.principal.org.get("timezone") or "America/New_York"
    return Drafter(org_id=ctx.org_id, user_id=ctx.user_id, role=ctx.role, org_timezone=tz)


def safe_file_name(template: str, version: int, filing_id: uuid.UUID) -> str:
    """``habeas_2241-v1-1a2b3c4d.pdf``: ASCII only, never the client's name."""
    key = "".join(c for c in template if c.isascii() and (c.isalnum() or c == "_"))[:60] or "filing"
    return f"{key}-v{int(version)}-{filing_id.hex[:8]}.pdf"


def etag_of(filing: Filing) -> str:
    """A filing's content never changes, so its ETag is the PDF's SHA-256."""
    return f'"{filing.sha256}"'


# --- draft ---------------------------------------------------------------------------------------

def prepare_draft(session: Session, caller: Drafter, client_id: uuid.UUID, template: str,
                  proceeding_id: uuid.UUID | None, options: dict[str, Any], now: datetime | None = None,
                  exhibits: Sequence[ExhibitRef] = ()) -> Draft:
    """Build and validate the filing's context (with its exhibits, app/filings/exhibits.py), then end the
    transaction (no lock is held while the PDF renders; on SQLite a write request's transaction holds the
    database write lock)."""
    try:
        draft = build_record(session, caller, client_id, template, proceeding_id, options, now or utcnow())
        return exhibits_mod.attach(session, caller.org_id, client_id, draft, exhibits) if exhibits else draft
    finally:
        session.rollback()


def next_version(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, template: str) -> int:
    current = session.execute(
        sa.select(sa.func.max(col(Filing.version))).where(
            col(Filing.organization_id) == org_id, col(Filing.client_id) == client_id,
            col(Filing.template) == template)
    ).scalar_one()
    return int(current or 0) + 1


def store_draft(session: Session, actor: AuditActor, client_id: uuid.UUID, template: str, draft: Draft,
                result: RenderResult, *, batch_id: uuid.UUID | None = None) -> Filing:
    """Insert the filing, its PDF and the audit event (no commit). Versions are numbered under the client's
    row lock, so concurrent drafts of one template get 1, 2, ... without gaps or duplicates."""
    clients_service.lock_client(session, actor.org_id, client_id)  # also: the client still exists
    version = next_version(session, actor.org_id, client_id, template)
    filing_id = uuid.uuid4()
    filing = Filing(
        id=filing_id, organization_id=actor.org_id, client_id=client_id, proceeding_id=draft.proceeding_id,
        batch_id=batch_id, template=template, template_version=get_spec(template).version, version=version,
        status=FilingStatus.draft.value, input_snapshot=draft.context.model_dump(mode="json"),
        sha256=result.sha256, pages=result.pages, bytes=result.bytes,
        preflight_ok=bool(result.preflight.get("ok")), preflight=result.preflight,
        warnings=[dict(w) for w in draft.warnings],
        file_name=safe_file_name(template, version, filing_id), attorney_id=draft.attorney_id,
        created_by=actor.user_id, created_at=utcnow(),
    )
    session.add(filing)
    session.flush()
    session.add(FilingDocument(filing_id=filing.id, organization_id=actor.org_id, pdf=result.pdf))
    detail: dict[str, Any] = {"client_id": str(client_id), "template": template, "version": version,
                              "pages": result.pages, "preflight_ok": filing.preflight_ok}
    if batch_id is not None:
        detail["batch_id"] = str(batch_id)
    audit.record(session, actor, "filing.create", "filing", filing.id, detail)
    session.flush()
    return filing


def create_draft(session: Session, actor: AuditActor, client_id: uuid.UUID, template: str, draft: Draft,
                 result: RenderResult) -> Filing:
    """Store a rendered draft and commit."""
    filing = store_draft(session, actor, client_id, template, draft, result)
    session.commit()
    return filing


def draft_sync(session: Session, actor: AuditActor, caller: Drafter, renderer: Renderer, client_id: uuid.UUID,
               template: str, proceeding_id: uuid.UUID | None = None,
               options: dict[str, Any] | None = None) -> Filing:
    """The whole use case in this thread (CLI, bench): context, render (blocking), store."""
    draft = prepare_draft(session, caller, client_id, template, proceeding_id, options or {})
    result = renderer.render(template, draft.context)
    return create_draft(session, actor, client_id, template, draft, result)


# --- reads ---------------------------------------------------------------------------------------

def get_filing(session: Session, org_id: uuid.UUID, filing_id: uuid.UUID) -> Filing:
    """The organization's filing, or 404 ``filing_not_found``."""
    filing = session.get(Filing, filing_id)
    if filing is None or filing.organization_id != org_id:
        raise not_found("filing_not_found", "No such filing.")
    return filing


def list_filings(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, *, template: str | None,
                 status: str | None, limit: int, offset: int) -> tuple[list[Filing], int]:
    """A client's filings, newest first (metadata only: the PDF bytes live in another table)."""
    clients_service.get_client(session, org_id, client_id)
    conds = [col(Filing.organization_id) == org_id, col(Filing.client_id) == client_id]
    if template is not None:
        conds.append(col(Filing.template) == template)
    if status is not None:
        conds.append(col(Filing.status) == status)
    total = int(session.execute(sa.select(sa.func.count()).select_from(Filing).where(*conds)).scalar_one())
    stmt = (select(Filing).where(*conds)
            .order_by(col(Filing.created_at).desc(), col(Filing.id).desc())
            .limit(limit).offset(offset))
    return list(session.exec(stmt).all()), total


def read_pdf(session: Session, actor: AuditActor, filing_id: uuid.UUID) -> tuple[Filing, bytes]:
    """The PDF bytes (decrypted); the read is audited (``filing.pdf_read``) and committed before they are
    returned."""
    filing = get_filing(session, actor.org_id, filing_id)
    doc = session.get(FilingDocument, filing.id)
    if doc is None or doc.organization_id != actor.org_id:
        raise not_found("filing_not_found", "No such filing.")
    pdf = doc.pdf  # decrypted first: a ciphertext that fails (500 data_integrity_error) is no audited read
    audit.record(session, actor, "filing.pdf_read", "filing", filing.id,
                 {"client_id": str(filing.client_id), "sha256": filing.sha256})
    session.commit()
    return filing, pdf


# --- finalize ------------------------------------------------------------------------------------

def _parse_if_match(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip().strip('"')


def finalize(session: Session, actor: AuditActor, filing_id: uuid.UUID, if_match: str | None = None) -> Filing:
    """Make a draft final (attorney). 403 ``not_signer`` unless the caller is the attorney whose /s/ the
    document carries; 409 ``already_final`` / ``preflight_failed``; with If-Match, 412 ``version_conflict``
    unless it names this document (its SHA-256)."""
    filing = get_filing(session, actor.org_id, filing_id)
    if filing.attorney_id is not None and filing.attorney_id != actor.user_id:
        # An electronic signature is the signer's own act (FRCP 11(a); the courts' CM/ECF rules): nobody
        # else may make a document bearing it final.
        raise ProblemError(403, "not_signer", "Only the attorney who signs this document may finalize it.",
                           extra={"attorney_id": str(filing.attorney_id)})
    expected = _parse_if_match(if_match)
    if expected is not None and expected not in ("*", filing.sha256):
        raise ProblemError(412, "version_conflict", "If-Match does not name this document.",
                           extra={"etag": etag_of(filing)})
    if filing.status == FilingStatus.final:
        raise conflict("already_final", "The filing is already final; draft a new version instead.")
    if not filing.preflight_ok:
        failed = [c.get("name") for c in (filing.preflight or {}).get("checks", []) if not c.get("ok")]
        raise conflict("preflight_failed", "The PDF failed the court-filing preflight and cannot be finalized.",
                       failed_checks=failed)
    now = utcnow()
    table = table_of(Filing)
    # Compare-and-set: of two concurrent finalizations exactly one changes the row.
    result = session.execute(
        sa.update(table).where(table.c.id == filing.id, table.c.status == FilingStatus.draft.value)
        .values(status=FilingStatus.final.value, finalized_by=actor.user_id, finalized_at=now)
    )
    if affected(result) != 1:
        session.rollback()
        raise conflict("already_final", "The filing is already final; draft a new version instead.")
    audit.record(session, actor, "filing.finalize", "filing", filing.id,
                 {"client_id": str(filing.client_id), "template": filing.template, "version": filing.version,
                  "sha256": filing.sha256})
    session.commit()
    session.refresh(filing)
    return filing


# --- render errors -> problems ---------------------------------------------------------------------

def render_problem(exc: Exception) -> ProblemError:
    """The HTTP problem for a renderer exception (also stored as a failed batch item's `error`)."""
    from app.filings.errors import (
        BlockedResource,
        PageLimitExceeded,
        RenderBusy,
        RenderFailed,
        RenderTimeout,
    )
    from app.filings.registry import FilingDataError, UnknownTemplate

    if isinstance(exc, RenderBusy):
        return ProblemError(503, "render_busy", "Every PDF renderer is busy; retry shortly.",
                            headers={"Retry-After": str(exc.retry_after)}, extra={"retry_after": exc.retry_after})
    if isinstance(exc, RenderTimeout):
        return ProblemError(503, "render_timeout", "The PDF took too long to render; nothing was stored.",
                            headers={"Retry-After": "30"}, extra={"retry_after": 30})
    if isinstance(exc, PageLimitExceeded):
        return ProblemError(422, "page_limit_exceeded", "The document exceeds the page limit; nothing was stored.",
                            extra={"pages": exc.pages, "limit": exc.limit})
    if isinstance(exc, BlockedResource):
        return ProblemError(422, "render_blocked_resource",
                            "The document referenced a resource the renderer does not allow.")
    if isinstance(exc, RenderFailed):
        return ProblemError(503, "render_failed", "The PDF could not be rendered; nothing was stored.",
                            headers={"Retry-After": "5"}, extra={"retry_after": 5})
    if isinstance(exc, FilingDataError):
        if exc.invalid:
            return ProblemError(422, "invalid_filing_options", "Some options are not valid for this template.",
                                extra={"invalid": exc.invalid, "missing": exc.missing})
        return ProblemError(422, "missing_filing_data",
                            "The record lacks data this filing needs; every missing field is listed.",
                            extra={"missing": exc.missing, "invalid": []})
    if isinstance(exc, UnknownTemplate):
        return ProblemError(422, "unknown_template", "No filing template has that key.")
    return ProblemError(500, "internal_error", "Internal error.")


def problem_dict(problem: ProblemError, instance: str | None = None) -> dict[str, Any]:
    """A problem+json body (RFC 9457) as stored on a failed batch item."""
    from http import HTTPStatus

    body: dict[str, Any] = {
        "type": f"https://dueprocess.invalid/problems/{problem.code}",
        "title": HTTPStatus(problem.status).phrase,
        "status": problem.status,
        "detail": problem.detail,
        "instance": instance,
        "code": problem.code,
    }
    body.update(problem.extra)
    return body
