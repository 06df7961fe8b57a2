"""The checks on an invoice, over plain values: no database."""

import datetime
from dataclasses import replace

import pytest

from openphb.invoices import rules
from openphb.invoices.rules import Code

D = datetime.date
PLAN_START, PLAN_END = D(2025, 4, 1), D(2026, 3, 31)

HYDRO = rules.PlannedItem(
    name="Hydrotherapy",
    quantity=1,
    frequency="weekly",
    unit_price=4_500,
    holding="notional",
    starts_on=PLAN_START,
    ends_on=PLAN_END,
)
DOG = rules.PlannedItem(
    name="Trained seizure-alert dog",
    quantity=1,
    frequency="once",
    unit_price=1_200_000,
    holding="third_party",
    starts_on=PLAN_START,
    ends_on=PLAN_END,
)
ASSISTANT = rules.PlannedItem(
    name="Personal assistant hours",
    quantity=10,
    frequency="weekly",
    unit_price=1_600,
    holding="direct_payment",
    starts_on=PLAN_START,
    ends_on=PLAN_END,
)
REFLEXOLOGY = rules.PlannedItem(
    name="Reflexology",
    quantity=1,
    frequency="weekly",
    unit_price=4_000,
    holding="notional",
    starts_on=PLAN_START,
    ends_on=PLAN_END,
    declined=True,
)
PLAN = [
    rules.PlanVersion(
        version=1,
        starts_on=PLAN_START,
        ends_on=PLAN_END,
        items={
            "plan-item:hydro": HYDRO,
            "plan-item:dog": DOG,
            "plan-item:pa": ASSISTANT,
            "plan-item:reflex": REFLEXOLOGY,
        },
    )
]
MAY5 = D(2025, 5, 5)
AGREED = rules.Agreement(
    provider_id=7,
    provider_name="Splash Therapy Ltd",
    status="agreed",
    starts_on=D(2025, 1, 1),
    ends_on=None,
)


def line(ref="plan-item:hydro", day=MAY5, quantity=1, price=4_500, number=1):
    return rules.Line(
        number=number, item_ref=ref, service_date=day, quantity=quantity, unit_price=price
    )


def check(lines, *, total=None, plan=PLAN, agreement=AGREED, died=None, others=(), before=None):
    return rules.check_invoice(
        invoice_number="INV-1",
        total=sum(item.amount for item in lines) if total is None else total,
        lines=lines,
        agreement=agreement,
        plan=plan,
        date_of_death=died,
        other_lines=others,
        received_before_on=before,
    )


def codes(problems):
    return [problem.code for problem in problems]


def billed(ref="plan-item:hydro", day=MAY5, quantity=1, earlier=True):
    return rules.Billed(
        item_ref=ref,
        service_date=day,
        quantity=quantity,
        invoice_number="INV-0",
        provider_name="Splash Therapy Ltd",
        earlier=earlier,
    )


def test_an_invoice_for_what_the_plan_bought_has_no_problems():
    assert check([line(), line(ref="plan-item:dog", price=1_200_000, number=2)]) == []


def test_an_item_the_plan_does_not_have_is_not_in_the_plan():
    [problem] = check([line(ref="plan-item:gym")])
    assert problem.code == Code.NOT_IN_PLAN
    assert problem.line == 1
    assert problem.explanation == (
        "Line 1 (plan-item:gym, 5 May 2025): plan-item:gym is not an item of the care plan in "
        "force that day (version 1)."
    )


def test_a_declined_item_is_not_in_the_plan():
    [problem] = check([line(ref="plan-item:reflex", price=4_000)])
    assert problem.code == Code.NOT_IN_PLAN
    assert "Reflexology was declined in the care plan" in problem.explanation


def test_a_budget_no_care_plan_made_has_nothing_to_bill():
    [problem] = check([line()], plan=[])
    assert problem.code == Code.NOT_IN_PLAN
    assert "no approved care plan funds this budget" in problem.explanation


def test_a_price_over_the_approved_unit_price_is_flagged_and_does_not_block():
    [problem] = check([line(price=5_000)])
    assert problem.code == Code.PRICE_OVER
    assert not problem.blocks
    assert problem.explanation.endswith("£50.00 a unit is more than the £45.00 the plan approved.")


def test_a_quantity_over_the_approved_for_the_week_is_flagged_once_for_that_week():
    # Weeks count from the day the item starts, Tuesday 1 April 2025: Monday 5 May ends a
    # week and Wednesday 7 May is in the next.
    assert check([line(day=D(2025, 5, 5)), line(day=D(2025, 5, 7), number=2)]) == []
    problems = check(
        [
            line(day=D(2025, 5, 6)),
            line(day=D(2025, 5, 8), number=2),
            line(day=D(2025, 5, 9), number=3),
        ]
    )
    assert codes(problems) == [Code.QUANTITY_OVER]
    assert problems[0].line == 1
    assert problems[0].explanation == (
        "Line 1 (Hydrotherapy, 6 May 2025): 3 on this invoice for the week 6 May 2025 to "
        "12 May 2025: more than the plan's 1 a week."
    )


