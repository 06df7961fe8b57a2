"""After approval: reviews on time, revisions as new versions (the budget follows), ending."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budget_figures, commissioner_positions
from openphb.ledger.selectors import verify
from openphb.planning import reviews, selectors, services
from openphb.planning.models import CarePlan, Review, StatusChange
from openphb.planning.workflow import Status

from .journeys import TODAY, active_plan, approve, build, catalogue_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(scene, draft, coordinator, clinician, commissioner):
    return active_plan(scene, draft, coordinator, clinician, commissioner)


def progress_for(plan, how="progressing"):
    return {outcome.pk: (how, "Swims most weeks.") for outcome in plan.outcomes.all()}


def test_the_first_review_falls_due_and_the_plan_says_so(plan, coordinator):
    [review] = Review.objects.filter(plan=plan)
    assert reviews.reviews_mark_due(actor=Actor.system_job("reviews"), on=review.due_on) == 1
    plan.refresh_from_db()
    assert plan.status == Status.REVIEW_DUE
    [due] = selectors.reviews_due(user=coordinator, on=review.due_on + datetime.timedelta(days=9))
    assert (due.plan, due.overdue_days) == (plan, 9)


def test_a_review_that_continues_schedules_the_next_in_twelve_months(plan, coordinator):
    review = selectors.open_review(plan=plan)
    reviews.review_complete(
        actor=Actor(user=coordinator),
        review=review,
        result=Review.Result.CONTINUE,
        summary="Going well.",
        progress=progress_for(plan),
    )
    following = selectors.open_review(plan=plan)
    assert following.kind == Review.Kind.ANNUAL
    assert following.due_on.year == TODAY.year + 1
    assert review.progress.get().progress == "progressing"


def test_a_review_must_say_how_each_outcome_is_going(plan, coordinator):
    with pytest.raises(ValidationError, match="Say how this is going: Swimming again"):
        reviews.review_complete(
            actor=Actor(user=coordinator),
            review=selectors.open_review(plan=plan),
            result=Review.Result.CONTINUE,
            summary="Going well.",
            progress={},
        )


def test_a_significant_change_brings_the_review_forward(plan, coordinator):
    review = reviews.review_request(
        actor=Actor(user=coordinator), plan=plan, reason="Seizures are more frequent."
    )
    plan.refresh_from_db()
    assert (review.kind, review.due_on, plan.status) == (
        Review.Kind.REQUESTED,
        TODAY,
        Status.REVIEW_DUE,
    )
    assert Review.objects.filter(plan=plan, completed_on__isnull=True).count() == 1


def test_a_revision_is_a_new_version_and_approving_it_revises_the_budget(
    scene, icb, person, enrolment, assessment, coordinator, clinician, commissioner
):
    """A plan from 100 days ago; on revision the hydrotherapy doubles from today."""
    started = TODAY - datetime.timedelta(days=100)
    first = services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=started,
        ends_on=started + datetime.timedelta(days=364),
        assessment=assessment,
        coordinator=coordinator,
    )
    first = approve(build(scene, first, coordinator), coordinator, clinician, commissioner)
    before = budget_figures(budget=first.budget).total.approved
    assert before == 234_000 + 1_200_000

    second = reviews.plan_revise(
        actor=Actor(user=coordinator), plan=first, reason="Swimming twice a week now."
    )
    assert (second.version, second.previous, second.status) == (2, first, Status.DRAFT)
    # The dog was bought at the start: it is not bought again.
    assert [item.name for item in second.items.all()] == ["Hydrotherapy"]
    hydro = second.items.get()
    services.item_change(
        actor=Actor(user=coordinator),
        item=hydro,
        spec=catalogue_spec(scene, scene.items.hydrotherapy, quantity=2, starts_on=TODAY),
    )
    with pytest.raises(ValidationError, match="already in progress"):
        reviews.plan_revise(actor=Actor(user=coordinator), plan=first, reason="Again")
    services.plan_update(
        actor=Actor(user=coordinator),
        plan=second,
        starts_on=second.starts_on,
        ends_on=second.ends_on,
        coordinator=coordinator,
        difference_justification="Needs have grown.",
    )
    second = approve(second, coordinator, clinician, commissioner)
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.REVISED, Status.ACTIVE)
    assert second.budget == first.budget
    old_part = round(234_000 * 100 / 365)
    new_part = round(468_000 * 265 / 365)
    figures = budget_figures(budget=second.budget)
    assert (
        figures.by_line[second.budget.lines.get(item_ref=hydro.item_ref).pk].approved
        == old_part + new_part
    )
    assert figures.total.approved == old_part + new_part + 1_200_000
    assert list(verify()) == []
    assert [p.version for p in selectors.plan_versions(plan=second)] == [2, 1]
    # The review carries over to the version in force.
    assert selectors.open_review(plan=second).plan == second


def test_ending_a_plan_ends_its_budget_and_returns_what_is_unused(plan, coordinator, icb):
    [position] = commissioner_positions(commissioner=icb)
    assert position.budgets.approved == 1_434_000
    reviews.plan_end(actor=Actor(user=coordinator), plan=plan, reason="Moved away.")
    plan.refresh_from_db()
    assert plan.status == Status.ENDED
    assert Budget.objects.get(pk=plan.budget_id).status == Budget.Status.ENDED
    [position] = commissioner_positions(commissioner=icb)
    assert position.budgets.approved == 0
    assert list(verify()) == []


def test_ending_needs_a_reason(plan, coordinator):
    with pytest.raises(ValidationError, match="Say why"):
        reviews.plan_end(actor=Actor(user=coordinator), plan=plan, reason=" ")


def test_a_status_change_cannot_be_rewritten(plan):
    change = StatusChange.objects.filter(plan=plan).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChange.objects.filter(pk=change.pk).update(note="changed")


def test_a_plan_cannot_skip_a_step(draft, coordinator):
    from openphb.planning import decisions

    with pytest.raises(ValidationError, match="not waiting for approval"):
        decisions.plan_approve(actor=Actor(user=coordinator), plan=draft)
    assert CarePlan.objects.get(pk=draft.pk).status == Status.DRAFT
