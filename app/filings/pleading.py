"""Which counts and prayers a habeas petition or TRO motion contains, and why. Pure: no database, no clock.

A count or a prayer appears only when the facts on record support it and the circuit's law (app/filings/
circuits.py) allows it. `decide_pleading` returns one `PleadingItem` per count/prayer, included or not, with
the rule that decided it; the list is stored with the filing (its snapshot) so a reader can see why the
document says what it says.
"""

from __future__ import annotations

from datetime import date

from app.filings import circuits
from app.filings.circuits import CircuitProfile, Rule
from app.filings.districts import get_district
from app.filings.venue import caption_venue
from app.filings.viewmodels import FilingRecord, PleadingItem

# Custody-event detention authorities (app/custody/statuses.py) -> the template's keys.
RECORD_AUTHORITY = {
    "ina_236a": "ina_236a", "ina_236c": "ina_236c", "ina_235b": "ina_235b", "ina_241a": "ina_241a",
    "aea_50usc21": "aea", "aea": "aea",
}


def detention_authority(ctx: FilingRecord) -> str:
    """Counsel's option when it names an authority, else the one recorded on the custody events."""
    opt = ctx.options.get("detention_authority") if isinstance(ctx.options, dict) else None
    if isinstance(opt, str) and opt and opt != "unknown":
        return opt
    return RECORD_AUTHORITY.get(ctx.detention_authority or "", "unknown")


def detention_days(ctx: FilingRecord) -> int | None:
    """Days detained up to the document date: from options.custody_start_date, else from the record."""
    start = ctx.options.get("custody_start_date") if isinstance(ctx.options, dict) else None
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            start = None
    if isinstance(start, date):
        return max((ctx.today - start).days, 0)
    return ctx.detention_days


def circuit_of(ctx: FilingRecord) -> str | None:
    venue = caption_venue(ctx)
    district = get_district(venue.court_id) if venue is not None else None
    return district.circuit if district is not None else None


def profile_of(ctx: FilingRecord) -> CircuitProfile:
    return circuits.profile_for(circuit_of(ctx))


def _item(name: str, included: bool, why: str, rule: Rule | None = None) -> PleadingItem:
    return PleadingItem(item=name, included=included, rule=why,
                        source=rule.source if rule is not None else None,
                        verified=rule.verified if rule is not None else True)


