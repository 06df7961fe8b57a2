"""Fixtures for the planning API tests: an epilepsy programme with its scheme, catalogue and
stream, a person with epilepsy, the people who plan, review, approve and hold the budget, and
plans at several stages (built through the services)."""

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import assessing, decisions, services

from .planning_helpers import TODAY, Caller, levels


@pytest.fixture
def holder(person):
    user = factories.user(username="sam", role="budget_holder")
    person.account = user
    person.save(update_fields=["account"])
    return user


@pytest.fixture
def coordinating(client, coordinator):
    return Caller(client, coordinator)


@pytest.fixture
def draft(enrolment, coordinator):
    as_coordinator = Actor(user=coordinator)
    assessment = assessing.assessment_record(
        actor=as_coordinator,
        enrolment=enrolment,
        levels=levels(altered_states="severe", psychological="moderate", mobility="low"),
    )
    return services.plan_start(
        actor=as_coordinator,
        patient=enrolment.patient,
        starts_on=TODAY,
        assessment=assessment,
        coordinator=coordinator,
    )


@pytest.fixture
def elsewhere_plan(other_icb, elsewhere_patient):
    """A draft of another ICB's, built through the services."""
    theirs = factories.planning_scene(commissioner=other_icb)
    factories.condition(elsewhere_patient, *factories.EPILEPSY)
    enrolled = factories.accepted_enrolment(programme=theirs.programme, patient=elsewhere_patient)
    nurse = factories.user(role="care_coordinator", organisations=(other_icb,))
    assessment = assessing.assessment_record(
        actor=Actor(user=nurse), enrolment=enrolled, levels=levels(mobility="high")
    )
    return services.plan_start(
        actor=Actor(user=nurse), patient=elsewhere_patient, starts_on=TODAY, assessment=assessment
    )


def spec(scene, version, **more):
    """A plan item from a catalogue version, once a week (a one-off once), as a direct payment."""
    return services.ItemSpec(
        name=version.name,
        category=version.category,
        unit=version.unit,
        quantity=1,
        frequency="once" if version.unit == "one_off" else "weekly",
        unit_price=version.reference_price,
        holding="direct_payment",
        stream=scene.stream,
        catalogue_version=version,
        **more,
    )


@pytest.fixture
def approved_plan(scene, draft, coordinator, clinician, commissioner):
    """Weekly hydrotherapy and reflexology; the clinician declined reflexology; one approval
    was enough (it costs less than the default £50,000)."""
    as_coordinator, as_clinician = Actor(user=coordinator), Actor(user=clinician)
    services.outcome_save(
        actor=as_coordinator,
        plan=draft,
        what_matters="I want to go swimming again without being afraid of a seizure.",
        goal="Swim once a week with support by the first review.",
    )
    services.item_add(actor=as_coordinator, plan=draft, spec=spec(scene, scene.items.hydrotherapy))
    reflexology = services.item_add(
        actor=as_coordinator,
        plan=draft,
        spec=spec(
            scene,
            scene.items.reflexology,
            clinical_justification="Sam finds it calming and believes it reduces seizures.",
        ),
    )
    services.plan_update(
        actor=as_coordinator,
        plan=draft,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        coordinator=coordinator,
        difference_justification="Sam wants to start small and build up.",
    )
    decisions.plan_submit(actor=as_coordinator, plan=draft)
    decisions.item_decide(
        actor=as_clinician,
        item=reflexology,
        decision="declined",
        reason="not_supported",
        note="No good evidence that reflexology reduces seizures.",
    )
    decisions.clinical_review_complete(actor=as_clinician, plan=draft)
    decisions.plan_approve(actor=Actor(user=commissioner), plan=draft)
    draft.refresh_from_db()
    return draft
