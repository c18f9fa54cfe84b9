"""Which federal district, and which division of it, a county lies in — as data, with its source.

Habeas venue under 28 U.S.C. § 2241 is the district of confinement, and a caption names the division
where the court has divisions. Districts and their divisions are fixed by statute: 28 U.S.C. §§ 81–131
list, state by state, the counties of each district and, where the district is divided, the counties of
each division. Where a section names no divisions (e.g. D. Ariz., S.D. Cal., D.N.J.) a district that
sorts its cases by place does so in its own local rules; those rules are recorded here with their
citation, and where we have not recorded one the division is ``None`` with a note saying so.

Every record carries ``source`` (the section or rule), ``as_of`` (the date the text was transcribed) and
``verified`` (false until a person has checked the record against the official text). The county lists
below were transcribed for the states where the bundled facility list has facilities; ``complete`` says
whether a district's list covers every county the statute gives it (a test checks the complete states
against the Census county list, so a missing or misspelt county fails there).

Counties are matched after folding (case, accents, punctuation, a trailing "County"/"Parish", and
"Saint"/"St."), so "St. Mary's County", "Saint Marys" and "st marys" are the same key. Virginia's
independent cities are written "X City" ("Richmond City"), as the Census does.

Pure data, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from app.core_data.districts import districts_in_state

__all__ = [
    "AS_OF",
    "DistrictCounties",
    "DivisionRule",
    "STATE_DATA",
    "county_key",
    "district_for",
    "district_record",
    "division_for",
    "division_rule",
]

AS_OF = date(2026, 12, 5)


def county_key(county: str) -> str:
    """Fold a county name to its lookup key ("St. Mary's County" -> "stmarys")."""
    text = unicodedata.normalize("NFKD", county)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()
    text = text.replace("\u2019", "'")
    for suffix in (" county", " parish", " borough"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    text = re.sub(r"^(saint|ste?\.?)\s+", "st ", text)
    key = re.sub(r"[^a-z]", "", text)
    return _COUNTY_ALIASES.get(key, key)


# New York City's boroughs are counties under other names (Kings, New York, Richmond, Bronx); Florida's
# Dade County was renamed Miami-Dade in 1997; Virginia's Bedford City joined Bedford County in 2013.
_COUNTY_ALIASES = {"brooklyn": "kings", "manhattan": "newyork", "statenisland": "richmond",
                   "thebronx": "bronx", "dade": "miamidade", "bedfordcity": "bedford"}


def _keys(names: str) -> frozenset[str]:
    return frozenset(county_key(n) for n in names.split(",") if n.strip())


@dataclass(frozen=True, slots=True)
class DivisionRule:
    """The division of ``district`` that ``counties`` belong to (``division`` None: the court has none,
    or we have not recorded its rule — ``note`` says which)."""

    district: str
    division: str | None
    counties: frozenset[str]
    source: str
    as_of: date = AS_OF
    verified: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DistrictCounties:
    """A district's counties per its section of 28 U.S.C., and its divisions (statutory or by rule)."""

    district: str
    source: str
    counties: frozenset[str]
    divisions: tuple[DivisionRule, ...] = ()
    complete: bool = True  # the list covers every county the section names
    division_note: str | None = None  # why there is no division for a county not in ``divisions``
    as_of: date = AS_OF
    verified: bool = False


def _district(court_id: str, source: str, counties: str = "", *, divisions: dict[str, str] | None = None,
              division_source: str | None = None, complete: bool = True, division_note: str | None = None,
              notes: dict[str, str] | None = None) -> DistrictCounties:
    """``divisions`` (division -> counties) also supplies the district's counties when ``counties`` is empty;
    ``notes`` (division -> text) qualifies a division's record."""
    rules = tuple(DivisionRule(court_id, name, _keys(names), division_source or source,
                               note=(notes or {}).get(name))
                  for name, names in (divisions or {}).items())
    all_counties = _keys(counties) | frozenset(k for r in rules for k in r.counties)
    return DistrictCounties(court_id, source, all_counties, rules, complete, division_note)


_NO_DIVISIONS = "The section names no divisions; the court holds court at the places it lists."

