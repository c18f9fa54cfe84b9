"""Filing batches: one template for a group (or list) of clients, drafted in the background.

`create_batch` writes the batch and one `pending` item per client in one transaction (another
organization's client or group -> 404 and nothing is created). `BatchWorker` is an asyncio task
started with the application: it claims pending items (all organizations: it is a system process;
every query it runs for an item is scoped to that item's organization), drafts each through the same
path as `POST /clients/{id}/filings` with up to `concurrency` renders in flight, and records each
item as `done` (a normal filing) or `failed` (a problem+json dict). Items left `running` by a stopped
process are re-queued when the next one starts; completion is conditional on the item's claim token,
so a re-queued item never yields two filings.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app.clients import groups as clients_groups
from app.clients import service as clients_service
from app.clients.models import Client
from app.core import audit
from app.core.db import Database
from app.core.errors import ProblemError, not_found
from app.core.types import utcnow
from app.filings import registry
from app.filings.context import (
    ATTORNEY_OPTION,
    Caller,
    Draft,
    build_context,
    check_template,
    clean_options,
    resolve_attorney,
    split_options,
)
from app.filings.errors import RenderBusy, RenderError, RenderFailed
from app.filings.models import BatchItemStatus, BatchStatus, FilingBatch, FilingBatchItem
from app.filings.render.gate import RenderGate
from app.filings.schemas import MAX_BATCH_CLIENTS, BatchCreate, BatchItemPublic, BatchPublic
from app.filings.service import Actor, problem_dict, render_problem, store_draft

if TYPE_CHECKING:
    from app.filings.render.renderer import Renderer, RenderResult

log = logging.getLogger("app.filings.batches")
MAX_ATTEMPTS = 3  # claims of one item (transient render failures are retried)


# --- create / read -------------------------------------------------------------------------------

def _selected_clients(session: Session, org_id: uuid.UUID, body: BatchCreate) -> list[uuid.UUID]:
    if body.group_id is not None:
        group = clients_groups.get_group(session, org_id, body.group_id)  # 404 group_not_found
        return [m.client_id for m in clients_groups.to_detail(session, group).members]
    wanted = list(dict.fromkeys(body.client_ids or []))
    found = set(session.execute(
        clients_service.scoped(org_id).with_only_columns(Client.id)
        .where(Client.id.in_(wanted))  # type: ignore[attr-defined]
    ).scalars().all())
    if len(found) != len(wanted):
        # Another organization's client is indistinguishable from a missing one; nothing is created.
        raise not_found("client_not_found", "No such client.")
    return wanted


def create_batch(session: Session, ctx: Any, caller: Caller, body: BatchCreate) -> FilingBatch:
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
    session.add_all([
        FilingBatchItem(organization_id=ctx.org_id, batch_id=batch.id, client_id=cid, position=i,
                        status=BatchItemStatus.pending.value, created_at=now)
        for i, cid in enumerate(client_ids)
    ])
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
        .order_by(FilingBatchItem.position)  # type: ignore[arg-type]
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


# --- worker steps (each one short transaction, run in a thread) ---------------------------------

@dataclass(frozen=True)
class Claim:
    item_id: uuid.UUID
    token: uuid.UUID
    org_id: uuid.UUID
    batch_id: uuid.UUID
    client_id: uuid.UUID
    attempts: int


def requeue_interrupted(db: Database) -> int:
    """Put items a stopped process left `running` back to `pending` (start-up)."""
    with db.session(write=True) as s:
        table = FilingBatchItem.__table__  # type: ignore[attr-defined]
        result = s.execute(sa.update(table).where(table.c.status == BatchItemStatus.running.value)
                           .values(status=BatchItemStatus.pending.value, claim_token=None, claimed_at=None))
        s.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_items(db: Database, limit: int) -> list[Claim]:
    """Claim up to `limit` pending items, oldest first (compare-and-set on the status)."""
    if limit <= 0:
        return []
    with db.session(write=True) as s:
        rows = s.exec(
            select(FilingBatchItem).where(FilingBatchItem.status == BatchItemStatus.pending.value)
            .order_by(FilingBatchItem.created_at, FilingBatchItem.position)  # type: ignore[arg-type]
            .limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not rows:
            s.rollback()
            return []
        table = FilingBatchItem.__table__  # type: ignore[attr-defined]
        now = utcnow()
        claims = []
        for it in rows:
            token = uuid.uuid4()
            result = s.execute(
                sa.update(table).where(table.c.id == it.id, table.c.status == BatchItemStatus.pending.value)
                .values(status=BatchItemStatus.running.value, claim_token=token, claimed_at=now,
                        attempts=table.c.attempts + 1))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claims.append(Claim(it.id, token, it.organization_id, it.batch_id, it.client_id, it.attempts + 1))
        btable = FilingBatch.__table__  # type: ignore[attr-defined]
        for batch_id in {c.batch_id for c in claims}:
            s.execute(sa.update(btable).where(btable.c.id == batch_id,
                                              btable.c.status == BatchStatus.queued.value)
                      .values(status=BatchStatus.running.value, started_at=now))
        s.commit()
        return claims


def _organization_timezone(session: Session, org_id: uuid.UUID) -> str:
    from app.auth.models import Organization

    org = session.get(Organization, org_id)
    return org.timezone if org is not None and org.timezone else "America/New_York"


def prepare_item(db: Database, claim: Claim) -> tuple[Draft, str]:
    """The item's draft (raises ProblemError for missing data, a deleted client, ...)."""
    with db.session() as s:
        batch = get_batch(s, claim.org_id, claim.batch_id)
        caller = Caller(org_id=claim.org_id, user_id=batch.created_by, role=batch.created_by_role,
                        org_timezone=_organization_timezone(s, claim.org_id))
        options = dict(batch.options or {})
        if batch.attorney_id is not None:
            options[ATTORNEY_OPTION] = str(batch.attorney_id)
        draft = build_context(s, caller, claim.client_id, batch.template, None, options, utcnow())
        s.rollback()
        return draft, batch.template


