"""Care plan pages after approval: the person's plain-English view of their plan, the review
worklist (most overdue first), recording a review, revising, asking for a review and ending."""

import datetime

import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import assessing, decisions, services
from openphb.planning.models import CarePlan, Decision, Review
from openphb.planning.rules import DeclineReason
from openphb.planning.tests.journeys import approve, build
from openphb.planning.workflow import Status
from openphb.registry.services import representative_add
from openphb.web import plan_presenters

from .steps import date_fields, in_review, text_of, today

pytestmark = pytest.mark.django_db


# --- The budget holder ------------------------------------------------------------------------


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
        "Reflexology was not agreed: the guidance clinicians follow does not recommend it. "
        "Anna wrote: “No evidence.”" in page
    )
    assert "Clinical guidance does not support it" not in page  # the staff words
    assert "First review (within 3 months): due by" in page
    assert "Ask for a decision to be looked at again" in page
    assert "Hydrotherapy, approved by Anna" in page
    assert "no concerns were raised about it." in page
    assert "No concerns flagged" not in page  # the system's note is not quoted as the reviewer's


def declined_for_no_evidence(scene, draft, coordinator, clinician, commissioner) -> CarePlan:
    """Reflexology declined because there is no evidence it helps; the plan approved."""
    plan = in_review(scene, draft, coordinator)
    decisions.item_decide(
        actor=Actor(user=clinician),
        item=plan.items.get(name="Reflexology"),
        decision=Decision.DECLINED,
        reason=DeclineReason.NO_EVIDENCE,
    )
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    decisions.plan_approve(actor=Actor(user=commissioner), plan=plan)
    plan.refresh_from_db()
    return plan


def test_the_person_reads_why_an_item_was_declined_in_their_own_words(
    client, holder, scene, draft, coordinator, clinician, commissioner
):
    plan = declined_for_no_evidence(scene, draft, coordinator, clinician, commissioner)
    client.force_login(holder)
    page = text_of(client.get(reverse("web:plan-detail", args=[plan.pk])))
    assert (
        "Reflexology was not agreed: there is no good evidence it helps with your condition."
        in page
    )
    assert "Reflexology, declined (there is no good evidence it helps with your condition)" in (
        page
    )
    assert "the person's condition" not in page
    client.force_login(clinician)  # staff keep their own words
    page = text_of(client.get(reverse("web:plan-detail", args=[plan.pk])))
    assert "No evidence it helps with the person's condition" in page


def test_whoever_represents_the_person_reads_their_condition(
    client, person, scene, draft, coordinator, clinician, commissioner
):
    daughter = factories.user(username="daughter", role="budget_holder", first_name="Ada")
    representative_add(
        actor=Actor.system_job("test"),
        patient=person,
        full_name="Ada Adeyemi",
        relationship="daughter",
        authority="lpa",
        starts_on=today(),
        account=daughter,
    )
    plan = declined_for_no_evidence(scene, draft, coordinator, clinician, commissioner)
    client.force_login(daughter)
    page = text_of(client.get(reverse("web:plan-detail", args=[plan.pk])))
    assert "Sam's care plan" in page
    assert (
        "Reflexology was not agreed: there is no good evidence it helps with their condition."
        in page
    )
    assert "your condition" not in page


def test_every_decline_reason_has_words_for_the_person_and_for_their_representative():
    for code, staff_words in DeclineReason.choices:
        own = plan_presenters.decline_reason_plain(code, own=True)
        theirs = plan_presenters.decline_reason_plain(code, own=False)
        assert own, code
        assert theirs, code
        assert own != staff_words.lower(), code
        assert "the person" not in own + theirs, code
        assert "your" not in theirs, code
        assert " you" not in theirs, code


def test_a_holder_sees_only_their_own_plans(client, holder, approved, icb):
    other = factories.patient(commissioner=icb)
    plan = services.plan_start(actor=Actor.system_job("test"), patient=other, starts_on=today())
    client.force_login(holder)
    assert client.get(reverse("web:plan-detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("web:plan-approve", args=[approved.pk])).status_code == 403


# --- Assessed, no plan yet ---------------------------------------------------------------------


def test_people_assessed_with_no_plan_are_found_in_a_worklist_with_a_way_to_start_one(
    client, coordinator, clinician, enrolment, assessment
):
    url = reverse("web:plan-queues") + "?queue=assessed"
    client.force_login(coordinator)
    response = client.get(url)
    page = text_of(response)
    body = response.content.decode()
    assert "Assessed, no plan yet" in page
    assert "ADEYEMI, Sam" in page
    assert "£7,000.00 a year Not yet shared with Sam" in page
    assert reverse("web:plan-start", args=[enrolment.pk]) in body
    assert reverse("web:assessment", args=[assessment.pk]) in body

    assessing.indicative_share(actor=Actor(user=coordinator), assessment=assessment, how="phone")
    assert f"Shared with Sam on {today():%-d %B %Y}" in text_of(client.get(url))

    client.force_login(clinician)  # sees who is waiting, but does not plan care
    response = client.get(url)
    assert "ADEYEMI, Sam" in text_of(response)
    assert reverse("web:plan-start", args=[enrolment.pk]) not in response.content.decode()

    client.force_login(coordinator)
    client.post(
        reverse("web:plan-start", args=[enrolment.pk]),
        {**date_fields("starts_on", today()), "coordinator": str(coordinator.pk)},
    )
    assert CarePlan.objects.filter(enrolment=enrolment).exists()
    page = text_of(client.get(url))
    assert "ADEYEMI, Sam" not in page
    assert "Nothing is waiting here." in page


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


def test_dates_on_plan_pages_are_not_explained_with_a_date_of_birth(
    client, coordinator, commissioner, approved
):
    """The shared date box's example (15 3 1984) suits a date of birth, not a plan's dates."""
    review = Review.objects.get(plan=approved)
    pages = [
        (coordinator, reverse("web:plan-review-record", args=[approved.pk, review.pk])),
        (coordinator, reverse("web:plan-revise", args=[approved.pk])),
        (commissioner, reverse("web:plan-end", args=[approved.pk])),
    ]
    for user, url in pages:
        client.force_login(user)
        page = text_of(client.get(url))
        assert "in numbers." in page, url
        assert "15 3 1984" not in page, url
