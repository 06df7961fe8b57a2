"""Recording what was recovered: a repayment goes back to the commissioner's allocation through
the ledger, an offset is taken off the next payment run's payments; never more than is
outstanding; recovering all of it closes the notice."""

import pytest
from django.core.exceptions import ValidationError

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.funding.services import allocation_account
from openphb.ledger.models import Leg
from openphb.ledger.selectors import verify
from openphb.payments import runs
from openphb.payments.models import Offset
from openphb.recovery.models import NoticeEvent, Status
from openphb.recovery.services import recovery_record

from .conftest import TODAY, issue

pytestmark = pytest.mark.django_db


def record(user, notice, amount, method="repayment", on=TODAY):
    return recovery_record(
        actor=Actor(user=user), notice=notice, method=method, amount=amount, on=on
    )


def allocation_balance(budget):
    line = budget.lines.get()
    account = allocation_account(commissioner=budget.commissioner, stream=line.stream)
    account.refresh_from_db()
    return account.debits - account.credits


def test_a_repayment_moves_money_from_held_back_to_the_allocation(finance, budget, held):
    notice = issue(finance, budget)
    before = allocation_balance(budget)
    recovery = record(finance, notice, 40_000)
    legs = {
        (leg.account.purpose, leg.debit, leg.credit)
        for leg in Leg.objects.filter(transaction=recovery.transaction).select_related("account")
    }
    assert legs == {("held", 0, 40_000), ("allocation", 40_000, 0)}
    assert recovery.transaction.kind == "recovery"
    assert "PHB-R" in recovery.transaction.description
    assert budget_figures(budget=budget).total.held == held - 40_000
    assert allocation_balance(budget) == before + 40_000
    assert list(verify()) == []
    notice.refresh_from_db()
    assert notice.status == Status.ISSUED
    assert AuditEvent.objects.filter(action="notice.recovered").count() == 1


def test_recovering_all_of_it_closes_the_notice(finance, budget, held):
    notice = issue(finance, budget)
    record(finance, notice, 60_000)
    record(finance, notice, 40_000)
    notice.refresh_from_db()
    assert notice.status == Status.RECOVERED
    assert list(NoticeEvent.objects.filter(notice=notice).values_list("to_status", flat=True)) == [
        "issued",
        "recovered",
    ]
    with pytest.raises(ValidationError, match="recovered in full; nothing more is recovered"):
        record(finance, notice, 1)


def test_never_more_than_is_outstanding(finance, budget, held):
    notice = issue(finance, budget)
    record(finance, notice, 70_000)
    with pytest.raises(ValidationError) as error:
        record(finance, notice, 30_001)
    assert error.value.message_dict["amount"] == [
        "Only £300.00 is outstanding; £300.01 is more than that."
    ]


def test_a_repayment_of_spent_money_outside_the_plan_is_taken_from_held_then_spent(
    finance, budget, held
):
    from openphb.budgets.accounts import SPENT, budget_account
    from openphb.ledger import services as ledger

    line = budget.lines.get()
    # £2,500 of the £3,000 was spent (in betting shops, say): Dr spent / Cr held.
    ledger.transaction_post(
        spec=ledger.TransactionSpec(
            effective_on=TODAY,
            kind="spending",
            description="Card spending",
            legs=[
                ledger.LegSpec(
                    account=budget_account(
                        budget=budget, stream=line.stream, category=line.category, purpose=SPENT
                    ),
                    debit=250_000,
                    reference=line.reference,
                ),
                ledger.LegSpec(
                    account=budget_account(
                        budget=budget, stream=line.stream, category=line.category, purpose="held"
                    ),
                    credit=250_000,
                    reference=line.reference,
                ),
            ],
        ),
        posted_by="test",
    )
    notice = issue(finance, budget, ground="outside_plan", amount=200_000)
    recovery = record(finance, notice, 200_000)
    credits = dict(
        Leg.objects.filter(transaction=recovery.transaction, credit__gt=0).values_list(
            "account__purpose", "credit"
        )
    )
    assert credits == {"held": 50_000, "spent": 150_000}
    figures = budget_figures(budget=budget)
    assert (figures.total.held, figures.total.spent) == (0, 100_000)
    assert list(verify()) == []


def test_collection_is_paused_while_the_notice_is_reconsidered(finance, holder, budget, held):
    from openphb.recovery.services import reconsideration_request

    notice = issue(finance, budget)
    reconsideration_request(actor=Actor(user=holder), notice=notice, grounds="I need it.")
    with pytest.raises(ValidationError, match="nothing is collected until it is decided"):
        record(finance, notice, 10_000)


def test_a_withdrawn_notice_recovers_nothing(finance, budget, held):
    from openphb.recovery.services import notice_withdraw

    notice = issue(finance, budget)
    notice_withdraw(actor=Actor(user=finance), notice=notice, reason="Issued in error.")
    with pytest.raises(ValidationError, match="withdrawn; nothing more is recovered"):
        record(finance, notice, 10_000)


def test_the_day_is_on_or_after_the_notice_and_not_in_the_future(finance, budget, held):
    import datetime

    notice = issue(finance, budget)
    with pytest.raises(ValidationError) as error:
        record(finance, notice, 100, on=TODAY - datetime.timedelta(days=1))
    assert "give a later day" in error.value.message_dict["on"][0]
    with pytest.raises(ValidationError) as error:
        record(finance, notice, 100, on=TODAY + datetime.timedelta(days=1))
    assert error.value.message_dict["on"] == ["Money cannot be recovered in the future."]


def test_an_offset_is_taken_off_the_next_payment_run(
    icb, originator, finance, finance2, setup, held
):
    budget = setup.budget
    notice = issue(finance, budget, method="offset", amount=25_000)
    recovery = record(finance, notice, 25_000, method="offset")
    assert recovery.transaction is None
    offset = Offset.objects.get()
    assert (recovery.offset, offset.amount, offset.setup) == (offset, 25_000, setup)
    notice.refresh_from_db()
    assert notice.status == Status.RECOVERED
    run = runs.run_create(
        actor=Actor(user=finance), commissioner=icb, payment_date=budget.starts_on
    )
    payment = run.payments.get(budget=budget)
    assert payment.offset == 25_000
    assert payment.amount == payment.amount_due - 25_000
    runs.run_approve(actor=Actor(user=finance2), run=run)
    assert list(verify()) == []


def test_staff_of_another_commissioner_cannot_record_one(finance, budget, held, other_icb):
    from tests import factories

    notice = issue(finance, budget)
    stranger = factories.user(role="finance_officer", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for"):
        record(stranger, notice, 100)
