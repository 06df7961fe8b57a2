"""Amounts typed in pounds and pence become whole pence, never through a float."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from openphb.ledger.services import format_pence
from openphb.web.money_forms import MAX_PENCE, parse_pence

pence = st.integers(min_value=1, max_value=MAX_PENCE)


@given(pence)
def test_what_the_pages_show_reads_back_as_the_same_pence(amount):
    assert parse_pence(format_pence(amount)) == amount


@given(pence)
def test_plain_pounds_and_pence_read_back_exactly(amount):
    pounds, pennies = divmod(amount, 100)
    assert parse_pence(f"{pounds}.{pennies:02d}") == amount


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("125.50", 12_550), ("£1,250", 125_000), ("0.5", 50), (" 7 ", 700), ("0.01", 1)],
)
def test_it_reads_what_people_type(typed, expected):
    assert parse_pence(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345", "nearest penny"),
        ("-5", "more than £0"),
        ("0", "more than £0"),
        ("ten pounds", "pounds and pence"),
        ("1,25.00", "pounds and pence"),
        ("1e3", "pounds and pence"),
        ("2000000000", "£1,000,000,000 or less"),
    ],
)
def test_it_refuses_what_is_not_an_amount_with_a_message(typed, message):
    with pytest.raises(ValidationError, match=message):
        parse_pence(typed)
