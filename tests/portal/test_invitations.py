"""POST /auth/accept-invite: public, single use, 72-hour expiry, password policy, then normal sign-in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from app.portal.models import LiaisonInvitation
from tests.conftest import assert_problem
from tests.factories import add_custody_event, make_client
from tests.portal.conftest import API, audit_rows, grants_url, invite_body, portal_url, set_columns

ACCEPT = f"{API}/auth/accept-invite"
NEW_PASSWORD = "una contraseña bastante larga 42"


def _invite(client: Any, db: Any, org: Any, **over: Any) -> tuple[dict[str, Any], str, Any]:
    c = make_client(db, org.id)
    body = invite_body(**over)
    r = client.post(grants_url(c.id), headers=org.h("attorney"), json=body)
    assert r.status_code == 201, r.text
    return r.json(), body["invite"]["email"], c


def _login(client: Any, email: str, password: str) -> Any:
    return client.post(f"{API}/auth/token", data={"username": email, "password": password})


def test_accept_invite_once_then_sign_in_and_read_portal(client: Any, db: Any, org_a: Any) -> None:
    g, email, c = _invite(client, db, org_a, scopes=["custody_status"])
    add_custody_event(db, org_a.id, c.id, "released_bond", family_visible=True)
    assert_problem(_login(client, email, NEW_PASSWORD), 401, "invalid_credentials")  # not active yet
    r = client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    assert r.content == b""
    again = client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD + "x"})
    assert_problem(again, 400, "invitation_used")
    tok = _login(client, email, NEW_PASSWORD)
    assert tok.status_code == 200, tok.text
    h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    me = client.get(f"{API}/auth/me", headers=h).json()
    assert me["role"] == "family_liaison" and me["is_active"] is True and me["preferred_language"] == "es"
    view = client.get(portal_url(c.id), headers=h)
    assert view.status_code == 200, view.text
    assert view.json()["lang"] == "es" and view.json()["custody_status"]["label"] == "Liberado bajo fianza"
    rows = audit_rows(db, org_a.id, "liaison_invitation.accepted", g["liaison_user_id"])
    assert len(rows) == 1 and rows[0].actor_user_id == uuid.UUID(g["liaison_user_id"])


def test_accept_invite_needs_no_token_and_ignores_bearer(client: Any, db: Any, org_a: Any) -> None:
    g, _, _ = _invite(client, db, org_a)
    r = client.post(ACCEPT, headers={"Authorization": "Bearer garbage"},
                    json={"token": g["invitation_token"], "password": NEW_PASSWORD})
    assert r.status_code == 204, r.text


def test_unknown_token_is_404(client: Any) -> None:
    assert_problem(client.post(ACCEPT, json={"token": "no-such-token", "password": NEW_PASSWORD}), 404,
                   "invitation_not_found")
    assert_problem(client.post(ACCEPT, json={"token": "", "password": NEW_PASSWORD}), 422, "validation_error")
    assert_problem(client.post(ACCEPT, json={"token": "x" * 300, "password": NEW_PASSWORD}), 422, "validation_error")


def test_expired_invitation_is_refused(client: Any, db: Any, org_a: Any) -> None:
    g, email, _ = _invite(client, db, org_a)
    with db.session() as s:
        inv = s.exec(select(LiaisonInvitation).where(
            LiaisonInvitation.user_id == uuid.UUID(g["liaison_user_id"]))).one()
        # 72 hours: created_at + 72h is the expiry
        assert inv.expires_at - inv.created_at == timedelta(hours=72)
    set_columns(db, LiaisonInvitation, inv.id, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert_problem(client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD}), 400,
                   "invitation_expired")
    assert_problem(_login(client, email, NEW_PASSWORD), 401, "invalid_credentials")
    # just before expiry it still works
    set_columns(db, LiaisonInvitation, inv.id, expires_at=datetime.now(UTC) + timedelta(minutes=1))
    assert client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD}).status_code == 204


def test_weak_or_short_password_is_422_and_token_stays_usable(client: Any, db: Any, org_a: Any) -> None:
    g, _, _ = _invite(client, db, org_a)
    token = g["invitation_token"]
    assert_problem(client.post(ACCEPT, json={"token": token, "password": "short"}), 422, "validation_error")
    assert_problem(client.post(ACCEPT, json={"token": token, "password": "password1234"}), 422, "weak_password")
    assert_problem(client.post(ACCEPT, json={"token": token}), 422, "validation_error")
    assert client.post(ACCEPT, json={"token": token, "password": NEW_PASSWORD}).status_code == 204


def test_revoking_the_grant_withdraws_a_pending_invitation(client: Any, db: Any, org_a: Any) -> None:
    g, email, _ = _invite(client, db, org_a)
    r = client.post(f"{API}/liaison-grants/{g['id']}/revoke", headers=org_a.h("attorney"),
                    json={"reason": "Client withdrew consent before the family signed up."})
    assert r.status_code == 200
    assert_problem(client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD}), 400,
                   "invitation_revoked")
    assert_problem(_login(client, email, NEW_PASSWORD), 401, "invalid_credentials")
    assert_problem(client.post(f"{API}/liaison-grants/{g['id']}/invitation", headers=org_a.h("attorney")), 409,
                   "grant_inactive")


def test_error_bodies_do_not_echo_the_token(client: Any, db: Any, org_a: Any) -> None:
    g, _, _ = _invite(client, db, org_a)
    token = g["invitation_token"]
    client.post(ACCEPT, json={"token": token, "password": NEW_PASSWORD})
    r = client.post(ACCEPT, json={"token": token, "password": NEW_PASSWORD})
    assert token not in r.text and NEW_PASSWORD not in r.text


def _deactivate(client: Any, org: Any, user_id: str) -> None:
    url = f"{API}/users/{user_id}"
    etag = client.get(url, headers=org.h("admin")).headers["etag"]
    r = client.patch(url, headers={**org.h("admin"), "If-Match": etag}, json={"is_active": False})
    assert r.status_code == 200, r.text


def test_a_pending_invitation_does_not_undo_a_deactivation(client: Any, db: Any, org_a: Any) -> None:
    """An admin deactivates an invited liaison before she accepts: the link sent earlier no longer works."""
    g, email, _ = _invite(client, db, org_a)
    set_columns(db, LiaisonInvitation, _invitation_id(db, g), created_at=datetime.now(UTC) - timedelta(minutes=5))
    _deactivate(client, org_a, g["liaison_user_id"])
    assert_problem(client.post(ACCEPT, json={"token": g["invitation_token"], "password": NEW_PASSWORD}), 400,
                   "invitation_revoked")
    assert_problem(_login(client, email, NEW_PASSWORD), 401, "invalid_credentials")


def _invitation_id(db: Any, g: dict[str, Any]) -> Any:
    with db.session() as s:
        return s.exec(select(LiaisonInvitation.id).where(
            LiaisonInvitation.user_id == uuid.UUID(g["liaison_user_id"]))).first()
