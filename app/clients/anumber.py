"""Alien Registration Number (A-number) normalisation, display and masking (docs/domain/clients.md#the-person).

Current A-numbers have nine digits; older ones eight, entered with a leading zero
(``A 012 345 678``, EOIR practice); seven-digit legacy numbers are padded the same way but are
flagged for human review because they are rare and often a transcription error. No public
check-digit algorithm is known, so only length and character set can be validated.

A USCIS receipt number (three letters + ten digits, e.g. ``IOE0912345678``) is a frequent
look-alike on intake forms and is rejected with its own reason so the UI can say why.

Pure functions, no database. Stored form: nine ASCII digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ANumberResult",
    "InvalidANumber",
    "RECEIPT_PREFIXES",
    "display_a_number",
    "looks_like_a_number",
    "mask_a_number",
    "normalize_a_number",
]

# Service-centre / office prefixes of USCIS receipt numbers (EAC Vermont, WAC California,
# LIN Nebraska, SRC Texas, NBC National Benefits Center, MSC Missouri, YSC Potomac,
# IOE ELIS online filing). Any 3 letters + 10 digits is treated as a receipt number as well.
RECEIPT_PREFIXES: frozenset[str] = frozenset(
    {"EAC", "WAC", "LIN", "SRC", "NBC", "MSC", "YSC", "IOE", "TSC", "VSC", "CSC", "NSC"}
)

# Longest raw input we look at: "A# 123-456-789" with generous padding. Anything longer is not
# an A-number and we refuse before doing any work on it.
_MAX_RAW_LENGTH = 40

# Separators people type inside A-numbers: spaces (incl. no-break), hyphens and dashes, dots.
_SEPARATORS = re.compile(r"[\s.\-\u2010\u2011\u2012\u2013\u2014\u2212]+")
_RECEIPT = re.compile(r"[A-Z]{3}[0-9]+")
_DIGITS = re.compile(r"[0-9]+")

Reason = Literal[
    "empty",
    "too_long",
    "receipt_number",
    "invalid_characters",
    "too_many_digits",
    "too_few_digits",
    "all_zeros",
]

_MESSAGES: dict[str, str] = {
    "empty": "A-number is empty.",
    "too_long": "Input is too long to be an A-number.",
    "receipt_number": "This looks like a USCIS receipt number (3 letters + 10 digits), not an A-number.",
    "invalid_characters": "An A-number has only digits, optionally after a leading 'A'.",
    "too_many_digits": "An A-number has at most 9 digits.",
    "too_few_digits": "An A-number has at least 7 digits (8-digit numbers get a leading 0).",
    "all_zeros": "An A-number cannot be all zeros.",
}


class InvalidANumber(ValueError):
    """Raised for input that cannot be an A-number; ``reason`` is a stable machine code."""

    def __init__(self, reason: Reason) -> None:
        self.reason: Reason = reason
        super().__init__(_MESSAGES[reason])


@dataclass(frozen=True, slots=True)
class ANumberResult:
    value: str  # exactly 9 ASCII digits
    needs_review: bool  # True for 7-digit legacy input that was zero-padded


def _compact(raw: str) -> tuple[str, bool]:
    """Upper-cased input without separators, and whether it carried an explicit A prefix."""
    if not isinstance(raw, str):
        raise TypeError("A-number must be a string")
    if len(raw) > _MAX_RAW_LENGTH:
        raise InvalidANumber("too_long")
    # NFKC folds full-width digits and letters ("Ａ１２３…") typed on some phone keyboards.
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    compact = _SEPARATORS.sub("", text)
    if not compact:
        raise InvalidANumber("empty")
    if _RECEIPT.fullmatch(compact):
        prefix, digits = compact[:3], compact[3:]
        if len(digits) == 10 or prefix in RECEIPT_PREFIXES:
            raise InvalidANumber("receipt_number")
    prefixed = False
    if compact.startswith("A"):
        compact, prefixed = compact[1:], True
    if compact.startswith("#"):  # "A# 123 456 789", "#123456789"
        compact = compact[1:]
    return compact, prefixed


def _validate_digits(digits: str) -> ANumberResult:
    if not digits:
        raise InvalidANumber("too_few_digits")
    if not _DIGITS.fullmatch(digits):
        raise InvalidANumber("invalid_characters")
    if len(digits) > 9:
        raise InvalidANumber("too_many_digits")
    if len(digits) < 7:
        raise InvalidANumber("too_few_digits")
    if set(digits) == {"0"}:
        raise InvalidANumber("all_zeros")
    return ANumberResult(value=digits.zfill(9), needs_review=len(digits) == 7)


def normalize_a_number(raw: str) -> ANumberResult:
    """Normalise user input to nine digits or raise ``InvalidANumber`` (with a ``reason``).

    ``A123456789``, ``A-123-456-789``, ``a 123 456 789``, ``123.456.789`` -> ``123456789``;
    ``A12345678`` -> ``012345678``; ``A1234567`` -> ``001234567`` with ``needs_review=True``.
    """
    digits, _ = _compact(raw)
    return _validate_digits(digits)


def _nine_digits(value: str) -> str:
    if len(value) == 9 and value.isascii() and value.isdigit():
        if set(value) == {"0"}:
            raise InvalidANumber("all_zeros")
        return value
    return normalize_a_number(value).value


DisplayStyle = Literal["pleading", "eoir", "bare"]


def display_a_number(value: str, style: DisplayStyle = "pleading") -> str:
    """``"012345678"`` -> ``"A-012-345-678"`` (pleadings), ``"A 012 345 678"`` (EOIR) or bare digits."""
    d = _nine_digits(value)
    if style == "bare":
        return d
    sep = "-" if style == "pleading" else " "
    return f"A{sep}{d[0:3]}{sep}{d[3:6]}{sep}{d[6:9]}"


def mask_a_number(value: str) -> str:
    """Show only the last three digits: ``"A-***-***-678"`` (liaison views, lists, logs)."""
    d = _nine_digits(value)
    return f"A-***-***-{d[6:9]}"


def looks_like_a_number(q: str) -> str | None:
    """For a search box: the nine-digit A-number if ``q`` is one, else ``None``; never raises.

    A bare seven-digit number without an ``A`` prefix is not treated as an A-number here (it is
    more often a phone or docket fragment); ``A1234567`` is.
    """
    if not isinstance(q, str):
        return None
    try:
        digits, prefixed = _compact(q)
        result = _validate_digits(digits)
    except InvalidANumber:
        return None
    if result.needs_review and not prefixed:
        return None
    return result.value
