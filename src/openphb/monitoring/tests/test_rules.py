"""The monitoring checks as pure functions: one budget's facts in, flags out."""

import datetime
import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from openphb.monitoring import rules
from openphb.monitoring.models import Code, Severity
from openphb.monitoring.rules import Facts, Line, Paid, Policy, Someone

ON = datetime.date(2026, 3, 31)


def out(line_id=1, amount=2_500, on=datetime.date(2026, 3, 3), **more):
    return Line(
        id=line_id,
        kind=more.pop("kind", "card"),
        direction="out",
        amount=amount,
        booked_on=on,
        match=more.pop("match", "planned"),
        **more,
    )


def paid_in(line_id=100, amount=100_000, on=datetime.date(2026, 3, 1)):
    return Line(id=line_id, kind="credit", direction="in", amount=amount, booked_on=on)


def facts(*lines, **more):
    return Facts(budget_id=1, on=more.pop("on", ON), lines=lines, **more)


def codes(found):
    return [c.code for c in found]


# --- Excluded categories -----------------------------------------------------------------------


def test_a_purchase_from_a_bookmaker_is_flagged_high_with_what_where_and_when():
    (flag,) = rules.excluded_category(facts(out(merchant="Lucky Bets", mcc="7995")))
    assert flag.code == Code.EXCLUDED_CATEGORY
    assert flag.severity == Severity.HIGH
    assert flag.amount == 2_500
    assert flag.line_id == 1
    assert "£25.00" in flag.explanation
    assert "Lucky Bets" in flag.explanation
    assert "3 March 2026" in flag.explanation
    assert "betting and gambling" in flag.explanation


def test_every_excluded_code_of_the_brief_is_flagged():
    lines = [
        out(i, mcc=mcc) for i, mcc in enumerate(["7995", "7800", "7801", "7802", "5921", "5993"])
    ]
    assert len(rules.excluded_category(facts(*lines))) == 6


def test_a_refund_from_a_bookmaker_is_not_spending_and_is_not_flagged():
    refund = Line(id=1, kind="refund", direction="in", amount=500, booked_on=ON, mcc="7995")
    assert rules.excluded_category(facts(refund)) == []


@given(st.from_regex(r"[0-9]{4}", fullmatch=True).filter(lambda c: c not in rules.EXCLUDED_MCCS))
def test_no_other_merchant_category_is_ever_flagged_as_excluded(mcc):
    assert rules.excluded_category(facts(out(mcc=mcc))) == []


def test_a_line_booked_after_the_day_checked_is_not_looked_at_yet():
    late = out(mcc="7995", on=ON + datetime.timedelta(days=1))
    assert rules.check(facts(late)) == []


# --- Cash ----------------------------------------------------------------------------------------


def cash(line_id, amount, on=datetime.date(2026, 3, 10)):
    return out(line_id, amount, on, kind="cash", match="not_in_plan")


def test_cash_above_the_monthly_limit_is_flagged_once_for_the_month_with_the_total():
    found = rules.cash_above_policy(facts(cash(1, 6_000), cash(2, 5_000)))
    (flag,) = found
    assert flag.code == Code.CASH_ABOVE_POLICY
    assert flag.severity == Severity.MEDIUM
    assert flag.period == "2026-03"
    assert flag.line_id is None
    assert flag.amount == 11_000
    assert "£110.00" in flag.explanation
    assert "March 2026" in flag.explanation
    assert "2 withdrawals" in flag.explanation
    assert "£10.00 more than the £100.00" in flag.explanation


def test_cash_exactly_at_the_limit_is_not_flagged():
    assert rules.cash_above_policy(facts(cash(1, 6_000), cash(2, 4_000))) == []


def test_cash_is_counted_per_calendar_month():
    march, april = datetime.date(2026, 3, 31), datetime.date(2026, 4, 1)
    found = rules.cash_above_policy(
        facts(cash(1, 8_000, march), cash(2, 8_000, april), on=datetime.date(2026, 4, 30))
    )
    assert found == []


def test_a_cash_machine_merchant_code_counts_as_cash_whatever_the_line_kind():
    atm = out(1, 15_000, mcc="6011")
    assert codes(rules.cash_above_policy(facts(atm))) == [Code.CASH_ABOVE_POLICY]


