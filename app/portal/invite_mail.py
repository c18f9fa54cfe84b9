"""The invitation e-mail: a link to the family page where the invited liaison chooses a password
(docs/family-page.md#invitations).

The link is ``PUBLIC_BASE_URL/family/invite/<token>``; the answer to the grant carries it too, so staff can hand it
over when mail is not configured or does not arrive. Written in the liaison's language; the subject names no one.
"""

from __future__ import annotations

import html

from app.core.config import Settings
from app.core.mail import Mail

INVITE_PATH = "/family/invite/"

_TEXT = {
    "en": {
        "subject": "Your invitation to follow a case",
        "intro": "The legal team invited you to follow the case of a person close to you on their family page.",
        "action": "Open this link to choose your password",
        "expires": "The link works once and expires in 72 hours. If it expires, ask the legal team for a new one.",
    },
    "es": {
        "subject": "Su invitación para seguir un caso",
        "intro": "El equipo legal le invitó a seguir el caso de una persona cercana en su página para familias.",
        "action": "Abra este enlace para elegir su contraseña",
        "expires": "El enlace funciona una sola vez y vence en 72 horas. Si vence, pida uno nuevo al equipo legal.",
    },
}


def invitation_url(settings: Settings, raw_token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}{INVITE_PATH}{raw_token}"


def invitation_mail(settings: Settings, to: str, lang: str, raw_token: str) -> Mail:
    t = _TEXT["es" if lang == "es" else "en"]
    url = invitation_url(settings, raw_token)
    text = f"{t['intro']}\n\n{t['action']}:\n{url}\n\n{t['expires']}\n"
    safe_url = html.escape(url, quote=True)
    body = (f"<!doctype html><html><body><p>{html.escape(t['intro'])}</p>"
            f'<p><a href="{safe_url}">{html.escape(t["action"])}</a></p>'
            f"<p>{safe_url}</p><p>{html.escape(t['expires'])}</p></body></html>")
    return Mail(to=to, subject=t["subject"], text=text, html=body)