def _actor(batch: FilingBatch) -> Actor:
    return Actor(org_id=batch.organization_id, user_id=batch.created_by, role=batch.created_by_role,
                 request_id=batch.request_id)


def _finish_item(s: Session, claim: Claim, **values: Any) -> bool:
    table = FilingBatchItem.__table__  # type: ignore[attr-defined]
    result = s.execute(
        sa.update(table).where(table.c.id == claim.item_id, table.c.claim_token == claim.token,
                               table.c.status == BatchItemStatus.running.value)
        .values(finished_at=utcnow(), **values))
    return result.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def _maybe_finish_batch(s: Session, batch: FilingBatch) -> None:
    # Lock the batch row before counting: two workers finishing the last two items at once would otherwise
    # each count the other's item as still open (its change not yet committed) and neither would finish the
    # batch (write skew; PostgreSQL. SQLite writers are serialized anyway). After the lock, the count sees the
    # other worker's committed item. FOR NO KEY UPDATE (key_share): the filing just stored references the
    # batch, so each transaction already holds a KEY SHARE lock on it, which FOR UPDATE would wait on both
    # ways (a deadlock); NO KEY UPDATE waits only for the other finisher.
    btable = FilingBatch.__table__  # type: ignore[attr-defined]
    s.execute(sa.select(btable.c.id).where(btable.c.id == batch.id).with_for_update(key_share=True))
    open_items = s.execute(
        sa.select(sa.func.count()).select_from(FilingBatchItem).where(
            col(FilingBatchItem.organization_id) == batch.organization_id,
            col(FilingBatchItem.batch_id) == batch.id,
            col(FilingBatchItem.status).in_([BatchItemStatus.pending.value, BatchItemStatus.running.value]))
    ).scalar_one()
    if open_items:
        return
    result = s.execute(sa.update(btable).where(btable.c.id == batch.id, btable.c.status != BatchStatus.done.value)
                       .values(status=BatchStatus.done.value, finished_at=utcnow()))
    if result.rowcount == 1:  # type: ignore[attr-defined]
        counts: dict[str, int] = {str(k): int(v) for k, v in s.execute(
            sa.select(col(FilingBatchItem.status), sa.func.count()).where(col(FilingBatchItem.batch_id) == batch.id)
            .group_by(col(FilingBatchItem.status))).all()}
        audit.record(s, _actor(batch), "filing_batch.done", "filing_batch", batch.id,
                     {"total": batch.total, "done": int(counts.get(BatchItemStatus.done.value, 0)),
                      "failed": int(counts.get(BatchItemStatus.failed.value, 0))})


def complete_item(db: Database, claim: Claim, template: str, draft: Draft, result: RenderResult) -> bool:
    """Store the filing and mark the item done, in one transaction; False if the claim was lost."""
    with db.session(write=True) as s:
        batch = get_batch(s, claim.org_id, claim.batch_id)
        filing = store_draft(s, _actor(batch), claim.client_id, template, draft, result, batch_id=batch.id)
        if not _finish_item(s, claim, status=BatchItemStatus.done.value, filing_id=filing.id, error=None):
            s.rollback()  # re-queued and taken by another worker: its filing wins
            return False
        _maybe_finish_batch(s, batch)
        s.commit()
        return True


def fail_item(db: Database, claim: Claim, error: dict[str, Any]) -> None:
    with db.session(write=True) as s:
        batch = get_batch(s, claim.org_id, claim.batch_id)
        if not _finish_item(s, claim, status=BatchItemStatus.failed.value, error=error):
            s.rollback()
            return
        audit.record(s, _actor(batch), "filing_batch.item_failed", "filing_batch", batch.id,
                     {"client_id": str(claim.client_id), "code": error.get("code")})
        _maybe_finish_batch(s, batch)
        s.commit()


