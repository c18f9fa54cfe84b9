"""E-mail addresses fold the same way on SQLite and PostgreSQL (NFC, strip, Unicode case folding in Python), and
confusable (mixed-script) addresses are refused with 422 confusable_email."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import pytest

from tests.conftest import PASSWORD, assert_problem

TOKEN = "/api/v1/auth/token"


def _create(client: Any, org: Any, email: str) -> Any:
    return client.post("/api/v1/users", headers=org.h("admin"), json={
        "email": email, "full_name": "Émile Zola", "role": "paralegal", "password": PASSWORD + " x"})


def _login(client: Any, email: str) -> Any:
    return client.post(TOKEN, data={"username": email, "password": PASSWORD + " x"})


def test_upper_case_and_decomposed_forms_sign_in(client: Any, org_a: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    assert _create(client, org_a, f"Émile-{tag}@example.org").status_code == 201
    for typed in (f"émile-{tag}@example.org", f"ÉMILE-{tag.upper()}@EXAMPLE.ORG",
                  unicodedata.normalize("NFD", f"émile-{tag}@example.org"), f"  ÉMILE-{tag}@example.org "):
        assert _login(client, typed).status_code == 200, typed


def test_a_second_account_with_the_same_folded_address_is_409(client: Any, org_a: Any, org_b: Any) -> None:
    for first, others in (("Émile-{tag}@example.org", ("émile-{tag}@example.org", "éMILE-{tag}@example.org")),
                          ("émile-{tag}@example.org", ("Émile-{tag}@example.org", "ÉMILE-{tag}@Example.org"))):
        tag = uuid.uuid4().hex[:8]
        assert _create(client, org_a, first.format(tag=tag)).status_code == 201
        for other in others:
            for form in ("NFC", "NFD"):
                assert_problem(_create(client, org_b, unicodedata.normalize(form, other.format(tag=tag))),
                               409, "email_taken")


def test_password_reset_finds_the_folded_address(client: Any, db: Any, org_a: Any) -> None:
    from sqlmodel import select

    from app.core.audit import AuditEvent

    tag = uuid.uuid4().hex[:8]
    created = _create(client, org_a, f"émile-{tag}@example.org")
    assert created.status_code == 201
    r = client.post("/api/v1/auth/password-reset", json={"email": f"ÉMILE-{tag}@example.org"})
    assert r.status_code == 202
    with db.session() as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.organization_id == org_a.id,
                                                 AuditEvent.action == "auth.password_reset_requested")).all()
    assert [str(e.entity_id) for e in events] == [created.json()["id"]]


@pytest.mark.parametrize("email", [
    "p\u0430ypal-{tag}@example.org",  # Cyrillic а in a Latin local part
    "emile-{tag}@ex\u0430mple.org",  # Cyrillic а in a Latin domain label
    "\uff50aypal-{tag}@example.org",  # full-width p
    "\u03bfscar-{tag}x@example.org",  # Greek omicron beside Latin letters
])
def test_confusable_addresses_are_422(client: Any, org_a: Any, email: str) -> None:
    assert_problem(_create(client, org_a, email.format(tag=uuid.uuid4().hex[:8])), 422, "confusable_email")


@pytest.mark.parametrize("email", ["иван-{tag}@пример.рф", "émile-{tag}@exemple.fr", "jose-{tag}@пример.рф"])
def test_single_script_addresses_are_accepted(client: Any, org_a: Any, email: str) -> None:
    tag = str(uuid.uuid4().int)[:10]  # digits belong to every script
    assert _create(client, org_a, email.format(tag=tag)).status_code == 201


def test_fold_and_confusable_units() -> None:
    from app.auth.emails import fold_email, is_confusable

    assert fold_email(" ÉMILE@Example.ORG ") == "émile@example.org"
    assert fold_email(unicodedata.normalize("NFD", "Émile@x.org")) == "émile@x.org"
    assert fold_email("a@xn--e1afmkfd.xn--p1ai") == fold_email("a@ПРИМЕР.РФ")
    assert not is_confusable("山田@例え.jp") and not is_confusable("やまだ太郎@example.jp")
    assert is_confusable("p\u0430ypal@example.org")


def test_admin_search_by_address_folds_too(client: Any, org_a: Any) -> None:
    tag = uuid.uuid4().hex[:8]
    created = _create(client, org_a, f"Émile-{tag}@example.org").json()
    r = client.get("/api/v1/users", headers=org_a.h("admin"), params={"q": f"ÉMILE-{tag}"})
    assert [u["id"] for u in r.json()["items"]] == [created["id"]]
