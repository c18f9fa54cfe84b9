"""Name search (``GET /clients?q=``) on the word index ``client_name_token``: word-prefix matching, every word
of the query (AND), accents/case, aliases, the index kept in step with every write, tenancy, pagination,
and the migration that creates and backfills it. Fictional names only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.clients.name_index import _after_prefix, name_tokens, query_words
from tests.conftest import BACKEND, new_database_url
from tests.factories import add_custody_event, make_client, make_facility

CLIENTS = "/api/v1/clients"
IMPORT = f"{CLIENTS}/import"


def create(client: Any, h: dict[str, str], given: str, first: str, second: str | None = None,
           **over: Any) -> dict[str, Any]:
    body = {"given_names": given, "first_surname": first, "second_surname": second, "country_of_birth": "SV",
            "citizenships": ["SV"], **over}
    r = client.post(CLIENTS, headers=h, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def found(client: Any, h: dict[str, str], q: str, **params: Any) -> list[str]:
    r = client.get(CLIENTS, headers=h, params={"q": q, "limit": 200, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == len(body["items"])
    return [i["id"] for i in body["items"]]


def stored_tokens(db: Any, client_id: Any) -> set[str]:
    from app.clients.models import ClientNameToken

    with db.session() as s:
        return set(s.exec(sa.select(ClientNameToken.token).where(
            ClientNameToken.client_id == uuid.UUID(str(client_id)))).scalars())


def assert_index_matches(db: Any, client_id: Any) -> None:
    """The stored words are exactly the words of the stored ``search_name`` (none for a deleted client)."""
    from app.clients.models import Client

    with db.session() as s:
        c = s.get(Client, uuid.UUID(str(client_id)))
        expected = set() if c.deleted_at is not None else set(name_tokens(c.search_name))
    assert stored_tokens(db, client_id) == expected


# --- pure helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize(("search_name", "tokens"), [
    ("ana garcia lopez", ["ana", "garcia", "lopez"]),
    ("ana garcia-lopez", ["ana", "garcia-lopez", "garcia", "lopez", "garcialopez"]),
    ("sean o'brien", ["sean", "o'brien", "o", "brien", "obrien"]),
    ("jose j. perez perez", ["jose", "j.", "j", "perez"]),
    ("ana_maria 100%", ["ana_maria", "100%"]),
    ("محمد عبد الله", ["محمد", "عبد", "الله"]),
    ("-", ["-"]),
    ("", []),
])
def test_name_tokens(search_name: str, tokens: list[str]) -> None:
    assert name_tokens(search_name) == tokens


def test_long_words_are_cut_to_the_column() -> None:
    assert name_tokens("x" * 150) == ["x" * 100]
    assert query_words("Y" * 150) == ["y" * 100]


@pytest.mark.parametrize(("q", "words"), [
    ("García", ["garcia"]),
    ("  MARÍA   josé ", ["maria", "jose"]),
    ("garcia, jose", ["garcia", "jose"]),
    ("ana anabel", ["anabel"]),
    ("garcia garcia", ["garcia"]),
    ("' OR 1=1--", ["'", "or", "1=1"]),
    ("a b c d e f g h i j", ["a", "b", "c", "d", "e", "f", "g", "h"]),
])
def test_query_words(q: str, words: list[str]) -> None:
    assert query_words(q) == words


def test_after_prefix_is_the_least_upper_bound() -> None:
    assert _after_prefix("garc") == "gard"
    assert _after_prefix("a\ud7ff") == "a\ue000"
    assert _after_prefix("a\U0010ffff") == "b"
    assert _after_prefix("\U0010ffff") is None
    for prefix in ("garc", "王", "𠮷", "z\U0010ffff"):
        end = _after_prefix(prefix)
        assert end is not None
        for word in (prefix, prefix + "a", prefix + "\U0010ffff" * 3, prefix + "𠮷田"):
            assert prefix <= word < end
            assert word.encode() < end.encode()  # code point order = UTF-8 byte order


# --- matching ------------------------------------------------------------------------------------

def test_word_prefix_matching(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    garcia = create(client, h, "Ana", "García", "López")
    garza = create(client, h, "Luis", "Garza")
    marcia = create(client, h, "Marcia", "Pérez")
    assert found(client, h, "garc") == [garcia["id"]]
    assert found(client, h, "gar") == [garcia["id"], garza["id"]]
    assert found(client, h, "garcia") == [garcia["id"]]
    assert found(client, h, "lop") == [garcia["id"]]
    # word beginnings only: the inside of a word does not match (it did with the former substring search)
    assert found(client, h, "arcia") == []
    assert found(client, h, "marc") == [marcia["id"]]
    assert found(client, h, "garcias") == []


def test_every_word_must_match(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    ana_garcia = create(client, h, "Ana María", "García", "Núñez")
    ana_lopez = create(client, h, "Ana", "López")
    luis_garcia = create(client, h, "Luis", "García")
    assert found(client, h, "ana") == [ana_garcia["id"], ana_lopez["id"]]
    assert found(client, h, "ana garc") == [ana_garcia["id"]]
    assert found(client, h, "garcia ana") == [ana_garcia["id"]]
    assert found(client, h, "a garcia") == [ana_garcia["id"]]  # "a" is the beginning of "ana"
    assert found(client, h, "garcia luis") == [luis_garcia["id"]]
    assert found(client, h, "ana maria garcia nunez") == [ana_garcia["id"]]
    assert found(client, h, "ana luis") == []
    assert found(client, h, "ana garcia, ") == [ana_garcia["id"]]


def test_accents_and_case(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    abrego = create(client, h, "Kilmar", "Ábrego", "García")
    nunez = create(client, h, "JOSÉ", "NÚÑEZ", "Peña")
    assert found(client, h, "abrego") == [abrego["id"]]
    assert found(client, h, "ÁBREGO") == [abrego["id"]]
    assert found(client, h, "Abrégo garcía") == [abrego["id"]]
    assert found(client, h, "nun") == [nunez["id"]]
    assert found(client, h, "jose nunez pena") == [nunez["id"]]
    assert found(client, h, "Ñúñ") == [nunez["id"]]


def test_compound_surnames(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    hyphen = create(client, h, "Rosa", "García-López")
    apostrophe = create(client, h, "Sean", "O’Brien")  # typographic apostrophe folds to '
    two = create(client, h, "Pedro", "García", "López")
    assert found(client, h, "lopez") == [hyphen["id"], two["id"]]
    assert found(client, h, "garcia lopez") == [hyphen["id"], two["id"]]
    assert found(client, h, "garcia-lopez") == [hyphen["id"]]
    assert found(client, h, "García–López") == [hyphen["id"]]  # en dash folds to a hyphen
    assert found(client, h, "garcialopez") == [hyphen["id"]]
    assert found(client, h, "garcia-l") == [hyphen["id"]]
    for q in ("obrien", "o'brien", "O'BRIEN", "brien", "sean o"):
        assert found(client, h, q) == [apostrophe["id"]], q


def test_other_scripts(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    arabic = create(client, h, "محمد", "عبد الله")
    chinese = create(client, h, "伟", "王")
    rare = create(client, h, "花子", "𠮷田")  # a character outside the Basic Multilingual Plane
    assert found(client, h, "محمد") == [arabic["id"]]
    assert found(client, h, "عبد الله") == [arabic["id"]]
    assert found(client, h, "王") == [chinese["id"]]
    assert found(client, h, "𠮷") == [rare["id"]]
    assert found(client, h, "𠮷田 花") == [rare["id"]]


def test_aliases_and_charging_document_name(client: Any, make_org: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    c = create(client, h, "Juan", "Pérez", aliases=[{"name": "Juanito Gómez", "type": "nickname"}],
               name_on_charging_document="Juan Peres Gomes")
    for q in ("juanito", "gomez", "gomes", "peres", "juan gom"):
        assert found(client, h, q) == [c["id"]], q


# --- the index follows every write ---------------------------------------------------------------

def test_index_follows_create_rename_aliases_and_delete(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    c = create(client, h, "Teodora", "Villagrán")
    other = create(client, h, "Teodora", "Cifuentes")
    assert_index_matches(db, c["id"])
    assert found(client, h, "villagran") == [c["id"]]

    url = f"{CLIENTS}/{c['id']}"
    r = client.patch(url, headers={**h, "If-Match": '"1"'}, json={"first_surname": "Bermúdez"})
    assert r.status_code == 200, r.text
    assert found(client, h, "villagran") == []
    assert found(client, h, "bermudez teodora") == [c["id"]]
    assert_index_matches(db, c["id"])

    r = client.patch(url, headers={**h, "If-Match": '"2"'},
                     json={"aliases": [{"name": "Teo Villagrán", "type": "aka"}]})
    assert r.status_code == 200, r.text
    assert found(client, h, "villagran") == [c["id"]]
    assert found(client, h, "teo") == [c["id"], other["id"]]  # "teo" begins "teodora" too
    assert_index_matches(db, c["id"])

    r = client.patch(url, headers={**h, "If-Match": '"3"'}, json={"aliases": []})
    assert r.status_code == 200, r.text
    assert found(client, h, "villagran") == []
    # a stale If-Match changes nothing, the index included
    r = client.patch(url, headers={**h, "If-Match": '"3"'}, json={"first_surname": "Zamora"})
    assert r.status_code == 412
    assert found(client, h, "zamora") == [] and found(client, h, "bermudez") == [c["id"]]
    # a change of other fields keeps the words
    r = client.patch(url, headers={**h, "If-Match": '"4"'}, json={"sex": "f"})
    assert r.status_code == 200, r.text
    assert found(client, h, "bermudez") == [c["id"]]
    assert_index_matches(db, c["id"])

    d = client.delete(url, headers={**org.h("attorney"), "If-Match": '"5"'})
    assert d.status_code == 204
    assert found(client, h, "bermudez") == []
    assert found(client, h, "teodora") == [other["id"]]
    assert stored_tokens(db, c["id"]) == set()


def test_a_failed_create_leaves_no_words(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    num = str(100_000_000 + uuid.uuid4().int % 899_999_999)
    create(client, h, "Primera", "Persona", a_number=num)
    r = client.post(CLIENTS, headers=h, json={"given_names": "Segunda", "first_surname": "Duplicada", "a_number": num})
    assert r.status_code == 409
    assert found(client, h, "duplicada") == []


def test_csv_import_indexes_names(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    text = ("given_names,first_surname,second_surname,aliases\r\n"
            "Ofelia,Quiñónez-Ramos,,La Güera\r\n"
            "Ofelio,Quintanilla,Ríos,\r\n")
    r = client.post(IMPORT, headers=h, files={"file": ("intake.csv", text.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    ofelia = found(client, h, "ofelia")
    assert len(ofelia) == 1
    assert found(client, h, "ramos") == ofelia
    assert found(client, h, "quinonez-ramos ofelia") == ofelia
    assert found(client, h, "guera") == ofelia
    assert len(found(client, h, "quin")) == 2
    assert len(found(client, h, "ofeli rios")) == 1
    for cid in found(client, h, "ofeli"):
        assert_index_matches(db, cid)
    # a dry run writes no words
    dry = "given_names,first_surname\r\nSoloPrueba,Simulada\r\n"
    r = client.post(IMPORT, headers=h, params={"dry_run": "true"},
                    files={"file": ("intake.csv", dry.encode(), "text/csv")})
    assert r.status_code == 200 and r.json()["created"] == 1
    assert found(client, h, "simulada") == []


def test_factory_clients_are_indexed(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    c = make_client(db, org.id, given_names="Fábrica", first_surname="Ejemplo", second_surname=None)
    assert found(client, org.h("paralegal"), "fabrica ejem") == [str(c.id)]
    assert_index_matches(db, c.id)


# --- tenancy -------------------------------------------------------------------------------------

def test_another_organizations_words_never_match(client: Any, make_org: Any, db: Any) -> None:
    from app.clients.models import ClientNameToken

    a, b = make_org(), make_org()
    mine = create(client, a.h("paralegal"), "Evangelina", "Tenancio")
    theirs = create(client, b.h("paralegal"), "Evangelina", "Tenancio")
    only_theirs = create(client, b.h("paralegal"), "Evaristo", "Ajeno")
    assert found(client, a.h("paralegal"), "evangelina tenancio") == [mine["id"]]
    assert found(client, b.h("paralegal"), "evangelina tenancio") == [theirs["id"]]
    assert found(client, a.h("paralegal"), "ajeno") == []
    assert found(client, a.h("paralegal"), "eva") == [mine["id"]]
    with db.session() as s:
        orgs = set(s.exec(sa.select(ClientNameToken.organization_id).where(
            ClientNameToken.client_id == uuid.UUID(only_theirs["id"]))).scalars())
    assert orgs == {b.id}


# --- order, pagination, combined filters ---------------------------------------------------------

@pytest.mark.parametrize("q", ["pagin", "pagin orden", "orden pag"])
def test_name_search_pages_in_order_with_total(client: Any, make_org: Any, db: Any, q: str) -> None:
    org = make_org()
    h = org.h("paralegal")
    base = datetime(2025, 1, 1, tzinfo=UTC)
    made = [make_client(db, org.id, given_names=f"Paginada {i}", first_surname="Orden", second_surname=None,
                        created_at=base + timedelta(minutes=i // 2)) for i in range(7)]
    make_client(db, org.id, given_names="Paginada", first_surname="Fuera", second_surname=None)  # no "orden"
    make_client(db, org.id, given_names="Otra", first_surname="Orden", second_surname=None)  # no "pagin"
    expected = [str(c.id) for c in sorted(made, key=lambda c: (c.created_at, c.id))]
    if q == "pagin":
        expected.append(found(client, h, "paginada fuera")[0])
    seen: list[str] = []
    for offset in range(0, 9, 3):
        page = client.get(CLIENTS, headers=h, params={"q": q, "limit": 3, "offset": offset}).json()
        assert page["total"] == len(expected)
        seen += [i["id"] for i in page["items"]]
    assert seen == expected
    beyond = client.get(CLIENTS, headers=h, params={"q": q, "limit": 3, "offset": 50}).json()
    assert beyond["items"] == [] and beyond["total"] == len(expected)
    none = client.get(CLIENTS, headers=h, params={"q": q + " inexistente", "offset": 3}).json()
    assert none["items"] == [] and none["total"] == 0


def test_every_plan_gives_the_same_answer(client: Any, make_org: Any, db: Any) -> None:
    """A word that begins exactly one indexed word is searched as that word's equality range (merged when there
    are several), any other word as a prefix range: both plans give what word-prefix matching says, in list
    order, with the right total on every page."""
    org = make_org()
    h = org.h("paralegal")
    base = datetime(2025, 3, 1, tzinfo=UTC)
    names = [("María", "Martínez", "Garza"), ("Marta", "García", None), ("María José", "García", "Martínez"),
             ("Mario", "Garza", None), ("Ana", "García", "Mar"), ("Ana María", "López", None),
             ("José", "Martín", "García"), ("Luis", "López", "López")]
    made = [make_client(db, org.id, given_names=g, first_surname=f, second_surname=s2,
                        created_at=base + timedelta(minutes=i // 3)) for i, (g, f, s2) in enumerate(names)]
    words_of = {str(c.id): set(name_tokens(" ".join(filter(None, (g, f, s2))).lower()
                                          .translate(str.maketrans("íáéó", "iaeo"))))
                for c, (g, f, s2) in zip(made, names, strict=True)}
    order = [str(c.id) for c in sorted(made, key=lambda c: (c.created_at, c.id))]
    for q in ["maria", "mar", "mart", "martinez", "garcia", "gar", "garza", "maria garcia", "mar garcia",
              "garcia martinez", "garcia mar", "jose garcia", "lopez", "lopez ana", "ana maria lopez",
              "maria jose garcia martinez", "marx", "garcia marx", "zz"]:
        expected = [i for i in order if all(any(t.startswith(w) for t in words_of[i]) for w in q.split())]
        seen: list[str] = []
        for offset in range(0, len(names) + 2, 2):
            page = client.get(CLIENTS, headers=h, params={"q": q, "limit": 2, "offset": offset}).json()
            assert page["total"] == len(expected), q
            seen += [i["id"] for i in page["items"]]
        assert seen == expected, q


def test_name_search_with_other_filters(client: Any, make_org: Any, db: Any) -> None:
    org = make_org()
    h = org.h("paralegal")
    fac = make_facility(db, None, name=f"Name Filter Center {uuid.uuid4().hex[:6]}")
    held = make_client(db, org.id, given_names="Filtrada", first_surname="Detenida", country_of_birth="GT",
                       citizenships=["GT"])
    free = make_client(db, org.id, given_names="Filtrada", first_surname="Libre", country_of_birth="SV",
                       citizenships=["SV"])
    add_custody_event(db, org.id, held.id, "detained_ice", facility_id=fac.id)
    add_custody_event(db, org.id, free.id, "released_bond")
    assert found(client, h, "filtrada", status="detained_ice") == [str(held.id)]
    assert found(client, h, "filtrada", facility_id=str(fac.id)) == [str(held.id)]
    assert found(client, h, "filtrada", country="SV") == [str(free.id)]
    assert found(client, h, "filtrada libre", status="detained_ice") == []
    assert found(client, h, "filtrada", status="released_bond", country="SV") == [str(free.id)]


# --- migration -----------------------------------------------------------------------------------

def test_migration_backfills_live_clients_and_downgrade_drops(tmp_path_factory: Any) -> None:
    from sqlmodel.sql.sqltypes import UTCDateTime

    from app.casework import client_records
    from app.core.config import Settings
    from app.core.db import make_database
    from app.migrations import downgrade, upgrade

    url, cleanup = new_database_url(tmp_path_factory)
    try:
        upgrade(url, "0007_field_encryption")
        engine = sa.create_engine(url)
        org_t = sa.table("organization", sa.column("id", sa.Uuid()), sa.column("name", sa.String()),
                         sa.column("slug", sa.String()), sa.column("timezone", sa.String()),
                         sa.column("whereabouts_unknown_hours", sa.Integer()),
                         sa.column("created_at", UTCDateTime()))
        cols = ["given_names", "first_surname", "second_surname", "search_name"]
        client_t = sa.table("client", sa.column("id", sa.Uuid()), sa.column("organization_id", sa.Uuid()),
                            *[sa.column(c, sa.String()) for c in cols],
                            *[sa.column(c, sa.JSON()) for c in ("aliases", "citizenships", "languages",
                                                                "sensitive_flags")],
                            *[sa.column(c, sa.Boolean()) for c in ("a_number_needs_review", "a_number_sealed",
                                                                   "stateless", "interpreter_needed")],
                            sa.column("version", sa.Integer()),
                            *[sa.column(c, UTCDateTime()) for c in ("created_at", "updated_at", "deleted_at")])
        orgs = [uuid.uuid4(), uuid.uuid4()]
        now = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        people = [  # (org, given, first, second, search_name as 0002-0007 stored it, deleted)
            (0, "Amparo", "Retroactiva", "Núñez-Paz", "amparo retroactiva nunez-paz", False),
            (0, "Borrada", "Retroactiva", None, "borrada retroactiva", True),
            (1, "Amparo", "Retroactiva", None, "amparo retroactiva", False),
        ]
        ids = [uuid.uuid4() for _ in people]
        with engine.begin() as conn:
            for i, oid in enumerate(orgs):
                conn.execute(org_t.insert().values(id=oid, name=f"M{i}", slug=f"m-{oid.hex[:8]}",
                                                   timezone="America/New_York", whereabouts_unknown_hours=12,
                                                   created_at=now))
            for cid, (o, given, first, second, key, deleted) in zip(ids, people, strict=True):
                conn.execute(client_t.insert().values(
                    id=cid, organization_id=orgs[o], given_names=given, first_surname=first, second_surname=second,
                    search_name=key, aliases=[], citizenships=[], languages=[], sensitive_flags=[],
                    a_number_needs_review=False, a_number_sealed=False, stateless=False, interpreter_needed=False,
                    version=1, created_at=now + timedelta(seconds=len(given)), updated_at=now,
                    deleted_at=now if deleted else None))
        upgrade(url, "heads")
        tok_t = sa.table("client_name_token", sa.column("organization_id", sa.Uuid()), sa.column("token", sa.String()),
                         sa.column("client_created_at", UTCDateTime()), sa.column("client_id", sa.Uuid()))
        with engine.connect() as conn:
            rows = conn.execute(sa.select(tok_t)).all()
            created = dict(conn.execute(sa.select(client_t.c.id, client_t.c.created_at)).all())
        got = {(r.client_id, r.token) for r in rows}
        assert got == {(ids[0], t) for t in ("amparo", "retroactiva", "nunez-paz", "nunez", "paz", "nunezpaz")} | {
            (ids[2], t) for t in ("amparo", "retroactiva")}
        assert all(r.organization_id == orgs[0 if r.client_id == ids[0] else 1] for r in rows)
        assert all(r.client_created_at == created[r.client_id] for r in rows)

        settings = Settings(database_url=url)
        db = make_database(settings)
        try:
            with db.session() as s:
                for q, want in (("retro", [ids[0]]), ("amparo paz", [ids[0]]), ("borrada", [])):
                    page, total = client_records.list_clients(s, orgs[0], client_records.ClientFilters(q=q), 50, 0)
                    assert [c.id for c in page] == want and total == len(want), q
        finally:
            db.dispose()

        downgrade(url, "0007_field_encryption")
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            assert "client_name_token" not in insp.get_table_names()
            assert "ix_client_search" in {i["name"] for i in insp.get_indexes("client")}
        engine.dispose()
    finally:
        cleanup()


@pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL collation")
def test_postgres_words_compare_bytewise(db: Any) -> None:
    with db.session() as s:
        collation = s.execute(sa.text(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_name = 'client_name_token' AND column_name = 'token'")).scalar_one()
    assert collation == "C"
