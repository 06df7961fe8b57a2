"""The pure eligibility rule: facts in, a decision and every reason out."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openphb.programmes.rules import Facts, Rules, age_on, evaluate, explain

ON = datetime.date(2026, 11, 1)
COPD = {"13645005": "COPD", "44054006": "Type 2 diabetes"}


def rules(**changes):
    values = dict(
        codes=COPD,
        min_age=18,
        max_age=None,
        settings=frozenset(),
        exclusions=frozenset({"drug_rehab"}),
        ways=frozenset({"notional", "direct_payment"}),
    )
    values.update(changes)
    return Rules(**values)


def facts(**changes):
    values = dict(
        date_of_birth=datetime.date(1959, 5, 1),
        date_of_death=None,
        codes=frozenset({"13645005"}),
        setting="home",
        restriction=None,
    )
    values.update(changes)
    return Facts(**values)


def test_an_adult_with_copd_is_eligible_and_the_explanation_says_why():
    outcome = evaluate(rules(), facts(), ON)
    assert outcome.eligible
    assert outcome.age == 67
    assert outcome.condition_code == "13645005"
    text = explain(
        eligible=True,
        age=67,
        condition_code="13645005",
        setting="home",
        reasons=outcome.reasons,
        codes=COPD,
        site_name="NHS North East London ICB",
        setting_rule=False,
    )
    assert text == (
        "Eligible: COPD (SNOMED 13645005), age 67, registered with a site of this programme "
        "(NHS North East London ICB)."
    )


def test_every_failed_test_is_a_reason_not_just_the_first():
    outcome = evaluate(
        rules(settings=frozenset({"home"})),
        facts(date_of_birth=datetime.date(2010, 1, 1), codes=frozenset(), setting="hospital"),
        ON,
    )
    assert not outcome.eligible
    assert outcome.reasons == ("too_young", "no_condition", "setting")


def test_someone_who_has_died_is_not_eligible_and_their_age_stops_at_death():
    outcome = evaluate(rules(), facts(date_of_death=datetime.date(2020, 5, 1)), ON)
    assert not outcome.eligible
    assert "died" in outcome.reasons
    assert outcome.age == 61


def test_a_setting_rule_with_no_setting_recorded_says_so():
    outcome = evaluate(rules(settings=frozenset({"home"})), facts(setting=None), ON)
    assert outcome.reasons == ("setting_unknown",)


def test_a_restriction_rules_out_only_the_direct_payment_when_other_ways_are_offered():
    outcome = evaluate(rules(), facts(restriction="drug_rehab"), ON)
    assert outcome.eligible
    assert outcome.reasons == ("no_dp",)
    text = explain(
        eligible=True,
        age=67,
        condition_code="13645005",
        setting="home",
        reasons=outcome.reasons,
        codes=COPD,
        site_name="X",
        setting_rule=False,
    )
    assert "rules out a direct payment" in text


def test_a_restriction_makes_a_direct_payment_only_programme_ineligible():
    outcome = evaluate(
        rules(ways=frozenset({"direct_payment"})), facts(restriction="drug_rehab"), ON
    )
    assert not outcome.eligible
    assert outcome.reasons == ("dp_only",)


def test_a_restriction_the_rules_do_not_list_changes_nothing():
    assert evaluate(rules(), facts(restriction="licence"), ON).reasons == ()


def test_no_condition_codes_means_any_condition_qualifies():
    assert evaluate(rules(codes={}), facts(codes=frozenset()), ON).eligible


def test_the_not_eligible_explanation_names_the_age():
    text = explain(
        eligible=False,
        age=12,
        condition_code="",
        setting="",
        reasons=["too_young", "no_condition"],
        codes=COPD,
        site_name="X",
        setting_rule=False,
    )
    assert text == (
        "Not eligible: younger than the programme's minimum age (age 12); "
        "no qualifying condition recorded."
    )


@given(
    born=st.dates(min_value=datetime.date(1900, 1, 1), max_value=ON),
    minimum=st.integers(0, 120),
    span=st.integers(0, 30),
)
def test_eligibility_by_age_matches_the_range_exactly(born, minimum, span):
    outcome = evaluate(
        rules(min_age=minimum, max_age=minimum + span), facts(date_of_birth=born), ON
    )
    age = age_on(born, ON)
    assert outcome.eligible == (minimum <= age <= minimum + span)
