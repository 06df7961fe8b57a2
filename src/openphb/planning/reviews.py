"""Life after approval: reviews of plans in force (first within 3 months, then every 12, and on
request after a significant change), revising a plan as a new version, ending it, and
reconsidering declined items and reductions."""

import datetime
from collections.abc import Mapping
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openphb.audit.services import Actor, audit_record
from openphb.budgets import services as budget_services
from openphb.budgets.models import Budget

from . import calculations, workflow
from .catalogue import check_acts_for
from .decisions import _record_decision
from .models import (
    Approval,
    CarePlan,
    Decision,
    Outcome,
    OutcomeProgress,
    PlanItem,
    Progress,
    Reconsideration,
    Review,
    StatusChange,
)
from .selectors import latest_assessment, plan_summary
from .services import _item_values, _locked, _move, spec_of
from .workflow import IN_FORCE, Status


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def review_request(
    *, actor: Actor, plan: CarePlan, reason: str, on: datetime.date | None = None
) -> Review:
    """Ask for a review now, after a significant change in the person's health or because the
    budget proves not enough. The plan becomes 'review due'."""
    plan = _locked(plan)
    on = on or _today()
    if plan.status not in IN_FORCE:
        raise ValidationError("Only a plan in force is reviewed.")
    if not reason.strip():
        raise ValidationError({"reason": "Say what changed."})
    check_acts_for(actor, plan.commissioner, _today())
    review = Review.objects.filter(plan=plan, completed_on__isnull=True).first()
    if review is None:
        review = Review(plan=plan)
    review.kind = Review.Kind.REQUESTED
    review.due_on = min(review.due_on, on) if review.due_on else on
    review.requested_reason = reason.strip()
    review.save()
    if plan.status == Status.ACTIVE:
        _move(plan, Status.REVIEW_DUE, actor, reason)
    audit_record(
        actor=actor,
        action="care_plan.review_requested",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Review requested: {reason.strip()}"[:300],
    )
    return review


@transaction.atomic
def reviews_mark_due(*, actor: Actor, on: datetime.date | None = None) -> int:
    """Move every active plan whose review has fallen due to 'review due'. Returns how many."""
    on = on or _today()
    due = Review.objects.filter(
        completed_on__isnull=True, due_on__lte=on, plan__status=Status.ACTIVE
    ).values_list("plan_id", flat=True)
    moved = 0
    for plan in CarePlan.objects.select_for_update().filter(pk__in=list(due)).order_by("pk"):
        _move(plan, Status.REVIEW_DUE, actor)
        moved += 1
    return moved


