"""Clients API: CRUD, roles, tenancy, A-numbers, Unicode names, search, filters, optimistic locking, races."""

from __future__ import annotations

import threading
import unicodedata
import uuid
from typing import Any

import pytest

from tests.conftest import STAFF_ROLES, assert_problem
from tests.factories import add_custody_event, make_client, make_facility, make_group

CLIENTS = "/api/v1/clients"


def body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"given_names": "Kilmar Armando", "first_surname": "Ábrego", "second_surname": "García",
                            "country_of_birth": "SV", "citizenships": ["SV"], "date_of_birth": "1995-07"}
    data.update(over)
    return data


def create(client: Any, h: dict[str, str], **over: Any) -> dict[str, Any]:
    r = client.post(CLIENTS, headers=h, json=body(**over))
    assert r.status_code == 201, r.text
    return r.json()


def new_a_number() -> str:
    return str(100_000_000 + uuid.uuid4().int % 899_999_999)


# --- happy path and roles ------------------------------------------------------------------------

def test_create_get_list_patch_delete(client: Any, org_a: Any) -> None:
    h = org_a.h("paralegal")
    num = new_a_number()
    c = create(client, h, a_number=f"A-{num[:3]}-{num[3:6]}-{num[6:]}", privileged_notes="Fears return.",
               aliases=[{"name": "Kilmar Abrego", "type": "dhs_record_misspelling"}],
               languages=["spa", {"code": "quc", "name": "K'iche'", "is_primary": False}],
               interpreter_needed=True, sensitive_flags=["asylum_confidential"])
    assert c["a_number"] == num and c["a_number_display"] == f"A-{num[:3]}-{num[3:6]}-{num[6:]}"
    assert c["version"] == 1 and c["privileged_notes"] == "Fears return."
    assert c["display_name"] == "Kilmar Armando Ábrego García"
    assert c["languages"][0]["code"] == "spa" and c["languages"][1]["name"] == "K'iche'"
    g = client.get(f"{CLIENTS}/{c['id']}", headers=h)
    assert g.status_code == 200 and g.headers["etag"] == '"1"'
    assert g.json()["privileged_notes"] == "Fears return."
    lst = client.get(CLIENTS, headers=h, params={"q": num}).json()
    assert set(lst) == {"items", "total", "limit", "offset"}
    assert [i["id"] for i in lst["items"]] == [c["id"]]
    assert "privileged_notes" not in lst["items"][0]
    p = client.patch(f"{CLIENTS}/{c['id']}", headers={**h, "If-Match": '"1"'},
                     json={"second_surname": None, "privileged_notes": "Updated."})
    assert p.status_code == 200, p.text
    assert p.json()["version"] == 2 and p.json()["second_surname"] is None and p.headers["etag"] == '"2"'
    # paralegals cannot delete; attorneys can
    assert_problem(client.delete(f"{CLIENTS}/{c['id']}", headers={**h, "If-Match": '"2"'}), 403, "forbidden")
    d = client.delete(f"{CLIENTS}/{c['id']}", headers={**org_a.h("attorney"), "If-Match": '"2"'})
    assert d.status_code == 204
    assert_problem(client.get(f"{CLIENTS}/{c['id']}", headers=h), 404, "client_not_found")
    assert client.get(CLIENTS, headers=h, params={"q": num}).json()["total"] == 0


def test_list_item_is_the_detail_without_the_privileged_fields(client: Any, org_a: Any, db: Any) -> None:
    """The list reads plain rows (app/clients/service.py ``list_items``), the detail an ORM object
    (``_base_fields``): every field the two share must agree, for a full record and for a bare one."""
    h = org_a.h("paralegal")
    fac = make_facility(db, org_a.id)
    full = create(client, h, a_number=new_a_number(), name_on_charging_document="KILMAR ABREGO",
                  aliases=[{"name": "Kilmar Abrego", "type": "aka"}], languages=["spa"], sex="male",
                  interpreter_needed=True, interpreter_language="spa", sensitive_flags=["asylum_confidential"],
                  last_arrival_date="2011-03-01", stateless=False)
    add_custody_event(db, org_a.id, uuid.UUID(full["id"]), "detained_ice", facility_id=fac.id)
    bare = create(client, h, given_names="Ana", first_surname="Peña", second_surname=None, citizenships=[],
                  date_of_birth=None)
    for c in (full, bare):
        detail = client.get(f"{CLIENTS}/{c['id']}", headers=h).json()
        (item,) = [i for i in client.get(CLIENTS, headers=h, params={"limit": 200}).json()["items"]
                   if i["id"] == c["id"]]
        assert set(item) <= set(detail) and "privileged_notes" not in item
        assert {k: detail[k] for k in item} == item
    assert item["aliases"] == [] and item["custody"] is None and item["a_number"] is None


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_roles_write(client: Any, org_a: Any, role: str) -> None:
    c = create(client, org_a.h(role))
    assert client.get(f"{CLIENTS}/{c['id']}", headers=org_a.h(role)).status_code == 200


