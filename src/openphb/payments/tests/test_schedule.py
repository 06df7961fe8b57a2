"""When direct payments fall due and how much each is."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openphb.payments import schedule
from openphb.payments.schedule import Payable, due

D = datetime.date


def test_four_weekly_periods_run_from_the_first_payment_day():
    assert list(schedule.periods(D(2026, 4, 6), "four_weekly", D(2026, 6, 1))) == [
        (D(2026, 4, 6), D(2026, 5, 3)),
        (D(2026, 5, 4), D(2026, 5, 31)),
        (D(2026, 6, 1), D(2026, 6, 28)),
    ]


def test_monthly_periods_keep_the_day_or_the_months_last():
    assert [start for start, _ in schedule.periods(D(2027, 1, 31), "monthly", D(2027, 4, 1))] == [
        D(2027, 1, 31),
        D(2027, 2, 28),
        D(2027, 3, 31),
    ]


def test_a_year_of_personal_assistant_hours_is_paid_in_advance_and_pro_rata_at_the_ends():
    """£8,580 for 1 April 2026 to 31 March 2027, paid every 4 weeks from 6 April: the first
    payment also covers 1 to 5 April; 13 periods reach 4 April 2027, so the last runs past
    the year's end and pays only for its days within it."""
    payable = Payable(line=1, amount=858_000, starts_on=D(2026, 4, 1), ends_on=D(2027, 3, 31))
    owed = due([payable], anchor=D(2026, 4, 6), frequency="four_weekly", on=D(2027, 12, 31))
    assert len(owed) == 13
    assert sum(d.amount for d in owed) == 858_000
    assert owed[0].amount == 77_573  # 1 April to 3 May: 33 days of 365
    assert owed[1].amount == 65_819  # 28 days
    assert (owed[-1].period_start, owed[-1].period_end) == (D(2027, 3, 8), D(2027, 4, 4))
    assert owed[-1].amount == 56_416  # 8 to 31 March: 24 days


def test_only_periods_started_by_the_payment_day_are_due_and_paid_ones_never_again():
    payable = Payable(line=1, amount=120_000, starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31))
    first = due([payable], anchor=D(2026, 1, 1), frequency="monthly", on=D(2026, 3, 15))
    assert [d.period_start for d in first] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    paid = {d.key for d in first[:2]}
    again = due([payable], anchor=D(2026, 1, 1), frequency="monthly", on=D(2026, 3, 15), paid=paid)
    assert [d.period_start for d in again] == [D(2026, 3, 1)]


def test_a_one_off_is_paid_in_full_on_its_day():
    dog = Payable(
        line=2,
        amount=1_200_000,
        starts_on=D(2026, 5, 20),
        ends_on=D(2026, 5, 20),
        one_off=True,
        item_ref="plan-item:dog",
    )
    assert due([dog], anchor=D(2026, 4, 1), frequency="monthly", on=D(2026, 5, 19)) == []
    [owed] = due([dog], anchor=D(2026, 4, 1), frequency="monthly", on=D(2026, 5, 20))
    assert (owed.kind, owed.amount, owed.item_ref) == ("one_off", 1_200_000, "plan-item:dog")


def test_an_offset_reduces_a_payment_by_at_most_its_amount():
    assert schedule.offset(50_000, 80_000) == 50_000
    assert schedule.offset(50_000, 20_000) == 20_000
    assert schedule.offset(50_000, 0) == 0


@given(
    amount=st.integers(1, 10**9),
    start=st.dates(D(2024, 1, 1), D(2028, 12, 31)),
    days=st.integers(1, 400),
    lead=st.integers(-40, 40),
    frequency=st.sampled_from(["four_weekly", "monthly"]),
)
def test_the_periods_add_up_exactly_to_what_the_item_costs(amount, start, days, lead, frequency):
    payable = Payable(
        line=1, amount=amount, starts_on=start, ends_on=start + datetime.timedelta(days=days - 1)
    )
    anchor = start + datetime.timedelta(days=lead)
    owed = due([payable], anchor=anchor, frequency=frequency, on=D(2031, 1, 1))
    assert sum(d.amount for d in owed) == amount
    assert all(d.amount >= 0 for d in owed)