@transaction.atomic
def review_complete(
    *,
    actor: Actor,
    review: Review,
    result: str,
    summary: str,
    progress: Mapping[int, tuple[str, str]],
    on: datetime.date | None = None,
) -> Review:
    """Record a review: how each outcome is going (outcome id -> (progress, note)) and the
    decision. Continue schedules the next review in 12 months; revise starts a new version of
    the plan; end ends the plan and its budget."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    plan = _locked(review.plan)
    on = on or _today()
    if review.completed_on is not None:
        raise ValidationError("This review has been recorded already.")
    if plan.status not in IN_FORCE:
        raise ValidationError("Only a plan in force is reviewed.")
    errors: dict[str, object] = {}
    if result not in Review.Result.values:
        errors["result"] = "Choose whether to continue, revise or end the plan."
    if not summary.strip():
        errors["summary"] = "Summarise what the review found."
    if on > _today():
        errors["on"] = "The review date cannot be in the future."
    outcomes = list(plan.outcomes.all())
    missing = [
        outcome.what_matters
        for outcome in outcomes
        if progress.get(outcome.pk, ("", ""))[0] not in Progress.values
    ]
    if missing:
        errors["progress"] = [f"Say how this is going: {text}" for text in missing]
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, plan.commissioner, _today())
    review.completed_on = on
    review.completed_by_id = actor.user_id
    review.result = result
    review.summary = summary.strip()
    review.save()
    OutcomeProgress.objects.bulk_create(
        OutcomeProgress(
            review=review,
            outcome=outcome,
            progress=progress[outcome.pk][0],
            note=progress[outcome.pk][1].strip(),
        )
        for outcome in outcomes
    )
    audit_record(
        actor=actor,
        action="care_plan.reviewed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"{review.get_kind_display()}: {Review.Result(result).label}. {summary.strip()}"[
            :300
        ],
    )
    if result == Review.Result.END:
        plan_end(actor=actor, plan=plan, reason=f"Review: {summary.strip()}", on=on)
        return review
    if plan.status == Status.REVIEW_DUE:
        _move(plan, Status.ACTIVE, actor, "Reviewed")
    if result == Review.Result.CONTINUE:
        Review.objects.create(
            plan=plan,
            kind=Review.Kind.ANNUAL,
            due_on=calculations.next_review_due(reviewed_on=on),
        )
    else:
        plan_revise(
            actor=actor,
            plan=plan,
            reason=f"Review of {on:%-d %b %Y}: {summary.strip()}",
            starts_on=max(on, plan.starts_on),
        )
    return review


# --- Revising and ending ----------------------------------------------------------------------


@transaction.atomic
def plan_revise(
    *, actor: Actor, plan: CarePlan, reason: str, starts_on: datetime.date | None = None
) -> CarePlan:
    """Start a new version of a plan in force, from `starts_on` to the end of its period,
    with its outcomes and items copied. The version in force stays in force until the new one
    is approved."""
    plan = _locked(plan)
    if plan.status not in IN_FORCE:
        raise ValidationError("Only a plan in force can be revised.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the plan is being revised."})
    starts_on = starts_on or max(_today(), plan.starts_on)
    if not plan.starts_on <= starts_on <= plan.ends_on:
        raise ValidationError(
            {"starts_on": "A revision starts within the period of the plan it revises."}
        )
    if CarePlan.objects.filter(first_id=plan.first_id, status__in=workflow.IN_PROGRESS).exists():
        raise ValidationError("A revision of this plan is already in progress.")
    check_acts_for(actor, plan.commissioner, _today())
    latest = CarePlan.objects.filter(first_id=plan.first_id).aggregate(n=Max("version"))["n"]
    assessment = (
        latest_assessment(patient_id=plan.patient_id, programme=plan.programme)
        if plan.programme is not None
        else plan.assessment
    )
    revision = CarePlan.objects.create(
        patient=plan.patient,
        commissioner=plan.commissioner,
        programme=plan.programme,
        enrolment=plan.enrolment,
        assessment=assessment,
        first_id=plan.first_id,
        previous=plan,
        version=(latest or plan.version) + 1,
        status=Status.DRAFT,
        status_since=timezone.now(),
        coordinator=plan.coordinator,
        author_id=actor.user_id,
        starts_on=starts_on,
        ends_on=plan.ends_on,
        indicative_amount=assessment.indicative_amount if assessment else plan.indicative_amount,
        difference_justification=plan.difference_justification,
        revision_reason=reason.strip(),
    )
    outcomes = {}
    for outcome in plan.outcomes.all():
        outcomes[outcome.pk] = Outcome.objects.create(
            plan=revision,
            key=outcome.key,
            what_matters=outcome.what_matters,
            goal=outcome.goal,
            measure=outcome.measure,
            position=outcome.position,
        )
    for item in plan.items.select_related("stream", "catalogue_version__item", "provider"):
        # Declined items, and what was bought or ended before the revision, stay behind.
        bought = item.frequency == "once" and item.starts_on < starts_on
        if not item.counts or item.ends_on < starts_on or bought:
            continue
        spec = replace(
            spec_of(item),
            starts_on=max(item.starts_on, starts_on),
            outcome=outcomes.get(item.outcome_id) if item.outcome_id else None,
        )
        values = _item_values(revision, spec)
        PlanItem.objects.create(plan=revision, key=item.key, position=item.position, **values)
    StatusChange.objects.create(
        plan=revision,
        to_status=Status.DRAFT,
        note=f"Revision of version {plan.version}: {reason.strip()}",
        by_id=actor.user_id,
        by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="care_plan.revision_started",
        target=revision,
        patient_id=plan.patient_id,
        summary=f"Version {revision.version} from {starts_on:%-d %b %Y}: {reason.strip()}"[:300],
    )
    return revision


@transaction.atomic
def plan_end(
    *, actor: Actor, plan: CarePlan, reason: str, on: datetime.date | None = None
) -> CarePlan:
    """End a plan in force; its budget ends too, and what it has not used goes back to the
    commissioner's allocation."""
    plan = _locked(plan)
    on = on or _today()
    check_acts_for(actor, plan.commissioner, _today())
    _move(plan, Status.ENDED, actor, reason)
    if plan.budget_id is not None:
        budget = Budget.objects.get(pk=plan.budget_id)
        if budget.status == Budget.Status.ACTIVE:
            budget_services.budget_end(actor=actor, budget=budget, on=on, reason=reason)
    return plan


# --- Reconsideration --------------------------------------------------------------------------


