"""Typed filing options: declaration, validation (all problems at once) and defaults.

Limits keep a "10,000-page request" from ever reaching the renderer: every text has a length
cap and every list an item cap, checked in microseconds before a worker is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.filings.countries import is_valid_country

OPTION_TYPES = ("string", "text", "list[string]", "country", "date", "enum", "bool", "int")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    type: str  # one of OPTION_TYPES
    description: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    max_length: int = 300  # per string (per item for lists)
    max_items: int = 50  # lists only
    minimum: int | None = None  # int only
    maximum: int | None = None
    required_if: tuple[str, Any] | None = None  # (other option, value) that makes this required

    def is_required(self, options: dict[str, Any]) -> bool:
        if self.required:
            return True
        if self.required_if is not None:
            other, value = self.required_if
            return bool(options.get(other) == value)
        return False

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }
        if self.required_if is not None:
            out["required_if"] = {self.required_if[0]: self.required_if[1]}
        if self.default is not None:
            out["default"] = self.default
        if self.choices:
            out["choices"] = list(self.choices)
        if self.type in ("string", "text", "list[string]"):
            out["max_length"] = self.max_length
        if self.type == "list[string]":
            out["max_items"] = self.max_items
        if self.type == "int":
            out["minimum"], out["maximum"] = self.minimum, self.maximum
        return out


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _problem(spec: OptionSpec, value: Any) -> str | None:
    """Why `value` is not acceptable for `spec`, or None."""
    t = spec.type
    if t in ("string", "text"):
        if not isinstance(value, str):
            return "must be a string"
        if len(value) > spec.max_length:
            return f"at most {spec.max_length} characters"
        if "\x00" in value:
            return "must not contain NUL characters"
    elif t == "list[string]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if len(value) > spec.max_items:
            return f"at most {spec.max_items} items"
        if any(len(v) > spec.max_length for v in value):
            return f"each item at most {spec.max_length} characters"
        if any("\x00" in v for v in value):
            return "must not contain NUL characters"
    elif t == "country":
        if not isinstance(value, str) or not is_valid_country(value):
            return "must be an ISO 3166-1 alpha-2 country code"
    elif t == "date":
        if _parse_date(value) is None:
            return "must be a date (YYYY-MM-DD)"
    elif t == "enum":
        if value not in spec.choices:
            return "must be one of: " + ", ".join(spec.choices)
    elif t == "bool":
        if not isinstance(value, bool):
            return "must be true or false"
    elif t == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be an integer"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {spec.minimum}"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {spec.maximum}"
    return None


# What layout costs is lines, not characters: 20,000 blank lines are 20,000 characters but ~750 pages, which
# WeasyPrint lays out (30-50 s of a render worker) before the page cap can refuse them. So every option's text is
# counted in printed lines (a line wraps every ~90 characters at 12-point type; a blank line is a line) and the
# whole request is refused before any worker is involved when it exceeds the budget: ~2,000 lines is about
# 45 double-spaced pages of counsel's text, more than any option of a habeas filing needs.
WRAP_CHARACTERS = 90
LAYOUT_LINE_BUDGET = 2_000


def layout_lines(value: object) -> int:
    """Printed lines a text (or a list of texts) will take, roughly: each line wraps every WRAP_CHARACTERS."""
    texts = value if isinstance(value, list) else [value]
    lines = 0
    for text in texts:
        if isinstance(text, str):
            lines += sum(max(1, -(-len(line) // WRAP_CHARACTERS)) for line in text.split("\n"))
    return lines


def invalid_options_for(specs: tuple[OptionSpec, ...], options: dict[str, Any]) -> list[str]:
    known = {s.name: s for s in specs}
    problems: list[str] = []
    if not isinstance(options, dict):
        return ["options: must be an object"]
    for name in options:
        if name not in known:
            problems.append(f"options.{name}: not accepted by this template")
    for spec in specs:
        if spec.name in options and options[spec.name] is not None:
            why = _problem(spec, options[spec.name])
            if why:
                problems.append(f"options.{spec.name}: {why}")
    if not problems:
        lines = sum(layout_lines(options[s.name]) for s in specs
                    if s.type in ("string", "text", "list[string]") and options.get(s.name) is not None)
        if lines > LAYOUT_LINE_BUDGET:
            problems.append(f"options: about {lines:,} printed lines of text; at most {LAYOUT_LINE_BUDGET:,} "
                            "(blank lines count)")
    return problems


def resolve_options_for(specs: tuple[OptionSpec, ...], options: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for spec in specs:
        value = options.get(spec.name)
        if value is None or (isinstance(value, str | list) and not value):
            value = spec.default
        if spec.type == "date" and value is not None:
            value = _parse_date(value)
        elif spec.type == "country" and isinstance(value, str):
            value = value.strip().upper()
        elif spec.type == "list[string]":
            value = [v.strip() for v in (value or []) if isinstance(v, str) and v.strip()]
        out[spec.name] = value
    return out