def release_item(db: Database, claim: Claim) -> None:
    """Give a claimed item back (renderer busy, transient failure)."""
    with db.session(write=True) as s:
        table = FilingBatchItem.__table__  # type: ignore[attr-defined]
        s.execute(sa.update(table).where(table.c.id == claim.item_id, table.c.claim_token == claim.token,
                                         table.c.status == BatchItemStatus.running.value)
                  .values(status=BatchItemStatus.pending.value, claim_token=None, claimed_at=None))
        s.commit()


def pending_count(db: Database) -> int:
    with db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(FilingBatchItem).where(
            FilingBatchItem.status.in_([BatchItemStatus.pending.value,  # type: ignore[attr-defined]
                                        BatchItemStatus.running.value]))).scalar_one())


# --- the worker ----------------------------------------------------------------------------------

class BatchWorker:
    """Background drafting of batch items with up to `concurrency` renders in flight.

    Twice as many items as renders are claimed, so that while one item renders the next one's context is
    already built and it starts the moment a render slot frees (the render workers never wait for the
    database work between items)."""

    def __init__(self, db: Database, renderer: Renderer, *, gate: RenderGate | None = None,
                 concurrency: int | None = None, poll_seconds: float = 2.0) -> None:
        self.db = db
        self.renderer = renderer
        self.concurrency = max(1, concurrency or renderer.max_workers)
        # Shared with the draft route, which goes first: a batch never starves interactive drafting.
        self.gate = gate or RenderGate(self.concurrency)
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self.processed = 0

    async def start(self) -> None:
        """Start the loop, which first re-queues interrupted items. Touches no database here: a server
        started during a database outage must come up (docs/security-model.md#concurrency-and-faults) and catch up when
        it returns."""
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="filing-batch-worker")

    async def _requeue(self) -> None:
        delay = 1.0
        while True:
            try:
                requeued = await run_in_threadpool(requeue_interrupted, self.db)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - database unavailable: try again later
                log.warning("filing batch worker waits for the database (%s)", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if requeued:
                log.info("re-queued %d interrupted filing batch items", requeued)
            return

    def notify(self) -> None:
        """New items were queued (call from the event loop's thread)."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        """Stop claiming; cancel items in flight (they stay `running` and are re-queued at the next start)."""
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    async def run_until_idle(self) -> None:
        """Process until nothing is pending (CLI `dueprocess filings resume`)."""
        while True:
            await self._fill()
            if not self._inflight:
                if await run_in_threadpool(pending_count, self.db) == 0:
                    return
                await asyncio.sleep(self.poll_seconds)
                continue
            await asyncio.wait(set(self._inflight), return_when=asyncio.FIRST_COMPLETED)

    async def _fill(self) -> int:
        free = 2 * self.concurrency - len(self._inflight)
        claims = await run_in_threadpool(claim_items, self.db, free) if free > 0 else []
        for claim in claims:
            task = asyncio.create_task(self._process(claim))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        return len(claims)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self.processed += 1
        if self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        assert self._wake is not None
        await self._requeue()
        while True:
            self._wake.clear()
            try:
                await self._fill()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly unavailable: try again later
                log.exception("filing batch worker could not claim items")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def _process(self, claim: Claim) -> None:
        try:
            draft, template = await run_in_threadpool(prepare_item, self.db, claim)
            async with self.gate.slot(interactive=False):
                result = await self.renderer.render_async(template, draft.context)
            await run_in_threadpool(complete_item, self.db, claim, template, draft, result)
        except asyncio.CancelledError:
            raise
        except ProblemError as exc:
            await run_in_threadpool(fail_item, self.db, claim, problem_dict(exc))
        except RenderBusy as exc:
            await run_in_threadpool(release_item, self.db, claim)
            await asyncio.sleep(min(exc.retry_after, 5))
        except RenderFailed as exc:
            if claim.attempts < MAX_ATTEMPTS and type(exc) is RenderFailed:
                await run_in_threadpool(release_item, self.db, claim)
            else:
                await run_in_threadpool(fail_item, self.db, claim, problem_dict(render_problem(exc)))
        except (RenderError, registry.FilingDataError) as exc:
            await run_in_threadpool(fail_item, self.db, claim, problem_dict(render_problem(exc)))
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
            log.exception("filing batch item failed: %s", type(exc).__name__)
            if claim.attempts < MAX_ATTEMPTS:
                await run_in_threadpool(release_item, self.db, claim)
            else:
                await run_in_threadpool(fail_item, self.db, claim,
                                        problem_dict(ProblemError(500, "internal_error", "Internal error.")))
