"""The redacted view: exact key set per scope combination, labels in both languages, sections."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.custody.statuses import ABROAD_STATUSES, CustodyStatus
from app.deadlines import service as deadlines_service
from app.portal.labels import format_date, format_datetime, status_label, t
from tests.conftest import assert_problem
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding
from tests.portal.conftest import ALL_SCOPES, portal_url

TOP_KEYS = {"client_id", "display_name", "a_number_masked", "lang", "custody_status", "location", "next_hearing",
            "next_filing", "attorney"}
SECTION_OF_SCOPE = {"custody_status": "custody_status", "location": "location", "hearings": "next_hearing",
                    "deadlines_generic": "next_filing"}
SECTION_KEYS = {
    "custody_status": {"label", "last_confirmed_at", "last_confirmed_text", "certainty_text"},
    "location": {"facility_name", "address", "city", "state", "zip", "phone", "visitation_info"},
    "next_hearing": {"at", "text", "court"},
    "next_filing": {"due_date", "text"},
}
ATTORNEY_KEYS = {"name", "phone", "email"}
COMBOS = [combo for n in range(len(ALL_SCOPES) + 1) for combo in itertools.combinations(ALL_SCOPES, n)]
CONFIRMED_AT = datetime(2025, 3, 12, 21, 0, tzinfo=UTC)  # 5:00 PM EDT
FACILITY_NAME = "Fictional Processing Center"
COURT = "Fictional Immigration Court"


def _fake_deadlines(due: date) -> Any:
    def fake(session: Any, org_id: Any, client_id: Any, limit: int = 5) -> list[dict[str, Any]]:
        return [{"id": str(uuid.uuid4()), "title": "Brief", "due_at": f"{due.isoformat()}T21:59:00+00:00",
                 "due_earliest_safe": due.isoformat(), "status": "open"}]
    return fake


def _scenario(db: Any, org: Any) -> tuple[Any, Any, datetime, date]:
    fac = make_facility(db, name=FACILITY_NAME, city="Lumpkin", state="GA", address="146 CCA Road", zip="31815",
                        phone="+1-229-555-0101", visitation_info="Visits Saturday and Sunday, 8 a.m.-3 p.m.")
    c = make_client(db, org.id, a_number="012345678")
    add_custody_event(db, org.id, c.id, "detained_ice", CONFIRMED_AT, facility_id=fac.id, family_visible=True)
    hearing = (datetime.now(UTC) + timedelta(days=20)).replace(hour=14, minute=0, second=0, microsecond=0)
    make_proceeding(db, org.id, c.id, forum="immigration_court", court_name=COURT, federal_district=None,
                    next_hearing_at=hearing)
    return c, fac, hearing, (datetime.now(UTC) + timedelta(days=10)).date()


@pytest.mark.parametrize("scopes", COMBOS, ids=lambda c: "+".join(c) or "none")
def test_exact_key_set_for_each_scope_combination(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any,
                                                  monkeypatch: Any, scopes: tuple[str, ...]) -> None:
    c, fac, hearing, due = _scenario(db, org_a)
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", _fake_deadlines(due))
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, scopes)
    r = client.get(portal_url(c.id), headers=h, params={"lang": "en"})
    assert r.status_code == 200, r.text
    v = r.json()
    assert set(v) == TOP_KEYS
    for scope, section in SECTION_OF_SCOPE.items():
        if scope in scopes:
            assert isinstance(v[section], dict) and set(v[section]) == SECTION_KEYS[section], section
        else:
            assert v[section] is None, section
    assert set(v["attorney"]) == ATTORNEY_KEYS
    assert v["client_id"] == str(c.id) and v["display_name"] == "José Luis Ramírez Núñez"
    assert v["a_number_masked"] == "A-***-***-678" and v["lang"] == "en"
    text = r.text
    if "custody_status" in scopes:
        expected = f"Detained by ICE at {FACILITY_NAME}" if "location" in scopes else "Detained by ICE"
        assert v["custody_status"]["label"] == expected
        assert datetime.fromisoformat(v["custody_status"]["last_confirmed_at"]) == CONFIRMED_AT
        assert v["custody_status"]["last_confirmed_text"] == "Last confirmed: March 12, 2025, 5:00 PM EDT"
    if "location" in scopes:
        assert v["location"] == {"facility_name": FACILITY_NAME, "address": "146 CCA Road", "city": "Lumpkin",
                                 "state": "GA", "zip": "31815", "phone": "+1-229-555-0101",
                                 "visitation_info": "Visits Saturday and Sunday, 8 a.m.-3 p.m."}
    else:
        for secret in (FACILITY_NAME, "Lumpkin", "146 CCA Road", "229-555-0101", "Visits Saturday"):
            assert secret not in text
    if "hearings" in scopes:
        assert datetime.fromisoformat(v["next_hearing"]["at"]) == hearing
        assert v["next_hearing"]["court"] == COURT
        assert v["next_hearing"]["text"] == t("next_hearing_at", "en",
                                              datetime=format_datetime(hearing, "en", "America/New_York"))
    else:
        assert COURT not in text and format_date(hearing.date(), "en") not in text
    if "deadlines_generic" in scopes:
        assert v["next_filing"] == {"due_date": due.isoformat(), "text": f"A filing is due on {format_date(due, 'en')}"}
    else:
        assert due.isoformat() not in text and format_date(due, "en") not in text
    attorney = org_a.users["attorney"]
    assert v["attorney"] == {"name": attorney.full_name, "phone": attorney.phone, "email": attorney.email}


def _status_fixture(db: Any, org: Any, status: CustodyStatus) -> tuple[Any, str | None, str | None]:
    """A client whose latest family-visible event has ``status`` (with a facility and/or country when allowed)."""
    facility = None
    country = None
    kw: dict[str, Any] = {}
    if status in {CustodyStatus.DETAINED_ICE, CustodyStatus.DETAINED_OTHER_US, CustodyStatus.HOSPITALIZED,
                  CustodyStatus.IN_TRANSIT, CustodyStatus.RETURNED_TO_US}:
        fac = make_facility(db, name=f"{FACILITY_NAME} {uuid.uuid4().hex[:4]}")
        facility = fac.name
        kw["facility_id"] = fac.id
    if status in ABROAD_STATUSES or status == CustodyStatus.IN_TRANSIT:
        country = "HN"
        kw["country"] = country
    c = make_client(db, org.id)
    add_custody_event(db, org.id, c.id, status.value, CONFIRMED_AT, family_visible=True, **kw)
    return c, facility, country


@pytest.mark.parametrize("status", list(CustodyStatus))
def test_labels_for_every_status_in_both_languages(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any,
                                                   status: CustodyStatus) -> None:
    c, facility, country = _status_fixture(db, org_a, status)
    with_place, h_place = new_liaison(org_a.id)
    without_place, h_plain = new_liaison(org_a.id, preferred_language="es")
    grant(org_a, c.id, with_place.id, ["custody_status", "location"])
    grant(org_a, c.id, without_place.id, ["custody_status"])
    confirmed = {"en": "Last confirmed: March 12, 2025, 5:00 PM EDT",
                 "es": "Última confirmación: 12 de marzo de 2025, 17:00 (hora del Este)"}
    for lang in ("en", "es"):
        full = client.get(portal_url(c.id), headers=h_place, params={"lang": lang})
        plain = client.get(portal_url(c.id), headers=h_plain, params={"lang": lang})
        assert full.status_code == 200 and plain.status_code == 200, (full.text, plain.text)
        assert full.json()["custody_status"]["label"] == status_label(status, lang, facility, country)
        assert plain.json()["custody_status"]["label"] == status_label(status, lang)
        assert full.json()["custody_status"]["last_confirmed_text"] == confirmed[lang]
        assert plain.json()["custody_status"]["last_confirmed_text"] == confirmed[lang]
        # without the location scope neither the facility nor the country is named anywhere
        for secret in filter(None, (facility, "Honduras")):
            assert secret not in plain.text
        if country and "country" in _variants(status):
            assert "Honduras" in full.json()["custody_status"]["label"]
        if facility and "facility" in _variants(status):
            assert facility in full.json()["custody_status"]["label"]


def _variants(status: CustodyStatus) -> set[str]:
    from app.portal.label_text import STATUS_LABELS

    return {k for key in STATUS_LABELS[status] for k in key.split("_")}


def test_spot_check_spanish_wording(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    c, facility, _ = _status_fixture(db, org_a, CustodyStatus.DETAINED_ICE)
    liaison, h = new_liaison(org_a.id, preferred_language="es")
    grant(org_a, c.id, liaison.id, ["custody_status", "location"])
    label = client.get(portal_url(c.id), headers=h).json()["custody_status"]["label"]
    assert label == f"Detenido por ICE en {facility}"
    c2, _, _ = _status_fixture(db, org_a, CustodyStatus.REMOVED_TO_THIRD_COUNTRY)
    grant(org_a, c2.id, liaison.id, ["custody_status", "location"])
    assert client.get(portal_url(c2.id), headers=h).json()["custody_status"]["label"] == "Deportado a Honduras"


def test_language_defaults_to_preference_and_is_validated(client: Any, db: Any, org_a: Any, grant: Any,
                                                          new_liaison: Any, monkeypatch: Any) -> None:
    c, _, hearing, due = _scenario(db, org_a)
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", _fake_deadlines(due))
    liaison, h = new_liaison(org_a.id, preferred_language="es")
    grant(org_a, c.id, liaison.id)
    es = client.get(portal_url(c.id), headers=h).json()
    assert es["lang"] == "es"
    assert es["custody_status"]["label"] == f"Detenido por ICE en {FACILITY_NAME}"
    assert es["next_filing"]["text"] == f"Hay un escrito con fecha límite el {format_date(due, 'es')}"
    assert es["next_hearing"]["text"].startswith("Próxima audiencia: ")
    assert es["next_hearing"]["text"] == t("next_hearing_at", "es",
                                           datetime=format_datetime(hearing, "es", "America/New_York"))
    en = client.get(portal_url(c.id), headers=h, params={"lang": "en"}).json()
    assert en["lang"] == "en" and en["custody_status"]["label"] == f"Detained by ICE at {FACILITY_NAME}"
    for bad in ("fr", "ES", "es-MX", "", "en,es"):
        assert_problem(client.get(portal_url(c.id), headers=h, params={"lang": bad}), 422, "validation_error")


def test_only_family_visible_non_retracted_events_count(client: Any, db: Any, org_a: Any, grant: Any,
                                                        new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, ["custody_status"])
    empty = client.get(portal_url(c.id), headers=h).json()["custody_status"]
    assert empty == {"label": None, "last_confirmed_at": None, "last_confirmed_text": None, "certainty_text": None}
    base = datetime.now(UTC) - timedelta(days=3)
    add_custody_event(db, org_a.id, c.id, "detained_ice", base, family_visible=True, location_text="Somewhere")
    add_custody_event(db, org_a.id, c.id, "in_transit", base + timedelta(days=1), family_visible=False)
    retracted = add_custody_event(db, org_a.id, c.id, "released_bond", base + timedelta(days=2), family_visible=True,
                                  retracted_at=datetime.now(UTC))
    assert retracted.retracted_at is not None
    add_custody_event(db, org_a.id, c.id, "released_parole", datetime.now(UTC) + timedelta(days=1),
                      family_visible=True)  # dated in the future: not yet
    v = client.get(portal_url(c.id), headers=h).json()["custody_status"]
    assert v["label"] == "Detained by ICE"
    assert datetime.fromisoformat(v["last_confirmed_at"]) == base.replace(microsecond=base.microsecond)


def test_location_scope_without_facility_and_without_status_scope(client: Any, db: Any, org_a: Any, grant: Any,
                                                                  new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    add_custody_event(db, org_a.id, c.id, "released_bond", datetime.now(UTC) - timedelta(hours=2), family_visible=True)
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, ["location"])
    v = client.get(portal_url(c.id), headers=h).json()
    assert v["custody_status"] is None
    assert v["location"] == dict.fromkeys(SECTION_KEYS["location"])


def test_next_hearing_is_the_soonest_future_unsealed_one(client: Any, db: Any, org_a: Any, grant: Any,
                                                         new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    now = datetime.now(UTC).replace(microsecond=0)
    make_proceeding(db, org_a.id, c.id, court_name="Past Court", next_hearing_at=now - timedelta(days=1))
    make_proceeding(db, org_a.id, c.id, court_name="Sealed Court", next_hearing_at=now + timedelta(days=1),
                    sealed=True)
    make_proceeding(db, org_a.id, c.id, court_name="Later Court", next_hearing_at=now + timedelta(days=30))
    make_proceeding(db, org_a.id, c.id, court_name=None, federal_district="txsd",
                    next_hearing_at=now + timedelta(days=5))
    make_proceeding(db, org_a.id, c.id, court_name="No Hearing Court", next_hearing_at=None)
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, ["hearings"])
    r = client.get(portal_url(c.id), headers=h, params={"lang": "en"})
    v = r.json()["next_hearing"]
    assert datetime.fromisoformat(v["at"]) == now + timedelta(days=5)
    assert v["court"] == "United States District Court for the Southern District of Texas"
    # formatted in the court's zone (txsd: America/Chicago)
    assert v["text"] == t("next_hearing_at", "en",
                          datetime=format_datetime(now + timedelta(days=5), "en", "America/Chicago"))
    for hidden in ("Past Court", "Sealed Court", "Later Court", "No Hearing Court"):
        assert hidden not in r.text
    c2 = make_client(db, org_a.id)
    grant(org_a, c2.id, liaison.id, ["hearings"])
    none = client.get(portal_url(c2.id), headers=h, params={"lang": "es"}).json()["next_hearing"]
    assert none == {"at": None, "text": "No hay audiencia programada", "court": None}


def test_next_filing_date_is_generic_and_defensive(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any,
                                                   monkeypatch: Any) -> None:
    today = datetime.now(UTC).date()
    items = [
        {"due_earliest_safe": (today - timedelta(days=2)).isoformat(), "title": "past"},
        {"due_at": datetime.combine(today + timedelta(days=9), datetime.min.time(), UTC).replace(hour=17)},
        {"due_earliest_safe": today + timedelta(days=7), "status": "met", "title": "already filed"},
        {"due_earliest_safe": "not a date"},
        {"status": "open"},
        "garbage",
        {"due_earliest_safe": (today + timedelta(days=4)).isoformat(), "due_at": "2099-01-01T00:00:00Z",
         "title": "Opposition to motion", "rule": "FRCP59E", "trace": ["step"]},
    ]
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", lambda *a, **k: items)
    c = make_client(db, org_a.id)
    liaison, h = new_liaison(org_a.id)
    grant(org_a, c.id, liaison.id, ["deadlines_generic"])
    r = client.get(portal_url(c.id), headers=h, params={"lang": "en"})
    due = today + timedelta(days=4)
    expected = {"due_date": due.isoformat(), "text": f"A filing is due on {format_date(due, 'en')}"}
    assert r.json()["next_filing"] == expected
    for detail in ("Opposition", "FRCP59E", "step", "already filed"):
        assert detail not in r.text
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", lambda *a, **k: [])
    none = client.get(portal_url(c.id), headers=h, params={"lang": "es"}).json()["next_filing"]
    assert none == {"due_date": None, "text": "No hay fechas límite próximas"}


def test_a_number_masked_or_null(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    liaison, h = new_liaison(org_a.id)
    cases = [({"a_number": "209876543"}, "A-***-***-543"), ({}, None),
             ({"a_number": "209876544", "a_number_sealed": True}, None)]
    for kw, expected in cases:
        c = make_client(db, org_a.id, **kw)
        grant(org_a, c.id, liaison.id, [])
        r = client.get(portal_url(c.id), headers=h)
        assert r.json()["a_number_masked"] == expected
        assert "987654" not in r.text


def test_attorney_contact(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    c = make_client(db, org_a.id)
    l1, h1 = new_liaison(org_a.id)
    l2, h2 = new_liaison(org_a.id)
    l3, h3 = new_liaison(org_a.id)
    grant(org_a, c.id, l1.id, [], role="admin")  # an admin recorded consent, no attorney named
    grant(org_a, c.id, l2.id, [], role="admin", attorney_id=str(org_a.users["attorney"].id))
    grant(org_a, c.id, l3.id, [])  # the granting attorney
    assert client.get(portal_url(c.id), headers=h1).json()["attorney"] is None
    attorney = org_a.users["attorney"]
    expected = {"name": attorney.full_name, "phone": attorney.phone, "email": attorney.email}
    assert client.get(portal_url(c.id), headers=h2).json()["attorney"] == expected
    assert client.get(portal_url(c.id), headers=h3).json()["attorney"] == expected


def test_list_shows_only_granted_clients(client: Any, db: Any, org_a: Any, grant: Any, new_liaison: Any) -> None:
    liaison, h = new_liaison(org_a.id)
    assert client.get(portal_url(), headers=h).json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    mine = [make_client(db, org_a.id, given_names=n, first_surname="Ficticio", second_surname=None)
            for n in ("Beto", "Ana")]
    make_client(db, org_a.id, given_names="Carla", first_surname="Ajena")
    for c in mine:
        grant(org_a, c.id, liaison.id, ["custody_status"])
    r = client.get(portal_url(), headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and {tuple(sorted(i)) for i in body["items"]} == {("client_id", "display_name")}
    assert [i["display_name"] for i in body["items"]] == ["Ana Ficticio", "Beto Ficticio"]
    assert "Carla" not in r.text
    page = client.get(portal_url(), headers=h, params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2 and [i["display_name"] for i in page["items"]] == ["Beto Ficticio"]
