"""The rule catalog is data: exactly the docs/domain/deadlines.md#rule-catalog ids, each cited and dated; dependents
table."""

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.deadlines.catalog import (
    BUILTIN_RULES,
    DEPENDENTS,
    RULES,
    dependents_of,
    get_rule,
)
from app.deadlines.compute import DeadlineInputError, Direction, Regime, Unit, compute

DOMAIN_IDS = [
    "EOIR-APPEAL-IJ", "EOIR-APPEAL-BOND", "EOIR-APPEAL-DHS-BOND", "EOIR-DHS-AUTOSTAY", "EOIR-BIA-BRIEF-ND",
    "EOIR-BIA-BRIEF-D", "EOIR-MTR-IJ", "EOIR-MTRC-IJ", "EOIR-MTR-BIA", "EOIR-MTRC-BIA", "EOIR-MTR-INABSENTIA-EC",
    "EOIR-MTR-INABSENTIA-NOTICE", "EOIR-PREHEARING-MC", "EOIR-PREHEARING-IC", "EOIR-ADDRESS", "EOIR-CF-REVIEW",
    "DHS-RF", "ASYLUM-1YR", "VD-60", "PFR-30", "PFR-BRIEF", "HC-RETURN", "HC-DMD-SO", "TRO-14", "TRO-RESP",
    "FRCP59E", "FRAP4-60", "ORDER-COMPLIANCE", "REMOVAL-PERIOD", "ZADVYDAS-6M",
]
NY = ZoneInfo("America/New_York")


def test_catalog_ids_are_exactly_domain_ids_in_order() -> None:
    assert [r.id for r in BUILTIN_RULES] == DOMAIN_IDS
    assert len(RULES) == len(DOMAIN_IDS)


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r.id)
def test_every_rule_is_cited_dated_and_typed(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.title and rule.trigger and rule.citation
    assert isinstance(rule.as_of, date) and date(2025, 1, 1) <= rule.as_of <= date(2026, 12, 31)
    assert isinstance(rule.unit, Unit) and isinstance(rule.direction, Direction) and isinstance(rule.regime, Regime)
    assert rule.period is None or rule.period > 0
    assert rule.verification in {"V", "P", "U"}
    assert rule.obligated_party in {"us", "government", "court"}


@pytest.mark.parametrize(
    ("rule_id", "period", "unit", "direction", "regime", "jurisdictional"),
    [
        ("EOIR-APPEAL-IJ", 30, Unit.DAYS, Direction.AFTER, Regime.EOIR, False),
        ("PFR-30", 30, Unit.DAYS, Direction.AFTER, Regime.FRAP26, True),
        ("FRAP4-60", 60, Unit.DAYS, Direction.AFTER, Regime.FRAP26, True),
        ("FRCP59E", 28, Unit.DAYS, Direction.AFTER, Regime.FRCP6, False),
        ("HC-RETURN", 3, Unit.DAYS, Direction.AFTER, Regime.STATUTE_FIXED, False),
        ("HC-DMD-SO", 2, Unit.BUSINESS_DAYS, Direction.AFTER, Regime.BUSINESS_DAYS, False),
        ("ASYLUM-1YR", 1, Unit.YEARS, Direction.AFTER, Regime.ANNIVERSARY, False),
        ("EOIR-PREHEARING-MC", 15, Unit.DAYS, Direction.BEFORE, Regime.EOIR, False),
        ("EOIR-PREHEARING-IC", 30, Unit.DAYS, Direction.BEFORE, Regime.EOIR, False),
        ("TRO-14", 14, Unit.DAYS, Direction.AFTER, Regime.ORDER_DEFINED, False),
        ("TRO-RESP", None, Unit.DAYS, Direction.AFTER, Regime.ORDER_DEFINED, False),
        ("EOIR-MTR-INABSENTIA-NOTICE", None, Unit.DAYS, Direction.AFTER, Regime.EOIR, False),
        ("ZADVYDAS-6M", 6, Unit.MONTHS, Direction.AFTER, Regime.STATUTE_FIXED, False),
    ],
)
def test_key_rows(rule_id: str, period: int | None, unit: Unit, direction: Direction, regime: Regime,
                  jurisdictional: bool) -> None:
    rule = get_rule(rule_id)
    assert (rule.period, rule.unit, rule.direction, rule.regime, rule.jurisdictional) == (
        period, unit, direction, regime, jurisdictional)


def test_special_fields() -> None:
    assert get_rule("HC-DMD-SO").time_of_day == time(16, 0)
    assert get_rule("EOIR-PREHEARING-IC").allowed_periods == (15, 30)
    assert get_rule("FRCP59E").extendable is False
    assert get_rule("HC-RETURN").runs_from_service is True
    assert not any(r.runs_from_service for r in BUILTIN_RULES if r.regime in (Regime.EOIR, Regime.FRAP26))


def test_prehearing_ic_configurable_15_or_30_only() -> None:
    rule = get_rule("EOIR-PREHEARING-IC")
    assert compute(rule, trigger_date=date(2026, 7, 30), period_override=15).period == 15
    assert compute(rule, trigger_date=date(2026, 7, 30)).period == 30
    with pytest.raises(DeadlineInputError) as err:
        compute(rule, trigger_date=date(2026, 7, 30), period_override=20)
    assert err.value.code == "invalid_period_override"


def test_dependents_table() -> None:
    assert DEPENDENTS["bia_decision"] == ("PFR-30", "EOIR-MTR-BIA", "EOIR-MTRC-BIA", "REMOVAL-PERIOD")
    assert DEPENDENTS["ij_decision"] == ("EOIR-APPEAL-IJ", "EOIR-MTR-IJ", "EOIR-MTRC-IJ")
    assert DEPENDENTS["osc_served"] == ("HC-RETURN",)
    assert DEPENDENTS["tro_entered"] == ("TRO-14",)
    assert DEPENDENTS["judgment_entered"] == ("FRAP4-60", "FRCP59E")
    assert DEPENDENTS["dmd_habeas_transmitted"] == ("HC-DMD-SO",)
    assert all(rule_id in RULES for ids in DEPENDENTS.values() for rule_id in ids)
    assert dependents_of("bia_decision")[0].id == "PFR-30"
    assert dependents_of("no_such_event") == ()


def test_unknown_rule() -> None:
    with pytest.raises(DeadlineInputError) as err:
        get_rule("EOIR-NOPE")
    assert err.value.code == "unknown_rule"


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r.id)
def test_every_computable_rule_answers_json(rule) -> None:  # type: ignore[no-untyped-def]
    if rule.period is None and rule.regime is not Regime.ORDER_DEFINED:
        with pytest.raises(DeadlineInputError) as err:
            compute(rule, trigger_date=date(2026, 3, 5))
        assert err.value.code == "no_computable_deadline"
        return
    answer = compute(rule, trigger_at=datetime(2026, 3, 5, 15, 0, tzinfo=NY), court_state="MD").as_dict()
    assert json.loads(json.dumps(answer)) == answer
    assert {"rule", "due_earliest_safe", "due_latest_arguable", "due_at", "jurisdictional", "trace"} <= set(answer)
    assert answer["rule"] == rule.id
    assert answer["due_earliest_safe"] <= answer["due_latest_arguable"]
    assert datetime.fromisoformat(answer["due_at"]).tzinfo is not None
    assert all(set(step) == {"date", "action", "reason", "citation"} for step in answer["trace"])