def decide_pleading(ctx: FilingRecord) -> list[PleadingItem]:
    """Every count and prayer the templates know, included or excluded, with the deciding rule."""
    profile = profile_of(ctx)
    auth = detention_authority(ctx)
    days = detention_days(ctx)
    removed = ctx.removed
    protected = any(p.countries for p in ctx.active_protection_orders)
    held = not removed
    items: list[PleadingItem] = []

    # --- counts ---
    items.append(_item("count_due_process", True, "Fifth Amendment due process; always pleaded."))
    items.append(_item("count_protection_statute", protected,
                       "Included when an active country-specific protection (withholding or CAT) is on record."
                       if protected else "No active country-specific protection on record."))
    threshold = int(profile.prolonged_days.value)
    if removed:
        items.append(_item("count_prolonged_detention", False, "Client removed: no present detention to challenge."))
    elif auth == "ina_241a":
        ok = days is not None and days >= int(circuits.ZADVYDAS.value)
        why = (f"Post-order detention of {days} days" if days is not None else "Length of detention not on record")
        why += (" is beyond the six months presumed reasonable" if ok
                else " is within the 90-day removal period and six months presumed reasonable" if days is not None
                else "; the count needs it (options.custody_start_date or the custody history)")
        items.append(_item("count_prolonged_detention", ok, why + ".", circuits.ZADVYDAS))
    elif auth in ("ina_236c", "ina_235b"):
        ok = days is not None and days >= threshold
        why = (f"Detention of {days} days under § {'1226(c)' if auth == 'ina_236c' else '1225(b)'}; as-applied due "
               f"process only after Jennings; threshold {threshold} days ({profile.prolonged_1226c.value} in the "
               f"{profile.circuit} Circuit)." if days is not None else "Length of detention not on record.")
        items.append(_item("count_prolonged_detention", ok, why, profile.prolonged_1226c))
    else:
        items.append(_item("count_prolonged_detention", False,
                           "Only pleaded for § 1231(a), § 1226(c) or § 1225(b) detention of sufficient length."))
    items.append(_item("count_suspension_clause", True, "Access to habeas review; always pleaded."))

    prolonged = next(i.included for i in items if i.item == "count_prolonged_detention")

    # --- prayers ---
    items.append(_item("prayer_no_transfer", held,
                       "All Writs Act order preserving jurisdiction while the client is in U.S. custody." if held
                       else "Client removed: relief is to facilitate return, not to bar a removal already done."))
    items.append(_item("prayer_facilitate_return", removed,
                       "Client removed: facilitate return (mandatory relief; heightened showing)." if removed
                       else "Client not removed."))
    flight = ctx.flight is not None and held
    items.append(_item("prayer_halt_flight", flight,
                       "An in-transit event records a flight: ask to halt it and return the client to the district."
                       if flight else "No flight on record."))
    if removed:
        items.append(_item("prayer_release", False, "Client removed: no U.S. detention to release from."))
        items.append(_item("prayer_bond_hearing", False, "Client removed: a bond hearing is not relief."))
    elif auth == "ina_241a":
        items.append(_item("prayer_release", prolonged,
                           "Zadvydas release once the count is pleaded." if prolonged
                           else "No prolonged-detention count: release is not asked on the post-order record.",
                           circuits.ZADVYDAS))
        items.append(_item("prayer_bond_hearing", False,
                           "No bond hearing for § 1231(a) detention.", circuits.ARTEAGA_MARTINEZ))
    elif auth == "ina_236a":
        items.append(_item("prayer_release", True, "Release is the core habeas remedy for unlawful detention."))
        gov = profile.bond_burden_1226a.value == "government" or (
            profile.bond_burden_1226a.value == "government_if_prolonged" and days is not None and days >= threshold)
        items.append(_item("prayer_bond_hearing", True,
                           "§ 1226(a) detention is bond-eligible; burden on the government "
                           + ("asked (circuit law)." if gov else "not asked (circuit law does not require it)."),
                           profile.bond_burden_1226a))
        items.append(_item("bond_burden_on_government", gov, "Burden allocation at the § 1226(a) hearing.",
                           profile.bond_burden_1226a))
    elif auth in ("ina_236c", "ina_235b"):
        items.append(_item("prayer_release", prolonged, "Release follows the prolonged-detention count." if prolonged
                           else "No prolonged-detention count.", circuits.JENNINGS))
        items.append(_item("prayer_bond_hearing", prolonged,
                           "Individualized hearing as the as-applied due-process remedy." if prolonged
                           else "No statutory periodic bond hearing (Jennings) and no prolonged-detention count.",
                           circuits.JENNINGS))
        gov = prolonged and profile.bond_burden_prolonged.value == "government"
        items.append(_item("bond_burden_on_government", gov, "Burden allocation after prolonged detention.",
                           profile.bond_burden_prolonged))
    else:
        items.append(_item("prayer_release", True, "Release is the core habeas remedy for unlawful detention."))
        items.append(_item("prayer_bond_hearing", False, "Detention authority unknown: no bond-hearing prayer."))
    if not any(i.item == "bond_burden_on_government" for i in items):
        items.append(_item("bond_burden_on_government", False, "No bond-hearing prayer."))
    items.append(_item("prayer_protected_countries", protected and held,
                       "Country-specific protection on record." if protected and held
                       else "Client removed: relief is return." if protected
                       else "No country-specific protection."))
    wants_fees = bool(ctx.options.get("eaja_fees")) if isinstance(ctx.options, dict) else False
    eaja = profile.eaja_in_habeas
    fees = wants_fees and eaja.value != "foreclosed"
    items.append(_item("prayer_eaja_fees", fees,
                       ("EAJA fees in habeas are foreclosed in this circuit." if eaja.value == "foreclosed"
                        else "Asked by counsel (options.eaja_fees); circuit law unsettled." if wants_fees
                        else "Not asked (options.eaja_fees); EAJA in habeas is not settled law."), eaja))
    items.append(_item("third_country_notice_argued", protected and not removed,
                       "Third-country notice pleaded as Petitioner's contention, not settled law.",
                       profile.third_country_notice))
    items.append(_item("mandatory_injunction_standard", removed,
                       "Facilitating return alters the status quo: the circuit's heightened standard is pleaded."
                       if removed else "Prohibitory relief only.", profile.mandatory_injunction))
    items.append(_item("aea_notice_authority", auth == "aea",
                       "A.A.R.P. v. Trump and Trump v. J.G.G. are cited only for Alien Enemies Act detention."))
    return items


def included(items: list[PleadingItem]) -> set[str]:
    return {i.item for i in items if i.included}
