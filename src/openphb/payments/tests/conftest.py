"""Payment fixtures: Sam's approved plan (weekly hydrotherapy and a seizure-alert dog, both
direct payments) set up to be paid monthly, two finance officers, and the ICB's account."""

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.payments import services
from openphb.planning import services as planning_services
from openphb.planning.tests.journeys import approve, build

# A weekday (Bacs processes on weekdays): today, or the Friday before a weekend.
TODAY = factories.payment_day()


@pytest.fixture
def finance(icb):
    return factories.user(username="finance", role="finance_officer", organisations=(icb,))


@pytest.fixture
def finance2(icb):
    return factories.user(username="finance2", role="finance_officer", organisations=(icb,))


@pytest.fixture
def originator(icb, finance):
    return services.originator_set(
        actor=Actor(user=finance),
        commissioner=icb,
        sort_code="60-70-80",
        account_number="10293847",
        account_name="NHS NEL ICB",
        service_user_number="123456",
    )


@pytest.fixture
def plan(scene, person, enrolment, coordinator, clinician, commissioner):
    from openphb.planning import assessing

    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=factories.levels(altered_states="severe", psychological="moderate"),
    )
    draft = planning_services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY,
        assessment=assessment,
        coordinator=coordinator,
    )
    return approve(build(scene, draft, coordinator), coordinator, clinician, commissioner)


@pytest.fixture
def setup(plan, finance):
    return services.setup_save(
        actor=Actor(user=finance),
        budget=plan.budget,
        payee_kind="person",
        payee_name="Sam Adeyemi",
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=TODAY,
        agreement_signed_on=TODAY,
        agreement_version="2026-1",
    )


@pytest.fixture
def verified(setup, finance, finance2):
    details = services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="20-00-00",
        account_number="55779911",
        account_name="S ADEYEMI PHB",
    )
    return services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)
