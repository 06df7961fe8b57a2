import datetime

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import screen_and_identify


@pytest.fixture
def programme(icb):
    return factories.programme(owner=icb, go_live_on=datetime.date(2025, 1, 1))


@pytest.fixture
def enrolment(programme, patient):
    """The fixture patient, with COPD, identified by screening on 1 January 2026."""
    factories.condition(patient)
    screen_and_identify(
        actor=Actor.system_job("test"), programme=programme, on=datetime.date(2026, 1, 1)
    )
    return Enrolment.objects.get(patient=patient)


@pytest.fixture
def staff(coordinator):
    return Actor(user=coordinator)
