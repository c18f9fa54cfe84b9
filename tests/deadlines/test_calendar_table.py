"""Hand-computed deadlines. Each case: rule, trigger, options -> (earliest safe, latest arguable).

Every weekday named in a comment was checked with ``datetime.date.weekday()`` before it was written.
"S" = strict reading (only statutory holiday dates), "B" = broad reading (observed days, presidential
closures and, for forward FRCP/FRAP counts, the court state's holidays are holidays too).
"""

from datetime import date

import pytest

from app.deadlines.catalog import RULES
from app.deadlines.compute import Direction, Regime, RuleSpec, Unit, compute


def _spec(rule_id: str, period: int, regime: Regime, direction: Direction = Direction.AFTER,
          runs_from_service: bool = False) -> RuleSpec:
    return RuleSpec(id=rule_id, title=rule_id, trigger="event", period=period, unit=Unit.DAYS,
                    direction=direction, regime=regime, citation="test rule", runs_from_service=runs_from_service)


FRCP_14_BEFORE = _spec("FRCP-14-BEFORE", 14, Regime.FRCP6, Direction.BEFORE)
FRCP_7_BEFORE = _spec("FRCP-7-BEFORE", 7, Regime.FRCP6, Direction.BEFORE)
FRAP_14_SERVICE = _spec("FRAP-14-SERVICE", 14, Regime.FRAP26, runs_from_service=True)

