"""Delivery end to end with real servers: e-mail escalation until acknowledged, signed webhooks with retries,
nothing for a rolled-back transaction, a dead worker's claim retried, liaisons within their scopes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.notifications import outbox
from app.notifications.delivery import claim_due
from app.notifications.models import NotificationDelivery, NotificationIntent
from app.portal.models import LiaisonGrant
from tests.notifications.conftest import API, critical_alert, now

PRIVILEGED = "PRIVILEGED-MARKER"


def _rotation(client: Any, org: Any, primary: Any, backup: Any) -> None:
    t = now()
    body = {"shifts": [
        {"user_id": str(primary.id), "starts_at": (t - timedelta(hours=1)).isoformat(),
         "ends_at": (t + timedelta(hours=8)).isoformat()},
        {"user_id": str(backup.id), "starts_at": (t + timedelta(hours=8)).isoformat(),
         "ends_at": (t + timedelta(hours=16)).isoformat()}],
        "steps": [{"after_minutes": 0, "notify": "on_call"}, {"after_minutes": 5, "notify": "backup"},
                  {"after_minutes": 15, "notify": "all_attorneys"}]}
    r = client.put(f"{API}/on-call", headers=org.h("attorney"), json=body)
    assert r.status_code == 200, r.text


def _text(msg: Any) -> str:
    return "\n".join(str(part.get_content()) for part in msg.walk() if part.get_content_maintype() == "text")


def test_critical_alert_pages_on_call_then_escalates_until_acknowledged(client: Any, db: Any, make_org: Any,
                                                                       smtp: Any, sweep: Any) -> None:
    inbox, _ = smtp
    org = make_org()
    paralegal, admin, attorney = org.users["paralegal"], org.users["admin"], org.users["attorney"]
    _rotation(client, org, paralegal, admin)
    _, alert = critical_alert(client, db, org)
    t0 = now()
    sweep(t0, org)
    first = inbox.to(paralegal.email)
    assert len(first) == 1 and not inbox.to(admin.email) and not inbox.to(attorney.email)
    subject = first[0]["Subject"]
    assert "Critical" in subject and "removal to protected country" in subject
    assert PRIVILEGED not in subject and "SV" not in subject and "El Salvador" not in subject
    body = _text(first[0])
    assert f"https://dp.example.org/api/v1/alerts/{alert['id']}" in body and PRIVILEGED not in body
    assert first[0].is_multipart()  # plain text and HTML
    # 4 minutes later: not yet; after 5 minutes: the backup (the next on call), marked as escalated
    assert sweep(t0 + timedelta(minutes=4), org)["escalation_steps"] == 0
    assert sweep(t0 + timedelta(minutes=6), org)["escalation_steps"] == 1
    assert len(inbox.to(admin.email)) == 1 and "ESCALATED" in inbox.to(admin.email)[0]["Subject"]
    # after 15 minutes: every attorney
    sweep(t0 + timedelta(minutes=16), org)
    assert len(inbox.to(attorney.email)) == 1
    # acknowledged: the escalation stops (the last step would repeat every 15 minutes otherwise)
    r = client.post(f"{API}/alerts/{alert['id']}/acknowledge", headers=org.h("attorney"), json={"note": "on it"})
    assert r.status_code == 200, r.text
    count = len(inbox.messages)
    assert sweep(t0 + timedelta(minutes=40), org)["escalation_steps"] == 0
    assert len(inbox.messages) == count
    log = client.get(f"{API}/notifications", headers=org.h("paralegal"), params={"alert_id": alert["id"]}).json()
    assert {(d["escalation_step"], d["status"]) for d in log["items"]} == {(0, "delivered"), (1, "delivered"),
                                                                            (2, "delivered")}
    assert all(d["attempts"] == 1 for d in log["items"])


def test_unacknowledged_critical_alert_keeps_escalating(client: Any, db: Any, make_org: Any, smtp: Any,
                                                        sweep: Any) -> None:
    inbox, _ = smtp
    org = make_org()  # no rotation: the default steps, and nobody named means every attorney
    critical_alert(client, db, org)
    t0 = now()
    for minutes in (0, 6, 16, 32, 48):
        sweep(t0 + timedelta(minutes=minutes), org)
    assert len(inbox.to(org.users["attorney"].email)) == 5


def test_quiet_hours_never_hold_back_a_critical_alert(client: Any, db: Any, make_org: Any, smtp: Any,
                                                      sweep: Any) -> None:
    inbox, _ = smtp
    org = make_org()
    attorney = org.users["attorney"]
    quiet = {"start": "00:00", "end": "23:59", "timezone": "UTC"}
    r = client.put(f"{API}/auth/me/notification-preferences", headers=org.h("attorney"),
                   json={"channels": {"high": ["email"]}, "quiet_hours": quiet})
    assert r.status_code == 200, r.text
    critical_alert(client, db, org)  # also raises a high third-country alert? only critical is escalated
    sweep(now(), org)
    subjects = [m["Subject"] for m in inbox.to(attorney.email)]
    assert any("Critical" in s for s in subjects)
    with db.session() as s:
        held = s.exec(select(NotificationDelivery).where(NotificationDelivery.organization_id == org.id,
                                                         NotificationDelivery.status == "pending")).all()
        assert all(d.next_attempt_at is not None and d.next_attempt_at > now() for d in held)


def _endpoint(client: Any, org: Any, url: str, events: list[str] | None = None) -> dict[str, Any]:
    r = client.post(f"{API}/webhook-endpoints", headers=org.h("admin"),
                    json={"url": url, "events": events or ["alert.raised", "custody_event.recorded"]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_signed_webhook_retried_with_the_same_id_until_it_succeeds(client: Any, db: Any, make_org: Any,
                                                                   receiver: Any, sweep: Any) -> None:
    org = make_org()
    ep = _endpoint(client, org, receiver.url, ["alert.raised"])
    assert ep["secret"].startswith("whsec_")
    receiver.script = [500, 500, 500]
    _, alert = critical_alert(client, db, org)
    t0 = now()
    sweep(t0, org)
    assert len(receiver.requests) == 1
    sweep(t0 + timedelta(seconds=5), org)  # before the backoff: nothing
    assert len(receiver.requests) == 1
    for seconds in (11, 32, 73):  # 10, 20, 40 s of backoff
        sweep(t0 + timedelta(seconds=seconds), org)
    assert [len(receiver.requests)] == [4]
    sweep(t0 + timedelta(hours=30), org)  # delivered: never again
    assert len(receiver.requests) == 4
    ids = {h["webhook-id"] for h, _ in receiver.requests}
    assert len(ids) == 1
    wh = Webhook(ep["secret"])
    for headers, body in receiver.requests:
        assert headers["webhook-signature"].startswith("v1,")
        event = wh.verify(body, headers)
        assert event["type"] == "alert.raised" and event["data"]["id"] == alert["id"]
        assert event["data"]["severity"] == "critical" and PRIVILEGED not in body.decode()
    headers, body = receiver.requests[-1]
    with pytest.raises(WebhookVerificationError):
        wh.verify(body.replace(b"critical", b"low"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(_endpoint(client, org, receiver.url)["secret"]).verify(body, headers)
    log = client.get(f"{API}/notifications", headers=org.h("admin"), params={"channel": "webhook"}).json()
    mine = [d for d in log["items"] if d["endpoint_id"] == ep["id"]]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in mine] == [("delivered", 4, 200)]
    with db.session() as s:
        from app.core.audit import AuditEvent

        attempts = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org.id,
                                                   AuditEvent.action == "notification.attempt",
                                                   AuditEvent.entity_id == mine[0]["id"])).all()
        assert sorted(a.detail["attempt"] for a in attempts) == [1, 2, 3, 4]


def test_failing_endpoint_is_marked_and_admins_told_never_disabled(client: Any, db: Any, make_org: Any,
                                                                   receiver: Any, smtp: Any, sweep: Any) -> None:
    inbox, _ = smtp
    org = make_org()
    ep = _endpoint(client, org, receiver.url, ["alert.raised"])
    receiver.script = [500] * 10
    critical_alert(client, db, org)
    t0 = now()
    for seconds in (0, 11, 32, 73):
        sweep(t0 + timedelta(seconds=seconds), org)
    listed = client.get(f"{API}/webhook-endpoints", headers=org.h("admin")).json()["items"]
    assert [(e["id"], e["status"]) for e in listed] == [(ep["id"], "failing")]
    assert any("webhook" in m["Subject"] for m in inbox.to(org.users["admin"].email))
    # still receives new events
    before = len(receiver.requests)
    critical_alert(client, db, org)
    sweep(t0 + timedelta(seconds=80), org)
    assert len(receiver.requests) > before


def test_a_rolled_back_transaction_delivers_nothing(db: Any, make_org: Any, client: Any, receiver: Any,
                                                    sweep: Any) -> None:
    org = make_org()
    _endpoint(client, org, receiver.url, ["alert.raised"])
    subject = uuid.uuid4()
    with db.session(write=True) as s:
        outbox.record(s, org_id=org.id, event="alert.raised", subject_type="alert", subject_id=subject,
                      severity="critical", payload={"kind": "removal_to_protected_country"})
        s.rollback()
    sweep(now() + timedelta(hours=1), org)
    assert receiver.requests == []
    with db.session() as s:
        assert s.exec(select(NotificationIntent).where(NotificationIntent.subject_id == subject)).all() == []


def test_a_worker_dying_mid_delivery_loses_nothing(db: Any, make_org: Any, client: Any, receiver: Any,
                                                   notify_settings: Any, sweep: Any) -> None:
    org = make_org()
    _endpoint(client, org, receiver.url, ["custody_event.recorded"])
    critical_alert(client, db, org)
    t0 = now()
    with db.session(write=True) as s:  # a worker claims the delivery, then dies before sending
        claimed = claim_due(s, notify_settings, t0, org_ids=[org.id])
    assert len(claimed) >= 1  # the webhook and the on-call e-mail
    sweep(t0 + timedelta(seconds=30), org)  # the lease (120 s) still holds: nobody else sends
    assert receiver.requests == []
    sweep(t0 + timedelta(seconds=notify_settings.notification_lease_seconds + 1), org)
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0][1])["type"] == "custody_event.recorded"


def test_private_targets_are_refused_at_delivery_time_too(client: Any, db: Any, make_org: Any, app: Any,
                                                          receiver: Any, sweep: Any, notify_settings: Any) -> None:
    org = make_org()
    _endpoint(client, org, receiver.url, ["custody_event.recorded"])
    critical_alert(client, db, org)
    from app.notifications.delivery import sweep as run

    strict = notify_settings.model_copy(update={"webhook_allow_private_networks": False})
    with db.session(write=True) as s:
        run(s, now(), [org.id], settings=strict)
    assert receiver.requests == []
    log = client.get(f"{API}/notifications", headers=org.h("admin"), params={"channel": "webhook"}).json()
    assert [d["last_error"] for d in log["items"]] == ["webhook_target_private"]


def _grant(db: Any, org: Any, client_id: uuid.UUID, liaison: Any, scopes: list[str]) -> None:
    with db.session(write=True) as s:
        s.add(LiaisonGrant(organization_id=org.id, client_id=client_id, liaison_user_id=liaison.id, scopes=scopes,
                           consent_method="written_signed", consent_obtained_at=datetime.now(UTC),
                           consent_language="Spanish", obtained_by=org.users["attorney"].id))
        s.commit()


def test_liaisons_hear_family_visible_changes_only_within_their_scopes(client: Any, db: Any, make_org: Any,
                                                                        smtp: Any, sweep: Any) -> None:
    from app.auth.models import UserAccount
    from tests.factories import make_client

    inbox, _ = smtp
    org = make_org()
    person = make_client(db, org.id)
    liaison = org.users["family_liaison"]
    with db.session(write=True) as s:
        other = UserAccount(organization_id=org.id, email=f"liaison2-{uuid.uuid4().hex[:6]}@example.org",
                            full_name="Second Liaison", role="family_liaison", preferred_language="es")
        s.add(other)
        s.commit()
        s.refresh(other)
        row = s.get(UserAccount, liaison.id)
        assert row is not None
        row.preferred_language = "es"
        s.add(row)
        s.commit()
    _grant(db, org, person.id, liaison, ["custody_status", "location"])
    _grant(db, org, person.id, other, ["hearings"])  # no custody_status scope
    from tests.conftest import mint_headers

    for headers in (org.h("family_liaison"), mint_headers(client.app.state.settings, other)):
        r = client.put(f"{API}/auth/me/notification-preferences", headers=headers, json={"custody_updates": True})
        assert r.status_code == 200, r.text

    def event(visible: bool) -> None:
        r = client.post(f"{API}/clients/{person.id}/custody-events", headers=org.h("paralegal"),
                        json={"source_type": "attorney_visit", "confidence": "confirmed", "status": "detained_ice",
                              "location_text": "Fictional Processing Center", "effective_at": now().isoformat(),
                              "family_visible": visible,
                              "notes": f"{PRIVILEGED} do not share"})
        assert r.status_code == 201, r.text

    event(False)
    sweep(now(), org)
    assert inbox.to(liaison.email) == []
    event(True)
    sweep(now(), org)
    got = inbox.to(liaison.email)
    assert len(got) == 1 and inbox.to(other.email) == []
    assert got[0]["Subject"] == "[Due Process] Novedades sobre el caso de su familiar"
    text = _text(got[0])
    assert "Detenido por ICE" in text and PRIVILEGED not in text and PRIVILEGED not in got[0]["Subject"]
    assert "Fictional Processing Center" not in text + got[0]["Subject"]  # no location in the message
    assert f"/api/v1/portal/clients/{person.id}" in text


def _raise(db: Any, org: Any, severity: str, kind: str) -> uuid.UUID:
    from app.core.audit import Actor
    from app.protection import alerts as alerts_mod
    from tests.factories import make_client

    person = make_client(db, org.id)
    with db.session(write=True) as s:
        alert = alerts_mod.raise_alert(Actor(org.id), s, org_id=org.id, client_id=person.id, kind=kind,
                                       severity=severity, dedupe_key=f"{kind}:{uuid.uuid4()}",
                                       trigger_type="test", trigger_id=None, details={}, now=now(),
                                       reopen_after_ack=False)
        s.commit()
        assert alert is not None
        return alert.id


def test_high_alerts_notify_without_escalation_and_wait_for_quiet_hours(client: Any, db: Any, make_org: Any,
                                                                        smtp: Any, sweep: Any) -> None:
    inbox, _ = smtp
    org = make_org()
    attorney, admin = org.users["attorney"], org.users["admin"]
    _raise(db, org, "high", "third_country_removal")
    t0 = now()
    for minutes in (0, 6, 16, 60):
        assert sweep(t0 + timedelta(minutes=minutes), org)["escalation_steps"] == 0
    assert len(inbox.to(attorney.email)) == 1 and inbox.to(admin.email) == []
    assert "High alert" in inbox.to(attorney.email)[0]["Subject"]
    # quiet hours hold a high alert until they end; a critical one goes at once
    local = t0.astimezone(UTC)
    quiet = {"start": (local - timedelta(hours=1)).strftime("%H:%M"),
             "end": (local + timedelta(hours=2)).strftime("%H:%M"), "timezone": "UTC"}
    r = client.put(f"{API}/auth/me/notification-preferences", headers=org.h("attorney"), json={"quiet_hours": quiet})
    assert r.status_code == 200, r.text
    _raise(db, org, "high", "third_country_removal")
    _raise(db, org, "critical", "removal_while_barred")
    sweep(t0 + timedelta(minutes=61), org)
    later = [m["Subject"] for m in inbox.to(attorney.email)][1:]
    assert any("Critical" in s for s in later) and not any(s.startswith("[Due Process] High") for s in later)
    sweep(t0 + timedelta(hours=2, minutes=5), org)
    later = [m["Subject"] for m in inbox.to(attorney.email)][1:]
    assert any(s.startswith("[Due Process] High") for s in later)


def test_without_smtp_an_email_fails_at_once_and_is_not_retried(client: Any, db: Any, make_org: Any,
                                                                 settings: Any) -> None:
    """No SMTP settings: waiting cannot cure that, so the e-mail fails on its first attempt (visible in the
    delivery log) instead of coming back through the 24-hour retry schedule."""
    from app.notifications.delivery import sweep as run

    org = make_org()
    _, alert = critical_alert(client, db, org)
    bare = settings.model_copy(update={"smtp_host": None, "mail_from": None})
    t0 = now()
    with db.session(write=True) as s:
        run(s, t0, [org.id], settings=bare)
    with db.session(write=True) as s:
        run(s, t0 + timedelta(hours=2), [org.id], settings=bare)
    log = client.get(f"{API}/notifications", headers=org.h("paralegal"),
                     params={"alert_id": alert["id"], "channel": "email"}).json()
    assert log["items"], log
    first = [d for d in log["items"] if d["escalation_step"] == 0]
    assert first and all(d["status"] == "failed" and d["attempts"] == 1 and d["last_error"] == "smtp_not_configured"
                         for d in first), first


def test_a_slow_webhook_receiver_does_not_hold_back_the_email(client: Any, db: Any, make_org: Any, smtp: Any,
                                                            receiver: Any, sweep: Any) -> None:
    """The deliveries of one intent are sent side by side: the on-call e-mail of a critical alert arrives while
    a webhook receiver is still taking its time to answer."""
    inbox, _ = smtp
    org = make_org()
    r = client.post(f"{API}/webhook-endpoints", headers=org.h("admin"),
                    json={"url": receiver.url, "events": ["alert.raised"]})
    assert r.status_code == 201, r.text
    receiver.delay = 2.0
    critical_alert(client, db, org)
    sweep(now(), org)
    assert inbox.to(org.users["attorney"].email) and receiver.answered_at
    assert inbox.arrived_at[0] < receiver.answered_at[0] - 1.0, "the e-mail waited for the webhook's answer"
