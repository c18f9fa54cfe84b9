"""The family page's routes (server-rendered, English/Spanish; docs/family-page.md).

HTTP only: parse the form, check its CSRF token, call one service function, render a template. Every signed-in
route declares ``portal:read`` through ``FamilyPage`` (the cookie-session dependency); the public ones (sign-in,
invitation, password reset, language switch, stylesheet) are listed in app/auth/permissions.py PUBLIC_ROUTES.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, FastAPI, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from app.auth import reset
from app.auth.deps import client_ip
from app.auth.throttle import ResetThrottle
from app.core import mail
from app.core.errors import ProblemError
from app.core.routing import api_router
from app.family import accounts, reports, sessions
from app.family.render import HEADERS, TEMPLATES_DIR, page_lang, render
from app.family.texts import say, wait_text
from app.portal import service as portal_service
from app.portal import view
from app.portal.models import LiaisonScope

router = api_router()
FamilyPage = Annotated[sessions.FamilyCtx, Depends(sessions.require_family)]
Field = Annotated[str, Form(max_length=2000)]
LOGIN = "/family/login"
HOME = "/family/"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _message(request: Request, lang: str, key: str, status: int, *, link: tuple[str, str] | None = None,
             code: str | None = None, signed_in: bool = False, csrf: str | None = None,
             values: dict[str, object] | None = None) -> Response:
    """A plain message page (browsers) or problem+json with a stable code (other clients); the same words."""
    response: Response
    text = say(key, lang, **(values or {}))
    if not _wants_html(request) and code is not None:
        body = {"type": f"https://dueprocess.invalid/problems/{code}", "title": code.replace("_", " "),
                "status": status, "detail": text, "code": code}
        response = JSONResponse(body, status_code=status, media_type="application/problem+json",
                                headers={"Content-Language": lang})
        return response
    return render(request, "message.html", lang, status=status, message=text, link=link,
                  signed_in=signed_in, csrf=csrf)


def setup(app: FastAPI) -> None:
    """Mount the pages at /family and answer their three refusals (no session; a bad CSRF token; too many
    requests from one account, the per-user rate limit)."""
    app.include_router(router)

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        lang = page_lang(request)
        if _wants_html(request):
            response: Response = _see_other(LOGIN)
        else:
            response = _message(request, lang, "session_ended", 401, code="not_signed_in")
        if request.cookies.get(sessions.SESSION_COOKIE):
            sessions.clear_cookie(response, request.app.state.settings, sessions.SESSION_COOKIE)
        return response

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return _message(request, page_lang(request), "csrf", 403, link=(HOME, "back"), code="csrf_refused")

    async def slow_down(request: Request, exc: Exception) -> Response:
        headers = exc.headers if isinstance(exc, sessions.SlowDown) else {}
        lang = page_lang(request)
        wait = wait_text(int(headers.get("Retry-After", "60")), lang)
        response = _message(request, lang, "slow_down", 429, code="rate_limited", values={"wait": wait})
        response.headers.update(headers)
        return response

    app.add_exception_handler(sessions.NotSignedIn, not_signed_in)
    app.add_exception_handler(sessions.CsrfRefused, csrf_refused)
    app.add_exception_handler(sessions.SlowDown, slow_down)


# --- public: stylesheet, language, sign-in ---------------------------------------------------------------------

@router.get("/family/static/family.css", include_in_schema=False)
async def stylesheet() -> FileResponse:
    # no-store like every answer of this server (tests/security/test_limits.py): a 3 kB file, one request a page.
    return FileResponse(TEMPLATES_DIR / "family.css", media_type="text/css", headers={"Cache-Control": "no-store"})


@router.get("/family/language/{lang}", include_in_schema=False)
async def switch_language(request: Request, lang: str, next: str = HOME) -> Response:
    """Remember the language this browser chose (a cookie, a year) and go back. Only pages of /family are valid
    targets (no open redirect)."""
    target = next if next.startswith("/family/") and not next.startswith("//") and "\\" not in next else HOME
    response = _see_other(target)
    if lang in ("en", "es"):
        sessions.set_cookie(response, request.app.state.settings, sessions.LANG_COOKIE, lang,
                            max_age=365 * 86400)
    return response


@router.get("/family/login", include_in_schema=False)
def login_page(request: Request) -> Response:
    lang = page_lang(request)
    placeholder = Response()
    binding = sessions.ensure_binding(request, placeholder, request.app.state.settings)
    response = render(request, "login.html", lang, csrf=sessions.csrf_token(request.app.state.settings, binding),
                      error=None, email="")
    _copy_cookies(placeholder, response)
    return response


def _copy_cookies(source: Response, target: Response) -> None:
    for key, value in source.raw_headers:
        if key == b"set-cookie":
            target.raw_headers.append((key, value))


@router.post("/family/login", include_in_schema=False)
def login(request: Request, email: Field = "", password: Field = "", csrf: Field = "") -> Response:
    st = request.app.state
    sessions.check_csrf(request, st.settings, csrf)
    lang = page_lang(request)
    db_session = sessions.public_session(request)
    try:
        raw = accounts.sign_in(db_session, st.settings, st.passwords, st.login_throttle, email=email,
                               password=password, ip=client_ip(request),
                               request_id=getattr(request.state, "request_id", None))
    except accounts.SignInRefused as refused:
        binding = sessions.csrf_binding(request) or ""
        token = sessions.csrf_token(st.settings, binding)
        if refused.reason == "throttled":
            response = render(request, "login.html", lang, status=429, csrf=token, email=email,
                              error=say("throttled", lang, wait=wait_text(refused.retry_after, lang)))
            response.headers["Retry-After"] = str(refused.retry_after)
            return response
        return render(request, "login.html", lang, status=401 if refused.reason == "bad_login" else 403,
                      csrf=token, email=email, error=say(refused.reason, lang))
    done: Response = _see_other(HOME)
    sessions.set_cookie(done, st.settings, sessions.SESSION_COOKIE, raw)
    sessions.clear_cookie(done, st.settings, sessions.PRE_COOKIE)
    return done


@router.post("/family/logout", include_in_schema=False)
def logout(request: Request, csrf: Field = "") -> Response:
    st = request.app.state
    sessions.check_csrf(request, st.settings, csrf)
    raw = request.cookies.get(sessions.SESSION_COOKIE)
    if raw:
        db_session = sessions.public_session(request)
        sessions.end(db_session, raw)
        db_session.commit()
    lang = page_lang(request)
    response = _message(request, lang, "signed_out", 200, link=(LOGIN, "go_login"))
    sessions.clear_cookie(response, st.settings, sessions.SESSION_COOKIE)
    return response


# --- public: invitation ------------------------------------------------------------------------------------------

@router.get("/family/invite/{token}", include_in_schema=False)
def invite_page(request: Request, token: str) -> Response:
    st = request.app.state
    state = accounts.invitation_state(sessions.public_session(request), token)
    lang = page_lang(request, state.lang)
    if state.problem is not None:
        link = (LOGIN, "go_login") if state.problem == "invitation_used" else None
        return _message(request, lang, state.problem, 410 if state.problem != "invitation_not_found" else 404,
                        link=link, code=state.problem)
    placeholder = Response()
    binding = sessions.ensure_binding(request, placeholder, st.settings)
    response = render(request, "invite.html", lang, csrf=sessions.csrf_token(st.settings, binding), error=None)
    _copy_cookies(placeholder, response)
    if not request.cookies.get(sessions.LANG_COOKIE) and state.lang in ("en", "es"):
        sessions.set_cookie(response, st.settings, sessions.LANG_COOKIE, state.lang, max_age=365 * 86400)
    return response


@router.post("/family/invite/{token}", include_in_schema=False)
def accept_invite(request: Request, token: str, password: Field = "", password2: Field = "",
                  csrf: Field = "") -> Response:
    st = request.app.state
    sessions.check_csrf(request, st.settings, csrf)
    db_session = sessions.public_session(request)
    state = accounts.invitation_state(db_session, token)
    lang = page_lang(request, state.lang)
    if state.problem is not None or state.user is None:
        return _message(request, lang, state.problem or "invitation_not_found", 410, code=state.problem)
    token_field = sessions.csrf_token(st.settings, sessions.csrf_binding(request) or "")
    if password != password2:
        return render(request, "invite.html", lang, status=422, csrf=token_field, error=say("passwords_differ", lang))
    try:
        portal_service.accept_invitation(db_session, st.passwords, raw_token=token, password=password,
                                         request_id=getattr(request.state, "request_id", None),
                                         ip=client_ip(request))
    except ProblemError as exc:
        db_session.rollback()
        if exc.status == 422:
            return render(request, "invite.html", lang, status=422, csrf=token_field,
                          error=say("password_short", lang))
        return _message(request, lang, exc.code if exc.code.startswith("invitation_") else "invitation_revoked",
                        410, code=exc.code)
    db_session.refresh(state.user)
    raw = sessions.start(db_session, st.settings, state.user)
    db_session.commit()
    response = _see_other(HOME)
    sessions.set_cookie(response, st.settings, sessions.SESSION_COOKIE, raw)
    sessions.clear_cookie(response, st.settings, sessions.PRE_COOKIE)
    return response


# --- public: password reset --------------------------------------------------------------------------------------

def _reset_throttle(request: Request) -> ResetThrottle:
    """The API's reset throttle (the same limits whichever door is used); created as the API creates it."""
    st = request.app.state
    throttle: ResetThrottle | None = getattr(st, "reset_throttle", None)
    if throttle is None:
        throttle = ResetThrottle(per_ip=st.settings.login_max_failures_per_ip,
                                 window_seconds=st.settings.login_window_seconds)
        st.reset_throttle = throttle
    return throttle


