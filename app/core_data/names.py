"""Person-name hygiene and search folding (docs/domain/clients.md#the-person names,
docs/design.md#strings-and-text-hygiene, docs/security-model.md#input-validation).

``normalize_name`` is for storage: NFC, trimmed, internal whitespace collapsed to one space,
and characters that have no business in a name refused with a stable ``code``:

- NUL and every other C0 control (U+0000-U+001F, so also tab/CR/LF: a name is one line),
  DEL and C1 controls (U+007F-U+009F);
- bidirectional embeddings/overrides/isolates U+202A-U+202E, U+2066-U+2069 and the marks
  U+200E/U+200F, U+061C ("Trojan Source": they make a stored name display as another);
- zero-width and invisible characters U+200B-U+200D, U+2060-U+2064, U+FEFF, U+00AD.

Known limitation, kept on purpose for consistency with ``app.core.validation``: Persian/Dari
orthography uses ZERO WIDTH NON-JOINER (U+200C) inside some words; such names must be entered
without it (or in Latin transliteration, as on the charging document).

``fold_for_search`` is for matching only, never for display: NFKD, drop the accents of Latin,
Greek and Cyrillic letters, casefold, so "García" = "garcia", "Ábrego" = "abrego",
"NÚÑEZ" = "nunez". Other scripts (Arabic, Chinese, Devanagari, Hangul, ...) keep their marks,
where they carry meaning, and are only casefolded.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["InvalidName", "fold_for_search", "normalize_name"]


class InvalidName(ValueError):
    """A name that cannot be stored; ``code`` is stable for problem+json responses."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060-\u2064\ufeff\u00ad]")
# Unicode whitespace other than the controls above (NBSP, thin space, ideographic space, ...).
_SPACES = re.compile(r"\s+")


def normalize_name(s: str, *, max_length: int | None = None, allow_empty: bool = False) -> str:
    """NFC, trimmed, single-spaced name; raises ``InvalidName`` (a ``ValueError``) with a ``code``.

    Codes: ``name_not_text``, ``name_control_character``, ``name_bidi_control``,
    ``name_invisible_character``, ``name_empty``, ``name_too_long``.
    """
    if not isinstance(s, str):
        raise InvalidName("name_not_text", "Name must be text.")
    if _CONTROL.search(s):
        raise InvalidName("name_control_character", "Name contains a control character.")
    if _BIDI.search(s):
        raise InvalidName("name_bidi_control", "Name contains a bidirectional control character.")
    if _INVISIBLE.search(s):
        raise InvalidName("name_invisible_character", "Name contains an invisible character.")
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", s)).strip()
    if not text and not allow_empty:
        raise InvalidName("name_empty", "Name is empty.")
    if max_length is not None and len(text) > max_length:
        raise InvalidName("name_too_long", f"Name is longer than {max_length} characters.")
    return text


# Latin letters that NFKD does not decompose but that people routinely type without the stroke.
_LATIN_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ø": "o",
        "Ø": "o",
        "ħ": "h",
        "Ħ": "h",
        "ı": "i",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "þ": "th",
        "Þ": "th",
        # apostrophes and hyphens as typed by different keyboards
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_IGNORED_IN_SEARCH = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c]"
)


def _strips_marks(base: str) -> bool:
    """Accents are dropped only after Latin, Greek and Cyrillic base letters."""
    cp = ord(base)
    return cp < 0x0530 or 0x1D00 <= cp <= 0x1FFF or 0x2C60 <= cp <= 0x2C7F or 0xA720 <= cp <= 0xA7FF


def fold_for_search(s: str) -> str:
    """Accent- and case-insensitive key for matching names; never raises on text input."""
    text = _IGNORED_IN_SEARCH.sub("", s)
    text = unicodedata.normalize("NFKD", text)
    out: list[str] = []
    base = ""
    for ch in text:
        if unicodedata.category(ch) == "Mn":
            if base and _strips_marks(base):
                continue
            out.append(ch)
        else:
            base = ch
            out.append(ch)
    # Recompose what is left (Hangul jamo, Indic vowel signs) so other scripts round-trip.
    folded = unicodedata.normalize("NFC", "".join(out)).translate(_LATIN_EXTRA).casefold()
    return _SPACES.sub(" ", folded).strip()


def is_latin_script(text: str) -> bool:
    """True when every letter of ``text`` is a Latin letter (accents allowed: "Núñez", "Nguyễn"). Court
    captions are in English; a name recorded in Arabic, Chinese, Ethiopic or another script needs the
    Latin-script form a person has entered (no automatic transliteration: spellings differ by document)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())
