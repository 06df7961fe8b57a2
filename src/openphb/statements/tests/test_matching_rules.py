"""The rule money out falls under: the most specific wins (payee, then merchant, then code)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openphb.statements.rules import Rule, choose, fits, mcc_range

GYM = Rule(id=1, field="mcc", pattern="7997", category="activities")
HEALTH = Rule(id=2, field="mcc", pattern="8000-8099", category="therapy")
DOCTORS = Rule(id=3, field="mcc", pattern="8011-8049", category="therapy")
BOOTS = Rule(id=4, field="merchant", pattern="Boots", category="equipment")
BOOTS_OPTICIANS = Rule(id=5, field="merchant", pattern="boots opticians", category="therapy")
JO = Rule(id=6, field="counterparty", pattern="Jo Smith", category="personal_care")
RULES = [GYM, HEALTH, DOCTORS, BOOTS, BOOTS_OPTICIANS, JO]


def test_a_payee_rule_beats_a_merchant_rule_which_beats_a_code_rule():
    assert choose(RULES, counterparty="MS JO SMITH", merchant="BOOTS", mcc="7997") == JO
    assert choose(RULES, counterparty="", merchant="BOOTS 1123", mcc="7997") == BOOTS
    assert choose(RULES, counterparty="", merchant="PUREGYM", mcc="7997") == GYM


def test_a_longer_name_and_a_narrower_range_are_more_specific():
    assert choose(RULES, counterparty="", merchant="BOOTS OPTICIANS LTD", mcc="") == (
        BOOTS_OPTICIANS
    )
    assert choose(RULES, counterparty="", merchant="", mcc="8031") == DOCTORS
    assert choose(RULES, counterparty="", merchant="", mcc="8099") == HEALTH


def test_nothing_fits_gives_none():
    assert choose(RULES, counterparty="Tesco", merchant="TESCO", mcc="5411") is None
    assert choose([], counterparty="Jo Smith", merchant="", mcc="") is None


def test_between_equally_specific_rules_the_older_wins():
    newer = Rule(id=9, field="merchant", pattern="BOOTS", category="activities")
    assert choose([newer, BOOTS], counterparty="", merchant="boots", mcc="") == BOOTS


def test_a_code_range_is_read_and_a_bad_one_refused():
    assert mcc_range("8041-8049") == (8041, 8049)
    assert mcc_range("5912") == (5912, 5912)
    with pytest.raises(ValueError, match="higher code to a lower"):
        mcc_range("8049-8041")
    with pytest.raises(ValueError, match="not a merchant category code"):
        mcc_range("80")


@given(st.integers(0, 9999), st.integers(0, 9999), st.integers(0, 9999))
def test_a_code_fits_a_range_exactly_when_it_lies_within_it(low, high, code):
    low, high = min(low, high), max(low, high)
    rule = Rule(id=1, field="mcc", pattern=f"{low:04d}-{high:04d}", category="activities")
    assert fits(rule, f"{code:04d}") == (low <= code <= high)


@given(st.text(min_size=1, max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_a_name_rule_fits_any_name_containing_its_pattern_in_any_capitals(pattern, before, after):
    rule = Rule(id=1, field="merchant", pattern=pattern, category="activities")
    assert fits(rule, f"{before}{pattern.upper()}{after}".casefold()) or not pattern.casefold()