def test_the_quantity_counts_other_invoices_for_the_same_period():
    problems = check([line(day=D(2025, 5, 7))], others=[billed(day=D(2025, 5, 6), earlier=False)])
    assert codes(problems) == [Code.QUANTITY_OVER]
    assert "1 on this invoice and 1 on other invoices" in problems[0].explanation
    assert not problems[0].blocks


def test_a_one_off_item_is_bought_once_in_its_whole_period():
    dog = line(ref="plan-item:dog", price=1_200_000, day=D(2025, 9, 1))
    problems = check([dog], others=[billed(ref="plan-item:dog", day=D(2025, 6, 1))])
    assert codes(problems) == [Code.QUANTITY_OVER]
    assert "its whole period, 1 Apr 2025 to 31 Mar 2026" in problems[0].explanation
    assert "the plan's 1 in all" in problems[0].explanation


def test_a_date_outside_the_plan_period_is_flagged():
    [problem] = check([line(day=D(2026, 4, 1))])
    assert problem.code == Code.OUTSIDE_PERIOD
    assert "outside the care plan's period, 1 Apr 2025 to 31 Mar 2026" in problem.explanation
    assert problem.blocks


def test_a_date_outside_the_items_own_dates_is_flagged():
    short = rules.PlanVersion(
        version=1,
        starts_on=PLAN_START,
        ends_on=PLAN_END,
        items={"plan-item:hydro": replace(HYDRO, ends_on=D(2025, 6, 30))},
    )
    [problem] = check([line(day=D(2025, 7, 1))], plan=[short])
    assert problem.code == Code.OUTSIDE_PERIOD
    assert "the plan has Hydrotherapy from 1 Apr 2025 to 30 Jun 2025 only" in problem.explanation


def test_a_revised_plan_governs_from_the_day_it_starts():
    dearer = replace(HYDRO, unit_price=5_000, starts_on=D(2025, 9, 1))
    revised = [
        *PLAN,
        rules.PlanVersion(
            version=2,
            starts_on=D(2025, 9, 1),
            ends_on=PLAN_END,
            items={"plan-item:hydro": dearer},
        ),
    ]
    assert codes(check([line(day=D(2025, 8, 25), price=5_000)], plan=revised)) == [Code.PRICE_OVER]
    assert check([line(day=D(2025, 9, 1), price=5_000)], plan=revised) == []
    # The dog was bought before the revision and is not in version 2.
    assert codes(
        check([line(ref="plan-item:dog", price=1_200_000, day=D(2025, 9, 2))], plan=revised)
    ) == [Code.NOT_IN_PLAN]


def test_a_service_after_the_date_of_death_blocks_but_the_day_itself_does_not():
    assert check([line(day=D(2025, 5, 5))], died=D(2025, 5, 5)) == []
    [problem] = check([line(day=D(2025, 5, 6))], died=D(2025, 5, 5))
    assert problem.code == Code.AFTER_DEATH
    assert problem.blocks
    assert problem.explanation == (
        "Line 1 (Hydrotherapy, 6 May 2025): the service is dated after the person died on "
        "5 May 2025."
    )


