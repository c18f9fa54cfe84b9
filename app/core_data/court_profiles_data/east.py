"""Profiles of D. Md., D.N.J., S.D.N.Y., D. Mass. and D.D.C."""

from __future__ import annotations

from app.core_data.court_profiles_data.common import NOT_READ, statutory_divisions
from app.core_data.court_profiles_data.model import CourtProfile, CourtRule

_MD_ORDER = ("D. Md. Amended Standing Order 2025-01, In re Petitions for Writs of Habeas Corpus — Alien Detainee, "
             "Misc. No. 00-308 (May 28, 2025), amending Standing Order 2025-01 (May 21, 2025)")
_MD_READ = ("Read from a public transcription of the amended order, not the court's own copy; whether the order "
            "is still in force after the Government's suit against the court (United States v. Russell, "
            "No. 1:25-cv-02029, reported dismissed in August 2025) was not established.")

MDD = CourtProfile(
    court="mdd", name="United States District Court for the District of Maryland",
    divisions=statutory_divisions("mdd"),
    automatic_stay_of_transfer=CourtRule(
        True, _MD_ORDER,
        "On the filing of a § 2241 petition for a noncitizen detainee, once the Clerk gives notice that it sent "
        "the order, the petition and the identifying information to the U.S. Attorney's Office, Respondents are "
        "enjoined from removing the petitioner from the continental United States or altering the petitioner's "
        "legal status until 4:00 p.m. on the second business day after that notice, unless the assigned judge "
        "extends it. It speaks of removal from the continental United States, not of transfer between "
        "facilities inside it. " + _MD_READ),
    sealed_identifiers=CourtRule(
        True, _MD_ORDER,
        "The order does NOT require the A-number outside the public petition: the stay attaches only when the "
        "petitioner's full name and A-number have been provided 'either in the Petition or in a separate sealed "
        "filing'. True here means the packet files the A-number in the separate sealed filing the order "
        "accepts, so the stay can attach while the public petition carries no A-number (Fed. R. Civ. P. 5.2 "
        "does not itself list A-numbers). " + _MD_READ),
    separate_memorandum=CourtRule(
        True, "D. Md. Local Rule 105.1",
        "A motion is filed with a memorandum of reasons and authorities. " + NOT_READ),
    separate_proposed_order=CourtRule(
        True, "Fed. R. Civ. P. 65(b)(2), 65(d)(1); D. Md. Local Rule 105",
        "No local rule requiring a separate proposed order was established; the packet submits one because a "
        "TRO must state its own terms. " + NOT_READ),
    certificate_of_conference=CourtRule(
        False, "D. Md. Local Rule 104.7",
        "The conference certificate of Local Rule 104.7 governs discovery motions, not emergency motions. "
        + NOT_READ),
    page_limits={"memorandum": CourtRule(
        30, "D. Md. Local Rule 105.3 (as amended July 1, 2023)",
        "Memoranda in support of or in opposition to a motion: 30 pages, replies 15, inclusive of footnotes "
        "(reduced from 35/20 on July 1, 2023, as reported by practitioners). " + NOT_READ)},
    bar_number_format=CourtRule(
        "D. Md. federal bar number (digits, assigned by the court on admission)", "D. Md. Local Rule 102.1",
        "Signature blocks carry the attorney's federal bar number of this court. " + NOT_READ),
    other_rules=(("a_number_required_for_stay", CourtRule(
        True, _MD_ORDER, "Without the full name and A-number the automatic stay does not attach. " + _MD_READ)),),
)

NJD = CourtProfile(
    court="njd", name="United States District Court for the District of New Jersey",
    divisions=("Newark", "Trenton", "Camden"),
    separate_memorandum=CourtRule(True, "D.N.J. L. Civ. R. 7.1(d)(1)",
                                  "A brief is filed with the motion as its own document. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "D.N.J. L. Civ. R. 7.1(e)",
                                      "A proposed form of order is submitted with the motion. " + NOT_READ),
    certificate_of_conference=CourtRule(False, "D.N.J. L. Civ. R. 37.1(b)(1)",
                                        "A conferral affidavit is required for discovery motions only. " + NOT_READ),
    page_limits={"memorandum": CourtRule(40, "D.N.J. L. Civ. R. 7.2(b)",
                                         "Briefs: 40 ordinary-typeface pages (30 in proportional type is also "
                                         "cited; check which applies). " + NOT_READ)},
    bar_number_format=CourtRule("none printed (attorney ID in CM/ECF)", "D.N.J. L. Civ. R. 10.1(a)", NOT_READ),
    other_rules=(("divisions_source", CourtRule("vicinages", "D.N.J. L. Civ. R. 40.1(a)",
                                                "28 U.S.C. § 110 names no divisions; cases are allocated to the "
                                                "Newark, Trenton and Camden vicinages by rule. " + NOT_READ)),
                 ("order_to_show_cause", CourtRule(True, "D.N.J. L. Civ. R. 65.1",
                                                   "Emergency relief by order to show cause with a verified "
                                                   "complaint or affidavit. " + NOT_READ))),
)