def test_the_commissioners_own_cash_limit_is_used():
    policy = Policy(cash_limit_per_month=20_000)
    assert rules.cash_above_policy(facts(cash(1, 15_000), policy=policy)) == []


# --- Not in the plan ----------------------------------------------------------------------------


def test_spending_matched_to_nothing_in_the_plan_is_flagged_low_when_small():
    (flag,) = rules.not_in_plan(facts(out(amount=9_999, match="not_in_plan", merchant="Argos")))
    assert flag.code == Code.NOT_IN_PLAN
    assert flag.severity == Severity.LOW
    assert "Argos" in flag.explanation
    assert "£99.99" in flag.explanation


def test_spending_not_in_the_plan_from_a_hundred_pounds_is_of_medium_severity():
    (flag,) = rules.not_in_plan(facts(out(amount=10_000, match="not_in_plan")))
    assert flag.severity == Severity.MEDIUM


def test_spending_in_the_plan_is_not_flagged_as_not_in_the_plan():
    assert rules.not_in_plan(facts(out(match="planned"))) == []


def test_cash_fees_and_excluded_purchases_are_left_to_their_own_checks():
    lines = [
        cash(1, 2_000),
        out(2, kind="fee", match="not_in_plan"),
        out(3, match="not_in_plan", mcc="5921"),
    ]
    assert rules.not_in_plan(facts(*lines)) == []
    assert codes(rules.check(facts(*lines))) == [Code.EXCLUDED_CATEGORY]


# --- Paying a relative ---------------------------------------------------------------------------

DAUGHTER = Someone(
    name="Grace Adeyemi",
    relationship="daughter",
    role="representative",
    starts_on=datetime.date(2025, 1, 1),
)


def transfer(line_id=1, to="MS G ADEYEMI", item_ref="", match="not_in_plan"):
    return out(line_id, 30_000, kind="transfer", counterparty=to, item_ref=item_ref, match=match)


def test_paying_the_persons_representative_without_an_approved_item_is_flagged_high():
    (flag,) = rules.family_payee(facts(transfer(), people=[DAUGHTER]))
    assert flag.code == Code.FAMILY_PAYEE
    assert flag.severity == Severity.HIGH
    assert "Grace Adeyemi (daughter, the person's representative)" in flag.explanation
    assert "MS G ADEYEMI" in flag.explanation


def test_paying_a_relative_is_not_also_flagged_as_not_in_the_plan():
    assert codes(rules.check(facts(transfer(), people=[DAUGHTER]))) == [Code.FAMILY_PAYEE]


def test_an_approved_item_paying_a_relative_allows_payments_to_them():
    allowed = frozenset({"plan-item:pa"})
    found = rules.family_payee(
        facts(
            transfer(item_ref="plan-item:pa", match="planned"),
            transfer(2),
            people=[DAUGHTER],
            family_payee_items=allowed,
        )
    )
    assert found == []


def test_a_payment_matched_to_an_item_that_does_not_pay_a_relative_is_still_flagged():
    found = rules.family_payee(
        facts(
            transfer(item_ref="plan-item:gym", match="planned"),
            people=[DAUGHTER],
            family_payee_items=frozenset({"plan-item:pa"}),
        )
    )
    assert codes(found) == [Code.FAMILY_PAYEE]


def test_someone_who_was_not_yet_a_carer_when_paid_is_not_flagged():
    later = replace(DAUGHTER, starts_on=datetime.date(2026, 3, 4))
    assert rules.family_payee(facts(transfer(), people=[later])) == []


def test_a_name_matches_with_an_initial_or_in_any_order_but_not_a_longer_surname():
    assert rules.names_match("MRS J SMITH", "Jane Smith")
    assert rules.names_match("Smith, Jane", "Jane Smith")
    assert rules.names_match("JANE O'NEILL", "Jane O'Neill")
    assert not rules.names_match("J SMITHSON", "Jane Smith")
    assert not rules.names_match("K SMITH", "Jane Smith")
    assert not rules.names_match("", "Jane Smith")


# --- Accumulating ------------------------------------------------------------------------------

MARCH = Paid(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), 31_000)


def test_the_monthly_payment_is_the_latest_payments_rate_over_an_average_month():
    # £310 for 31 days is £10 a day; an average month is 30.4375 days.
    assert rules.monthly_payment([MARCH], ON) == 30_438
    four_weeks = Paid(datetime.date(2026, 3, 2), datetime.date(2026, 3, 29), 28_000)
    assert rules.monthly_payment([four_weeks], ON) == 30_438


