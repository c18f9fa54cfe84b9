"""The periodic sweep (``dueprocess alerts sweep``): everything that becomes true by the passage of time.

``now`` is an argument (no hidden clock), so tests and operators control it. Each organization is committed
separately; every step is idempotent, so a sweep can be re-run or run concurrently with requests.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.auth.models import Organization
from app.clients.models import Client
from app.core.audit import Actor
from app.custody.models import CustodyCurrent
from app.custody.statuses import WHEREABOUTS_UNKNOWN_STATUSES
from app.protection import expiry
from app.protection import occurrences as occ_mod
from app.protection.alerts import check_whereabouts
from app.protection.models import ComplianceObligation


def _obligations_to_extend(session: Session, org_id: uuid.UUID, now: datetime) -> list[ComplianceObligation]:
    target = now + occ_mod.HORIZON
    stmt = select(ComplianceObligation).where(
        ComplianceObligation.organization_id == org_id,
        col(ComplianceObligation.paused_by_order_id).is_(None),
        sa.or_(col(ComplianceObligation.generated_until).is_(None), col(ComplianceObligation.generated_until) < target),
        sa.or_(col(ComplianceObligation.ended_at).is_(None), col(ComplianceObligation.generated_until).is_(None),
               col(ComplianceObligation.generated_until) < col(ComplianceObligation.ended_at)),
    )
    return list(session.exec(stmt).all())


def sweep_organization(session: Session, org_id: uuid.UUID, now: datetime) -> Counter[str]:
    """TRO expiry, occurrence generation, not_filed + obligation_missed, whereabouts_unknown,
    protection_expiring for one organization. Commits."""
    actor = Actor(org_id)
    counts: Counter[str] = Counter()
    counts["orders_expired"] += expiry.expire_lapsed(session, org_id, now)
    for ob in _obligations_to_extend(session, org_id, now):
        counts["occurrences_generated"] += occ_mod.materialize(session, ob, now + occ_mod.HORIZON, now)
    marked, missed = occ_mod.mark_missed(actor, session, org_id, now)
    counts["occurrences_not_filed"] += marked
    counts["alert:obligation_missed"] += len(missed)
    unknown = select(CustodyCurrent.client_id).join(Client, col(Client.id) == CustodyCurrent.client_id).where(
        CustodyCurrent.organization_id == org_id,
        col(CustodyCurrent.status).in_([str(s) for s in WHEREABOUTS_UNKNOWN_STATUSES]),
        col(Client.deleted_at).is_(None))
    for client_id in session.exec(unknown).all():
        if check_whereabouts(session, org_id, client_id, now, actor=actor) is not None:
            counts["alert:whereabouts_unknown"] += 1
    counts["alert:protection_expiring"] += len(expiry.expiring_alerts(actor, session, org_id, now))
    session.commit()
    return counts


def sweep(session: Session, now: datetime, org_ids: Iterable[uuid.UUID] | None = None) -> dict[str, int]:
    """Run the sweep for every organization (or the given ones); return counts per step."""
    ids = list(org_ids) if org_ids is not None else list(session.exec(select(Organization.id)).all())
    session.commit()  # end the read transaction; each organization gets its own
    total: Counter[str] = Counter()
    for org_id in ids:
        total.update(sweep_organization(session, org_id, now))
    keys = ("orders_expired", "occurrences_generated", "occurrences_not_filed", "alert:obligation_missed",
            "alert:whereabouts_unknown", "alert:protection_expiring")
    return {k: int(total.get(k, 0)) for k in keys} | {"organizations": len(ids)}
