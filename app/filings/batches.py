"""Filing batches: one template for a group (or list) of clients, drafted by the job engine.

`create_batch` writes the batch, one `pending` item per client and one `render` job per item in one
transaction (another organization's client or group -> 404 and nothing is created or enqueued). The job
carries the item's id only (docs/architecture.md, "Jobs"): the item row is the durable truth. The task
`filings.render_batch_item` drafts the item through the same path as `POST /clients/{id}/filings` and
records it as `done` (a normal filing) or `failed` (a problem+json dict). It is idempotent: a job can run
again after a worker died mid-render (stalled-job recovery) or even while a slow first run is still
rendering, so completion re-reads the item under a row lock and stores a filing only if the item is still
open - one item never yields two filings.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.clients import groups as clients_groups
from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit, jobs
from app.core.audit import Actor, AuditActor
from app.core.db import Database
from app.core.errors import ProblemError, not_found
from app.core.types import affected, table_of, utcnow
from app.filings import registry
from app.filings.drafting import (
    ATTORNEY_OPTION,
    Draft,
    Drafter,
    build_record,
    check_template,
    clean_options,
    resolve_attorney,
    split_options,
)
from app.filings.errors import RenderBusy, RenderError, RenderFailed
from app.filings.models import BatchItemStatus, BatchStatus, FilingBatch, FilingBatchItem
from app.filings.schemas import MAX_BATCH_CLIENTS, BatchCreate, BatchItemPublic, BatchPublic
from app.filings.service import problem_dict, render_problem, store_draft
from app.notifications import outbox

if TYPE_CHECKING:
    from app.filings.render.renderer import Renderer, RenderResult

log = logging.getLogger("app.filings.batches")
RENDER_TASK = "filings.render_batch_item"
OPEN = (BatchItemStatus.pending.value, BatchItemStatus.running.value)


# --- create / read -------------------------------------------------------------------------------

def _selected_clients(session: Session, org_id: uuid.UUID, body: BatchCreate) -> list[uuid.UUID]:
    if body.group_id is not None:
        group = clients_groups.get_group(session, org_id, body.group_id)  # 404 group_not_found
        return [m.client_id for m in clients_groups.to_detail(session, group).members]
    wanted = list(dict.fromkeys(body.client_ids or []))
    found = set(session.execute(
        clients_service.scoped(org_id).with_only_columns(col(Client.id))
        .where(col(Client.id).in_(wanted))
    ).scalars().all())
    if len(found) != len(wanted):
        # Another organization's client is indistinguishable from a missing one; nothing is created.
        raise not_found("client_not_found", "No such client.")
    return wanted


def create_batch(session: Session, ctx: AuditActor, caller: Drafter, body: BatchCreate) -> FilingBatch:
    """Validate the template, options and selection, and queue one item per client (one commit)."""
    check_template(body.template)
    options, attorney_id = split_options(body.options)
    options, invalid = clean_options(options)
    invalid += registry.invalid_options(body.template, options)
    signer, problems = resolve_attorney(session, caller, attorney_id)
    invalid += problems
    if invalid:
        raise ProblemError(422, "invalid_filing_options", "Some options are not valid for this template.",
                           extra={"invalid": invalid, "missing": []})
    if signer is None and "attorney" in registry.get_spec(body.template).required_fields:
        raise ProblemError(422, "missing_filing_data", "Name the signing attorney: the caller is not one.",
                           extra={"missing": [f"options.{ATTORNEY_OPTION}"], "invalid": []})
    client_ids = _selected_clients(session, ctx.org_id, body)
    if not client_ids:
        raise ProblemError(422, "empty_batch", "The selection contains no clients.")
    if len(client_ids) > MAX_BATCH_CLIENTS:
        raise ProblemError(422, "batch_too_large", f"A batch holds at most {MAX_BATCH_CLIENTS} clients.")
    now = utcnow()
    batch = FilingBatch(
        organization_id=ctx.org_id, template=body.template, group_id=body.group_id, options=options,
        attorney_id=signer.id if signer is not None else None, status=BatchStatus.queued.value,
        total=len(client_ids), created_by=ctx.user_id, created_by_role=ctx.role, request_id=ctx.request_id,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    items = [
        FilingBatchItem(id=uuid.uuid4(), organization_id=ctx.org_id, batch_id=batch.id, client_id=cid, position=i,
                        status=BatchItemStatus.pending.value, created_at=now)
        for i, cid in enumerate(client_ids)
    ]
    session.add_all(items)
    for item in items:
        # Part of this transaction: the job exists if and only if the item does (app/core/jobs.py).
        jobs.defer(session, RENDER_TASK, queue="render", item_id=str(item.id))
    detail: dict[str, Any] = {"template": body.template, "total": len(client_ids)}
    if body.group_id is not None:
        detail["group_id"] = str(body.group_id)
    audit.record(session, ctx, "filing_batch.create", "filing_batch", batch.id, detail)
    session.commit()
    return batch


def get_batch(session: Session, org_id: uuid.UUID, batch_id: uuid.UUID) -> FilingBatch:
    """The organization's batch, or 404 ``batch_not_found``."""
    batch = session.get(FilingBatch, batch_id)
    if batch is None or batch.organization_id != org_id:
        raise not_found("batch_not_found", "No such filing batch.")
    return batch