def test_more_held_than_three_months_of_payments_is_flagged_with_the_surplus():
    held = {("nhs", "personal_care"): 100_000}
    (flag,) = rules.accumulating(facts(paid=[MARCH], held=held))
    assert flag.code == Code.ACCUMULATING
    assert flag.severity == Severity.MEDIUM
    assert flag.period == "2026-03"
    assert flag.amount == 100_000 - 3 * 30_438
    assert "3 x £304.38 = £913.14" in flag.explanation


def test_held_exactly_three_months_of_payments_is_not_flagged():
    held = {("nhs", "personal_care"): 3 * 30_438}
    assert rules.accumulating(facts(paid=[MARCH], held=held)) == []


def test_held_money_counts_across_every_category_and_stream():
    held = {("nhs", "personal_care"): 50_000, ("council", "breaks"): 50_000}
    assert codes(rules.accumulating(facts(paid=[MARCH], held=held))) == [Code.ACCUMULATING]


def test_a_budget_with_no_payments_made_is_not_flagged_as_accumulating():
    assert rules.accumulating(facts(held={("nhs", "personal_care"): 100_000})) == []


def test_after_the_budget_ends_anything_still_held_is_flagged_once_as_unused():
    ended = datetime.date(2026, 1, 31)
    held = {("nhs", "personal_care"): 50_000}  # under three months of payments, but unused
    (flag,) = rules.accumulating(facts(paid=[MARCH], held=held, budget_ends_on=ended))
    assert (flag.code, flag.amount, flag.period) == (Code.ACCUMULATING, 50_000, "2026-01")
    assert flag.explanation.startswith("The budget ended on 31 January 2026, and on ")
    assert "£500.00 paid into the account was still unspent" in flag.explanation
    later = facts(paid=[MARCH], held=held, budget_ends_on=ended, on=ON + datetime.timedelta(60))
    assert [f.period for f in rules.accumulating(later)] == ["2026-01"]  # the same subject


def test_after_the_budget_ends_nothing_held_is_nothing_to_flag():
    ended = datetime.date(2026, 1, 31)
    assert rules.accumulating(facts(paid=[MARCH], budget_ends_on=ended)) == []


def test_on_the_budgets_last_day_the_usual_months_of_payments_apply():
    held = {("nhs", "personal_care"): 50_000}
    assert rules.accumulating(facts(paid=[MARCH], held=held, budget_ends_on=ON)) == []


# --- No spending -----------------------------------------------------------------------------


def test_no_spending_for_ninety_days_while_payments_arrive_is_flagged_low():
    last = ON - datetime.timedelta(days=90)
    lines = (out(1, on=last), paid_in(2, on=ON - datetime.timedelta(days=30)))
    (flag,) = rules.no_spending(facts(*lines))
    assert flag.code == Code.NO_SPENDING
    assert flag.severity == Severity.LOW
    assert flag.period == "2026-03"
    assert flag.amount == 100_000
    assert f"since {last:%-d %B %Y}" in flag.explanation


def test_spending_eighty_nine_days_ago_is_recent_enough():
    lines = (out(1, on=ON - datetime.timedelta(days=89)), paid_in(2, on=ON))
    assert rules.no_spending(facts(*lines)) == []


def test_no_spending_is_not_flagged_when_no_money_came_in_either():
    assert rules.no_spending(facts(out(1, on=ON - datetime.timedelta(days=120)))) == []


def test_no_spending_needs_statements_covering_the_whole_spell():
    lines = (paid_in(1, on=ON - datetime.timedelta(days=60)),)
    assert rules.no_spending(facts(*lines)) == []


def test_bank_fees_are_not_spending():
    lines = (
        paid_in(1, on=ON - datetime.timedelta(days=100)),
        out(2, 300, ON - datetime.timedelta(days=5), kind="fee"),
        paid_in(3, on=ON - datetime.timedelta(days=10)),
    )
    assert codes(rules.no_spending(facts(*lines))) == [Code.NO_SPENDING]