NYSD = CourtProfile(
    court="nysd", name="United States District Court for the Southern District of New York",
    divisions=("Manhattan", "White Plains"),
    separate_memorandum=CourtRule(True, "S.D.N.Y. & E.D.N.Y. Local Civil Rule 7.1(a)",
                                  "Motions are supported by a separate memorandum of law. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "S.D.N.Y. & E.D.N.Y. Local Civil Rule 6.1(d)",
                                      "Emergency relief is sought by a proposed order to show cause. " + NOT_READ),
    certificate_of_conference=CourtRule(False, "S.D.N.Y. & E.D.N.Y. Local Civil Rule 37.2",
                                        "Pre-motion conference rules concern discovery; individual judges' "
                                        "practices may require more. " + NOT_READ),
    page_limits={"memorandum": CourtRule(8750, "S.D.N.Y. & E.D.N.Y. Local Civil Rule 7.1(c) (2024 amendments)",
                                         "A word limit (8,750 words for a memorandum), not pages; the value is "
                                         "words. " + NOT_READ)},
    bar_number_format=CourtRule("none required (initials and last four digits were formerly used)",
                                "S.D.N.Y. & E.D.N.Y. Local Civil Rule 11.1", NOT_READ),
    other_rules=(("divisions_source", CourtRule("Rules for the Division of Business Among District Judges",
                                                "S.D.N.Y. Rules for the Division of Business, Rule 18",
                                                "28 U.S.C. § 112(b) names no divisions; Manhattan and White "
                                                "Plains assignment is by the court's rules. " + NOT_READ)),
                 ("emergency_part", CourtRule("Part I", "S.D.N.Y. Rules for the Division of Business, Rule 1",
                                              "Emergency applications in unassigned cases go to the Part I "
                                              "judge. " + NOT_READ))),
)

MAD = CourtProfile(
    court="mad", name="United States District Court for the District of Massachusetts",
    divisions=("Eastern", "Central", "Western"),
    separate_memorandum=CourtRule(True, "D. Mass. Local Rule 7.1(b)(1)",
                                  "A motion is accompanied by a memorandum of reasons and authorities. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "Fed. R. Civ. P. 65(b)(2), 65(d)(1)",
                                      "No local rule requiring a separate proposed order was established; "
                                      "the federal default applies. " + NOT_READ),
    certificate_of_conference=CourtRule(True, "D. Mass. Local Rule 7.1(a)(2)",
                                        "No motion is filed unless counsel certify that they conferred in good "
                                        "faith to resolve or narrow the issue. " + NOT_READ),
    page_limits={"memorandum": CourtRule(20, "D. Mass. Local Rule 7.1(b)(4)", "20 pages without leave. " + NOT_READ)},
    bar_number_format=CourtRule("BBO # (Massachusetts Board of Bar Overseers number)", "D. Mass. Local Rule 5.1(a)",
                                NOT_READ),
    other_rules=(("divisions_source", CourtRule("Local Rule 40.1", "D. Mass. Local Rule 40.1",
                                                "Divisions (Eastern: Boston; Central: Worcester; Western: "
                                                "Springfield) are set by local rule. " + NOT_READ)),),
)

DCD = CourtProfile(
    court="dcd", name="United States District Court for the District of Columbia",
    divisions=(),
    separate_memorandum=CourtRule(False, "D.D.C. LCvR 7(a)",
                                  "Each motion includes or is accompanied by a memorandum of points and "
                                  "authorities. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "D.D.C. LCvR 7(c)",
                                      "Each motion is accompanied by a proposed order. " + NOT_READ),
    certificate_of_conference=CourtRule(True, "D.D.C. LCvR 7(m)",
                                        "Duty to confer on nondispositive motions, stated in the motion. " + NOT_READ),
    page_limits={"memorandum": CourtRule(45, "D.D.C. LCvR 7(e)", "45 pages without leave. " + NOT_READ)},
    bar_number_format=CourtRule("D.C. Bar No. (or the court's identification number)", "D.D.C. LCvR 5.1(e)",
                                NOT_READ),
    other_rules=(("tro_application", CourtRule(True, "D.D.C. LCvR 65.1(a)",
                                               "A TRO application is accompanied by a certificate of counsel "
                                               "on notice to the adverse party, or why notice should not be "
                                               "required. " + NOT_READ)),),
)
