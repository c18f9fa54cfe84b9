"""Exhibits on filings: client documents attached to a draft, listed in its exhibit index and merged into one
exhibits PDF with a slip sheet and a bookmark per exhibit (docs/documents.md#exhibits-on-filings).

The exhibit list is part of the filing's input snapshot (``FilingRecord.exhibits``, encrypted with it), so a
filing reproduces its exhibits PDF from what it was drafted with, even after a document is soft-deleted.
The review item "the exhibit index lists unattached exhibits" (docs/filings-review.md, O7) is answered here:
the index prints these attachments, not a list guessed from the record.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from sqlmodel import Session

from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, unprocessable
from app.documents import service as documents_service
from app.documents.merge import exhibit_label, merge_pdfs
from app.filings.drafting import Draft
from app.filings.models import Filing
from app.filings.schemas import ExhibitRef
from app.filings.viewmodels import ExhibitView


def attach(session: Session, org_id: uuid.UUID, client_id: uuid.UUID, draft: Draft,
           refs: Sequence[ExhibitRef]) -> Draft:
    """The draft with its exhibits: documents of the same client, live, each once, labels unique (422)."""
    ids = [r.document_id for r in refs]
    if len(set(ids)) != len(ids):
        raise unprocessable("exhibit_duplicate", "A document is attached more than once.")
    labels = [(r.label or exhibit_label(i)).upper() for i, r in enumerate(refs)]
    if len(set(labels)) != len(labels):
        raise unprocessable("exhibit_duplicate", "Two exhibits have the same label.")
    docs = documents_service.documents_for_exhibits(session, org_id, client_id, ids)
    views = [ExhibitView(document_id=r.document_id, label=label, title=docs[r.document_id].title,
                         pages=docs[r.document_id].pages) for r, label in zip(refs, labels, strict=True)]
    return dataclasses.replace(draft, context=draft.context.model_copy(update={"exhibits": views}))


def exhibits_pdf(session: Session, actor: AuditActor, filing: Filing) -> bytes:
    """The filing's exhibits as one PDF (slip sheet "Exhibit A — title" before each, one bookmark each); the
    read is audited (``filing.exhibits_read``) and committed before the bytes are returned."""
    exhibits = filing.input_snapshot.get("exhibits") or []
    if not exhibits:
        raise ProblemError(404, "no_exhibits", "This filing has no exhibits attached.")
    parts = documents_service.exhibit_parts(session, actor.org_id, exhibits)
    pdf = merge_pdfs(parts, slip_sheets=True)
    audit.record(session, actor, "filing.exhibits_read", "filing", filing.id,
                 {"client_id": str(filing.client_id), "exhibits": len(parts)})
    session.commit()
    return pdf