def batch_view(session: Session, org_id: uuid.UUID, batch_id: uuid.UUID) -> BatchPublic:
    """Progress and one line per client (claimed items are still `pending` to the caller)."""
    batch = get_batch(session, org_id, batch_id)
    items = session.exec(
        select(FilingBatchItem).where(FilingBatchItem.organization_id == org_id,
                                      FilingBatchItem.batch_id == batch.id)
        .order_by(col(FilingBatchItem.position))
    ).all()
    out, done, failed, started = [], 0, 0, False
    for it in items:
        status = it.status
        if status == BatchItemStatus.done:
            done += 1
        elif status == BatchItemStatus.failed:
            failed += 1
        if status != BatchItemStatus.pending:
            started = True
        if status == BatchItemStatus.running:
            status = BatchItemStatus.pending.value
        out.append(BatchItemPublic(client_id=it.client_id, status=status, filing_id=it.filing_id,
                                   error=it.error))
    pending = len(items) - done - failed
    if pending == 0:
        state = BatchStatus.done.value
        if batch.finished_at is None:
            # The last item and the batch's end were committed together between reading the batch and its
            # items (a read sees each statement's own snapshot on PostgreSQL): read the batch again.
            session.refresh(batch)
    elif started:
        state = BatchStatus.running.value
    else:
        state = BatchStatus.queued.value
    return BatchPublic(id=batch.id, template=batch.template, group_id=batch.group_id, status=state,
                       total=batch.total, done=done, failed=failed, pending=pending, created_by=batch.created_by,
                       created_at=batch.created_at, started_at=batch.started_at, finished_at=batch.finished_at,
                       items=out)


# --- the render task (each step one short transaction) -------------------------------------------

def _organization_timezone(session: Session, org_id: uuid.UUID) -> str:
    from app.auth.models import Organization

    org = session.get(Organization, org_id)
    return org.timezone if org is not None and org.timezone else "America/New_York"


def _actor(batch: FilingBatch) -> Actor:
    return Actor(org_id=batch.organization_id, user_id=batch.created_by, role=batch.created_by_role,
                 request_id=batch.request_id)


def start_item(db: Database, item_id: uuid.UUID) -> FilingBatchItem | None:
    """Mark the item `running` (one more attempt) and its batch started; None if it is already finished
    (a job run again after its item was done: nothing to do)."""
    with db.session(write=True) as s:
        table = table_of(FilingBatchItem)
        result = s.execute(sa.update(table).where(table.c.id == item_id, table.c.status.in_(OPEN))
                           .values(status=BatchItemStatus.running.value, attempts=table.c.attempts + 1))
        if affected(result) != 1:
            s.rollback()
            return None
        item = s.get(FilingBatchItem, item_id)
        assert item is not None
        btable = table_of(FilingBatch)
        s.execute(sa.update(btable).where(btable.c.id == item.batch_id, btable.c.status == BatchStatus.queued.value)
                  .values(status=BatchStatus.running.value, started_at=utcnow()))
        s.commit()
        return item


