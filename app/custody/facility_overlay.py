"""An organization's overlay on a shared facility, and the facility as one organization sees it.

A shared (seeded) facility is one row for every organization, so that ``dueprocess seed-facilities`` can
correct it for every install. What an organization knows about it that others do not — the immediate
custodian (the habeas respondent: 28 U.S.C. § 2242; Rumsfeld v. Padilla, 542 U.S. 426 (2004)), a phone
line, notes, who checked them when — lives in its ``FacilityOverlay`` and is merged over the shared row
on that organization's reads (docs/facilities.md). Other domains read facilities through ``facility_for``,
``merged_by_id`` and ``merge``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core import audit
from app.core.audit import AuditActor
from app.core.concurrency import check_version, claim_version
from app.core.errors import ProblemError, not_found
from app.core.types import utcnow
from app.custody.facility_schemas import OVERLAY_FIELDS, FacilityUpdate
from app.custody.merged_facility import MergedFacility
from app.custody.models import Facility, FacilityOverlay

_OVERLAY_COLUMNS = ("custodian_name", "custodian_title", "phone", "notes")
_CLOCK_SKEW = timedelta(minutes=5)  # a browser's clock a little ahead is not a date in the future


def invalid(field: str, code: str, message: str) -> ProblemError:
    """422 with the rule's code, pointing at the body field (the shape of a validation error)."""
    return ProblemError(422, code, message, extra={"errors": [{"loc": ["body", field], "msg": message,
                                                               "type": code}]})


def visible(org_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Shared facilities and the organization's own."""
    return sa.or_(col(Facility.organization_id).is_(None), col(Facility.organization_id) == org_id)


def _overlays(session: Session, org_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, FacilityOverlay]:
    if not ids:
        return {}
    rows = session.exec(select(FacilityOverlay).where(
        FacilityOverlay.organization_id == org_id, col(FacilityOverlay.facility_id).in_(ids))).all()
    return {o.facility_id: o for o in rows}


def merge_all(session: Session, org_id: uuid.UUID, facilities: list[Facility]) -> list[MergedFacility]:
    """The organization's view of these facilities (one query for the overlays of the shared ones)."""
    overlays = _overlays(session, org_id, {f.id for f in facilities if f.organization_id is None})
    return [MergedFacility(f, overlays.get(f.id)) for f in facilities]


def merge(session: Session, org_id: uuid.UUID, fac: Facility) -> MergedFacility:
    return merge_all(session, org_id, [fac])[0]


def visible_row(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID) -> Facility:
    fac = session.get(Facility, facility_id)
    if fac is None or (fac.organization_id is not None and fac.organization_id != org_id):
        raise not_found("facility_not_found", "No such facility.")
    return fac


def facility_for(session: Session, org_id: uuid.UUID, facility_id: uuid.UUID) -> MergedFacility:
    """The facility as the organization sees it (overlay merged); another organization's own facility and
    a missing one are both 404 ``facility_not_found``. The read for other domains (filings, status views)."""
    return merge(session, org_id, visible_row(session, org_id, facility_id))


def merged_by_id(session: Session, org_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[uuid.UUID, MergedFacility]:
    """Several facilities by id, as the organization sees them (ids it may not see are left out)."""
    if not ids:
        return {}
    rows = session.exec(select(Facility).where(col(Facility.id).in_(ids), visible(org_id))).all()
    return {m.id: m for m in merge_all(session, org_id, list(rows))}


def update_overlay(ctx: AuditActor, session: Session, fac: Facility, body: FacilityUpdate, fields: set[str],
                   expected_version: int) -> MergedFacility:
    """PATCH on a shared facility: write the caller organization's overlay (created on the first PATCH, with
    If-Match "0"), never the shared row. Audited with field names only; one commit."""
    reference = sorted(fields - set(OVERLAY_FIELDS))
    if reference:
        message = ("This is a shared facility: its reference data is the same for every organization and "
                   "changes only through the shared list. Your organization can set "
                   + ", ".join(OVERLAY_FIELDS) + ".")
        raise ProblemError(422, "shared_facility_field", message, extra={"errors": [
            {"loc": ["body", f], "msg": "not editable on a shared facility", "type": "shared_facility_field"}
            for f in reference]})
    now = utcnow()
    verified_by, verified_at = _verification(ctx, body, fields, now)
    overlay = session.exec(select(FacilityOverlay).where(
        FacilityOverlay.organization_id == ctx.org_id, FacilityOverlay.facility_id == fac.id)).first()
    if overlay is None:
        check_version(expected_version, 0)
        overlay = FacilityOverlay(organization_id=ctx.org_id, facility_id=fac.id, created_at=now)
    else:
        claim_version(session, overlay, expected_version)
    for name in _OVERLAY_COLUMNS:
        if name in fields:
            setattr(overlay, name, getattr(body, name))
    if fields & {"verified", "verified_at"}:
        overlay.verified_by, overlay.verified_at = verified_by, verified_at
    overlay.updated_at = now
    session.add(overlay)
    try:
        session.flush()
    except IntegrityError:
        # Two first PATCHes with If-Match "0" raced: the other one created the overlay.
        session.rollback()
        raise ProblemError(412, "version_conflict", "The record changed since you read it; reload and try again.",
                           extra={"current_version": 1}) from None
    audit.record(session, ctx, "facility.overlay_update", "facility", fac.id, {"fields": sorted(fields)})
    session.commit()
    return MergedFacility(fac, overlay)


def _verification(ctx: AuditActor, body: FacilityUpdate, fields: set[str],
                  now: datetime) -> tuple[uuid.UUID | None, datetime | None]:
    """(verified_by, verified_at) after this PATCH: the caller checked the overlay now (``verified: true``)
    or at ``verified_at``; ``verified: false`` or ``verified_at: null`` clears both."""
    if "verified" in fields and body.verified is False:
        if body.verified_at is not None:
            raise invalid("verified_at", "verified_conflict", "verified is false but verified_at is set.")
        return None, None
    if "verified_at" in fields and body.verified_at is None and body.verified is not True:
        return None, None
    when = body.verified_at or now
    if when > now + _CLOCK_SKEW:
        raise invalid("verified_at", "verified_in_future", "verified_at is in the future.")
    return ctx.user_id, when
