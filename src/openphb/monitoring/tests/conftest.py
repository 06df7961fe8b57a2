"""Monitoring fixtures: Sam's budget paid by direct payment (see `world.dp_budget`), the ICB's
coordinator and finance officers who monitor it, and someone at another ICB who does not."""

import pytest
from tests import factories

from .world import dp_budget


@pytest.fixture
def stream(icb):
    made = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=made, commissioner=icb, amount=50_000_000)
    return made


@pytest.fixture
def sam(icb):
    return factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")


@pytest.fixture
def budget(icb, sam, stream):
    return dp_budget(commissioner=icb, patient=sam, stream=stream)


@pytest.fixture
def outsider(other_icb):
    return factories.user(username="outsider", role="care_coordinator", organisations=(other_icb,))
