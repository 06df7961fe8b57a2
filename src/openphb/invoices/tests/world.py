"""The world the invoice tests share: Sam's care plan, approved through the planning services
and started 60 days ago, buying weekly hydrotherapy from Splash Therapy Ltd (notional), a
seizure-alert dog (through a third party) and personal assistant hours (a direct payment);
and two finance officers of the ICB."""

import datetime
from types import SimpleNamespace

from tests import factories

from openphb.audit.services import Actor
from openphb.invoices import services as invoices
from openphb.organisations.models import Organisation
from openphb.planning import assessing, decisions, services
from openphb.planning.catalogue import ProviderSpec, provider_save

TODAY = datetime.date.today()
PLAN_START = TODAY - datetime.timedelta(days=60)
SYSTEM = Actor.system_job("test")


def splash(commissioner: Organisation, **agreement):
    """A provider; by default under an agreement since 2020."""
    return provider_save(
        actor=SYSTEM,
        commissioner=commissioner,
        spec=ProviderSpec(
            name=agreement.pop("name", "Splash Therapy Ltd"),
            quality_rating="good",
            agreement_status=agreement.pop("agreement_status", "agreed"),
            agreement_starts_on=agreement.pop("agreement_starts_on", datetime.date(2020, 1, 1)),
            **agreement,
        ),
    )


def _item(scene, version, *, holding, frequency="weekly", quantity=1, provider=None):
    return services.ItemSpec(
        name=version.name,
        category=version.category,
        unit=version.unit,
        quantity=quantity,
        frequency=frequency,
        unit_price=version.reference_price,
        holding=holding,
        stream=scene.stream,
        catalogue_version=version,
        provider=provider,
    )


def sams_plan(*, icb: Organisation, scene, person, coordinator, clinician, approver, provider):
    """Sam's plan, approved: its budget is live."""
    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=factories.accepted_enrolment(programme=scene.programme, patient=person),
        levels=factories.levels(altered_states="severe", psychological="moderate"),
    )
    actor = Actor(user=coordinator)
    plan = services.plan_start(
        actor=actor,
        patient=person,
        starts_on=PLAN_START,
        assessment=assessment,
        coordinator=coordinator,
    )
    services.outcome_save(
        actor=actor,
        plan=plan,
        what_matters="Swimming again without fear of a seizure.",
        goal="Swim weekly with support.",
    )
    for spec in (
        _item(scene, scene.items.hydrotherapy, holding="notional", provider=provider),
        _item(scene, scene.items.dog, holding="third_party", frequency="once"),
        _item(scene, scene.items.assistant, holding="direct_payment", quantity=10),
    ):
        services.item_add(actor=actor, plan=plan, spec=spec)
    services.plan_update(
        actor=actor,
        plan=plan,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        coordinator=coordinator,
        difference_justification="The dog is a one-off cost in the first year.",
    )
    decisions.plan_submit(actor=actor, plan=plan)
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    decisions.plan_approve(actor=Actor(user=approver), plan=plan)
    plan.refresh_from_db()
    return SimpleNamespace(
        plan=plan,
        budget=plan.budget,
        hydro=plan.items.get(name="Hydrotherapy").item_ref,
        dog=plan.items.get(name="Trained seizure-alert dog").item_ref,
        assistant=plan.items.get(name="Personal assistant hours").item_ref,
    )


def hydro_line(ref: str, *, days_in: int = 7, quantity: int = 1, unit_price: int = 4_500):
    """A session of hydrotherapy `days_in` days after the plan started."""
    return invoices.LineSpec(
        item_ref=ref,
        service_date=PLAN_START + datetime.timedelta(days=days_in),
        quantity=quantity,
        unit_price=unit_price,
        description="Hydrotherapy session",
    )


def receive(actor: Actor, *, provider, budget, lines, number="INV-1001", total=None):
    """Receive an invoice dated yesterday, its total the sum of its lines unless given."""
    return invoices.invoice_receive(
        actor=actor,
        provider=provider,
        budget=budget,
        invoice_number=number,
        issued_on=TODAY - datetime.timedelta(days=1),
        received_on=TODAY,
        total=sum(line.quantity * line.unit_price for line in lines) if total is None else total,
        lines=lines,
    )
