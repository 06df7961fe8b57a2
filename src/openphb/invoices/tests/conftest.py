"""Invoice fixtures: a provider under agreement, Sam's approved plan and its budget, and two
finance officers (see `world.py`)."""

import pytest
from tests import factories

from openphb.audit.services import Actor

from .world import sams_plan, splash


@pytest.fixture
def provider(icb):
    return splash(icb)


@pytest.fixture
def sam(icb, scene, person, coordinator, clinician, commissioner, provider):
    return sams_plan(
        icb=icb,
        scene=scene,
        person=person,
        coordinator=coordinator,
        clinician=clinician,
        approver=commissioner,
        provider=provider,
    )


@pytest.fixture
def clerk(icb):
    """The finance officer who enters invoices."""
    return Actor(
        user=factories.user(username="clerk", role="finance_officer", organisations=(icb,))
    )


@pytest.fixture
def checker(icb):
    """A second finance officer, who approves them."""
    return Actor(
        user=factories.user(username="checker", role="finance_officer", organisations=(icb,))
    )