def _public_form(request: Request, template: str, lang: str, status: int = 200, **values: Any) -> Response:
    st = request.app.state
    placeholder = Response()
    binding = sessions.ensure_binding(request, placeholder, st.settings)
    response = render(request, template, lang, status=status, csrf=sessions.csrf_token(st.settings, binding),
                      **values)
    _copy_cookies(placeholder, response)
    return response


@router.get("/family/password-reset", include_in_schema=False)
def reset_page(request: Request) -> Response:
    return _public_form(request, "reset_request.html", page_lang(request), done=False)


@router.post("/family/password-reset", include_in_schema=False)
def reset_request(request: Request, background: BackgroundTasks, email: Field = "", csrf: Field = "") -> Response:
    st = request.app.state
    sessions.check_csrf(request, st.settings, csrf)
    lang = page_lang(request)
    try:
        outcome = reset.request_reset(sessions.public_session(request), st.settings, _reset_throttle(request),
                                      email=email, ip=client_ip(request),
                                      request_id=getattr(request.state, "request_id", None), accept_language=lang)
    except ProblemError as exc:
        if exc.status == 429:
            wait = int((exc.extra or {}).get("retry_after", 60))
            return _public_form(request, "reset_request.html", lang, status=429, done=False,
                                error=say("throttled", lang, wait=wait_text(wait, lang)))
        raise
    if outcome.mail is not None:
        # After the answer, as the API does: the answer's timing must not tell whether the address has an account.
        background.add_task(mail.send, st.settings, outcome.mail)
    return _public_form(request, "reset_request.html", lang, done=True)


