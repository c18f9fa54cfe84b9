"""Messages for people who are not signed in, in the language their browser asks for (English, Spanish).

A throttled sign-in or reset answers in the language of ``Accept-Language`` — never the account's
``preferred_language``: answering in the account's language would tell a stranger that the address has an
account (docs/design.md#wave-2).
"""

from __future__ import annotations

import math

from app.core.errors import ProblemError

SUPPORTED = ("en", "es")
DEFAULT = "en"


def negotiate(accept_language: str | None) -> str:
    """The best supported language of an ``Accept-Language`` header (RFC 9110 §12.5.4), else English."""
    if not accept_language:
        return DEFAULT
    best, best_q = DEFAULT, -1.0
    for part in accept_language[:512].split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if q <= 0 or primary not in SUPPORTED:
            continue
        # Equal weights keep the header's order (the first listed wins).
        if q > best_q:
            best, best_q = primary, q
    return best


def _wait_text(seconds: int, lang: str) -> str:
    if seconds < 60:
        n = max(1, seconds)
        if lang == "es":
            return f"{n} segundo" if n == 1 else f"{n} segundos"
        return f"{n} second" if n == 1 else f"{n} seconds"
    minutes = math.ceil(seconds / 60)
    if lang == "es":
        return f"{minutes} minuto" if minutes == 1 else f"{minutes} minutos"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


_TOO_MANY = {
    "login": {
        "en": "Too many failed sign-in attempts. Try again in {wait}.",
        "es": "Demasiados intentos fallidos de inicio de sesión. Vuelva a intentarlo en {wait}.",
    },
    "password": {
        "en": "Too many wrong current passwords. Try again in {wait}.",
        "es": "Demasiadas contraseñas actuales incorrectas. Vuelva a intentarlo en {wait}.",
    },
    "mfa": {
        "en": "Too many wrong codes. Try again in {wait}.",
        "es": "Demasiados códigos incorrectos. Vuelva a intentarlo en {wait}.",
    },
    "reset": {
        "en": "Too many password-reset requests. Try again in {wait}.",
        "es": "Demasiadas solicitudes de restablecimiento de contraseña. Vuelva a intentarlo en {wait}.",
    },
}


def too_many_attempts(kind: str, retry_after: int, accept_language: str | None) -> ProblemError:
    """429 ``too_many_attempts`` with ``Retry-After`` and a ``detail`` in the requested language."""
    lang = negotiate(accept_language)
    seconds = max(1, int(retry_after))
    detail = _TOO_MANY[kind][lang].format(wait=_wait_text(seconds, lang))
    return ProblemError(429, "too_many_attempts", detail,
                        headers={"Retry-After": str(seconds), "Content-Language": lang, "Vary": "Accept-Language"},
                        extra={"retry_after": seconds})
