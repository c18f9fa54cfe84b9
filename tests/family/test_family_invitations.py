"""Invitations by e-mail with a link to the family page, and the link in the grant's answer
(docs/family-page.md#invitations)."""

from __future__ import annotations

from typing import Any

from tests.auth import test_password_reset as reset_tests
from tests.auth.test_password_reset import Inbox
from tests.factories import make_client
from tests.family.conftest import accept, csrf_of
from tests.portal.conftest import grants_url, invite_body

# The password-reset tests' SMTP server (aiosmtpd on loopback) and the fixture that points the app at it.
smtp_server = reset_tests.smtp_server
mail_on = reset_tests.mail_on


def test_invitation_is_emailed_in_her_language_with_the_link(client: Any, db: Any, org_a: Any, mail_on: Inbox,
                                                             browser: Any) -> None:
    c = make_client(db, org_a.id)
    body = invite_body()
    r = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["invitation_emailed"] is True
    assert g["invitation_url"] == f"https://dp.example.org/family/invite/{g['invitation_token']}"
    msg = mail_on.wait_for(body["invite"]["email"])
    assert str(msg["Subject"]) == "Su invitación para seguir un caso"
    text = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert g["invitation_url"] in text and "Ana" not in str(msg["Subject"])
    # The e-mailed link works on the page.
    b = browser()
    assert accept(b, g["invitation_token"]).status_code == 303
    assert b.get("/family/").status_code == 200


def test_reissued_invitation_is_emailed_and_carries_the_link(client: Any, db: Any, org_a: Any,
                                                             mail_on: Inbox) -> None:
    c = make_client(db, org_a.id)
    body = invite_body()
    g = client.post(grants_url(c.id), headers=org_a.h("attorney"), json=body).json()
    r = client.post(f"/api/v1/liaison-grants/{g['id']}/invitation", headers=org_a.h("attorney"))
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["invitation_emailed"] is True and new["invitation_url"].endswith(new["invitation_token"])
    assert len(mail_on.to(body["invite"]["email"])) >= 1


def test_without_mail_the_link_is_still_in_the_answer(client: Any, db: Any, org_a: Any) -> None:
    c = make_client(db, org_a.id)
    g = client.post(grants_url(c.id), headers=org_a.h("admin"), json=invite_body()).json()
    assert g["invitation_emailed"] is False and g["invitation_url"].endswith(f"/family/invite/{g['invitation_token']}")


def test_paralegal_and_liaison_cannot_invite(client: Any, db: Any, org_a: Any, org_b: Any) -> None:
    c = make_client(db, org_a.id)
    for role in ("paralegal", "family_liaison"):
        r = client.post(grants_url(c.id), headers=org_a.h(role), json=invite_body())
        assert r.status_code == 403, (role, r.text)
    r = client.post(grants_url(c.id), headers=org_b.h("attorney"), json=invite_body())
    assert r.status_code == 404
    r = client.post(grants_url(c.id), headers=org_a.h("attorney"), json={**invite_body(), "scopes": ["nope"]})
    assert r.status_code == 422


def test_a_family_reset_link_opens_the_family_form(browser: Any, invite: Any, org_a: Any, mail_on: Inbox) -> None:
    fam = invite(org_a)
    accept(browser(), fam.token)
    b = browser()
    page = b.get("/family/password-reset")
    assert b.post("/family/password-reset", data={"email": fam.email, "csrf": csrf_of(page.text)}).status_code == 200
    mail_on.wait_for(fam.email)  # the invitation came first; the reset message is sent before the answer
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in mail_on.to(fam.email)]  # type: ignore[union-attr]
    [line] = [ln for text in texts for ln in text.splitlines() if "token=" in ln]
    assert line.startswith("https://dp.example.org/family/password-reset/confirm?token=")
    form = b.get("/family/password-reset/confirm?" + line.split("?", 1)[1])
    assert form.status_code == 200 and 'name="token"' in form.text
