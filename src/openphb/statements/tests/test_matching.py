"""Matching statement lines: to budgets by account, credits to payments by reference, spending
to plan items by the commissioner's rules."""

import datetime

import pytest

from openphb.audit.services import Actor
from openphb.statements.importing import statement_import
from openphb.statements.matching import match_again
from openphb.statements.models import Match, MatchRule, StatementLine

from .world import DAY, bank_file, paid_budget, pay_everyone, row

pytestmark = pytest.mark.django_db


def imported(finance, *rows):
    return statement_import(
        actor=Actor(user=finance), file=bank_file(*rows), filename="s.csv", format="csv"
    )


def rule(commissioner, field, pattern, category):
    return MatchRule.objects.create(
        commissioner=commissioner, field=field, pattern=pattern, category=category
    )


@pytest.fixture
def budget(icb, finance, finance2):
    return paid_budget(commissioner=icb, finance=finance, finance2=finance2)


def test_a_credit_carrying_a_payments_reference_is_reconciled_to_it_once(
    icb, finance, finance2, originator, budget
):
    payment = pay_everyone(commissioner=icb, finance=finance, finance2=finance2)[budget.pk]
    account = budget.account_number
    result = imported(
        finance,
        row(account, payment.amount, description=f"NHS NEL ICB {payment.reference}"),
        row(account, payment.amount, description=f"NHS NEL ICB {payment.reference}"),
        row(account, payment.amount + 1, description=f"NHS NEL ICB {payment.reference}"),
    )
    first, second, third = StatementLine.objects.order_by("line_number")
    assert (first.match, first.payment, first.budget) == (Match.RECONCILED, payment, budget)
    assert (second.match, second.payment) == (Match.UNMATCHED_CREDIT, None)
    assert third.match == Match.UNMATCHED_CREDIT
    assert result.matched["reconciled"] == 1
    assert result.matched["unmatched_credit"] == 2


def test_a_credit_given_twice_in_a_file_reconciles_its_payment_once_as_the_line_added(
    icb, finance, finance2, originator, budget
):
    payment = pay_everyone(commissioner=icb, finance=finance, finance2=finance2)[budget.pk]
    credit = row(budget.account_number, payment.amount, description=payment.reference)
    result = imported(finance, credit, credit)
    line = StatementLine.objects.get()
    assert (line.match, line.payment, line.line_number) == (Match.RECONCILED, payment, 2)
    assert result.statement_import.lines_known == 1


def test_a_payment_already_reconciled_by_an_earlier_file_is_not_taken_again(
    icb, finance, finance2, originator, budget
):
    payment = pay_everyone(commissioner=icb, finance=finance, finance2=finance2)[budget.pk]
    credit = dict(description=payment.reference)
    imported(finance, row(budget.account_number, payment.amount, **credit))
    imported(finance, row(budget.account_number, payment.amount, **credit))
    assert list(StatementLine.objects.values_list("match", flat=True)) == [
        Match.RECONCILED,
        Match.UNMATCHED_CREDIT,
    ]


def test_an_account_no_verified_direct_payment_pays_into_is_no_account(icb, finance, finance2):
    waiting = paid_budget(commissioner=icb, finance=finance, finance2=finance2, verified=False)
    imported(finance, row("99999999", -100), row(waiting.account_number, -100))
    assert set(StatementLine.objects.values_list("match", "budget")) == {(Match.NO_ACCOUNT, None)}


def test_spending_is_matched_to_the_plan_line_of_the_category_the_rules_give(icb, finance, budget):
    swimming = rule(icb, "merchant", "leisure", "activities")
    imported(
        finance,
        row(budget.account_number, -450, kind="card", counterparty="BETTER LEISURE CENTRE"),
        row(budget.account_number, -2000, counterparty="Corner shop"),
    )
    planned, other = StatementLine.objects.order_by("line_number")
    assert planned.match == Match.NOT_IN_PLAN  # a bank CSV's payee is a counterparty
    rule(icb, "counterparty", "leisure", "activities")
    match_again(budget_ids=[budget.pk])
    planned.refresh_from_db()
    assert planned.match == Match.PLANNED
    assert planned.line == budget.lines.get(category="activities")
    assert planned.rule.pattern == "leisure"
    assert planned.rule != swimming
    other.refresh_from_db()
    assert (other.match, other.line, other.rule) == (Match.NOT_IN_PLAN, None, None)


def test_a_card_purchase_is_matched_by_merchant_or_category_code(icb, finance, budget):
    by_code = rule(icb, "mcc", "7990-7999", "activities")
    by_merchant = rule(icb, "merchant", "agency", "personal_care")
    card = (
        "sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency\n"
        f"200000,{budget.account_number},T1,{DAY},purchase,SWIM CLUB,7997,4.50,GBP\n"
        f"200000,{budget.account_number},T2,{DAY},purchase,CARE AGENCY,7997,40.00,GBP\n"
        f"200000,{budget.account_number},T3,{DAY},purchase,CAFE,5812,3.00,GBP\n"
    ).encode()
    import io

    statement_import(
        actor=Actor(user=finance), file=io.BytesIO(card), filename="c.csv", format="card"
    )
    swim, agency, cafe = StatementLine.objects.order_by("line_number")
    assert (swim.match, swim.rule, swim.line.category) == (Match.PLANNED, by_code, "activities")
    assert (agency.rule, agency.line.category) == (by_merchant, "personal_care")
    assert cafe.match == Match.NOT_IN_PLAN


