"""A payment run from creation to the Bacs file: exactly once, four eyes, resumable."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.ledger.selectors import verify
from openphb.payments import runs, services
from openphb.payments.calendar import processing_day_on_or_after
from openphb.payments.models import Payment, PaymentRun, SkipReason

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_a_run_pays_the_month_in_advance_and_the_dog_on_its_day(
    icb, originator, verified, finance, finance2, plan
):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    payments = list(run.payments.order_by("kind"))
    assert [p.kind for p in payments] == ["one_off", "regular"]
    dog, month = payments
    assert dog.amount == 1_200_000
    assert month.period_start == TODAY
    assert 0 < month.amount < 234_000  # a month of £2,340 a year of hydrotherapy
    assert run.payments_total == dog.amount + month.amount
    assert run.status == PaymentRun.Status.GATHERED

    with pytest.raises(ValidationError, match="another finance officer approves it"):
        runs.run_approve(actor=Actor(user=finance), run=run)
    run = runs.run_approve(actor=Actor(user=finance2), run=run)
    assert run.status == PaymentRun.Status.APPROVED
    assert run.serial == 1
    figures = budget_figures(budget=plan.budget)
    assert figures.total.held == run.payments_total
    assert list(verify()) == []

    data = runs.run_file(run=run)
    assert runs.run_file(run=run) == data  # byte-identical
    assert data.count(b"SAM ADEYEMI") == 0  # the account name is what the bank holds
    assert b"S ADEYEMI PHB" in data
    assert dog.reference.encode() in data


def test_creating_the_same_run_twice_returns_the_first(icb, originator, verified, finance):
    first = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    again = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    assert again == first
    assert PaymentRun.objects.count() == 1


def test_a_period_paid_by_one_run_is_not_due_in_the_next(
    icb, originator, verified, finance, finance2
):
    first = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    runs.run_approve(actor=Actor(user=finance2), run=first)
    later = runs.run_create(
        actor=Actor(user=finance),
        commissioner=icb,
        payment_date=processing_day_on_or_after(TODAY + datetime.timedelta(days=3)),
    )
    assert later.payments_count == 0


def test_the_database_refuses_a_second_payment_for_a_period(icb, originator, verified, finance):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    payment = run.payments.first()
    copy = Payment(
        run=run,
        budget=payment.budget,
        kind=payment.kind,
        period_start=payment.period_start,
        period_end=payment.period_end,
        item_ref=payment.item_ref,
        amount_due=payment.amount_due,
        amount=payment.amount,
        reference="PHB-COPY",
        payee_name="x",
        sort_code="200000",
        account_number="55779911",
        account_name="X",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_unverified_bank_details_hold_the_payment_and_say_so(icb, originator, setup, finance):
    services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="200000",
        account_number="55779911",
        account_name="S ADEYEMI",
    )
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    [skip] = run.skips.all()
    assert run.payments_count == 0
    assert skip.reason == SkipReason.BANK_UNVERIFIED
    assert skip.detail.startswith("A change of bank details is waiting to be verified; £")


def test_no_agreement_a_suspension_a_stop_and_a_death_each_skip_with_their_reason(
    icb, originator, verified, setup, finance, person
):
    services.hold_start(
        actor=Actor(user=finance),
        setup=setup,
        kind="suspend",
        reason="hospital",
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=10),
    )
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    [skip] = run.skips.all()
    assert skip.reason == SkipReason.SUSPENDED
    assert skip.detail.startswith(
        f"Since {TODAY:%-d %B %Y} until {TODAY + datetime.timedelta(days=10):%-d %B %Y}: "
        "The person is in hospital. £"
    )
    assert skip.detail.endswith(" is held.")
    with pytest.raises(ValidationError, match="must stop"):
        services.hold_start(
            actor=Actor(user=finance),
            setup=setup,
            kind="suspend",
            reason="consent_withdrawn",
            starts_on=TODAY,
        )


def test_the_bank_details_are_verified_by_someone_else(setup, finance):
    details = services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="20-00-00",
        account_number="55779911",
        account_name="S ADEYEMI",
    )
    with pytest.raises(ValidationError, match="someone else must verify"):
        services.bank_details_decide(actor=Actor(user=finance), details=details, verified=True)


@pytest.mark.parametrize(
    ("sort_code", "account_number", "field"),
    [("2000", "55779911", "sort_code"), ("200000", "5577991x", "account_number")],
)
def test_bad_bank_details_are_refused(setup, finance, sort_code, account_number, field):
    with pytest.raises(ValidationError) as refused:
        services.bank_details_enter(
            actor=Actor(user=finance),
            setup=setup,
            sort_code=sort_code,
            account_number=account_number,
            account_name="S ADEYEMI",
        )
    assert field in refused.value.message_dict


def test_an_offset_reduces_the_payment_by_at_most_what_is_due(
    icb, originator, verified, setup, finance
):
    services.offset_record(
        actor=Actor(user=finance),
        setup=setup,
        amount=1_250_000,
        reason="Recovery decision 7: surplus of £12,500",
        decided_on=TODAY,
    )
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    dog, month = run.payments.order_by("kind")
    # £12,500 covers the dog and the month entirely; what is left waits for later payments.
    assert (dog.offset, dog.amount) == (1_200_000, 0)
    assert (month.offset, month.amount) == (month.amount_due, 0)
    assert runs._offsets_left([setup])[setup.pk] == 1_250_000 - 1_200_000 - month.amount_due


def test_a_returned_payment_puts_the_money_back_in_the_budget(
    icb, originator, verified, finance, finance2, plan
):
    run = runs.run_approve(
        actor=Actor(user=finance2),
        run=runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY),
    )
    before = budget_figures(budget=plan.budget).total
    dog = run.payments.get(kind="one_off")
    runs.payment_return(actor=Actor(user=finance), payment=dog, on=TODAY, reason="Account closed")
    after = budget_figures(budget=plan.budget).total
    assert after.held == before.held - 1_200_000
    assert after.available == before.available + 1_200_000
    with pytest.raises(ValidationError, match="Only a payment that was made"):
        runs.payment_return(actor=Actor(user=finance), payment=dog, on=TODAY, reason="Again")
    assert list(verify()) == []


def test_a_run_can_be_cancelled_before_approval_and_gathered_again(
    icb, originator, verified, finance
):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    runs.run_cancel(actor=Actor(user=finance), run=run, reason="Wrong date")
    again = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    assert again != run
    assert again.payments_count == 2


def test_a_run_stopped_part_way_resumes_to_the_same_end(
    icb, originator, verified, finance, finance2, plan
):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)

    class Stop(Exception):
        pass

    def stop(_: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        runs.run_approve(actor=Actor(user=finance2), run=run, chunk=1, progress=stop)
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.APPROVING
    assert run.payments.filter(status="paid").count() == 1
    third = factories.user(role="finance_officer", organisations=(icb,))
    with pytest.raises(ValidationError, match="is approving this run"):
        runs.run_approve(actor=Actor(user=third), run=run)
    run = runs.run_approve(actor=Actor(user=finance2), run=run, chunk=1)
    assert run.status == PaymentRun.Status.APPROVED
    assert run.payments.filter(status="paid").count() == 2
    assert budget_figures(budget=plan.budget).total.held == run.payments_total
    assert list(verify()) == []


def test_a_run_is_for_a_weekday(icb, originator, finance):
    saturday = TODAY + datetime.timedelta(days=5 - TODAY.weekday())
    with pytest.raises(
        ValidationError, match="is a weekend day: Bacs does not process payments then"
    ):
        runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=saturday)
