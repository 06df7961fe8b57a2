"""The monthly statement, assembled from plain values: no database."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from openphb.statements.statement import (
    LineFact,
    Month,
    PaymentFact,
    PlanFact,
    assemble,
    days_covered,
    monthly_plan,
    share,
)

MARCH = Month(2026, 3)
STARTS, ENDS = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
CARE = PlanFact("personal_care", "Personal care and support", 365_000)
SWIM = PlanFact("activities", "Community and leisure activities", 36_500)


def day(n: int) -> datetime.date:
    return datetime.date(2026, 3, n)


def out(n, amount, on, *, category="personal_care", match="planned", balance=None, **more):
    return LineFact(
        id=n,
        booked_on=on,
        direction="out",
        kind=more.pop("kind", "transfer"),
        amount=amount,
        merchant=more.pop("merchant", "Jo's Care Agency"),
        match=match,
        category=category if match == "planned" else "",
        balance_after=balance,
        **more,
    )


def paid_in(n, amount, on, *, reference="PHB000001-00000001", balance=None):
    return LineFact(
        id=n,
        booked_on=on,
        direction="in",
        kind="credit",
        amount=amount,
        description=f"NHS {reference}",
        match="reconciled",
        payment_reference=reference,
        balance_after=balance,
    )


def statement(lines=(), before=(), payments=(), unposted=(), plan=(CARE, SWIM)):
    return assemble(
        month=MARCH,
        starts_on=STARTS,
        ends_on=ENDS,
        plan=plan,
        before=before,
        lines=lines,
        payments=payments,
        unposted=unposted,
    )


def test_a_month_is_written_year_dash_month():
    assert Month.parse("2026-03") == MARCH
    assert str(MARCH) == "2026-03"
    assert MARCH.label == "March 2026"
    assert (MARCH.previous(), MARCH.next()) == (Month(2026, 2), Month(2026, 4))
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)


@pytest.mark.parametrize("text", ["2026-13", "2026-3", "March", "", "2026-00", "0001-01"])
def test_a_month_written_otherwise_is_refused_saying_how(text):
    with pytest.raises(ValidationError, match="like 2026-03"):
        Month.parse(text)


def test_the_plan_for_a_month_is_its_share_of_the_days():
    amount, how = monthly_plan(CARE, MARCH, STARTS, ENDS)
    assert amount == 31_000  # £3,650 over 365 days: £10 a day, 31 days
    assert how == (
        "The plan gives £3,650.00 for personal care and support from 1 January 2026 to "
        "31 December 2026 (365 days). Spread evenly over those days, all 31 days of March "
        "2026 get 31/365 of it: £310.00."
    )


def test_a_month_the_budget_starts_in_gets_only_its_days():
    starts = datetime.date(2026, 3, 22)
    assert days_covered(MARCH, starts, ENDS) == 10
    amount, how = monthly_plan(CARE, MARCH, starts, starts + datetime.timedelta(days=364))
    assert amount == 10_000
    assert "the 10 days of March 2026 within it get 10/365" in how


def test_a_share_is_rounded_to_the_nearest_penny_halves_up():
    assert share(1, 1, 2) == 1
    assert share(100_000, 1, 3) == 33_333
    assert share(200_000, 1, 3) == 66_667
    assert share(5, 0, 10) == 0


def test_money_out_is_added_up_by_category_against_the_plan():
    result = statement(
        lines=[
            out(1, 20_000, day(3)),
            out(2, 15_000, day(10)),
            out(3, 4_000, day(12), category="activities", merchant="Splash Pools"),
            out(4, 2_500, day(14), match="not_in_plan", merchant="Corner Shop"),
        ]
    )
    rows = {row.category: row for row in result.categories}
    assert (rows["personal_care"].planned, rows["personal_care"].spent) == (31_000, 35_000)
    assert rows["personal_care"].over
    assert rows["personal_care"].left == -4_000
    assert (rows["activities"].planned, rows["activities"].spent) == (3_100, 4_000)
    assert rows["not_in_plan"].planned is None
    assert rows["not_in_plan"].spent == 2_500
    assert result.total_out == 41_500
    assert result.total_planned == 34_100


def test_money_in_lists_payments_received_and_says_which_were_paid_but_not_yet_seen():
    seen = PaymentFact("PHB000001-00000001", day(2), 30_000, "2 March to 1 April 2026", seen=True)
    not_yet = PaymentFact("PHB000002-00000001", day(30), 1_000, "One-off", seen=False)
    returned = PaymentFact("PHB000003-00000001", day(5), 500, "One-off", returned=True)
    result = statement(lines=[paid_in(1, 30_000, day(3))], payments=[seen, not_yet, returned])
    [row] = result.money_in
    assert (row.money_in, row.note) == (
        30_000,
        "Your direct payment from the NHS (reference PHB000001-00000001).",
    )
    assert result.total_in == 30_000
    assert result.payments_not_seen == [not_yet]
    assert result.not_seen_total == 1_000
    assert result.payments_returned == [returned]


def test_balances_are_the_banks_where_it_gives_them():
    result = statement(
        before=[out(1, 100, day(1) - datetime.timedelta(days=3), balance=50_000)],
        lines=[paid_in(2, 30_000, day(2), balance=80_000), out(3, 5_000, day(9), balance=75_000)],
    )
    assert (result.opening.amount, result.opening.from_bank) == (50_000, True)
    assert (result.closing.amount, result.closing.from_bank) == (75_000, True)
    assert [row.balance for row in result.rows] == [80_000, 75_000]
    assert result.closing.how == "The bank's balance at the end of 9 March 2026."


def test_balances_are_worked_out_where_the_bank_gives_none_and_it_says_so():
    result = statement(
        before=[
            out(1, 100, datetime.date(2026, 2, 20), balance=50_000),
            out(2, 1_000, datetime.date(2026, 2, 25)),
        ],
        lines=[paid_in(3, 30_000, day(2)), out(4, 5_000, day(9))],
    )
    assert (result.opening.amount, result.opening.from_bank) == (49_000, False)
    assert "bank's balance on 20 February 2026" in result.opening.how
    assert [(row.balance, row.balance_from_bank) for row in result.rows] == [
        (79_000, False),
        (74_000, False),
    ]
    assert (result.closing.amount, result.closing.from_bank) == (74_000, False)
    assert result.closing.how.startswith("Worked out")


def test_with_nothing_before_the_opening_balance_is_worked_back_from_the_bank():
    result = statement(lines=[out(1, 5_000, day(4)), out(2, 1_000, day(6), balance=94_000)])
    assert result.opening.amount == 100_000
    assert result.opening.how == "Worked out back from the bank's balance on 6 March 2026."
    assert [row.balance for row in result.rows] == [95_000, 94_000]


def test_with_no_balance_ever_given_it_starts_from_nothing_and_says_so():
    result = statement(lines=[paid_in(1, 30_000, day(2))])
    assert result.opening.amount == 0
    assert "starts from £0.00" in result.opening.how
    assert result.closing.amount == 30_000


def test_a_quiet_month_keeps_its_opening_balance():
    result = statement(before=[out(1, 100, datetime.date(2026, 2, 1), balance=12_345)])
    assert result.rows == []
    assert (result.closing.amount, result.closing.how) == (
        12_345,
        "No money went in or out this month.",
    )


def test_each_transaction_is_explained_in_plain_english():
    result = statement(
        lines=[
            out(1, 1_000, day(3)),
            out(2, 90_000, day(4)),
            out(3, 2_000, day(5), match="not_in_plan", kind="cash", merchant=""),
            out(4, 500, day(6), match="not_in_plan", merchant="Bet Shop"),
            out(5, 300, day(7), match="not_in_plan", kind="fee", merchant="Bank"),
        ],
        unposted=[2],
    )
    notes = [row.note for row in result.rows]
    assert notes[0] == "Spent on personal care and support, which is in your plan."
    assert "more than the money there was for personal care and support" in notes[1]
    assert notes[2].startswith("Cash taken out")
    assert notes[3].startswith("We could not match this to your plan")
    assert notes[4].startswith("A fee")
    assert result.unposted == [2]
    assert result.rows[2].what == "No details"


@pytest.mark.parametrize(
    ("mcc", "named"),
    [
        ("7995", "betting and gambling"),
        ("7800", "a government lottery"),
        ("7801", "internet gambling"),
        ("7802", "horse or dog racing"),
        ("5921", "a shop selling alcohol"),
        ("5993", "a tobacco shop"),
    ],
)
def test_a_purchase_a_budget_can_never_pay_for_is_said_plainly(mcc, named):
    result = statement(
        lines=[out(1, 2_500, day(6), match="not_in_plan", kind="card", merchant="X", mcc=mcc)]
    )
    [row] = result.rows
    assert row.note == (
        f"The bank lists this as {named} (merchant category {mcc}). A personal health budget "
        "can never be spent on gambling, alcohol or tobacco. Your care coordinator will be in "
        "touch."
    )
    assert "keep the receipt" not in row.note


def test_a_purchase_in_an_ordinary_category_is_still_one_we_could_not_match():
    result = statement(lines=[out(1, 2_500, day(6), match="not_in_plan", kind="card", mcc="5411")])
    assert result.rows[0].note.startswith("We could not match this to your plan")


def test_a_direct_payment_is_named_without_repeating_its_reference():
    bare = LineFact(
        id=1,
        booked_on=day(2),
        direction="in",
        kind="credit",
        amount=1_000,
        description="PHB000008-00000004",
        match="reconciled",
        payment_reference="PHB000008-00000004",
    )
    result = statement(lines=[bare, paid_in(2, 1_000, day(3))])
    [first, second] = result.rows
    assert (first.what, second.what) == ("NHS", "NHS")
    assert first.note == "Your direct payment from the NHS (reference PHB000008-00000004)."
    named = LineFact(
        id=3,
        booked_on=day(4),
        direction="in",
        kind="credit",
        amount=1_000,
        counterparty="NHS NORTH EAST LON",
        match="reconciled",
        payment_reference="PHB000008-00000005",
    )
    assert statement(lines=[named]).rows[0].what == "NHS NORTH EAST LON"