def prepare_item(db: Database, item: FilingBatchItem) -> tuple[Draft, str]:
    """The item's draft (raises ProblemError for missing data, a deleted client, ...)."""
    with db.session() as s:
        batch = get_batch(s, item.organization_id, item.batch_id)
        caller = Drafter(org_id=item.organization_id, user_id=batch.created_by, role=batch.created_by_role,
                        org_timezone=_organization_timezone(s, item.organization_id))
        options = dict(batch.options or {})
        if batch.attorney_id is not None:
            options[ATTORNEY_OPTION] = str(batch.attorney_id)
        draft = build_record(s, caller, item.client_id, batch.template, None, options, utcnow())
        s.rollback()
        return draft, batch.template


def _lock_open_item(s: Session, item_id: uuid.UUID) -> bool:
    """Lock the item's row and tell whether it is still open. Two runs of one job (a stalled job recovered
    while its first run was only slow) serialize here; the second sees `done` and stores nothing. SQLite
    has no row locks, but its writers are serialized and its in-process runner never runs one job twice
    at once."""
    status = s.execute(sa.select(col(FilingBatchItem.status)).where(col(FilingBatchItem.id) == item_id)
                       .with_for_update()).scalar_one_or_none()
    return status in OPEN


def _maybe_finish_batch(s: Session, batch: FilingBatch) -> None:
    # Lock the batch row before counting: two workers finishing the last two items at once would otherwise
    # each count the other's item as still open (its change not yet committed) and neither would finish the
    # batch (write skew; PostgreSQL. SQLite writers are serialized anyway). After the lock, the count sees the
    # other worker's committed item. FOR NO KEY UPDATE (key_share): the filing just stored references the
    # batch, so each transaction already holds a KEY SHARE lock on it, which FOR UPDATE would wait on both
    # ways (a deadlock); NO KEY UPDATE waits only for the other finisher.
    btable = table_of(FilingBatch)
    s.execute(sa.select(btable.c.id).where(btable.c.id == batch.id).with_for_update(key_share=True))
    open_items = s.execute(
        sa.select(sa.func.count()).select_from(FilingBatchItem).where(
            col(FilingBatchItem.organization_id) == batch.organization_id,
            col(FilingBatchItem.batch_id) == batch.id,
            col(FilingBatchItem.status).in_(OPEN))
    ).scalar_one()
    if open_items:
        return
    result = s.execute(sa.update(btable).where(btable.c.id == batch.id, btable.c.status != BatchStatus.done.value)
                       .values(status=BatchStatus.done.value, finished_at=utcnow()))
    if affected(result) == 1:
        counts: dict[str, int] = {str(k): int(v) for k, v in s.execute(
            sa.select(col(FilingBatchItem.status), sa.func.count()).where(col(FilingBatchItem.batch_id) == batch.id)
            .group_by(col(FilingBatchItem.status))).all()}
        audit.record(s, _actor(batch), "filing_batch.done", "filing_batch", batch.id,
                     {"total": batch.total, "done": int(counts.get(BatchItemStatus.done.value, 0)),
                      "failed": int(counts.get(BatchItemStatus.failed.value, 0))})
        # Same transaction as the batch's "done": subscribers hear of it iff it committed (outbox).
        outbox.filing_batch_completed(s, org_id=batch.organization_id, batch_id=batch.id,
                                      status=BatchStatus.done.value, counts=counts)


