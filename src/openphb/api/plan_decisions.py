"""/api/v1/care-plans: deciding on a plan and what follows: submitting a draft, the clinical
review of each item, sending back, withdrawing, approval (the last one funds the budget),
revising, ending, reviews and reconsiderations. Each returns the plan as it now is."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.planning import decisions, reviews
from openphb.planning.models import CarePlan, Decision, Progress, Reconsideration, Review
from openphb.planning.rules import DeclineReason
from openphb.planning.selectors import reconsiderations_of, reviews_of

from .plan_shapes import PlanOut, item_of, plan_now, plan_of
from .planning import api_fields, named_in_body, require

router = Router(tags=["care plans"])


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


@router.post("/{plan_id}/submit", response=PlanOut)
def submit_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    """Send a draft for clinical review. Every item is checked again; what stops it (no
    outcome, a flagged item without its justification, an unexplained difference from the
    indicative budget) is refused with a message each."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    decisions.plan_submit(actor=Actor.from_request(request), plan=plan)
    return plan_now(user, plan)


class DecisionIn(Schema):
    decision: Decision = Field(..., description="approved, conditions or declined")
    reason: DeclineReason | None = Field(None, description="Why it is declined")
    note: str = Field("", description="Clinical reasoning; needed to approve weak evidence")
    conditions: str = Field("", description="For approval with conditions")


@router.post("/{plan_id}/items/{item_id}/decision", response=PlanOut)
def decide_item(request: HttpRequest, plan_id: int, item_id: int, payload: DecisionIn) -> PlanOut:
    """A clinical reviewer's decision on one item of a plan in clinical review."""
    user = require(request, Capability.REVIEW_CLINICALLY)
    plan = plan_of(user, plan_id)
    decisions.item_decide(
        actor=Actor.from_request(request),
        item=item_of(plan, item_id),
        decision=payload.decision,
        reason=payload.reason or "",
        note=payload.note,
        conditions=payload.conditions,
    )
    return plan_now(user, plan)


@router.post("/{plan_id}/clinical-review", response=PlanOut)
def complete_clinical_review(request: HttpRequest, plan_id: int, payload: NoteIn) -> PlanOut:
    """Finish the clinical review once every flagged item is decided (the rest, which raised no
    concern, are approved): the plan goes to the commissioner for approval."""
    user = require(request, Capability.REVIEW_CLINICALLY)
    plan = plan_of(user, plan_id)
    decisions.clinical_review_complete(
        actor=Actor.from_request(request), plan=plan, note=payload.note
    )
    return plan_now(user, plan)


@router.post("/{plan_id}/return", response=PlanOut)
def return_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> PlanOut:
    """Send a plan in review or waiting for approval back to a draft, with the reason."""
    user = require(request, Capability.REVIEW_CLINICALLY, Capability.APPROVE_PLANS)
    plan = plan_of(user, plan_id)
    decisions.plan_return(actor=Actor.from_request(request), plan=plan, reason=payload.reason)
    return plan_now(user, plan)


@router.post("/{plan_id}/withdraw", response=PlanOut)
def withdraw_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> PlanOut:
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    decisions.plan_withdraw(actor=Actor.from_request(request), plan=plan, reason=payload.reason)
    return plan_now(user, plan)


@router.post("/{plan_id}/approvals", response=PlanOut)
def approve_plan(request: HttpRequest, plan_id: int, payload: NoteIn) -> PlanOut:
    """Approve a plan waiting for approval. Never its author; above the policy's amount, two
    different approvers. The last approval makes it active and creates and funds its budget
    (or revises the budget, for a revised plan)."""
    user = require(request, Capability.APPROVE_PLANS)
    plan = plan_of(user, plan_id)
    decisions.plan_approve(actor=Actor.from_request(request), plan=plan, note=payload.note)
    return plan_now(user, plan)


class ReviseIn(Schema):
    reason: str
    starts_on: datetime.date | None = Field(None, description="Empty: today")


@router.post("/{plan_id}/revisions", response={201: PlanOut})
def revise_plan(request: HttpRequest, plan_id: int, payload: ReviseIn) -> Status[PlanOut]:
    """Start a new version of a plan in force (its outcomes and items copied); the version in
    force stays in force until the new one is approved. Returns the new draft."""
    user = require(request, Capability.PLAN_CARE)
    revision = reviews.plan_revise(
        actor=Actor.from_request(request),
        plan=plan_of(user, plan_id),
        reason=payload.reason,
        starts_on=payload.starts_on,
    )
    return Status(201, plan_now(user, revision))


class EndIn(Schema):
    reason: str
    on: datetime.date | None = Field(None, description="Empty: today")


