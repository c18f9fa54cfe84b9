"""Process pool for PDF renders: CPU-count workers, wall-clock timeout with a hard kill,
page cap, memory cap per worker, and bounded admission (running + queued) -> RenderBusy.

A timed-out render cannot be cancelled inside ProcessPoolExecutor, so the whole pool is killed
and replaced (the hung worker must not stay). Renders that were running in the killed pool are
retried once on the new pool. A worker that died on its own (crash, memory cap, SIGKILL from the
OS) breaks its ProcessPoolExecutor for good: the first render to notice replaces the pool and fails
with RenderFailed (503 ``render_failed``, nothing stored; not retried, since its document may be what
killed the worker), other renders that were in flight on that pool are retried once (the executor
does not tell which job the dead worker held), and every later render runs on the new pool.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from app.filings.errors import RenderBusy, RenderError, RenderFailed, RenderTimeout
from app.filings.registry import FilingDataError, check
from app.filings.render.pdf import DEFAULT_MAX_PAGES, DEFAULT_VARIANT, resolve_variant
from app.filings.render.preflight import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from app.filings.render.pipeline import RenderResult
    from app.filings.viewmodels import FilingRecord

log = logging.getLogger("app.filings.render.pool")

_WARM_HTML = (
    '<html><head><link rel="stylesheet" href="static/filing.css"></head>'
    "<body><p>Warm up José محمد 王小明</p></body></html>"
)


def _init_worker(memory_limit_bytes: int | None, nice: int = 0) -> None:
    """Worker start: lower the CPU priority, cap address space, load WeasyPrint, fonts and templates once.

    ``nice``: a render is a few hundred milliseconds of CPU; at a lower priority it takes the cores only
    when the API processes leave them idle, so reads and writes stay responsive while a batch renders."""
    if nice:
        os.nice(nice)
    if memory_limit_bytes:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_limit_bytes if hard == resource.RLIM_INFINITY else min(hard, memory_limit_bytes)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    from app.filings.render.pdf import render_pdf_bytes
    from app.filings.render.pipeline import get_environment

    get_environment()
    render_pdf_bytes(_WARM_HTML, max_pages=2)
    # WeasyPrint, its fonts and the templates are a heap of millions of objects that live as long as the worker.
    # Left to the cyclic collector they were rescanned at every full collection: 0.7-1.4 s pauses, several per
    # minute of renders, on the CPU the API needs too (bench/load.py). Freezing keeps them out of those scans.
    gc.collect()
    gc.freeze()


def _ping() -> int:
    return os.getpid()


def _consume(future: Any) -> None:
    """Mark an abandoned future's outcome as retrieved (no "never retrieved" noise)."""
    if not future.cancelled():
        future.exception()


def _job(key: str, ctx_json: str, max_pages: int | None, variant: str | None, max_bytes: int) -> Any:
    from app.filings.render.pipeline import render_filing
    from app.filings.viewmodels import FilingRecord

    ctx = FilingRecord.model_validate_json(ctx_json)
    return render_filing(key, ctx, max_pages=max_pages, pdf_variant=variant, max_bytes=max_bytes)


