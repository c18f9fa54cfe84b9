"""API schemas of the documents domain."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from app.documents.models import ClientDocument


class DocumentPublic(BaseModel):
    id: uuid.UUID
    client_id: uuid.UUID
    title: str
    kind: str
    document_date: date | None
    media_type: str
    sha256: str
    bytes: int
    pages: int
    width: int | None
    height: int | None
    created_by: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, doc: ClientDocument) -> DocumentPublic:
        return cls(id=doc.id, client_id=doc.client_id, title=doc.title, kind=doc.kind,
                   document_date=doc.document_date, media_type=doc.media_type, sha256=doc.sha256,
                   bytes=doc.bytes, pages=doc.pages, width=doc.width, height=doc.height,
                   created_by=doc.created_by, created_at=doc.created_at)
