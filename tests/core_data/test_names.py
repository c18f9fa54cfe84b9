"""Name hygiene and search folding (names.py; docs/security-model.md#input-validation)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core_data.names import InvalidName, fold_for_search, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  José  Luis ", "José Luis"),
        ("Abrego\u00a0García", "Abrego García"),  # NBSP collapses to a space
        ("Ma\u3000Li", "Ma Li"),  # ideographic space
        ("Garci\u0301a", "García"),  # NFD input stored NFC
        ("O'Brien-Núñez", "O'Brien-Núñez"),
        ("محمد عبد الله", "محمد عبد الله"),
        ("王小明", "王小明"),
        ("ሰላም ተስፋዬ", "ሰላም ተስፋዬ"),  # Ge'ez (Tigrinya/Amharic)
        ("{{7*7}}", "{{7*7}}"),  # template syntax is just text here; escaping is the renderer's job
    ],
)
def test_normalize_name_accepts(raw: str, expected: str) -> None:
    result = normalize_name(raw)
    assert result == expected
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Ana\x00", "name_control_character"),
        ("Ana\tMaría", "name_control_character"),
        ("Ana\nMaría", "name_control_character"),
        ("Ana\rMaría", "name_control_character"),
        ("Ana\x1b[31m", "name_control_character"),
        ("Ana\x7f", "name_control_character"),
        ("Ana\x85", "name_control_character"),
        ("Ana\u202eairaM", "name_bidi_control"),
        ("\u202aAna", "name_bidi_control"),
        ("\u202dAna", "name_bidi_control"),
        ("Ana\u2066x\u2069", "name_bidi_control"),
        ("Ana\u2067", "name_bidi_control"),
        ("Ana\u2068", "name_bidi_control"),
        ("Ana\u200e", "name_bidi_control"),
        ("Ana\u200f", "name_bidi_control"),
        ("Ga\u200brcia", "name_invisible_character"),
        ("Ga\u200crcia", "name_invisible_character"),
        ("Ga\u200drcia", "name_invisible_character"),
        ("\ufeffGarcia", "name_invisible_character"),
        ("Gar\u00adcia", "name_invisible_character"),
        ("Gar\u2060cia", "name_invisible_character"),
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("\u00a0", "name_empty"),
    ],
)
def test_normalize_name_rejects(raw: str, code: str) -> None:
    with pytest.raises(InvalidName) as exc:
        normalize_name(raw)
    assert exc.value.code == code
    assert isinstance(exc.value, ValueError)


def test_normalize_name_options() -> None:
    assert normalize_name("  ", allow_empty=True) == ""
    assert normalize_name("Ana", max_length=3) == "Ana"
    with pytest.raises(InvalidName) as exc:
        normalize_name("Anabel", max_length=3)
    assert exc.value.code == "name_too_long"
    with pytest.raises(InvalidName) as exc:
        normalize_name(None)  # type: ignore[arg-type]
    assert exc.value.code == "name_not_text"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("García", "garcia"),
        ("Ábrego", "abrego"),
        ("NÚÑEZ", "nunez"),
        ("Garci\u0301a", "GARCÍA"),  # NFD vs NFC
        ("Müller", "muller"),
        ("François", "francois"),
        ("Łukasz", "lukasz"),
        ("Straße", "STRASSE"),
        ("Nguyễn", "nguyen"),
        ("O\u2019Brien", "o'brien"),
        ("  Abrego   García ", "abrego garcia"),
        ("ＧＡＲＣＩＡ", "garcia"),  # full-width
        ("Garcia\u200b", "garcia"),  # invisible characters do not defeat search
    ],
)
def test_fold_matches(a: str, b: str) -> None:
    assert fold_for_search(a) == fold_for_search(b)


@pytest.mark.parametrize("text", ["محمد", "王小明", "김민준", "ሰላም", "राम कुमार", "Иван"])
def test_other_scripts_pass_through(text: str) -> None:
    assert fold_for_search(text) == unicodedata.normalize("NFC", text).casefold()


def test_arabic_and_chinese_unchanged() -> None:
    assert fold_for_search("محمد عبد الله") == "محمد عبد الله"
    assert fold_for_search("王小明") == "王小明"
    assert fold_for_search("Йосиф") == "иосиф"  # Cyrillic short i loses its breve like Latin accents


def test_fold_keeps_distinct_names_distinct() -> None:
    assert fold_for_search("Peña") == fold_for_search("Pena")  # search is deliberately lenient
    assert fold_for_search("Garcia") != fold_for_search("Gracia")


@given(st.text(max_size=40))
def test_fold_is_total_and_idempotent(s: str) -> None:
    once = fold_for_search(s)
    assert fold_for_search(once) == once


@given(st.text(max_size=40))
def test_normalize_is_idempotent_when_accepted(s: str) -> None:
    try:
        once = normalize_name(s)
    except InvalidName:
        return
    assert normalize_name(once) == once
    assert once == once.strip() and "  " not in once