class Renderer:
    """Bounded, killable process pool for filings. One per process (e.g. on app state)."""

    def __init__(
        self,
        max_workers: int | None = None,
        *,
        timeout: float = 60.0,
        max_pages: int | None = DEFAULT_MAX_PAGES,
        queue_limit: int | None = None,
        queue_timeout: float = 30.0,
        retry_after: int = 5,
        memory_limit_mb: int | None = 2048,
        max_bytes: int = DEFAULT_MAX_BYTES,
        mp_context: str = "forkserver",
        max_tasks_per_child: int | None = None,
        job: Any = None,
        nice: int = 0,
    ) -> None:
        self.max_workers = max_workers or os.cpu_count() or 1
        self.timeout = timeout
        self.max_pages = max_pages
        self.queue_limit = self.max_workers * 2 if queue_limit is None else queue_limit
        self.queue_timeout = queue_timeout
        self.retry_after = retry_after
        self.memory_limit = memory_limit_mb * 1024 * 1024 if memory_limit_mb else None
        self.max_bytes = max_bytes
        self.max_tasks_per_child = max_tasks_per_child
        self.nice = nice
        # What a worker runs for one render: ``_job(key, ctx_json, max_pages, variant, max_bytes)``. Tests
        # substitute a picklable wrapper (e.g. one that holds a worker mid-render until it is killed).
        self.job: Any = job or _job
        self._mp = multiprocessing.get_context(mp_context)
        if mp_context == "forkserver":
            self._mp.set_forkserver_preload(["app.filings.render.pipeline"])
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(self.max_workers)
        self._admitted = 0
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0
        self._killed: set[int] = set()
        self._closed = False

    # ---- pool lifecycle -------------------------------------------------------------------
    def _new_executor(self) -> ProcessPoolExecutor:
        kwargs: dict[str, Any] = {}
        if self.max_tasks_per_child:
            kwargs["max_tasks_per_child"] = self.max_tasks_per_child
        return ProcessPoolExecutor(
            max_workers=self.max_workers, mp_context=self._mp, initializer=_init_worker,
            initargs=(self.memory_limit, self.nice), **kwargs,
        )

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._closed:
                raise RenderFailed("renderer is shut down")
            if self._executor is None:
                self._executor = self._new_executor()
            return self._executor, self._generation

    def start(self, wait: bool = True) -> None:
        """Spawn and warm every worker now instead of on the first request."""
        executor, _ = self._current()
        futures = [executor.submit(_ping) for _ in range(self.max_workers)]
        if wait:
            for f in futures:
                f.result(timeout=max(self.timeout, 120))

    def _kill(self, generation: int, reason: str = "a timeout") -> None:
        with self._lock:
            if generation != self._generation or self._executor is None:
                return  # somebody already replaced this pool
            executor, self._executor = self._executor, None
            self._killed.add(generation)
            self._generation += 1
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for process in processes:
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        log.warning("render pool replaced after %s; %d workers replaced", reason, len(processes))
        threading.Thread(target=self._safe_start, daemon=True).start()

    def _safe_start(self) -> None:
        if self._closed:
            return
        try:
            self.start(wait=False)
        except Exception:  # a later request will create the pool again
            log.warning("could not pre-start the render pool")

    def shutdown(self) -> None:
        """Stop the workers (at application shutdown); the renderer cannot be used after."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            self._generation += 1
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    # ---- admission ------------------------------------------------------------------------
    def _admit(self) -> None:
        with self._lock:
            if self._admitted >= self.max_workers + self.queue_limit:
                raise RenderBusy(self.retry_after)
            self._admitted += 1

    def _leave(self, slot: bool) -> None:
        if slot:
            self._slots.release()
        with self._lock:
            self._admitted -= 1

    def _leave_later(self, slot: bool) -> Any:
        def callback(_future: Any) -> None:
            self._leave(slot)

        return callback

    def _job_args(self, key: str, ctx: FilingRecord, variant: str | None) -> tuple[Any, ...]:
        variant = resolve_variant(variant)  # ValueError if unsupported; the default resolved here, once
        check(key, ctx)  # fail fast, before any queueing: FilingDataError
        return (key, ctx.model_dump_json(), self.max_pages, variant, self.max_bytes)

    def _broken(self, generation: int, attempt: int) -> bool:
        """After BrokenProcessPool: True to retry (the pool was killed for someone else)."""
        with self._lock:
            killed_by_timeout = generation in self._killed
        if not killed_by_timeout:
            self._kill(generation, "a worker died")  # a worker died on its own: replace the broken pool
        return killed_by_timeout and attempt == 0

    # ---- sync -----------------------------------------------------------------------------
    def render(
        self, key: str, ctx: FilingRecord, *, pdf_variant: str | None = DEFAULT_VARIANT
    ) -> RenderResult:
        """Render in the pool, blocking this thread (not for the event loop)."""
        args = self._job_args(key, ctx, pdf_variant)
        self._admit()
        slot = False
        try:
            slot = self._slots.acquire(timeout=self.queue_timeout)
            if not slot:
                raise RenderBusy(self.retry_after)
            for attempt in (0, 1):
                executor, generation = self._current()
                try:
                    future: Future[Any] = executor.submit(self.job, *args)
                    return future.result(timeout=self.timeout)  # type: ignore[no-any-return]
                except FuturesTimeout:
                    self._kill(generation)
                    raise RenderTimeout(f"render exceeded {self.timeout} s") from None
                except (BrokenProcessPool, RuntimeError):  # pool broke or was replaced meanwhile
                    if not self._broken(generation, attempt):
                        raise RenderFailed("render worker stopped") from None
                except (RenderError, FilingDataError):
                    raise
                except Exception as exc:  # e.g. MemoryError under the worker's memory cap
                    log.warning("render failed in worker: %s", type(exc).__name__)
                    raise RenderFailed("the document could not be rendered") from None
            raise RenderFailed("render worker stopped")
        finally:
            self._leave(slot)

    # ---- async ----------------------------------------------------------------------------
    async def _acquire_slot(self) -> bool:
        deadline = time.monotonic() + self.queue_timeout
        delay = 0.005
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
        return True

    async def render_async(
        self, key: str, ctx: FilingRecord, *, pdf_variant: str | None = DEFAULT_VARIANT
    ) -> RenderResult:
        """Render in the pool without blocking the event loop."""
        args = self._job_args(key, ctx, pdf_variant)
        self._admit()
        slot = False
        handed_off = False
        try:
            slot = await self._acquire_slot()
            if not slot:
                raise RenderBusy(self.retry_after)
            loop = asyncio.get_running_loop()
            for attempt in (0, 1):
                executor, generation = self._current()
                try:
                    future = loop.run_in_executor(executor, self.job, *args)
                except (BrokenProcessPool, RuntimeError):  # pool replaced between the two lines
                    if not self._broken(generation, attempt):
                        raise RenderFailed("render worker stopped") from None
                    continue
                future.add_done_callback(_consume)
                try:
                    result: RenderResult = await asyncio.wait_for(asyncio.shield(future), self.timeout)
                    return result
                except TimeoutError:
                    self._kill(generation)
                    raise RenderTimeout(f"render exceeded {self.timeout} s") from None
                except BrokenProcessPool:
                    if not self._broken(generation, attempt):
                        raise RenderFailed("render worker stopped") from None
                except (RenderError, FilingDataError):
                    raise
                except asyncio.CancelledError:
                    # Caller went away; the worker is still busy: free the slot when it is done.
                    handed_off = True
                    future.add_done_callback(self._leave_later(slot))
                    raise
                except Exception as exc:  # e.g. MemoryError under the worker's memory cap
                    log.warning("render failed in worker: %s", type(exc).__name__)
                    raise RenderFailed("the document could not be rendered") from None
            raise RenderFailed("render worker stopped")
        finally:
            if not handed_off:
                self._leave(slot)