# --- the statute, state by state ---------------------------------------------------------------
# Single-district states carry no county list: every county of the state is in the district.

_DATA: tuple[tuple[str, tuple[DistrictCounties, ...]], ...] = (
    # 28 U.S.C. § 82: "Arizona constitutes one judicial district" — no statutory divisions. The court sorts
    # cases among Phoenix, Prescott and Tucson by county under its local rules (LRCiv 77.1); where Pinal
    # County's cases go is not settled in what we could check, so no division is recorded yet.
    ("AZ", (_district(
        "azd", "28 U.S.C. § 82",
        division_note="The section names no divisions; D. Ariz. assigns cases to its Phoenix, Prescott and "
                      "Tucson divisions by local rule (LRCiv 77.1), not yet recorded here."),)),
    # 28 U.S.C. § 84: four districts; only the Central District (§ 84(c)) is divided by statute.
    ("CA", (
        _district(
            "cand", "28 U.S.C. § 84(a)",
            "Alameda, Contra Costa, Del Norte, Humboldt, Lake, Marin, Mendocino, Monterey, Napa, San Benito, "
            "Santa Clara, Santa Cruz, San Francisco, San Mateo, Sonoma",
            division_note="The section names no divisions (N.D. Cal. assigns cases among its courthouses by "
                          "Civil L.R. 3-2; not recorded here)."),
        _district(
            "caed", "28 U.S.C. § 84(b)",
            divisions={
                "Sacramento": "Alpine, Amador, Butte, Calaveras, Colusa, El Dorado, Glenn, Lassen, Modoc, Mono, "
                              "Nevada, Placer, Plumas, Sacramento, San Joaquin, Shasta, Sierra, Siskiyou, "
                              "Solano, Sutter, Tehama, Trinity, Yolo, Yuba",
                "Fresno": "Fresno, Inyo, Kern, Kings, Madera, Mariposa, Merced, Stanislaus, Tulare, Tuolumne",
            },
            division_source="E.D. Cal. L.R. 120(d)"),
        _district(
            "cacd", "28 U.S.C. § 84(c)",
            divisions={
                "Eastern": "Riverside, San Bernardino",
                "Western": "Los Angeles, San Luis Obispo, Santa Barbara, Ventura",
                "Southern": "Orange",
            }),
        _district("casd", "28 U.S.C. § 84(d)", "Imperial, San Diego", division_note=_NO_DIVISIONS),
    )),
    # 28 U.S.C. § 85: one district, no divisions.
    ("CO", (_district("cod", "28 U.S.C. § 85", division_note=_NO_DIVISIONS),)),
    # 28 U.S.C. § 89: three districts, none divided by statute. The Middle and Southern Districts assign
    # cases to divisions by local rule (M.D. Fla. Local Rule 1.04(a); S.D. Fla. Local Rule 3.1).
    ("FL", (
        _district(
            "flnd", "28 U.S.C. § 89(a)",
            "Alachua, Bay, Calhoun, Dixie, Escambia, Franklin, Gadsden, Gilchrist, Gulf, Holmes, Jackson, "
            "Jefferson, Lafayette, Leon, Levy, Liberty, Madison, Okaloosa, Santa Rosa, Taylor, Wakulla, Walton, "
            "Washington",
            division_note="The section names no divisions; the court's divisions (N.D. Fla. Loc. R. 3.1) are "
                          "not recorded here."),
        _district(
            "flmd", "28 U.S.C. § 89(b)",
            divisions={
                "Jacksonville": "Baker, Bradford, Clay, Columbia, Duval, Flagler, Hamilton, Nassau, Putnam, "
                                "St. Johns, Suwannee, Union",
                "Ocala": "Citrus, Lake, Marion, Sumter",
                "Orlando": "Brevard, Orange, Osceola, Seminole, Volusia",
                "Tampa": "Hardee, Hernando, Hillsborough, Manatee, Pasco, Pinellas, Polk, Sarasota",
                "Fort Myers": "Charlotte, Collier, DeSoto, Glades, Hendry, Lee",
            },
            division_source="M.D. Fla. Local Rule 1.04(a)"),
        _district(
            "flsd", "28 U.S.C. § 89(c)",
            divisions={
                "Miami": "Miami-Dade",
                "Fort Lauderdale": "Broward",
                "West Palm Beach": "Palm Beach",
                "Fort Pierce": "Highlands, Indian River, Martin, Okeechobee, St. Lucie",
                "Key West": "Monroe",
            },
            division_source="S.D. Fla. Local Rule 3.1"),
    )),
    # 28 U.S.C. § 90: three districts, each divided by statute.
    ("GA", (
        _district(
            "gand", "28 U.S.C. § 90(a)",
            divisions={
                "Gainesville": "Banks, Barrow, Dawson, Fannin, Forsyth, Gilmer, Habersham, Hall, Jackson, "
                               "Lumpkin, Pickens, Rabun, Stephens, Towns, Union, White",
                "Atlanta": "Cherokee, Clayton, Cobb, DeKalb, Douglas, Fulton, Gwinnett, Henry, Newton, Rockdale",
                "Rome": "Bartow, Catoosa, Chattooga, Dade, Floyd, Gordon, Murray, Paulding, Polk, Walker, "
                        "Whitfield",
                "Newnan": "Carroll, Coweta, Fayette, Haralson, Heard, Meriwether, Pike, Spalding, Troup",
            }),
        _district(
            "gamd", "28 U.S.C. § 90(b)",
            divisions={
                "Athens": "Clarke, Elbert, Franklin, Greene, Hart, Madison, Morgan, Oconee, Oglethorpe, Walton",
                "Macon": "Baldwin, Bibb, Bleckley, Butts, Crawford, Hancock, Houston, Jasper, Jones, Lamar, "
                         "Monroe, Peach, Pulaski, Putnam, Twiggs, Upson, Washington, Wilkinson",
                "Columbus": "Chattahoochee, Clay, Harris, Marion, Muscogee, Quitman, Randolph, Stewart, Talbot, "
                            "Taylor",
                "Americus": "Ben Hill, Crisp, Dooly, Lee, Macon, Schley, Sumter, Terrell, Webster, Wilcox",
                "Albany": "Baker, Calhoun, Dougherty, Early, Miller, Mitchell, Turner, Worth",
                "Valdosta": "Berrien, Clinch, Cook, Echols, Irwin, Lanier, Lowndes, Tift",
                "Thomasville": "Brooks, Colquitt, Decatur, Grady, Seminole, Thomas",
            },
            # The court itself now sits in five divisions and lists the Americus and Thomasville counties
            # under Albany, Macon and Valdosta; which name a caption should carry is for counsel to check.
            notes={
                "Americus": "Statutory division; the court lists these counties under its Albany and Macon "
                            "divisions.",
                "Thomasville": "Statutory division; the court lists these counties under its Albany and "
                               "Valdosta divisions.",
            }),
        _district(
            "gasd", "28 U.S.C. § 90(c)",
            divisions={
                "Augusta": "Burke, Columbia, Glascock, Jefferson, Lincoln, McDuffie, Richmond, Taliaferro, "
                           "Warren, Wilkes",
                "Dublin": "Dodge, Johnson, Laurens, Montgomery, Telfair, Treutlen, Wheeler",
                "Savannah": "Bryan, Chatham, Effingham, Liberty",
                "Waycross": "Atkinson, Bacon, Brantley, Charlton, Coffee, Pierce, Ware",
                "Brunswick": "Appling, Camden, Glynn, Jeff Davis, Long, McIntosh, Wayne",
                "Statesboro": "Bulloch, Candler, Emanuel, Evans, Jenkins, Screven, Tattnall, Toombs",
            }),
    )),
    # 28 U.S.C. § 93: three districts; only the Northern District is divided by statute (§ 93(a)).
    ("IL", (
        _district(
            "ilnd", "28 U.S.C. § 93(a)",
            divisions={
                "Eastern": "Cook, DuPage, Grundy, Kane, Kendall, Lake, La Salle, Will",
                "Western": "Boone, Carroll, DeKalb, Jo Daviess, Lee, McHenry, Ogle, Stephenson, Whiteside, "
                           "Winnebago",
            }),
        _district(
            "ilcd", "28 U.S.C. § 93(b)",
            "Adams, Brown, Bureau, Cass, Champaign, Christian, Coles, De Witt, Douglas, Edgar, Ford, Fulton, "
            "Greene, Hancock, Henderson, Henry, Iroquois, Kankakee, Knox, Livingston, Logan, McDonough, McLean, "
            "Macoupin, Macon, Marshall, Mason, Menard, Mercer, Montgomery, Morgan, Moultrie, Peoria, Piatt, Pike, "
            "Putnam, Rock Island, Sangamon, Schuyler, Scott, Shelby, Stark, Tazewell, Vermilion, Warren, Woodford",
            division_note=_NO_DIVISIONS),
        _district(
            "ilsd", "28 U.S.C. § 93(c)",
            "Alexander, Bond, Calhoun, Clark, Clay, Clinton, Crawford, Cumberland, Edwards, Effingham, Fayette, "
            "Franklin, Gallatin, Hamilton, Hardin, Jackson, Jasper, Jefferson, Jersey, Johnson, Lawrence, Madison, "
            "Marion, Massac, Monroe, Perry, Pope, Pulaski, Randolph, Richland, St. Clair, Saline, Union, Wabash, "
            "Washington, Wayne, White, Williamson",
            division_note=_NO_DIVISIONS),
    )),
    # 28 U.S.C. § 98: three districts, none divided by statute.
    ("LA", (
        _district(
            "laed", "28 U.S.C. § 98(a)",
            "Assumption, Jefferson, Lafourche, Orleans, Plaquemines, St. Bernard, St. Charles, St. James, "
            "St. John the Baptist, St. Tammany, Tangipahoa, Terrebonne, Washington",
            division_note=_NO_DIVISIONS),
        _district(
            "lamd", "28 U.S.C. § 98(b)",
            "Ascension, East Baton Rouge, East Feliciana, Iberville, Livingston, Pointe Coupee, St. Helena, "
            "West Baton Rouge, West Feliciana",
            division_note=_NO_DIVISIONS),
        _district(
            "lawd", "28 U.S.C. § 98(c)",
            "Acadia, Allen, Avoyelles, Beauregard, Bienville, Bossier, Caddo, Calcasieu, Caldwell, Cameron, "
            "Catahoula, Claiborne, Concordia, De Soto, East Carroll, Evangeline, Franklin, Grant, Iberia, "
            "Jackson, Jefferson Davis, Lafayette, La Salle, Lincoln, Madison, Morehouse, Natchitoches, Ouachita, "
            "Rapides, Red River, Richland, Sabine, St. Landry, St. Martin, St. Mary, Tensas, Union, Vermilion, "
            "Vernon, Webster, West Carroll, Winn",
            division_note="The section names no divisions; the court assigns cases to its Alexandria, "
                          "Lafayette, Lake Charles, Monroe and Shreveport divisions by local rule, not yet "
                          "recorded here."),
    )),
    # 28 U.S.C. § 100 (as amended by Pub. L. 100-702 (1988)): one district in two divisions.
    ("MD", (_district(
        "mdd", "28 U.S.C. § 100",
        divisions={
            "Northern": "Allegany, Anne Arundel, Baltimore, Baltimore City, Caroline, Carroll, Cecil, Dorchester, "
                        "Frederick, Garrett, Harford, Howard, Kent, Queen Anne's, Somerset, Talbot, Washington, "
                        "Wicomico, Worcester",
            "Southern": "Calvert, Charles, Montgomery, Prince George's, St. Mary's",
        }),)),
    # 28 U.S.C. § 102: two districts, each in a Northern and a Southern Division.
    ("MI", (
        _district(
            "mied", "28 U.S.C. § 102(a)",
            divisions={
                "Southern": "Genesee, Jackson, Lapeer, Lenawee, Livingston, Macomb, Monroe, Oakland, St. Clair, "
                            "Sanilac, Shiawassee, Washtenaw, Wayne",
                "Northern": "Alcona, Alpena, Arenac, Bay, Cheboygan, Clare, Crawford, Gladwin, Gratiot, Huron, "
                            "Iosco, Isabella, Midland, Montmorency, Ogemaw, Oscoda, Otsego, Presque Isle, "
                            "Roscommon, Saginaw, Tuscola",
            }),
        _district(
            "miwd", "28 U.S.C. § 102(b)",
            divisions={
                "Southern": "Allegan, Antrim, Barry, Benzie, Berrien, Branch, Calhoun, Cass, Charlevoix, Clinton, "
                            "Eaton, Emmet, Grand Traverse, Hillsdale, Ingham, Ionia, Kalamazoo, Kalkaska, Kent, "
                            "Lake, Leelanau, Manistee, Mason, Mecosta, Missaukee, Montcalm, Muskegon, Newaygo, "
                            "Oceana, Osceola, Ottawa, St. Joseph, Van Buren, Wexford",
                "Northern": "Alger, Baraga, Chippewa, Delta, Dickinson, Gogebic, Houghton, Iron, Keweenaw, Luce, "
                            "Mackinac, Marquette, Menominee, Ontonagon, Schoolcraft",
            }),
    )),
    # 28 U.S.C. § 103: one district. Its numbered divisions are not transcribed here (D. Minn. captions
    # name none).
    ("MN", (_district("mnd", "28 U.S.C. § 103",
                      division_note="Divisions not recorded; D. Minn. captions name no division."),)),
    # 28 U.S.C. § 104: two districts, each divided by statute (§ 104(b) as rewritten in 2013).
    ("MS", (
        _district(
            "msnd", "28 U.S.C. § 104(a)",
            divisions={
                "Aberdeen": "Alcorn, Chickasaw, Choctaw, Clay, Itawamba, Lee, Lowndes, Monroe, Oktibbeha, Prentiss, "
                            "Tishomingo, Webster, Winston",
                "Oxford": "Benton, Calhoun, DeSoto, Lafayette, Marshall, Panola, Pontotoc, Quitman, Tallahatchie, "
                          "Tate, Tippah, Tunica, Union, Yalobusha",
                "Greenville": "Attala, Bolivar, Carroll, Coahoma, Grenada, Humphreys, Leflore, Montgomery, "
                              "Sunflower, Washington",
            }),
        _district(
            "mssd", "28 U.S.C. § 104(b)",
            divisions={
                "Northern": "Copiah, Hinds, Holmes, Issaquena, Kemper, Lauderdale, Leake, Madison, Neshoba, Newton, "
                            "Noxubee, Rankin, Scott, Simpson, Sharkey, Smith, Warren, Yazoo",
                "Southern": "George, Greene, Hancock, Harrison, Jackson, Pearl River, Stone",
                "Eastern": "Clarke, Covington, Forrest, Jasper, Jefferson Davis, Jones, Lamar, Lawrence, Marion, "
                           "Perry, Wayne, Walthall",
                "Western": "Adams, Amite, Claiborne, Franklin, Jefferson, Lincoln, Pike, Wilkinson",
            }),
    )),
    # 28 U.S.C. § 110: one district. "Vicinages" by local rule, not statutory divisions: D.N.J. L.Civ.R.
    # 40.1(a). Captions name no division.
    ("NJ", (_district("njd", "28 U.S.C. § 110",
                      division_note="The section names no divisions; D.N.J. assigns cases to its Camden, "
                                    "Newark and Trenton vicinages (L.Civ.R. 40.1(a)), which captions do not "
                                    "name."),)),
    # 28 U.S.C. § 111: one district, no divisions.
    ("NM", (_district("nmd", "28 U.S.C. § 111", division_note=_NO_DIVISIONS),)),
    # 28 U.S.C. § 112: four districts, none divided by statute.
    ("NY", (
        _district(
            "nynd", "28 U.S.C. § 112(a)",
            "Albany, Broome, Cayuga, Chenango, Clinton, Columbia, Cortland, Delaware, Essex, Franklin, Fulton, "
            "Greene, Hamilton, Herkimer, Jefferson, Lewis, Madison, Montgomery, Oneida, Onondaga, Oswego, "
            "Otsego, Rensselaer, St. Lawrence, Saratoga, Schenectady, Schoharie, Tioga, Tompkins, Ulster, Warren, "
            "Washington",
            division_note=_NO_DIVISIONS),
        _district(
            "nysd", "28 U.S.C. § 112(b)",
            "Bronx, Dutchess, New York, Orange, Putnam, Rockland, Sullivan, Westchester",
            division_note=_NO_DIVISIONS),
        _district("nyed", "28 U.S.C. § 112(c)", "Kings, Nassau, Queens, Richmond, Suffolk",
                  division_note=_NO_DIVISIONS),
        _district(
            "nywd", "28 U.S.C. § 112(d)",
            "Allegany, Cattaraugus, Chautauqua, Chemung, Erie, Genesee, Livingston, Monroe, Niagara, Ontario, "
            "Orleans, Schuyler, Seneca, Steuben, Wayne, Wyoming, Yates",
            division_note=_NO_DIVISIONS),
    )),
    # 28 U.S.C. § 118: three districts, none divided by statute. The Western District assigns cases to
    # its Erie, Johnstown and Pittsburgh divisions by county: W.D. Pa. LCvR 3.
    ("PA", (
        _district(
            "paed", "28 U.S.C. § 118(a)",
            "Berks, Bucks, Chester, Delaware, Lancaster, Lehigh, Montgomery, Northampton, Philadelphia",
            division_note=_NO_DIVISIONS),
        _district(
            "pamd", "28 U.S.C. § 118(b)",
            "Adams, Bradford, Cameron, Carbon, Centre, Clinton, Columbia, Cumberland, Dauphin, Franklin, Fulton, "
            "Huntingdon, Juniata, Lackawanna, Lebanon, Luzerne, Lycoming, Mifflin, Monroe, Montour, "
            "Northumberland, Perry, Pike, Potter, Schuylkill, Snyder, Sullivan, Susquehanna, Tioga, Union, "
            "Wayne, Wyoming, York",
            division_note=_NO_DIVISIONS),
        _district(
            "pawd", "28 U.S.C. § 118(c)",
            divisions={
                "Erie": "Crawford, Elk, Erie, Forest, McKean, Venango, Warren",
                "Johnstown": "Bedford, Blair, Cambria, Clearfield, Somerset",
                "Pittsburgh": "Allegheny, Armstrong, Beaver, Butler, Clarion, Fayette, Greene, Indiana, "
                              "Jefferson, Lawrence, Mercer, Washington, Westmoreland",
            },
            division_source="W.D. Pa. LCvR 3"),
    )),
    # 28 U.S.C. § 124: four districts, each divided by statute into divisions.
    ("TX", (
        _district(
            "txnd", "28 U.S.C. § 124(a)",
            divisions={
                "Dallas": "Dallas, Ellis, Hunt, Johnson, Kaufman, Navarro, Rockwall",
                "Fort Worth": "Comanche, Erath, Hood, Jack, Palo Pinto, Parker, Tarrant, Wise",
                "Abilene": "Callahan, Eastland, Fisher, Haskell, Howard, Jones, Mitchell, Nolan, Shackelford, "
                           "Stephens, Stonewall, Taylor, Throckmorton",
                "San Angelo": "Brown, Coke, Coleman, Concho, Crockett, Glasscock, Irion, Menard, Mills, Reagan, "
                              "Runnels, Schleicher, Sterling, Sutton, Tom Green",
                "Amarillo": "Armstrong, Briscoe, Carson, Castro, Childress, Collingsworth, Dallam, Deaf Smith, "
                            "Donley, Gray, Hall, Hansford, Hartley, Hemphill, Hutchinson, Lipscomb, Moore, "
                            "Ochiltree, Oldham, Parmer, Potter, Randall, Roberts, Sherman, Swisher, Wheeler",
                "Wichita Falls": "Archer, Baylor, Clay, Cottle, Foard, Hardeman, King, Knox, Montague, Wichita, "
                                 "Wilbarger, Young",
                "Lubbock": "Bailey, Borden, Cochran, Crosby, Dawson, Dickens, Floyd, Gaines, Garza, Hale, Hockley, "
                           "Kent, Lamb, Lubbock, Lynn, Motley, Scurry, Terry, Yoakum",
            }),
        _district(
            "txed", "28 U.S.C. § 124(c)",
            divisions={
                "Tyler": "Anderson, Cherokee, Gregg, Henderson, Panola, Rains, Rusk, Smith, Van Zandt, Wood",
                "Beaumont": "Hardin, Jasper, Jefferson, Liberty, Newton, Orange",
                "Sherman": "Collin, Cooke, Denton, Grayson",
                "Marshall": "Camp, Cass, Harrison, Marion, Morris, Upshur",
                "Texarkana": "Bowie, Franklin, Titus",
                "Paris": "Delta, Fannin, Hopkins, Lamar, Red River",
                "Lufkin": "Angelina, Houston, Nacogdoches, Polk, Sabine, San Augustine, Shelby, Trinity, Tyler",
            }),
        _district(
            "txsd", "28 U.S.C. § 124(b)",
            divisions={
                "Galveston": "Brazoria, Chambers, Galveston, Matagorda",
                "Houston": "Austin, Brazos, Colorado, Fayette, Fort Bend, Grimes, Harris, Madison, Montgomery, "
                           "San Jacinto, Walker, Waller, Wharton",
                "Laredo": "Jim Hogg, La Salle, McMullen, Webb, Zapata",
                "Brownsville": "Cameron, Willacy",
                "Victoria": "Calhoun, DeWitt, Goliad, Jackson, Lavaca, Refugio, Victoria",
                "Corpus Christi": "Aransas, Bee, Brooks, Duval, Jim Wells, Kenedy, Kleberg, Live Oak, Nueces, "
                                  "San Patricio",
                "McAllen": "Hidalgo, Starr",
            }),
        _district(
            "txwd", "28 U.S.C. § 124(d)",
            divisions={
                "Austin": "Bastrop, Blanco, Burleson, Burnet, Caldwell, Gillespie, Hays, Kimble, Lampasas, Lee, "
                          "Llano, Mason, McCulloch, San Saba, Travis, Washington, Williamson",
                "Waco": "Bell, Bosque, Coryell, Falls, Freestone, Hamilton, Hill, Leon, Limestone, McLennan, "
                        "Milam, Robertson, Somervell",
                "El Paso": "El Paso",
                "San Antonio": "Atascosa, Bandera, Bexar, Comal, Dimmit, Frio, Gonzales, Guadalupe, Karnes, "
                               "Kendall, Kerr, Medina, Real, Wilson",
                "Del Rio": "Edwards, Kinney, Maverick, Terrell, Uvalde, Val Verde, Zavala",
                "Pecos": "Brewster, Culberson, Hudspeth, Jeff Davis, Loving, Pecos, Presidio, Reeves, Ward, Winkler",
                "Midland-Odessa": "Andrews, Crane, Ector, Martin, Midland, Upton",
            }),
    )),
    # 28 U.S.C. § 127: two districts, each divided by statute into divisions of counties and independent
    # cities (a city inside a county's boundaries goes with that county). The Western District's divisions
    # are not yet transcribed.
    ("VA", (
        _district(
            "vaed", "28 U.S.C. § 127(a)",
            divisions={
                "Alexandria": "Arlington, Fairfax, Fauquier, Loudoun, Prince William, Stafford, Alexandria City, "
                              "Fairfax City, Falls Church City, Manassas City, Manassas Park City",
                "Newport News": "Gloucester, James City, Mathews, York, Hampton City, Newport News City, "
                                "Poquoson City, Williamsburg City",
                "Norfolk": "Accomack, Isle of Wight, Northampton, Southampton, Chesapeake City, Franklin City, "
                           "Norfolk City, Portsmouth City, Suffolk City, Virginia Beach City",
                "Richmond": "Amelia, Brunswick, Caroline, Charles City, Chesterfield, Dinwiddie, Essex, Goochland, "
                            "Greensville, Hanover, Henrico, King and Queen, King George, King William, Lancaster, "
                            "Lunenburg, Mecklenburg, Middlesex, New Kent, Northumberland, Nottoway, Powhatan, "
                            "Prince Edward, Prince George, Richmond, Spotsylvania, Surry, Sussex, Westmoreland, "
                            "Colonial Heights City, Emporia City, Fredericksburg City, Hopewell City, "
                            "Petersburg City, Richmond City",
            }),
        _district(
            "vawd", "28 U.S.C. § 127(b)",
            "Albemarle, Alleghany, Amherst, Appomattox, Augusta, Bath, Bedford, Bland, Botetourt, Buchanan, "
            "Buckingham, Campbell, Carroll, Charlotte, Clarke, Craig, Culpeper, Cumberland, Dickenson, Floyd, "
            "Fluvanna, Franklin, Frederick, Giles, Grayson, Greene, Halifax, Henry, Highland, Lee, Louisa, Madison, "
            "Montgomery, Nelson, Orange, Page, Patrick, Pittsylvania, Pulaski, Rappahannock, Roanoke, Rockbridge, "
            "Rockingham, Russell, Scott, Shenandoah, Smyth, Tazewell, Warren, Washington, Wise, Wythe, "
            "Bristol City, Buena Vista City, Charlottesville City, Covington City, Danville City, Galax City, "
            "Harrisonburg City, Lexington City, Lynchburg City, Martinsville City, Norton City, Radford City, "
            "Roanoke City, Salem City, Staunton City, Waynesboro City, Winchester City",
            division_note="The section divides the Western District into divisions; they are not yet "
                          "transcribed here."),
    )),
    # 28 U.S.C. § 128: two districts, none divided by statute (W.D. Wash. sits at Seattle and Tacoma and
    # assigns cases between them by local rule, not recorded here).
    ("WA", (
        _district(
            "waed", "28 U.S.C. § 128(a)",
            "Adams, Asotin, Benton, Chelan, Columbia, Douglas, Ferry, Franklin, Garfield, Grant, Kittitas, "
            "Klickitat, Lincoln, Okanogan, Pend Oreille, Spokane, Stevens, Walla Walla, Whitman, Yakima",
            division_note=_NO_DIVISIONS),
        _district(
            "wawd", "28 U.S.C. § 128(b)",
            "Clallam, Clark, Cowlitz, Grays Harbor, Island, Jefferson, King, Kitsap, Lewis, Mason, Pacific, "
            "Pierce, San Juan, Skagit, Skamania, Snohomish, Thurston, Wahkiakum, Whatcom",
            division_note="The section names no divisions; W.D. Wash. assigns cases to Seattle or Tacoma by "
                          "local rule, not recorded here."),
    )),
)

