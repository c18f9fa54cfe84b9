"""Client documents: store (after inspection), list, read, download, soft delete. No FastAPI imports.

Every write and every download is audited (app/core/audit.py) and committed with the change, as filings are.
A document of another organization, a deleted document or a document of a deleted client reads as missing
(404 ``document_not_found``), never as forbidden: existence is not disclosed across organizations.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, not_found, unprocessable
from app.core.types import utcnow
from app.documents.inspect import DocumentRejected, inspect
from app.documents.models import ClientDocument, ClientDocumentContent, DocumentKind

TITLE_MAX = 300
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class Upload:
    title: str
    kind: str
    document_date: date | None
    data: bytes


def validate_upload(title: str, kind: str | None, document_date: str | None) -> tuple[str, str, date | None]:
    """The form fields, checked (422 ``invalid_document_field`` names the field)."""
    clean = " ".join(title.split())
    if not clean or len(clean) > TITLE_MAX:
        raise unprocessable("invalid_document_field", f"title must be 1-{TITLE_MAX} characters.", field="title")
    try:
        kind_value = DocumentKind(kind or DocumentKind.other.value).value
    except ValueError:
        raise unprocessable("invalid_document_field", "kind is not a known document kind.", field="kind",
                            choices=[k.value for k in DocumentKind]) from None
    parsed: date | None = None
    if document_date:
        try:
            parsed = date.fromisoformat(document_date)
        except ValueError:
            raise unprocessable("invalid_document_field", "document_date must be YYYY-MM-DD.",
                                field="document_date") from None
    return clean, kind_value, parsed


def create_document(session: Session, actor: AuditActor, client_id: uuid.UUID, upload: Upload, *,
                    max_bytes: int) -> ClientDocument:
    """Inspect the bytes, then store metadata, encrypted content and the audit entry in one commit.

    The inspection (a full parse of up to DOCUMENT_MAX_BYTES) runs before the first query, so no transaction
    or client lock is held while it runs (on SQLite a write transaction blocks every other writer). It reads
    only the caller's bytes, so a refusal reveals nothing about the client id."""
    try:
        found = inspect(upload.data, max_bytes=max_bytes)
    except DocumentRejected as exc:
        raise ProblemError(exc.status, exc.code, exc.detail) from None
    clients_service.lock_client(session, actor.org_id, client_id)  # 404 for another organization's client
    doc_id = uuid.uuid4()
    digest = hashlib.sha256(upload.data).hexdigest()
    doc = ClientDocument(id=doc_id, organization_id=actor.org_id, client_id=client_id, title=upload.title,
                         kind=upload.kind, document_date=upload.document_date, media_type=found.media_type,
                         sha256=digest, bytes=len(upload.data), pages=found.pages, width=found.width,
                         height=found.height, created_by=actor.user_id, created_at=utcnow())
    session.add(doc)
    session.flush()
    session.add(ClientDocumentContent(document_id=doc_id, organization_id=actor.org_id, content=upload.data))
    # The title may name the person: the audit entry carries the hash, type and size only.
    audit.record(session, actor, "document.created", "client_document", doc_id,
                 {"client_id": str(client_id), "media_type": found.media_type, "bytes": len(upload.data),
                  "sha256": digest, "kind": upload.kind})
    session.commit()
    session.refresh(doc)
    return doc


def _live(org_id: uuid.UUID) -> SelectOfScalar[ClientDocument]:
    return (select(ClientDocument).join(Client, col(Client.id) == col(ClientDocument.client_id))
            .where(col(ClientDocument.organization_id) == org_id, col(ClientDocument.deleted_at).is_(None),
                   col(Client.deleted_at).is_(None)))


def get_document(session: Session, org_id: uuid.UUID, document_id: uuid.UUID) -> ClientDocument:
    doc = session.exec(_live(org_id).where(col(ClientDocument.id) == document_id)).first()
    if doc is None:
        raise not_found("document_not_found", "No such document.")
    return doc


def list_documents(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, *, limit: int,
                   offset: int) -> tuple[list[ClientDocument], int]:
    """A client's live documents, newest first (metadata only)."""
    clients_service.ensure_client(session, org_id, client_id)
    conds = [col(ClientDocument.organization_id) == org_id, col(ClientDocument.client_id) == client_id,
             col(ClientDocument.deleted_at).is_(None)]
    total = int(session.execute(sa.select(sa.func.count()).select_from(ClientDocument).where(*conds)).scalar_one())
    stmt = (select(ClientDocument).where(*conds)
            .order_by(col(ClientDocument.created_at).desc(), col(ClientDocument.id).desc())
            .limit(limit).offset(offset))
    return list(session.exec(stmt).all()), total


def read_content(session: Session, actor: AuditActor, document_id: uuid.UUID) -> tuple[ClientDocument, bytes]:
    """The decrypted bytes; the download is audited (``document.content_read``) and committed first."""
    doc = get_document(session, actor.org_id, document_id)
    data = content_of(session, doc)
    audit.record(session, actor, "document.content_read", "client_document", doc.id,
                 {"client_id": str(doc.client_id), "sha256": doc.sha256})
    session.commit()
    return doc, data


def content_of(session: Session, doc: ClientDocument) -> bytes:
    """The decrypted bytes of a document row already checked for the caller's organization."""
    row = session.get(ClientDocumentContent, doc.id)
    if row is None or row.organization_id != doc.organization_id:
        raise not_found("document_not_found", "No such document.")
    return row.content


def delete_document(session: Session, actor: AuditActor, document_id: uuid.UUID, now: datetime | None = None) -> None:
    """Soft delete (audited). The bytes stay: a filing that lists it as an exhibit must still reproduce its
    exhibits PDF (docs/documents.md#deletion)."""
    doc = get_document(session, actor.org_id, document_id)
    doc.deleted_at = now or utcnow()
    doc.deleted_by = actor.user_id
    session.add(doc)
    audit.record(session, actor, "document.deleted", "client_document", doc.id, {"client_id": str(doc.client_id)})
    session.commit()


def documents_for_exhibits(session: Session, org_id: uuid.UUID, client_id: uuid.UUID,
                           document_ids: list[uuid.UUID]) -> dict[uuid.UUID, ClientDocument]:
    """The client's live documents among ``document_ids`` (what a new filing may attach); 422
    ``exhibit_not_found`` lists every id that is not one of them."""
    if not document_ids:
        return {}
    rows = session.exec(_live(org_id).where(col(ClientDocument.client_id) == client_id,
                                            col(ClientDocument.id).in_(document_ids))).all()
    found = {d.id: d for d in rows}
    missing = [str(i) for i in document_ids if i not in found]
    if missing:
        raise unprocessable("exhibit_not_found", "An exhibit is not a document of this client.",
                            document_ids=missing)
    return found


def exhibit_parts(session: Session, org_id: uuid.UUID, exhibits: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """``(slip-sheet title, bytes)`` for the exhibits recorded on a filing. Soft-deleted documents are
    included: the filing was drafted with them."""
    parts: list[tuple[str, bytes]] = []
    for ex in exhibits:
        doc = session.get(ClientDocument, uuid.UUID(str(ex["document_id"])))
        if doc is None or doc.organization_id != org_id:
            raise not_found("document_not_found", "An exhibit's document no longer exists.")
        parts.append((f"Exhibit {ex['label']} — {ex['title']}", content_of(session, doc)))
    return parts


def download_name(doc: ClientDocument) -> str:
    """A file name that carries no personal data (the title may name the person)."""
    return f"document-{doc.id}.{EXTENSIONS.get(doc.media_type, 'bin')}"
