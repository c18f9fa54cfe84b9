"""Every module that registers task functions (``@app.core.jobs.task`` / ``@app.core.jobs.periodic``).

A worker imports this list before it starts, so a job whose task lives in a module nothing else imported
still finds its function. A new domain with tasks adds its module here (one line).
"""

from __future__ import annotations

import importlib

TASK_MODULES = (
    "app.filings.batches",
    "app.jobs.sweeps",
    "app.notifications.tasks",
)


def load() -> None:
    for name in TASK_MODULES:
        importlib.import_module(name)
