"""Concurrent postings against one protected account never overdraw it (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection

from openphb.ledger.models import AccountKind
from openphb.ledger.services import InsufficientFunds, LegSpec

from .conftest import open_account, post


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_ten_pound_debits_against_250_pounds_let_exactly_25_through():
    source = open_account("granted", kind=AccountKind.EQUITY)
    pot = open_account("allocation", minimum_balance=0)
    spent = open_account("spent", kind=AccountKind.EXPENSE)
    post(LegSpec(account=pot, debit=25_000), LegSpec(account=source, credit=25_000))

    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def spend() -> None:
        try:
            start.wait()
            post(LegSpec(account=spent, debit=1_000), LegSpec(account=pot, credit=1_000))
            outcome = "posted"
        except InsufficientFunds:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=spend) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    pot.refresh_from_db()
    assert sorted(outcomes).count("posted") == 25
    assert outcomes.count("refused") == 25
    assert pot.balance == 0
