"""Text hygiene at the schema edge (docs/design.md#strings-and-text-hygiene, docs/security-model.md#input-validation).

NUL bytes (PostgreSQL rejects them with a 500 otherwise), C0 control characters other than tab/newline,
bidirectional overrides/isolates (U+202A-U+202E, U+2066-U+2069, "Trojan Source") and zero-width
format characters are refused; everything else is stored NFC-normalized.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# C0 and C1 controls (but tab and newline), zero-width and bidirectional formatting characters, the Arabic
# letter mark and the byte-order mark. One definition for the API and the CSV imports.
FORBIDDEN_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


class TextRefused(ValueError):
    """A text value the schema refuses; ``code`` is stable (problem+json and CSV row errors)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def check_text(value: str, *, multiline: bool = False) -> str:
    if FORBIDDEN_TEXT.search(value):
        raise TextRefused("invalid_characters", "contains control, zero-width or bidirectional-override characters")
    if not multiline and ("\n" in value or "\r" in value):
        raise TextRefused("invalid_characters", "must be a single line")
    return unicodedata.normalize("NFC", value).strip()


def clean_text(cls: Any, value: Any) -> Any:
    """pydantic field validator: single-line text."""
    if isinstance(value, str):
        return check_text(value)
    return value


def clean_multiline(cls: Any, value: Any) -> Any:
    """pydantic field validator: multi-line text (notes, narratives)."""
    if isinstance(value, str):
        return check_text(value, multiline=True)
    return value
