"""Care plan pages that say what is waiting and why not: people assessed with no plan yet, a
plan's confirmation once it is submitted, a plan with nothing to reconsider, a reconsideration
its own decider may not decide, an assessment at the wrong stage, and a budget leading to the
plan that funds it."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.enrolment import services as enrolment_services
from openphb.planning import assessing, reviews
from openphb.planning.models import CarePlan, PlanItem
from openphb.planning.services import plan_start
from openphb.planning.tests.journeys import active_plan, build
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import summary_row

pytestmark = pytest.mark.browser


@pytest.fixture
def clinician(icb):
    return factories.user(
        username="clinician", role="clinical_reviewer", organisations=(icb,), first_name="Anna"
    )


@pytest.fixture
def assessed(scene, person, coordinator):
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=person)
    assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=factories.levels(altered_states="severe", psychological="moderate"),
    )
    return enrolment


def test_a_coordinator_finds_someone_assessed_starts_their_plan_and_is_told_it_was_submitted(
    page: Page, sign_in, coordinator, scene, assessed
):
    sign_in(coordinator)
    page.goto("/plans/?queue=assessed")
    queue = page.get_by_role("table", name="Assessed, no plan yet")
    expect(queue).to_contain_text("ADEYEMI, Sam")
    expect(queue).to_contain_text("Not yet shared with Sam")
    assert_accessible(page)
    queue.get_by_role("link", name="Start the care plan for Sam Adeyemi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a care plan")
    assert_accessible(page)
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan")
    assert_accessible(page)

    plan_url = page.url
    page.goto(plan_url + "reconsider/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "There is nothing in this plan to reconsider"
    )
    expect(page.locator("#why-nothing")).to_have_text(
        "The plan is still being written: nothing in it has been decided yet."
    )
    assert_accessible(page)
    page.get_by_role("link", name="Back to the plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan")
    assert_accessible(page)

    build(scene, CarePlan.objects.get(enrolment=assessed), coordinator)
    page.reload()
    assert_accessible(page)
    page.get_by_role("button", name="Submit for clinical review").click()
    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_contain_text("The plan was submitted for clinical review.")
    assert_accessible(page)
    page.reload()
    expect(banner).to_have_count(0)
    assert_accessible(page)


def test_the_reviewer_who_declined_an_item_is_told_who_must_reconsider_it(
    page: Page, sign_in, coordinator, clinician, commissioner, scene, person, assessed
):
    plan = plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=timezone.localdate(),
        enrolment=assessed,
        coordinator=coordinator,
    )
    plan = active_plan(scene, plan, coordinator, clinician, commissioner, reflexology=True)
    asked = reviews.reconsideration_request(
        actor=Actor(user=coordinator),
        plan=plan,
        item=PlanItem.objects.get(plan=plan, name="Reflexology"),
        grounds="It helps Sam sleep.",
    )
    sign_in(clinician)
    page.goto("/plans/?queue=reconsiderations")
    queue = page.get_by_role("table", name="Reconsiderations waiting")
    expect(queue).to_contain_text("You declined this item, so someone else must reconsider it.")
    expect(queue.get_by_role("link", name="Decide")).to_have_count(0)
    assert_accessible(page)
    page.goto(f"/reconsiderations/{asked.pk}/decide/")
    expect(page.get_by_role("heading", name="Someone else must decide this")).to_be_visible()
    expect(
        page.get_by_text(
            "A clinical reviewer who did not decline the item, and did not write the plan, "
            "must decide."
        )
    ).to_be_visible()
    expect(page.locator("#main-form")).to_have_count(0)
    assert_accessible(page)

    sign_in(coordinator)
    page.goto(f"/budgets/{plan.budget_id}/")
    assert_accessible(page)
    summary_row(page, "Care plan").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan")
    assert_accessible(page)


def test_assessing_someone_who_has_not_accepted_says_so_before_the_form(
    page: Page, sign_in, coordinator, scene, icb
):
    someone = factories.patient(commissioner=icb, given_name="Kim", family_name="Offered")
    factories.condition(someone, *factories.EPILEPSY)
    enrolment = enrolment_services.enrolment_start(
        actor=Actor.system_job("test"), programme=scene.programme, patient=someone
    )
    sign_in(coordinator)
    page.goto(f"/enrolments/{enrolment.pk}/assess/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Needs cannot be assessed yet")
    expect(page.get_by_text("needs are assessed once the person has accepted")).to_be_visible()
    expect(page.locator("fieldset")).to_have_count(0)
    assert_accessible(page)
