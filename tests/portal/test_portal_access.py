"""Who may read the portal, when a grant stops working, and the audit of every read
(docs/security-model.md#tenant-isolation, Z5, Z8, L1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.clients.models import Client
from app.portal.models import LiaisonGrant
from tests.conftest import STAFF_ROLES, assert_problem
from tests.factories import add_custody_event, make_client
from tests.portal.conftest import API, audit_rows, grant_body, grants_url, portal_url, set_columns


def _granted(client: Any, db: Any, org: Any, grant: Any, new_liaison: Any) -> tuple[Any, Any, dict[str, str], dict]:
    c = make_client(db, org.id)
    add_custody_event(db, org.id, c.id, "detained_ice", datetime.now(UTC) - timedelta(hours=1), family_visible=True,
                      location_text="x")
    liaison, h = new_liaison(org.id)
    g = grant(org, c.id, liaison.id)
    assert client.get(portal_url(c.id), headers=h).status_code == 200
    return c, liaison, h, g


def _assert_hidden(client: Any, h: dict[str, str], client_id: Any) -> None:
    body = assert_problem(client.get(portal_url(client_id), headers=h), 404, "client_not_found")
    assert "display_name" not in body
    assert str(client_id) not in [i["client_id"] for i in client.get(portal_url(), headers=h).json()["items"]]


def test_revocation_bites_on_the_very_next_request(client: Any, db: Any, org_a: Any, grant: Any,
                                                   new_liaison: Any) -> None:
    c, _, h, g = _granted(client, db, org_a, grant, new_liaison)
    r = client.post(f"{API}/liaison-grants/{g['id']}/revoke", headers=org_a.h("attorney"),
                    json={"reason": "Client revoked consent by phone."})
    assert r.status_code == 200
    _assert_hidden(client, h, c.id)  # same access token, next call
    assert len(audit_rows(db, org_a.id, "portal.denied", c.id)) == 1
    access = client.get(f"{API}/clients/{c.id}/liaison-access", headers=org_a.h("attorney")).json()
    assert access["total"] == 1  # the one view before revocation; the refused read is not a view


@pytest.mark.parametrize("state", ["expired", "expires_now", "client_deleted", "other_org_liaison_row"])
def test_grant_states_that_hide_the_client(client: Any, db: Any, org_a: Any, org_b: Any, grant: Any,
                                           new_liaison: Any, state: str) -> None:
    c, liaison, h, g = _granted(client, db, org_a, grant, new_liaison)
    gid = uuid.UUID(g["id"])
    if state == "expired":
        set_columns(db, LiaisonGrant, gid, expires_at=datetime.now(UTC) - timedelta(days=1))
    elif state == "expires_now":
        set_columns(db, LiaisonGrant, gid, expires_at=datetime.now(UTC))
    elif state == "client_deleted":
        set_columns(db, Client, c.id, deleted_at=datetime.now(UTC))
    else:
        # A grant row that names a liaison of another organization (the API refuses to create one):
        # the other organization's liaison still sees nothing.
        foreign, h = new_liaison(org_b.id)
        set_columns(db, LiaisonGrant, gid, liaison_user_id=foreign.id)
    _assert_hidden(client, h, c.id)


def test_other_clients_and_other_orgs_are_404(client: Any, db: Any, org_a: Any, org_b: Any, grant: Any,
                                              new_liaison: Any) -> None:
    _, _, h, _ = _granted(client, db, org_a, grant, new_liaison)
    same_org_other = make_client(db, org_a.id)
    other_org = make_client(db, org_b.id)
    grant(org_b, other_org.id, org_b.users["family_liaison"].id)
    someone_elses = make_client(db, org_a.id)
    grant(org_a, someone_elses.id, org_a.users["family_liaison"].id)
    for cid in (same_org_other.id, other_org.id, someone_elses.id, uuid.uuid4()):
        _assert_hidden(client, h, cid)
    # another organization's client and a random id answer identically
    a = client.get(portal_url(other_org.id), headers=h).json()
    b = client.get(portal_url(uuid.uuid4()), headers=h).json()
    for body in (a, b):
        body.pop("instance")
        body.pop("request_id", None)
    assert a == b
    assert_problem(client.get(f"{API}/portal/clients/not-a-uuid", headers=h), 422, "validation_error")


def test_future_expiry_still_shows(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, expires_at=(datetime.now(UTC) + timedelta(minutes=5)).isoformat())
    assert client.get(portal_url(c.id), headers=h).status_code == 200


def test_deactivated_liaison_is_401(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    from app.auth.models import UserAccount

    c, liaison, h, _ = _granted(client, db, org_a, grant, new_liaison)
    set_columns(db, UserAccount, liaison.id, is_active=False)
    assert_problem(client.get(portal_url(c.id), headers=h), 401)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_get_403_on_the_portal(client: Any, db: Any, org_a: Any, role: str) -> None:
    c = make_client(db, org_a.id)
    assert_problem(client.get(portal_url(), headers=org_a.h(role)), 403, "forbidden")
    assert_problem(client.get(portal_url(c.id), headers=org_a.h(role)), 403, "forbidden")


def test_liaison_gets_403_on_staff_routes(client: Any, app: Any, db: Any, org_a: Any, grant: Any,
                                         new_liaison: Any) -> None:
    """Even for a client they hold a grant for: the portal is the only way in."""
    from app.core.route_inventory import iter_routes

    c, liaison, h, g = _granted(client, db, org_a, grant, new_liaison)
    mounted = {(r.method, r.path) for r in iter_routes(app)}
    calls = [
        ("GET", "/clients/{client_id}/liaison-grants", grants_url(c.id), None),
        ("POST", "/clients/{client_id}/liaison-grants", grants_url(c.id), grant_body(liaison.id)),
        ("GET", "/liaison-grants/{grant_id}", f"{API}/liaison-grants/{g['id']}", None),
        ("POST", "/liaison-grants/{grant_id}/revoke", f"{API}/liaison-grants/{g['id']}/revoke", {"reason": "x"}),
        ("POST", "/liaison-grants/{grant_id}/invitation", f"{API}/liaison-grants/{g['id']}/invitation", None),
        ("GET", "/clients/{client_id}/liaison-access", f"{API}/clients/{c.id}/liaison-access", None),
        ("GET", "/clients/{client_id}", f"{API}/clients/{c.id}", None),
        ("GET", "/clients/{client_id}/status", f"{API}/clients/{c.id}/status", None),
        ("GET", "/clients/{client_id}/custody-events", f"{API}/clients/{c.id}/custody-events", None),
        ("GET", "/clients", f"{API}/clients", None),
        ("GET", "/users", f"{API}/users", None),
        ("GET", "/audit-events", f"{API}/audit-events", None),
    ]
    checked = 0
    for method, template, url, body in calls:
        if (method, API + template) not in mounted:
            continue  # another domain's route not mounted in this checkout yet
        assert_problem(client.request(method, url, headers=h, json=body), 403, "forbidden")
        checked += 1
    assert checked >= 8
    assert client.get(f"{API}/liaison-grants/{g['id']}", headers=org_a.h("attorney")).json()["status"] == "active"


def test_every_read_is_audited_without_personal_values(client: Any, db: Any, org_a: Any, grant: Any,
                                                       new_liaison: Any) -> None:
    c, liaison, h, g = _granted(client, db, org_a, grant, new_liaison)  # one detail read already
    c2 = make_client(db, org_a.id)
    grant(org_a, c2.id, liaison.id, ["hearings"])
    client.get(portal_url(c.id), headers=h, params={"lang": "es"})
    client.get(portal_url(), headers=h)
    probe = uuid.uuid4()
    client.get(portal_url(probe), headers=h)  # a refused read is not a view, but it is audited
    denied = audit_rows(db, org_a.id, "portal.denied", probe)
    assert len(denied) == 1 and denied[0].actor_user_id == liaison.id and denied[0].detail == {"view": "detail"}
    rows = audit_rows(db, org_a.id, "portal.viewed", c.id)
    assert [r.detail.get("view") for r in rows] == ["detail", "detail", "list"]
    assert rows[0].detail == {"view": "detail", "lang": "en", "grant_id": g["id"]}
    assert rows[1].detail["lang"] == "es"
    for r in rows:
        assert r.actor_user_id == liaison.id and r.actor_role == "family_liaison" and r.entity_type == "client"
        assert r.request_id and r.ip
        assert set(r.detail) <= {"view", "lang", "grant_id"}
    assert [r.detail["view"] for r in audit_rows(db, org_a.id, "portal.viewed", c2.id)] == ["list"]
    # an empty list is a read too
    lonely, lh = new_liaison(org_a.id)
    client.get(portal_url(), headers=lh)
    empty = [r for r in audit_rows(db, org_a.id, "portal.viewed") if r.actor_user_id == lonely.id]
    assert len(empty) == 1 and empty[0].entity_id is None and empty[0].detail == {"view": "list", "count": 0}
    verify = client.get(f"{API}/audit-events/verify", headers=org_a.h("admin")).json()
    assert verify["ok"] is True


def test_liaison_access_listing(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    c, l1, h1, _ = _granted(client, db, org_a, grant, new_liaison)
    l2, h2 = new_liaison(org_a.id)
    grant(org_a, c.id, l2.id, ["custody_status"])
    client.get(portal_url(c.id), headers=h2, params={"lang": "es"})
    client.get(portal_url(), headers=h1)
    url = f"{API}/clients/{c.id}/liaison-access"
    r = client.get(url, headers=org_a.h("attorney"))
    assert r.status_code == 200, r.text
    page = r.json()
    assert set(page) == {"items", "total", "limit", "offset"} and page["total"] == 3
    items = page["items"]
    assert set(items[0]) == {"viewed_at", "liaison_user_id", "liaison_name", "liaison_email", "view", "lang"}
    # newest first
    assert [(i["liaison_user_id"], i["view"]) for i in items] == [
        (str(l1.id), "list"), (str(l2.id), "detail"), (str(l1.id), "detail")]
    assert items[1]["lang"] == "es" and items[1]["liaison_email"] == l2.email
    assert items[1]["liaison_name"] == l2.full_name
    times = [datetime.fromisoformat(i["viewed_at"]) for i in items]
    assert times == sorted(times, reverse=True)
    second = client.get(url, headers=org_a.h("admin"), params={"limit": 1, "offset": 1}).json()
    assert second["total"] == 3 and [i["view"] for i in second["items"]] == ["detail"]
    only_l2 = client.get(url, headers=org_a.h("attorney"), params={"liaison_user_id": str(l2.id)}).json()
    assert only_l2["total"] == 1
    # staff reading the grants or the access log is not a portal view
    assert client.get(url, headers=org_a.h("attorney")).json()["total"] == 3
    other = make_client(db, org_a.id)
    assert client.get(f"{API}/clients/{other.id}/liaison-access", headers=org_a.h("attorney")).json()["total"] == 0
    assert_problem(client.get(url, headers=org_a.h("paralegal")), 403, "forbidden")
    assert_problem(client.get(url, headers=h1), 403, "forbidden")
