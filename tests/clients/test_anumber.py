"""A-number normalisation (docs/domain/clients.md#the-person, docs/security-model.md#input-validation)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.clients.anumber import (
    ANumberResult,
    InvalidANumber,
    display_a_number,
    looks_like_a_number,
    mask_a_number,
    normalize_a_number,
)


@pytest.mark.parametrize(
    "raw",
    [
        "A123456789",
        "A-123-456-789",
        "a 123 456 789",
        "123.456.789",
        "123-456-789",
        "123456789",
        "  A123456789  ",
        "A# 123 456 789",
        "A 123\u00a0456\u00a0789",  # no-break spaces from a copied PDF
        "A\u2013123\u2013456\u2013789",  # en dashes from a word processor
        "\uff21\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",  # full-width "A123456789"
    ],
)
def test_nine_digit_formats(raw: str) -> None:
    assert normalize_a_number(raw) == ANumberResult(value="123456789", needs_review=False)


@pytest.mark.parametrize("raw", ["A12345678", "a-12-345-678", "12345678", "A 12.345.678"])
def test_eight_digits_get_leading_zero(raw: str) -> None:
    assert normalize_a_number(raw) == ANumberResult(value="012345678", needs_review=False)


def test_nine_digits_with_leading_zero_kept() -> None:
    assert normalize_a_number("A012345678").value == "012345678"


@pytest.mark.parametrize("raw", ["A1234567", "1234567", "a 1-234-567"])
def test_seven_digits_padded_and_flagged(raw: str) -> None:
    assert normalize_a_number(raw) == ANumberResult(value="001234567", needs_review=True)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("- . -", "empty"),
        ("A", "too_few_digits"),
        ("A12345", "too_few_digits"),
        ("123456", "too_few_digits"),
        ("A1234567890", "too_many_digits"),
        ("1234567890", "too_many_digits"),
        ("A 0123 456 789", "too_many_digits"),
        ("A000000000", "all_zeros"),
        ("00000000", "all_zeros"),
        ("0000000", "all_zeros"),
        ("B123456789", "invalid_characters"),
        ("A12345678X", "invalid_characters"),
        ("AA123456789", "invalid_characters"),
        ("12345678A", "invalid_characters"),
        ("A12_345_678", "invalid_characters"),
        ("A123456789\x00", "invalid_characters"),
        ("١٢٣٤٥٦٧٨٩", "invalid_characters"),  # Arabic-Indic digits are not accepted silently
        ("IOE0912345678", "receipt_number"),
        ("EAC2190012345", "receipt_number"),
        ("MSC2190012345", "receipt_number"),
        ("SRC2190012345", "receipt_number"),
        ("WAC2190012345", "receipt_number"),
        ("LIN2190012345", "receipt_number"),
        ("NBC2190012345", "receipt_number"),
        ("YSC2190012345", "receipt_number"),
        ("eac-21-900-12345", "receipt_number"),
        ("XYZ1234567890", "receipt_number"),  # unknown prefix, but receipt-shaped
        ("EAC123456789", "receipt_number"),  # known prefix, wrong length: still not an A-number
        ("A" * 41, "too_long"),
    ],
)
def test_rejections(raw: str, reason: str) -> None:
    with pytest.raises(InvalidANumber) as exc:
        normalize_a_number(raw)
    assert exc.value.reason == reason
    assert str(exc.value)  # human message present


def test_invalid_a_number_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalize_a_number("nope")


def test_display_and_mask() -> None:
    assert display_a_number("012345678") == "A-012-345-678"
    assert display_a_number("012345678", "eoir") == "A 012 345 678"
    assert display_a_number("012345678", "bare") == "012345678"
    assert display_a_number("A12345678") == "A-012-345-678"  # raw input is normalised first
    assert mask_a_number("012345678") == "A-***-***-678"
    assert mask_a_number("A-123-456-789") == "A-***-***-789"
    with pytest.raises(InvalidANumber):
        display_a_number("000000000")
    with pytest.raises(InvalidANumber):
        mask_a_number("12")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("A123456789", "123456789"),
        ("a-123-456-789", "123456789"),
        ("12345678", "012345678"),
        ("A1234567", "001234567"),
        ("1234567", None),  # bare 7 digits: too ambiguous for a search box
        ("garcia", None),
        ("Abrego Garcia", None),
        ("", None),
        ("EAC2190012345", None),
        ("12345", None),
    ],
)
def test_looks_like_a_number(q: str, expected: str | None) -> None:
    assert looks_like_a_number(q) == expected


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: set(s) != {"0"})
separator = st.sampled_from(["", " ", "-", ".", "  ", " - "])


@given(nine_digits)
def test_display_round_trip(d: str) -> None:
    assert normalize_a_number(display_a_number(d)).value == d
    assert normalize_a_number(display_a_number(d, "eoir")).value == d
    assert normalize_a_number(display_a_number(d, "bare")).value == d
    assert mask_a_number(d).endswith(d[-3:])
    assert d[:6] not in mask_a_number(d)


@given(nine_digits, separator, separator, st.sampled_from(["", "A", "a", "A-", "A ", "A#"]))
def test_separators_do_not_matter(d: str, s1: str, s2: str, prefix: str) -> None:
    raw = f"{prefix}{d[:3]}{s1}{d[3:6]}{s2}{d[6:]}"
    result = normalize_a_number(raw)
    assert result.value == d
    assert not result.needs_review
    assert looks_like_a_number(raw) == d


@given(st.integers(min_value=1, max_value=99_999_999))
def test_eight_or_fewer_digits_pad_to_nine(n: int) -> None:
    digits = str(n)
    if len(digits) < 7:
        digits = digits.zfill(7)
    result = normalize_a_number("A" + digits)
    assert result.value == digits.zfill(9)
    assert int(result.value) == n
    assert result.needs_review == (len(digits) == 7)


@given(nine_digits)
def test_normalisation_is_idempotent(d: str) -> None:
    once = normalize_a_number(d).value
    assert normalize_a_number(once).value == once


@settings(max_examples=300)
@given(st.text(max_size=50))
def test_total_on_arbitrary_text(raw: str) -> None:
    """Never raises anything but InvalidANumber; any accepted value is 9 ASCII digits."""
    try:
        result = normalize_a_number(raw)
    except InvalidANumber as exc:
        assert exc.reason
        assert looks_like_a_number(raw) is None
        return
    assert len(result.value) == 9 and result.value.isascii() and result.value.isdigit()
    assert result.value != "000000000"