def test_liaison_and_anonymous_refused(client: Any, org_a: Any, db: Any) -> None:
    c = make_client(db, org_a.id)
    h = org_a.h("family_liaison")
    assert_problem(client.get(CLIENTS, headers=h), 403, "forbidden")
    assert_problem(client.post(CLIENTS, headers=h, json=body()), 403, "forbidden")
    assert_problem(client.get(f"{CLIENTS}/{c.id}", headers=h), 403, "forbidden")
    assert_problem(client.patch(f"{CLIENTS}/{c.id}", headers={**h, "If-Match": '"1"'}, json={"sex": "m"}), 403)
    assert_problem(client.delete(f"{CLIENTS}/{c.id}", headers={**h, "If-Match": '"1"'}), 403)
    assert_problem(client.get(CLIENTS), 401)


def test_admin_may_delete(client: Any, org_a: Any) -> None:
    c = create(client, org_a.h("paralegal"))
    assert_problem(client.delete(f"{CLIENTS}/{c['id']}", headers=org_a.h("admin")), 428, "precondition_required")
    assert_problem(client.delete(f"{CLIENTS}/{c['id']}", headers={**org_a.h("admin"), "If-Match": '"9"'}), 412)
    assert client.delete(f"{CLIENTS}/{c['id']}", headers={**org_a.h("admin"), "If-Match": '"1"'}).status_code == 204


def test_audit_has_no_personal_values(client: Any, org_a: Any, db: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    num = new_a_number()
    c = create(client, org_a.h("paralegal"), a_number=num, privileged_notes="secret note")
    client.patch(f"{CLIENTS}/{c['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                 json={"given_names": "Otro Nombre"})
    with db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                               AuditEvent.entity_id == c["id"])).all()
    assert {r.action for r in rows} == {"client.create", "client.update"}
    dumped = repr([r.detail for r in rows])
    for value in (num, "secret note", "Otro", "Ábrego", "Kilmar"):
        assert value not in dumped
    assert any("given_names" in r.detail.get("fields", []) for r in rows)


# --- tenancy -------------------------------------------------------------------------------------

def test_other_organizations_client_is_404_everywhere(client: Any, org_a: Any, org_b: Any) -> None:
    foreign = create(client, org_b.h("paralegal"))
    fid = foreign["id"]
    h = org_a.h("attorney")
    assert_problem(client.get(f"{CLIENTS}/{fid}", headers=h), 404, "client_not_found")
    assert_problem(client.patch(f"{CLIENTS}/{fid}", headers={**h, "If-Match": '"1"'}, json={"sex": "f"}), 404,
                   "client_not_found")
    assert_problem(client.delete(f"{CLIENTS}/{fid}", headers={**h, "If-Match": '"1"'}), 404, "client_not_found")
    assert_problem(client.get(f"{CLIENTS}/{fid}/proceedings", headers=h), 404, "client_not_found")
    assert_problem(client.post(f"{CLIENTS}/{fid}/proceedings", headers=h, json={"forum": "bia"}), 404,
                   "client_not_found")
    assert_problem(client.get(f"{CLIENTS}/{fid}/custody-events", headers=h), 404, "client_not_found")
    assert_problem(client.post(f"{CLIENTS}/{fid}/custody-events", headers=h, json={
        "status": "not_detained", "effective_at": "2025-01-01T00:00:00Z", "source_type": "client_call",
        "confidence": "confirmed"}), 404, "client_not_found")
    assert_problem(client.get(f"{CLIENTS}/{fid}/status", headers=h), 404, "client_not_found")
    ids = {i["id"] for i in client.get(CLIENTS, headers=h, params={"limit": 200}).json()["items"]}
    assert fid not in ids
    # the foreign client's body is identical to a random id's
    a = client.get(f"{CLIENTS}/{fid}", headers=h).json()
    b = client.get(f"{CLIENTS}/{uuid.uuid4()}", headers=h).json()
    for x in (a, b):
        x.pop("instance")
        x.pop("request_id", None)
    assert a == b


