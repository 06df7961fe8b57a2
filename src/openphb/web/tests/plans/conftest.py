"""What the care plan page tests share: an epilepsy programme with a catalogue, Sam (who has
epilepsy) assessed at £7,000 a year, the people who plan, review and approve, and a plan in
force."""

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import assessing, catalogue, services
from openphb.planning.calculations import DEFAULT_DOMAINS
from openphb.planning.tests.journeys import approve, build

from .steps import today


@pytest.fixture
def second_clinician(icb):
    return factories.user(
        username="clinician2", role="clinical_reviewer", organisations=(icb,), first_name="Ben"
    )


@pytest.fixture
def enrolment(scene, person):
    return factories.accepted_enrolment(programme=scene.programme, patient=person)


@pytest.fixture
def assessment(enrolment, coordinator):
    chosen = {"altered_states": "severe", "psychological": "moderate", "mobility": "low"}
    return assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels={code: chosen.get(code, "none") for code, _ in DEFAULT_DOMAINS},
    )


@pytest.fixture
def draft(assessment, person, coordinator):
    return services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=today(),
        assessment=assessment,
        coordinator=coordinator,
    )


@pytest.fixture
def holder(person):
    account = factories.user(username="sam", role="budget_holder", first_name="Sam")
    person.account = account
    person.save(update_fields=["account"])
    return account


@pytest.fixture
def two_approvers(icb):
    """Plans over £10,000 need two approvers."""
    catalogue.policy_set(
        actor=Actor.system_job("test"),
        commissioner=icb,
        starts_on=today(),
        tolerance_basis_points=1_000,
        two_approvers_above=1_000_000,
        allow_insufficient=True,
        allow_not_supported=False,
    )


@pytest.fixture
def approved(scene, draft, coordinator, clinician, commissioner):
    """Hydrotherapy and the dog approved, reflexology declined, in force."""
    build(scene, draft, coordinator, reflexology=True)
    return approve(draft, coordinator, clinician, commissioner)
