"""Worker-side test hooks for the render pool (imported by the worker processes, so no pytest here).

``held_job`` wraps the real render job: while the file ``<hold_dir>/hold`` exists, a worker that takes a job
announces itself (``<hold_dir>/started-<pid>``) and waits there — mid-render, deterministically — until the
test kills it. Without the file it renders normally. Bind the directory with ``functools.partial``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def held_job(hold_dir: str, *args: Any) -> Any:
    from app.filings.render.pool import _job

    base = Path(hold_dir)
    if (base / "hold").exists():
        (base / f"started-{os.getpid()}").write_text("")
        deadline = time.monotonic() + 120  # never outlive a forgotten test
        while (base / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return _job(*args)
