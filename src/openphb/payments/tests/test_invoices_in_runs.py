"""Approved provider invoices for notional budgets are paid in the run, once, to the provider's
verified account."""

import datetime

import pytest

from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.invoices import services as invoices
from openphb.invoices.models import Invoice
from openphb.ledger.selectors import verify
from openphb.payments import runs, services
from openphb.payments.calendar import processing_day_on_or_after
from openphb.payments.models import SkipReason
from openphb.planning import catalogue
from openphb.planning import services as planning
from openphb.planning.tests.journeys import approve

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(icb, commissioner):
    return catalogue.provider_save(
        actor=Actor(user=commissioner),
        commissioner=icb,
        spec=catalogue.ProviderSpec(
            name="Aqua Therapy Ltd",
            quality_rating="good",
            agreement_status="agreed",
            agreement_starts_on=TODAY.replace(year=TODAY.year - 1),
        ),
    )


@pytest.fixture
def invoice(
    scene, person, enrolment, coordinator, clinician, commissioner, provider, finance, finance2
):
    from tests import factories

    from openphb.planning import assessing

    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator), enrolment=enrolment, levels=factories.levels(mobility="low")
    )
    plan = planning.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY,
        assessment=assessment,
        coordinator=coordinator,
    )
    planning.outcome_save(
        actor=Actor(user=coordinator), plan=plan, what_matters="Swim", goal="Weekly"
    )
    item = planning.item_add(
        actor=Actor(user=coordinator),
        plan=plan,
        spec=planning.ItemSpec(
            name="Hydrotherapy",
            category="therapies",
            unit="session",
            quantity=1,
            frequency="weekly",
            unit_price=4_500,
            holding="notional",
            stream=scene.stream,
            catalogue_version=scene.items.hydrotherapy,
            provider=provider,
        ),
    )
    planning.plan_update(
        actor=Actor(user=coordinator),
        plan=plan,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        coordinator=coordinator,
        difference_justification="Only swimming is wanted.",
    )
    plan = approve(plan, coordinator, clinician, commissioner)
    received = invoices.invoice_receive(
        actor=Actor(user=finance),
        provider=provider,
        budget=plan.budget,
        invoice_number="AQ-1001",
        issued_on=TODAY,
        received_on=TODAY,
        total=4_500,
        lines=[
            invoices.LineSpec(
                item_ref=item.item_ref, service_date=TODAY, quantity=1, unit_price=4_500
            )
        ],
    )
    return invoices.invoice_approve(actor=Actor(user=finance2), invoice=received)


def test_an_invoice_waits_for_the_providers_verified_account(icb, originator, invoice, finance):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    [skip] = run.skips.all()
    assert skip.reason == SkipReason.BANK_UNVERIFIED
    assert skip.detail.startswith("Invoice AQ-1001 from Aqua Therapy Ltd: the provider's bank")


def test_an_approved_invoice_is_paid_in_the_run_and_marked_paid_once(
    icb, originator, invoice, provider, finance, finance2
):
    details = services.bank_details_enter(
        actor=Actor(user=finance),
        provider=provider,
        sort_code="30-00-00",
        account_number="12345678",
        account_name="AQUA THERAPY LTD",
    )
    services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    [payment] = run.payments.all()
    assert (payment.kind, payment.amount, payment.payee_name) == (
        "invoice",
        4_500,
        "Aqua Therapy Ltd",
    )
    runs.run_approve(actor=Actor(user=finance2), run=run)
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert invoice.paid_in_run == run.pk
    figures = budget_figures(budget=invoice.budget)
    assert (figures.total.spent, figures.total.committed) == (4_500, 0)  # notional: spent
    later = runs.run_create(
        actor=Actor(user=finance),
        commissioner=icb,
        payment_date=processing_day_on_or_after(TODAY + datetime.timedelta(days=7)),
    )
    assert later.payments_count == 0
    assert Invoice.objects.get(pk=invoice.pk).paid_in_run == run.pk
    assert list(verify()) == []
