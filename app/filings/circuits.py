"""Circuit profiles: the circuit law a filing's counts and prayers depend on, as data with citations.

Every rule carries `source` (the authority), `as_of` (when it was last read) and `verified` (False until a
person admitted in that circuit checks it against the current reporters). A filing built on an unverified
rule says so in its `warnings`. Values are deliberately coarse (what a template can act on); the nuance
lives in `note`. Where this table is silent or unsure the value is "unsettled" and the template takes the
conservative course (it omits the count or prayer and the trace says why).

Keys:
- ``eaja_in_habeas``: "foreclosed" | "unsettled" — fees under the Equal Access to Justice Act,
  28 U.S.C. § 2412(d), in an immigration habeas case.
- ``bond_burden_1226a``: "government" (due process puts the burden on the government at a § 1226(a)
  hearing) | "government_if_prolonged" (only once § 1226(a) detention has become prolonged, as applied) |
  "noncitizen" (it does not) | "unsettled". ``extra["bond_burden_standard"]`` is the quantum of proof the
  prayer names; without it the prayer names none.
- ``prolonged_1226c``: "as_applied" (an as-applied due-process challenge to prolonged § 1226(c) / § 1225(b)
  detention is recognised) | "unsettled"; ``prolonged_days`` is the detention length (days) below which the
  template does not plead a prolonged-detention count.
- ``mandatory_injunction``: the heightened showing for an order that alters the status quo (e.g. to
  facilitate return), as the sentence the TRO motion quotes.
- ``third_country_notice``: "contested" — never pleaded as settled law (see THIRD_COUNTRY below).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AS_OF = "2026-12-05"


@dataclass(frozen=True)
class Rule:
    value: str
    source: str
    note: str = ""
    as_of: str = AS_OF
    verified: bool = False

    def describe(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "note": self.note, "as_of": self.as_of,
                "verified": self.verified}


# Supreme Court rules that apply in every circuit.
ZADVYDAS = Rule("180", "Zadvydas v. Davis, 533 U.S. 678 (2001)",
                "Six months of post-order detention under 8 U.S.C. § 1231(a)(6) is presumptively reasonable; "
                "the 90-day removal period of § 1231(a)(1)-(2) runs first.")
ARTEAGA_MARTINEZ = Rule("no_statutory_bond_hearing", "Johnson v. Arteaga-Martinez, 596 U.S. 573 (2022)",
                        "Section 1231(a)(6) does not require a bond hearing; constitutional claims were left open.")
JENNINGS = Rule("no_statutory_periodic_hearing", "Jennings v. Rodriguez, 583 U.S. 281 (2018)",
                "Sections 1225(b) and 1226(c) do not themselves require periodic bond hearings; only an "
                "as-applied constitutional challenge remains.")
THIRD_COUNTRY = Rule("contested", "DHS v. D.V.D., No. 24A1153 (U.S. June 23, 2025) (staying the preliminary "
                     "injunction in D.V.D. v. DHS, No. 25-cv-10676 (D. Mass.))",
                     "Whether due process requires notice and an opportunity to raise a fear claim before removal "
                     "to a third country is being litigated; the injunction that required it is stayed.")
WINTER = Rule("winter", "Winter v. Natural Resources Defense Council, Inc., 555 U.S. 7 (2008); "
              "Nken v. Holder, 556 U.S. 418 (2009)")


@dataclass(frozen=True)
class CircuitProfile:
    circuit: str
    eaja_in_habeas: Rule
    bond_burden_1226a: Rule
    prolonged_1226c: Rule
    prolonged_days: Rule
    mandatory_injunction: Rule
    third_country_notice: Rule = THIRD_COUNTRY
    # Burden at the hearing owed after prolonged § 1226(c) / § 1225(b) detention: "government" | "unsettled".
    bond_burden_prolonged: Rule = Rule("unsettled", "No controlling circuit decision recorded")
    extra: dict[str, Rule] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {"circuit": self.circuit,
                "eaja_in_habeas": self.eaja_in_habeas.describe(),
                "bond_burden_1226a": self.bond_burden_1226a.describe(),
                "prolonged_1226c": self.prolonged_1226c.describe(),
                "prolonged_days": self.prolonged_days.describe(),
                "mandatory_injunction": self.mandatory_injunction.describe(),
                "third_country_notice": self.third_country_notice.describe(),
                "bond_burden_prolonged": self.bond_burden_prolonged.describe()}


_UNSETTLED_EAJA = Rule("unsettled", "No controlling circuit decision recorded",
                       "Several circuits hold that EAJA does not reach habeas; the prayer is omitted unless counsel "
                       "asks for it (option eaja_fees).")
_SIX_MONTHS = Rule("180", "No bright line; district courts weigh length of detention (commonly beyond six months)",
                   "Threshold used by the template; counsel may plead earlier with case-specific facts.")
_GENERIC_MANDATORY = Rule("heightened", "No controlling circuit formulation recorded",
                          "An injunction that alters the status quo is commonly held to require a clear showing.")

PROFILES: dict[str, CircuitProfile] = {
    "1st": CircuitProfile(
        circuit="1st",
        eaja_in_habeas=_UNSETTLED_EAJA,
        extra={"bond_burden_standard": Rule(
            "by clear and convincing evidence that Petitioner is dangerous or by a preponderance of the evidence "
            "that Petitioner is a flight risk", "Hernandez-Lara v. Lyons, 10 F.4th 19 (1st Cir. 2021)")},
        bond_burden_1226a=Rule("government", "Hernandez-Lara v. Lyons, 10 F.4th 19 (1st Cir. 2021)",
                               "Due process requires the government to prove dangerousness by clear and "
                               "convincing evidence, or flight risk by a preponderance, at a § 1226(a) hearing."),
        prolonged_1226c=Rule("as_applied", "Reid v. Donelan, 17 F.4th 1 (1st Cir. 2021)",
                             "Class relief vacated; individual as-applied challenges remain."),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Braintree Labs., Inc. v. Citigroup Global Mkts. Inc., "
                                  "622 F.3d 36 (1st Cir. 2010)",
                                  "Mandatory preliminary relief is granted only where the exigencies of the "
                                  "situation clearly favor it."),
    ),
    "2nd": CircuitProfile(
        circuit="2nd",
        eaja_in_habeas=Rule("foreclosed", "Vacchio v. Ashcroft, 404 F.3d 663 (2d Cir. 2005)",
                            "EAJA does not authorize fees in an immigration habeas proceeding."),
        # Velasco Lopez is an as-applied holding after fifteen months of § 1226(a) detention, not a rule for every
        # § 1226(a) hearing: the burden is asked only once detention passes the profile's threshold.
        bond_burden_1226a=Rule("government_if_prolonged", "Velasco Lopez v. Decker, 978 F.3d 842 (2d Cir. 2020)",
                               "After prolonged § 1226(a) detention, due process put the burden on the "
                               "government by clear and convincing evidence (as applied)."),
        prolonged_1226c=Rule("as_applied", "Black v. Decker, 103 F.4th 133 (2d Cir. 2024)",
                             "Prolonged § 1226(c) detention is assessed under Mathews v. Eldridge as applied."),
        prolonged_days=_SIX_MONTHS,
        extra={"bond_burden_standard": Rule("by clear and convincing evidence",
                                            "Velasco Lopez v. Decker, 978 F.3d 842 (2d Cir. 2020); Black v. "
                                            "Decker, 103 F.4th 133 (2d Cir. 2024)")},
        bond_burden_prolonged=Rule("government", "Black v. Decker, 103 F.4th 133 (2d Cir. 2024)",
                                   "At the hearing owed after unreasonably prolonged § 1226(c) detention the "
                                   "government bears the burden by clear and convincing evidence."),
        mandatory_injunction=Rule("heightened", "Tom Doherty Assocs., Inc. v. Saban Entm't, Inc., "
                                  "60 F.3d 27 (2d Cir. 1995)",
                                  "A mandatory injunction requires a clear or substantial likelihood of success."),
    ),
    "3rd": CircuitProfile(
        circuit="3rd",
        eaja_in_habeas=_UNSETTLED_EAJA,
        bond_burden_1226a=Rule("noncitizen", "Borbot v. Warden Hudson Cnty. Corr. Facility, 906 F.3d 274 "
                               "(3d Cir. 2018)",
                               "No due-process violation from the burden allocation at a § 1226(a) hearing "
                               "absent prolonged detention."),
        prolonged_1226c=Rule("as_applied", "German Santos v. Warden Pike Cnty. Corr. Facility, 965 F.3d 203 "
                             "(3d Cir. 2020)",
                             "Unreasonably prolonged § 1226(c) detention entitles the detainee to a hearing at "
                             "which the government bears the burden by clear and convincing evidence."),
        prolonged_days=_SIX_MONTHS,
        extra={"bond_burden_standard": Rule("by clear and convincing evidence",
                                            "German Santos v. Warden Pike Cnty. Corr. Facility, 965 F.3d 203 "
                                            "(3d Cir. 2020)")},
        bond_burden_prolonged=Rule("government", "German Santos v. Warden Pike Cnty. Corr. Facility, 965 F.3d 203 "
                                   "(3d Cir. 2020)"),
        mandatory_injunction=Rule("heightened", "Hope v. Warden York Cnty. Prison, 972 F.3d 310 (3d Cir. 2020)",
                                  "A mandatory injunction requires a showing that the right to relief is "
                                  "indisputably clear."),
    ),
    "4th": CircuitProfile(
        circuit="4th",
        eaja_in_habeas=Rule("foreclosed", "Obando-Segura v. Garland, 999 F.3d 190 (4th Cir. 2021)",
                            "EAJA does not authorize fees in an immigration habeas proceeding."),
        bond_burden_1226a=Rule("noncitizen", "Miranda v. Garland, 34 F.4th 338 (4th Cir. 2022)",
                               "Due process does not require shifting the burden to the government at a "
                               "§ 1226(a) hearing."),
        prolonged_1226c=Rule("unsettled", "No controlling circuit decision recorded",
                             "District courts in the circuit entertain as-applied challenges."),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Taylor v. Freeman, 34 F.3d 266 (4th Cir. 1994)",
                                  "Mandatory preliminary injunctions are warranted only in the most extraordinary "
                                  "circumstances."),
    ),
    "5th": CircuitProfile(
        circuit="5th",
        eaja_in_habeas=Rule("foreclosed", "Barco v. Witte, 65 F.4th 782 (5th Cir. 2023)",
                            "EAJA does not authorize fees in a habeas proceeding."),
        bond_burden_1226a=Rule("unsettled", "No controlling circuit decision recorded"),
        prolonged_1226c=Rule("unsettled", "No controlling circuit decision recorded"),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Martinez v. Mathews, 544 F.2d 1233 (5th Cir. 1976)",
                                  "A mandatory injunction is disfavored and issues only if the facts and law "
                                  "clearly favor the moving party."),
    ),
    "9th": CircuitProfile(
        circuit="9th",
        eaja_in_habeas=_UNSETTLED_EAJA,
        bond_burden_1226a=Rule("noncitizen", "Rodriguez Diaz v. Garland, 53 F.4th 1189 (9th Cir. 2022)",
                               "The § 1226(a) procedures, including the burden on the noncitizen, satisfied due "
                               "process as applied in that case."),
        prolonged_1226c=Rule("as_applied", "Rodriguez v. Marin, 909 F.3d 252, 256 (9th Cir. 2018) (remanding "
                             "the constitutional claims after Jennings and expressing grave doubts that a statute "
                             "allowing arbitrary prolonged detention without any process is constitutional)",
                             "No holding on the merits: the panel remanded; district courts in the circuit decide "
                             "as-applied challenges. The petition cites it with that parenthetical, never as a "
                             "holding."),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Garcia v. Google, Inc., 786 F.3d 733 (9th Cir. 2015) (en banc)",
                                  "A mandatory injunction is particularly disfavored; the law and facts must "
                                  "clearly favor the moving party."),
    ),
    "11th": CircuitProfile(
        circuit="11th",
        eaja_in_habeas=_UNSETTLED_EAJA,
        bond_burden_1226a=Rule("unsettled", "No controlling circuit decision recorded"),
        # A vacated opinion is no authority for the count: "unsettled", so the petition does not cite it.
        prolonged_1226c=Rule("unsettled", "Sopo v. U.S. Att'y Gen., 825 F.3d 1199 (11th Cir. 2016), vacated, "
                             "890 F.3d 952 (11th Cir. 2018)", "Vacated after Jennings; unsettled."),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Exhibitors Poster Exch., Inc. v. Nat'l Screen Serv. Corp., "
                                  "441 F.2d 560 (5th Cir. 1971) (binding under Bonner v. City of Prichard, "
                                  "661 F.2d 1206 (11th Cir. 1981) (en banc))",
                                  "A mandatory injunction issues only when the facts and law clearly favor it."),
    ),
    "D.C.": CircuitProfile(
        circuit="D.C.",
        eaja_in_habeas=_UNSETTLED_EAJA,
        bond_burden_1226a=Rule("unsettled", "No controlling circuit decision recorded"),
        prolonged_1226c=Rule("unsettled", "No controlling circuit decision recorded"),
        prolonged_days=_SIX_MONTHS,
        mandatory_injunction=Rule("heightened", "Dorfmann v. Boozer, 414 F.2d 1168 (D.C. Cir. 1969)",
                                  "Whether a heightened standard applies is debated in the circuit; plead the "
                                  "clear showing."),
    ),
}

DEFAULT = CircuitProfile(
    circuit="other",
    eaja_in_habeas=_UNSETTLED_EAJA,
    bond_burden_1226a=Rule("unsettled", "No circuit profile recorded"),
    prolonged_1226c=Rule("unsettled", "No circuit profile recorded"),
    prolonged_days=_SIX_MONTHS,
    mandatory_injunction=_GENERIC_MANDATORY,
)


def profile_for(circuit: str | None) -> CircuitProfile:
    """The recorded profile of a circuit ("4th", "D.C."), or a conservative default."""
    return PROFILES.get(circuit or "", DEFAULT)
