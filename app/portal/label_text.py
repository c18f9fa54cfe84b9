"""Family-portal wording in English and Spanish (data only; functions in labels.py).

Plain language, short sentences, no legal jargon (docs/domain/family-view.md#what-families-need-most). Each entry is
(English,
Spanish). Placeholders: ``{facility}``, ``{country}``, ``{date}``, ``{datetime}``, ``{court}``,
``{phone}``.

Spanish and gender: where a natural gender-neutral form exists it is used ("En libertad",
"Bajo custodia", "Salió de…", "Paradero desconocido", "Falleció"). Where Spanish needs a
participle, the forms docs/domain/family-view.md#what-families-need-most lists are used in the generic masculine
("Detenido por ICE
en …", "Trasladado", "Deportado a …", "Liberado bajo fianza"), which is how immigration
services and the press write them; a per-client gender option can be added later without
changing callers. Translations must be reviewed by a human before production use.

Sources and the internal confidence level are deliberately absent: docs/domain/family-view.md#visibility-by-default
keeps them
from liaisons.
"""

from __future__ import annotations

from app.custody.statuses import CustodyStatus

S = CustodyStatus

# Variant keys: "base" (no details), "facility" (liaison may see the location and we know it),
# "country" (a country is recorded), "facility_country" (both). Every status has "base".
STATUS_LABELS: dict[CustodyStatus, dict[str, tuple[str, str]]] = {
    S.NOT_DETAINED: {
        "base": ("Not detained", "En libertad"),
    },
    S.ARRESTED_UNLOCATED: {
        "base": ("Arrested — whereabouts unknown", "Arrestado — paradero desconocido"),
    },
    S.DETAINED_ICE: {
        "base": ("Detained by ICE", "Detenido por ICE"),
        "facility": ("Detained by ICE at {facility}", "Detenido por ICE en {facility}"),
    },
    S.DETAINED_OTHER_US: {
        "base": ("In U.S. government custody", "Bajo custodia del gobierno de EE. UU."),
        "facility": (
            "In U.S. government custody at {facility}",
            "Bajo custodia del gobierno de EE. UU. en {facility}",
        ),
    },
    S.HOSPITALIZED: {
        "base": ("In custody at a hospital", "Bajo custodia en un hospital"),
        "facility": ("In custody at a hospital: {facility}", "Bajo custodia en un hospital: {facility}"),
    },
    S.IN_TRANSIT: {
        "base": ("Being transferred", "Trasladado (en camino)"),
        "facility": ("Being transferred — now at {facility}", "Trasladado — ahora en {facility}"),
        "country": ("Being transferred — destination: {country}", "Trasladado — destino: {country}"),
        "facility_country": (
            "Being transferred — now at {facility}, destination: {country}",
            "Trasladado — ahora en {facility}, destino: {country}",
        ),
    },
    S.RELEASED_BOND: {
        "base": ("Released on bond", "Liberado bajo fianza"),
    },
    S.RELEASED_PAROLE: {
        "base": ("Released on parole", "Liberado con permiso de permanencia temporal (parole)"),
    },
    S.RELEASED_OSUP: {
        "base": ("Released under an order of supervision", "Liberado bajo orden de supervisión"),
    },
    S.RELEASED_ATD_OR_OR: {
        "base": (
            "Released under ICE supervision (check-ins or monitoring)",
            "Liberado bajo supervisión de ICE (citas o monitoreo)",
        ),
    },
    S.REMOVED_TO_DESIGNATED_COUNTRY: {
        "base": ("Deported from the United States", "Deportado de los Estados Unidos"),
        "country": ("Deported to {country}", "Deportado a {country}"),
    },
    S.REMOVED_TO_THIRD_COUNTRY: {
        "base": ("Deported from the United States", "Deportado de los Estados Unidos"),
        "country": ("Deported to {country}", "Deportado a {country}"),
    },
    S.HELD_BY_FOREIGN_GOVERNMENT: {
        "base": ("Held by a foreign government", "Detenido por un gobierno extranjero"),
        "country": ("Held by the government of {country}", "Detenido por el gobierno de {country}"),
    },
    S.VOLUNTARY_DEPARTURE: {
        "base": (
            "Left the United States (voluntary departure)",
            "Salió de los Estados Unidos (salida voluntaria)",
        ),
        "country": (
            "Left the United States for {country} (voluntary departure)",
            "Salió de los Estados Unidos hacia {country} (salida voluntaria)",
        ),
    },
    S.RETURNED_TO_US: {
        "base": ("Returned to the United States", "Regresó a los Estados Unidos"),
        "facility": (
            "Returned to the United States — now at {facility}",
            "Regresó a los Estados Unidos — ahora en {facility}",
        ),
    },
    S.UNKNOWN: {
        "base": ("Whereabouts unknown", "Paradero desconocido"),
    },
    # Shown only after the legal team has spoken with the family (the event's family_visible
    # flag is the attorney's decision); the label points to people, not to more text.
    S.DECEASED: {
        "base": (
            "We are very sorry. Please contact the legal team.",
            "Lo sentimos mucho. Por favor, comuníquese con el equipo legal.",
        ),
    },
}

