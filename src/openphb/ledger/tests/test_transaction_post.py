import datetime

import pytest
from django.core.exceptions import ValidationError

from openphb.ledger import selectors, services
from openphb.ledger.models import Leg, Transaction
from openphb.ledger.services import InsufficientFunds, LegSpec

from .conftest import DAY, open_account, post

pytestmark = pytest.mark.django_db


def test_it_posts_a_balanced_transaction_and_keeps_running_totals(source, pot):
    posted = post(LegSpec(account=pot, debit=25_000), LegSpec(account=source, credit=25_000))
    pot.refresh_from_db()
    source.refresh_from_db()
    assert posted.posted_at is not None
    assert (pot.balance, source.balance) == (25_000, 25_000)
    assert list(selectors.verify()) == []


def test_it_refuses_an_unbalanced_transaction_with_a_message(source, pot):
    with pytest.raises(ValidationError, match="must be equal"):
        post(LegSpec(account=pot, debit=25_000), LegSpec(account=source, credit=24_999))
    assert not Transaction.objects.exists()


def test_it_refuses_a_single_leg(pot):
    with pytest.raises(ValidationError, match="at least two legs"):
        post(LegSpec(account=pot, debit=100))


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "100"])
def test_it_refuses_amounts_that_are_not_positive_whole_pence(source, pot, amount):
    with pytest.raises(ValidationError):
        post(LegSpec(account=pot, debit=amount), LegSpec(account=source, credit=amount))


def test_it_refuses_a_leg_with_both_sides(source, pot):
    with pytest.raises(ValidationError, match="never both"):
        post(
            LegSpec(account=pot, debit=100, credit=100),
            LegSpec(account=source, debit=100, credit=100),
        )


def test_it_refuses_money_moving_between_funds_in_one_leg_pair(source):
    carers = open_account("allocation", fund="carers", minimum_balance=0)
    with pytest.raises(ValidationError, match="fund"):
        post(LegSpec(account=carers, debit=100), LegSpec(account=source, credit=100))


def test_it_refuses_to_overdraw_a_protected_account(source, pot, spent):
    post(LegSpec(account=pot, debit=1_000), LegSpec(account=source, credit=1_000))
    with pytest.raises(InsufficientFunds, match="Not enough"):
        post(LegSpec(account=spent, debit=1_001), LegSpec(account=pot, credit=1_001))
    pot.refresh_from_db()
    assert pot.balance == 1_000


def test_an_overdraft_minimum_lets_it_go_that_far_and_no_further(source, pot, spent):
    services.account_set_minimum(account=pot, minimum_balance=-500)
    post(LegSpec(account=spent, debit=500), LegSpec(account=pot, credit=500))
    with pytest.raises(InsufficientFunds, match=r"may go down to -£5\.00"):
        post(LegSpec(account=spent, debit=1), LegSpec(account=pot, credit=1))


def test_the_same_key_and_content_returns_the_first_transaction(source, pot):
    legs = (LegSpec(account=pot, debit=700), LegSpec(account=source, credit=700))
    first = post(*legs, key="payment-42")
    again = post(*legs, key="payment-42")
    pot.refresh_from_db()
    assert again.pk == first.pk
    assert pot.balance == 700
    assert Transaction.objects.count() == 1


def test_the_same_key_with_other_content_is_refused(source, pot):
    post(LegSpec(account=pot, debit=700), LegSpec(account=source, credit=700), key="payment-42")
    with pytest.raises(ValidationError, match="already used for a different transaction"):
        post(LegSpec(account=pot, debit=701), LegSpec(account=source, credit=701), key="payment-42")


def test_a_reversal_mirrors_the_original_and_links_to_it(source, pot):
    original = post(LegSpec(account=pot, debit=900), LegSpec(account=source, credit=900))
    reversal = services.transaction_reverse(
        original=original, effective_on=DAY, description="Entered twice", posted_by="test"
    )
    pot.refresh_from_db()
    assert reversal.reverses == original
    assert pot.balance == 0
    assert sorted(reversal.legs.values_list("debit", "credit")) == [(0, 900), (900, 0)]
    with pytest.raises(ValidationError, match="already been reversed"):
        services.transaction_reverse(
            original=original, effective_on=DAY, description="Again", posted_by="test"
        )


def test_balances_and_statements_follow_the_effective_date(source, pot, spent):
    post(LegSpec(account=pot, debit=1_000), LegSpec(account=source, credit=1_000), on=DAY)
    later = DAY + datetime.timedelta(days=10)
    post(LegSpec(account=spent, debit=300), LegSpec(account=pot, credit=300), on=later)
    assert selectors.balance_on(account=pot, on=DAY) == 1_000
    assert selectors.balance_on(account=pot, on=later) == 700
    assert selectors.balance_on(account=pot, on=DAY - datetime.timedelta(days=1)) == 0
    whole = selectors.statement(account=pot)
    assert [line.balance for line in whole.lines] == [1_000, 700]
    tail = selectors.statement(account=pot, start=later)
    assert (tail.opening, tail.closing, len(tail.lines)) == (1_000, 700, 1)


def test_a_batch_posts_every_transaction_or_none(source, pot, spent):
    specs = [
        services.TransactionSpec(
            effective_on=DAY,
            kind="test",
            description=f"Batch {n}",
            legs=[LegSpec(account=pot, debit=10), LegSpec(account=source, credit=10)],
        )
        for n in range(50)
    ]
    assert services.transactions_post_batch(specs=specs, posted_by="test") == 50
    pot.refresh_from_db()
    assert pot.balance == 500
    overdraw = [
        services.TransactionSpec(
            effective_on=DAY,
            kind="test",
            description=f"Spend {n}",
            legs=[LegSpec(account=spent, debit=100), LegSpec(account=pot, credit=100)],
        )
        for n in range(6)
    ]
    with pytest.raises(ValidationError, match="nothing was posted"):
        services.transactions_post_batch(specs=overdraw, posted_by="test")
    pot.refresh_from_db()
    assert pot.balance == 500
    assert Leg.objects.count() == 100
    assert list(selectors.verify()) == []


def test_a_page_of_a_statement_carries_the_running_balance_of_everything_before_it(source, pot):
    for n in range(1, 8):
        post(LegSpec(account=pot, debit=n * 100), LegSpec(account=source, credit=n * 100))
    whole = selectors.statement(account=source)
    every = list(whole.lines)
    assert len(whole.lines) == 7
    assert [line.balance for line in every] == [100, 300, 600, 1_000, 1_500, 2_100, 2_800]
    assert whole.lines[3:5] == every[3:5]
    assert whole.lines[-1].balance == whole.closing == 2_800
