"""Shared helpers of the security tests: a seeded organization whose objects give path parameters real ids.

``seed_world`` creates one object of every kind the API exposes (client, facility, proceeding, custody event,
protection order, court order + obligation + occurrence, deadline, trigger event, group, liaison grant, alert,
filing, filing batch, calendar token) through the HTTP API where a route exists, so route walks and the schema
fuzzer reach the code behind the 404. Seeding is tolerant: the domain packages are still being built, so a
step whose route is missing or answers an error is skipped and the parameter falls back to a random UUID
(listed in ``missing``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.conftest import OrgFixture
from tests.factories import add_custody_event, make_client, make_facility, make_group, make_proceeding

API = "/api/v1"
PARAM = re.compile(r"\{([^}]+)\}")


@dataclass
class World:
    """Real ids of one organization's objects, keyed by the path parameter they fill."""

    org: OrgFixture
    ids: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def param_value(self, path: str, name: str) -> str | None:
        """The real id for ``{name}`` in ``path`` (``event_id`` and ``order_id`` depend on the path)."""
        key = name
        if name == "event_id":
            key = "trigger_event_id" if "/trigger-events/" in path else "custody_event_id"
        elif name == "order_id":
            key = "court_order_id" if "/court-orders/" in path else "protection_order_id"
        return self.ids.get(key)

    def path_params(self, path: str) -> dict[str, str] | None:
        """Every parameter of ``path`` filled with a real id, or None when one of them is unknown."""
        out = {}
        for name in PARAM.findall(path):
            value = self.param_value(path, name)
            if value is None:
                return None
            out[name] = value
        return out

    def fill(self, path: str) -> str:
        """``path`` with real ids where known and random UUIDs elsewhere."""
        def repl(m: re.Match[str]) -> str:
            return self.param_value(path, m.group(1)) or str(uuid.uuid4())

        return PARAM.sub(repl, path)


def seed_world(http: Any, db: Any, org: OrgFixture) -> World:
    """Create one object of each kind in ``org`` (tolerant of routes that do not exist yet)."""
    world = World(org=org)
    ids = world.ids
    h_para, h_att, h_admin = org.h("paralegal"), org.h("attorney"), org.h("admin")

    def post(key: str, path: str, headers: dict[str, str], body: Any, pick: str = "id") -> dict[str, Any] | None:
        try:
            r = http.post(API + path, headers=headers, json=body)
        except Exception:  # noqa: BLE001 - a half-built domain must not break the security suite
            r = None
        if r is None or r.status_code not in (200, 201, 202):
            world.missing.append(key)
            return None
        data = r.json()
        if not isinstance(data, dict):
            return None
        # Some create routes wrap the object with what it caused: {"order": {...}, "alerts": [...]}.
        obj = data if pick in data else next((v for v in data.values() if isinstance(v, dict) and pick in v), {})
        if pick in obj:
            ids[key] = str(obj[pick])
        return obj or data

    fac = make_facility(db, org.id, name="Fictional Security Test Facility")
    ids["facility_id"] = str(fac.id)
    cl = make_client(db, org.id, given_names="Fuzz", first_surname="Example", a_number=None)
    ids["client_id"] = str(cl.id)
    other = make_client(db, org.id, given_names="Second", first_surname="Example")
    proc = make_proceeding(db, org.id, cl.id)
    ids["proceeding_id"] = str(proc.id)
    ev = add_custody_event(db, org.id, cl.id, facility_id=fac.id)
    ids["custody_event_id"] = str(ev.id)
    grp = make_group(db, org.id, [cl.id, other.id])
    ids["group_id"] = str(grp.id)

    # A user the fuzzer may PATCH (never one of the acting users: a role change would end the run).
    post("user_id", "/users", h_admin, {"email": f"victim-{uuid.uuid4().hex[:8]}@example.org",
                                        "full_name": "Fictional Victim User", "role": "paralegal",
                                        "password": "a long fictional passphrase 42"})
    post("protection_order_id", f"/clients/{cl.id}/protection-orders", h_att, {
        "type": "withholding_241b3", "scope": "removal_to_listed_countries", "countries": ["SV"],
        "issuing_body": "Immigration Judge, Baltimore Immigration Court", "judge": "Hon. Example Judge",
        "issued_at": "2019-10-10T15:00:00Z",
    })
    court = post("court_order_id", f"/clients/{cl.id}/court-orders", h_att, {
        "issuing_court": "United States District Court for the District of Maryland",
        "issued_at": "2025-04-11T15:00:00Z",
        "obligations": [{"obligated_party": "government", "description": "Daily declaration",
                         "first_due_at": "2025-04-12T17:00:00-04:00", "timezone": "America/New_York",
                         "recurrence": "FREQ=DAILY"}],
    })
    if court:
        obligations = court.get("obligations") or []
        if obligations and isinstance(obligations[0], dict) and "id" in obligations[0]:
            ids["obligation_id"] = str(obligations[0]["id"])
    if "obligation_id" in ids:
        r = http.get(f"{API}/obligations/{ids['obligation_id']}/occurrences", headers=h_para,
                     params={"until": "2025-04-20T00:00:00Z"})
        items = r.json() if r.status_code == 200 else []
        items = items.get("items", []) if isinstance(items, dict) else items
        if items and isinstance(items[0], dict) and "id" in items[0]:
            ids["occurrence_id"] = str(items[0]["id"])
    future = (date.today() + timedelta(days=60)).isoformat()
    post("deadline_id", f"/clients/{cl.id}/deadlines", h_para, {"title": "Fictional reply brief", "due_date": future})
    post("trigger_event_id", f"/clients/{cl.id}/trigger-events", h_para,
         {"kind": "bia_decision", "occurred_on": (date.today() - timedelta(days=2)).isoformat()})
    post("grant_id", f"/clients/{cl.id}/liaison-grants", h_att, {
        "liaison_user_id": str(org.users["family_liaison"].id),
        "scopes": ["custody_status", "location", "hearings", "deadlines_generic"],
        "consent": {"method": "written_signed", "language": "es",
                    "obtained_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
    })
    # A removal to the protected country raises an alert (and gives the fuzzer an alert id).
    post("removal_event_id", f"/clients/{other.id}/custody-events", h_para, {
        "status": "detained_ice", "effective_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "source_type": "attorney_visit", "confidence": "confirmed", "facility_id": str(fac.id),
    })
    r = http.post(f"{API}/clients/{cl.id}/custody-events", headers=h_para, json={
        "status": "removed_to_designated_country", "effective_at": datetime.now(UTC).isoformat(),
        "country": "SV", "source_type": "government_filing", "confidence": "reported",
    })
    if r.status_code == 201:
        ids["custody_event_id"] = str(r.json().get("id", ids["custody_event_id"]))
    a = http.get(f"{API}/alerts", headers=h_para)
    alerts = a.json().get("items", []) if a.status_code == 200 else []
    if alerts:
        ids["alert_id"] = str(alerts[0]["id"])
    else:
        world.missing.append("alert_id")
    post("filing_id", f"/clients/{cl.id}/filings", h_att,
         {"template": "habeas_2241", "proceeding_id": str(proc.id), "options": {}})
    post("batch_id", "/filing-batches", h_att, {"template": "habeas_2241", "client_ids": [str(cl.id)], "options": {}})
    ids["rule_id"] = "EOIR-APPEAL-IJ"
    tok = http.post(f"{API}/auth/me/calendar-token", headers=h_para)
    if tok.status_code == 201:
        ids["feed_token"] = tok.json()["token"]
    return world
