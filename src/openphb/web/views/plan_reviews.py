"""Care plans after approval, and the worklists: reviews (requested after a significant change,
recorded with progress per outcome and a decision to continue, revise or end), revising a plan
as a new version, ending one, and the queues of plans waiting for someone."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.planning import reviews
from openphb.planning.models import CarePlan, Review
from openphb.planning.selectors import (
    assessed_without_plan,
    open_reconsiderations,
    plan_versions,
    plans_in_status,
    reviews_due,
    reviews_of,
)
from openphb.planning.workflow import Status

from .. import plan_presenters
from ..plan_forms import EndForm, ReasonForm, ReviewForm, ReviseForm
from .common import paginate, requires, signed_in, submit
from .plans import action_page, plan_page, render_form, scoped_plan

QUEUES: dict[str, str] = {
    "assessed": "Assessed, no plan yet",
    "drafts": "Plans being written",
    "clinical-review": "In clinical review",
    "approval": "Waiting for approval",
    "reviews": "Reviews due and overdue",
    "reconsiderations": "Reconsiderations waiting",
}
QUEUE_STATUSES: dict[str, set[str]] = {
    "drafts": {Status.DRAFT},
    "clinical-review": {Status.SUBMITTED},
    "approval": {Status.AWAITING_APPROVAL},
}


def _first_queue(user: User) -> str:
    if user.can(Capability.REVIEW_CLINICALLY):
        return "clinical-review"
    if user.can(Capability.APPROVE_PLANS):
        return "approval"
    return "drafts"


@requires(Capability.VIEW_PLANS)
def plan_queues(request: HttpRequest) -> HttpResponse:
    """Who is waiting for someone: people assessed with no plan yet (oldest assessment first);
    plans being written, in clinical review, waiting for approval; reviews due and overdue
    (most overdue first); reconsiderations waiting for a decision."""
    user = signed_in(request)
    name = request.GET.get("queue", "")
    if name not in QUEUES:
        name = _first_queue(user)
    today = timezone.localdate()
    rows: Any
    if name == "assessed":
        rows = assessed_without_plan(user=user)
    elif name == "reviews":
        rows = reviews_due(user=user, on=today)
    elif name == "reconsiderations":
        rows = open_reconsiderations(user=user)
    else:
        rows = plans_in_status(user=user, statuses=QUEUE_STATUSES[name])
    page, pagination = paginate(request, rows)
    # Whoever may not decide a reconsideration (they declined the item, approved the plan or
    # wrote it) is told why instead of being offered to.
    refusals = (
        {
            asked.pk: reviews.decider_refusal(user_id=user.pk, reconsideration=asked)
            for asked in page
        }
        if name == "reconsiderations"
        else {}
    )
    return render(
        request,
        "plans/queues.html",
        {
            "queues": QUEUES,
            "current": name,
            "page": page,
            "pagination": pagination,
            "today": today,
            "plan_text": plan_presenters,
            "refusals": refusals,
        },
    )


# --- Reviews ----------------------------------------------------------------------------------


@requires(Capability.PLAN_CARE)
def review_request(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    form = ReasonForm(
        request.POST or None,
        label="What has changed",
        message="Say what changed.",
    )
    return action_page(
        request,
        plan,
        form,
        lambda data: reviews.review_request(
            actor=Actor.from_request(request), plan=plan, reason=data["reason"]
        ),
        title="Ask for a review now",
        action="Ask for a review",
        intro=[
            "After a significant change in the person's health or circumstances, or when the "
            "budget proves not to be enough, the plan is reviewed now rather than at its next "
            "review date. The plan becomes 'review due'."
        ],
    )


def _review(plan: CarePlan, pk: int) -> Review:
    for review in reviews_of(plan=plan):
        if review.pk == pk and review.plan_id == plan.pk:
            return review
    raise Http404("No such review of this plan")


@requires(Capability.PLAN_CARE)
def review_record(request: HttpRequest, pk: int, review_pk: int) -> HttpResponse:
    """How each outcome is going, what the review found, and whether the plan continues, is
    revised (a new version, to change and submit) or ends."""
    plan = scoped_plan(request, pk)
    review = _review(plan, review_pk)
    form = ReviewForm(
        request.POST or None,
        outcomes=list(plan.outcomes.all()),
        initial={"on": timezone.localdate()},
    )
    done = submit(
        form,
        lambda data: reviews.review_complete(
            actor=Actor.from_request(request),
            review=review,
            result=data["result"],
            summary=data["summary"],
            progress=form.progress(),
            on=data["on"],
        ),
    )
    if done is not None:
        newest = plan_versions(plan=plan)[0]
        messages.success(request, plan_presenters.review_recorded(done, newest))
        return redirect(plan_page(newest))
    return render_form(request, "plans/review_form.html", form, plan, review=review)


@requires(Capability.PLAN_CARE)
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    form = ReviseForm(
        request.POST or None,
        label="Why the plan is being revised",
        message="Say why the plan is being revised.",
        initial={"starts_on": max(timezone.localdate(), plan.starts_on)},
    )
    return action_page(
        request,
        plan,
        form,
        lambda data: reviews.plan_revise(
            actor=Actor.from_request(request),
            plan=plan,
            reason=data["reason"],
            starts_on=data["starts_on"],
        ),
        title="Revise the plan",
        action="Start a revised version",
        intro=[
            f"A new version starts as a draft with this plan's outcomes and agreed items, "
            f"from the date you give to {plan.ends_on:%-d %B %Y}. This version stays in force "
            "until the new one is approved; both are kept."
        ],
        done=lambda revision: plan_page(revision),  # type: ignore[arg-type]
    )


@requires(Capability.APPROVE_PLANS)
def plan_end(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    form = EndForm(
        request.POST or None,
        label="Why the plan is ending",
        message="Say why the plan is ending.",
        initial={"on": timezone.localdate()},
    )
    return action_page(
        request,
        plan,
        form,
        lambda data: reviews.plan_end(
            actor=Actor.from_request(request), plan=plan, reason=data["reason"], on=data["on"]
        ),
        title="End the plan",
        action="End the plan",
        intro=[
            "The plan and its budget end. Money the budget has not used goes back to the "
            "commissioner's allocation."
        ],
    )
