"""The job engine's entry points (registered by name; a job carries the delivery id only).

- ``notifications.deliver_intent`` (queue ``notify``): deferred by the outbox for every intent it writes, in the
  same transaction, so a delivery exists iff its change committed; it delivers all of the intent's due
  deliveries. A retry is the same job deferred to start no earlier than the retry schedule says.
- ``notifications.deliver`` (one delivery): kept for jobs queued before ``deliver_intent`` existed.
- ``notifications.sweep`` (periodic, every minute, on the ``sweeps`` queue): runs due escalation steps and
  delivers every due delivery (retries, and claims whose worker died), so nothing depends on one job
  surviving. ``dueprocess notifications sweep --now`` runs the same function by hand.
"""

from __future__ import annotations

import uuid

from app.core import jobs
from app.core.config import Settings, get_settings
from app.core.db import Database
from app.core.types import utcnow
from app.notifications import delivery

SWEEP_CRON = "* * * * *"


def _settings() -> Settings:
    try:
        settings: Settings = jobs.resource("settings")
        return settings
    except RuntimeError:
        return get_settings()


@jobs.task("notifications.deliver", queue="notify")
def deliver_task(delivery_id: str) -> None:
    db: Database = jobs.resource("database")
    with db.session(write=True) as session:
        delivery.deliver(session, _settings(), uuid.UUID(delivery_id), utcnow())


@jobs.task("notifications.deliver_intent", queue="notify")
def deliver_intent_task(intent_id: str) -> None:
    db: Database = jobs.resource("database")
    with db.session(write=True) as session:
        delivery.deliver_intent(session, _settings(), uuid.UUID(intent_id), utcnow())


@jobs.periodic("notifications.sweep", cron=SWEEP_CRON)
def sweep_task() -> None:
    db: Database = jobs.resource("database")
    with db.session(write=True) as session:
        delivery.sweep(session, utcnow(), settings=_settings())