def test_same_a_number_in_two_organizations_is_fine(client: Any, org_a: Any, org_b: Any) -> None:
    num = new_a_number()
    create(client, org_a.h("paralegal"), a_number=num)
    create(client, org_b.h("paralegal"), a_number=num)


# --- A-numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["A{n}", "A-{a}-{b}-{c}", "a {a} {b} {c}", "{a}.{b}.{c}", "{n}", "A#{n}"])
def test_a_number_formats_normalize(client: Any, org_a: Any, fmt: str) -> None:
    n = new_a_number()
    raw = fmt.format(n=n, a=n[:3], b=n[3:6], c=n[6:])
    c = create(client, org_a.h("paralegal"), a_number=raw)
    assert c["a_number"] == n and c["a_number_needs_review"] is False


def test_eight_and_seven_digit_a_numbers(client: Any, org_a: Any) -> None:
    n8 = new_a_number()[:8]
    c8 = create(client, org_a.h("paralegal"), a_number=f"A{n8}")
    assert c8["a_number"] == "0" + n8 and c8["a_number_needs_review"] is False
    assert c8["a_number_display"] == f"A-0{n8[:2]}-{n8[2:5]}-{n8[5:]}"
    n7 = new_a_number()[:7]
    c7 = create(client, org_a.h("paralegal"), a_number=f"A-{n7}")
    assert c7["a_number"] == "00" + n7 and c7["a_number_needs_review"] is True


@pytest.mark.parametrize(("raw", "reason"), [
    ("A12345678X", "invalid_characters"),
    ("ABC123456", "invalid_characters"),
    ("1234567890", "too_many_digits"),
    ("A000000000", "all_zeros"),
    ("000-000-000", "all_zeros"),
    ("IOE0912345678", "receipt_number"),
    ("EAC2190012345", "receipt_number"),
    ("12345", "too_few_digits"),
])
def test_invalid_a_numbers_are_422(client: Any, org_a: Any, raw: str, reason: str) -> None:
    r = client.post(CLIENTS, headers=org_a.h("paralegal"), json=body(a_number=raw))
    problem = assert_problem(r, 422, "invalid_a_number")
    assert problem["reason"] == reason
    assert raw not in r.text  # the submitted value is never echoed


