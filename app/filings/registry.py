"""Filing template registry: what each template is, which record fields and options it needs.

`missing_fields(key, ctx)` lists every missing field at once (dotted names) so the API can answer
422 `missing_filing_data` in one round trip; `invalid_options` reports options of the wrong type,
unknown options and oversized input before any render is attempted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.filings.districts import get_district
from app.filings.options import (
    OptionSpec,
    invalid_options_for,
    resolve_options_for,
)
from app.filings.specs import TEMPLATES, TemplateSpec
from app.filings.viewmodels import FilingRecord

__all__ = [
    "TEMPLATES",
    "FilingDataError",
    "OptionSpec",
    "TemplateSpec",
    "UnknownTemplate",
    "check",
    "get_spec",
    "invalid_options",
    "missing_fields",
    "registry_listing",
    "resolve_options",
]


class UnknownTemplate(KeyError):
    """No template with that key (the web layer answers 422 / 404)."""


class FilingDataError(ValueError):
    """The context cannot produce this filing; carries every problem at once."""

    def __init__(self, missing: list[str], invalid: list[str]):
        self.missing = missing
        self.invalid = invalid
        super().__init__(f"missing: {missing}; invalid: {invalid}")


def get_spec(key: str) -> TemplateSpec:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise UnknownTemplate(key) from None


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value) and not (isinstance(value, str) and not value.strip())
    return True


def _facility_field(ctx: FilingRecord) -> str:
    return "last_us_facility" if ctx.removed else "client.current_facility"


def _court_fields(ctx: FilingRecord, spec: TemplateSpec) -> list[str]:
    """Which fields are missing for the caption's court: the venue engine's answer (one rule for every
    template), plus a proceeding for templates that only exist inside a case."""
    from app.filings.venue import decide_venue, facts_of

    if spec.court_from == "proceeding" and (ctx.proceeding is None or not ctx.proceeding.district
                                            or get_district(ctx.proceeding.district) is None):
        return ["proceeding.district"]
    if spec.court_from == "proceeding" and not ctx.proceeding.docket_number:  # type: ignore[union-attr]
        return []  # the missing docket number is what to report
    if ctx.venue is not None:
        return []
    outcome = decide_venue(facts_of(ctx))
    if outcome.conflict is not None:
        return []  # answered as venue_conflict, not as missing data
    return list(outcome.missing)


CONFINEMENT_RULES = frozenset({"padilla_district_of_confinement", "last_us_confinement_in_transit"})


def _venue(ctx: FilingRecord) -> Any:
    from app.filings.venue import caption_venue

    return caption_venue(ctx)


def _custodian_ok(ctx: FilingRecord) -> bool:
    """A petition challenging present confinement names the immediate custodian (Padilla); a docketed case
    keeps its respondents and a removed client's case names the officials able to effect return."""
    venue = _venue(ctx)
    if venue is None:
        return _custodian_named(ctx) or bool(ctx.facility is not None and ctx.facility.custodian_name)
    if venue.rule.split("+")[0] not in CONFINEMENT_RULES:
        return True
    return any(r.role == "immediate_custodian" and r.name for r in venue.respondents)


def _field_office_ok(ctx: FilingRecord) -> bool:
    venue = _venue(ctx)
    if venue is not None and (venue.docketed or ctx.respondents
                              or (ctx.proceeding is not None and ctx.proceeding.respondents)):
        return True
    return ctx.facility is None or bool(ctx.facility.ice_field_office)


def _custodian_named(ctx: FilingRecord) -> bool:
    explicit = ctx.respondents or (ctx.proceeding.respondents if ctx.proceeding else [])
    return any(r.role == "immediate_custodian" and r.name for r in explicit)


_RECORD_FIELDS: dict[str, Callable[[FilingRecord], Any]] = {
    "client.a_number_display": lambda c: c.client.a_number_display or c.client.a_number_sealed,
    "facility.custodian_name": _custodian_ok,
    "facility.ice_field_office": _field_office_ok,
    "proceeding.docket_number": lambda c: c.proceeding and c.proceeding.docket_number,
    "attorney": lambda c: c.attorney,
    "attorney.bar_number": lambda c: c.attorney is None or c.attorney.bar_number,
    "attorney.address_lines": lambda c: c.attorney is None or c.attorney.address_lines,
    "attorney.phone": lambda c: c.attorney is None or c.attorney.phone,
    "attorney.email": lambda c: c.attorney is None or c.attorney.email,
}


def missing_fields(key: str, ctx: FilingRecord) -> list[str]:
    """Every field this template needs that the context lacks, as dotted names."""
    spec = get_spec(key)
    missing: list[str] = []
    court = _court_fields(ctx, spec)
    missing.extend(court)
    for name in spec.required_fields:
        if name in ("court", "client.current_facility", "facility.federal_district"):
            continue  # handled by _court_fields
        if name.startswith("facility.") and ctx.facility is None:
            continue  # the missing facility is already reported
        value = _RECORD_FIELDS[name](ctx)
        if value is False or not _present(value):
            missing.append(name)
    if "client.current_facility" in spec.required_fields and ctx.facility is None and _venue(ctx) is None \
            and not court:
        field = _facility_field(ctx)
        if field not in missing:
            missing.append(field)
    opts = ctx.options
    for opt in spec.options:
        if opt.is_required(opts) and not _present(opts.get(opt.name)):
            missing.append(f"options.{opt.name}")
    return missing


def invalid_options(key: str, options: dict[str, Any]) -> list[str]:
    """Unknown options, wrong types, bad values and oversize input, as "options.x: reason"."""
    return invalid_options_for(get_spec(key).options, options)


def resolve_options(key: str, options: dict[str, Any]) -> dict[str, Any]:
    """Options with defaults filled in and dates parsed (call after `invalid_options`)."""
    return resolve_options_for(get_spec(key).options, options)


def check(key: str, ctx: FilingRecord) -> None:
    """Raise FilingDataError listing every missing field and invalid option, if any."""
    missing = missing_fields(key, ctx)
    invalid = invalid_options(key, ctx.options)
    if missing or invalid:
        raise FilingDataError(missing, invalid)


def registry_listing() -> list[dict[str, Any]]:
    """Answer of `GET /filing-templates`: key, title, version, required fields, options."""
    return [
        {
            "key": spec.key,
            "title": spec.title,
            "version": spec.version,
            "description": spec.description,
            "required_fields": list(spec.required_fields),
            "options": [opt.describe() for opt in spec.options],
        }
        for spec in TEMPLATES.values()
    ]
