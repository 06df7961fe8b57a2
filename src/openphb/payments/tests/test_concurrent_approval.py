"""Two approvals of one run at the same time pay each payment once (PostgreSQL: each chunk
locks the run's row, so the two take turns and neither posts what the other has posted)."""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.accounts import HELD
from openphb.ledger.models import Account, Transaction
from openphb.ledger.selectors import verify
from openphb.payments import runs
from openphb.payments.models import Payment, PaymentRun

from .conftest import TODAY
from .many import direct_payment_budgets

BUDGETS = 60  # 90 payments
CHUNK = 4


def race(*attempts: Callable[[], object]) -> list[str]:
    """Run each attempt in a thread of its own, released together: 'ok', or the refusal."""
    start = threading.Barrier(len(attempts))
    outcomes: list[str] = [""] * len(attempts)

    def run(n: int) -> None:
        try:
            start.wait()
            attempts[n]()
            outcomes[n] = "ok"
        except ValidationError as error:
            outcomes[n] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_officer_approving_twice_at_once_pays_each_payment_once(
    icb, originator, finance, finance2
):
    direct_payment_budgets(commissioner=icb, count=BUDGETS, on=TODAY)
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    assert run.payments_count == BUDGETS + BUDGETS // 2

    def approve() -> PaymentRun:
        return runs.run_approve(actor=Actor(user=finance2), run=run, chunk=CHUNK)

    assert race(approve, approve) == ["ok", "ok"]

    run.refresh_from_db()
    assert run.status == PaymentRun.Status.APPROVED
    assert run.serial == 1
    payments = Payment.objects.filter(run=run)
    assert set(payments.values_list("status", flat=True)) == {Payment.Status.PAID}
    keys = [f"payment:{pk}" for pk in payments.values_list("pk", flat=True)]
    posted = Transaction.objects.filter(idempotency_key__in=keys)
    assert posted.count() == run.payments_count
    assert set(payments.values_list("transaction_id", flat=True)) == set(
        posted.values_list("pk", flat=True)
    )
    held = Account.objects.filter(owner_kind="budget", purpose=HELD)
    assert sum(a.balance for a in held) == run.payments_total
    approved = AuditEvent.objects.filter(action="payment_run.approved", object_id=str(run.pk))
    assert approved.count() == 1
    assert Transaction.objects.filter(kind="payment").count() == run.payments_count
    assert list(verify()) == []
