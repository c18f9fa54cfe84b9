"""The family page over real HTTP (docs/family-page.md): invitation, sign-in, the consented view in Spanish and
English, language switch, sign-out; what never reaches a family; CSRF; sessions; the API/page separation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.core.ratelimit import RateLimiter
from app.family.models import FamilySession
from app.portal.models import LiaisonGrant, LiaisonInvitation
from tests.conftest import assert_problem
from tests.family.conftest import VISIBLE_FACILITY, accept, csrf_of, sign_in
from tests.portal.conftest import audit_rows, portal_url, set_columns


def _pages(b: Any, client_id: Any) -> list[Any]:
    return [b.get("/family/"), b.get(f"/family/clients/{client_id}"), b.get(f"/family/clients/{client_id}/report"),
            b.get("/family/login"), b.get("/family/password-reset")]


def test_invitation_to_view_in_spanish_then_english_then_sign_out(browser: Any, invite: Any, org_a: Any,
                                                                  db: Any) -> None:
    fam = invite(org_a)
    assert fam.grant["invitation_url"].endswith(f"/family/invite/{fam.token}")
    b = browser()
    page = b.get(f"/family/invite/{fam.token}")
    assert page.status_code == 200 and '<html lang="es">' in page.text and "Bienvenida" in page.text
    r = accept(b, fam.token)
    assert r.status_code == 303 and r.headers["location"] == "/family/"
    cookie = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("dp_family="))
    for flag in ("HttpOnly", "SameSite=lax", "Secure", "Path=/family"):
        assert flag.lower() in session_cookie.lower(), session_cookie
    home = b.get("/family/")
    assert home.status_code == 200 and "Las personas que usted sigue" in home.text
    assert "José Luis Ramírez Núñez" in home.text
    view = b.get(f"/family/clients/{fam.client_id}")
    assert view.status_code == 200
    assert f"Detenido por ICE en {VISIBLE_FACILITY}" in view.text
    assert "Confirmado por el equipo legal" in view.text and "Sábados 8-15" in view.text
    assert "Contar algo nuevo" in view.text
    switch = b.get(f"/family/language/en?next=/family/clients/{fam.client_id}")
    assert switch.status_code == 303 and switch.headers["location"] == f"/family/clients/{fam.client_id}"
    en = b.get(f"/family/clients/{fam.client_id}")
    assert '<html lang="en">' in en.text and f"Detained by ICE at {VISIBLE_FACILITY}" in en.text
    out = b.post("/family/logout", data={"csrf": csrf_of(en.text)})
    assert out.status_code == 200 and "You have signed out." in out.text
    after = b.get("/family/")
    assert after.status_code == 303 and after.headers["location"] == "/family/login"
    # Every page view was audited as the JSON portal view is.
    assert len(audit_rows(db, org_a.id, "portal.viewed", fam.client_id)) >= 3


def test_the_page_and_the_json_view_show_the_same_fields(browser: Any, invite: Any, org_a: Any,
                                                         client: Any, settings: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    page = b.get(f"/family/clients/{fam.client_id}").text
    from app.auth.models import UserAccount
    from tests.conftest import mint_headers

    with client.app.state.db.session() as s:
        from sqlmodel import select

        user = s.exec(select(UserAccount).where(UserAccount.email == fam.email)).one()
    data = client.get(portal_url(fam.client_id), headers=mint_headers(settings, user), params={"lang": "es"}).json()
    for text in (data["custody_status"]["label"], data["custody_status"]["last_confirmed_text"],
                 data["custody_status"]["certainty_text"], data["location"]["facility_name"],
                 data["next_hearing"]["text"], data["attorney"]["name"]):
        assert text in page, text


def test_planted_markers_never_appear_in_any_page(browser: Any, invite: Any, org_a: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    for b_lang in ("es", "en"):
        b.get(f"/family/language/{b_lang}")
        for r in _pages(b, fam.client_id):
            for marker in fam.markers:
                assert marker not in r.text, (marker, r.url)
    # Without the location scope even the family-visible facility stays out.
    fam2 = invite(org_a, scopes=("custody_status",))
    b2 = browser()
    accept(b2, fam2.token)
    for r in _pages(b2, fam2.client_id):
        assert VISIBLE_FACILITY not in r.text and "Sábados" not in r.text
        for marker in fam2.markers:
            assert marker not in r.text, marker


def test_feminine_label_when_the_record_says_so(browser: Any, invite: Any, org_a: Any) -> None:
    fam = invite(org_a, sex="F")
    b = browser()
    accept(b, fam.token)
    assert f"Detenida por ICE en {VISIBLE_FACILITY}" in b.get(f"/family/clients/{fam.client_id}").text


def test_security_headers_and_no_inline_script_or_style(browser: Any, invite: Any, org_a: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    for r in _pages(b, fam.client_id):
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp and r.headers["x-content-type-options"] == "nosniff"
        assert "<script" not in r.text and "<style" not in r.text and " style=" not in r.text
    css = b.get("/family/static/family.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_form_posts_without_csrf_are_refused(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a)
    b = browser()
    page = b.get(f"/family/invite/{fam.token}")
    r = b.post(f"/family/invite/{fam.token}", data={"password": "x" * 14, "password2": "x" * 14})
    assert r.status_code == 403 and "formulario" in r.text
    r = b.post(f"/family/invite/{fam.token}", data={"password": "x" * 14, "password2": "x" * 14, "csrf": "forged"})
    assert r.status_code == 403
    assert accept(b, fam.token).status_code == 303  # the page's own token works
    assert page.status_code == 200
    r = b.post(f"/family/clients/{fam.client_id}/report", data={"what": "arrested"})
    assert r.status_code == 403
    r = b.post("/family/logout", data={})
    assert r.status_code == 403
    assert b.get("/family/").status_code == 200  # still signed in
    with db.session() as s:
        from sqlmodel import select

        from app.custody.models import CustodyEvent

        assert not s.exec(select(CustodyEvent).where(CustodyEvent.client_id == fam.client_id,
                                                     CustodyEvent.source_type == "family_report")).all()
    # Non-browser clients get problem+json with a stable code.
    r = b.post("/family/logout", data={}, headers={"Accept": "application/json"})
    assert_problem(r, 403, "csrf_refused")


def test_revoked_grant_shows_a_plain_message_in_her_language(browser: Any, invite: Any, org_a: Any,
                                                              client: Any, db: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    r = client.post(f"/api/v1/liaison-grants/{fam.grant['id']}/revoke", headers=org_a.h("attorney"),
                    json={"reason": "Client withdrew consent."})
    assert r.status_code == 200
    page = b.get(f"/family/clients/{fam.client_id}")
    assert page.status_code == 404 and "Usted ya no tiene acceso a esta información" in page.text
    assert "José Luis" not in page.text
    assert audit_rows(db, org_a.id, "portal.denied", fam.client_id)
    b.get("/family/language/en")
    assert "You no longer have access" in b.get(f"/family/clients/{fam.client_id}").text


def test_expired_and_used_invitations_show_plain_messages(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a)
    with db.session() as s:
        from sqlmodel import select

        inv = s.exec(select(LiaisonInvitation).where(LiaisonInvitation.grant_id == uuid.UUID(fam.grant["id"]))).one()
    set_columns(db, LiaisonInvitation, inv.id, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    r = browser().get(f"/family/invite/{fam.token}")
    assert r.status_code == 410 and "Esta invitación venció" in r.text and '<html lang="es">' in r.text
    en = browser()
    en.get("/family/language/en")
    assert "This invitation has expired" in en.get(f"/family/invite/{fam.token}").text
    fam2 = invite(org_a)
    b = browser()
    accept(b, fam2.token)
    assert "Esta invitación ya se usó" in browser().get(f"/family/invite/{fam2.token}").text
    assert browser().get("/family/invite/not-a-real-token").status_code == 404


def test_api_refuses_the_page_cookie_and_pages_refuse_a_bearer_token(browser: Any, invite: Any, org_a: Any,
                                                                      settings: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    raw = b.cookies.get("dp_family")
    assert raw
    api = browser()
    api.headers["Accept"] = "application/json"
    # Sent by hand (a browser would not even send it: its path is /family): the API reads bearer tokens only.
    cookie = {"Cookie": f"dp_family={raw}"}
    assert_problem(api.get(portal_url(fam.client_id), headers=cookie), 401)
    assert_problem(api.get("/api/v1/auth/me", headers=cookie), 401)
    assert b.get("/family/").status_code == 200  # the same cookie does open the page
    staff = browser()
    r = staff.get("/family/", headers=org_a.h("family_liaison"))
    assert r.status_code == 303 and r.headers["location"] == "/family/login"
    r = staff.get(f"/family/clients/{fam.client_id}", headers={**org_a.h("attorney"), "Accept": "application/json"})
    assert_problem(r, 401, "not_signed_in")


def test_session_idle_expiry_and_server_side_revocation(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    with db.session() as s:
        from sqlmodel import select

        fs = s.exec(select(FamilySession).order_by(FamilySession.created_at.desc())).first()  # type: ignore[union-attr]
    set_columns(db, FamilySession, fs.id, idle_expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert b.get("/family/").headers["location"] == "/family/login"
    sign_in(b, fam.email)
    assert b.get("/family/").status_code == 200
    # A password reset (token_version + 1) ends every page session too.
    from app.auth.models import UserAccount

    with db.session(write=True) as s:
        from sqlmodel import select

        u = s.exec(select(UserAccount).where(UserAccount.email == fam.email)).one()
        u.token_version += 1
        s.add(u)
        s.commit()
    assert b.get("/family/").status_code == 303


def test_sign_in_errors_and_throttle_in_her_language(browser: Any, invite: Any, org_a: Any, app: Any) -> None:
    fam = invite(org_a)
    accept(browser(), fam.token)
    b = browser()
    b.get("/family/language/es")
    r = sign_in(b, fam.email, "wrong password 12345")
    assert r.status_code == 401 and "El correo o la contraseña no son correctos" in r.text
    staff = sign_in(browser(), org_a.users["attorney"].email, "correct horse battery staple")
    assert staff.status_code == 403 and "This page is for families" in staff.text
    for _ in range(10):
        r = sign_in(b, fam.email, "wrong password 12345")
        if r.status_code == 429:
            break
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "Demasiados intentos" in r.text and 'href="/family/password-reset"' in r.text


def test_too_many_pages_from_one_account_slow_down_in_her_language(browser: Any, invite: Any, org_a: Any,
                                                                   app: Any) -> None:
    # The per-user rate limit covers the family page too (a page session is an account like a staff token):
    # the fourth page in a minute is a 429 with Retry-After, in her language for a browser and as problem+json
    # with the stable code for a script; another account is not affected, and the next minute opens again.
    fam, other = invite(org_a), invite(org_a, lang="en")
    b, b2 = browser(), browser()
    accept(b, fam.token)
    accept(b2, other.token)
    now = [600.0]
    before = app.state.rate_limiter  # the session's app runs without a limiter; put one in for this test only
    app.state.rate_limiter = RateLimiter(per_user=3, per_ip=10_000, clock=lambda: now[0])
    try:
        rs = [b.get("/family/") for _ in range(4)]
        assert [r.status_code for r in rs] == [200, 200, 200, 429]
        assert "Se abrieron demasiadas páginas en poco tiempo" in rs[3].text and '<html lang="es">' in rs[3].text
        assert int(rs[3].headers["retry-after"]) >= 1 and rs[3].headers["x-ratelimit-limit"] == "3"
        assert_problem(b.get("/family/", headers={"Accept": "application/json"}), 429, "rate_limited")
        assert b2.get("/family/").status_code == 200
        now[0] += 60
        assert b.get("/family/").status_code == 200
    finally:
        app.state.rate_limiter = before


def test_language_switch_stays_on_the_family_page(browser: Any) -> None:
    b = browser()
    for target in ("https://evil.example/", "//evil.example/family/", "/api/v1/auth/me"):
        r = b.get("/family/language/es", params={"next": target})
        assert r.status_code == 303 and r.headers["location"] == "/family/"
    assert 'lang="es"' in b.get("/family/login").text


def test_password_reset_from_the_page(browser: Any, invite: Any, org_a: Any, app: Any, db: Any) -> None:
    from app.auth import reset

    fam = invite(org_a)
    accept(browser(), fam.token)
    b = browser()
    page = b.get("/family/password-reset")
    r = b.post("/family/password-reset", data={"email": fam.email, "csrf": csrf_of(page.text)})
    assert r.status_code == 200 and ("a message is on its way" in r.text or "mensaje va en camino" in r.text)
    # The link an admin would hand over (mail is not configured here) opens the family form.
    from app.auth.models import UserAccount
    from app.core.audit import Actor

    with db.session(write=True) as s:
        from sqlmodel import select

        u = s.exec(select(UserAccount).where(UserAccount.email == fam.email)).one()
        admin = org_a.users["admin"]
        url, _ = reset.issue_reset_link(Actor(org_a.id, admin.id, "admin"), s, app.state.settings, u)
    raw = url.split("#token=")[1]
    form = b.get("/family/password-reset/confirm", params={"token": raw})
    new = "otra contraseña muy larga"
    bad = b.post("/family/password-reset/confirm", data={"token": raw, "password": new, "password2": new + "x",
                                                         "csrf": csrf_of(form.text)})
    assert bad.status_code == 422
    ok = b.post("/family/password-reset/confirm", data={"token": raw, "password": new, "password2": new,
                                                        "csrf": csrf_of(form.text)})
    assert ok.status_code == 200
    assert sign_in(browser(), fam.email, new).status_code == 303
    again = b.post("/family/password-reset/confirm", data={"token": raw, "password": new, "password2": new,
                                                           "csrf": csrf_of(form.text)})
    assert again.status_code == 400


def test_another_organizations_client_is_a_plain_404(browser: Any, invite: Any, org_a: Any, org_b: Any) -> None:
    fam_a = invite(org_a)
    fam_b = invite(org_b)
    b = browser()
    accept(b, fam_a.token)
    for path in (f"/family/clients/{fam_b.client_id}", f"/family/clients/{fam_b.client_id}/report"):
        r = b.get(path)
        assert r.status_code == 404 and "José Luis" not in r.text
    r = b.post(f"/family/clients/{fam_b.client_id}/report",
               data={"what": "arrested", "csrf": csrf_of(b.get("/family/").text)})
    assert r.status_code == 404
    assert_problem(b.get("/family/clients/not-a-uuid", headers={"Accept": "application/json"}), 422)


def test_grants_in_other_states_leave_the_list(browser: Any, invite: Any, org_a: Any, db: Any) -> None:
    fam = invite(org_a)
    b = browser()
    accept(b, fam.token)
    set_columns(db, LiaisonGrant, uuid.UUID(fam.grant["id"]), expires_at=datetime.now(UTC) - timedelta(seconds=1))
    home = b.get("/family/")
    assert home.status_code == 200 and "José Luis" not in home.text and "No hay nadie que mostrar" in home.text


@pytest.mark.parametrize("role", ["admin", "attorney", "paralegal"])
def test_staff_roles_get_no_page_session(browser: Any, org_a: Any, role: str) -> None:
    """Only a family liaison signs in here; staff with the right password are told where to go, and a staff
    bearer token opens no page."""
    b = browser()
    r = sign_in(b, org_a.users[role].email, "correct horse battery staple")
    assert r.status_code == 403 and "dp_family=" not in r.headers.get("set-cookie", "")
    assert b.get("/family/", headers=org_a.h(role)).status_code == 303


def test_the_family_liaison_role_signs_in(browser: Any, org_a: Any) -> None:
    b = browser()
    r = sign_in(b, org_a.users["family_liaison"].email, "correct horse battery staple")
    assert r.status_code == 303 and r.headers["location"] == "/family/"
    assert "No hay nadie que mostrar" in b.get("/family/").text or "There is nobody" in b.get("/family/").text
