"""The process-pool renderer: async and sync renders, page cap before writing, wall-clock timeout
that kills and replaces the worker, bounded admission (docs/security-model.md#attack-catalogue-R3)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from app.filings.errors import PageLimitExceeded, RenderBusy, RenderTimeout
from app.filings.registry import FilingDataError
from app.filings.render.pdf import layout_and_write
from app.filings.render.renderer import Renderer, render_html

from .conftest import context_for, flat, pdf_text
from .render_hooks import held_job
from .script_fonts import require_script


def wait_for(condition: Callable[[], bool], message: str, *, timeout: float = 120.0, fail: bool = True) -> None:
    """Poll until `condition()`; the timeout only ends a test that is already failing."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            assert not fail, message
            return
        time.sleep(0.01)


BIG_FACTS = "\n\n".join(
    f"Paragraph {i}: on an ordinary day Petitioner went to work, came home and cared for family." * 3
    for i in range(200)
)


def test_async_render_returns_checked_pdf(renderer: Renderer) -> None:
    async def go():
        return await asyncio.gather(renderer.render_async("habeas_2241", context_for("habeas_2241")),
                                    renderer.render_async("declaration", context_for("declaration")))

    habeas, declaration = asyncio.run(go())
    assert habeas.preflight["ok"] and declaration.preflight["ok"]
    assert "José Ramírez Núñez" in flat(pdf_text(habeas.pdf))
    assert habeas.pages > 3 and declaration.pages >= 1


def test_script_fonts_load_under_the_worker_memory_cap(renderer: Renderer) -> None:
    require_script("cjk")  # an optional font (docs/filings-output.md); skips with the reason without it
    ctx = context_for("declaration", given="小明", first="王", second=None, surname_first=True)
    declaration = asyncio.run(renderer.render_async("declaration", ctx))
    assert declaration.preflight["ok"], declaration.preflight
    assert "王小明" in pdf_text(declaration.pdf)


def test_sync_render_matches_in_process_pages(renderer: Renderer) -> None:
    ctx = context_for("tro_motion")
    result = renderer.render("tro_motion", ctx)
    _, pages = layout_and_write(render_html("tro_motion", ctx))
    assert result.pages == pages
    assert result.preflight["ok"]


def test_missing_data_fails_before_the_pool(renderer: Renderer) -> None:
    ctx = context_for("declaration", options={"declarant_name": "", "statements": []})
    with pytest.raises(FilingDataError) as info:
        renderer.render("declaration", ctx)
    assert "options.declarant_name" in info.value.missing
    assert "options.statements" in info.value.missing


def test_page_cap_is_checked_before_the_pdf_is_written() -> None:
    html = render_html("habeas_2241", context_for("habeas_2241"))
    with pytest.raises(PageLimitExceeded) as info:
        layout_and_write(html, max_pages=2)
    assert info.value.pages > 2 and info.value.limit == 2
    capped = Renderer(max_workers=1, max_pages=3, timeout=60)
    try:
        with pytest.raises(PageLimitExceeded):
            capped.render("habeas_2241", context_for("habeas_2241"))
    finally:
        capped.shutdown()


def test_timeout_kills_worker_and_pool_recovers() -> None:
    r = Renderer(max_workers=1, timeout=0.2)
    try:
        r.start()
        old_pids = set(r._executor._processes)  # noqa: SLF001 - white-box check of the kill
        big = context_for("habeas_2241", options={"facts": BIG_FACTS})
        with pytest.raises(RenderTimeout):
            r.render("habeas_2241", big)
        r.timeout = 60
        result = r.render("declaration", context_for("declaration"))
        assert result.preflight["ok"]
        assert not (set(r._executor._processes) & old_pids)  # noqa: SLF001 - hung worker gone
    finally:
        r.shutdown()


def test_async_timeout_then_recovery() -> None:
    r = Renderer(max_workers=1, timeout=0.2)
    try:
        r.start()
        big = context_for("habeas_2241", options={"facts": BIG_FACTS})

        async def go():
            with pytest.raises(RenderTimeout):
                await r.render_async("habeas_2241", big)
            r.timeout = 60
            return await r.render_async("status_report", context_for("status_report"))

        assert asyncio.run(go()).preflight["ok"]
    finally:
        r.shutdown()