@pytest.mark.parametrize(
    ("status", "starts_on", "ends_on", "in_force"),
    [
        ("agreed", D(2025, 1, 1), None, True),
        ("agreed", D(2025, 6, 1), None, False),  # not started yet on 5 May
        ("agreed", D(2025, 1, 1), D(2025, 4, 30), False),  # over by then
        ("ended", D(2025, 1, 1), D(2025, 12, 31), True),  # ended after the service
        ("ended", D(2025, 1, 1), None, False),  # ended, nobody knows when
        ("suspended", D(2025, 1, 1), None, False),
        ("pending", None, None, False),
        ("none", None, None, False),
    ],
)
def test_a_provider_is_paid_only_under_an_agreement_in_force_on_the_service_date(
    status, starts_on, ends_on, in_force
):
    agreement = rules.Agreement(
        provider_id=7,
        provider_name="Splash Therapy Ltd",
        status=status,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    assert rules.agreement_in_force(agreement, D(2025, 5, 5)) is in_force
    assert codes(check([line()], agreement=agreement)) == ([] if in_force else [Code.NO_AGREEMENT])


def test_no_agreement_says_what_the_provider_has():
    pending = rules.Agreement(
        provider_id=7,
        provider_name="Splash Therapy Ltd",
        status="pending",
        starts_on=None,
        ends_on=None,
    )
    [problem] = check([line()], agreement=pending)
    assert problem.explanation == (
        "Line 1 (Hydrotherapy, 5 May 2025): Splash Therapy Ltd had no agreement with the "
        "commissioner in force that day (agreement being arranged). A budget pays a provider "
        "only under an agreement."
    )


def test_a_direct_payment_item_is_not_invoiced():
    [problem] = check([line(ref="plan-item:pa", quantity=3, price=1_600)])
    assert problem.code == Code.DIRECT_PAYMENT
    assert problem.blocks
    assert "paid to the person as a direct payment" in problem.explanation


def test_another_provider_than_the_plan_names_is_flagged_and_does_not_block():
    named = replace(HYDRO, provider_id=9, provider_name="Aqua Ltd")
    plan = [
        rules.PlanVersion(
            version=1, starts_on=PLAN_START, ends_on=PLAN_END, items={"plan-item:hydro": named}
        )
    ]
    [problem] = check([line()], plan=plan)
    assert problem.code == Code.OTHER_PROVIDER
    assert not problem.blocks
    assert "the plan names Aqua Ltd for Hydrotherapy, not Splash Therapy Ltd" in problem.explanation
    assert (
        check(
            [line()],
            plan=plan,
            agreement=rules.Agreement(9, "Aqua Ltd", "agreed", D(2025, 1, 1), None),
        )
        == []
    )


def test_the_same_invoice_number_from_the_provider_again_is_a_duplicate():
    [problem] = check([line()], before=D(2025, 5, 10))
    assert problem.code == Code.DUPLICATE_INVOICE
    assert problem.line is None
    assert problem.explanation == (
        "Splash Therapy Ltd sent an invoice numbered INV-1 before: it was received on "
        "10 May 2025. The same invoice is paid once."
    )


def test_the_same_item_and_day_billed_on_an_earlier_invoice_is_a_duplicate_line():
    problems = check([line()], others=[billed()])
    # Billing it again also takes the week over its one session.
    assert codes(problems) == [Code.QUANTITY_OVER, Code.DUPLICATE_LINE]
    assert problems[1].explanation.endswith(
        "it is billed already, on Splash Therapy Ltd's invoice INV-0. The same service is paid "
        "once."
    )
    assert problems[1].blocks


def test_the_earlier_invoice_is_not_a_duplicate_of_the_later_one():
    assert Code.DUPLICATE_LINE not in codes(check([line()], others=[billed(earlier=False)]))


def test_a_total_that_is_not_the_sum_of_the_lines_blocks():
    [problem] = check([line()], total=5_000)
    assert problem.code == Code.TOTAL_MISMATCH
    assert problem.blocks
    assert problem.explanation == (
        "The invoice's total, £50.00, is not the sum of its lines, £45.00. Ask Splash Therapy "
        "Ltd for a corrected invoice."
    )


def test_only_a_price_or_quantity_over_and_another_provider_may_be_approved_with_a_reason():
    soft = {code for code in Code.values if not rules.blocks(code)}
    assert soft == {Code.PRICE_OVER, Code.QUANTITY_OVER, Code.OTHER_PROVIDER}


@pytest.mark.parametrize(
    ("frequency", "day", "period"),
    [
        ("weekly", D(2025, 4, 7), (D(2025, 4, 1), D(2025, 4, 7))),
        ("weekly", D(2025, 4, 8), (D(2025, 4, 8), D(2025, 4, 14))),
        ("fortnightly", D(2025, 4, 20), (D(2025, 4, 15), D(2025, 4, 28))),
        ("four_weekly", D(2025, 5, 1), (D(2025, 4, 29), D(2025, 5, 26))),
        ("monthly", D(2025, 4, 30), (D(2025, 4, 1), D(2025, 4, 30))),
        ("monthly", D(2026, 2, 28), (D(2026, 2, 1), D(2026, 2, 28))),
        ("quarterly", D(2025, 7, 1), (D(2025, 7, 1), D(2025, 9, 30))),
        ("yearly", D(2026, 3, 31), (D(2025, 4, 1), D(2026, 3, 31))),
        ("once", D(2025, 9, 9), (D(2025, 4, 1), D(2026, 3, 31))),
    ],
)
def test_periods_are_counted_from_the_day_the_item_starts(frequency, day, period):
    item = replace(HYDRO, frequency=frequency)
    assert rules.period_of(item, day) == period


def test_monthly_periods_from_the_31st_follow_the_shorter_months():
    item = replace(HYDRO, frequency="monthly", starts_on=D(2025, 1, 31))
    assert rules.period_of(item, D(2025, 2, 28)) == (D(2025, 2, 28), D(2025, 3, 30))
    assert rules.period_of(item, D(2025, 3, 30)) == (D(2025, 2, 28), D(2025, 3, 30))
    assert rules.period_of(item, D(2025, 3, 31)) == (D(2025, 3, 31), D(2025, 4, 29))


def test_several_problems_on_one_line_are_all_reported():
    problems = check(
        [line(day=D(2025, 5, 6), price=9_000)],
        agreement=rules.Agreement(7, "Splash Therapy Ltd", "suspended", D(2025, 1, 1), None),
        died=D(2025, 5, 1),
        total=1,
    )
    assert codes(problems) == [
        Code.TOTAL_MISMATCH,
        Code.AFTER_DEATH,
        Code.NO_AGREEMENT,
        Code.PRICE_OVER,
    ]
