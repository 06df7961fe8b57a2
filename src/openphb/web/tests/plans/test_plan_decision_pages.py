"""Care plan pages, deciding: the clinical review of each item, returning a plan, approval with
a second pair of eyes (never the author, never twice), and reconsideration by someone else."""

import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import decisions, services
from openphb.planning.models import CarePlan, Decision, Reconsideration
from openphb.planning.tests.journeys import approve, build, catalogue_spec
from openphb.planning.workflow import Status

from .steps import awaiting_approval, in_review, text_of, today

pytestmark = pytest.mark.django_db


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


def test_a_flag_asks_for_a_decision_until_the_item_is_decided_then_shows_the_decision(
    client, clinician, commissioner, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    url = reverse("web:plan-detail", args=[plan.pk])
    client.force_login(clinician)
    page = text_of(client.get(url))
    flags = page[page.index("Flags to look at") :]
    assert "A clinical reviewer must decide, with a written clinical justification." in flags
    assert "a clinical reviewer can only decline it, with a reason." in flags
    assert "Decided:" not in flags

    decisions.item_decide(
        actor=Actor(user=clinician),
        item=plan.items.get(name="Reflexology"),
        decision=Decision.DECLINED,
        reason="not_supported",
        note="NICE does not recommend reflexology for epilepsy.",
    )
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    client.force_login(commissioner)
    page = text_of(client.get(url))
    flags = page[page.index("Flags to look at") :]
    assert "rated 'not supported'" in flags  # the flag is still shown
    assert "policy does not fund items whose evidence is 'not supported'." in flags
    assert "A clinical reviewer must decide" not in flags
    assert "a clinical reviewer can only decline it" not in flags
    assert (
        f"Decided: Declined by {clinician.display_name} on {today():%-d %B %Y}: Clinical "
        "guidance does not support it. “NICE does not recommend reflexology for epilepsy.”"
    ) in flags


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


def ask_again_for_reflexology(client, holder, plan) -> Reconsideration:
    client.force_login(holder)
    client.post(
        reverse("web:plan-reconsider", args=[plan.pk]),
        {"what": str(plan.items.get(name="Reflexology").pk), "grounds": "It helps me sleep."},
    )
    return Reconsideration.objects.get()


def test_the_reviewer_who_declined_the_item_is_told_why_instead_of_being_given_the_form(
    client, holder, approved, clinician
):
    asked = ask_again_for_reflexology(client, holder, approved)
    decide = reverse("web:reconsideration-decide", args=[asked.pk])
    client.force_login(clinician)
    response = client.get(decide)
    page = text_of(response)
    assert response.status_code == 200
    assert "You declined this item, so someone else must reconsider it." in page
    assert "A clinical reviewer who did not decline the item" in page
    assert 'id="main-form"' not in response.content.decode()
    assert "Record the decision" not in page
    refused = client.post(decide, {"verdict": "changed", "reasons": "Fine."})
    assert refused.status_code == 400
    asked.refresh_from_db()
    assert asked.verdict == Reconsideration.Verdict.OPEN


def test_the_worklist_and_the_plan_offer_decide_only_to_someone_who_may(
    client, holder, approved, clinician, second_clinician
):
    asked = ask_again_for_reflexology(client, holder, approved)
    decide = reverse("web:reconsideration-decide", args=[asked.pk])
    pages = [
        reverse("web:plan-queues") + "?queue=reconsiderations",
        reverse("web:plan-detail", args=[approved.pk]),
    ]
    client.force_login(clinician)
    for url in pages:
        response = client.get(url)
        assert decide not in response.content.decode(), url
        page = text_of(response)
        assert "You declined this item, so someone else must reconsider it." in page, url
        assert "A clinical reviewer who did not decline the item" in page, url
    client.force_login(second_clinician)
    for url in pages:
        response = client.get(url)
        assert decide in response.content.decode(), url
        assert "someone else must reconsider it" not in text_of(response), url


def test_the_commissioner_who_approved_is_told_another_must_decide_a_reduction(
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
    client.post(
        reverse("web:plan-reconsider", args=[plan.pk]),
        {"what": "reduction", "grounds": "Sam needs more support at home."},
    )
    decide = reverse("web:reconsideration-decide", args=[Reconsideration.objects.get().pk])
    client.force_login(commissioner)
    response = client.get(decide)
    assert "You approved this plan, so someone else must reconsider it." in text_of(response)
    assert "A commissioner who did not approve the plan" in text_of(response)
    assert 'id="main-form"' not in response.content.decode()
    queue = client.get(reverse("web:plan-queues") + "?queue=reconsiderations")
    assert decide not in queue.content.decode()
    client.force_login(second_commissioner)
    assert 'id="main-form"' in client.get(decide).content.decode()


def test_a_draft_has_nothing_to_reconsider_and_the_page_says_why(client, coordinator, draft):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-reconsider", args=[draft.pk]))
    page = text_of(response)
    assert response.status_code == 200
    assert "There is nothing in this plan to reconsider" in page
    assert "an item that was declined, and a plan that comes to less than" in page
    assert "The plan is still being written: nothing in it has been decided yet." in page
    assert reverse("web:plan-detail", args=[draft.pk]) in response.content.decode()


def test_a_plan_with_nothing_declined_and_no_reduction_says_so(
    client, coordinator, clinician, commissioner, scene, draft
):
    plan = approve(build(scene, draft, coordinator), coordinator, clinician, commissioner)
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-reconsider", args=[plan.pk]))
    page = text_of(response)
    assert response.status_code == 200
    assert "No item in the plan was declined." in page
    assert "which is not less than the indicative budget of £7,000.00" in page
    assert 'id="main-form"' not in response.content.decode()


def test_a_declined_item_already_asked_about_is_not_asked_about_twice(client, holder, approved):
    ask_again_for_reflexology(client, holder, approved)
    response = client.get(reverse("web:plan-reconsider", args=[approved.pk]))
    assert response.status_code == 200
    assert "Every declined item (Reflexology) is already waiting to be looked at again." in (
        text_of(response)
    )


def test_who_asked_for_a_reconsideration_is_named_not_shown_by_their_sign_in(
    client, holder, approved, clinician, second_clinician, coordinator
):
    holder.last_name = "Adeyemi"
    holder.save(update_fields=["last_name"])
    reflexology = approved.items.get(name="Reflexology")
    client.force_login(holder)
    client.post(
        reverse("web:plan-reconsider", args=[approved.pk]),
        {"what": str(reflexology.pk), "grounds": "It helps me sleep."},
    )
    asked = Reconsideration.objects.get()
    client.force_login(second_clinician)
    pages = [
        reverse("web:plan-queues") + "?queue=reconsiderations",
        reverse("web:plan-detail", args=[approved.pk]),
        reverse("web:reconsideration-decide", args=[asked.pk]),
    ]
    for url in pages:
        page = text_of(client.get(url))
        assert "Sam Adeyemi" in page, url
        assert holder.username not in page.split(), url
    client.post(
        reverse("web:reconsideration-decide", args=[asked.pk]),
        {"verdict": "upheld", "reasons": "No trial supports it."},
    )
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:plan-detail", args=[approved.pk])))
    assert f"{second_clinician.display_name}, " in page
    assert "clinician2" not in page


def test_the_plan_shows_each_approval_with_its_note_and_no_second_approval_by_the_same_person(
    client, commissioner, second_commissioner, clinician, scene, draft, coordinator, two_approvers
):
    plan = awaiting_approval(scene, draft, coordinator, clinician)
    approve_url = reverse("web:plan-approve", args=[plan.pk])
    plan_url = reverse("web:plan-detail", args=[plan.pk])
    client.force_login(commissioner)
    assert approve_url in client.get(plan_url).content.decode()
    client.post(approve_url, {"note": "The dog is worth it for Sam's safety."})
    response = client.get(plan_url)
    page = text_of(response)
    assert "Approvals 1 of 2 needed" in page
    assert f"{commissioner.display_name}, " in page
    assert "“The dog is worth it for Sam's safety.”" in page
    assert "You approved it on" in page
    assert approve_url not in response.content.decode()

    client.force_login(second_commissioner)
    response = client.get(plan_url)
    assert approve_url in response.content.decode()
    assert "You approved it on" not in text_of(response)


def test_items_approved_with_the_plan_are_not_shown_as_the_reviewers_own_words(
    client, commissioner, clinician, scene, draft, coordinator
):
    plan = awaiting_approval(scene, draft, coordinator, clinician)
    client.force_login(commissioner)
    page = text_of(client.get(reverse("web:plan-detail", args=[plan.pk])))
    assert "“No concerns flagged" not in page
    assert "Approved with the rest of the plan when the clinical review was completed" in page
    assert "“NICE does not recommend reflexology for epilepsy.”" in page  # the reviewer's words