@transaction.atomic
def reconsideration_request(
    *,
    actor: Actor,
    plan: CarePlan,
    grounds: str,
    item: PlanItem | None = None,
    on: datetime.date | None = None,
) -> Reconsideration:
    """The person (or someone for them) asks for a declined item, or a reduction of their
    budget below the indicative amount, to be looked at again."""
    plan = _locked(plan)
    on = on or _today()
    if plan.status in (Status.DRAFT, Status.WITHDRAWN, Status.ENDED, Status.REVISED):
        raise ValidationError("Decisions on this plan can no longer be reconsidered.")
    if not grounds.strip():
        raise ValidationError({"grounds": "Say why it should be looked at again."})
    if item is not None:
        item = PlanItem.objects.get(pk=item.pk)
        if item.plan_id != plan.pk:
            raise ValidationError({"item": "That item is not in this plan."})
        if item.decision != Decision.DECLINED:
            raise ValidationError({"item": f"{item.name} was not declined."})
    else:
        summary = plan_summary(plan=plan)
        if not summary.reduced:
            raise ValidationError(
                "The plan is not below the indicative budget, so there is no reduction to "
                "reconsider; ask about a declined item instead."
            )
    if Reconsideration.objects.filter(
        plan=plan, item=item, verdict=Reconsideration.Verdict.OPEN
    ).exists():
        raise ValidationError("A reconsideration of this is already waiting for a decision.")
    asked = Reconsideration.objects.create(
        plan=plan,
        item=item,
        grounds=grounds.strip(),
        requested_on=on,
        requested_by_id=actor.user_id,
        requested_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="care_plan.reconsideration_requested",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Reconsider {item.name if item else 'the reduction'}: {grounds.strip()}"[:300],
    )
    return asked


def decider_refusal(*, user_id: int | None, reconsideration: Reconsideration) -> str:
    """Why this person may not decide the reconsideration ('' if they may): they wrote the
    plan, declined the item, or approved the plan whose amount is questioned."""
    if user_id is None:
        return ""
    plan = reconsideration.plan
    if user_id == plan.author_id:
        return "You wrote this plan, so someone else must reconsider it."
    if reconsideration.item_id is not None:
        if PlanItem.objects.filter(pk=reconsideration.item_id, decided_by_id=user_id).exists():
            return "You declined this item, so someone else must reconsider it."
        return ""
    if Approval.objects.filter(plan=plan, approver_id=user_id).exists():
        return "You approved this plan, so someone else must reconsider it."
    return ""


@transaction.atomic
def reconsideration_decide(
    *, actor: Actor, reconsideration: Reconsideration, verdict: str, reasons: str
) -> Reconsideration:
    """Someone other than who made the decision decides again, with reasons. A declined item
    whose decline is overturned before the plan is approved becomes approved; after approval,
    the change is made by revising the plan."""
    asked = Reconsideration.objects.select_for_update().get(pk=reconsideration.pk)
    plan = _locked(asked.plan)
    if asked.verdict != Reconsideration.Verdict.OPEN:
        raise ValidationError("This reconsideration has been decided already.")
    errors: dict[str, str] = {}
    if verdict not in (Reconsideration.Verdict.UPHELD, Reconsideration.Verdict.CHANGED):
        errors["verdict"] = "Choose whether the decision stands or changes."
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision."
    if errors:
        raise ValidationError(errors)
    item = PlanItem.objects.select_for_update().get(pk=asked.item_id) if asked.item_id else None
    refusal = decider_refusal(user_id=actor.user_id, reconsideration=asked)
    if refusal:
        raise ValidationError(refusal)
    check_acts_for(actor, plan.commissioner, _today())
    asked.verdict = verdict
    asked.reasons = reasons.strip()
    asked.decided_by_id = actor.user_id
    asked.decided_by_label = actor.label
    asked.decided_at = timezone.now()
    asked.save()
    changed = verdict == Reconsideration.Verdict.CHANGED
    if (
        changed
        and item is not None
        and plan.status
        in (
            Status.SUBMITTED,
            Status.AWAITING_APPROVAL,
        )
    ):
        _record_decision(
            actor,
            item,
            decision=Decision.APPROVED,
            note=f"On reconsideration: {reasons.strip()}",
            reconsideration=asked,
        )
    audit_record(
        actor=actor,
        action="care_plan.reconsidered",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"{item.name if item else 'The reduction'}: "
        f"{Reconsideration.Verdict(verdict).label}. {reasons.strip()}"[:300],
    )
    return asked
