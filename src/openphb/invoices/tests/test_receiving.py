"""Receiving a provider's invoice and checking it against Sam's care plan."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.invoices import services
from openphb.invoices.models import Invoice, InvoiceEvent, Status
from openphb.invoices.rules import Code
from openphb.planning import reviews
from openphb.planning.catalogue import ProviderSpec, provider_save
from openphb.registry.models import Patient

from .world import PLAN_START, SYSTEM, TODAY, hydro_line, receive, splash

pytestmark = pytest.mark.django_db


def codes(invoice: Invoice) -> list[str]:
    return list(invoice.problems.order_by("id").values_list("code", flat=True))


def test_an_invoice_for_what_the_plan_buys_is_received_with_no_problems(sam, provider, clerk):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[
            hydro_line(sam.hydro, days_in=7),
            services.LineSpec(
                item_ref=sam.dog,
                service_date=PLAN_START + datetime.timedelta(days=10),
                quantity=1,
                unit_price=1_200_000,
            ),
        ],
    )
    assert invoice.status == Status.RECEIVED
    assert invoice.total == 1_204_500
    assert [(line.position, line.amount) for line in invoice.lines.all()] == [
        (1, 4_500),
        (2, 1_200_000),
    ]
    assert codes(invoice) == []
    assert invoice.received_by == clerk.user
    [event] = InvoiceEvent.objects.filter(invoice=invoice)
    assert (event.from_status, event.to_status, event.by) == ("", "received", clerk.user)
    assert event.note == "no problems found"
    audit = AuditEvent.objects.get(action="invoice.received")
    assert audit.patient_id == sam.budget.patient_id
    assert "Invoice INV-1001 from Splash Therapy Ltd for £12,045.00, 2 lines" in audit.summary


def test_problems_are_recorded_with_their_codes_and_lines(sam, provider, clerk):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[
            hydro_line(sam.hydro, unit_price=5_000),
            hydro_line("plan-item:nothing", days_in=8),
        ],
    )
    assert invoice.status == Status.CHECKED
    problems = list(invoice.problems.select_related("line").order_by("id"))
    assert [(p.code, p.line.position, p.blocks) for p in problems] == [
        (Code.PRICE_OVER, 1, False),
        (Code.NOT_IN_PLAN, 2, True),
    ]
    assert problems[0].explanation.startswith("Line 1 (Hydrotherapy, ")
    assert InvoiceEvent.objects.get(invoice=invoice).note == (
        "2 problems found, 1 of which block approval"
    )


def test_the_shape_of_an_invoice_is_refused_field_by_field(sam, provider, clerk, other_icb):
    elsewhere = splash(other_icb, name="Faraway Care")
    with pytest.raises(ValidationError) as refused:
        services.invoice_receive(
            actor=clerk,
            provider=elsewhere,
            budget=sam.budget,
            invoice_number="  ",
            issued_on=TODAY,
            received_on=TODAY - datetime.timedelta(days=1),
            total=-1,
            lines=[hydro_line(sam.hydro, quantity=0, unit_price=0)],
        )
    errors = refused.value.message_dict
    assert set(errors) == {"invoice_number", "provider", "received_on", "total", "lines"}
    assert errors["provider"] == ["Faraway Care is not a provider of NHS North East London ICB."]
    assert errors["lines"] == [
        "Line 1: the quantity is a whole number from 1 to 10,000.",
        "Line 1: the unit price is a whole number of pence above 0.",
    ]
    with pytest.raises(ValidationError, match="at least one thing"):
        receive(clerk, provider=provider, budget=sam.budget, lines=[])
    assert not Invoice.objects.exists()


def test_someone_who_does_not_work_for_the_commissioner_cannot_enter_an_invoice(
    sam, provider, other_icb
):
    outsider = factories.user(role="finance_officer", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for NHS North East London ICB"):
        receive(
            Actor(user=outsider),
            provider=provider,
            budget=sam.budget,
            lines=[hydro_line(sam.hydro)],
        )


def test_the_same_invoice_number_again_is_a_duplicate_but_the_first_is_not(sam, provider, clerk):
    first = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    again = receive(
        clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro, days_in=14)]
    )
    assert codes(again) == [Code.DUPLICATE_INVOICE]
    assert services.invoice_recheck(actor=clerk, invoice=first).status == Status.RECEIVED
    assert codes(first) == []


def test_a_rejected_duplicate_no_longer_counts(sam, provider, clerk, checker):
    first = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    again = receive(
        clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro, days_in=14)]
    )
    services.invoice_reject(actor=checker, invoice=first, reason="Sent twice; paying the later.")
    rechecked = services.invoice_recheck(actor=clerk, invoice=again)
    assert rechecked.status == Status.RECEIVED
    assert codes(rechecked) == []
    assert list(
        InvoiceEvent.objects.filter(invoice=again).values_list("from_status", "to_status")
    ) == [("", "checked"), ("checked", "received")]


def test_the_same_session_billed_on_two_invoices_is_a_duplicate_line(sam, provider, clerk):
    receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    again = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro)],
        number="INV-1002",
    )
    assert Code.DUPLICATE_LINE in codes(again)
    assert "invoice INV-1001" in again.problems.get(code=Code.DUPLICATE_LINE).explanation


def test_more_sessions_in_a_week_than_the_plan_approved_is_flagged(sam, provider, clerk):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, days_in=7), hydro_line(sam.hydro, days_in=9)],
    )
    assert codes(invoice) == [Code.QUANTITY_OVER]


def test_a_service_after_the_person_died_is_flagged(sam, provider, clerk):
    Patient.objects.filter(pk=sam.budget.patient_id).update(
        date_of_death=PLAN_START + datetime.timedelta(days=5)
    )
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, days_in=5), hydro_line(sam.hydro, days_in=12)],
    )
    problems = list(invoice.problems.select_related("line"))
    assert [(p.code, p.line.position) for p in problems] == [(Code.AFTER_DEATH, 2)]


def test_a_provider_without_an_agreement_is_flagged_until_one_is_recorded(
    sam, provider, clerk, icb
):
    provider_save(
        actor=SYSTEM,
        commissioner=icb,
        provider=provider,
        spec=ProviderSpec(name=provider.name, agreement_status="pending"),
    )
    invoice = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    assert codes(invoice) == [Code.NO_AGREEMENT]
    assert "(agreement being arranged)" in invoice.problems.get().explanation

    provider_save(
        actor=SYSTEM,
        commissioner=icb,
        provider=provider,
        spec=ProviderSpec(
            name=provider.name, agreement_status="agreed", agreement_starts_on=PLAN_START
        ),
    )
    assert services.invoice_recheck(actor=clerk, invoice=invoice).status == Status.RECEIVED
    assert codes(invoice) == []


def test_a_direct_payment_item_is_not_invoiced(sam, provider, clerk):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[
            services.LineSpec(
                item_ref=sam.assistant,
                service_date=PLAN_START + datetime.timedelta(days=3),
                quantity=4,
                unit_price=1_600,
            )
        ],
    )
    assert codes(invoice) == [Code.DIRECT_PAYMENT]


def test_a_total_that_differs_from_the_lines_is_flagged(sam, provider, clerk):
    invoice = receive(
        clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)], total=5_000
    )
    assert codes(invoice) == [Code.TOTAL_MISMATCH]
    assert invoice.total == 5_000


def test_a_service_outside_the_plan_period_is_flagged(sam, provider, clerk):
    invoice = receive(
        clerk,
        provider=provider,
        budget=sam.budget,
        lines=[hydro_line(sam.hydro, days_in=-1)],
    )
    assert codes(invoice) == [Code.OUTSIDE_PERIOD]


def test_an_ended_budget_takes_no_more_invoices(sam, provider, clerk, commissioner):
    reviews.plan_end(actor=Actor(user=commissioner), plan=sam.plan, reason="Sam moved away.")
    with pytest.raises(ValidationError) as refused:
        receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])
    assert refused.value.message_dict == {
        "budget": ["This budget has ended, so it pays no more invoices."]
    }
