"""A budget's accounts in the ledger: one set per funding stream and category.

- available: approved for the plan, not yet set aside (never below zero);
- committed: set aside for a payment that is due (never below zero);
- held: paid to the person's direct-payment account or to a third party, not yet spent;
- spent: gone on care (an expense account).

So approved = available + committed + held + spent, paid = held + spent, and what is left to
spend = approved - spent.
"""

from openphb.funding.models import FundingStream
from openphb.ledger import services as ledger
from openphb.ledger.models import Account, AccountKind

from .models import Budget, Holding

OWNER = "budget"
AVAILABLE, COMMITTED, HELD, SPENT = "available", "committed", "held", "spent"
PURPOSES = (AVAILABLE, COMMITTED, HELD, SPENT)

_NAMES = {
    AVAILABLE: "available",
    COMMITTED: "committed",
    HELD: "paid, not yet spent",
    SPENT: "spent",
}


def budget_account(
    *, budget: Budget, stream: FundingStream, category: str, purpose: str
) -> Account:
    return ledger.account_open(
        name=f"Budget {budget.pk}: {stream.name}, {category.replace('_', ' ')}, {_NAMES[purpose]}",
        kind=AccountKind.EXPENSE if purpose == SPENT else AccountKind.ASSET,
        owner_kind=OWNER,
        owner_id=budget.pk,
        fund=stream.code,
        purpose=purpose,
        category=category,
        minimum_balance=None if purpose == SPENT else 0,
    )


def paid_into(holding: str) -> str:
    """Where a payment for a line lands: with the holder (or third party) until it is spent,
    or straight to spent when the NHS pays the provider itself."""
    return SPENT if holding == Holding.NOTIONAL else HELD
