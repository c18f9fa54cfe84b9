"""Direct-insert factories for tests of other domains (fictional data only).

They write rows the way the clients/custody services would, including the custody projection, but do NOT
evaluate alerts: tests of alert behaviour go through the HTTP API.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.clients import name_index
from app.clients.models import Client, ClientGroup, ClientGroupMember, Proceeding
from app.core_data.names import fold_for_search
from app.custody.models import CustodyEvent, Facility
from app.custody.service import rebuild_current


def make_facility(db: Any, org_id: uuid.UUID | None = None, **kw: Any) -> Facility:
    data: dict[str, Any] = dict(
        name="Fictional County Detention Center", type="igsa_county_jail", city="Glen Burnie", state="MD",
        country="US", federal_district="mdd", circuit="4th", ice_field_office="Baltimore",
        custodian_name="Warden Pat Example", custodian_title="Warden", phone="+1-410-555-0199",
        visitation_info="Visits Saturdays 9-11 a.m.", source="test fixture", verified=False,
    )
    data.update(kw)
    with db.session(write=True) as s:
        fac = Facility(organization_id=org_id, **data)
        s.add(fac)
        s.commit()
        return fac


def make_client(db: Any, org_id: uuid.UUID, **kw: Any) -> Client:
    data: dict[str, Any] = dict(given_names="José Luis", first_surname="Ramírez", second_surname="Núñez",
                                country_of_birth="SV", citizenships=["SV"])
    data.update(kw)
    data.setdefault("search_name", fold_for_search(" ".join(
        x for x in (data.get("given_names"), data.get("first_surname"), data.get("second_surname")) if x)))
    with db.session(write=True) as s:
        c = Client(organization_id=org_id, **data)
        s.add(c)
        s.flush()
        name_index.index_client(s, c)  # as the clients service does
        s.commit()
        return c


def make_proceeding(db: Any, org_id: uuid.UUID, client_id: uuid.UUID, **kw: Any) -> Proceeding:
    data: dict[str, Any] = dict(forum="district_court", court_name="United States District Court for the "
                                "District of Maryland", federal_district="mdd", docket_number="8:26-cv-00001-XX",
                                judge="Hon. Fictional Judge")
    data.update(kw)
    with db.session(write=True) as s:
        p = Proceeding(organization_id=org_id, client_id=client_id, **data)
        s.add(p)
        s.commit()
        return p


def add_custody_event(db: Any, org_id: uuid.UUID, client_id: uuid.UUID, status: str = "detained_ice",
                      effective_at: datetime | None = None, **kw: Any) -> CustodyEvent:
    data: dict[str, Any] = dict(source_type="attorney_visit", confidence="confirmed")
    data.update(kw)
    with db.session(write=True) as s:
        ev = CustodyEvent(organization_id=org_id, client_id=client_id, status=status,
                          effective_at=effective_at or datetime.now(UTC), **data)
        s.add(ev)
        s.flush()
        rebuild_current(s, org_id, client_id)
        s.commit()
        return ev


def make_group(db: Any, org_id: uuid.UUID, client_ids: list[uuid.UUID], name: str | None = None) -> ClientGroup:
    with db.session(write=True) as s:
        g = ClientGroup(organization_id=org_id, name=name or f"Flight {uuid.uuid4().hex[:6]}")
        s.add(g)
        s.flush()
        for cid in client_ids:
            s.add(ClientGroupMember(group_id=g.id, client_id=cid, organization_id=org_id))
        s.commit()
        return g
