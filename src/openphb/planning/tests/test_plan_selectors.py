"""Reads that link planning to the rest of the service: the plan that funds a budget, and the
people assessed who are still waiting for a plan."""

import datetime

import pytest
from django.utils import timezone
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.enrolment import services as enrolment_services
from openphb.enrolment.models import Enrolment
from openphb.planning import assessing, decisions, reviews, selectors, services
from openphb.planning.workflow import Status

from .conftest import levels
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


def test_a_runs_plain_values_are_the_direct_payment_items_of_the_plan_in_force(plan):
    items = selectors.direct_payment_items(budget_ids=[plan.budget_id])[plan.budget_id]
    values = selectors.direct_payment_item_values(budget_ids=[plan.budget_id])
    assert len(items) >= 2
    assert values == {
        plan.budget_id: [
            selectors.PaidItem(i.item_ref, i.cost, i.starts_on, i.ends_on, i.frequency)
            for i in items
        ]
    }
    by_subquery = Budget.objects.filter(pk=plan.budget_id).values("pk")
    assert selectors.direct_payment_item_values(budget_ids=by_subquery) == values
    around = (plan.budget_id - 1, plan.budget_id + 1)
    assert selectors.direct_payment_item_values(budget_ids=by_subquery, between=around) == values
    elsewhere = (plan.budget_id + 1, plan.budget_id + 9)
    assert selectors.direct_payment_item_values(budget_ids=by_subquery, between=elsewhere) == {}


def test_a_budget_no_plan_made_has_no_plan(plan, coordinator):
    budget = Budget.objects.get(pk=plan.budget_id)
    budget.source_ref = "enrolment:12"
    assert selectors.plan_for_budget(user=coordinator, budget=budget) is None


# --- Assessed, no plan yet --------------------------------------------------------------------


def assessed(scene, icb, name: str, days_ago: int, *, share: bool = False):
    """Someone identified two months ago, accepted, and assessed `days_ago` days ago (and told
    the amount, if `share`)."""
    someone = factories.patient(commissioner=icb, given_name=name, family_name="Waiting")
    factories.condition(someone, *factories.EPILEPSY)
    actor = Actor.system_job("test")
    today = timezone.localdate()
    enrolment = enrolment_services.enrolment_start(
        actor=actor, programme=scene.programme, patient=someone
    )
    identified = today - datetime.timedelta(days=60)  # as a screening run would have
    Enrolment.objects.filter(pk=enrolment.pk).update(
        identified_on=identified, stage_since=identified
    )
    enrolment.refresh_from_db()
    for stage in ("offered", "accepted"):
        enrolment_services.enrolment_move(
            actor=actor, enrolment=enrolment, to_stage=stage, on=identified, offer_method="letter"
        )
    assessment = assessing.assessment_record(
        actor=actor,
        enrolment=enrolment,
        levels=levels(mobility="high"),
        on=today - datetime.timedelta(days=days_ago),
    )
    if share:
        assessing.indicative_share(actor=actor, assessment=assessment, how="phone")
    enrolment.refresh_from_db()
    return enrolment, assessment


def test_people_assessed_without_a_plan_are_listed_oldest_assessment_first(scene, icb, coordinator):
    recent, _ = assessed(scene, icb, "Recent", 3)
    oldest, first_assessment = assessed(scene, icb, "Oldest", 40, share=True)
    not_yet = factories.patient(commissioner=icb)
    factories.condition(not_yet, *factories.EPILEPSY)
    factories.accepted_enrolment(programme=scene.programme, patient=not_yet)  # not yet assessed
    rows = list(selectors.assessed_without_plan(user=coordinator))
    assert rows == [oldest, recent]
    assert rows[0].assessment_id == first_assessment.pk
    assert rows[0].assessment_on == first_assessment.assessed_on
    assert rows[0].indicative_amount == first_assessment.indicative_amount
    assert rows[0].shared_on == timezone.localdate()
    assert rows[1].shared_on is None


def test_a_person_leaves_the_list_when_a_plan_is_started_and_returns_if_it_is_withdrawn(
    scene, icb, coordinator
):
    enrolment, assessment = assessed(scene, icb, "Kim", 10)
    plan = services.plan_start(
        actor=Actor(user=coordinator),
        patient=enrolment.patient,
        starts_on=timezone.localdate(),
        assessment=assessment,
    )
    assert list(selectors.assessed_without_plan(user=coordinator)) == []
    decisions.plan_withdraw(actor=Actor(user=coordinator), plan=plan, reason="Not now.")
    assert list(selectors.assessed_without_plan(user=coordinator)) == [enrolment]


def test_people_another_commissioner_answers_for_are_not_listed(scene, icb, other_icb):
    assessed(scene, icb, "Kim", 10)
    elsewhere = factories.user(username="far", role="care_coordinator", organisations=(other_icb,))
    holder = factories.user(username="someone", role="budget_holder")
    assert list(selectors.assessed_without_plan(user=elsewhere)) == []
    assert list(selectors.assessed_without_plan(user=holder)) == []
