import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.demo import world
from openphb.ledger.selectors import verify
from openphb.payments import runs
from openphb.payments.calendar import processing_day_on_or_after
from openphb.payments.models import (
    BankDetails,
    DirectPaymentSetup,
    Payment,
    PaymentRun,
    Skip,
    SkipReason,
)
from openphb.payments.selectors import changes_to_verify, payments_of_budget

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    world.build(seed=2013, patients=150, say=lambda _: None)


def user(username: str) -> User:
    return User.objects.get(username=username)


def test_each_direct_payment_is_set_up_by_finance_and_its_bank_details_verified_by_finance2(
    demo,
):
    setups = DirectPaymentSetup.objects.all()
    assert setups.count() >= 3
    for setup in setups:
        assert setup.budget.lines.filter(holding="direct_payment").exists()
        assert setup.created_by == user("finance")
        first = setup.bank_details.order_by("entered_at", "pk").first()
        assert first.status == BankDetails.Status.VERIFIED
        assert (first.entered_by, first.decided_by) == (user("finance"), user("finance2"))
    holder = Budget.objects.get(patient__account__username="holder")
    assert holder.direct_payment.payee_kind == "person"
    assert holder.direct_payment.agreement_signed_on is not None


def test_past_runs_are_approved_by_a_second_officer_on_processing_days_with_matching_files(
    demo,
):
    approved = PaymentRun.objects.filter(status=PaymentRun.Status.APPROVED)
    assert approved.filter(payment_date__lt=datetime.date.today()).count() >= 3
    assert approved.exclude(serial=None).exists()
    for run in approved:
        assert (run.created_by, run.approved_by) == (user("finance"), user("finance2"))
        assert run.payment_date == processing_day_on_or_after(run.payment_date)
        if run.serial is not None:
            assert hashlib.sha256(runs.run_file(run=run)).hexdigest() == run.file_sha256
    assert list(verify()) == []


def test_the_holder_sees_a_payment_made_to_them(demo):
    holder = user("holder")
    budget = Budget.objects.get(patient__account=holder)
    made = payments_of_budget(user=holder, budget_id=budget.pk)
    assert made
    assert {payment.status for payment in made} == {Payment.Status.PAID}


def test_a_payment_returned_by_the_bank_is_reversed_and_new_bank_details_wait_to_be_verified(
    demo,
):
    returned = Payment.objects.get(status=Payment.Status.RETURNED)
    assert "Account closed" in returned.return_reason
    assert returned.returned_on > returned.run.payment_date
    assert returned.return_transaction.reverses_id == returned.transaction_id
    setup = returned.budget.direct_payment
    waiting = setup.bank_details.get(status=BankDetails.Status.PENDING)
    assert waiting.entered_by == user("finance")
    assert list(changes_to_verify(user=user("finance2"))) == [waiting]
    held = Skip.objects.filter(budget=setup.budget, reason=SkipReason.BANK_UNVERIFIED)
    assert held.filter(run__status=PaymentRun.Status.GATHERED).exists()
    assert not Payment.objects.filter(
        budget=setup.budget, run__payment_date__gt=returned.run.payment_date
    ).exists()


def test_the_next_runs_wait_for_finance2_and_list_what_is_held_with_the_reason(demo):
    waiting = PaymentRun.objects.filter(status=PaymentRun.Status.GATHERED)
    assert waiting.count() == 2
    assert all(run.payment_date > datetime.date.today() for run in waiting)
    reasons = set(Skip.objects.filter(run__in=waiting).values_list("reason", flat=True))
    assert {SkipReason.BANK_UNVERIFIED, SkipReason.SUSPENDED, SkipReason.NO_AGREEMENT} <= reasons
    for run in waiting:
        with pytest.raises(ValidationError, match="another finance officer"):
            runs.run_approve(actor=Actor(user=user("finance")), run=run)
        run = runs.run_approve(actor=Actor(user=user("finance2")), run=run)
        assert run.status == PaymentRun.Status.APPROVED
        if run.serial is not None:
            assert hashlib.sha256(runs.run_file(run=run)).hexdigest() == run.file_sha256
    assert list(verify()) == []


def test_building_the_demo_again_adds_no_set_up_run_or_payment(demo):
    counts = (
        DirectPaymentSetup.objects.count(),
        BankDetails.objects.count(),
        PaymentRun.objects.count(),
        Payment.objects.count(),
        Skip.objects.count(),
    )
    world.build(seed=2013, patients=150, say=lambda _: None)
    assert (
        DirectPaymentSetup.objects.count(),
        BankDetails.objects.count(),
        PaymentRun.objects.count(),
        Payment.objects.count(),
        Skip.objects.count(),
    ) == counts
