"""No privileged value reaches a family: plant markers everywhere, then search every portal response body."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core_data.countries import country_name
from app.deadlines import service as deadlines_service
from app.portal.labels import format_date
from tests.factories import add_custody_event, make_client, make_facility, make_proceeding
from tests.portal.conftest import ALL_SCOPES, portal_url

M = "ZQX" + uuid.uuid4().hex[:6].upper()  # unlikely in any real text; short enough for VARCHAR(20)


def mark(tag: str) -> str:
    return f"{M}{tag}"


HIDDEN_COUNTRY = "KP"  # only ever recorded on non-family-visible events and protection orders


def _plant(db: Any, org: Any, other_org: Any, new_liaison: Any, grant: Any) -> dict[str, Any]:
    """A client with privileged data in every corner, and the ids the view must not reveal."""
    ids: list[str] = []
    shown_fac = make_facility(
        db, name="Fictional Family Visible Center", city="Visibleton", state="MD", address="1 Public Way",
        zip="21000", phone="+1-410-555-0111", visitation_info="Visits daily",
        operator=mark("OPERATOR"), county=mark("COUNTY"), ice_field_office=mark("FIELDOFF"),
        immigration_court=mark("IMMCOURT"), custodian_name=mark("WARDEN"), custodian_title=mark("WTITLE"),
        source=mark("FACSOURCE"), aliases=[mark("FACALIAS")], external_id=mark("EXTID"),
        ice_detloc_code=mark("DETLOC"),
    )
    hidden_fac = make_facility(db, name=mark("HIDDENFAC"), city=mark("HIDDENCITY"), phone=mark("HIDDENPHONE"),
                               visitation_info=mark("HIDDENVISIT"), address=mark("HIDDENADDR"))
    ids += [str(shown_fac.id), str(hidden_fac.id)]
    c = make_client(
        db, org.id, a_number="123456789", privileged_notes=mark("PRIVNOTES"),
        aliases=[{"name": mark("ALIAS"), "type": "alias"}], sensitive_flags=[mark("FLAG"), "asylum_claim"],
        name_on_charging_document=mark("CHARGINGNAME"), last_known_address=mark("ADDRESS"),
        interpreter_language=mark("INTERPLANG"), sex=mark("SEX"), date_of_birth="1987-06-05",
        last_arrival_date=date(2019, 4, 3),
    )
    base = datetime.now(UTC) - timedelta(days=5)
    ev1 = add_custody_event(
        db, org.id, c.id, "detained_ice", base, facility_id=shown_fac.id, family_visible=True,
        location_text=mark("VISIBLELOCTEXT"), notes=mark("EVNOTES"), source_detail=mark("SRCDETAIL"),
        custodian=mark("CUSTODIAN"), detention_authority=mark("AUTHORITY"), source_type=mark("SRCTYPE"),
        confidence=mark("CONF"),
    )
    ev2 = add_custody_event(
        db, org.id, c.id, "removed_to_third_country", base + timedelta(days=1), facility_id=hidden_fac.id,
        country=HIDDEN_COUNTRY, family_visible=False, location_text=mark("HIDDENLOCTEXT"),
        notes=mark("HIDDENNOTES"), source_detail=mark("HIDDENSRC"),
    )
    ev3 = add_custody_event(db, org.id, c.id, "released_bond", base + timedelta(days=2), family_visible=True,
                            retracted_at=datetime.now(UTC), notes=mark("RETRACTED"))
    ids += [str(ev1.id), str(ev2.id), str(ev3.id)]
    soon = datetime.now(UTC) + timedelta(days=3)
    procs = [
        make_proceeding(db, org.id, c.id, court_name="Fictional Public Court", judge=mark("JUDGE"),
                        docket_number=mark("DOCKET"), division=mark("DIVISION"), name_as_filed=mark("ASFILED"),
                        respondents=[{"name": mark("RESPONDENT"), "title": mark("RTITLE")}],
                        next_hearing_type=mark("HEARINGTYPE"), hearing_location=mark("HEARINGLOC"),
                        our_role=mark("OURROLE"), next_hearing_at=soon),
        make_proceeding(db, org.id, c.id, court_name=mark("SEALEDCOURT"), judge=mark("SEALEDJUDGE"),
                        sealed=True, next_hearing_at=soon - timedelta(days=1)),
        make_proceeding(db, org.id, c.id, court_name=mark("PASTCOURT"),
                        next_hearing_at=datetime.now(UTC) - timedelta(days=1)),
    ]
    ids += [str(p.id) for p in procs]
    others = [
        make_client(db, org.id, given_names=mark("OTHERCLIENT"), a_number="987654321"),
        make_client(db, other_org.id, given_names=mark("OTHERORGCLIENT")),
    ]
    granted_to_someone_else = make_client(db, org.id, given_names=mark("SIBLING"))
    grant(org, granted_to_someone_else.id, org.users["family_liaison"].id)
    others.append(granted_to_someone_else)
    ids += [str(o.id) for o in others]
    liaison, h = new_liaison(org.id, preferred_language="es")
    g = grant(org, c.id, liaison.id, ALL_SCOPES, notes=mark("GRANTNOTES"),
              consent={"method": "via_interpreter", "obtained_at": (base - timedelta(days=1)).isoformat(),
                       "language": mark("CONSENTLANG"), "interpreter": mark("INTERPRETER")})
    ids += [g["id"], str(liaison.id), str(org.users["attorney"].id)]
    po_id = _plant_protection_order(db, org.id, c.id, procs[0].id, org.users["attorney"].id)
    if po_id:
        ids.append(po_id)
    return {"client": c, "headers": h, "ids": ids, "other_client": others[0]}


def _plant_protection_order(db: Any, org_id: Any, client_id: Any, proceeding_id: Any, user_id: Any) -> str | None:
    """If the protection tables exist in this checkout, add an order full of markers (generic insert)."""
    with db.session() as s:
        if "protection_order" not in sa.inspect(s.connection()).get_table_names():
            return None
    from app.protection import models as protection_models

    table = protection_models.ProtectionOrder.__table__  # type: ignore[attr-defined]
    row: dict[str, Any] = {}
    refs = {"organization": org_id, "client": client_id, "proceeding": proceeding_id, "user_account": user_id}
    for col in table.columns:
        fks = list(col.foreign_keys)
        kind = col.type.impl_instance if isinstance(col.type, sa.types.TypeDecorator) else col.type
        if col.name == "id":
            row["id"] = uuid.uuid4()
        elif fks:
            target = fks[0].column.table.name
            if target in refs:
                row[col.name] = refs[target]
            elif not col.nullable:
                pytest.skip(f"cannot fill protection_order.{col.name}")
        elif isinstance(kind, sa.JSON):
            row[col.name] = [HIDDEN_COUNTRY] if "countr" in col.name else [mark("POJSON")]
        elif isinstance(kind, sa.Boolean):
            row[col.name] = False
        elif isinstance(kind, sa.Integer):
            row[col.name] = 1
        elif isinstance(kind, sa.DateTime):
            row[col.name] = datetime.now(UTC) - timedelta(days=100)
        elif isinstance(kind, sa.Date):
            row[col.name] = date(2019, 1, 2)
        elif isinstance(kind, sa.String):
            length = kind.length or 200
            if "countr" in col.name and length <= 3:
                row[col.name] = HIDDEN_COUNTRY
            elif col.name == "status":
                row[col.name] = "active"
            elif length >= len(mark("PO")):
                row[col.name] = mark("PO")
            elif col.default is None and not col.nullable:
                row[col.name] = "x"
    try:
        with db.session(write=True) as s:
            s.execute(table.insert().values(**row))
            s.commit()
    except sa.exc.DBAPIError as exc:
        pytest.skip(f"protection_order insert failed in this checkout: {exc.orig}")
    return str(row["id"])


def test_no_privileged_value_in_any_portal_response(client: Any, db: Any, org_a: Any, org_b: Any, grant: Any,
                                                    new_liaison: Any, monkeypatch: Any) -> None:
    due = datetime.now(UTC).date() + timedelta(days=6)
    deadline_id = str(uuid.uuid4())
    monkeypatch.setattr(deadlines_service, "next_deadlines_for_client", lambda *a, **k: [{
        "id": deadline_id, "title": mark("DLTITLE"), "rule": mark("DLRULE"), "trace": [mark("DLTRACE")],
        "due_earliest_safe": due.isoformat(), "due_latest_arguable": (due + timedelta(days=3)).isoformat(),
        "due_at": f"{due.isoformat()}T21:59:00+00:00", "status": "open", "owner_id": str(uuid.uuid4()),
    }])
    data = _plant(db, org_a, org_b, new_liaison, grant)
    c, h = data["client"], data["headers"]
    responses = [
        client.get(portal_url(), headers=h),
        client.get(portal_url(c.id), headers=h),
        client.get(portal_url(c.id), headers=h, params={"lang": "es"}),
        client.get(portal_url(c.id), headers=h, params={"lang": "en"}),
        client.get(portal_url(data["other_client"].id), headers=h),
        client.get(portal_url(data["other_client"].id), headers=h, params={"lang": "en"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404, 404]
    # A 404's ``instance`` echoes the path the caller typed (the id they already had): not a disclosure.
    texts = [r.text.replace(r.json().get("instance", ""), "") if r.status_code == 404 else r.text for r in responses]
    bodies = "\n".join(texts) + "\n" + "\n".join(str(dict(r.headers)) for r in responses)
    assert M not in bodies, [line for line in bodies.split(",") if M in line][:5]
    forbidden = [
        deadline_id, *data["ids"],
        "123456789", "123456", "987654321",  # full A-numbers (the masked form shows only the last 3)
        "1987-06", "2019-04-03", "asylum_claim",  # date of birth, arrival, sensitive flags
        HIDDEN_COUNTRY, country_name(HIDDEN_COUNTRY, "en"), country_name(HIDDEN_COUNTRY, "es"),
        "El Salvador", "removed_to_third_country", "third", "tercer",  # country of birth; hidden removal
        "attorney_visit", "igsa_county_jail", "mdd", "Baltimore",  # confidence, source, facility internals
        format_date(due + timedelta(days=3), "en"), format_date(due + timedelta(days=3), "es"),  # other deadline date
    ]
    leaked = [f for f in forbidden if f in bodies]
    assert leaked == []
    detail = responses[1].json()
    assert detail["a_number_masked"] == "A-***-***-789"
    assert detail["custody_status"]["label"] == "Detenido por ICE en Fictional Family Visible Center"
    assert detail["location"]["facility_name"] == "Fictional Family Visible Center"
    assert detail["next_hearing"]["court"] == "Fictional Public Court"
    assert detail["next_filing"]["due_date"] == due.isoformat()
