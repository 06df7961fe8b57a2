"""A budget's accounts in the ledger: one set per funding stream and category.

- available: approved for the plan, not yet set aside (never below zero);
- committed: set aside for a payment that is due (never below zero);
- held: paid to the person's direct-payment account or to a third party, not yet spent;
- spent: gone on care (an expense account).

So approved = available + committed + held + spent, paid = held + spent, and what is left to
spend = approved - spent.
"""

from collections.abc import Iterable
from dataclasses import asdict

from openphb.funding.models import FundingStream
from openphb.ledger import services as ledger
from openphb.ledger.models import Account, AccountKind
from openphb.ledger.services import AccountSpec

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


def _spec(budget_id: int, stream: FundingStream, category: str, purpose: str) -> AccountSpec:
    return AccountSpec(
        name=f"Budget {budget_id}: {stream.name}, {category.replace('_', ' ')}, {_NAMES[purpose]}",
        kind=AccountKind.EXPENSE if purpose == SPENT else AccountKind.ASSET,
        owner_kind=OWNER,
        owner_id=budget_id,
        fund=stream.code,
        purpose=purpose,
        category=category,
        minimum_balance=None if purpose == SPENT else 0,
    )


def budget_account(
    *, budget: Budget, stream: FundingStream, category: str, purpose: str
) -> Account:
    return ledger.account_open(**asdict(_spec(budget.pk, stream, category, purpose)))


def budget_accounts(
    *, wanted: Iterable[tuple[int, FundingStream, str, str]]
) -> dict[tuple[int, str, str, str], Account]:
    """`budget_account` for many at once: (budget id, stream, category, purpose) each, keyed
    by (budget id, the stream's code, category, purpose)."""
    specs = [_spec(*key) for key in wanted]
    return {
        (owner_id, fund, category, purpose): account
        for (_, owner_id, fund, purpose, category), account in ledger.accounts_open(
            specs=specs
        ).items()
    }


def paid_into(holding: str) -> str:
    """Where a payment for a line lands: with the holder (or third party) until it is spent,
    or straight to spent when the NHS pays the provider itself."""
    return SPENT if holding == Holding.NOTIONAL else HELD
