"""Planning test fixtures: Sam assessed at £7,000 a year, and a draft plan (the scene, Sam,
the clinician and a second commissioner are in the root conftest)."""

import datetime

import pytest
from tests.factories import levels

from openphb.audit.services import Actor
from openphb.planning import assessing, services


@pytest.fixture
def assessment(enrolment, coordinator):
    return assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=levels(altered_states="severe", psychological="moderate", mobility="low"),
    )


@pytest.fixture
def draft(assessment, person, coordinator):
    return services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=datetime.date.today(),
        assessment=assessment,
        coordinator=coordinator,
    )
