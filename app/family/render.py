"""Rendering family pages: one Jinja2 environment on templates/family, the page headers, the page language.

Content-Security-Policy: no inline script or style at all; the stylesheet is a file of this origin
(``/family/static/family.css``), forms post only to this origin, and nothing may frame the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.auth.i18n import negotiate
from app.family import sessions
from app.family.texts import say

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "family"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Vary": "Cookie, Accept-Language",
}

_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def page_lang(request: Request, account_lang: str | None = None) -> str:
    """The language of a page: the browser's choice (the switch's cookie), else the account's or the invitation's,
    else the browser's Accept-Language."""
    chosen = request.cookies.get(sessions.LANG_COOKIE)
    if chosen in ("en", "es"):
        return chosen
    if account_lang in ("en", "es"):
        return account_lang
    return negotiate(request.headers.get("accept-language"))


def render(request: Request, template: str, lang: str, *, status: int = 200, csrf: str | None = None,
           signed_in: bool = False, **values: Any) -> HTMLResponse:
    def tr(key: str, **kw: Any) -> str:
        return say(key, lang, **kw)

    here = request.url.path
    html = _ENV.get_template(template).render(
        lang=lang, other="en" if lang == "es" else "es", t=tr, csrf=csrf, signed_in=signed_in, here=here,
        **values)
    return HTMLResponse(html, status_code=status, headers={**HEADERS, "Content-Language": lang})
