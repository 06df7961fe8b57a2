"""Reads that link planning to the rest of the service: the plan that funds a budget."""

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.planning import reviews, selectors, services
from openphb.planning.workflow import Status

from .journeys import active_plan, approve, catalogue_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scene, draft, coordinator, clinician, commissioner):
    return active_plan(scene, draft, coordinator, clinician, commissioner)


def test_a_budget_leads_to_the_plan_that_funds_it(plan, coordinator):
    budget = Budget.objects.get(pk=plan.budget_id)
    assert selectors.plan_for_budget(user=coordinator, budget=budget) == plan


def test_a_budget_leads_to_the_version_in_force_not_the_one_it_was_made_for(
    scene, plan, coordinator, clinician, commissioner
):
    revision = reviews.plan_revise(actor=Actor(user=coordinator), plan=plan, reason="More swims.")
    budget = Budget.objects.get(pk=plan.budget_id)
    assert selectors.plan_for_budget(user=coordinator, budget=budget) == plan  # v2 is a draft
    hydro = revision.items.get(name="Hydrotherapy")
    services.item_change(
        actor=Actor(user=coordinator),
        item=hydro,
        spec=catalogue_spec(scene, scene.items.hydrotherapy, quantity=2),
    )
    revision = approve(revision, coordinator, clinician, commissioner)
    assert budget.source_ref == f"care-plan:{plan.pk}"
    assert selectors.plan_for_budget(user=coordinator, budget=budget) == revision


def test_an_ended_plans_budget_leads_to_its_last_version(plan, coordinator):
    reviews.plan_end(actor=Actor(user=coordinator), plan=plan, reason="Moved away.")
    found = selectors.plan_for_budget(
        user=coordinator, budget=Budget.objects.get(pk=plan.budget_id)
    )
    assert found == plan
    assert found.status == Status.ENDED


def test_nobody_outside_the_persons_commissioner_is_shown_the_plan(plan, other_icb):
    elsewhere = factories.user(username="far", role="care_coordinator", organisations=(other_icb,))
    budget = Budget.objects.get(pk=plan.budget_id)
    assert selectors.plan_for_budget(user=elsewhere, budget=budget) is None


def test_a_budget_no_plan_made_has_no_plan(plan, coordinator):
    budget = Budget.objects.get(pk=plan.budget_id)
    budget.source_ref = "enrolment:12"
    assert selectors.plan_for_budget(user=coordinator, budget=budget) is None
