"""POST /deadlines/compute: every docs/domain/deadlines.md#worked-examples worked example through the API, and input
validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import assert_problem
from tests.deadlines.conftest import API

COMPUTE = f"{API}/deadlines/compute"


def _compute(world: Any, role: str = "paralegal", **body: Any) -> Any:
    return world.http.post(COMPUTE, headers=world.h(role), json=body)


def _ok(world: Any, **body: Any) -> dict[str, Any]:
    r = _compute(world, **body)
    assert r.status_code == 200, r.text
    data = r.json()
    for key in ("rule", "due_earliest_safe", "due_latest_arguable", "due_at", "jurisdictional", "trace"):
        assert key in data
    assert data["trace"] and {"date", "action", "reason", "citation"} <= set(data["trace"][0])
    return data  # type: ignore[no-any-return]


def test_example_1_bia_appeal_rolls_to_monday(world: Any) -> None:
    # IJ states decision Fri 20 Jun 2025; day 30 is Sun 20 Jul 2025 -> Mon 21 Jul 2025 (received by the Board).
    d = _ok(world, rule="EOIR-APPEAL-IJ", trigger_date="2025-06-20")
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2025-07-21"
    assert d["due_at"] == "2025-07-21T23:59:59-04:00"
    assert d["jurisdictional"] is False
    assert any("received" in n for n in d["notes"])


def test_example_2_pfr_on_juneteenth_is_jurisdictional(world: Any) -> None:
    d = _ok(world, rule="PFR-30", trigger_date="2026-05-20")
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2026-06-22"
    assert d["jurisdictional"] is True
    skipped = [s for s in d["trace"] if s["action"] == "skip-holiday"]
    assert skipped[0]["date"] == "2026-06-19" and "Juneteenth" in skipped[0]["reason"]


def test_example_3_observed_independence_day_two_readings(world: Any) -> None:
    d = _ok(world, rule="EOIR-APPEAL-IJ", trigger_date="2026-06-03")
    assert (d["due_earliest_safe"], d["due_latest_arguable"]) == ("2026-07-03", "2026-07-06")
    assert d["due_at"] == "2026-07-03T23:59:59-04:00"
    assert d["due_at_latest_arguable"] == "2026-07-06T23:59:59-04:00"


def test_example_4_habeas_return_rolls_to_monday(world: Any) -> None:
    d = _ok(world, rule="HC-RETURN", trigger_date="2026-03-18")
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2026-03-23"


def test_example_5_dmd_standing_order_window(world: Any) -> None:
    d = _ok(world, rule="HC-DMD-SO", trigger_date="2026-03-19", court_state="MD",
            court_timezone="America/New_York")
    assert d["due_earliest_safe"] == "2026-03-23" and d["due_at"] == "2026-03-23T16:00:00-04:00"
    # Monday 19 Jan 2026 is Martin Luther King Jr.'s Birthday -> Tuesday at 4:00 p.m. EST.
    d = _ok(world, rule="HC-DMD-SO", trigger_date="2026-01-15", court_state="MD")
    assert d["due_at"] == "2026-01-20T16:00:00-05:00"


def test_example_6_frap4_with_government_party(world: Any) -> None:
    d = _ok(world, rule="FRAP4-60", trigger_date="2026-10-05")
    assert d["due_earliest_safe"] == d["due_latest_arguable"] == "2026-12-04"
    assert d["jurisdictional"] is True


def test_trigger_at_and_service_method(world: Any) -> None:
    # 23:30 in Los Angeles on 17 Mar is already 18 Mar UTC: the court-local date counts.
    d = _ok(world, rule="HC-RETURN", trigger_at="2026-03-18T06:30:00Z", court_timezone="America/Los_Angeles")
    assert d["court_timezone"] == "America/Los_Angeles"
    assert d["trace"][0]["date"] == "2026-03-17"
    mailed = _ok(world, rule="HC-RETURN", trigger_date="2026-03-18", service_method="mail")
    assert mailed["due_earliest_safe"] > "2026-03-23"  # FRCP 6(d) adds 3 days after mail service


def test_period_override_and_hours_rule(world: Any) -> None:
    d = _ok(world, rule="VD-60", trigger_date="2026-03-02", period_override=30)
    assert d["period"] == 30
    assert_problem(_compute(world, rule="VD-60", trigger_date="2026-03-02", period_override=90), 422,
                   "invalid_period_override")


def test_nothing_is_saved(world: Any) -> None:
    _ok(world, rule="PFR-30", trigger_date="2026-05-20")
    r = world.http.get(f"{API}/deadlines", headers=world.h(), params={"client_id": str(world.client_id)})
    assert r.json()["total"] == 0


@pytest.mark.parametrize(("body", "code"), [
    ({"rule": "NO-SUCH-RULE", "trigger_date": "2026-05-20"}, "unknown_rule"),
    ({"rule": "PFR-30", "trigger_at": "2026-05-20T10:00:00"}, "validation_error"),  # naive instant
    ({"rule": "PFR-30", "trigger_date": "2026-02-30"}, "validation_error"),
    ({"rule": "PFR-30", "trigger_date": "20-05-2026"}, "validation_error"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "service_method": "pigeon"}, "validation_error"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "court_timezone": "Mars/Olympus"}, "unknown_timezone"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "court_timezone": "../../etc/passwd"}, "unknown_timezone"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "court_state": "ZZ"}, "unknown_court_state"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "extra": 1}, "validation_error"),
    ({"rule": "PFR-30"}, "trigger_required"),
    ({"rule": "PFR-30", "trigger_date": "1900-01-02"}, "trigger_out_of_range"),
    ({"rule": "PFR-30", "trigger_date": "2026-05-20", "trigger_at": "2026-05-22T12:00:00Z"}, "conflicting_trigger"),
    ({"rule": "EOIR-MTR-INABSENTIA-NOTICE", "trigger_date": "2026-05-20"}, "no_computable_deadline"),
    ({"trigger_date": "2026-05-20"}, "validation_error"),
])
def test_invalid_input_is_422(world: Any, body: dict[str, Any], code: str) -> None:
    assert_problem(_compute(world, **body), 422, code)


def test_liaison_cannot_compute(world: Any) -> None:
    assert_problem(_compute(world, "family_liaison", rule="PFR-30", trigger_date="2026-05-20"), 403, "forbidden")
    assert world.http.post(COMPUTE, json={"rule": "PFR-30", "trigger_date": "2026-05-20"}).status_code == 401
