"""Deciding on a care plan: the clinical reviewer's decision on each item and the end of the
clinical review, the commissioner's approval (never the author; two different people above the
policy's amount), returning a plan for changes, and reconsidering a declined item or a
reduction."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.planning import decisions, reviews
from openphb.planning.models import CarePlan, Reconsideration
from openphb.planning.selectors import (
    approvals_of,
    items_of,
    open_reconsiderations,
    plan_summary,
    plan_versions,
    policy_on,
)
from openphb.planning.workflow import Status

from .. import plan_presenters
from ..plan_forms import REDUCTION, DecisionForm, NoteForm, ReasonForm, ReconsiderForm, VerdictForm
from .common import requires, signed_in, submit
from .plans import (
    action_page,
    plan_page,
    reconsiderable,
    render_form,
    scoped_plan,
    why_nothing_to_reconsider,
)


@requires(Capability.REVIEW_CLINICALLY)
def item_decide(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """One item: its flags and evidence, the coordinator's clinical justification, and the
    reviewer's decision."""
    plan = scoped_plan(request, pk)
    item = next((i for i in items_of(plan=plan) if i.pk == item_pk), None)
    if item is None:
        raise Http404("No such item in this plan")
    form = DecisionForm(
        request.POST or None,
        initial={
            "decision": item.decision if item.decision != "pending" else None,
            "reason": item.decision_reason,
            "note": item.decision_note,
            "conditions": item.conditions,
        },
    )
    decided = submit(
        form,
        lambda data: decisions.item_decide(actor=Actor.from_request(request), item=item, **data),
    )
    if decided is not None:
        messages.success(request, plan_presenters.item_decided(decided))
        return redirect(plan_page(plan, "items"))
    return render_form(
        request,
        "plans/decide.html",
        form,
        plan,
        item=item,
        conditions=list(plan.patient.conditions.all()),
        policy=policy_on(commissioner=plan.commissioner, on=plan.starts_on),
    )


@requires(Capability.REVIEW_CLINICALLY)
def clinical_review_complete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    items = items_of(plan=plan)
    undecided = [i for i in items if i.decision == "pending"]
    return action_page(
        request,
        plan,
        NoteForm(request.POST or None),
        lambda data: decisions.clinical_review_complete(
            actor=Actor.from_request(request), plan=plan, note=data["note"]
        ),
        title="Complete the clinical review",
        action="Complete the clinical review",
        intro=[
            "Every flagged item needs your decision first. "
            + (
                f"The {len(undecided)} item{'s' if len(undecided) != 1 else ''} you have not "
                "decided raised no concern and will be approved with the plan."
                if undecided
                else "You have decided every item."
            ),
            "The plan then goes to the commissioner for approval.",
        ],
        confirm=lambda _: plan_presenters.REVIEW_COMPLETED,
        items=items,
    )


def plan_return(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a plan in clinical review, or waiting for approval, back to the coordinator."""
    user = signed_in(request)
    if not (user.can(Capability.REVIEW_CLINICALLY) or user.can(Capability.APPROVE_PLANS)):
        return render(request, "403.html", status=403)
    plan = scoped_plan(request, pk)
    form = ReasonForm(
        request.POST or None,
        label="What needs to change",
        message="Say what needs to change before the plan comes back.",
    )
    return action_page(
        request,
        plan,
        form,
        lambda data: decisions.plan_return(
            actor=Actor.from_request(request), plan=plan, reason=data["reason"]
        ),
        title="Return the plan to the care coordinator",
        action="Return the plan",
        intro=[
            "The plan goes back to being a draft. The coordinator sees your reason, changes "
            "the plan and submits it again; approvals given so far will be needed again."
        ],
    )


@requires(Capability.APPROVE_PLANS)
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    items = items_of(plan=plan)
    summary = plan_summary(plan=plan, items=items)
    given = approvals_of(plan=plan)
    return action_page(
        request,
        plan,
        NoteForm(request.POST or None),
        lambda data: decisions.plan_approve(
            actor=Actor.from_request(request), plan=plan, note=data["note"]
        ),
        title="Approve the plan",
        action="Approve the plan",
        intro=[],
        confirm=lambda approved: plan_presenters.approved(
            approved,
            given=len(approvals_of(plan=approved)),
            needed=plan_summary(plan=approved).approvals_needed,
        ),
        items=items,
        summary=summary,
        approvals=given,
        policy=policy_on(commissioner=plan.commissioner, on=plan.starts_on),
        approving=True,
    )


# --- Reconsideration --------------------------------------------------------------------------


@requires(Capability.REQUEST_RECONSIDERATION)
def reconsider_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a declined item, or a plan below the indicative budget, to be looked at again
    by someone other than who decided it (the coordinator, or the person from their view)."""
    plan = scoped_plan(request, pk)
    items = items_of(plan=plan)
    declined, reduction = reconsiderable(plan, items)
    if not declined and not reduction:
        return render(
            request,
            "plans/nothing_to_reconsider.html",
            {
                "plan": plan,
                "patient": plan.patient,
                "reasons": why_nothing_to_reconsider(plan, items),
                "newest": plan_versions(plan=plan)[0] if plan.status == Status.REVISED else None,
            },
        )
    form = ReconsiderForm(request.POST or None, declined=declined, reduction=reduction)

    def ask(data: dict[str, str]) -> Reconsideration:
        return reviews.reconsideration_request(
            actor=Actor.from_request(request),
            plan=plan,
            grounds=data["grounds"],
            item=None if data["what"] == REDUCTION else form.item(),
        )

    return action_page(
        request,
        plan,
        form,
        ask,
        title="Ask for a decision to be looked at again",
        action="Send the request",
        confirm=lambda _: plan_presenters.RECONSIDERATION_ASKED,
        intro=[
            "Someone who did not make the decision will look at it again and write down "
            "their reasons. You can read the outcome on the plan."
        ],
    )


def reconsideration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A different clinical reviewer decides on a declined item; a different commissioner on a
    reduction."""
    user = signed_in(request)
    try:
        asked = open_reconsiderations(user=user).select_related("plan__commissioner").get(pk=pk)
    except Reconsideration.DoesNotExist:
        raise Http404("No such reconsideration waiting") from None
    needed = Capability.REVIEW_CLINICALLY if asked.item_id else Capability.APPROVE_PLANS
    if not user.can(needed):
        return render(request, "403.html", status=403)
    plan: CarePlan = asked.plan
    # Who declined the item, approved the plan or wrote it is told so before any form.
    refusal = reviews.decider_refusal(user_id=user.pk, reconsideration=asked)
    return action_page(
        request,
        plan,
        VerdictForm(request.POST or None),
        lambda data: reviews.reconsideration_decide(
            actor=Actor.from_request(request), reconsideration=asked, **data
        ),
        title="Reconsider a decision",
        action="Record the decision",
        intro=[],
        refusal=refusal,
        confirm=plan_presenters.reconsideration_decided,
        who_decides=plan_presenters.who_reconsiders(asked),
        reconsideration=asked,
        item=asked.item,
        summary=plan_summary(plan=plan),
        before_approval=plan.status in (Status.SUBMITTED, Status.AWAITING_APPROVAL),
    )