del S

# Other fixed strings of the portal view.
STRINGS: dict[str, tuple[str, str]] = {
    # How sure the legal team is of the shown status (the event's confidence in plain words; never its source).
    "certainty_confirmed": ("Confirmed by the legal team or an official source",
                            "Confirmado por el equipo legal o una fuente oficial"),
    "certainty_reported": ("Reported to the legal team, not yet confirmed",
                           "Informado al equipo legal, todavía sin confirmar"),
    "certainty_inferred": ("The legal team's best estimate", "La mejor estimación del equipo legal"),
    "case_status": ("Case status", "Estado del caso"),
    "current_status": ("Current status", "Situación actual"),
    "since": ("Since {date}", "Desde el {date}"),
    "last_confirmed": ("Last confirmed", "Última confirmación"),
    "last_confirmed_at": ("Last confirmed: {datetime}", "Última confirmación: {datetime}"),
    "updated_at": ("Updated: {datetime}", "Actualizado: {datetime}"),
    "location": ("Location", "Ubicación"),
    "location_not_shared": (
        "The legal team can tell you where your family member is.",
        "El equipo legal le puede decir dónde se encuentra su familiar.",
    ),
    "whereabouts_unknown_help": (
        "We do not know right now where your family member is. We are working to find out "
        "and will update this page.",
        "En este momento no sabemos dónde se encuentra su familiar. Estamos trabajando para "
        "averiguarlo y actualizaremos esta página.",
    ),
    "next_hearing": ("Next hearing", "Próxima audiencia"),
    "next_hearing_at": ("Next hearing: {datetime}", "Próxima audiencia: {datetime}"),
    "hearing_court": ("Court: {court}", "Tribunal: {court}"),
    "no_hearing_scheduled": ("No hearing scheduled", "No hay audiencia programada"),
    "next_deadline": ("Next filing date", "Próxima fecha límite"),
    "filing_due": ("A filing is due on {date}", "Hay un escrito con fecha límite el {date}"),
    "no_deadlines": ("No upcoming filing dates", "No hay fechas límite próximas"),
    "a_number": ("A-number", "Número A"),
    "country_of_birth": ("Country of birth", "País de nacimiento"),
    "legal_team": ("Legal team", "Equipo legal"),
    "contact_legal_team": ("Contact the legal team", "Comuníquese con el equipo legal"),
    "office_hours": ("Office hours", "Horario de oficina"),
    "emergency_line": ("Emergency line: {phone}", "Línea de emergencia: {phone}"),
    "what_we_need": ("What we need from you", "Lo que necesitamos de ustedes"),
    "task_due": ("Please send by {date}", "Por favor, envíelo antes del {date}"),
    # docs/domain/family-view.md#what-families-need-most item 3: EOIR's automated line takes the 9-digit A-number; press
    # 2 for Spanish.
    "eoir_hotline": (
        "Immigration court information line: 1-800-898-7180 (have the 9-digit A-number ready)",
        "Línea de información de la corte de inmigración: 1-800-898-7180 (marque 2 para español; "
        "tenga a mano el número A de 9 dígitos)",
    ),
    # docs/domain/custody.md#custody-is-an-append-only-history: the ICE locator needs the A-number or exact name, plus
    # the country of birth.
    "ice_locator_help": (
        "To search the ICE Online Detainee Locator you need the 9-digit A-number (or the exact "
        "name) and the country of birth. Transfers can take several hours to appear.",
        "Para buscar en el localizador de detenidos de ICE necesita el número A de 9 dígitos (o el "
        "nombre exacto) y el país de nacimiento. Los traslados pueden tardar varias horas en aparecer.",
    ),
    "anti_fraud": (
        "Only the legal team gives legal advice about this case. Do not pay anyone who promises "
        "to get your family member released.",
        "Solo el equipo legal da consejos legales sobre este caso. No le pague a nadie que prometa "
        "conseguir la liberación de su familiar.",
    ),
    "not_privileged": (
        "Messages on this page are not confidential attorney-client communications.",
        "Los mensajes de esta página no son comunicaciones confidenciales entre abogado y cliente.",
    ),
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio",
        "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
}  # fmt: skip

# Spanish names of U.S. time zones, keyed by IANA zone (the courts' and facilities' zones).
ES_ZONE_NAMES: dict[str, str] = {
    "America/New_York": "hora del Este",
    "America/Detroit": "hora del Este",
    "America/Kentucky/Louisville": "hora del Este",
    "America/Indiana/Indianapolis": "hora del Este",
    "America/Chicago": "hora del Centro",
    "America/Denver": "hora de la Montaña",
    "America/Boise": "hora de la Montaña",
    "America/Phoenix": "hora de Arizona",
    "America/Los_Angeles": "hora del Pacífico",
    "America/Anchorage": "hora de Alaska",
    "Pacific/Honolulu": "hora de Hawái",
    "America/Puerto_Rico": "hora de Puerto Rico",
    "America/St_Thomas": "hora de las Islas Vírgenes",
    "Pacific/Guam": "hora de Guam",
    "Pacific/Saipan": "hora de las Islas Marianas del Norte",
}
