"""/clients/{id}/documents and /documents/{id} (docs/documents.md). HTTP only: rules live in the service.

Permissions follow filings (documents are the exhibits of filings): staff read with ``filings:read`` and
upload or delete with ``filings:draft``; family liaisons have neither.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import File, Form, Request, Response, UploadFile

from app.auth.deps import DraftFilings, ReadFilings
from app.core.config import Settings
from app.core.errors import ProblemError
from app.core.pagination import Limit, Offset, Page
from app.core.routing import api_router, attachment
from app.documents import service
from app.documents.schemas import DocumentPublic

router = api_router(tags=["documents"])


@router.post("/clients/{client_id}/documents", response_model=DocumentPublic, status_code=201)
def upload_document(client_id: uuid.UUID, request: Request, response: Response, ctx: DraftFilings,
                    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG (type read from the bytes)")],
                    title: Annotated[str, Form(max_length=1000)],
                    kind: Annotated[str | None, Form(max_length=40)] = None,
                    document_date: Annotated[str | None, Form(max_length=20)] = None) -> DocumentPublic:
    """Upload a client document (multipart). 413 ``document_too_large``; 422 ``document_type_not_allowed``,
    ``pdf_active_content``, ``pdf_encrypted``, ``document_malformed``, ``image_too_large``."""
    settings: Settings = request.app.state.settings
    clean_title, kind_value, parsed_date = service.validate_upload(title, kind, document_date)
    data = file.file.read(settings.document_max_bytes + 1)  # one byte more tells "too large" from "at the cap"
    if len(data) > settings.document_max_bytes:
        raise ProblemError(413, "document_too_large", f"The file exceeds {settings.document_max_bytes} bytes.")
    doc = service.create_document(ctx.session, ctx, client_id,
                                  service.Upload(clean_title, kind_value, parsed_date, data),
                                  max_bytes=settings.document_max_bytes)
    response.headers["Location"] = f"/api/v1/documents/{doc.id}"
    return DocumentPublic.of(doc)


@router.get("/clients/{client_id}/documents", response_model=Page[DocumentPublic])
def list_documents(client_id: uuid.UUID, ctx: ReadFilings, limit: Limit = 50,
                   offset: Offset = 0) -> Page[DocumentPublic]:
    """The client's documents, newest first (metadata only)."""
    rows, total = service.list_documents(ctx.session, ctx.org_id, client_id, limit=limit, offset=offset)
    return Page(items=[DocumentPublic.of(d) for d in rows], total=total, limit=limit, offset=offset)


@router.get("/documents/{document_id}", response_model=DocumentPublic)
def get_document(document_id: uuid.UUID, ctx: ReadFilings) -> DocumentPublic:
    """A document's metadata."""
    return DocumentPublic.of(service.get_document(ctx.session, ctx.org_id, document_id))


@router.get("/documents/{document_id}/content", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}},
                             "description": "The document's bytes."}})
def get_document_content(document_id: uuid.UUID, request: Request, ctx: ReadFilings) -> Response:
    """Download the document, decrypted (audited as ``document.content_read``; never cached)."""
    # As for filing PDFs: the audit row is written in a write transaction of its own.
    ctx.session.close()
    with request.app.state.db.session(write=True) as ws:
        doc, data = service.read_content(ws, ctx, document_id)
    resp = attachment(data, doc.media_type, service.download_name(doc))
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@router.delete("/documents/{document_id}", status_code=204, response_class=Response)
def delete_document(document_id: uuid.UUID, ctx: DraftFilings) -> Response:
    """Soft-delete a document (audited); filings that already list it keep their exhibits."""
    service.delete_document(ctx.session, ctx, document_id)
    return Response(status_code=204)
