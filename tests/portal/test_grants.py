"""Liaison grants: consent recording, validation, roles, tenancy, duplicates, revocation, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import ALL_ROLES, assert_problem
from tests.factories import make_client
from tests.portal.conftest import (
    ALL_SCOPES,
    API,
    audit_rows,
    consent,
    grant_body,
    grants_url,
    invite_body,
    set_columns,
)

GRANT_KEYS = {
    "id", "client_id", "liaison_user_id", "liaison", "scopes", "consent", "attorney_id", "notes", "expires_at",
    "status", "revoked_at", "revoked_by", "revocation_reason", "created_at",
}


def test_attorney_grants_to_existing_liaison(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    liaison = org_a.users["family_liaison"]
    expires = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    body = grant_body(liaison.id, ["location", "custody_status", "location"], expires_at=expires,
                      notes="Hermana; consent read back in Spanish.",
                      consent=consent(method="via_interpreter", language="Mam", interpreter="Intérprete Ficticio"))
    r = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    assert set(g) == GRANT_KEYS | {"invitation_token", "invitation_url", "invitation_expires_at", "invitation_emailed"}
    assert g["invitation_token"] is None and g["invitation_expires_at"] is None
    assert g["scopes"] == ["custody_status", "location"]  # deduplicated, sorted
    assert g["status"] == "active"
    assert g["liaison_user_id"] == str(liaison.id)
    assert g["liaison"]["id"] == str(liaison.id) and g["liaison"]["invitation_pending"] is False
    assert g["consent"]["method"] == "via_interpreter"
    assert g["consent"]["language"] == "Mam" and g["consent"]["interpreter"] == "Intérprete Ficticio"
    assert g["consent"]["obtained_by"] == str(org_a.users["attorney"].id)
    assert g["attorney_id"] == str(org_a.users["attorney"].id)
    assert g["notes"] == "Hermana; consent read back in Spanish."

    lst = client.get(grants_url(c.id), headers=org_a.h("attorney")).json()
    assert set(lst) == {"items", "total", "limit", "offset"} and lst["total"] == 1
    assert set(lst["items"][0]) == GRANT_KEYS and lst["items"][0]["id"] == g["id"]
    one = client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h("admin"))
    assert one.status_code == 200 and one.json()["id"] == g["id"]

    rows = audit_rows(db, org_a.id, "liaison_grant.created", g["id"])
    assert len(rows) == 1 and rows[0].actor_user_id == org_a.users["attorney"].id
    assert rows[0].detail["client_id"] == str(c.id) and "notes" not in rows[0].detail


@pytest.mark.parametrize("role", ALL_ROLES)
def test_grant_role_matrix(client: Any, db: Any, org_a: Any, role: str) -> None:
    c = make_client(db, org_a.id)
    body = grant_body(org_a.users["family_liaison"].id)
    r = client.post(grants_url(c.id), headers=org_a.h(role), json=body)
    listing = client.get(grants_url(c.id), headers=org_a.h(role))
    access = client.get(f"{API}/clients/{c.id}/liaison-access", headers=org_a.h(role))
    if role in ("attorney", "admin"):
        assert r.status_code == 201, r.text
        assert listing.status_code == 200 and access.status_code == 200
        revoke = client.post(f"{API}/liaison-grants/{r.json()['id']}/revoke", headers=org_a.h(role),
                             json={"reason": "Client withdrew consent."})
        assert revoke.status_code == 200, revoke.text
    else:  # paralegals and liaisons can neither grant, nor list, nor read who looked
        assert_problem(r, 403, "forbidden")
        assert_problem(listing, 403, "forbidden")
        assert_problem(access, 403, "forbidden")


def test_paralegal_and_liaison_cannot_revoke(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    c = make_client(db, org_a.id)
    g = grant(org_a, c.id, org_a.users["family_liaison"].id)
    for role in ("paralegal", "family_liaison"):
        assert_problem(client.post(f"{API}/liaison-grants/{g['id']}/revoke", headers=org_a.h(role),
                                   json={"reason": "x"}), 403, "forbidden")
        assert_problem(client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h(role)), 403, "forbidden")


def test_admin_grant_has_no_attorney_unless_named(client: Any, db: Any, org_a: Any, new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    r = client.post(grants_url(c.id), headers=org_a.h("admin"), json=grant_body(org_a.users["family_liaison"].id))
    assert r.status_code == 201 and r.json()["attorney_id"] is None
    other, _ = new_liaison(org_a.id)
    attorney = org_a.users["attorney"]
    r2 = client.post(grants_url(c.id), headers=org_a.h("admin"),
                     json=grant_body(other.id, attorney_id=str(attorney.id)))
    assert r2.status_code == 201 and r2.json()["attorney_id"] == str(attorney.id)
    third, _ = new_liaison(org_a.id)
    bad = client.post(grants_url(c.id), headers=org_a.h("admin"),
                      json=grant_body(third.id, attorney_id=str(org_a.users["paralegal"].id)))
    assert_problem(bad, 422, "invalid_attorney")


def test_grant_to_non_liaison_or_other_org_is_422(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("attorney")
    for target in (org_a.users["paralegal"].id, org_a.users["attorney"].id, org_a.users["admin"].id,
                   org_b.users["family_liaison"].id, uuid.uuid4()):
        assert_problem(client.post(grants_url(c.id), headers=h, json=grant_body(target)), 422, "invalid_liaison")
    assert client.get(grants_url(c.id), headers=h).json()["total"] == 0


def test_grant_for_other_org_or_deleted_client_is_404(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    foreign = make_client(db, org_b.id)
    body = grant_body(org_a.users["family_liaison"].id)
    assert_problem(client.post(grants_url(foreign.id), headers=org_a.h("attorney"), json=body), 404,
                   "client_not_found")
    assert_problem(client.get(grants_url(foreign.id), headers=org_a.h("attorney")), 404, "client_not_found")
    assert_problem(client.get(f"{API}/clients/{foreign.id}/liaison-access", headers=org_a.h("attorney")), 404)
    from app.clients.models import Client

    gone = make_client(db, org_a.id)
    set_columns(db, Client, gone.id, deleted_at=datetime.now(UTC))
    assert_problem(client.post(grants_url(gone.id), headers=org_a.h("attorney"), json=body), 404, "client_not_found")


def test_other_orgs_grant_is_404(client: Any, db: Any, org_a: Any, org_b: Any, grant: Any) -> None:
    c = make_client(db, org_b.id)
    g = grant(org_b, c.id, org_b.users["family_liaison"].id)
    assert_problem(client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h("attorney")), 404, "grant_not_found")
    assert_problem(client.post(f"{API}/liaison-grants/{g['id']}/revoke", headers=org_a.h("attorney"),
                               json={"reason": "x"}), 404, "grant_not_found")
    assert client.get(f"{API}/liaison-grants/{g['id']}", headers=org_b.h("attorney")).json()["status"] == "active"


def test_duplicate_active_grant_is_409_until_revoked(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    c = make_client(db, org_a.id)
    liaison = org_a.users["family_liaison"]
    g = grant(org_a, c.id, liaison.id, ["custody_status"])
    dup = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=grant_body(liaison.id))
    body = assert_problem(dup, 409, "grant_exists")
    assert body["grant_id"] == g["id"]
    r = client.post(f"{API}/liaison-grants/{g['id']}/revoke", headers=org_a.h("attorney"),
                    json={"reason": "Consent re-confirmed after transfer; wider scopes."})
    assert r.status_code == 200
    g2 = grant(org_a, c.id, liaison.id, ALL_SCOPES)
    assert g2["id"] != g["id"]
    by_status = {
        s: [i["id"] for i in client.get(grants_url(c.id), headers=org_a.h("attorney"),
                                        params={"status": s}).json()["items"]]
        for s in ("active", "revoked", "expired")
    }
    assert by_status == {"active": [g2["id"]], "revoked": [g["id"]], "expired": []}


def test_revoke_records_reason_and_is_audited(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    c = make_client(db, org_a.id)
    g = grant(org_a, c.id, org_a.users["family_liaison"].id)
    url = f"{API}/liaison-grants/{g['id']}/revoke"
    assert_problem(client.post(url, headers=org_a.h("attorney"), json={}), 422, "validation_error")
    assert_problem(client.post(url, headers=org_a.h("attorney"), json={"reason": ""}), 422, "validation_error")
    r = client.post(url, headers=org_a.h("attorney"), json={"reason": "Client asked to stop sharing."})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "revoked" and out["revocation_reason"] == "Client asked to stop sharing."
    assert out["revoked_by"] == str(org_a.users["attorney"].id) and out["revoked_at"]
    assert_problem(client.post(url, headers=org_a.h("attorney"), json={"reason": "again"}), 409,
                   "grant_already_revoked")
    rows = audit_rows(db, org_a.id, "liaison_grant.revoked", g["id"])
    assert len(rows) == 1 and "reason" not in rows[0].detail


def test_expired_grant_shows_expired(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    from app.portal.models import LiaisonGrant

    c = make_client(db, org_a.id)
    g = grant(org_a, c.id, org_a.users["family_liaison"].id)
    set_columns(db, LiaisonGrant, uuid.UUID(g["id"]), expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h("attorney")).json()["status"] == "expired"
    items = client.get(grants_url(c.id), headers=org_a.h("attorney"), params={"status": "expired"}).json()["items"]
    assert [i["id"] for i in items] == [g["id"]]
    # an expired grant no longer blocks a new one
    grant(org_a, c.id, org_a.users["family_liaison"].id)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("scopes"),
        lambda b: b.update(scopes=["custody_status", "everything"]),
        lambda b: b.pop("consent"),
        lambda b: b["consent"].update(method="texted"),
        lambda b: b["consent"].update(obtained_at="2025-03-01T10:00:00"),  # naive instant
        lambda b: b["consent"].pop("language"),
        lambda b: b["consent"].update(method="via_interpreter"),  # interpreter not named
        lambda b: b.update(invite={"email": "x@example.org", "full_name": "X"}),  # both liaison and invite
        lambda b: b.pop("liaison_user_id"),  # neither
        lambda b: b.update(surprise=True),
        lambda b: b.update(notes="bidi \u202e override"),
    ],
)
def test_grant_body_validation(client: Any, db: Any, org_a: Any, mutate: Any) -> None:
    c = make_client(db, org_a.id)
    body = grant_body(org_a.users["family_liaison"].id)
    mutate(body)
    assert_problem(client.post(grants_url(c.id), headers=org_a.h("attorney"), json=body), 422, "validation_error")


def test_consent_and_expiry_dates_are_checked(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    lid = org_a.users["family_liaison"].id
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    h = org_a.h("attorney")
    assert_problem(client.post(grants_url(c.id), headers=h, json=grant_body(lid, consent=consent(obtained_at=future))),
                   422, "invalid_consent_date")
    assert_problem(client.post(grants_url(c.id), headers=h, json=grant_body(lid, expires_at=past)), 422,
                   "invalid_expiry")


def test_empty_scopes_are_allowed(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    c = make_client(db, org_a.id)
    assert grant(org_a, c.id, org_a.users["family_liaison"].id, [])["scopes"] == []


def test_invite_creates_inactive_liaison_and_one_time_token(client: Any, db: Any, org_a: Any) -> None:
    from sqlmodel import select

    from app.auth.models import UserAccount
    from app.core.security import hash_opaque_token
    from app.portal.models import LiaisonInvitation

    c = make_client(db, org_a.id)
    body = invite_body(scopes=["custody_status"])
    r = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    token = g["invitation_token"]
    assert isinstance(token, str) and len(token) >= 40
    expires = datetime.fromisoformat(g["invitation_expires_at"])
    assert timedelta(hours=71, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=72)
    assert g["liaison"]["invitation_pending"] is True and g["liaison"]["is_active"] is False
    assert g["liaison"]["preferred_language"] == "es"
    with db.session() as s:
        user = s.get(UserAccount, uuid.UUID(g["liaison_user_id"]))
        assert user is not None and user.role == "family_liaison" and user.organization_id == org_a.id
        assert user.password_hash is None and user.is_active is False
        inv = s.exec(select(LiaisonInvitation).where(LiaisonInvitation.user_id == user.id)).one()
        assert inv.token_hash == hash_opaque_token(token) and token not in inv.token_hash
    # the token is shown once: neither the list nor the grant carry it
    assert token not in client.get(grants_url(c.id), headers=org_a.h("attorney")).text
    assert token not in client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h("attorney")).text
    assert len(audit_rows(db, org_a.id, "liaison_invitation.created", g["liaison_user_id"])) == 1
    created = audit_rows(db, org_a.id, "user.created", g["liaison_user_id"])
    assert len(created) == 1 and created[0].detail == {"role": "family_liaison", "via": "liaison_invite"}
    # an invited liaison can be granted another client (e.g. a second family member in custody)
    c2 = make_client(db, org_a.id)
    r2 = client.post(grants_url(c2.id), headers=org_a.h("attorney"), json=grant_body(g["liaison_user_id"]))
    assert r2.status_code == 201 and r2.json()["invitation_token"] is None


def test_invite_existing_email_is_409(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("attorney")
    for email in (org_a.users["paralegal"].email, org_b.users["family_liaison"].email.upper()):
        assert_problem(client.post(grants_url(c.id), headers=h, json=invite_body(email)), 409, "email_taken")
    first = client.post(grants_url(c.id), headers=h, json=invite_body("prima@example.org"))
    assert first.status_code == 201, first.text
    assert_problem(client.post(grants_url(c.id), headers=h, json=invite_body("Prima@Example.org")), 409,
                   "email_taken")
    assert client.get(grants_url(c.id), headers=h).json()["total"] == 1


def test_reissue_invitation(client: Any, db: Any, org_a: Any, grant: Any) -> None:
    c = make_client(db, org_a.id)
    g = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=invite_body()).json()
    url = f"{API}/liaison-grants/{g['id']}/invitation"
    assert_problem(client.post(url, headers=org_a.h("paralegal")), 403, "forbidden")
    r = client.post(url, headers=org_a.h("attorney"))
    assert r.status_code == 201, r.text
    new = r.json()
    assert set(new) == {"liaison_user_id", "invitation_token", "invitation_url", "invitation_expires_at",
                        "invitation_emailed"}
    assert new["invitation_token"] != g["invitation_token"]
    old = client.post(f"{API}/auth/accept-invite", json={"token": g["invitation_token"],
                                                          "password": "a long enough passphrase 7"})
    assert_problem(old, 400, "invitation_revoked")
    ok = client.post(f"{API}/auth/accept-invite", json={"token": new["invitation_token"],
                                                         "password": "a long enough passphrase 7"})
    assert ok.status_code == 204, ok.text
    assert_problem(client.post(url, headers=org_a.h("attorney")), 409, "invitation_not_needed")
    # a liaison created with a password by an admin never needs one
    g2 = grant(org_a, c.id, org_a.users["family_liaison"].id)
    assert_problem(client.post(f"{API}/liaison-grants/{g2['id']}/invitation", headers=org_a.h("attorney")), 409,
                   "invitation_not_needed")
