"""Care plan pages over HTTP: who may see and do what, each step through its form, bad input
kept and explained, and the person's own plain-English view."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.planning import assessing, catalogue, decisions, services
from openphb.planning.calculations import DEFAULT_DOMAINS
from openphb.planning.models import CarePlan, Decision, PlanItem, Reconsideration, Review
from openphb.planning.tests.journeys import approve, build, catalogue_spec
from openphb.planning.workflow import Status
from openphb.web.plan_presenters import TIMES

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def text_of(response) -> str:
    """The page's text, tags removed and white space squeezed, to read sentences from."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body).replace("&#39;", "'").replace("&amp;", "&")


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
    return factories.user(
        username="clinician", role="clinical_reviewer", organisations=(icb,), first_name="Anna"
    )


@pytest.fixture
def second_clinician(icb):
    return factories.user(
        username="clinician2", role="clinical_reviewer", organisations=(icb,), first_name="Ben"
    )


@pytest.fixture
def second_commissioner(icb):
    return factories.user(username="approver2", role="commissioner", organisations=(icb,))


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


def in_review(scene, draft, coordinator) -> CarePlan:
    build(scene, draft, coordinator, reflexology=True)
    decisions.plan_submit(actor=Actor(user=coordinator), plan=draft)
    draft.refresh_from_db()
    return draft


def awaiting_approval(scene, draft, coordinator, clinician) -> CarePlan:
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    decisions.item_decide(
        actor=Actor(user=clinician),
        item=reflexology,
        decision=Decision.DECLINED,
        reason="not_supported",
        note="NICE does not recommend reflexology for epilepsy.",
    )
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    plan.refresh_from_db()
    return plan


def item_post(scene, **changes: str) -> dict[str, str]:
    data = {
        "quantity": "1",
        "frequency": "weekly",
        "unit_price": "45.00",
        "holding": "notional",
        "stream": str(scene.stream.pk),
        "payee": "none",
    }
    data.update(changes)
    return data


# --- Starting a plan --------------------------------------------------------------------------


def test_starting_a_plan_offers_twelve_months_and_the_coordinator_themself(
    client, coordinator, enrolment, assessment
):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-start", args=[enrolment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "indicative budget of £7,000.00 a year" in text_of(response)
    end = services.default_end(today())
    assert f'name="ends_on-year" type="text" value="{end.year}"' in body or (
        f'value="{end.year}"' in body
    )
    assert f'<option value="{coordinator.pk}" selected' in body


