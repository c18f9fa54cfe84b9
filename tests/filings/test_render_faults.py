"""Fault injection on the PDF render pool (docs/security-model.md#attack-catalogue, docs/design.md#optimistic-locking):
a worker process SIGKILLed in the
middle of a render (the OS OOM killer, an operator, a crash) fails that render cleanly — `RenderFailed`, over
HTTP 503 problem+json `render_failed` with `Retry-After`, nothing stored — and the next render succeeds on a
new pool (a ProcessPoolExecutor whose worker died is broken for good and must be replaced).

Deterministic: the renderer's `job` is wrapped by `render_hooks.held_job`, which parks the worker inside the
job and names its pid, so the kill always lands mid-render (the timeout tests use a big document instead).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from app.filings.errors import RenderFailed
from app.filings.render.renderer import Renderer
from tests.conftest import assert_problem

from .conftest import context_for, detained_client, running_app
from .render_hooks import held_job
from .test_api_filings import draft, fetch_pdf, filing_count


def _wait_started(hold_dir: Path, timeout: float = 120.0) -> int:
    """The pid of the worker parked in the held job (the first job also spawns and warms the pool)."""
    deadline = time.monotonic() + timeout
    while True:
        started = list(hold_dir.glob("started-*"))
        if started:
            return int(started[0].name.split("-", 1)[1])
        assert time.monotonic() < deadline, "no render worker took the job"
        time.sleep(0.02)


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # gone (or a zombie until the pool reaps it)
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1].startswith("Z"):
                    return
        except FileNotFoundError:
            return
        time.sleep(0.01)


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = fn()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_worker_killed_mid_render_fails_and_pool_recovers(tmp_path: Path, mode: str) -> None:
    (tmp_path / "hold").write_text("")
    r = Renderer(max_workers=1, timeout=60, job=partial(held_job, str(tmp_path)))
    ctx = context_for("declaration")

    def render() -> Any:
        if mode == "sync":
            return r.render("declaration", ctx)
        return asyncio.run(r.render_async("declaration", ctx))

    try:
        r.start()
        old_pids = set(r._executor._processes)  # noqa: SLF001 - white-box check of the replacement
        thread, out = _in_thread(render)
        pid = _wait_started(tmp_path)
        assert pid in old_pids
        _kill(pid)
        (tmp_path / "hold").unlink()  # after the kill: nothing else is held
        thread.join(30)
        assert not thread.is_alive(), "the render never returned after its worker died"
        assert type(out.get("error")) is RenderFailed, out
        assert r._admitted == 0  # noqa: SLF001 - the failed render released its slot

        result = render()  # the very next render works, on a new pool
        assert result.preflight["ok"] and result.pages >= 1
        assert not (set(r._executor._processes) & old_pids)  # noqa: SLF001 - broken pool replaced
        again = render()
        assert again.preflight["ok"]
    finally:
        r.shutdown()


def test_draft_whose_worker_is_killed_is_503_render_failed_and_a_retry_succeeds(settings: Any, db: Any,
                                                                              org_a: Any,
                                                                              tmp_path: Path) -> None:
    client, _ = detained_client(db, org_a.id)
    with running_app(settings, db, render_workers=1) as http:
        http.app.state.filing_renderer.job = partial(held_job, str(tmp_path))  # type: ignore[attr-defined]
        (tmp_path / "hold").write_text("")
        thread, out = _in_thread(lambda: draft(http, org_a, client.id))
        _kill(_wait_started(tmp_path))
        (tmp_path / "hold").unlink()
        thread.join(60)
        assert not thread.is_alive() and "result" in out, out
        failed = out["result"]
        body = assert_problem(failed, 503, "render_failed")
        assert failed.headers["retry-after"] == "5" and body["retry_after"] == 5
        assert "Traceback" not in failed.text and "BrokenProcessPool" not in failed.text
        assert filing_count(db, client.id) == 0  # a failed render stores nothing

        retry = draft(http, org_a, client.id)
        assert retry.status_code == 201, retry.text
        created = retry.json()
        assert created["version"] == 1 and created["preflight_ok"]
        pdf, text = fetch_pdf(http, org_a, created["id"])
        assert pdf.startswith(b"%PDF-") and "A-012-345-678" in text
