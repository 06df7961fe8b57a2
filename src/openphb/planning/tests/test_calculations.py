"""The pure calculations: the indicative budget, item costs, differences and review dates."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openphb.planning import calculations
from openphb.planning.calculations import Adjustment, Scheme, indicative_budget

DOMAINS = calculations.default_domains()
LEVEL_CODES = [code for code, _, _ in calculations.DEFAULT_LEVELS]


def scheme(**overrides) -> Scheme:
    values = dict(
        domains=DOMAINS,
        pence_per_point=50_000,
        adjustments=(Adjustment("carer", "An unpaid carer gives support", "unpaid_carer", -1_000),),
        floor=100_000,
        cap=5_000_000,
        rounding_unit=1_000,
        rounding="nearest",
    )
    values.update(overrides)
    return Scheme(**values)


def all_at(level: str, **others: str) -> dict[str, str]:
    return {code: others.get(code, level) for code, _ in calculations.DEFAULT_DOMAINS}


def test_the_default_domains_are_the_twelve_of_the_decision_support_tool():
    assert len(DOMAINS) == 12
    assert [d.label for d in DOMAINS][:3] == ["Breathing", "Nutrition", "Continence"]
    assert LEVEL_CODES == ["none", "low", "moderate", "high", "severe", "priority"]


def test_it_explains_each_step_in_plain_english():
    result = indicative_budget(
        scheme(),
        all_at("none", mobility="high", cognition="moderate"),
        frozenset({"unpaid_carer"}),
    )
    assert result.points == 9
    assert result.amount == 405_000
    assert result.explanation == (
        "Mobility: high needs, 6 points.",
        "Cognition: moderate needs, 3 points.",
        "9 points at £500.00 a point come to £4,500.00 a year.",
        "An unpaid carer gives support: takes off 10%, £450.00.",
        "£4,050.00 rounded to the nearest £10.00 is £4,050.00.",
        "Indicative budget: £4,050.00 a year.",
    )


def test_it_raises_the_amount_to_the_floor_and_says_so():
    result = indicative_budget(scheme(), all_at("none"))
    assert result.amount == 100_000
    assert "No domain has needs that score points." in result.explanation
    assert any("floor is £1,000.00" in line for line in result.explanation)


def test_it_limits_the_amount_to_the_cap_and_says_so():
    result = indicative_budget(scheme(), all_at("priority"))
    assert result.points == 180
    assert result.amount == 5_000_000
    assert any("cap is £50,000.00" in line for line in result.explanation)


def test_a_missing_level_is_an_error_naming_the_domain():
    levels = all_at("none")
    del levels["skin"]
    with pytest.raises(ValueError, match="Skin integrity"):
        indicative_budget(scheme(), levels)


@pytest.mark.parametrize(
    ("how", "expected"), [("nearest", 124_000), ("down", 123_000), ("up", 124_000)]
)
def test_rounding_is_the_one_the_scheme_states(how, expected):
    assert calculations.round_to(123_500, 1_000, how) == expected


@given(
    levels=st.fixed_dictionaries(
        {code: st.sampled_from(LEVEL_CODES) for code, _ in calculations.DEFAULT_DOMAINS}
    ),
    carer=st.booleans(),
    pence_per_point=st.integers(min_value=1, max_value=500_000),
    unit=st.sampled_from([1, 100, 1_000, 10_000]),
    how=st.sampled_from(["nearest", "down", "up"]),
)
def test_the_amount_is_whole_pence_within_floor_and_cap(levels, carer, pence_per_point, unit, how):
    chosen = scheme(pence_per_point=pence_per_point, rounding_unit=unit, rounding=how)
    result = indicative_budget(chosen, levels, frozenset({"unpaid_carer"} if carer else set()))
    assert isinstance(result.amount, int)
    assert chosen.floor <= result.amount <= chosen.cap
    assert result.explanation[-1].startswith("Indicative budget: £")


@given(
    levels=st.fixed_dictionaries(
        {code: st.sampled_from(LEVEL_CODES) for code, _ in calculations.DEFAULT_DOMAINS}
    ),
    domain=st.sampled_from([code for code, _ in calculations.DEFAULT_DOMAINS]),
)
def test_more_need_never_gives_less_money(levels, domain):
    chosen = scheme(cap=None)
    before = indicative_budget(chosen, levels)
    higher = LEVEL_CODES[min(LEVEL_CODES.index(levels[domain]) + 1, len(LEVEL_CODES) - 1)]
    after = indicative_budget(chosen, {**levels, domain: higher})
    assert after.amount >= before.amount


@given(amount=st.integers(-(10**12), 10**12), basis_points=st.integers(-10_000, 10_000))
def test_a_share_is_within_half_a_penny_of_the_exact_fraction(amount, basis_points):
    exact_times_10000 = amount * basis_points
    assert abs(calculations.share(amount, basis_points) * 10_000 - exact_times_10000) <= 5_000


def test_an_item_costs_quantity_times_frequency_times_price():
    assert calculations.annual_cost(quantity=10, frequency="weekly", unit_price=1_600) == 832_000
    assert calculations.annual_cost(quantity=1, frequency="once", unit_price=1_200_000) == 1_200_000


def test_a_regular_item_over_part_of_a_year_costs_its_share_of_365_days():
    start = datetime.date(2026, 4, 1)
    full = calculations.period_cost(
        quantity=1,
        frequency="monthly",
        unit_price=36_500,
        starts_on=start,
        ends_on=datetime.date(2027, 3, 31),
    )
    half = calculations.period_cost(
        quantity=1,
        frequency="monthly",
        unit_price=36_500,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=99),
    )
    once = calculations.period_cost(
        quantity=1, frequency="once", unit_price=90_000, starts_on=start, ends_on=start
    )
    assert full == 438_000
    assert half == 120_000
    assert once == 90_000


def test_a_leap_year_period_costs_exactly_a_year():
    assert (
        calculations.period_cost(
            quantity=1,
            frequency="weekly",
            unit_price=100,
            starts_on=datetime.date(2028, 1, 1),
            ends_on=datetime.date(2028, 12, 31),
        )
        == 5_200
    )


@pytest.mark.parametrize(
    ("total", "indicative", "needed"),
    [(110_000, 100_000, False), (110_001, 100_000, True), (90_000, 100_000, False), (0, 0, False)],
)
def test_a_justification_is_needed_beyond_the_tolerance(total, indicative, needed):
    assert (
        calculations.needs_justification(
            total=total, indicative=indicative, tolerance_basis_points=1_000
        )
        is needed
    )


def test_the_difference_is_said_in_pounds_and_percent():
    assert calculations.difference_text(total=1_434_000, indicative=700_000) == (
        "The plan costs £7,340.00 (104.9%) more than the indicative budget."
    )
    assert calculations.difference_text(total=700_000, indicative=700_000) == (
        "The plan costs exactly the indicative budget."
    )


def test_the_first_review_is_three_months_after_the_start_or_the_first_payment():
    assert calculations.first_review_due(starts_on=datetime.date(2026, 11, 30)) == datetime.date(
        2027, 2, 28
    )
    assert calculations.first_review_due(
        starts_on=datetime.date(2026, 4, 1), first_payment_on=datetime.date(2026, 3, 20)
    ) == datetime.date(2026, 6, 20)


def test_later_reviews_are_twelve_months_after_the_last():
    assert calculations.next_review_due(reviewed_on=datetime.date(2028, 2, 29)) == datetime.date(
        2029, 2, 28
    )


@given(
    amount=st.integers(0, 10**9),
    whole=st.integers(1, 366),
    part=st.integers(-5, 400),
)
def test_a_prorated_amount_never_exceeds_the_whole(amount, whole, part):
    assert 0 <= calculations.prorated(amount, part_days=part, whole_days=whole) <= amount
