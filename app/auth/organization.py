"""The caller's organization settings (docs/design.md#wave-2): read by staff, changed by admins with If-Match."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.auth.models import Organization, OrganizationUpdate
from app.core import audit
from app.core.concurrency import claim_version
from app.core.errors import ProblemError, not_found
from app.core.types import utcnow


def get_organization(session: Session, org_id: uuid.UUID) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise not_found("organization_not_found", "No such organization.")
    return org


def update_organization(ctx: audit.AuditActor, session: Session, org: Organization, body: OrganizationUpdate,
                        expected_version: int) -> Organization:
    """Change name, time zone, date order or defaults; audited with the field names (not the values)."""
    changes = body.model_dump(exclude_unset=True)
    for key in ("name", "timezone", "date_order", "whereabouts_unknown_hours", "mfa_required_roles"):
        if key in changes and changes[key] is None:
            raise ProblemError(422, "validation_error", f"{key} may not be null.")
    if "mfa_required_roles" in changes:
        # Stored as plain role names, sorted and without repeats (the principal query compares them per request).
        changes["mfa_required_roles"] = sorted({str(r) for r in changes["mfa_required_roles"]})
    claim_version(session, org, expected_version)
    for key, value in changes.items():
        setattr(org, key, value.value if hasattr(value, "value") else value)
    org.updated_at = utcnow()
    session.add(org)
    audit.record(session, ctx, "organization.updated", "organization", org.id, {"fields": sorted(changes)})
    session.commit()
    session.refresh(org)
    return org
