"""HTTP routes: preferences, the on-call rotation, webhook endpoints, the delivery log."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import Response

from app.auth.deps import AccountSelf, ManageWebhooks, ReadAlerts, WriteOnCall
from app.core.clock import Now
from app.core.pagination import Limit, Offset, Page, paginate
from app.core.routing import api_router
from app.notifications import oncall, preferences, service
from app.notifications.schemas import (
    DeliveryPublic,
    EndpointCreate,
    EndpointCreated,
    EndpointPublic,
    OnCallBody,
    OnCallPublic,
    PreferencesBody,
    PreferencesPublic,
)

router = api_router(tags=["notifications"])


@router.get("/auth/me/notification-preferences", response_model=PreferencesPublic)
def get_preferences(ctx: AccountSelf) -> PreferencesPublic:
    """The caller's channels per severity (critical always includes e-mail), quiet hours, custody updates."""
    return PreferencesPublic.of(preferences.get(ctx.session, ctx.user_id), ctx.principal.user["preferred_language"])


@router.put("/auth/me/notification-preferences", response_model=PreferencesPublic)
def put_preferences(body: PreferencesBody, ctx: AccountSelf) -> PreferencesPublic:
    """Replace the caller's preferences. Quiet hours never hold back a critical alert."""
    pref = preferences.put(ctx, ctx.session, user_id=ctx.user_id, org_id=ctx.org_id, role=ctx.role,
                           body=body.model_dump(mode="json"))
    return PreferencesPublic.of(pref, ctx.principal.user["preferred_language"])


@router.get("/on-call", response_model=OnCallPublic)
def get_on_call(ctx: ReadAlerts) -> OnCallPublic:
    """The rotation and escalation steps (the default steps when none were set)."""
    return OnCallPublic.of(service.get_rotation(ctx.session, ctx.org_id), oncall.DEFAULT_STEPS)


@router.put("/on-call", response_model=OnCallPublic)
def put_on_call(body: OnCallBody, ctx: WriteOnCall) -> OnCallPublic:
    """Replace the rotation (shifts with time windows) and the escalation steps."""
    data = body.model_dump(mode="json")
    row = service.put_rotation(ctx, ctx.session, user_id=ctx.user_id, shifts=data["shifts"], steps=data["steps"],
                               repeat_minutes=body.repeat_minutes)
    return OnCallPublic.of(row, oncall.DEFAULT_STEPS)


@router.get("/webhook-endpoints", response_model=Page[EndpointPublic])
def list_endpoints(ctx: ManageWebhooks) -> Page[EndpointPublic]:
    """The organization's webhook endpoints (secrets are never shown again)."""
    items = [EndpointPublic.of(e) for e in service.list_endpoints(ctx.session, ctx.org_id)]
    return Page(items=items, total=len(items), limit=len(items), offset=0)


@router.post("/webhook-endpoints", response_model=EndpointCreated, status_code=201)
def create_endpoint(body: EndpointCreate, ctx: ManageWebhooks) -> EndpointCreated:
    """Register an endpoint; the answer holds its ``whsec_`` secret, shown this once."""
    ep, secret = service.create_endpoint(ctx, ctx.session, ctx.settings, url=body.url, events=list(body.events),
                                         description=body.description, user_id=ctx.user_id)
    return EndpointCreated(**EndpointPublic.of(ep).model_dump(), secret=secret)


@router.delete("/webhook-endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: uuid.UUID, ctx: ManageWebhooks) -> Response:
    """Delete an endpoint (its delivery log stays)."""
    service.delete_endpoint(ctx, ctx.session, service.get_endpoint(ctx.session, ctx.org_id, endpoint_id))
    return Response(status_code=204)


@router.post("/webhook-endpoints/{endpoint_id}/test", response_model=DeliveryPublic)
def test_endpoint(endpoint_id: uuid.UUID, ctx: ManageWebhooks, now: Now) -> DeliveryPublic:
    """Send a signed ``webhook.test`` event now; the answer is its delivery (status, HTTP status, error)."""
    ep = service.get_endpoint(ctx.session, ctx.org_id, endpoint_id)
    return DeliveryPublic.of(service.send_test(ctx, ctx.session, ctx.settings, ep, now))


@router.get("/notifications", response_model=Page[DeliveryPublic])
def list_notifications(ctx: ReadAlerts, limit: Limit = 50, offset: Offset = 0, alert_id: uuid.UUID | None = None,
                       channel: Literal["email", "webhook"] | None = None,
                       status: Literal["pending", "in_progress", "delivered", "failed", "cancelled"] | None = None,
                       ) -> Page[DeliveryPublic]:
    """The delivery log: attempts, status and next retry, newest first."""
    stmt = service.list_deliveries(ctx.org_id, alert_id=alert_id, channel=channel, status=status)
    rows, total = paginate(ctx.session, stmt, *service.DELIVERY_ORDER, limit=limit, offset=offset)
    return Page(items=[DeliveryPublic.of(d) for d in rows], total=total, limit=limit, offset=offset)


