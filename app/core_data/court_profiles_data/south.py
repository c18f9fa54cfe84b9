"""Profiles of S.D. Tex., W.D. Tex., W.D. La., D. Ariz. and S.D. Cal."""

from __future__ import annotations

from app.core_data.court_profiles_data.common import NOT_READ, statutory_divisions
from app.core_data.court_profiles_data.model import CourtProfile, CourtRule

TXSD = CourtProfile(
    court="txsd", name="United States District Court for the Southern District of Texas",
    divisions=statutory_divisions("txsd"),
    separate_proposed_order=CourtRule(True, "S.D. Tex. Local Rule 7.1(C)",
                                      "Opposed motions are accompanied by a separate proposed order. " + NOT_READ),
    separate_memorandum=CourtRule(False, "S.D. Tex. Local Rule 7.1(B)",
                                  "Motions include or are accompanied by authority; a separate memorandum is not "
                                  "required. " + NOT_READ),
    certificate_of_conference=CourtRule(True, "S.D. Tex. Local Rule 7.1(D)",
                                        "Opposed motions contain an averment that the movant conferred and "
                                        "counsel cannot agree. " + NOT_READ),
    page_limits={"memorandum": CourtRule(25, "S.D. Tex. judges' court procedures",
                                         "Page limits are set by each judge's procedures (25 pages is common). "
                                         + NOT_READ)},
    bar_number_format=CourtRule("State bar number and S.D. Tex. federal admission number",
                                "S.D. Tex. Local Rule 11.3.A", NOT_READ),
)

TXWD = CourtProfile(
    court="txwd", name="United States District Court for the Western District of Texas",
    divisions=statutory_divisions("txwd"),
    separate_proposed_order=CourtRule(True, "W.D. Tex. Local Rule CV-7",
                                      "A proposed order accompanies motions. " + NOT_READ),
    separate_memorandum=CourtRule(False, "W.D. Tex. Local Rule CV-7",
                                  "The motion and its supporting brief are one document. " + NOT_READ),
    certificate_of_conference=CourtRule(True, "W.D. Tex. Local Rule CV-7(g)",
                                        "Nondispositive motions state that counsel conferred (a TRO sought "
                                        "without notice explains why). " + NOT_READ),
    page_limits={"tro_motion": CourtRule(10, "W.D. Tex. Local Rule CV-7(c)(2)",
                                         "Nondispositive motions 10 pages, dispositive 20 (which a TRO motion "
                                         "is counted as was not established). " + NOT_READ)},
    bar_number_format=CourtRule("State bar number", "W.D. Tex. Local Rules, attorney (AT) rules",
                                "Rule number not established. " + NOT_READ),
)

LAWD = CourtProfile(
    court="lawd", name="United States District Court for the Western District of Louisiana",
    divisions=("Alexandria", "Lafayette", "Lake Charles", "Monroe", "Shreveport"),
    separate_memorandum=CourtRule(True, "W.D. La. Local Rule 7.4",
                                  "Contested motions are accompanied by a memorandum. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "W.D. La. Local Rule 7.4.1",
                                      "A proposed order accompanies the motion. " + NOT_READ),
    certificate_of_conference=CourtRule(False, "W.D. La. Local Rule 7.4.1",
                                        "Consent of opposing counsel is stated for ex parte/consent motions; "
                                        "no general conference certificate was established. " + NOT_READ),
    page_limits={"memorandum": CourtRule(25, "W.D. La. Local Rule 7.8", "25 pages without leave. " + NOT_READ)},
    bar_number_format=CourtRule("Louisiana bar roll number", "W.D. La. Local Rule 11.1", NOT_READ),
    other_rules=(("divisions_source", CourtRule("places of holding court", "28 U.S.C. § 98(c)",
                                                "The section names the places of holding court; the division "
                                                "of a parish is assigned by the court's rules (rule not "
                                                "established). " + NOT_READ)),),
)

AZD = CourtProfile(
    court="azd", name="United States District Court for the District of Arizona",
    divisions=("Phoenix", "Prescott", "Tucson"),
    separate_memorandum=CourtRule(False, "D. Ariz. LRCiv 7.2(b)",
                                  "The memorandum of points and authorities is part of the motion. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "D. Ariz. LRCiv 7.1(b)(3)",
                                      "Proposed orders are separate documents, not attached to the motion. "
                                      + NOT_READ),
    certificate_of_conference=CourtRule(False, "D. Ariz. LRCiv 12.1(c)",
                                        "Conferral certificates apply to certain motions to dismiss, not to "
                                        "emergency motions. " + NOT_READ),
    page_limits={"tro_motion": CourtRule(17, "D. Ariz. LRCiv 7.2(e)(1)",
                                         "17 pages for a motion with its memorandum. " + NOT_READ)},
    bar_number_format=CourtRule("State bar number", "D. Ariz. LRCiv 7.1(a)", NOT_READ),
    other_rules=(("divisions_source", CourtRule("LRCiv 77.1", "D. Ariz. LRCiv 77.1",
                                                "28 U.S.C. § 82 names no divisions; Phoenix, Prescott and "
                                                "Tucson are set by local rule. " + NOT_READ)),),
)

CASD = CourtProfile(
    court="casd", name="United States District Court for the Southern District of California",
    divisions=(),
    separate_memorandum=CourtRule(True, "S.D. Cal. CivLR 7.1(f)",
                                  "A memorandum of points and authorities is served and filed with the "
                                  "motion. " + NOT_READ),
    separate_proposed_order=CourtRule(True, "Fed. R. Civ. P. 65(b)(2), 65(d)(1)",
                                      "No local rule requiring a separate proposed order was established. "
                                      + NOT_READ),
    certificate_of_conference=CourtRule(False, "S.D. Cal. CivLR 26.1(a)",
                                        "Meet-and-confer certificates apply to discovery motions. " + NOT_READ),
    page_limits={"memorandum": CourtRule(25, "S.D. Cal. CivLR 7.1(h)", "25 pages without leave. " + NOT_READ)},
    bar_number_format=CourtRule("California State Bar number", "S.D. Cal. CivLR 5.1", NOT_READ),
    other_rules=(("divisions_source", CourtRule("none", "28 U.S.C. § 84(d)",
                                                "The section names no divisions; none by rule was "
                                                "established. " + NOT_READ)),),
)
