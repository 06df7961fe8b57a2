"""After each key step on a plan the page the user lands on says, once, what was done: an NHS
success banner (django.contrib.messages, shown by the layout)."""

import pytest
from django.urls import reverse

from openphb.audit.services import Actor
from openphb.planning import decisions
from openphb.planning.models import Decision, Reconsideration, Review
from openphb.planning.tests.journeys import build

from .steps import awaiting_approval, date_fields, in_review, text_of, today

pytestmark = pytest.mark.django_db


def landed(response) -> str:
    """The text of the page a step redirected to, which must carry the success banner."""
    assert response.redirect_chain, "the step did not redirect"
    assert 'class="nhsuk-notification-banner nhsuk-notification-banner--success"' in (
        response.content.decode()
    )
    return text_of(response)


def test_submitting_a_plan_says_it_went_to_clinical_review_once(client, coordinator, scene, draft):
    build(scene, draft, coordinator)
    client.force_login(coordinator)
    page = landed(client.post(reverse("web:plan-submit", args=[draft.pk]), follow=True))
    assert "Success The plan was submitted for clinical review." in page
    again = client.get(reverse("web:plan-detail", args=[draft.pk]))
    assert "notification-banner" not in again.content.decode()  # said once, not on every visit


def test_deciding_an_item_says_what_was_decided_and_why(
    client, clinician, scene, draft, coordinator
):
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    client.force_login(clinician)
    page = landed(
        client.post(
            reverse("web:plan-item-decide", args=[plan.pk, reflexology.pk]),
            {"decision": "declined", "reason": "not_supported", "note": "No evidence."},
            follow=True,
        )
    )
    assert (
        "Your decision is recorded: Reflexology is declined (clinical guidance does not "
        "support it)." in page
    )


def test_completing_the_clinical_review_says_where_the_plan_went(
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
    page = landed(
        client.post(reverse("web:plan-review-complete", args=[plan.pk]), {"note": ""}, follow=True)
    )
    assert "The clinical review is complete. The plan has gone to a commissioner" in page


def test_the_first_of_two_approvals_says_another_is_needed_and_the_last_that_it_is_active(
    client,
    commissioner,
    second_commissioner,
    clinician,
    scene,
    draft,
    coordinator,
    two_approvers,
):
    plan = awaiting_approval(scene, draft, coordinator, clinician)
    url = reverse("web:plan-approve", args=[plan.pk])
    client.force_login(commissioner)
    page = landed(client.post(url, {"note": ""}, follow=True))
    assert (
        "You approved the plan. It still needs 1 more approval, from a commissioner who has "
        "not approved it, before it is active." in page
    )
    client.force_login(second_commissioner)
    page = landed(client.post(url, {"note": ""}, follow=True))
    assert "You approved the plan. It is now active and its budget is set up." in page
    assert "still needs" not in page


def test_recording_a_review_says_what_happens_to_the_plan(client, coordinator, approved):
    review = Review.objects.get(plan=approved)
    outcome = approved.outcomes.get()
    client.force_login(coordinator)
    page = landed(
        client.post(
            reverse("web:plan-review-record", args=[approved.pk, review.pk]),
            {
                f"progress_{outcome.pk}": "no_change",
                "summary": "Seizures are more frequent.",
                "result": "revise",
                **date_fields("on", today()),
            },
            follow=True,
        )
    )
    assert "The review is recorded. Version 2 of the plan has been started as a draft" in page


def test_asking_for_a_reconsideration_and_deciding_it_are_each_confirmed(
    client, holder, approved, second_clinician
):
    client.force_login(holder)
    page = landed(
        client.post(
            reverse("web:plan-reconsider", args=[approved.pk]),
            {"what": str(approved.items.get(name="Reflexology").pk), "grounds": "It helps."},
            follow=True,
        )
    )
    assert "Your request was sent. Someone who did not make the decision will look at it" in page
    asked = Reconsideration.objects.get()
    client.force_login(second_clinician)
    page = landed(
        client.post(
            reverse("web:reconsideration-decide", args=[asked.pk]),
            {"verdict": "upheld", "reasons": "No trial supports it."},
            follow=True,
        )
    )
    assert "Your decision is recorded: original decision upheld." in page


def test_a_step_refused_shows_no_success_banner(client, coordinator, draft):
    client.force_login(coordinator)
    response = client.post(reverse("web:plan-submit", args=[draft.pk]), follow=True)
    assert response.status_code == 400
    assert "notification-banner" not in response.content.decode()