def test_admission_limit_raises_busy_async() -> None:
    r = Renderer(max_workers=1, queue_limit=1, timeout=60, retry_after=7)
    try:
        r.start()
        ctx = context_for("declaration")

        async def go():
            return await asyncio.gather(*(r.render_async("declaration", ctx) for _ in range(5)),
                                        return_exceptions=True)

        results = asyncio.run(go())
        busy = [x for x in results if isinstance(x, RenderBusy)]
        done = [x for x in results if not isinstance(x, BaseException)]
        assert len(done) == 2 and len(busy) == 3
        assert all(b.retry_after == 7 for b in busy)
        assert r._admitted == 0  # noqa: SLF001 - every slot released
    finally:
        r.shutdown()


def test_admission_limit_raises_busy_sync(tmp_path: Path) -> None:
    # The first render is parked inside the worker (render_hooks.held_job) until the test lets it go, so
    # the second one meets a full pool however fast or slow the machine is.
    (tmp_path / "hold").write_text("")
    r = Renderer(max_workers=1, queue_limit=0, timeout=120, job=partial(held_job, str(tmp_path)))
    try:
        r.start()
        thread = threading.Thread(target=r.render, args=("declaration", context_for("declaration")))
        thread.start()
        wait_for(lambda: any(tmp_path.glob("started-*")), "the first render never reached the worker")
        with pytest.raises(RenderBusy):
            r.render("declaration", context_for("declaration"))
        (tmp_path / "hold").unlink()
        thread.join(120)
        assert r._admitted == 0  # noqa: SLF001
    finally:
        (tmp_path / "hold").unlink(missing_ok=True)
        r.shutdown()


def test_unsupported_variant_is_rejected(renderer: Renderer) -> None:
    with pytest.raises(ValueError):
        renderer.render("declaration", context_for("declaration"), pdf_variant="pdf/x-1a")


def test_event_loop_keeps_running_during_a_render(tmp_path: Path) -> None:
    """While a render is parked in the worker, the event loop keeps serving other coroutines: the render
    is released only once a ticker on the same loop has run 20 times (if render_async blocked the loop,
    the ticker could not run and a watchdog thread would release it after 60 s with the flag unset).
    Progress is counted, not timed, so a loaded machine cannot fail it."""
    (tmp_path / "hold").write_text("")
    r = Renderer(max_workers=1, timeout=120, job=partial(held_job, str(tmp_path)))
    ticks = 0
    released_by_ticks = threading.Event()

    def watchdog() -> None:
        wait_for(lambda: ticks >= 20, "", timeout=60, fail=False)
        if ticks >= 20:
            released_by_ticks.set()
        (tmp_path / "hold").unlink(missing_ok=True)

    async def go() -> None:
        nonlocal ticks
        render = asyncio.create_task(r.render_async("declaration", context_for("declaration")))
        while not any(tmp_path.glob("started-*")) and not render.done():
            await asyncio.sleep(0.01)
        guard = threading.Thread(target=watchdog)
        guard.start()
        while not render.done():
            ticks += 1
            await asyncio.sleep(0.005)
        await render
        guard.join()

    try:
        r.start()
        asyncio.run(go())
    finally:
        (tmp_path / "hold").unlink(missing_ok=True)
        r.shutdown()
    assert released_by_ticks.is_set()


def test_oversized_input_is_refused_before_rendering(renderer: Renderer) -> None:
    huge = context_for("habeas_2241", options={"facts": "x" * 5_000_000,
                                                "relief": ["y"] * 10_000})
    with pytest.raises(FilingDataError) as info:
        renderer.render("habeas_2241", huge)
    assert info.value.invalid == ["options.facts: at most 60000 characters",
                                  "options.relief: at most 20 items"]
    assert renderer._admitted == 0  # noqa: SLF001 - never queued


def test_render_workers_run_at_lower_cpu_priority() -> None:
    """RENDER_NICE: renders yield the CPU to the API processes (the worker's niceness is raised by 7 here)."""
    import os

    from app.filings.render.pool import _ping

    r = Renderer(max_workers=1, timeout=60, nice=7)
    try:
        r.start()
        executor, _ = r._current()  # noqa: SLF001
        worker_pid = executor.submit(_ping).result(timeout=60)
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker_pid) == min(19, ours + 7)
        assert r.render("declaration", context_for("declaration")).preflight["ok"]
    finally:
        r.shutdown()


def test_render_nice_setting_reaches_the_pool(settings) -> None:  # type: ignore[no-untyped-def]
    from app.filings.router import make_renderer

    assert make_renderer(settings.model_copy(update={"render_nice": 3})).nice == 3
    assert type(settings)().render_nice == 10  # the default: renders yield to API requests