D = date
CASES = [
    # --- Juneteenth --------------------------------------------------------------------------
    # Mon 20 May 2024 + 30 = Wed 19 Jun 2024, Juneteenth -> Thu 20 Jun 2024 on every reading.
    pytest.param("EOIR-APPEAL-IJ", D(2024, 5, 20), {}, D(2024, 6, 20), D(2024, 6, 20), id="juneteenth-2024-eoir"),
    # Thu 22 May 2025 + 28 = Thu 19 Jun 2025, Juneteenth -> Fri 20 Jun 2025.
    pytest.param("FRCP59E", D(2025, 5, 22), {}, D(2025, 6, 20), D(2025, 6, 20), id="juneteenth-2025-frcp59e"),
    # Wed 20 May 2020 + 30 = Fri 19 Jun 2020: Juneteenth was not a federal holiday before 17 Jun 2021.
    pytest.param("EOIR-APPEAL-IJ", D(2020, 5, 20), {}, D(2020, 6, 19), D(2020, 6, 19), id="juneteenth-pre-2021"),
    # Wed 19 May 2021 + 30 = Fri 18 Jun 2021, observed for Sat 19 Jun: S keeps Fri; B skips Fri,
    # Sat (Juneteenth), Sun -> Mon 21 Jun 2021.
    pytest.param("PFR-30", D(2021, 5, 19), {}, D(2021, 6, 18), D(2021, 6, 21), id="juneteenth-2021-observed"),
    # Sat 21 May 2022 + 30 = Mon 20 Jun 2022, observed for Sun 19 Jun: S Mon; B Tue 21 Jun 2022.
    pytest.param("EOIR-APPEAL-IJ", D(2022, 5, 21), {}, D(2022, 6, 20), D(2022, 6, 21), id="juneteenth-2022-monday"),
    # --- Thanksgiving and the day after (state holidays, forward FRCP only) ---------------------
    # Thu 29 Oct 2026 + 28 = Thu 26 Nov 2026, Thanksgiving -> Fri 27 Nov (no court state).
    pytest.param("FRCP59E", D(2026, 10, 29), {}, D(2026, 11, 27), D(2026, 11, 27), id="thanksgiving-no-state"),
    # Same with a Maryland court: Fri 27 Nov is MD American Indian Heritage Day (6(a)(6)(C)) -> B runs
    # Fri, Sat, Sun -> Mon 30 Nov 2026; S ignores unverified state days -> Fri 27 Nov.
    pytest.param("FRCP59E", D(2026, 10, 29), {"court_state": "MD"}, D(2026, 11, 27), D(2026, 11, 30),
                 id="thanksgiving-md-state-holiday"),
    # Virginia also closes the day after Thanksgiving -> same as Maryland.
    pytest.param("FRCP59E", D(2026, 10, 29), {"court_state": "VA"}, D(2026, 11, 27), D(2026, 11, 30),
                 id="thanksgiving-va-state-holiday"),
    # New York has no day-after-Thanksgiving holiday -> Fri 27 Nov on both readings.
    pytest.param("FRCP59E", D(2026, 10, 29), {"court_state": "NY"}, D(2026, 11, 27), D(2026, 11, 27),
                 id="thanksgiving-ny-no-state-holiday"),
    # Backward FRCP count: Fri 11 Dec 2026 - 14 = Fri 27 Nov 2026. State holidays only extend FORWARD
    # periods (6(a)(6)(C)), so the Maryland holiday does not move it.
    pytest.param(FRCP_14_BEFORE, D(2026, 12, 11), {"court_state": "MD"}, D(2026, 11, 27), D(2026, 11, 27),
                 id="state-holiday-ignored-backward"),
    # EOIR never uses state holidays: Wed 28 Oct 2026 + 30 = Fri 27 Nov 2026 even for a Maryland court.
    pytest.param("EOIR-APPEAL-IJ", D(2026, 10, 28), {"court_state": "MD"}, D(2026, 11, 27), D(2026, 11, 27),
                 id="state-holiday-ignored-eoir"),
    # --- Christmas and New Year's Day on a weekend ---------------------------------------------
    # Wed 24 Nov 2021 + 30 = Fri 24 Dec 2021, observed for Sat 25 Dec: S Fri; B Mon 27 Dec 2021.
    pytest.param("EOIR-APPEAL-IJ", D(2021, 11, 24), {}, D(2021, 12, 24), D(2021, 12, 27), id="christmas-2021-sat"),
    # Mon 28 Nov 2022 + 28 = Mon 26 Dec 2022, observed for Sun 25 Dec: S Mon; B Tue 27 Dec 2022.
    pytest.param("FRCP59E", D(2022, 11, 28), {}, D(2022, 12, 26), D(2022, 12, 27), id="christmas-2022-sun"),
    # Fri 25 Nov 2022 + 30 = Sun 25 Dec 2022: S rolls to Mon 26 Dec (observed day is not a holiday on
    # S); B skips Mon 26 too -> Tue 27 Dec 2022.
    pytest.param("EOIR-APPEAL-IJ", D(2022, 11, 25), {}, D(2022, 12, 26), D(2022, 12, 27), id="christmas-day-sun"),
    # Wed 1 Dec 2027 + 30 = Fri 31 Dec 2027, observed for New Year's Day Sat 1 Jan 2028: S Fri 31 Dec;
    # B skips Fri, Sat 1 Jan, Sun 2 Jan -> Mon 3 Jan 2028.
    pytest.param("EOIR-APPEAL-IJ", D(2027, 12, 1), {}, D(2027, 12, 31), D(2028, 1, 3), id="new-year-2028-sat"),
    # Fri 26 Nov 2027 + 28 = Fri 24 Dec 2027, observed for Christmas Sat 25 Dec: S Fri; B Mon 27 Dec.
    pytest.param("FRCP59E", D(2027, 11, 26), {}, D(2027, 12, 24), D(2027, 12, 27), id="christmas-2027-sat"),
    # Wed 11 Oct 2023 + 30 = Fri 10 Nov 2023, observed for Veterans Day Sat 11 Nov: S Fri; B Mon 13 Nov.
    pytest.param("EOIR-APPEAL-IJ", D(2023, 10, 11), {}, D(2023, 11, 10), D(2023, 11, 13), id="veterans-2023-sat"),
    # Mon 14 Sep 2026 + 28 = Mon 12 Oct 2026, Columbus Day -> Tue 13 Oct 2026.
    pytest.param("FRCP59E", D(2026, 9, 14), {}, D(2026, 10, 13), D(2026, 10, 13), id="columbus-day"),
    # --- Month ends and leap days --------------------------------------------------------------
    # Sun 30 Jan 2028 + 30 = Tue 29 Feb 2028 (leap day, a business day).
    pytest.param("EOIR-APPEAL-IJ", D(2028, 1, 30), {}, D(2028, 2, 29), D(2028, 2, 29), id="leap-day-2028"),
    # Tue 1 Feb 2028 + 28 = Tue 29 Feb 2028.
    pytest.param("FRCP59E", D(2028, 2, 1), {}, D(2028, 2, 29), D(2028, 2, 29), id="leap-day-frcp59e"),
    # Mon 1 Feb 2027 + 28 = Mon 1 Mar 2027 (no 29 Feb in 2027).
    pytest.param("FRCP59E", D(2027, 2, 1), {}, D(2027, 3, 1), D(2027, 3, 1), id="common-year-february"),
    # Tue 30 Nov 2027 + 90 = Mon 28 Feb 2028.
    pytest.param("EOIR-MTR-IJ", D(2027, 11, 30), {}, D(2028, 2, 28), D(2028, 2, 28), id="ninety-days-to-feb"),
    # Wed 4 Feb 2026 + 180 = Mon 3 Aug 2026.
    pytest.param("EOIR-MTR-INABSENTIA-EC", D(2026, 2, 4), {}, D(2026, 8, 3), D(2026, 8, 3), id="in-absentia-180"),
    # Zadvydas 6 months from Tue 31 Aug 2027: 31 Feb does not exist -> Tue 29 Feb 2028 (leap) on S,
    # Wed 1 Mar 2028 on B. A tracking clock: no weekend roll.
    pytest.param("ZADVYDAS-6M", D(2027, 8, 31), {}, D(2028, 2, 29), D(2028, 3, 1), id="six-months-leap"),
    # From Mon 31 Aug 2026: Sun 28 Feb 2027 (not rolled: tracking clock) / Mon 1 Mar 2027.
    pytest.param("ZADVYDAS-6M", D(2026, 8, 31), {}, D(2027, 2, 28), D(2027, 3, 1), id="six-months-common"),
    # Removal period: Mon 5 Jan 2026 + 90 = Sun 5 Apr 2026; elapsed-time clock, no roll.
    pytest.param("REMOVAL-PERIOD", D(2026, 1, 5), {}, D(2026, 4, 5), D(2026, 4, 5), id="removal-period-no-roll"),
    # --- Asylum one-year bar (anniversary) -----------------------------------------------------
    # Arrived Tue 29 Feb 2028: no 29 Feb 2029 -> anniversary Wed 28 Feb 2029; safe = Tue 27 Feb;
    # arguable = Thu 1 Mar 2029.
    pytest.param("ASYLUM-1YR", D(2028, 2, 29), {}, D(2029, 2, 27), D(2029, 3, 1), id="asylum-feb-29"),
    # Arrived Sat 5 Jul 2025: anniversary Sun 5 Jul 2026; safe = Sat 4 Jul 2026 (day before); arguable
    # rolls Sun -> Mon 6 Jul 2026 (the observed day was Fri 3 Jul).
    pytest.param("ASYLUM-1YR", D(2025, 7, 5), {}, D(2026, 7, 4), D(2026, 7, 6), id="asylum-weekend-anniversary"),
    # Arrived Mon 10 Mar 2025: anniversary Tue 10 Mar 2026; safe Mon 9 Mar 2026.
    pytest.param("ASYLUM-1YR", D(2025, 3, 10), {}, D(2026, 3, 9), D(2026, 3, 10), id="asylum-plain"),
    # --- Backward counts before a hearing (hearing day = day 0) --------------------------------
    # Master calendar Mon 16 Mar 2026 - 15 = Sun 1 Mar -> EARLIER business day Fri 27 Feb 2026.
    pytest.param("EOIR-PREHEARING-MC", D(2026, 3, 16), {}, D(2026, 2, 27), D(2026, 2, 27), id="eoir-mc-backward"),
    # Individual hearing Thu 30 Jul 2026 - 30 (default) = Tue 30 Jun 2026.
    pytest.param("EOIR-PREHEARING-IC", D(2026, 7, 30), {}, D(2026, 6, 30), D(2026, 6, 30), id="eoir-ic-default-30"),
    # Same hearing with the 15-day reading: Wed 15 Jul 2026.
    pytest.param("EOIR-PREHEARING-IC", D(2026, 7, 30), {"period_override": 15}, D(2026, 7, 15), D(2026, 7, 15),
                 id="eoir-ic-15"),
    # Hearing Mon 3 Aug 2026 - 30 = Sat 4 Jul 2026 (Independence Day): S rolls back to Fri 3 Jul (the
    # observed day, not a holiday on S) = latest; B also skips Fri 3 Jul -> Thu 2 Jul = earliest.
    pytest.param("EOIR-PREHEARING-IC", D(2026, 8, 3), {}, D(2026, 7, 2), D(2026, 7, 3), id="eoir-backward-observed"),
    # Hearing Tue 22 Sep 2026 - 15 = Mon 7 Sep 2026 (Labor Day) -> back to Fri 4 Sep 2026.
    pytest.param("EOIR-PREHEARING-MC", D(2026, 9, 22), {}, D(2026, 9, 4), D(2026, 9, 4), id="eoir-backward-labor-day"),
    # FRCP 6(a)(5): hearing Mon 26 Jan 2026 - 7 = Mon 19 Jan (MLK Day) -> previous day not a weekend or
    # holiday: Fri 16 Jan 2026.
    pytest.param(FRCP_7_BEFORE, D(2026, 1, 26), {}, D(2026, 1, 16), D(2026, 1, 16), id="frcp-backward-mlk"),
    # --- Service: +3 for mail/clerk/consented (FRCP 6(d)), never e-service, never EOIR ----------
    # HC-RETURN mail service Wed 18 Mar 2026: 3 days -> Sat 21 -> Mon 23 Mar; +3 -> Thu 26 Mar 2026.
    pytest.param("HC-RETURN", D(2026, 3, 18), {"service_method": "mail"}, D(2026, 3, 26), D(2026, 3, 26),
                 id="habeas-return-mail"),
    # Same trigger, electronic service: no 6(d) days -> Mon 23 Mar 2026.
    pytest.param("HC-RETURN", D(2026, 3, 18), {"service_method": "electronic"}, D(2026, 3, 23), D(2026, 3, 23),
                 id="habeas-return-eservice"),
    # Hand delivery: no 6(d) days either -> Mon 23 Mar 2026.
    pytest.param("HC-RETURN", D(2026, 3, 18), {"service_method": "hand"}, D(2026, 3, 23), D(2026, 3, 23),
                 id="habeas-return-hand"),
    # Mail, Mon 2 Mar 2026: +3 = Thu 5 Mar (a business day); +3 mail days = Sun 8 Mar -> Mon 9 Mar 2026.
    pytest.param("HC-RETURN", D(2026, 3, 2), {"service_method": "mail"}, D(2026, 3, 9), D(2026, 3, 9),
                 id="habeas-return-mail-lands-sunday"),
    # Left with the clerk (5(b)(2)(D)), Thu 5 Mar 2026: +3 = Sun 8 -> Mon 9 Mar; +3 -> Thu 12 Mar 2026.
    pytest.param("HC-RETURN", D(2026, 3, 5), {"service_method": "clerk"}, D(2026, 3, 12), D(2026, 3, 12),
                 id="habeas-return-clerk"),
    # FRCP 59(e) runs from entry of judgment, not service: Mon 2 Mar 2026 + 28 = Mon 30 Mar, mail or not.
    pytest.param("FRCP59E", D(2026, 3, 2), {"service_method": "mail"}, D(2026, 3, 30), D(2026, 3, 30),
                 id="frcp59e-mail-no-extension"),
    # EOIR receipt rule: Fri 20 Jun 2025 + 30 = Sun 20 Jul -> Mon 21 Jul 2025, nothing added for mail.
    pytest.param("EOIR-APPEAL-IJ", D(2025, 6, 20), {"service_method": "mail"}, D(2025, 7, 21), D(2025, 7, 21),
                 id="eoir-receipt-rule-mail"),
    # PFR: no FRAP 26(c) days (runs from the order; Jimenez v. Garland): Wed 20 May 2026 -> Mon 22 Jun 2026.
    pytest.param("PFR-30", D(2026, 5, 20), {"service_method": "mail"}, D(2026, 6, 22), D(2026, 6, 22),
                 id="pfr-mail-no-extension"),
    # FRAP 26(c) on a period running from service: Mon 2 Mar 2026 + 14 = Mon 16 Mar; mail +3 = Thu 19 Mar.
    pytest.param(FRAP_14_SERVICE, D(2026, 3, 2), {"service_method": "mail"}, D(2026, 3, 19), D(2026, 3, 19),
                 id="frap26c-mail"),
    # ... and with electronic service: Mon 16 Mar 2026.
    pytest.param(FRAP_14_SERVICE, D(2026, 3, 2), {}, D(2026, 3, 16), D(2026, 3, 16), id="frap26c-eservice"),
    # --- Presidential closures (FRCP 6(a)(6)(B): attorney call -> only on the broad reading) -----
    # Mon 24 Nov 2025 + 30 = Wed 24 Dec 2025 (closed by EO): S Wed 24 Dec; B skips Wed 24 (closure),
    # Thu 25 (Christmas), Fri 26 (closure), Sat 27, Sun 28 -> Mon 29 Dec 2025.
    pytest.param("EOIR-APPEAL-IJ", D(2025, 11, 24), {}, D(2025, 12, 24), D(2025, 12, 29), id="closure-2025-xmas"),
    # Thu 12 Dec 2024 + 28 = Thu 9 Jan 2025, national day of mourning for President Carter (EO 14133):
    # S Thu 9 Jan; B Fri 10 Jan 2025.
    pytest.param("FRCP59E", D(2024, 12, 12), {}, D(2025, 1, 9), D(2025, 1, 10), id="closure-carter-mourning"),
    # Sun 24 Nov 2019 + 30 = Tue 24 Dec 2019 (EO 13900): S Tue; B skips Tue 24, Wed 25 -> Thu 26 Dec 2019.
    pytest.param("PFR-30", D(2019, 11, 24), {}, D(2019, 12, 24), D(2019, 12, 26), id="closure-2019-xmas-eve"),
    # --- Other state holidays (forward FRCP periods, broad reading) ------------------------------
    # Fri 6 Mar 2026 + 28 = Fri 3 Apr 2026, Good Friday: a Texas state holiday (B -> Mon 6 Apr 2026) ...
    pytest.param("FRCP59E", D(2026, 3, 6), {"court_state": "TX"}, D(2026, 4, 3), D(2026, 4, 6), id="good-friday-tx"),
    # ... but not a California one.
    pytest.param("FRCP59E", D(2026, 3, 6), {"court_state": "CA"}, D(2026, 4, 3), D(2026, 4, 3), id="good-friday-ca"),
    # Mon 23 Mar 2026 + 28 = Mon 20 Apr 2026, Patriots' Day in Massachusetts -> B Tue 21 Apr 2026.
    pytest.param("FRCP59E", D(2026, 3, 23), {"court_state": "MA"}, D(2026, 4, 20), D(2026, 4, 21),
                 id="patriots-day-ma"),
    # Tue 20 Jan 2026 + 28 = Tue 17 Feb 2026, Mardi Gras in Louisiana -> B Wed 18 Feb 2026.
    pytest.param("FRCP59E", D(2026, 1, 20), {"court_state": "LA"}, D(2026, 2, 17), D(2026, 2, 18), id="mardi-gras-la"),
    # Thu 23 Dec 2032 + 28 = Thu 20 Jan 2033, Inauguration Day: a holiday only in the D.C. area (5 U.S.C.
    # 6103(c)) -> B Fri 21 Jan 2033 for a D.C. court ...
    pytest.param("FRCP59E", D(2032, 12, 23), {"court_state": "DC"}, D(2033, 1, 20), D(2033, 1, 21),
                 id="inauguration-dc"),
    # ... and nothing for a court elsewhere.
    pytest.param("FRCP59E", D(2032, 12, 23), {"court_state": "IL"}, D(2033, 1, 20), D(2033, 1, 20),
                 id="inauguration-elsewhere"),
    # --- Business days (D. Md. standing order, 4:00 p.m. on the 2nd business day) ---------------
    # Wed 1 Jul 2026: Thu 2 Jul = day 1; Fri 3 Jul (observed Independence Day) = day 2 on S; B skips
    # Fri 3, Sat 4, Sun 5 -> Mon 6 Jul 2026 = day 2.
    pytest.param("HC-DMD-SO", D(2026, 7, 1), {"court_state": "MD"}, D(2026, 7, 3), D(2026, 7, 6),
                 id="dmd-window-observed-day"),
    # Wed 25 Nov 2026: Thu 26 Thanksgiving skipped; S: Fri 27 = day 1, Mon 30 = day 2; B also skips
    # Fri 27 (MD American Indian Heritage Day): Mon 30 = day 1, Tue 1 Dec 2026 = day 2.
    pytest.param("HC-DMD-SO", D(2026, 11, 25), {"court_state": "MD"}, D(2026, 11, 30), D(2026, 12, 1),
                 id="dmd-window-thanksgiving"),
    # --- Other catalog rules -------------------------------------------------------------------
    # VD granted for 30 days on Thu 14 Aug 2025: Sat 13 Sep -> Mon 15 Sep 2025 (Monsalvo Velazquez).
    pytest.param("VD-60", D(2025, 8, 14), {"period_override": 30}, D(2025, 9, 15), D(2025, 9, 15), id="vd-30-roll"),
    # TRO entered Sat 14 Mar 2026 (date only): outer limit Sat 28 Mar 2026, never rolled.
    pytest.param("TRO-14", D(2026, 3, 14), {}, D(2026, 3, 28), D(2026, 3, 28), id="tro-14-no-roll"),
]


@pytest.mark.parametrize(("rule", "trigger", "options", "earliest", "latest"), CASES)
def test_hand_computed(rule: str | RuleSpec, trigger: date, options: dict[str, object], earliest: date,
                       latest: date) -> None:
    spec = RULES[rule] if isinstance(rule, str) else rule
    c = compute(spec, trigger_date=trigger, **options)  # type: ignore[arg-type]
    assert (c.due_earliest_safe, c.due_latest_arguable) == (earliest, latest)
    assert c.trace[-1].action == "due" and c.trace[-1].date == latest.isoformat()


def test_table_has_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
