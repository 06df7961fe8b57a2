"""budget_recover: money recovered from a direct payment goes back to the commissioner's
allocation, taken from the direct-payment lines' held money in the order the lines were added,
never below nothing; spent money only when asked."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.budgets.services import budget_end, budget_pay, budget_recover
from openphb.funding.services import allocation_account
from openphb.ledger.models import Leg
from openphb.ledger.selectors import verify

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system_job("test")
DAY = datetime.date(2025, 4, 1)


@pytest.fixture
def budget(icb, patient):
    stream = factories.funding_stream(starts_on=datetime.date(2024, 4, 1))
    factories.allocation(stream=stream, commissioner=icb, amount=5_000_000)
    budget = factories.budget(
        patient=patient,
        commissioner=icb,
        stream=stream,
        lines=(("Personal assistant", "personal_care", 600_000), ("Gym", "activities", 100_000)),
    )
    first, second = budget.lines.order_by("pk")
    budget_pay(actor=SYSTEM, budget=budget, line=first, amount=30_000, on=DAY, description="")
    budget_pay(actor=SYSTEM, budget=budget, line=second, amount=20_000, on=DAY, description="")
    return budget


def recover(budget, amount, **more):
    return budget_recover(
        actor=SYSTEM, budget=budget, amount=amount, on=DAY, description="Notice repaid", **more
    )


def test_it_takes_the_first_lines_held_money_first_and_balances(budget):
    first, second = budget.lines.order_by("pk")
    stream = first.stream
    pool = allocation_account(commissioner=budget.commissioner, stream=stream)
    before = pool.debits - pool.credits
    posted = recover(budget, 40_000)
    credits = {
        leg.reference: leg.credit for leg in Leg.objects.filter(transaction=posted, credit__gt=0)
    }
    assert credits == {first.reference: 30_000, second.reference: 10_000}
    pool.refresh_from_db()
    assert pool.debits - pool.credits == before + 40_000
    figures = budget_figures(budget=budget)
    assert (figures.by_line[first.pk].held, figures.by_line[second.pk].held) == (0, 10_000)
    assert figures.total.approved == 700_000 - 40_000
    assert list(verify()) == []


def test_it_refuses_more_than_is_held(budget):
    with pytest.raises(ValidationError) as error:
        recover(budget, 50_001)
    assert error.value.message_dict["amount"] == [
        "The budget has £500.00 held unspent by direct payment; £500.01 is more than that."
    ]


def test_it_recovers_from_an_ended_budget(budget):
    budget_end(actor=SYSTEM, budget=budget, on=DAY, reason="The person died.")
    recover(budget, 50_000)
    assert budget_figures(budget=budget).total.held == 0


def test_it_does_not_touch_lines_not_paid_by_direct_payment(icb, patient):
    stream = factories.funding_stream(starts_on=datetime.date(2024, 4, 1))
    factories.allocation(stream=stream, commissioner=icb, amount=5_000_000)
    notional = factories.budget(
        patient=patient, commissioner=icb, stream=stream, holding="third_party"
    )
    line = notional.lines.get()
    budget_pay(actor=SYSTEM, budget=notional, line=line, amount=10_000, on=DAY, description="")
    with pytest.raises(ValidationError, match=r"£0\.00 held unspent"):
        recover(notional, 1)
