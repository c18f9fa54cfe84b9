"""GET/PATCH /organization: staff read, admin writes with If-Match, audited, validated (docs/design.md#wave-2)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.conftest import ALL_ROLES, STAFF_ROLES, assert_problem

ORG = "/api/v1/organization"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_staff_role_reads_the_settings(client: Any, org_a: Any, role: str) -> None:
    r = client.get(ORG, headers=org_a.h(role))
    if role not in STAFF_ROLES:
        assert_problem(r, 403, "forbidden")
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == str(org_a.id) and body["name"] == org_a.name
    assert body["timezone"] == "America/New_York"
    assert body["date_order"] == "MDY"
    assert body["whereabouts_unknown_hours"] == 12
    assert r.headers["etag"] == f'"{body["version"]}"'


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_admin_changes_the_settings(client: Any, org_a: Any, role: str) -> None:
    r = client.patch(ORG, headers={**org_a.h(role), "If-Match": '"1"'}, json={"timezone": "America/Chicago"})
    if role == "admin":
        assert r.status_code == 200, r.text
        assert r.json()["timezone"] == "America/Chicago"
    else:
        assert_problem(r, 403, "forbidden")


def test_patch_happy_path_etag_and_audit(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    h = org_a.h("admin")
    etag = client.get(ORG, headers=h).headers["etag"]
    r = client.patch(ORG, headers={**h, "If-Match": etag},
                     json={"name": "Frontera Defense Project", "timezone": "America/Los_Angeles",
                           "date_order": "DMY", "whereabouts_unknown_hours": 6})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["timezone"], body["date_order"], body["whereabouts_unknown_hours"]) == (
        "Frontera Defense Project", "America/Los_Angeles", "DMY", 6)
    assert body["version"] == 2 and r.headers["etag"] == '"2"'
    # the old ETag is now stale
    assert_problem(client.patch(ORG, headers={**h, "If-Match": etag}, json={"name": "X"}), 412, "version_conflict")
    # a paralegal sees the change; another organization does not
    assert client.get(ORG, headers=org_a.h("paralegal")).json()["timezone"] == "America/Los_Angeles"
    other = client.get(ORG, headers=org_b.h("admin")).json()
    assert other["id"] == str(org_b.id) and other["timezone"] == "America/New_York" and other["version"] == 1
    # the principal (what /auth/me and every other domain reads) carries the new zone
    assert client.get("/api/v1/auth/me", headers=h).json()["organization"]["timezone"] == "America/Los_Angeles"
    with db.session() as s:
        ev = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                             AuditEvent.action == "organization.updated")).one()
    assert ev.entity_id == str(org_a.id)
    assert ev.detail == {"fields": ["date_order", "name", "timezone", "whereabouts_unknown_hours"]}
    assert "Frontera" not in str(ev.detail)


def test_patch_needs_if_match(client: Any, org_a: Any) -> None:
    h = org_a.h("admin")
    assert_problem(client.patch(ORG, headers=h, json={"name": "X Y"}), 428, "precondition_required")
    assert_problem(client.patch(ORG, headers={**h, "If-Match": '"9"'}, json={"name": "X Y"}), 412, "version_conflict")
    assert_problem(client.patch(ORG, headers={**h, "If-Match": "abc"}, json={"name": "X Y"}), 412, "version_conflict")


@pytest.mark.parametrize("body", [
    {"timezone": "Mars/Olympus_Mons"},
    {"timezone": "../../etc/passwd"},
    {"timezone": ""},
    {"timezone": "localtime"},
    {"date_order": "YMD"},
    {"whereabouts_unknown_hours": 0},
    {"whereabouts_unknown_hours": 10_000},
    {"name": ""},
    {"name": None},
    {"timezone": None},
    {"name": "Bad\u202eName"},
    {"slug": "mine"},
    {"default_court_state": "Texas"},
])
def test_patch_invalid_input_is_422(client: Any, org_a: Any, body: dict[str, Any]) -> None:
    r = client.patch(ORG, headers={**org_a.h("admin"), "If-Match": '"1"'}, json=body)
    problem = assert_problem(r, 422)
    assert "Mars" not in r.text and "passwd" not in r.text  # no echo of the submitted value
    assert problem["code"] == "validation_error"
    assert client.get(ORG, headers=org_a.h("admin")).json()["version"] == 1  # nothing changed


def test_no_token_is_401(client: Any) -> None:
    assert_problem(client.get(ORG), 401)
    assert_problem(client.patch(ORG, json={"name": "X"}, headers={"If-Match": '"1"'}), 401)


def test_org_today_follows_the_setting(client: Any, db: Any, org_a: Any) -> None:
    from app.auth.models import Organization
    from app.auth.orgtime import date_order, org_today, org_zone

    # 03:30 UTC on 5 December is still 4 December in Los Angeles, and already 5 December in Manila.
    now = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
    h = {**org_a.h("admin"), "If-Match": '"1"'}
    assert client.patch(ORG, headers=h, json={"timezone": "America/Los_Angeles"}).status_code == 200
    with db.session() as s:
        org = s.get(Organization, org_a.id)
        assert org_zone(org).key == "America/Los_Angeles"
        assert org_today(org, now) == date(2026, 12, 4)
        assert date_order(org) == "MDY"
    me = client.get("/api/v1/auth/me", headers=org_a.h("paralegal")).json()
    assert org_today(me["organization"], now) == date(2026, 12, 4)
    assert org_today("Asia/Manila", now) == date(2026, 12, 5)
    assert org_today(None, now) == date(2026, 12, 4)  # default zone: America/New_York
    assert org_today({"timezone": "Not/AZone"}, now) == date(2026, 12, 4)
    with pytest.raises(ValueError):
        org_today(org_a, datetime(2026, 12, 5, 3, 30))  # naive instants are refused (docs/design.md#time)