def test_a_coordinator_starts_a_plan_from_an_assessed_enrolment(
    client, coordinator, enrolment, assessment, person
):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:plan-start", args=[enrolment.pk]),
        {**date_fields("starts_on", today()), "coordinator": str(coordinator.pk)},
    )
    plan = CarePlan.objects.get(patient=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:plan-detail", args=[plan.pk])
    assert plan.ends_on == services.default_end(today())
    assert plan.indicative_amount == 700_000
    assert plan.coordinator == coordinator


def test_the_enrolment_page_links_to_start_a_plan_once_needs_are_assessed(
    client, coordinator, enrolment, assessment
):
    client.force_login(coordinator)
    body = client.get(reverse("web:enrolment-detail", args=[enrolment.pk])).content.decode()
    assert reverse("web:plan-start", args=[enrolment.pk]) in body


def test_starting_a_second_plan_links_to_the_one_in_progress(client, coordinator, enrolment, draft):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-start", args=[enrolment.pk]))
    assert reverse("web:plan-detail", args=[draft.pk]) in response.content.decode()
    assert "already has a care plan" in text_of(response)


# --- Reading a plan: capability, scope, audit -------------------------------------------------


def test_opening_a_plan_shows_it_and_logs_the_read(client, coordinator, draft):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-detail", args=[draft.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "Status: Draft" in page
    assert "£7,000.00 a year, from the needs assessment of" in page
    event = AuditEvent.objects.get(action="care_plan.viewed")
    assert (event.patient_id, event.actor_id) == (draft.patient_id, coordinator.pk)


def test_another_organisations_plan_is_a_404_and_not_logged(client, other_icb, draft):
    stranger = factories.user(role="care_coordinator", organisations=(other_icb,))
    client.force_login(stranger)
    assert client.get(reverse("web:plan-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("web:plan-item-add", args=[draft.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="care_plan.viewed").exists()


def test_an_analyst_may_not_see_plans(client, analyst, draft):
    client.force_login(analyst)
    assert client.get(reverse("web:plan-detail", args=[draft.pk])).status_code == 403
    assert client.get(reverse("web:plan-queues")).status_code == 403


def test_only_coordinators_build_plans(client, clinician, commissioner, draft):
    for user in (clinician, commissioner):
        client.force_login(user)
        assert client.get(reverse("web:plan-item-add", args=[draft.pk])).status_code == 403
        assert client.get(reverse("web:plan-outcome-add", args=[draft.pk])).status_code == 403
        assert client.post(reverse("web:plan-submit", args=[draft.pk])).status_code == 403


# --- Outcomes ---------------------------------------------------------------------------------


def test_outcomes_are_added_changed_and_removed(client, coordinator, draft):
    client.force_login(coordinator)
    add = reverse("web:plan-outcome-add", args=[draft.pk])
    missing = client.post(add, {"what_matters": "", "goal": "Swim weekly", "measure": ""})
    assert missing.status_code == 400
    assert "Say what matters to the person, in their words." in text_of(missing)
    assert "Swim weekly" in missing.content.decode()

    client.post(add, {"what_matters": "Swimming again", "goal": "Swim weekly", "measure": ""})
    outcome = draft.outcomes.get()
    client.post(
        reverse("web:plan-outcome-change", args=[draft.pk, outcome.pk]),
        {"what_matters": "Swimming with my grandchildren", "goal": "Swim weekly"},
    )
    outcome.refresh_from_db()
    assert outcome.what_matters == "Swimming with my grandchildren"
    assert "Swimming with my grandchildren" in text_of(
        client.get(reverse("web:plan-detail", args=[draft.pk]))
    )

    remove = reverse("web:plan-outcome-remove", args=[draft.pk, outcome.pk])
    assert "Remove the outcome" in text_of(client.get(remove))
    client.post(remove)
    assert not draft.outcomes.exists()


# --- Items ------------------------------------------------------------------------------------


def test_choosing_from_the_catalogue_lists_its_current_items(client, coordinator, draft):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:plan-item-add", args=[draft.pk])))
    assert "Hydrotherapy: £45.00 a session" in page
    assert "Trained seizure-alert dog: £12,000.00 one-off" in page
    assert "describe something that is not in the catalogue" in page


def test_a_catalogue_item_comes_with_its_reference_price(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    hydro = scene.items.hydrotherapy
    body = client.get(url, {"catalogue": hydro.pk}).content.decode()
    assert 'value="45.00"' in body
    response = client.post(
        f"{url}?catalogue={hydro.pk}", item_post(scene, quantity="2", unit_price="45.5")
    )
    assert response.status_code == 302
    item = draft.items.get()
    assert (item.name, item.catalogue_version, item.unit_price) == ("Hydrotherapy", hydro, 4_550)
    assert item.annual_cost == 2 * 52 * 4_550
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert (
        f"2 sessions {TIMES} every week (52 times a year) {TIMES} £45.50 = £4,732.00 a year" in page
    )


def test_a_one_off_item_is_bought_once(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    dog = scene.items.dog
    body = client.get(url, {"catalogue": dog.pk}).content.decode()
    assert '<option value="once" selected' in body
    client.post(
        f"{url}?catalogue={dog.pk}",
        item_post(scene, frequency="once", unit_price="12,000", holding="third_party"),
    )
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert f"1 item {TIMES} £12,000.00, bought once = £12,000.00" in page


def test_gambling_is_refused_at_entry_naming_the_rule_and_keeping_what_was_typed(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk]) + "?catalogue=free"
    response = client.post(
        url,
        item_post(
            scene,
            name="Online gambling credit",
            category="activities",
            unit="one_off",
            frequency="once",
            unit_price="25.00",
            details="Weekly treat",
        ),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "A personal health budget cannot be used for gambling." in page
    assert "National Health Service (Direct Payments) Regulations 2013" in page
    body = response.content.decode()
    assert 'value="Online gambling credit"' in body
    assert "Weekly treat" in body
    assert 'value="25.00"' in body
    assert not PlanItem.objects.exists()


def test_bad_amounts_and_quantities_are_explained(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    response = client.post(
        f"{url}?catalogue={scene.items.hydrotherapy.pk}",
        item_post(scene, quantity="two", unit_price="45.123"),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter the number of units as a whole number, like 2." in page
    assert "The price of one unit must be to the nearest penny, like 125.50." in page
    assert 'value="45.123"' in response.content.decode()


def test_an_unsupported_item_is_flagged_with_its_explanation(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    client.post(f"{url}?catalogue={scene.items.reflexology.pk}", item_post(scene))
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert "Not supported by evidence" in page
    assert "Reflexology: evidence for any condition is rated 'not supported'" in page
    assert "Clinical justification from the care coordinator: None written yet." in page


def test_the_clinical_justification_field_is_always_there_with_its_hint(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    page = text_of(client.get(url, {"catalogue": scene.items.hydrotherapy.pk}))
    assert "Clinical justification" in page
    assert "Needed when the evidence for the item is insufficient" in page
    assert "Why paying a relative or household member is justified" in page


def test_an_item_is_changed_and_removed(client, coordinator, draft, scene):
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    client.force_login(coordinator)
    change = reverse("web:plan-item-change", args=[draft.pk, item.pk])
    body = client.get(change).content.decode()
    assert 'value="45.00"' in body
    client.post(change, item_post(scene, holding="direct_payment", quantity="3"))
    item.refresh_from_db()
    assert item.quantity == 3
    client.post(reverse("web:plan-item-remove", args=[draft.pk, item.pk]))
    assert not draft.items.exists()


# --- Submitting -------------------------------------------------------------------------------


def test_submitting_lists_every_problem(client, coordinator, draft, scene):
    services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.reflexology),
    )
    client.force_login(coordinator)
    response = client.post(reverse("web:plan-submit", args=[draft.pk]))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "Add at least one outcome: what matters to the person." in page
    assert "Reflexology: write the clinical justification for choosing it" in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_complete_draft_goes_to_clinical_review(client, coordinator, draft, scene):
    build(scene, draft, coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("web:plan-submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_draft_is_withdrawn_with_a_reason(client, coordinator, draft):
    client.force_login(coordinator)
    url = reverse("web:plan-withdraw", args=[draft.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "Sam moved away."})
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


# --- Clinical review --------------------------------------------------------------------------


def test_the_clinical_review_queue_lists_plans_in_review(
    client, clinician, scene, draft, coordinator
):
    in_review(scene, draft, coordinator)
    client.force_login(clinician)
    page = text_of(client.get(reverse("web:plan-queues")))
    assert "In clinical review" in page
    assert "ADEYEMI, Sam" in page


def test_the_reviewer_sees_the_evidence_and_the_coordinators_justification(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    client.force_login(clinician)
    page = text_of(client.get(reverse("web:plan-item-decide", args=[plan.pk, reflexology.pk])))
    assert "Flagged: Reflexology" in page
    assert "rated 'not supported'" in page
    assert "Clinical justification from the care coordinator: The person asks for it." in page
    assert "Conditions recorded Epilepsy" in page


def test_declining_needs_a_coded_reason(client, clinician, scene, draft, coordinator):
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    client.force_login(clinician)
    url = reverse("web:plan-item-decide", args=[plan.pk, reflexology.pk])
    response = client.post(url, {"decision": "declined", "note": "No evidence for epilepsy."})
    assert response.status_code == 400
    assert "Choose the reason for declining it." in text_of(response)
    assert "No evidence for epilepsy." in response.content.decode()
    client.post(url, {"decision": "declined", "reason": "not_supported", "note": "No evidence."})
    reflexology.refresh_from_db()
    assert (reflexology.decision, reflexology.decision_reason) == ("declined", "not_supported")


def test_approving_a_not_supported_item_is_refused_by_the_policy(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    client.force_login(clinician)
    response = client.post(
        reverse("web:plan-item-decide", args=[plan.pk, reflexology.pk]),
        {"decision": "approved", "note": "Helps her relax."},
    )
    assert response.status_code == 400
    assert "policy does not fund items whose evidence is 'not supported'" in text_of(response)


def test_completing_the_review_before_deciding_flagged_items_is_refused(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    client.force_login(clinician)
    response = client.post(reverse("web:plan-review-complete", args=[plan.pk]), {"note": ""})
    assert response.status_code == 400
    assert "Decide the flagged items first: Reflexology." in text_of(response)


def test_completing_the_review_sends_the_plan_for_approval(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    decisions.item_decide(
        actor=Actor(user=clinician),
        item=plan.items.get(name="Reflexology"),
        decision=Decision.DECLINED,
        reason="not_supported",
    )
    client.force_login(clinician)
    client.post(reverse("web:plan-review-complete", args=[plan.pk]), {"note": ""})
    plan.refresh_from_db()
    assert plan.status == Status.AWAITING_APPROVAL


def test_a_plan_is_returned_to_the_coordinator_with_the_reason(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    client.force_login(clinician)
    client.post(reverse("web:plan-return", args=[plan.pk]), {"reason": "Add a carer's break."})
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:plan-detail", args=[plan.pk])))
    assert "Returned for changes" in page
    assert "Add a carer's break." in page


def test_coordinators_cannot_decide_or_return(client, coordinator, scene, draft):
    plan = in_review(scene, draft, coordinator)
    item = plan.items.first()
    assert item is not None
    client.force_login(coordinator)
    assert client.get(reverse("web:plan-item-decide", args=[plan.pk, item.pk])).status_code == 403
    assert client.get(reverse("web:plan-return", args=[plan.pk])).status_code == 403


# --- Approval ---------------------------------------------------------------------------------


def test_approval_shows_what_is_needed_and_refuses_a_repeat_approver(
    client, commissioner, second_commissioner, clinician, scene, draft, coordinator, two_approvers
):
    plan = awaiting_approval(scene, draft, coordinator, clinician)
    commissioner.first_name, commissioner.last_name = "Priya", "Shah"
    commissioner.save(update_fields=["first_name", "last_name"])
    client.force_login(commissioner)
    url = reverse("web:plan-approve", args=[plan.pk])
    page = text_of(client.get(url))
    assert "Approvals needed 2 (the plan costs more than £10,000.00" in page
    assert "Approvals given None yet" in page
    client.post(url, {"note": ""})
    again = client.post(url, {"note": ""})
    assert again.status_code == 400
    assert "You have approved this plan already; a second person must." in text_of(again)
    plan.refresh_from_db()
    assert plan.status == Status.AWAITING_APPROVAL

    client.force_login(second_commissioner)
    assert "Approvals given 1: Priya Shah" in text_of(client.get(url))
    client.post(url, {"note": "Agreed."})
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE
    assert plan.budget is not None


def test_the_author_of_a_plan_cannot_approve_it(client, icb, scene, person, clinician):
    author = factories.user(username="both", role="commissioner", organisations=(icb,))
    coordinator = factories.user(role="care_coordinator", organisations=(icb,))
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=person)
    plan = services.plan_start(
        actor=Actor(user=coordinator), patient=person, starts_on=today(), enrolment=enrolment
    )
    build(scene, plan, coordinator)
    CarePlan.objects.filter(pk=plan.pk).update(author=author)
    plan.refresh_from_db()
    decisions.plan_submit(actor=Actor(user=coordinator), plan=plan)
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    client.force_login(author)
    response = client.post(reverse("web:plan-approve", args=[plan.pk]), {"note": ""})
    assert response.status_code == 400
    assert "You wrote this plan, so someone else must approve it." in text_of(response)


def test_only_commissioners_approve(client, coordinator, clinician, scene, draft):
    plan = awaiting_approval(scene, draft, coordinator, clinician)
    for user in (coordinator, clinician):
        client.force_login(user)
        assert client.get(reverse("web:plan-approve", args=[plan.pk])).status_code == 403


# --- The budget holder ------------------------------------------------------------------------


@pytest.fixture
def approved(scene, draft, coordinator, clinician, commissioner):
    build(scene, draft, coordinator, reflexology=True)
    return approve(draft, coordinator, clinician, commissioner)


def test_the_budget_holder_reads_their_plan_in_plain_english(client, holder, approved):
    client.force_login(holder)
    response = client.get(reverse("web:my-plan"))
    assert response["Location"] == reverse("web:plan-detail", args=[approved.pk])
    page = text_of(client.get(response["Location"]))
    assert "Your care plan" in page
    assert f"This plan was agreed on {today():%-d %B %Y}." in page
    assert "Your indicative budget" in page
    assert "is £7,000.00 a year" in page
    assert "The plan agreed £14,340.00" in page
    assert "Swimming again without fear of a seizure." in page
    assert "Hydrotherapy : £2,340.00 (1 session every week at £45.00)" in page
    assert "The NHS arranges it and pays for it" not in page  # held as direct payments
    assert "Paid as a direct payment" in page
    assert (
        "Reflexology was not agreed: clinical guidance does not support it. "
        "Anna wrote: “No evidence.”" in page
    )
    assert "First review (within 3 months): due by" in page
    assert "Ask for a decision to be looked at again" in page


def test_a_holder_sees_only_their_own_plans(client, holder, approved, icb):
    other = factories.patient(commissioner=icb)
    plan = services.plan_start(actor=Actor.system_job("test"), patient=other, starts_on=today())
    client.force_login(holder)
    assert client.get(reverse("web:plan-detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("web:plan-approve", args=[approved.pk])).status_code == 403


# --- Reconsideration --------------------------------------------------------------------------


def test_the_holder_asks_for_a_declined_item_to_be_reconsidered_and_another_reviewer_decides(
    client, holder, approved, clinician, second_clinician
):
    reflexology = approved.items.get(name="Reflexology")
    client.force_login(holder)
    url = reverse("web:plan-reconsider", args=[approved.pk])
    form = text_of(client.get(url))
    assert "Reflexology (not agreed)" in form
    assert "less than the indicative budget" not in form  # the plan is above it
    missing = client.post(url, {"what": str(reflexology.pk), "grounds": ""})
    assert "Say why it should be looked at again." in text_of(missing)
    client.post(url, {"what": str(reflexology.pk), "grounds": "It helps me sleep."})
    asked = Reconsideration.objects.get()
    assert (asked.item, asked.grounds) == (reflexology, "It helps me sleep.")

    decide = reverse("web:reconsideration-decide", args=[asked.pk])
    client.force_login(clinician)  # who declined it
    refused = client.post(decide, {"verdict": "upheld", "reasons": "Still no evidence."})
    assert "You declined this item, so someone else must reconsider it." in text_of(refused)
    client.force_login(second_clinician)
    assert "It helps me sleep." in text_of(client.get(decide))
    client.post(decide, {"verdict": "upheld", "reasons": "No trial supports it."})
    asked.refresh_from_db()
    assert asked.verdict == "upheld"
    client.force_login(holder)
    page = text_of(client.get(reverse("web:plan-detail", args=[approved.pk])))
    assert "Original decision upheld: No trial supports it." in page


def test_a_reduction_is_reconsidered_by_a_commissioner(
    client, coordinator, clinician, commissioner, second_commissioner, scene, draft
):
    services.outcome_save(
        actor=Actor(user=coordinator), plan=draft, what_matters="Swim", goal="Weekly"
    )
    services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    services.plan_update(
        actor=Actor(user=coordinator),
        plan=draft,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        coordinator=coordinator,
        difference_justification="Sam wants to start small.",
    )
    plan = approve(draft, coordinator, clinician, commissioner)
    client.force_login(coordinator)
    url = reverse("web:plan-reconsider", args=[plan.pk])
    assert "less than the indicative budget of £7,000.00" in text_of(client.get(url))
    client.post(url, {"what": "reduction", "grounds": "Sam needs more support at home."})
    asked = Reconsideration.objects.get()
    decide = reverse("web:reconsideration-decide", args=[asked.pk])
    client.force_login(clinician)
    assert client.get(decide).status_code == 403
    client.force_login(commissioner)  # approved the plan
    refused = client.post(decide, {"verdict": "changed", "reasons": "Agreed."})
    assert "You approved this plan, so someone else must reconsider it." in text_of(refused)
    client.force_login(second_commissioner)
    client.post(decide, {"verdict": "changed", "reasons": "Revise to add support."})
    asked.refresh_from_db()
    assert asked.verdict == "changed"


# --- Reviews ----------------------------------------------------------------------------------


def test_the_review_worklist_puts_the_most_overdue_first(
    client, coordinator, approved, scene, clinician, commissioner, icb
):
    later = factories.patient(commissioner=icb, given_name="Zed", family_name="Younger")
    factories.condition(later, *factories.EPILEPSY)
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=later)
    other = services.plan_start(
        actor=Actor(user=coordinator), patient=later, starts_on=today(), enrolment=enrolment
    )
    approve(build(scene, other, coordinator), coordinator, clinician, commissioner)
    Review.objects.filter(plan=approved).update(due_on=today() - datetime.timedelta(days=3))
    Review.objects.filter(plan=other).update(due_on=today() - datetime.timedelta(days=10))
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-queues"), {"queue": "reviews"})
    page = text_of(response)
    assert page.index("YOUNGER, Zed") < page.index("ADEYEMI, Sam")
    review = Review.objects.get(plan=approved)
    record = reverse("web:plan-review-record", args=[approved.pk, review.pk])
    assert record in response.content.decode()
    assert "10 days overdue" in page
    assert "3 days overdue" in page


def test_a_review_records_progress_per_outcome_and_continues(client, coordinator, approved):
    review = Review.objects.get(plan=approved)
    outcome = approved.outcomes.get()
    client.force_login(coordinator)
    url = reverse("web:plan-review-record", args=[approved.pk, review.pk])
    missing = client.post(url, {"summary": "Going well.", "result": "continue"})
    assert missing.status_code == 400
    assert f"Say how this is going: {outcome.what_matters}" in text_of(missing)
    client.post(
        url,
        {
            f"progress_{outcome.pk}": "progressing",
            f"note_{outcome.pk}": "Swims most weeks.",
            "summary": "Going well.",
            "result": "continue",
            **date_fields("on", today()),
        },
    )
    review.refresh_from_db()
    assert (review.completed_on, review.result) == (today(), "continue")
    assert review.progress.get().note == "Swims most weeks."
    assert Review.objects.filter(plan=approved, completed_on__isnull=True).exists()


def test_a_revision_is_a_new_version_and_the_old_one_stays_viewable(client, coordinator, approved):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:plan-revise", args=[approved.pk]),
        {"reason": "Seizures more frequent.", **date_fields("starts_on", today())},
    )
    revision = CarePlan.objects.get(first=approved.first, version=2)
    assert response["Location"] == reverse("web:plan-detail", args=[revision.pk])
    page = text_of(client.get(response["Location"]))
    assert "Care plan, version 2" in page
    assert "This version revises version 1: Seizures more frequent." in page
    assert "Version 1" in page
    assert (
        reverse("web:plan-detail", args=[approved.pk])
        in client.get(response["Location"]).content.decode()
    )
    assert client.get(reverse("web:plan-detail", args=[approved.pk])).status_code == 200


def test_a_review_is_requested_after_a_significant_change(client, coordinator, approved):
    client.force_login(coordinator)
    client.post(
        reverse("web:plan-review-request", args=[approved.pk]),
        {"reason": "Admitted to hospital after a fall."},
    )
    approved.refresh_from_db()
    assert approved.status == Status.REVIEW_DUE
    review = Review.objects.get(plan=approved, completed_on__isnull=True)
    assert review.kind == "requested"


def test_a_commissioner_ends_a_plan_and_its_budget(client, commissioner, coordinator, approved):
    client.force_login(coordinator)
    assert client.get(reverse("web:plan-end", args=[approved.pk])).status_code == 403
    client.force_login(commissioner)
    client.post(
        reverse("web:plan-end", args=[approved.pk]),
        {"reason": "Sam moved to Scotland.", **date_fields("on", today())},
    )
    approved.refresh_from_db()
    assert approved.status == Status.ENDED
    assert approved.budget.status == "ended"


# --- Links from other pages -------------------------------------------------------------------


def test_the_persons_page_lists_their_care_plans(client, coordinator, draft):
    client.force_login(coordinator)
    body = client.get(reverse("web:patient-detail", args=[draft.patient_id])).content.decode()
    assert "Care plans" in body
    assert reverse("web:plan-detail", args=[draft.pk]) in body


def test_the_holders_budget_page_links_to_their_plan(client, holder, approved):
    client.force_login(holder)
    body = client.get(reverse("web:budget-detail", args=[approved.budget_id])).content.decode()
    assert reverse("web:my-plan") in body


def test_the_navigation_offers_care_plans_to_those_who_may_see_them(client, clinician, holder):
    client.force_login(clinician)
    assert reverse("web:plan-queues") in client.get(reverse("web:home")).content.decode()
    client.force_login(holder)
    assert reverse("web:my-plan") in client.get(reverse("web:home")).content.decode()


def test_a_review_that_revises_the_plan_opens_the_new_draft(client, coordinator, approved):
    review = Review.objects.get(plan=approved)
    outcome = approved.outcomes.get()
    client.force_login(coordinator)
    response = client.post(
        reverse("web:plan-review-record", args=[approved.pk, review.pk]),
        {
            f"progress_{outcome.pk}": "no_change",
            "summary": "Seizures are more frequent; more hydrotherapy.",
            "result": "revise",
            **date_fields("on", today()),
        },
    )
    revision = CarePlan.objects.get(first=approved.first, version=2)
    assert response["Location"] == reverse("web:plan-detail", args=[revision.pk])
    assert revision.status == Status.DRAFT
    assert "Seizures are more frequent" in revision.revision_reason