STATE_DATA: MappingProxyType[str, tuple[DistrictCounties, ...]] = MappingProxyType(dict(_DATA))
_BY_DISTRICT: dict[str, DistrictCounties] = {d.district: d for _, ds in _DATA for d in ds}


def district_record(court_id: str) -> DistrictCounties | None:
    """The transcribed record of a district, or None when its state is not transcribed."""
    return _BY_DISTRICT.get(court_id.strip().lower())


def district_for(state: str | None, county: str | None) -> str | None:
    """The district (PACER id) whose statutory territory includes ``county`` of ``state``.

    A state with a single district answers it whatever the county; otherwise the county must be in a
    transcribed list (None when it is not, or when either argument is missing)."""
    if not state:
        return None
    code = state.strip().upper()
    in_state = districts_in_state(code)
    if len(in_state) == 1:
        return in_state[0].court_id
    if not county:
        return None
    key = county_key(county)
    for record in STATE_DATA.get(code, ()):
        if key in record.counties:
            return record.district
    return None


def division_rule(district: str | None, county: str | None) -> DivisionRule | None:
    """The recorded division rule of ``district`` for ``county``, or None when none is recorded."""
    if not district or not county:
        return None
    record = _BY_DISTRICT.get(district.strip().lower())
    if record is None:
        return None
    key = county_key(county)
    for rule in record.divisions:
        if key in rule.counties:
            return rule
    return None


def division_for(district: str | None, county: str | None) -> str | None:
    """The division of ``district`` for a place in ``county`` ("Brownsville" for txsd/Cameron), or None
    where the district has no divisions or we have not recorded them."""
    rule = division_rule(district, county)
    return rule.division if rule is not None else None

