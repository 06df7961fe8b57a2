import datetime

import pytest

from openphb.ledger import services
from openphb.ledger.models import AccountKind
from openphb.ledger.services import LegSpec, TransactionSpec

DAY = datetime.date(2025, 4, 1)


def open_account(purpose: str, *, kind: str = AccountKind.ASSET, fund: str = "chc", **extra):
    return services.account_open(
        name=f"Test {purpose}",
        kind=kind,
        owner_kind="organisation",
        owner_id=1,
        fund=fund,
        purpose=purpose,
        **extra,
    )


def post(*legs: LegSpec, key: str | None = None, description: str = "Test", on=DAY):
    return services.transaction_post(
        spec=TransactionSpec(
            effective_on=on,
            kind="test",
            description=description,
            legs=list(legs),
            idempotency_key=key,
        ),
        posted_by="test",
    )


@pytest.fixture
def source(db):
    """An equity account money comes from (no limit)."""
    return open_account("granted", kind=AccountKind.EQUITY)


@pytest.fixture
def pot(db):
    """A protected asset account (never below zero)."""
    return open_account("allocation", minimum_balance=0)


@pytest.fixture
def spent(db):
    return open_account("spent", kind=AccountKind.EXPENSE)
