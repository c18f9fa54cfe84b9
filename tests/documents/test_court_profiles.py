"""Court profiles as data with citations, and GET /court-profiles (staff only)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.core_data.court_profiles import FEDERAL_DEFAULT, PROFILES, court_profile
from tests.conftest import assert_problem

API = "/api/v1"
COURTS = ("mdd", "txsd", "txwd", "lawd", "azd", "casd", "njd", "nysd", "mad", "dcd")


def test_the_ten_districts_have_profiles_and_every_rule_is_cited() -> None:
    assert set(COURTS) <= set(PROFILES)
    for profile in (*PROFILES.values(), FEDERAL_DEFAULT):
        assert profile.rules(), profile.court
        for name, rule in profile.rules().items():
            assert rule.source.strip(), (profile.court, name)
            date.fromisoformat(rule.as_of)
            # Nobody admitted in these courts has checked them yet; an unverified rule must say why.
            assert rule.verified is False and rule.note.strip(), (profile.court, name)
    assert court_profile("zzz") is None


def test_maryland_carries_the_automatic_stay_and_the_sealed_identifiers_route() -> None:
    md = PROFILES["mdd"]
    assert md.automatic_stay_of_transfer is not None and md.automatic_stay_of_transfer.value is True
    assert "2025-01" in md.automatic_stay_of_transfer.source
    assert md.sealed_identifiers is not None and md.sealed_identifiers.value is True
    assert "separate sealed filing" in md.sealed_identifiers.note
    assert md.divisions == ("Northern", "Southern")
    others = [p for c, p in PROFILES.items() if c != "mdd"]
    assert all(p.sealed_identifiers is None and p.automatic_stay_of_transfer is None for p in others)


@pytest.mark.parametrize("role", ["admin", "attorney", "paralegal"])
def test_staff_read_the_profiles(client: Any, org_a: Any, role: str) -> None:
    listed = client.get(f"{API}/court-profiles", headers=org_a.h(role))
    assert listed.status_code == 200
    rows = listed.json()
    assert [r["court"] for r in rows] == sorted(COURTS)
    assert all(r["name"].startswith("United States District Court") and r["verified"] is False for r in rows)
    one = client.get(f"{API}/court-profiles/MDD", headers=org_a.h(role)).json()
    assert one["court"] == "mdd" and one["divisions"] == ["Northern", "Southern"]
    stay = one["rules"]["automatic_stay_of_transfer"]
    assert stay["value"] is True and stay["verified"] is False and stay["as_of"] and stay["source"]


def test_unknown_court_is_404_and_liaison_is_refused(client: Any, org_a: Any) -> None:
    assert_problem(client.get(f"{API}/court-profiles/zzz", headers=org_a.h("attorney")), 404,
                   "court_profile_not_found")
    assert_problem(client.get(f"{API}/court-profiles/" + "x" * 40, headers=org_a.h("attorney")), 404)
    assert_problem(client.get(f"{API}/court-profiles", headers=org_a.h("family_liaison")), 403)
    assert_problem(client.get(f"{API}/court-profiles/mdd", headers=org_a.h("family_liaison")), 403)
    assert_problem(client.get(f"{API}/court-profiles"), 401)
