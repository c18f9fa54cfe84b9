"""Built-in deadline rules as data: every row of docs/domain/deadlines.md#rule-catalog, with its citation and as-of
date.

Rules change (EOIR manuals, local rules and standing orders especially): each row carries the
date its source was last checked (``as_of``) and docs/domain/README.md's verification mark (V/P/U). An
attorney must be able to override any of them with an organization rule (same ``RuleSpec``).
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Final

from app.deadlines.compute import DeadlineInputError, Direction, Regime, RuleSpec, Unit

#: Date of the docs/domain/README.md research notes the rows come from (newest sources seen: late 2025).
RESEARCH_AS_OF: Final = date(2025, 12, 1)

D, H, BD, MO, Y = Unit.DAYS, Unit.HOURS, Unit.BUSINESS_DAYS, Unit.MONTHS, Unit.YEARS
AFTER, BEFORE = Direction.AFTER, Direction.BEFORE


def _r(rule_id: str, title: str, trigger: str, period: int | None, unit: Unit, regime: Regime, citation: str,
       *, direction: Direction = AFTER, as_of: date = RESEARCH_AS_OF, **kw: object) -> RuleSpec:
    return RuleSpec(id=rule_id, title=title, trigger=trigger, period=period, unit=unit, direction=direction,
                    regime=regime, citation=citation, as_of=as_of, **kw)  # type: ignore[arg-type]


_E, _F, _A, _S = Regime.EOIR, Regime.FRCP6, Regime.FRAP26, Regime.STATUTE_FIXED
_O = Regime.ORDER_DEFINED

BUILTIN_RULES: Final[tuple[RuleSpec, ...]] = (
    _r("EOIR-APPEAL-IJ", "Notice of appeal to the BIA (EOIR-26) from an IJ merits decision",
       "IJ oral decision stated, or written decision mailed/served", 30, D, _E,
       "8 CFR 1003.38(b); 8 CFR 1003.3(a)(1); 8 CFR 1240.15", extendable=False,
       extension_note="Must be received by the Board, with the fee or EOIR-26A fee-waiver request, within "
       "the time, or the appeal is not properly filed.",
       notes="A waived appeal cannot be appealed. Check whether electronic notification now starts the "
       "30 days under the current text (unverified)."),
    _r("EOIR-APPEAL-BOND", "BIA appeal of an IJ bond decision", "IJ bond decision", 30, D, _E,
       "8 CFR 1003.38; 8 CFR 1236.1(d)(3)(i); BIA Practice Manual 7.3", extendable=False,
       notes="Separate EOIR-26, not combined with a merits appeal; generally no fee."),
    _r("EOIR-APPEAL-DHS-BOND", "BIA appeal of a DHS custody decision (limited cases)", "DHS custody decision",
       10, D, _E, "8 CFR 1236.1(d)(3)(ii)", extendable=False),
    _r("EOIR-DHS-AUTOSTAY", "DHS notice of appeal keeping its automatic stay of an IJ release order",
       "IJ bond/release order", 10, D, _E, "8 CFR 1003.19(i)(2); 8 CFR 1003.6(c)",
       obligated_party="government", verification="P",
       notes="Opposing-party clock. DHS must also file Form EOIR-43 within 1 business day of the order; if "
       "DHS misses either, the automatic stay ends."),
    _r("EOIR-BIA-BRIEF-ND", "BIA brief, non-detained case",
       "briefing-schedule notice (appellant); appellee: 21 days after the appellant's due date", 21, D, _E,
       "8 CFR 1003.3(c)(1); BIA Practice Manual 4.7(a)(1)",
       extension_note="One 21-day extension per party if timely requested; second extensions only in "
       "extraordinary circumstances."),
    _r("EOIR-BIA-BRIEF-D", "BIA brief, detained case", "briefing-schedule notice (simultaneous briefs)",
       21, D, _E, "BIA Practice Manual 4.7(a)(2)",
       notes="Simultaneous briefing; reply within 14 days after the schedule expires - the Board will not "
       "wait for replies."),
    _r("EOIR-MTR-IJ", "Motion to reopen before the IJ", "final administrative order", 90, D, _E,
       "8 CFR 1003.23(b)(1)", extendable=False,
       extension_note="Numerical limit (one motion); statutory/regulatory exceptions such as changed "
       "country conditions."),
    _r("EOIR-MTRC-IJ", "Motion to reconsider before the IJ", "final administrative order", 30, D, _E,
       "8 CFR 1003.23(b)(1); ICPM 5.8", extendable=False, extension_note="One motion.",
       notes="Responses are due 10 days after the motion is received unless the IJ sets otherwise."),
    _r("EOIR-MTR-BIA", "Motion to reopen before the BIA", "Board's final decision", 90, D, _E,
       "8 CFR 1003.2(c)(2)", extendable=False, verification="P"),
    _r("EOIR-MTRC-BIA", "Motion to reconsider before the BIA", "Board decision", 30, D, _E,
       "8 CFR 1003.2(b)(2); BIA Practice Manual 5.7", extendable=False,
       extension_note="No exceptions for respondents; no motion to reconsider a denial of reconsideration."),
    _r("EOIR-MTR-INABSENTIA-EC", "Motion to reopen an in-absentia order (exceptional circumstances)",
       "in-absentia order", 180, D, _E, "8 U.S.C. 1229a(b)(5)(C)(i); ICPM 5.9", extendable=False,
       extension_note="Some circuits allow equitable tolling (partly verified).",
       notes="Filing triggers an automatic stay of removal pending the IJ's ruling."),
    _r("EOIR-MTR-INABSENTIA-NOTICE", "Motion to reopen an in-absentia order (no notice, or in custody)",
       "any time", None, D, _E, "8 U.S.C. 1229a(b)(5)(C)(ii)",
       notes="May be filed at any time: no deadline."),
    _r("EOIR-PREHEARING-MC", "Filings before a master calendar hearing (non-detained)",
       "master calendar hearing date (day 0)", 15, D, _E, "ICPM 3.1(b)(1)", direction=BEFORE,
       notes="Applies when a ruling is requested before the hearing; responses 10 days after filing. "
       "Detained cases: the court sets deadlines. Backward weekend roll goes to the earlier business day "
       "(unconfirmed default)."),
    _r("EOIR-PREHEARING-IC", "Filings before an individual (merits) hearing (non-detained)",
       "individual hearing date (day 0)", 30, D, _E,
       "ICPM 3.1(b)(1) (15 days, as updated Aug 2022); EOIR Policy Manual App. C (30 days)",
       direction=BEFORE, allowed_periods=(15, 30), verification="P",
       notes="Sources conflict (15 vs 30 days): configurable, default the stricter 30. Detained cases: the "
       "court sets deadlines. Backward weekend roll goes to the earlier business day (unconfirmed default)."),
    _r("EOIR-ADDRESS", "Change of address (Form EOIR-33)", "move", 5, D, _E,
       "EOIR Policy Manual App. C; 8 CFR 1003.38(d)",
       notes="Immigration court: 5 days. Cases at the Board: within five working days. Representative "
       "changes: promptly."),
    _r("EOIR-CF-REVIEW", "IJ review of a negative credible-fear finding", "I-863 referral", 7, D, _E,
       "8 CFR 1003.42(e)", obligated_party="court", roll=False,
       notes="Government-side clock: conclude within 24 hours if practicable, in no case later than 7 days."),
    _r("DHS-RF", "Asylum-officer reasonable-fear determination", "referral", 10, D, _S, "8 CFR 208.31(b)",
       obligated_party="government", roll=False, verification="P",
       notes="Government-side clock: 10 days absent exceptional circumstances."),
    _r("ASYLUM-1YR", "Asylum application (Form I-589)", "last arrival in the United States", 1, Y,
       Regime.ANNIVERSARY, "8 U.S.C. 1158(a)(2)(B); 8 CFR 1208.4(a)(2)", extendable=False,
       extension_note="Exceptions: changed or extraordinary circumstances, then file within a reasonable "
       "time.",
       notes="Does not apply to withholding or CAT. The mailing date counts if receipt is late but timely "
       "mailing is proven by clear and convincing documentary evidence (partly verified)."),
    _r("VD-60", "Post-hearing voluntary departure period", "grant of voluntary departure", 60, D, _E,
       "8 U.S.C. 1229c(b)(2); Monsalvo Velazquez v. Bondi (U.S. Apr. 22, 2025)", max_period=60,
       as_of=date(2025, 4, 22),
       notes="At most 60 days, as ordered (period_override); a last day on a weekend or holiday rolls to the "
       "next business day."),
    _r("PFR-30", "Petition for review in the court of appeals",
       "final order of removal (usually the BIA decision date)", 30, D, _A,
       "8 U.S.C. 1252(b)(1); FRAP 26(b)(2)",
       jurisdictional=True, extendable=False,
       extension_note="No extension (FRAP 26(b)(2)), not extended by a motion to reopen or reconsider - each "
       "BIA decision needs its own petition. Riley v. Bondi, No. 23-1270 (U.S. June 26, 2025), held the 30 "
       "days a mandatory claim-processing rule, not jurisdictional: the government can forfeit it, but courts "
       "enforce it when raised. Flagged as jurisdictional here on purpose: treat it as a red line.",
       notes="No 3-day mail addition (Jimenez v. Garland, 4th Cir. 2022). File in the circuit where the IJ "
       "completed proceedings; serve the Attorney General and the local DHS officer; no automatic stay."),
    _r("PFR-BRIEF", "Opening brief on a petition for review", "administrative record available", 40, D, _A,
       "8 U.S.C. 1252(b)(3)(C)",
       notes="Reply 14 days after the government's brief. Circuit scheduling orders control in practice."),
    _r("HC-RETURN", "Return to a habeas writ / order to show cause",
       "service of the writ or order to show cause", 3, D, _S, "28 U.S.C. 2243", runs_from_service=True,
       max_period=23, obligated_party="government",
       extension_note="The court may allow up to 20 more days for good cause (period_override up to 23); "
       "courts also have inherent power to extend (Wallace v. Heinze, 9th Cir. 1965).",
       notes="Hearing within 5 days after the return unless good cause. Courts usually set an explicit date: "
       "record it as an order-defined deadline."),
    _r("HC-DMD-SO", "D. Md. automatic injunction window after a habeas filing",
       "clerk's notice of transmission to the U.S. Attorney's Office", 2, BD, Regime.BUSINESS_DAYS,
       "D. Md. Amended Standing Order 2025-01 (May 28, 2025)", time_of_day=time(16, 0),
       obligated_party="government", as_of=date(2025, 8, 26),
       extension_note="Extendable by the presiding judge.",
       notes="D. Md. only (court_state MD, America/New_York). Holiday handling unverified. DOJ's suit "
       "against the D. Md. bench was dismissed on 26 Aug 2025 (United States v. Russell)."),
    _r("TRO-14", "Expiry of a temporary restraining order", "entry of the TRO", 14, D, _O, "FRCP 65(b)(2)",
       max_period=14, extension_note="One extension for a like period for good cause, or longer by consent.",
       notes="The TRO expires at the time the order sets, never more than 14 days after entry: record the "
       "order's own expiry as an order-defined deadline. The adverse party may move to dissolve on 2 days' "
       "notice (65(b)(4))."),
    _r("TRO-RESP", "Opposition to a TRO / preliminary-injunction motion", "set by the court", None, D, _O,
       "court order (no national rule)", verification="U",
       notes="Often hours to a few days. Default local periods where no order: E.D./S.D.N.Y. L. Civ. R. "
       "6.1(b) 14 days, reply 7; D. Md. L.R. 105.2(a) 14 days (unverified)."),
    _r("FRCP59E", "Motion to alter or amend a judgment", "entry of judgment", 28, D, _F,
       "FRCP 59(e); FRCP 6(b)(2)",
       extendable=False, extension_note="Cannot be extended (FRCP 6(b)(2)).",
       notes="A timely motion resets the time to appeal (FRAP 4(a)(4)(A)(iv))."),
    _r("FRAP4-60", "Notice of appeal when a federal party is in the case",
       "entry of the judgment or order", 60, D, _A, "FRAP 4(a)(1)(B); 28 U.S.C. 2107(b)", jurisdictional=True,
       extendable=False,
       extension_note="Jurisdictional (Bowles v. Russell). Extension motion within 30 days after expiry for "
       "excusable neglect or good cause, up to 30 days past the deadline or 14 days after the order "
       "(FRAP 4(a)(5)).",
       notes="30 days if no federal party; other parties get 14 days after a first notice (FRAP 4(a)(3))."),
    _r("ORDER-COMPLIANCE", "Court-ordered status report or declaration", "the order's literal time",
       None, D, _O, "court order, e.g. D. Md. ECF 51 (Apr. 10, 2025) and order of Apr. 11, 2025",
       obligated_party="government", as_of=date(2025, 4, 11),
       notes="Recurring obligations are court orders with an RRULE; each occurrence is one instant."),
    _r("REMOVAL-PERIOD", "Post-order removal period (tracking)",
       "final order, or the later of release or end of a court stay", 90, D, _S,
       "INA 241(a)(1)(A), 8 U.S.C. 1231(a)(1)(A)", obligated_party="government", roll=False, verification="P",
       notes="Elapsed-time clock, no weekend roll; detention authority changes after it."),
    _r("ZADVYDAS-6M", "Presumptively reasonable post-order detention (tracking)",
       "start of the removal period", 6, MO, _S, "Zadvydas v. Davis, 533 U.S. 678 (2001)",
       obligated_party="government", roll=False,
       notes="Not automatic release (burden-shifting); prompts a habeas review task."),
)

RULES: Final[dict[str, RuleSpec]] = {rule.id: rule for rule in BUILTIN_RULES}


class TriggerKind(StrEnum):
    """Trigger events that spawn dependent deadlines (docs/domain/deadlines.md#engine-duties)."""

    BIA_DECISION = "bia_decision"
    IJ_DECISION = "ij_decision"
    IJ_BOND_DECISION = "ij_bond_decision"
    IN_ABSENTIA_ORDER = "in_absentia_order"
    LAST_ARRIVAL = "last_arrival"
    OSC_SERVED = "osc_served"
    TRO_ENTERED = "tro_entered"
    JUDGMENT_ENTERED = "judgment_entered"
    DMD_HABEAS_TRANSMITTED = "dmd_habeas_transmitted"
    REMOVAL_PERIOD_STARTED = "removal_period_started"


#: Which rules a trigger event spawns. A BIA decision needs its own PFR even while a motion to
#: reopen is pending (the motion does not toll the PFR).
DEPENDENTS: Final[dict[str, tuple[str, ...]]] = {
    TriggerKind.BIA_DECISION: ("PFR-30", "EOIR-MTR-BIA", "EOIR-MTRC-BIA", "REMOVAL-PERIOD"),
    TriggerKind.IJ_DECISION: ("EOIR-APPEAL-IJ", "EOIR-MTR-IJ", "EOIR-MTRC-IJ"),
    TriggerKind.IJ_BOND_DECISION: ("EOIR-APPEAL-BOND", "EOIR-DHS-AUTOSTAY"),
    TriggerKind.IN_ABSENTIA_ORDER: ("EOIR-MTR-INABSENTIA-EC",),
    TriggerKind.LAST_ARRIVAL: ("ASYLUM-1YR",),
    TriggerKind.OSC_SERVED: ("HC-RETURN",),
    TriggerKind.TRO_ENTERED: ("TRO-14",),
    TriggerKind.JUDGMENT_ENTERED: ("FRAP4-60", "FRCP59E"),
    TriggerKind.DMD_HABEAS_TRANSMITTED: ("HC-DMD-SO",),
    TriggerKind.REMOVAL_PERIOD_STARTED: ("ZADVYDAS-6M",),
}


def get_rule(rule_id: str) -> RuleSpec:
    """The built-in rule with this id, or ``DeadlineInputError('unknown_rule')``."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise DeadlineInputError("unknown_rule", f"unknown deadline rule: {rule_id!r}") from None


def dependents_of(trigger_kind: str) -> tuple[RuleSpec, ...]:
    """The rules a trigger event spawns (empty for kinds that spawn none)."""
    return tuple(RULES[rule_id] for rule_id in DEPENDENTS.get(trigger_kind, ()))