def complete_item(db: Database, item: FilingBatchItem, template: str, draft: Draft, result: RenderResult) -> bool:
    """Store the filing and mark the item done, in one transaction; False if another run finished it."""
    with db.session(write=True) as s:
        if not _lock_open_item(s, item.id):
            s.rollback()
            return False
        batch = get_batch(s, item.organization_id, item.batch_id)
        filing = store_draft(s, _actor(batch), item.client_id, template, draft, result, batch_id=batch.id)
        table = table_of(FilingBatchItem)
        s.execute(sa.update(table).where(table.c.id == item.id).values(
            status=BatchItemStatus.done.value, filing_id=filing.id, error=None, finished_at=utcnow()))
        _maybe_finish_batch(s, batch)
        s.commit()
        return True


def fail_item(db: Database, item: FilingBatchItem, error: dict[str, Any]) -> None:
    """Record the item as `failed` with its problem (visible in the batch view and the zip's manifest)."""
    with db.session(write=True) as s:
        if not _lock_open_item(s, item.id):
            s.rollback()
            return
        batch = get_batch(s, item.organization_id, item.batch_id)
        table = table_of(FilingBatchItem)
        s.execute(sa.update(table).where(table.c.id == item.id).values(
            status=BatchItemStatus.failed.value, error=error, finished_at=utcnow()))
        audit.record(s, _actor(batch), "filing_batch.item_failed", "filing_batch", batch.id,
                     {"client_id": str(item.client_id), "code": error.get("code")})
        _maybe_finish_batch(s, batch)
        s.commit()


def _retry_or_fail(db: Database, item: FilingBatchItem, exc: Exception, problem: ProblemError) -> None:
    """A transient failure: raise it so the engine retries with backoff, unless this run was the last one;
    then the item ends `failed` with the problem (the job itself ends successfully: its outcome is in the
    item row, which is what people read)."""
    if jobs.is_last_attempt():
        fail_item(db, item, problem_dict(problem))
        return
    raise exc


@jobs.task(RENDER_TASK, queue="render")
def render_batch_item(item_id: str) -> None:
    """Draft one batch item. Data problems (missing fields, a deleted client) fail the item at once: a retry
    cannot fix them. Renderer failures are retried by the engine (three runs in all)."""
    db: Database = jobs.resource("database")
    renderer: Renderer = jobs.resource("filings.renderer")
    item = start_item(db, uuid.UUID(item_id))
    if item is None:
        return
    try:
        draft, template = prepare_item(db, item)
    except ProblemError as exc:
        fail_item(db, item, problem_dict(exc))
        return
    except Exception as exc:  # noqa: BLE001 - e.g. the database briefly unavailable
        log.exception("filing batch item could not be prepared: %s", type(exc).__name__)
        _retry_or_fail(db, item, exc, ProblemError(500, "internal_error", "Internal error."))
        return
    try:
        result = renderer.render(template, draft.context)
    except (RenderBusy, RenderFailed) as exc:
        # RenderFailed subclasses (timeouts, page limits) are properties of the document: no retry.
        if isinstance(exc, RenderBusy) or type(exc) is RenderFailed:
            _retry_or_fail(db, item, exc, render_problem(exc))
        else:
            fail_item(db, item, problem_dict(render_problem(exc)))
        return
    except (RenderError, registry.FilingDataError) as exc:
        fail_item(db, item, problem_dict(render_problem(exc)))
        return
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
        log.exception("filing batch item failed: %s", type(exc).__name__)
        _retry_or_fail(db, item, exc, ProblemError(500, "internal_error", "Internal error."))
        return
    complete_item(db, item, template, draft, result)


@jobs.recovery
def open_items(session: Session) -> Iterator[tuple[str, dict[str, jobs.JobArg]]]:
    """Where jobs are not durable (the in-process runner on SQLite), the open items are the jobs to run
    again at start-up: a stopped process loses its queue, never the rows."""
    ids = session.execute(sa.select(col(FilingBatchItem.id)).where(col(FilingBatchItem.status).in_(OPEN))
                          .order_by(col(FilingBatchItem.created_at), col(FilingBatchItem.position))).scalars()
    for item_id in ids:
        yield RENDER_TASK, {"item_id": str(item_id)}


def open_count(db: Database) -> int:
    with db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(FilingBatchItem).where(
            col(FilingBatchItem.status).in_(OPEN))).scalar_one())
