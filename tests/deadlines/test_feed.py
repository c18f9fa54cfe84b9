"""GET /calendar/{feed_token}.ics: RFC 5545 that icalendar parses, alarms, stable UIDs, time zones, who sees what,
no A-numbers or notes, unknown/revoked/liaison tokens -> 404, compliance occurrences included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from tests.conftest import assert_problem
from tests.deadlines.conftest import API
from tests.factories import make_client

TOKEN = f"{API}/auth/me/calendar-token"


def _token(world: Any, role: str) -> str:
    r = world.http.post(TOKEN, headers=world.h(role))
    assert r.status_code == 201, r.text
    return r.json()["token"]  # type: ignore[no-any-return]


def _fetch(world: Any, token: str) -> Calendar:
    r = world.http.get(f"/calendar/{token}.ics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-store" in r.headers["cache-control"]
    return Calendar.from_ical(r.content)


def _events(cal: Calendar) -> dict[str, Any]:
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


@pytest.fixture
def feed_world(world: Any, db: Any, make_org: Any) -> dict[str, Any]:
    attorney = str(world.org.users["attorney"].id)
    paralegal = str(world.org.users["paralegal"].id)
    named = make_client(db, world.org.id, given_names="Lucía", first_surname="Hernández", second_surname="Paz",
                        a_number="087654321", privileged_notes="PRIVILEGED-NOTE-TEXT")
    other = make_org()
    foreign = make_client(db, other.id, given_names="Outsider")
    r = world.http.post(f"{API}/clients/{foreign.id}/deadlines", headers=other.h("attorney"),
                        json={"title": "Other org deadline", "due_date": "2026-06-10"})
    assert r.status_code == 201
    out = {
        "mine": world.deadline(client_id=named.id, rule="PFR-30", trigger_date="2026-05-20", owner_id=attorney,
                               notes="NOTE-NEVER-IN-FEED"),
        "unowned": world.deadline(title="Unowned filing", due_date="2026-05-15",
                                  court_timezone="America/Los_Angeles"),
        "theirs": world.deadline(title="Paralegal's task", due_date="2026-05-20", owner_id=paralegal),
        "done": world.deadline(title="Already filed", due_date="2026-05-05", owner_id=attorney),
        "foreign": r.json(),
        "named": named,
    }
    world.patch(f"/deadlines/{out['done']['id']}", {"status": "met"}, 1)
    return out


def test_feed_parses_with_alarms_time_zones_and_stable_uids(world: Any, feed_world: dict[str, Any]) -> None:
    token = _token(world, "attorney")
    first = _fetch(world, token)
    events = _events(first)
    mine, unowned = feed_world["mine"], feed_world["unowned"]
    assert set(events) == {f"deadline-{mine['id']}@dueprocess", f"deadline-{unowned['id']}@dueprocess"}
    ev = events[f"deadline-{mine['id']}@dueprocess"]
    assert str(ev["SUMMARY"]) == "[Jurisdictional] Petition for review in the court of appeals — Lucía Hernández Paz"
    end = ev.decoded("DTEND")
    assert end == datetime(2026, 6, 22, 23, 59, 59, tzinfo=end.tzinfo) and str(end.tzinfo) == "America/New_York"
    assert ev["DTEND"].params["TZID"] == "America/New_York"
    assert ev.decoded("DTSTART") < end
    alarms = [a for a in ev.walk("VALARM")]
    assert sorted(a["TRIGGER"].to_ical().decode() for a in alarms) == ["-P2D", "-PT2H"]
    assert all(a["TRIGGER"].params.get("RELATED") == "END" for a in alarms)
    assert {str(tz["TZID"]) for tz in first.walk("VTIMEZONE")} == {"America/New_York", "America/Los_Angeles"}
    la = events[f"deadline-{unowned['id']}@dueprocess"]
    assert la["DTEND"].params["TZID"] == "America/Los_Angeles"
    assert la.decoded("DTEND").astimezone(UTC) == datetime(2026, 5, 16, 6, 59, 59, tzinfo=UTC)
    second = _fetch(world, token)
    assert set(_events(second)) == set(events)
    assert second.to_ical() == first.to_ical()  # nothing changed, nothing differs (DTSTAMP = last change)


def test_feed_never_carries_a_numbers_or_notes(world: Any, feed_world: dict[str, Any]) -> None:
    body = world.http.get(f"/calendar/{_token(world, 'attorney')}.ics").text
    unfolded = body.replace("\r\n ", "")
    for secret in ("087654321", "087-654-321", "A-087", "PRIVILEGED-NOTE-TEXT", "NOTE-NEVER-IN-FEED"):
        assert secret not in unfolded
    assert "Lucía Hernández Paz" in unfolded


def test_each_user_sees_own_and_unowned_only(world: Any, feed_world: dict[str, Any]) -> None:
    ids = {k: f"deadline-{feed_world[k]['id']}@dueprocess" for k in ("mine", "unowned", "theirs", "done", "foreign")}
    para = set(_events(_fetch(world, _token(world, "paralegal"))))
    assert para == {ids["theirs"], ids["unowned"]}
    admin = set(_events(_fetch(world, _token(world, "admin"))))
    assert admin == {ids["unowned"]}


def test_changes_show_up_with_a_new_sequence(world: Any, feed_world: dict[str, Any]) -> None:
    token = _token(world, "attorney")
    uid = f"deadline-{feed_world['unowned']['id']}@dueprocess"
    before = _events(_fetch(world, token))[uid]
    world.patch(f"/deadlines/{feed_world['unowned']['id']}", {"title": "Renamed filing"}, 1)
    after = _events(_fetch(world, token))[uid]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert str(after["SUMMARY"]).startswith("Renamed filing")
    world.patch(f"/deadlines/{feed_world['unowned']['id']}", {"status": "moot"}, 2)
    assert uid not in _events(_fetch(world, token))


def test_unknown_revoked_and_liaison_tokens_are_404(world: Any, feed_world: dict[str, Any]) -> None:
    assert_problem(world.http.get("/calendar/not-a-real-token.ics"), 404, "feed_not_found")
    assert_problem(world.http.get(f"/calendar/{'x' * 300}.ics"), 404, "feed_not_found")
    token = _token(world, "attorney")
    assert world.http.get(f"/calendar/{token}.ics").status_code == 200
    assert world.http.delete(TOKEN, headers=world.h("attorney")).status_code == 204
    assert_problem(world.http.get(f"/calendar/{token}.ics"), 404, "feed_not_found")
    rotated = _token(world, "attorney")
    old_again = world.http.get(f"/calendar/{token}.ics")
    assert rotated != token and old_again.status_code == 404
    liaison = _token(world, "family_liaison")
    assert_problem(world.http.get(f"/calendar/{liaison}.ics"), 404, "feed_not_found")
    # The feed is public (no bearer token needed) but a bearer token does not help without the feed token.
    assert_problem(world.http.get("/calendar/x.ics", headers=world.h("attorney")), 404, "feed_not_found")


def test_compliance_occurrences_are_in_the_feed(world: Any, db: Any) -> None:
    models = pytest.importorskip("app.protection.models")
    start = datetime(2026, 5, 1, 21, 0, tzinfo=UTC)  # 17:00 EDT
    with db.session(write=True) as s:
        order = models.CourtOrder(organization_id=world.org.id, client_id=world.client_id,
                                  issuing_court="D. Md. (fictional)", issued_at=start - timedelta(days=1))
        s.add(order)
        s.flush()
        ids = {}
        for party in ("us", "government"):
            ob = models.ComplianceObligation(organization_id=world.org.id, court_order_id=order.id,
                                             client_id=world.client_id, obligated_party=party,
                                             description=f"Daily declaration ({party})", first_due_at=start,
                                             timezone="America/New_York", recurrence="FREQ=DAILY")
            s.add(ob)
            s.flush()
            occ = models.ObligationOccurrence(organization_id=world.org.id, obligation_id=ob.id,
                                              client_id=world.client_id, due_at=start + timedelta(days=1))
            s.add(occ)
            s.flush()
            ids[party] = occ.id
        s.commit()
    events = _events(_fetch(world, _token(world, "paralegal")))
    ours = events[f"occurrence-{ids['us']}@dueprocess"]
    gov = events[f"occurrence-{ids['government']}@dueprocess"]
    assert str(ours["SUMMARY"]).startswith("Our filing due: Daily declaration (us)")
    assert str(gov["SUMMARY"]).startswith("Government filing due")
    assert len(ours.walk("VALARM")) == 2 and gov.walk("VALARM") == []
    assert ours.decoded("DTEND").astimezone(UTC) == start + timedelta(days=1)
