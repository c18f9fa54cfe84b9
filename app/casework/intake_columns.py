"""The columns of the client intake CSV: their limits, which are required, the names spreadsheets already use
for them, and the template's example row (docs/clients_csv.md describes each)."""

from __future__ import annotations

MAX_ROWS = 10_000

# column -> max length of the raw cell
COLUMNS: dict[str, int] = {
    "a_number": 40,
    "given_names": 200,
    "first_surname": 200,
    "second_surname": 200,
    "name_on_charging_document": 400,
    "aliases": 2000,
    "date_of_birth": 20,
    "sex": 40,
    "country_of_birth": 60,
    "citizenships": 400,
    "stateless": 10,
    "languages": 200,
    "interpreter_needed": 10,
    "interpreter_language": 80,
    "last_known_address": 500,
    "sensitive_flags": 300,
    "notes": 20000,
    "group": 200,
    "custody_status": 40,
    "custody_effective_at": 40,
    "facility_external_id": 80,
    "facility_name": 300,
    "custody_location": 500,
    "custody_country": 60,
    "source_type": 40,
    "confidence": 20,
    "family_visible": 10,
    "custody_notes": 5000,
}
REQUIRED_COLUMNS: tuple[str, ...] = ("given_names", "first_surname")
# The template's example row (fictional person; the A-number is in the range used for examples).
TEMPLATE_EXAMPLE: dict[str, str] = {
    "a_number": "A-000-000-001", "given_names": "Ana María", "first_surname": "Ejemplo", "second_surname": "Prueba",
    "date_of_birth": "03/15/1990", "country_of_birth": "El Salvador", "citizenships": "SV", "languages": "spa",
    "interpreter_needed": "yes", "custody_status": "detained_ice", "custody_effective_at": "11/20/2026 08:00",
    "custody_location": "Stewart Detention Center, Lumpkin, GA", "source_type": "ice_locator",
    "confidence": "confirmed",
}
CUSTODY_COLUMNS: tuple[str, ...] = (
    "custody_effective_at", "facility_external_id", "facility_name", "custody_location", "custody_country",
    "source_type", "confidence", "family_visible", "custody_notes",
)
MULTILINE = frozenset({"notes", "custody_notes", "last_known_address"})


# What spreadsheets people already keep call these columns (after lower-casing, spaces and hyphens to "_").
HEADER_ALIASES: dict[str, str] = {
    "first_name": "given_names", "first_names": "given_names", "given_name": "given_names", "nombre": "given_names",
    "nombres": "given_names", "last_name": "first_surname", "surname": "first_surname",
    "family_name": "first_surname", "apellido": "first_surname", "primer_apellido": "first_surname",
    "second_last_name": "second_surname", "segundo_apellido": "second_surname", "dob": "date_of_birth",
    "birth_date": "date_of_birth", "birthdate": "date_of_birth", "date_of_birth_(mm/dd/yyyy)": "date_of_birth",
    "fecha_de_nacimiento": "date_of_birth", "a#": "a_number", "a_#": "a_number", "anumber": "a_number",
    "alien_number": "a_number", "a_no": "a_number", "a_no.": "a_number", "country_of_origin": "country_of_birth",
    "birth_country": "country_of_birth", "pais_de_nacimiento": "country_of_birth", "nationality": "citizenships",
    "citizenship": "citizenships", "language": "languages", "idioma": "languages", "status": "custody_status",
    "facility": "facility_name", "detention_center": "facility_name", "as_of": "custody_effective_at",
}
