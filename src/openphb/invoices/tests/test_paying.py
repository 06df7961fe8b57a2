"""What a payment run asks of invoices: which are payable, which budget lines pay them, and
recording that it paid them, once."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.budgets.services import budget_pay
from openphb.invoices import selectors, services
from openphb.invoices.models import Invoice, InvoiceEvent, Status
from openphb.ledger.selectors import verify

from .world import PLAN_START, TODAY, hydro_line, receive, splash

pytestmark = pytest.mark.django_db
RUN = Actor.system_job("payment-run")


@pytest.fixture
def approved(sam, provider, clerk, checker):
    """Two sessions of hydrotherapy (notional) and the seizure-alert dog (third party)."""
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[
            hydro_line(sam.hydro, days_in=7),
            services.LineSpec(
                item_ref=sam.dog,
                service_date=PLAN_START + datetime.timedelta(days=8),
                quantity=1,
                unit_price=1_200_000,
            ),
            hydro_line(sam.hydro, days_in=14),
        ],
    )
    return services.invoice_approve(actor=checker, invoice=invoice)


def test_approved_unpaid_invoices_of_the_commissioner_are_payable(
    sam, approved, provider, clerk, icb, other_icb
):
    waiting = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, days_in=21)],
        number="INV-1002",
    )
    assert list(selectors.invoices_payable(commissioner=icb, on=TODAY)) == [approved]
    assert waiting not in selectors.invoices_payable(commissioner=icb, on=TODAY)
    assert not selectors.invoices_payable(commissioner=other_icb, on=TODAY).exists()
    yesterday = TODAY - datetime.timedelta(days=1)
    assert not selectors.invoices_payable(commissioner=icb, on=yesterday).exists()


def test_the_payment_specs_name_each_budget_line_once_with_its_amount(sam, approved):
    specs = selectors.invoice_payment_specs(invoice=approved)
    assert [(line.item_ref, line.holding, amount) for line, amount in specs] == [
        (sam.hydro, "notional", 9_000),
        (sam.dog, "third_party", 1_200_000),
    ]


def test_a_run_pays_from_what_approval_set_aside_and_marks_the_invoice_paid(sam, approved, icb):
    for line, amount in selectors.invoice_payment_specs(invoice=approved):
        budget_pay(
            actor=RUN,
            budget=sam.budget,
            line=line,
            amount=amount,
            on=TODAY,
            description=f"Invoice {approved.invoice_number}",
            from_committed=True,
            idempotency_key=f"run:1:invoice:{approved.pk}:line:{line.pk}",
        )
    paid = services.invoice_mark_paid(
        actor=RUN, invoice=approved, run_id=1, on=TODAY, transaction_id="PR1-0001"
    )
    assert (paid.status, paid.paid_in_run, paid.paid_on, paid.transaction_id) == (
        Status.PAID,
        1,
        TODAY,
        "PR1-0001",
    )
    figures = budget_figures(budget=sam.budget).total
    # The NHS paid the pool itself (spent); the dog went to the third party (held).
    assert (figures.committed, figures.spent, figures.held) == (0, 9_000, 1_200_000)
    assert not selectors.invoices_payable(commissioner=icb, on=TODAY).exists()
    assert "paid in payment run 1" in AuditEvent.objects.get(action="invoice.paid").summary
    assert list(verify()) == []


def test_marking_paid_twice_by_the_same_run_changes_nothing(approved):
    services.invoice_mark_paid(
        actor=RUN, invoice=approved, run_id=7, on=TODAY, transaction_id="PR7-0003"
    )
    again = services.invoice_mark_paid(
        actor=RUN, invoice=approved, run_id=7, on=TODAY, transaction_id="PR7-0003"
    )
    assert again.paid_in_run == 7
    assert InvoiceEvent.objects.filter(invoice=approved, to_status=Status.PAID).count() == 1
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 1


def test_another_run_cannot_pay_a_paid_invoice(approved):
    services.invoice_mark_paid(
        actor=RUN, invoice=approved, run_id=7, on=TODAY, transaction_id="PR7-0003"
    )
    with pytest.raises(ValidationError, match="paid already, by payment run 7"):
        services.invoice_mark_paid(
            actor=RUN, invoice=approved, run_id=8, on=TODAY, transaction_id="PR8-0001"
        )
    with pytest.raises(ValidationError, match="paid already"):
        services.invoice_mark_paid(
            actor=RUN, invoice=approved, run_id=7, on=TODAY, transaction_id="PR7-9999"
        )
    assert Invoice.objects.get(pk=approved.pk).paid_in_run == 7


def test_only_an_approved_invoice_is_marked_paid(sam, provider, clerk):
    waiting = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    with pytest.raises(ValidationError, match="Only an approved invoice is paid"):
        services.invoice_mark_paid(
            actor=RUN, invoice=waiting, run_id=1, on=TODAY, transaction_id="PR1-0001"
        )


def test_a_paid_invoice_cannot_be_rejected(approved, checker):
    services.invoice_mark_paid(
        actor=RUN, invoice=approved, run_id=1, on=TODAY, transaction_id="PR1-0001"
    )
    with pytest.raises(ValidationError, match="can no longer be rejected"):
        services.invoice_reject(actor=checker, invoice=approved, reason="Too late.")


def test_a_run_for_another_commissioner_s_staff_cannot_mark_it_paid(approved, other_icb):
    outsider = factories.user(role="finance_officer", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for"):
        services.invoice_mark_paid(
            actor=Actor(user=outsider),
            invoice=approved,
            run_id=1,
            on=TODAY,
            transaction_id="PR1-0001",
        )


def test_another_provider_than_the_plan_names_is_paid_only_with_a_written_reason(
    sam, icb, clerk, checker
):
    pool_two = splash(icb, name="Pool Two")
    invoice = receive(clerk, provider=pool_two, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    assert list(invoice.problems.values_list("code", flat=True)) == ["other_provider"]
    with pytest.raises(ValidationError, match="the plan names Splash Therapy Ltd"):
        services.invoice_approve(actor=checker, invoice=invoice)
    services.invoice_approve(actor=checker, invoice=invoice, note="Splash's pool was shut.")
    assert [
        (line.item_ref, amount) for line, amount in selectors.invoice_payment_specs(invoice=invoice)
    ] == [(sam.hydro, 4_500)]
