"""Approving and rejecting invoices: a second pair of eyes, problems that block and problems
that need a written reason, and the money set aside in the budget."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.models import BudgetLine
from openphb.budgets.selectors import budget_figures
from openphb.invoices import services
from openphb.invoices.models import Invoice, InvoiceEvent, Status
from openphb.invoices.rules import Code
from openphb.ledger.selectors import verify
from openphb.registry.models import Patient

from .world import PLAN_START, SYSTEM, TODAY, hydro_line, receive

pytestmark = pytest.mark.django_db


def committed(budget, item_ref: str) -> int:
    line = BudgetLine.objects.get(budget=budget, item_ref=item_ref)
    return budget_figures(budget=budget).by_line[line.pk].committed


@pytest.fixture
def clean(sam, provider, clerk):
    """Two sessions of hydrotherapy, in two weeks: nothing wrong with it."""
    return receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, days_in=7), hydro_line(sam.hydro, days_in=14)],
    )


def test_a_second_finance_officer_approves_and_the_money_is_set_aside(sam, clean, checker):
    approved = services.invoice_approve(actor=checker, invoice=clean)
    assert approved.status == Status.APPROVED
    assert approved.approved_by == checker.user
    assert approved.approved_on == TODAY
    assert committed(sam.budget, sam.hydro) == 9_000
    assert list(
        InvoiceEvent.objects.filter(invoice=clean).values_list("to_status", "by_label")
    ) == [("received", "clerk"), ("approved", "checker")]
    assert AuditEvent.objects.filter(action="invoice.approved", object_id=str(clean.pk)).exists()
    assert list(verify()) == []


def test_whoever_entered_an_invoice_cannot_approve_it(clean, clerk):
    with pytest.raises(ValidationError, match="You entered this invoice"):
        services.invoice_approve(actor=clerk, invoice=clean)
    assert Invoice.objects.get(pk=clean.pk).status == Status.RECEIVED


def test_the_database_refuses_an_approver_who_entered_the_invoice(clean, clerk):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=clean.pk).update(approved_by=clerk.user)


def test_an_invoice_is_approved_by_a_named_person(clean):
    with pytest.raises(ValidationError, match="approved by a named person"):
        services.invoice_approve(actor=SYSTEM, invoice=clean)


def test_a_blocking_problem_refuses_approval_whatever_the_note(sam, provider, clerk, checker):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro), hydro_line("plan-item:gym", days_in=8)],
    )
    with pytest.raises(ValidationError) as refused:
        services.invoice_approve(actor=checker, invoice=invoice, note="Pay it anyway.")
    assert "plan-item:gym is not an item of the care plan" in refused.value.messages[0]
    assert refused.value.messages[-1].startswith("These stop the invoice being paid")
    assert Invoice.objects.get(pk=invoice.pk).status == Status.CHECKED
    assert committed(sam.budget, sam.hydro) == 0


def test_a_price_over_the_plan_is_approved_only_with_a_written_reason(
    sam, provider, clerk, checker
):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, unit_price=5_000)],
    )
    with pytest.raises(ValidationError) as refused:
        services.invoice_approve(actor=checker, invoice=invoice)
    assert refused.value.message_dict["note"][-1] == (
        "Write why the invoice may be paid all the same."
    )
    approved = services.invoice_approve(
        actor=checker, invoice=invoice, note="The pool raised its prices in May; agreed."
    )
    assert approved.status == Status.APPROVED
    assert approved.approval_note == "The pool raised its prices in May; agreed."
    assert list(approved.problems.values_list("code", flat=True)) == [Code.PRICE_OVER]
    assert committed(sam.budget, sam.hydro) == 5_000
    assert (
        "with the problems found (1): The pool raised"
        in AuditEvent.objects.get(action="invoice.approved").summary
    )


def test_approval_checks_again_on_the_day_s_facts(sam, clean, checker):
    Patient.objects.filter(pk=sam.budget.patient_id).update(
        date_of_death=PLAN_START + datetime.timedelta(days=10)
    )
    with pytest.raises(ValidationError, match="after the person died"):
        services.invoice_approve(actor=checker, invoice=clean)


def test_approval_cannot_set_aside_more_than_the_line_has(sam, provider, clerk, checker):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, unit_price=900_000)],
    )
    with pytest.raises(ValidationError, match="not yet set aside"):
        services.invoice_approve(actor=checker, invoice=invoice, note="A very special session.")
    assert Invoice.objects.get(pk=invoice.pk).status == Status.CHECKED


def test_an_approved_invoice_is_not_approved_again(clean, checker):
    services.invoice_approve(actor=checker, invoice=clean)
    with pytest.raises(ValidationError, match="Only an invoice waiting for approval"):
        services.invoice_approve(actor=checker, invoice=clean)


def test_rejecting_needs_a_reason_and_ends_the_invoice(clean, checker, clerk):
    with pytest.raises(ValidationError) as refused:
        services.invoice_reject(actor=clerk, invoice=clean, reason=" ")
    assert refused.value.message_dict == {
        "reason": ["Say why it is rejected: the provider will be told."]
    }
    rejected = services.invoice_reject(actor=clerk, invoice=clean, reason="Not our patient.")
    assert rejected.status == Status.REJECTED
    assert rejected.rejection_reason == "Not our patient."
    with pytest.raises(ValidationError, match="can no longer be rejected"):
        services.invoice_reject(actor=clerk, invoice=clean, reason="Again.")
    with pytest.raises(ValidationError, match="Only an invoice waiting for approval"):
        services.invoice_approve(actor=checker, invoice=clean)


def test_rejecting_an_approved_invoice_releases_the_money_set_aside(sam, clean, checker):
    services.invoice_approve(actor=checker, invoice=clean)
    services.invoice_reject(actor=checker, invoice=clean, reason="The session was cancelled.")
    assert committed(sam.budget, sam.hydro) == 0
    assert (
        budget_figures(budget=sam.budget)
        .by_line[BudgetLine.objects.get(budget=sam.budget, item_ref=sam.hydro).pk]
        .available
        == sam.plan.items.get(name="Hydrotherapy").cost
    )
    assert list(verify()) == []


def test_the_history_of_an_invoice_cannot_be_rewritten(clean):
    event = InvoiceEvent.objects.get(invoice=clean)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        InvoiceEvent.objects.filter(pk=event.pk).update(note="Nothing happened.")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        InvoiceEvent.objects.filter(pk=event.pk).delete()


def test_a_provider_s_invoice_number_is_paid_once_whatever_the_application_does(
    sam, provider, clerk, checker
):
    first = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    again = receive(
        clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro, days_in=14)]
    )
    services.invoice_approve(actor=checker, invoice=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=again.pk).update(status=Status.APPROVED)


def test_staff_of_another_commissioner_cannot_approve(clean, other_icb):
    outsider = factories.user(role="finance_officer", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for"):
        services.invoice_approve(actor=Actor(user=outsider), invoice=clean)
