import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from openphb.core.identifiers import (
    format_nhs_number,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_ods_code,
    normalise_postcode,
    validate_snomed_code,
)


def test_it_accepts_a_valid_nhs_number_with_spaces_and_hyphens():
    assert normalise_nhs_number(" 943 476-5919 ") == "9434765919"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("943476591X", "not_digits"),
        ("94347659", "length"),
        ("94347659199", "length"),
        ("9434765918", "check_digit"),
    ],
)
def test_it_says_what_is_wrong_with_a_bad_nhs_number(raw, code):
    with pytest.raises(ValidationError) as caught:
        normalise_nhs_number(raw)
    assert caught.value.code == code


def test_it_refuses_nine_digits_whose_check_digit_would_be_ten():
    stem = next(f"999{i:06d}" for i in range(1000) if nhs_number_check_digit(f"999{i:06d}") is None)
    for last in "0123456789":
        with pytest.raises(ValidationError):
            normalise_nhs_number(stem + last)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_number_built_with_its_check_digit_validates_and_no_other_digit_does(stem):
    check = nhs_number_check_digit(stem)
    for last in range(10):
        if last == check:
            assert normalise_nhs_number(f"{stem}{last}") == f"{stem}{last}"
        else:
            with pytest.raises(ValidationError):
                normalise_nhs_number(f"{stem}{last}")


def test_it_formats_an_nhs_number_three_three_four():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("rm13ab", "RM1 3AB"),
        ("  SW1A 1aa ", "SW1A 1AA"),
        ("ng7 2uh", "NG7 2UH"),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_it_normalises_postcodes(raw, expected):
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize("raw", ["", "RM1", "12345", "RM1 3AC", "QQ1 1AA1"])
def test_it_refuses_things_that_are_not_postcodes(raw):
    with pytest.raises(ValidationError):
        normalise_postcode(raw)


def test_it_accepts_real_snomed_codes_and_refuses_a_typo():
    assert validate_snomed_code("13645005") == "13645005"
    with pytest.raises(ValidationError) as caught:
        validate_snomed_code("13645006")
    assert caught.value.code == "check_digit"


def test_it_normalises_ods_codes_and_refuses_punctuation():
    assert normalise_ods_code(" qmf ") == "QMF"
    with pytest.raises(ValidationError):
        normalise_ods_code("Q-M")