def test_a_category_the_budget_has_no_direct_payment_line_in_is_not_in_the_plan(
    icb, finance, budget
):
    rule(icb, "counterparty", "Halfords", "equipment")
    imported(finance, row(budget.account_number, -9_900, counterparty="HALFORDS"))
    line = StatementLine.objects.get()
    assert (line.match, line.line, line.rule) == (Match.NOT_IN_PLAN, None, None)


def test_another_commissioners_rules_do_not_apply(icb, other_icb, finance, budget):
    rule(other_icb, "counterparty", "leisure", "activities")
    imported(finance, row(budget.account_number, -450, counterparty="LEISURE"))
    assert StatementLine.objects.get().match == Match.NOT_IN_PLAN


def test_an_account_that_served_two_budgets_gives_the_one_whose_period_covers_the_day(
    icb, finance, finance2
):
    last_year = paid_budget(
        commissioner=icb,
        finance=finance,
        finance2=finance2,
        account="11112222",
        starts_on=DAY - datetime.timedelta(days=365),
    )
    this_year = paid_budget(
        commissioner=icb, finance=finance, finance2=finance2, account="11112222"
    )
    imported(
        finance,
        row("11112222", -100, on=DAY - datetime.timedelta(days=30)),
        row("11112222", -100, on=DAY + datetime.timedelta(days=30)),
        row("11112222", -100, on=DAY + datetime.timedelta(days=400)),
    )
    assert list(StatementLine.objects.order_by("line_number").values_list("budget", flat=True)) == [
        last_year.pk,
        this_year.pk,
        this_year.pk,  # covered by neither: the latest
    ]


def test_matching_again_never_touches_a_line_posted_to_the_ledger(icb, finance, budget):
    from openphb.budgets.services import budget_pay

    imported(
        finance,
        row(budget.account_number, -450, counterparty="LEISURE"),
        row(budget.account_number, -550, counterparty="LEISURE"),
    )
    posted, waiting = StatementLine.objects.order_by("line_number")
    transaction = budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(category="activities"),
        amount=450,
        on=DAY,
        description="Stands in for the spending's posting",
    )
    StatementLine.objects.filter(pk=posted.pk).update(transaction=transaction)
    rule(icb, "counterparty", "leisure", "activities")
    assert match_again(commissioner=icb) == 1
    posted.refresh_from_db()
    waiting.refresh_from_db()
    assert (posted.match, waiting.match) == (Match.NOT_IN_PLAN, Match.PLANNED)


def test_lines_of_an_account_verified_later_are_matched_again_to_its_budget(icb, finance, finance2):
    from openphb.payments import services
    from openphb.payments.models import BankDetails

    budget = paid_budget(commissioner=icb, finance=finance, finance2=finance2, verified=False)
    imported(finance, row(budget.account_number, -100))
    assert StatementLine.objects.get().match == Match.NO_ACCOUNT
    details = BankDetails.objects.get(setup__budget=budget)
    services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)
    assert match_again(budget_ids=[budget.pk]) == 1
    line = StatementLine.objects.get()
    assert (line.match, line.budget) == (Match.NOT_IN_PLAN, budget)


def test_the_daily_check_matches_the_lines_of_accounts_verified_since(icb, finance, finance2):
    from openphb.payments import services
    from openphb.payments.models import BankDetails
    from openphb.statements.matching import match_new_accounts

    budget = paid_budget(commissioner=icb, finance=finance, finance2=finance2, verified=False)
    stranger = imported(finance, row(budget.account_number, -100), row("99990000", -200))
    assert stranger.statement_import.lines_added == 2
    assert match_new_accounts() == 0  # nothing verified yet
    details = BankDetails.objects.get(setup__budget=budget)
    services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)
    assert match_new_accounts() == 1
    ours = StatementLine.objects.get(account_number=budget.account_number)
    assert (ours.match, ours.budget) == (Match.NOT_IN_PLAN, budget)
    assert StatementLine.objects.get(account_number="99990000").match == Match.NO_ACCOUNT


def test_adding_a_rule_matches_the_commissioners_lines_not_yet_posted_again(icb, finance, budget):
    from openphb.statements.services import rule_add

    imported(finance, row(budget.account_number, -1_500, counterparty="Town Leisure Centre"))
    assert StatementLine.objects.get().match == Match.NOT_IN_PLAN
    rule_add(
        actor=Actor(user=finance),
        commissioner=icb,
        field="counterparty",
        pattern="leisure",
        category="activities",
    )
    line = StatementLine.objects.get()
    assert (line.match, line.line.category) == (Match.PLANNED, "activities")
