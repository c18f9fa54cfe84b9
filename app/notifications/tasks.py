"""The job engine's entry points (registered by name; a job carries the delivery id only).

- ``notifications.deliver`` (queue ``notify``): deferred by the outbox for every delivery it writes.
- ``notifications.sweep`` (queue ``sweeps``): periodic, every minute — runs due escalation steps and delivers
  every due delivery (retries, and claims whose worker died), so nothing depends on a job surviving.
"""

from __future__ import annotations

import uuid
from functools import cache

from app.core.config import get_settings
from app.core.db import Database, make_database
from app.core.jobs import task
from app.core.types import utcnow
from app.notifications import delivery


@cache
def _db() -> Database:
    return make_database(get_settings())


@task("notifications.deliver", queue="notify")
def deliver_task(delivery_id: str) -> None:
    with _db().session(write=True) as session:
        delivery.deliver(session, get_settings(), uuid.UUID(delivery_id), utcnow())


@task("notifications.sweep", queue="sweeps")
def sweep_task() -> None:
    with _db().session(write=True) as session:
        delivery.sweep(session, utcnow(), settings=get_settings())