@router.get("/family/password-reset/confirm", include_in_schema=False)
def reset_confirm_page(request: Request, token: str = "") -> Response:
    return _public_form(request, "reset_confirm.html", page_lang(request), token=token[:256], error=None)


@router.post("/family/password-reset/confirm", include_in_schema=False)
def reset_confirm(request: Request, token: Field = "", password: Field = "", password2: Field = "",
                  csrf: Field = "") -> Response:
    st = request.app.state
    sessions.check_csrf(request, st.settings, csrf)
    lang = page_lang(request)
    if password != password2:
        return _public_form(request, "reset_confirm.html", lang, status=422, token=token,
                            error=say("passwords_differ", lang))
    db_session = sessions.public_session(request)
    try:
        reset.confirm_reset(db_session, st.passwords, _reset_throttle(request), raw_token=token, password=password,
                            ip=client_ip(request), request_id=getattr(request.state, "request_id", None),
                            accept_language=lang)
    except ProblemError as exc:
        db_session.rollback()
        key = {422: "password_short", 429: "throttled"}.get(exc.status, "reset_invalid")
        wait = wait_text(int((exc.extra or {}).get("retry_after", 60)), lang)
        return _public_form(request, "reset_confirm.html", lang, status=exc.status, token=token,
                            error=say(key, lang, wait=wait) if key == "throttled" else say(key, lang))
    return _message(request, lang, "reset_done", 200, link=(LOGIN, "go_login"))