def test_the_commissioners_idle_days_are_used():
    lines = (out(1, on=ON - datetime.timedelta(days=40)), paid_in(2, on=ON))
    assert codes(rules.no_spending(facts(*lines, policy=Policy(idle_days=30)))) == [
        Code.NO_SPENDING
    ]


# --- Overspending a category ------------------------------------------------------------------


def planned(line_id, amount, on):
    return out(
        line_id,
        amount,
        on,
        match="planned",
        item_ref="plan-item:pa",
        category="personal_care",
        category_label="Personal care and support",
        stream="nhs",
    )


def test_spending_the_money_held_cannot_pay_for_is_flagged_with_the_excess():
    found = rules.category_overspent(
        facts(
            planned(1, 6_000, datetime.date(2026, 3, 1)),
            planned(2, 6_000, datetime.date(2026, 3, 2)),
            overspent={2: 4_000},
        )
    )
    (flag,) = found
    assert flag.code == Code.CATEGORY_OVERSPENT
    assert flag.severity == Severity.MEDIUM
    assert flag.line_id == 2
    assert flag.amount == 2_000
    assert "only £40.00" in flag.explanation
    assert "personal care and support" in flag.explanation


def test_spending_the_money_held_pays_for_is_not_overspending():
    lines = (planned(1, 6_000, ON), planned(2, 6_000, ON))
    assert rules.category_overspent(facts(*lines)) == []


def test_an_overspend_booked_after_the_day_checked_is_not_flagged_yet():
    late = planned(1, 6_000, ON + datetime.timedelta(days=1))
    assert rules.category_overspent(facts(late, overspent={1: 0})) == []


# --- After death ---------------------------------------------------------------------------


def test_spending_after_the_date_of_death_is_flagged_high():
    died = datetime.date(2026, 3, 2)
    (flag,) = rules.after_death(facts(out(merchant="Tesco"), date_of_death=died))
    assert flag.code == Code.AFTER_DEATH
    assert flag.severity == Severity.HIGH
    assert "2 March 2026" in flag.explanation
    assert "estate" in flag.explanation


def test_spending_on_the_day_of_death_is_not_after_it():
    assert rules.after_death(facts(out(), date_of_death=datetime.date(2026, 3, 3))) == []


def test_the_banks_fees_after_a_death_are_not_flagged():
    fee = out(kind="fee", match="not_in_plan")
    assert rules.after_death(facts(fee, date_of_death=datetime.date(2026, 3, 1))) == []


# --- Properties of the whole check -------------------------------------------------------------

lines_strategy = st.lists(
    st.builds(
        Line,
        id=st.integers(1, 10_000),
        kind=st.sampled_from(["card", "cash", "transfer", "fee", "credit"]),
        direction=st.sampled_from(["in", "out"]),
        amount=st.integers(1, 500_000),
        booked_on=st.dates(datetime.date(2025, 10, 1), datetime.date(2026, 4, 30)),
        mcc=st.sampled_from(["", "7995", "5921", "6011", "8099", "5411"]),
        counterparty=st.sampled_from(["", "G ADEYEMI", "ACME CARE LTD"]),
        match=st.sampled_from(["planned", "not_in_plan", "reconciled"]),
        category=st.sampled_from(["", "personal_care"]),
        stream=st.just("nhs"),
    ),
    max_size=30,
    unique_by=lambda line: line.id,
)


def _every_fact(lines):
    return facts(
        *lines,
        people=[DAUGHTER],
        date_of_death=datetime.date(2026, 2, 1),
        paid=[MARCH],
        held={("nhs", "personal_care"): 50_000},
        overspent={line.id: 0 for line in lines if line.match == "planned"},
    )


@given(lines_strategy)
def test_checking_twice_or_in_any_order_finds_the_same_flags(lines):
    first = rules.check(_every_fact(lines))
    shuffled = list(lines)
    random.Random(7).shuffle(shuffled)
    assert rules.check(_every_fact(lines)) == first
    assert rules.check(_every_fact(shuffled)) == first


@given(lines_strategy)
def test_a_flag_is_raised_at_most_once_for_what_it_is_about(lines):
    found = rules.check(_every_fact(lines))
    assert len({c.key for c in found}) == len(found)
    for c in found:
        assert (c.line_id is None) == (c.period != "")
        assert c.amount is None or c.amount > 0
        assert c.explanation
        assert c.severity in rules.SEVERITIES[c.code]
