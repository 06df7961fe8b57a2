"""Recovery fixtures: Sam's direct payment (a year's budget of £12,000 for a personal
assistant, paid monthly), money paid into Sam's account and not yet spent, a coordinator
and a finance officer who recover money, a commissioner who decides reconsiderations, and Sam's
own sign-in."""

import datetime

import pytest
from django.utils import timezone
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=28)


@pytest.fixture
def sam(icb):
    return factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")


@pytest.fixture
def setup(direct_payment, sam):
    return direct_payment(sam)


@pytest.fixture
def budget(setup):
    return setup.budget


def pay_in(budget, pence: int):
    """`pence` paid into the person's account (held, not yet spent)."""
    line = budget.lines.get()
    return budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=line,
        amount=pence,
        on=budget.starts_on,
        description="Paid into the account",
    )


@pytest.fixture
def held(budget):
    """£3,000 paid into Sam's account, unspent."""
    pay_in(budget, 300_000)
    return 300_000


@pytest.fixture
def holder(sam):
    account = factories.user(username="sam", role="budget_holder", first_name="Sam")
    sam.account = account
    sam.save(update_fields=["account"])
    return account


def issue(actor_user, budget, **given):
    """A notice for £1,000 of unused money, repaid by the deadline, from Sam."""
    from openphb.recovery.services import notice_issue

    values = dict(
        ground="unused",
        reasons="£3,000 has built up in the account over three months and is not needed.",
        amount=100_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        on=TODAY,
    )
    values.update(given)
    return notice_issue(actor=Actor(user=actor_user), budget=budget, **values)
