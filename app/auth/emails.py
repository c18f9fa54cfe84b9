"""One way to compare e-mail addresses, the same on SQLite and PostgreSQL, and a refusal of confusable ones.

- ``fold_email``: NFC, strip, Python ``str.casefold`` (full Unicode case folding), NFC again. SQL ``lower()``
  folds only ASCII on SQLite, so "ÉMILE@…" would not find "émile@…" there; the folded form is computed in
  Python and stored in ``user_account.email_folded`` (unique), and every lookup compares that column.
- ``normalize_email``: the address as stored for display and delivery (NFC, stripped), after
  ``check_confusable``.
- ``check_confusable``: 422 ``confusable_email`` for an address whose local part, or one of whose domain labels,
  mixes letters of several Unicode scripts (a Cyrillic "а" in a Latin address), or that holds compatibility
  characters (full-width or mathematical letters, ligatures: anything NFKC would change). Domain labels in
  IDNA form (``xn--``) are decoded first. The script of a letter is the first word of its Unicode name (LATIN,
  CYRILLIC, GREEK, ARABIC, HEBREW, …), the standard library having no Script property; Han, Hiragana and
  Katakana count as one (Japanese), Han with Hangul too (Korean), as in UTS #39's "highly restrictive" level.
  Not caught: a whole-script confusable (an address written entirely in Cyrillic letters that look Latin).
"""

from __future__ import annotations

import unicodedata

from app.core.errors import ProblemError

_CJK = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN", "BOPOMOFO": "HAN",
        "IDEOGRAPHIC": "HAN", "HALFWIDTH": "HAN"}


def fold_email(email: str) -> str:
    """The comparison key of an address (lookups, uniqueness, throttling)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", email).strip().casefold())
    local, at, domain = folded.rpartition("@")
    if at and "xn--" in domain:  # an IDNA (punycode) domain and its Unicode form are one address
        try:
            domain = domain.encode("ascii").decode("idna").casefold()
        except (UnicodeError, ValueError):
            pass
        folded = unicodedata.normalize("NFC", f"{local}@{domain}")
    return folded


def _script(ch: str) -> str | None:
    """The script of a letter (None for digits, punctuation and other characters common to every script)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    first = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
    return _CJK.get(first, first)


def _single_script(text: str) -> bool:
    return len({s for s in map(_script, text) if s is not None}) <= 1


def _labels(domain: str) -> list[str]:
    out = []
    for label in domain.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                return [label, "\u0430a"]  # undecodable IDNA label: treat as confusable
        out.append(label)
    return out


def is_confusable(email: str) -> bool:
    email = unicodedata.normalize("NFC", email.strip())
    if unicodedata.normalize("NFKC", email) != email:
        return True
    local, _, domain = email.rpartition("@")
    return not _single_script(local) or not all(_single_script(label) for label in _labels(domain))


def check_confusable(email: str) -> None:
    if is_confusable(email):
        raise ProblemError(422, "confusable_email",
                           "This e-mail address mixes letters of different scripts (for example a Cyrillic "
                           "letter in a Latin address); type it again in one script.")


def normalize_email(email: str) -> str:
    """The address to store for a new account: refused if confusable, else NFC and stripped."""
    check_confusable(email)
    return unicodedata.normalize("NFC", email).strip()