@router.post("/{plan_id}/end", response=PlanOut)
def end_plan(request: HttpRequest, plan_id: int, payload: EndIn) -> PlanOut:
    """End a plan in force; its budget ends too, and what it has not used goes back to the
    commissioner."""
    user = require(request, Capability.APPROVE_PLANS)
    plan = plan_of(user, plan_id)
    reviews.plan_end(
        actor=Actor.from_request(request), plan=plan, reason=payload.reason, on=payload.on
    )
    return plan_now(user, plan)


# --- Reviews ----------------------------------------------------------------------------------


class ReviewRequestIn(Schema):
    reason: str = Field(..., description="What changed")
    on: datetime.date | None = Field(None, description="Empty: today")


@router.post("/{plan_id}/reviews", response={201: PlanOut})
def request_review(request: HttpRequest, plan_id: int, payload: ReviewRequestIn) -> Status[PlanOut]:
    """Ask for a review now, after a significant change; the plan becomes 'review due'."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    reviews.review_request(
        actor=Actor.from_request(request), plan=plan, reason=payload.reason, on=payload.on
    )
    return Status(201, plan_now(user, plan))


class ProgressIn(Schema):
    outcome_id: int
    progress: Progress
    note: str = ""


class ReviewIn(Schema):
    result: Review.Result = Field(..., description="continue, revise or end")
    summary: str
    progress: list[ProgressIn] = Field(..., description="How each of the plan's outcomes is going")
    on: datetime.date | None = Field(None, description="Empty: today")


def _review(plan: CarePlan, review_id: int) -> Review:
    """One of the reviews of the plan's versions (Review.DoesNotExist, a 404, otherwise)."""
    for review in reviews_of(plan=plan):
        if review.pk == review_id:
            return review
    raise Review.DoesNotExist


@router.post("/{plan_id}/reviews/{review_id}/complete", response=PlanOut)
def complete_review(
    request: HttpRequest, plan_id: int, review_id: int, payload: ReviewIn
) -> PlanOut:
    """Record a review: progress against each outcome and the decision. Continue schedules the
    next review in 12 months; revise starts a new version (see `versions`); end ends the plan
    and its budget."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    review = _review(plan, review_id)
    reviews.review_complete(
        actor=Actor.from_request(request),
        review=review,
        result=payload.result,
        summary=payload.summary,
        progress={row.outcome_id: (row.progress, row.note) for row in payload.progress},
        on=payload.on,
    )
    return plan_now(user, plan)


# --- Reconsiderations -------------------------------------------------------------------------


class ReconsiderationIn(Schema):
    grounds: str = Field(..., description="Why it should be looked at again")
    item_id: int | None = Field(
        None, description="The declined item; empty: the reduction below the indicative budget"
    )


@router.post("/{plan_id}/reconsiderations", response={201: PlanOut})
def request_reconsideration(
    request: HttpRequest, plan_id: int, payload: ReconsiderationIn
) -> Status[PlanOut]:
    """Ask for a declined item, or a reduction below the indicative budget, to be looked at
    again. The person may ask for themselves."""
    user = require(request, Capability.REQUEST_RECONSIDERATION)
    plan = plan_of(user, plan_id)
    item = None
    if payload.item_id is not None:
        with named_in_body("item_id", "an item of this plan", payload.item_id):
            item = item_of(plan, payload.item_id)
    with api_fields({"item": "item_id"}):
        reviews.reconsideration_request(
            actor=Actor.from_request(request), plan=plan, grounds=payload.grounds, item=item
        )
    return Status(201, plan_now(user, plan))


class VerdictIn(Schema):
    verdict: Reconsideration.Verdict = Field(..., description="upheld or changed")
    reasons: str


def _reconsideration(plan: CarePlan, reconsideration_id: int) -> Reconsideration:
    for asked in reconsiderations_of(plan=plan):
        if asked.pk == reconsideration_id:
            return asked
    raise Reconsideration.DoesNotExist


@router.post("/{plan_id}/reconsiderations/{reconsideration_id}/decision", response=PlanOut)
def decide_reconsideration(
    request: HttpRequest, plan_id: int, reconsideration_id: int, payload: VerdictIn
) -> PlanOut:
    """Decide a reconsideration, with reasons: a clinical reviewer for a declined item (not the
    one who declined it), a commissioner for a reduction (not one who approved the plan)."""
    user = require(request, Capability.REVIEW_CLINICALLY, Capability.APPROVE_PLANS)
    plan = plan_of(user, plan_id)
    asked = _reconsideration(plan, reconsideration_id)
    require(
        request,
        Capability.REVIEW_CLINICALLY if asked.item_id else Capability.APPROVE_PLANS,
    )
    reviews.reconsideration_decide(
        actor=Actor.from_request(request),
        reconsideration=asked,
        verdict=payload.verdict,
        reasons=payload.reasons,
    )
    return plan_now(user, plan)