# --- signed in ---------------------------------------------------------------------------------------------------

def _signed(fctx: sessions.FamilyCtx) -> str:
    return sessions.csrf_token(fctx.settings, fctx.raw_token)


@router.get("/family/", include_in_schema=False)
def home(request: Request, fctx: FamilyPage) -> Response:
    lang = page_lang(request, fctx.user.preferred_language)
    items, _total = view.list_clients(fctx.actor, fctx.session, limit=100, offset=0)
    return render(request, "clients.html", lang, csrf=_signed(fctx), signed_in=True, clients=items)


@router.get("/family/clients/{client_id}", include_in_schema=False)
def client_page(request: Request, client_id: uuid.UUID, fctx: FamilyPage) -> Response:
    """The consented view: built by the portal's own allow-list (``view.client_view``) and audited there."""
    lang = page_lang(request, fctx.user.preferred_language)
    try:
        v, grant = view.client_view_and_grant(fctx.actor, fctx.session, fctx.user, client_id, lang)
    except ProblemError as exc:
        if exc.status != 404:
            raise
        return _message(request, lang, "no_access", 404, link=(HOME, "back"), code="client_not_found",
                        signed_in=True, csrf=_signed(fctx))
    can_report = LiaisonScope.report_news.value in (grant.scopes or [])
    return render(request, "client.html", lang, csrf=_signed(fctx), signed_in=True, v=v, can_report=can_report)


@router.get("/family/clients/{client_id}/report", include_in_schema=False)
def report_page(request: Request, client_id: uuid.UUID, fctx: FamilyPage) -> Response:
    lang = page_lang(request, fctx.user.preferred_language)
    try:
        allowed = reports.may_report(fctx, client_id)
    except ProblemError:
        return _message(request, lang, "no_access", 404, link=(HOME, "back"), code="client_not_found",
                        signed_in=True, csrf=_signed(fctx))
    if not allowed:
        return _message(request, lang, "report_not_allowed", 403, link=(f"/family/clients/{client_id}", "back_short"),
                        code="report_not_allowed", signed_in=True, csrf=_signed(fctx))
    return render(request, "report.html", lang, csrf=_signed(fctx), signed_in=True, client_id=client_id,
                  error=None, form=reports.ReportForm("", "", "", ""), options=list(reports.WHAT),
                  countries=reports.country_options(lang))


@router.post("/family/clients/{client_id}/report", include_in_schema=False)
def report(request: Request, client_id: uuid.UUID, fctx: FamilyPage, what: Field = "", when: Field = "",
           place: Field = "", details: Field = "", country: Field = "", csrf: Field = "") -> Response:
    sessions.check_csrf(request, fctx.settings, csrf)
    lang = page_lang(request, fctx.user.preferred_language)
    form = reports.ReportForm(what, when, place, details, country)
    try:
        reports.record_report(fctx, client_id, form)
    except reports.ReportRefused as refused:
        fctx.session.rollback()
        if refused.status == 403:
            return _message(request, lang, refused.key, 403, code="report_not_allowed", signed_in=True,
                            csrf=_signed(fctx))
        return render(request, "report.html", lang, status=422, csrf=_signed(fctx), signed_in=True,
                      client_id=client_id, error=say(refused.key, lang), form=form, options=list(reports.WHAT),
                      countries=reports.country_options(lang), code="invalid_report")
    except ProblemError as exc:
        fctx.session.rollback()
        if exc.status == 404:
            return _message(request, lang, "no_access", 404, link=(HOME, "back"), code="client_not_found",
                            signed_in=True, csrf=_signed(fctx))
        return render(request, "report.html", lang, status=422, csrf=_signed(fctx), signed_in=True,
                      client_id=client_id, error=say("report_rejected", lang), form=form,
                      options=list(reports.WHAT), countries=reports.country_options(lang), code=exc.code)
    return _message(request, lang, "report_sent", 201, link=(f"/family/clients/{client_id}", "back_short"),
                    signed_in=True, csrf=_signed(fctx))


__all__ = ["HEADERS", "router", "setup"]
