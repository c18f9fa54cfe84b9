"""Reading filing batches after the fact: the organization's batches as a list, and one batch's PDFs as a zip.

A paralegal who queued petitions for a group needs to find the batch again and hand its documents to the
attorney who signs them. The zip holds each finished filing's PDF, named by position and client so the files
sort in the batch's order, and a ``manifest.csv`` with one line per client (filing id, status, SHA-256, or the
problem that stopped it). Reading the zip is audited like reading a PDF. Clients deleted since the batch ran
are left out: their records are kept for the audit trail, not served.
"""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
import zipfile
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit
from app.core.audit import AuditActor
from app.core.spreadsheet import csv_text
from app.filings.batches import get_batch
from app.filings.models import BatchItemStatus, Filing, FilingBatch, FilingBatchItem, FilingDocument
from app.filings.schemas import BatchSummary

# A fixed timestamp for every member: the same batch gives the same zip bytes (and no clock leaks into it).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def list_batches(session: Session, org_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[BatchSummary], int]:
    """The organization's batches, newest first, with their item counts (one query for the page's counts)."""
    conds = [col(FilingBatch.organization_id) == org_id]
    total = int(session.execute(sa.select(sa.func.count()).select_from(FilingBatch).where(*conds)).scalar_one())
    batches = list(session.scalars(sa.select(FilingBatch).where(*conds)
                                   .order_by(col(FilingBatch.created_at).desc(), col(FilingBatch.id))
                                   .limit(limit).offset(offset)))
    counts: dict[tuple[uuid.UUID, str], int] = {}
    if batches:
        rows = session.execute(
            sa.select(col(FilingBatchItem.batch_id), col(FilingBatchItem.status), sa.func.count())
            .where(col(FilingBatchItem.organization_id) == org_id,
                   col(FilingBatchItem.batch_id).in_([b.id for b in batches]))
            .group_by(col(FilingBatchItem.batch_id), col(FilingBatchItem.status))).all()
        counts = {(r[0], r[1]): int(r[2]) for r in rows}
    out = []
    for b in batches:
        done = counts.get((b.id, BatchItemStatus.done.value), 0)
        failed = counts.get((b.id, BatchItemStatus.failed.value), 0)
        pending = b.total - done - failed
        status = "done" if pending == 0 else ("running" if done or failed or b.started_at else "queued")
        out.append(BatchSummary(id=b.id, template=b.template, group_id=b.group_id, status=status, total=b.total,
                                done=done, failed=failed, pending=pending, created_by=b.created_by,
                                created_at=b.created_at, started_at=b.started_at, finished_at=b.finished_at))
    return out, total


def _file_part(text: str) -> str:
    """A name that is safe in any file system and readable: ASCII letters, digits and hyphens."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")[:60] or "client"


def batch_zip(actor: AuditActor, session: Session, batch_id: uuid.UUID) -> tuple[bytes, str]:
    """(zip bytes, file name) of the batch's finished PDFs and its manifest; audited, committed."""
    batch = get_batch(session, actor.org_id, batch_id)
    items = list(session.scalars(sa.select(FilingBatchItem).where(
        col(FilingBatchItem.organization_id) == actor.org_id, col(FilingBatchItem.batch_id) == batch.id)
        .order_by(col(FilingBatchItem.position))))
    live = set(session.scalars(sa.select(col(Client.id)).where(
        col(Client.organization_id) == actor.org_id, col(Client.deleted_at).is_(None),
        col(Client.id).in_([i.client_id for i in items]))))
    items = [i for i in items if i.client_id in live]
    names = clients_service.labels(session, actor.org_id, (i.client_id for i in items))
    filings = {f.id: f for f in session.scalars(sa.select(Filing).where(
        col(Filing.organization_id) == actor.org_id,
        col(Filing.id).in_([i.filing_id for i in items if i.filing_id])))}
    buffer = io.BytesIO()
    manifest: list[list[Any]] = []
    included = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for item in items:
            label = names.get(item.client_id)
            display = label.display_name if label else str(item.client_id)
            filing = filings.get(item.filing_id) if item.filing_id else None
            doc = session.get(FilingDocument, filing.id) if filing is not None else None
            name = ""
            if filing is not None and doc is not None:
                name = f"{item.position + 1:03d}-{_file_part(display)}-{batch.template}.pdf"
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, doc.pdf)
                included += 1
            error = (item.error or {}).get("code", "") if item.error else ""
            manifest.append([item.position + 1, str(item.client_id), display, item.status,
                             str(item.filing_id or ""), filing.sha256 if filing is not None else "", error, name])
        info = zipfile.ZipInfo("manifest.csv", date_time=_ZIP_TIME)
        zf.writestr(info, csv_text(["position", "client_id", "client", "status", "filing_id", "sha256", "error",
                                    "file"], manifest))
    audit.record(session, actor, "filing_batch.zip_read", "filing_batch", batch.id,
                 {"pdfs": included, "items": len(items)})
    session.commit()
    stamp = batch.created_at.strftime("%Y%m%d") if isinstance(batch.created_at, datetime) else "batch"
    return buffer.getvalue(), f"batch-{batch.template}-{stamp}-{str(batch.id)[:8]}.zip"
