import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import assessing, services
from openphb.planning.calculations import DEFAULT_DOMAINS


@pytest.fixture
def scene(icb):
    return factories.planning_scene(commissioner=icb)


@pytest.fixture
def person(icb):
    someone = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    factories.condition(someone, *factories.EPILEPSY)
    return someone


@pytest.fixture
def clinician(icb):
    return factories.user(username="clinician", role="clinical_reviewer", organisations=(icb,))


@pytest.fixture
def second_commissioner(icb):
    return factories.user(username="approver2", role="commissioner", organisations=(icb,))


def levels(**chosen: str) -> dict[str, str]:
    return {code: chosen.get(code, "none") for code, _ in DEFAULT_DOMAINS}


@pytest.fixture
def enrolment(scene, person):
    return factories.accepted_enrolment(programme=scene.programme, patient=person)


@pytest.fixture
def assessment(enrolment, coordinator):
    return assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=levels(altered_states="severe", psychological="moderate", mobility="low"),
    )


@pytest.fixture
def draft(assessment, person, coordinator):
    import datetime

    return services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=datetime.date.today(),
        assessment=assessment,
        coordinator=coordinator,
    )
