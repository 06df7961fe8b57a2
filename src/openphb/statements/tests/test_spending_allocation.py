"""Which lines the money held can pay for, as a pure function: whatever the order and amounts
of the lines, no account ever goes below nothing, and what is posted and what is not add up
to everything there was to post."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openphb.statements.spending import Spend, allocate

A, B = (1, 1, "personal_care"), (1, 1, "activities")
START = datetime.date(2026, 1, 1)


def spend(n: int, amount: int, day: int = 0, account=A) -> Spend:
    return Spend(n, account, START + datetime.timedelta(days=day), amount)


def test_lines_are_taken_in_date_order_whatever_order_they_come_in():
    late, early = spend(1, 600, day=5), spend(2, 600, day=1)
    posted, unposted = allocate([late, early], {A: 1_000})
    assert posted == [early]
    assert unposted == [(late, 400)]


def test_a_line_too_big_is_passed_over_and_a_smaller_later_one_still_fits():
    big, small = spend(1, 900, day=1), spend(2, 300, day=2)
    posted, unposted = allocate([big, small], {A: 500})
    assert posted == [small]
    assert unposted == [(big, 500)]


def test_an_account_never_paid_into_holds_nothing():
    posted, unposted = allocate([spend(1, 1, account=B)], {A: 1_000})
    assert posted == []
    assert unposted == [(spend(1, 1, account=B), 0)]


lines = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=50_000),  # pence
        st.integers(min_value=0, max_value=60),  # day
        st.sampled_from([A, B]),
    ),
    max_size=40,
)


@given(lines=lines, held_a=st.integers(0, 200_000), held_b=st.integers(0, 200_000))
def test_held_never_goes_below_nothing_and_posted_and_unposted_make_the_total(
    lines, held_a, held_b
):
    spends = [spend(n, amount, day, account) for n, (amount, day, account) in enumerate(lines)]
    held = {A: held_a, B: held_b}
    posted, unposted = allocate(spends, held)
    for account in (A, B):
        taken = sum(s.amount for s in posted if s.account == account)
        assert taken <= held[account]
    assert sum(s.amount for s in posted) + sum(s.amount for s, _ in unposted) == sum(
        s.amount for s in spends
    )
    assert sorted(s.statement_line_id for s in posted + [s for s, _ in unposted]) == list(
        range(len(spends))
    )
    # A line left over is more than was left when its turn came.
    for left_over, there in unposted:
        assert left_over.amount > there >= 0


@given(lines=lines, held_a=st.integers(0, 200_000))
def test_the_order_lines_arrive_in_does_not_change_the_outcome(lines, held_a):
    spends = [spend(n, amount, day, account) for n, (amount, day, account) in enumerate(lines)]
    held = {A: held_a, B: 0}
    assert allocate(spends, held) == allocate(list(reversed(spends)), held)