def test_duplicate_a_number_is_409_in_any_format(client: Any, org_a: Any) -> None:
    n = new_a_number()
    first = create(client, org_a.h("paralegal"), a_number=n)
    spaced = f"a {n[:3]} {n[3:6]} {n[6:]}"
    assert_problem(client.post(CLIENTS, headers=org_a.h("paralegal"), json=body(a_number=spaced)), 409,
                   "a_number_conflict")
    other = create(client, org_a.h("paralegal"))
    r = client.patch(f"{CLIENTS}/{other['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                     json={"a_number": n})
    assert_problem(r, 409, "a_number_conflict")
    # keeping one's own A-number is not a conflict
    r = client.patch(f"{CLIENTS}/{first['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                     json={"a_number": f"A{n}"})
    assert r.status_code == 200, r.text


def test_concurrent_duplicate_create_one_wins(client: Any, org_a: Any) -> None:
    n = new_a_number()
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker(role: str) -> None:
        barrier.wait()
        results.append(client.post(CLIENTS, headers=org_a.h(role), json=body(a_number=n)))

    threads = [threading.Thread(target=worker, args=(r,)) for r in ("paralegal", "attorney")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.text for r in results]
    assert_problem(next(r for r in results if r.status_code == 409), 409, "a_number_conflict")
    assert client.get(CLIENTS, headers=org_a.h("paralegal"), params={"q": n}).json()["total"] == 1


def test_concurrent_patch_same_if_match_one_wins(client: Any, org_a: Any) -> None:
    c = create(client, org_a.h("paralegal"))
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker(name: str) -> None:
        barrier.wait()
        results.append(client.patch(f"{CLIENTS}/{c['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                                    json={"given_names": name}))

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("Uno", "Dos")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in results) == [200, 412], [r.text for r in results]
    final = client.get(f"{CLIENTS}/{c['id']}", headers=org_a.h("paralegal")).json()
    winner = next(r for r in results if r.status_code == 200).json()
    assert final["version"] == 2 and final["given_names"] == winner["given_names"]


def test_patch_needs_if_match(client: Any, org_a: Any) -> None:
    c = create(client, org_a.h("paralegal"))
    url = f"{CLIENTS}/{c['id']}"
    assert_problem(client.patch(url, headers=org_a.h("paralegal"), json={"sex": "m"}), 428, "precondition_required")
    assert_problem(client.patch(url, headers={**org_a.h("paralegal"), "If-Match": '"2"'}, json={"sex": "m"}), 412,
                   "version_conflict")
    assert_problem(client.patch(url, headers={**org_a.h("paralegal"), "If-Match": "junk"}, json={"sex": "m"}), 412)


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("over", [
    {"given_names": ""},
    {"given_names": "   "},
    {"first_surname": None},
    {"given_names": "A\u202eB"},
    {"given_names": "A\x00B"},
    {"first_surname": "x" * 201},
    {"country_of_birth": "XX"},
    {"country_of_birth": "SLV"},
    {"citizenships": ["SV", "ZZ"]},
    {"date_of_birth": "1995-13"},
    {"date_of_birth": "1995-02-30"},
    {"date_of_birth": "2999-01-01"},
    {"date_of_birth": "01/02/1995"},
    {"languages": ["español!"]},
    {"sensitive_flags": ["famous"]},
    {"aliases": [{"name": "X", "type": "pseudonym"}]},
    {"privileged_notes": "x" * 20001},
    {"unexpected": 1},
    {"id": str(uuid.uuid4())},
    {"version": 5},
    {"organization_id": str(uuid.uuid4())},
    {"created_at": "2025-01-01T00:00:00Z"},
    {"search_name": "x"},
])
def test_invalid_create_bodies_are_422(client: Any, org_a: Any, over: dict[str, Any]) -> None:
    data = body()
    data.update(over)
    assert_problem(client.post(CLIENTS, headers=org_a.h("paralegal"), json=data), 422)


@pytest.mark.parametrize("patch", [
    {}, {"given_names": None}, {"aliases": None}, {"version": 3}, {"search_name": "x"}, {"id": str(uuid.uuid4())},
    {"country_of_birth": "zz"}, {"a_number": "A12"},
])
def test_invalid_patch_bodies_are_422(client: Any, org_a: Any, patch: dict[str, Any]) -> None:
    c = create(client, org_a.h("paralegal"))
    r = client.patch(f"{CLIENTS}/{c['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'}, json=patch)
    assert_problem(r, 422)
    assert client.get(f"{CLIENTS}/{c['id']}", headers=org_a.h("paralegal")).json()["version"] == 1


# --- Unicode names and search --------------------------------------------------------------------

@pytest.mark.parametrize(("given", "first", "second"), [
    ("José Luis", "Núñez", "Peña"),
    ("محمد", "عبد الله", None),
    ("伟", "王", None),
    ("Łukasz", "Wałęsa", None),
    ("Björk", "Guðmundsdóttir", None),
])
def test_unicode_names_round_trip(client: Any, org_a: Any, given: str, first: str, second: str | None) -> None:
    c = create(client, org_a.h("paralegal"), given_names=given, first_surname=first, second_surname=second)
    got = client.get(f"{CLIENTS}/{c['id']}", headers=org_a.h("paralegal")).json()
    assert (got["given_names"], got["first_surname"], got["second_surname"]) == (given, first, second)
    found = client.get(CLIENTS, headers=org_a.h("paralegal"), params={"q": first}).json()
    assert c["id"] in {i["id"] for i in found["items"]}


def test_nfd_input_is_stored_nfc_and_found(client: Any, org_a: Any) -> None:
    nfd = unicodedata.normalize("NFD", "Ñúñez")
    assert nfd != "Ñúñez"
    c = create(client, org_a.h("paralegal"), first_surname=nfd, given_names="  María   José ")
    assert c["first_surname"] == "Ñúñez" and c["given_names"] == "María José"
    h = org_a.h("paralegal")
    for q in ("nunez", "NÚÑEZ", unicodedata.normalize("NFD", "ñúñez"), "maria jose nunez"):
        ids = {i["id"] for i in client.get(CLIENTS, headers=h, params={"q": q, "limit": 200}).json()["items"]}
        assert c["id"] in ids, q


def test_search_is_accent_and_case_insensitive(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    garcia = create(client, h, given_names="Ana", first_surname="García", second_surname=None)
    abrego = create(client, h, given_names="Luis", first_surname="Ábrego", second_surname=None)
    create(client, h, given_names="Pedro", first_surname="Smith", second_surname=None)
    alias = create(client, h, given_names="Juan", first_surname="Pérez", second_surname=None,
                   aliases=[{"name": "Juanito Gómez", "type": "nickname"}])

    def ids(q: str) -> list[str]:
        return [i["id"] for i in client.get(CLIENTS, headers=h, params={"q": q}).json()["items"]]

    assert ids("garcia") == [garcia["id"]]
    assert ids("GARCÍA") == [garcia["id"]]
    assert ids("abrego") == [abrego["id"]]
    assert ids("gomez") == [alias["id"]]
    assert ids("luis abrego") == [abrego["id"]]
    assert ids("abrego ana") == []


@pytest.mark.parametrize("q", ["%", "_", "%%", "' OR 1=1--", "\\", "a%b", "García%", "_arcia"])
def test_search_wildcards_are_literal(client: Any, make_org: Any, q: str) -> None:
    org = make_org()
    h = org.h("paralegal")
    create(client, h, given_names="Ana", first_surname="García", second_surname=None)
    create(client, h, given_names="Luis", first_surname="Garcia", second_surname=None)
    r = client.get(CLIENTS, headers=h, params={"q": q})
    assert r.status_code == 200
    assert r.json()["total"] == 0


def test_search_literal_percent_and_underscore_match_only_themselves(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    odd = create(client, h, given_names="Ana_María", first_surname="100%", second_surname=None)
    create(client, h, given_names="AnaXMaría", first_surname="1000", second_surname=None)
    for q in ("ana_maria", "100%"):
        got = client.get(CLIENTS, headers=h, params={"q": q}).json()["items"]
        assert [i["id"] for i in got] == [odd["id"]], q


# --- filters and pagination ----------------------------------------------------------------------

def test_filters(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    fac = make_facility(db, None, name=f"Filter Test Facility {uuid.uuid4().hex[:6]}")
    detained = make_client(db, org.id, country_of_birth="GT", citizenships=["GT"])
    released = make_client(db, org.id, country_of_birth="MX", citizenships=["MX", "SV"])
    nothing = make_client(db, org.id, country_of_birth="HN", citizenships=["HN"])
    add_custody_event(db, org.id, detained.id, "detained_ice", facility_id=fac.id)
    add_custody_event(db, org.id, released.id, "released_bond")
    group = make_group(db, org.id, [released.id, nothing.id])

    def ids(**params: Any) -> set[str]:
        r = client.get(CLIENTS, headers=h, params={**params, "limit": 200})
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids(status="detained_ice") == {str(detained.id)}
    assert ids(status="released_bond") == {str(released.id)}
    assert ids(facility_id=str(fac.id)) == {str(detained.id)}
    assert ids(country="SV") == {str(released.id)}
    assert ids(country="gt") == {str(detained.id)}
    assert ids(group=str(group.id)) == {str(released.id), str(nothing.id)}
    assert ids(group=str(group.id), status="released_bond") == {str(released.id)}
    everyone = {str(detained.id), str(released.id), str(nothing.id)}
    assert ids() == everyone
    # nobody here has a protection order (or, while protection orders did not exist, the filter is a no-op)
    assert ids(has_active_protection="false") == everyone
    assert ids(has_active_protection="true") in (set(), everyone)
    items = client.get(CLIENTS, headers=h, params={"status": "detained_ice"}).json()["items"]
    assert items[0]["custody"]["status"] == "detained_ice"
    assert items[0]["custody"]["facility_id"] == str(fac.id) and items[0]["custody"]["federal_district"] == "mdd"
    assert_problem(client.get(CLIENTS, headers=h, params={"status": "on_vacation"}), 422)
    assert_problem(client.get(CLIENTS, headers=h, params={"country": "ZZ"}), 422, "invalid_country")
    assert_problem(client.get(CLIENTS, headers=h, params={"limit": 0}), 422)
    assert_problem(client.get(CLIENTS, headers=h, params={"limit": 201}), 422)
    assert_problem(client.get(CLIENTS, headers=h, params={"facility_id": "nope"}), 422)


def test_pagination_is_stable(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    made = [create(client, h, given_names=f"Persona {i}")["id"] for i in range(7)]
    pages = []
    for offset in range(0, 7, 3):
        page = client.get(CLIENTS, headers=h, params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 7 and page["limit"] == 3 and page["offset"] == offset
        pages += [i["id"] for i in page["items"]]
    assert pages == made
    assert client.get(CLIENTS, headers=h, params={"offset": 50}).json() == {"items": [], "total": 7, "limit": 50,
                                                                             "offset": 50}


def test_an_unfiltered_page_leaves_no_reference_cycles(make_org: Any, db: Any) -> None:
    """The list's statements are built once: a statement built per request is a graph of objects pointing at each
    other, which only the cyclic collector frees, and under load its collections stopped a worker for 30-60 ms
    about once a second (bench/RESULTS.md). Before, each page left about 90 such objects (its 50 ids among them)."""
    import gc

    from app.casework.client_records import ClientFilters, list_clients

    org = make_org()
    for i in range(60):
        c = make_client(db, org.id, given_names=f"Ciclo {i}")
        add_custody_event(db, org.id, c.id, "detained_ice")
    calls, counts = 4, []
    with db.session() as s:
        list_clients(s, org.id, ClientFilters(), 50, 0)  # compiled and cached before measuring
        # Several short windows, and the quietest one counts: other threads of the test process (the batch
        # worker's poll) may leave garbage of their own in one window, not in all of them.
        for _ in range(5):
            gc.collect()
            gc.set_debug(gc.DEBUG_SAVEALL)  # unreachable cycles are kept in gc.garbage instead of freed
            try:
                for _ in range(calls):
                    items, total = list_clients(s, org.id, ClientFilters(), 50, 0)
                gc.collect()
                counts.append(len(gc.garbage))
            finally:
                gc.set_debug(0)
                gc.garbage.clear()
    assert total == 60 and len(items) == 50
    assert min(counts) < calls, f"{min(counts) / calls:.0f} objects in reference cycles per page ({counts})"


def test_has_active_protection_uses_protection_service(client: Any, make_org: Any, db: Any,
                                                       monkeypatch: Any) -> None:
    from sqlmodel import select

    from app.clients.models import Client
    from app.protection import service as protection_service

    org = make_org()
    h = org.h("paralegal")
    protected = make_client(db, org.id)
    other = make_client(db, org.id)
    monkeypatch.setattr(protection_service, "client_ids_with_active_protection",
                        lambda session, org_id: select(Client.id).where(Client.id == protected.id))
    yes = client.get(CLIENTS, headers=h, params={"has_active_protection": "true"}).json()["items"]
    no = client.get(CLIENTS, headers=h, params={"has_active_protection": "false"}).json()["items"]
    assert [i["id"] for i in yes] == [str(protected.id)]
    assert [i["id"] for i in no] == [str(other.id)]


def test_unique_constraint_is_the_last_line_of_defence(client: Any, org_a: Any, monkeypatch: Any) -> None:
    """Even if the pre-check misses a concurrent insert, the database constraint answers 409, not 500."""
    from app.clients import service

    n = new_a_number()
    create(client, org_a.h("paralegal"), a_number=n)
    monkeypatch.setattr(service, "_check_a_number_free", lambda *a, **k: None)
    assert_problem(client.post(CLIENTS, headers=org_a.h("paralegal"), json=body(a_number=n)), 409,
                   "a_number_conflict")
    other = create(client, org_a.h("paralegal"))
    r = client.patch(f"{CLIENTS}/{other['id']}", headers={**org_a.h("paralegal"), "If-Match": '"1"'},
                     json={"a_number": n})
    assert_problem(r, 409, "a_number_conflict")
    assert client.get(f"{CLIENTS}/{other['id']}", headers=org_a.h("paralegal")).json()["version"] == 1


def test_deleted_clients_leave_every_list_and_total(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    fac = make_facility(db, None, name=f"Deletion Test Center {uuid.uuid4().hex[:6]}")
    keep = make_client(db, org.id, given_names="Quedó", first_surname="Aquí")
    gone = make_client(db, org.id, given_names="Borrado", first_surname="Aquí")
    for c in (keep, gone):
        add_custody_event(db, org.id, c.id, "detained_ice", facility_id=fac.id)
    group = make_group(db, org.id, [keep.id, gone.id])
    assert client.delete(f"{CLIENTS}/{gone.id}", headers={**org.h("attorney"), "If-Match": '"1"'}).status_code == 204
    for params in ({"status": "detained_ice"}, {"facility_id": str(fac.id)}, {"q": "aqui"}, {"group": str(group.id)},
                   {"status": "detained_ice", "q": "aqui"}, {"status": "detained_ice", "country": "SV"}, {}):
        page = client.get(CLIENTS, headers=h, params=params).json()
        assert page["total"] == 1 and [i["id"] for i in page["items"]] == [str(keep.id)], params
    assert client.get(f"{API_GROUPS}/{group.id}", headers=h).json()["member_count"] == 1
    from app.custody.models import CustodyCurrent

    with db.session() as s:
        assert s.get(CustodyCurrent, gone.id) is None and s.get(CustodyCurrent, keep.id) is not None


API_GROUPS = "/api/v1/groups"


@pytest.mark.parametrize("params", [
    {"q": "serie"}, {"status": "detained_ice"}, {"q": "serie", "status": "detained_ice"},
    {"status": "detained_ice", "country": "SV"}, {"q": "serie", "country": "SV"}, {},
])
def test_every_list_plan_pages_in_the_same_order(client: Any, make_org: Any, db: Any,
                                                 params: dict[str, Any]) -> None:
    """Name search, projection-only and generic plans all page in (created_at, id) order with exact totals."""
    from datetime import UTC, datetime, timedelta

    org = make_org()
    h = org.h("paralegal")
    fac = make_facility(db, None, name=f"Order Test Center {uuid.uuid4().hex[:6]}")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for i in range(9):
        # two clients share each created_at: the id breaks the tie
        c = make_client(db, org.id, given_names=f"Serie {i}", first_surname="Orden", created_at=base + timedelta(
            minutes=i // 2))
        add_custody_event(db, org.id, c.id, "detained_ice", facility_id=fac.id)
        made.append(c)
    make_client(db, org.id, given_names="Otro", first_surname="Nombre", citizenships=["MX"], country_of_birth="MX")
    expected = [str(c.id) for c in sorted(made, key=lambda c: (c.created_at, c.id))]
    seen: list[str] = []
    for offset in range(0, 12, 4):
        page = client.get(CLIENTS, headers=h, params={**params, "limit": 4, "offset": offset}).json()
        if params:
            assert page["total"] == 9, params
        seen += [i["id"] for i in page["items"]]
    if params:
        assert seen == expected
    else:
        assert seen[:9] == expected and len(seen) == 10


def test_name_latin_is_kept_and_must_be_latin(client: Any, org_a: Any) -> None:
    """A name recorded in another script carries the Latin-script form a person entered, for captions."""
    h = org_a.h("paralegal")
    r = client.post(CLIENTS, headers=h, json={**body(), "given_names": "محمد", "first_surname": "العلي",
                                                "name_latin": "Mohammed Al-Ali"})
    assert r.status_code == 201, r.text
    assert r.json()["name_latin"] == "Mohammed Al-Ali"
    bad = client.post(CLIENTS, headers=h, json={**body(), "given_names": "王", "first_surname": "小明",
                                                  "name_latin": "王小明"})
    assert_problem(bad, 422)
