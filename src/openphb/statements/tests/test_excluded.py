"""The merchant categories a budget can never pay for: one list, read by the statement and by
monitoring."""

from openphb.monitoring import rules
from openphb.statements.excluded import EXCLUDED_MCCS, excluded


def test_betting_lotteries_racing_alcohol_and_tobacco_are_excluded_with_plain_names():
    assert sorted(EXCLUDED_MCCS) == ["5921", "5993", "7800", "7801", "7802", "7995"]
    assert excluded("7995") == "betting and gambling"
    assert excluded(" 5993 ") == "a tobacco shop"


def test_anything_else_is_not_excluded():
    assert excluded("5411") == ""
    assert excluded("") == ""
    assert excluded("6011") == ""  # cash is flagged by its own check, not as excluded


def test_monitoring_flags_the_same_categories_the_statement_explains():
    assert rules.EXCLUDED_MCCS is EXCLUDED_MCCS
