"""Proceedings and groups: happy paths, validation, optimistic locking, tenancy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import assert_problem
from tests.factories import make_client, make_group, make_proceeding

API = "/api/v1"


def proceeding_body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "forum": "district_court", "court_name": "United States District Court for the District of Maryland",
        "federal_district": "MDD", "division": "Southern", "docket_number": "8:25-cv-00951-PX",
        "judge": "Paula Xinis", "status": "open", "our_role": "counsel_of_record",
        "name_as_filed": "Kilmar Armando Abrego Garcia",
        "respondents": [{"name": "Pat Example", "title": "Warden, Fictional Detention Center"},
                        {"name": None, "title": "Field Office Director, ICE Baltimore"}],
        "next_hearing_at": "2026-04-15T10:00:00-04:00", "next_hearing_type": "motions hearing",
        "hearing_location": "Greenbelt, Courtroom 4C", "sealed": False,
    }
    data.update(over)
    return data


def test_proceeding_create_list_get_patch(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("paralegal")
    r = client.post(f"{API}/clients/{c.id}/proceedings", headers=h, json=proceeding_body())
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["federal_district"] == "mdd" and p["federal_district_name"] == "District of Maryland"
    assert p["respondents"][1] == {"name": None, "title": "Field Office Director, ICE Baltimore", "role": None}
    assert p["next_hearing_at"].startswith("2026-04-15T14:00:00")  # stored in UTC
    lst = client.get(f"{API}/clients/{c.id}/proceedings", headers=h).json()
    assert [x["id"] for x in lst["items"]] == [p["id"]] and lst["total"] == 1
    g = client.get(f"{API}/proceedings/{p['id']}", headers=h)
    assert g.headers["etag"] == '"1"'
    url = f"{API}/proceedings/{p['id']}"
    assert_problem(client.patch(url, headers=h, json={"judge": "X"}), 428, "precondition_required")
    u = client.patch(url, headers={**h, "If-Match": '"1"'}, json={"status": "stayed", "federal_district": None})
    assert u.status_code == 200, u.text
    assert u.json()["status"] == "stayed" and u.json()["federal_district"] is None and u.json()["version"] == 2
    assert_problem(client.patch(url, headers={**h, "If-Match": '"1"'}, json={"judge": "X"}), 412, "version_conflict")


@pytest.mark.parametrize("over", [
    {"forum": "traffic_court"},
    {"forum": None},
    {"federal_district": "xxd"},
    {"next_hearing_at": "2026-04-15T10:00:00"},
    {"respondents": [{"name": "No title"}]},
    {"respondents": [{"title": "Warden", "extra": 1}]},
    {"status": "whatever"},
    {"our_role": "judge"},
    {"opened_date": "2025-05-01", "closed_date": "2025-04-01"},
    {"docket_number": "x" * 81},
    {"client_id": str(uuid.uuid4())},
    {"version": 2},
])
def test_invalid_proceeding_bodies(client: Any, org_a: Any, db: Any, over: dict[str, Any]) -> None:
    c = make_client(db, org_a.id)
    assert_problem(client.post(f"{API}/clients/{c.id}/proceedings", headers=org_a.h("paralegal"),
                               json=proceeding_body(**over)), 422)


@pytest.mark.parametrize("patch", [{}, {"forum": None}, {"respondents": None}, {"federal_district": "zzz"},
                                   {"closed_date": "1999-01-01", "opened_date": "2000-01-01"}])
def test_invalid_proceeding_patches(client: Any, org_a: Any, db: Any, patch: dict[str, Any]) -> None:
    c = make_client(db, org_a.id)
    p = make_proceeding(db, org_a.id, c.id)
    assert_problem(client.patch(f"{API}/proceedings/{p.id}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                                json=patch), 422)


def test_patch_closed_before_stored_opened_is_422(client: Any, org_a: Any, db: Any) -> None:
    from datetime import date

    c = make_client(db, org_a.id)
    p = make_proceeding(db, org_a.id, c.id, opened_date=date(2025, 5, 1))
    assert_problem(client.patch(f"{API}/proceedings/{p.id}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                                json={"closed_date": "2025-04-01"}), 422, "invalid_dates")


def test_other_organizations_proceeding_is_404(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    c = make_client(db, org_b.id)
    p = make_proceeding(db, org_b.id, c.id)
    h = org_a.h("attorney")
    assert_problem(client.get(f"{API}/proceedings/{p.id}", headers=h), 404, "proceeding_not_found")
    assert_problem(client.patch(f"{API}/proceedings/{p.id}", headers={**h, "If-Match": '"1"'}, json={"judge": "X"}),
                   404, "proceeding_not_found")
    assert_problem(client.get(f"{API}/proceedings/{uuid.uuid4()}", headers=h), 404, "proceeding_not_found")


def test_liaison_cannot_touch_proceedings(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    p = make_proceeding(db, org_a.id, c.id)
    h = org_a.h("family_liaison")
    assert_problem(client.get(f"{API}/proceedings/{p.id}", headers=h), 403)
    assert_problem(client.post(f"{API}/clients/{c.id}/proceedings", headers=h, json=proceeding_body()), 403)


def test_proceeding_of_deleted_client_is_404(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    p = make_proceeding(db, org_a.id, c.id)
    assert client.delete(f"{API}/clients/{c.id}", headers={**org_a.h("attorney"), "If-Match": '"1"'}).status_code == 204
    assert_problem(client.get(f"{API}/proceedings/{p.id}", headers=org_a.h("attorney")), 404, "proceeding_not_found")


# --- groups --------------------------------------------------------------------------------------

def test_group_lifecycle(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    a, b = make_client(db, org.id), make_client(db, org.id, given_names="Zoë")
    r = client.post(f"{API}/groups", headers=h, json={"name": "Flight 2025-03-15 (Harlingen)",
                                                       "description": "Reported on the manifest"})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    assert r.json()["member_count"] == 0
    assert_problem(client.post(f"{API}/groups", headers=h, json={"name": "Flight 2025-03-15 (Harlingen)"}), 409,
                   "group_name_taken")
    add = client.post(f"{API}/groups/{gid}/members", headers=h, json={"client_ids": [str(a.id), str(b.id)]})
    assert add.status_code == 200, add.text
    assert add.json() == {"group_id": gid, "added": 2, "already_members": 0, "member_count": 2}
    again = client.post(f"{API}/groups/{gid}/members", headers=h, json={"client_ids": [str(a.id)]}).json()
    assert again["added"] == 0 and again["already_members"] == 1
    detail = client.get(f"{API}/groups/{gid}", headers=h)
    assert detail.headers["etag"] == '"1"'
    assert {m["client_id"] for m in detail.json()["members"]} == {str(a.id), str(b.id)}
    assert "Zoë Ramírez Núñez" in {m["display_name"] for m in detail.json()["members"]}
    lst = client.get(f"{API}/groups", headers=h).json()
    assert [(g["id"], g["member_count"]) for g in lst["items"]] == [(gid, 2)]
    assert client.delete(f"{API}/groups/{gid}/members/{a.id}", headers=h).status_code == 204
    assert_problem(client.delete(f"{API}/groups/{gid}/members/{a.id}", headers=h), 404, "member_not_found")
    assert client.get(f"{API}/groups/{gid}", headers=h).json()["member_count"] == 1


def test_foreign_client_in_members_writes_nothing(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    mine = make_client(db, org_a.id)
    theirs = make_client(db, org_b.id)
    g = make_group(db, org_a.id, [])
    h = org_a.h("paralegal")
    r = client.post(f"{API}/groups/{g.id}/members", headers=h, json={"client_ids": [str(mine.id), str(theirs.id)]})
    assert_problem(r, 404, "client_not_found")
    assert client.get(f"{API}/groups/{g.id}", headers=h).json()["member_count"] == 0
    assert_problem(client.post(f"{API}/groups/{g.id}/members", headers=h, json={"client_ids": [str(uuid.uuid4())]}),
                   404, "client_not_found")
    assert_problem(client.delete(f"{API}/groups/{g.id}/members/{theirs.id}", headers=h), 404, "client_not_found")


def test_other_organizations_group_is_404(client: Any, org_a: Any, org_b: Any, db: Any) -> None:
    theirs = make_client(db, org_b.id)
    g = make_group(db, org_b.id, [theirs.id])
    mine = make_client(db, org_a.id)
    h = org_a.h("attorney")
    assert_problem(client.get(f"{API}/groups/{g.id}", headers=h), 404, "group_not_found")
    assert_problem(client.post(f"{API}/groups/{g.id}/members", headers=h, json={"client_ids": [str(mine.id)]}), 404,
                   "group_not_found")
    assert_problem(client.delete(f"{API}/groups/{g.id}/members/{theirs.id}", headers=h), 404, "group_not_found")
    assert g.id not in {x["id"] for x in client.get(f"{API}/groups", headers=h).json()["items"]}
    assert client.get(f"{API}/clients", headers=h, params={"group": str(g.id)}).json()["total"] == 0


@pytest.mark.parametrize("payload", [{"name": ""}, {"name": "x" * 201}, {"name": "ok", "org": 1}, {}])
def test_invalid_group_bodies(client: Any, org_a: Any, payload: dict[str, Any]) -> None:
    assert_problem(client.post(f"{API}/groups", headers=org_a.h("paralegal"), json=payload), 422)


@pytest.mark.parametrize("payload", [{"client_ids": []}, {"client_ids": ["nope"]}, {}, {"client_ids": None}])
def test_invalid_member_bodies(client: Any, org_a: Any, db: Any, payload: dict[str, Any]) -> None:
    g = make_group(db, org_a.id, [])
    assert_problem(client.post(f"{API}/groups/{g.id}/members", headers=org_a.h("paralegal"), json=payload), 422)


def test_liaison_cannot_use_groups(client: Any, org_a: Any) -> None:
    h = org_a.h("family_liaison")
    assert_problem(client.get(f"{API}/groups", headers=h), 403)
    assert_problem(client.post(f"{API}/groups", headers=h, json={"name": "x"}), 403)
