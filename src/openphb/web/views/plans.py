"""Care plan pages: starting a plan from an assessed enrolment, the plan itself (for staff, and
in plain English for the person it belongs to), and building a draft: its period and
coordinator, outcomes, items from the catalogue or in free text, submitting and withdrawing.

Changing a draft (its period, outcomes and items) lives in `plan_drafts`; the clinical review,
approval and reconsideration in `plan_decisions`; reviews, revision, ending and the worklists in
`plan_reviews`."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import members_who_can
from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.selectors import enrolment_get
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.planning import decisions, reviews, services, workflow
from openphb.planning.models import CarePlan, Decision, PlanItem, Reconsideration
from openphb.planning.selectors import (
    approvals_of,
    decisions_of,
    history_of,
    items_of,
    latest_assessment,
    open_review,
    plan_get,
    plan_open,
    plan_summary,
    plan_versions,
    plans_for_patient,
    plans_visible_to,
    policy_on,
    reconsiderations_of,
    reviews_of,
)
from openphb.planning.workflow import Status
from openphb.registry.models import Patient
from openphb.registry.selectors import responsible_commissioner_on

from .. import plan_presenters
from ..plan_forms import (
    PlanStartForm,
    ReasonForm,
)
from .common import requires, signed_in, submit


def scoped_plan(request: HttpRequest, pk: int) -> CarePlan:
    """A plan the user may see; another organisation's (or anyone else's) is a 404."""
    try:
        return plan_get(user=signed_in(request), pk=pk)
    except CarePlan.DoesNotExist:
        raise Http404("No such care plan") from None


def plan_page(plan: CarePlan, anchor: str = "") -> str:
    return reverse("web:plan-detail", args=[plan.pk]) + (f"#{anchor}" if anchor else "")


def coordinators_for(commissioner: Organisation | None) -> Any:
    if commissioner is None:
        return User.objects.none()
    return members_who_can(organisation=commissioner, capability=Capability.PLAN_CARE)


def render_form(
    request: HttpRequest,
    template: str,
    form: forms.Form,
    plan: CarePlan | None = None,
    **context: Any,
) -> HttpResponse:
    """A plan's form page; 400 when a posted form is shown again with its problems."""
    if plan is not None:
        context.setdefault("patient", plan.patient)
    return render(
        request,
        template,
        {"form": form, "plan": plan, "plan_text": plan_presenters, **context},
        status=400 if form.is_bound else 200,
    )


def action_page(
    request: HttpRequest,
    plan: CarePlan,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    title: str,
    action: str,
    intro: list[str] | None = None,
    done: Callable[[object], str] | None = None,
    refusal: str = "",
    confirm: Callable[[Any], str] | None = None,
    **context: Any,
) -> HttpResponse:
    """One step on a plan (return it, approve it, end it...): a short form, then back to the
    plan (or wherever `done` says), saying what was done when `confirm` words it. A `refusal`
    (why this user may not take the step) is shown instead of the form, and nothing is
    saved."""
    saved = None if refusal else submit(form, save)
    if saved is not None:
        if confirm is not None:
            messages.success(request, confirm(saved))
        return redirect(done(saved) if done else plan_page(plan))
    return render_form(
        request,
        "plans/action.html",
        form,
        plan,
        title=title,
        action=action,
        intro=intro or [],
        refusal=refusal,
        **context,
    )


# --- Starting a plan --------------------------------------------------------------------------


@requires(Capability.PLAN_CARE)
def plan_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a plan from an enrolment whose needs have been assessed: 12 months from today by
    default, with the coordinator starting it as the care coordinator."""
    user = signed_in(request)
    try:
        enrolment = enrolment_get(user=user, pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None
    patient = enrolment.patient
    today = timezone.localdate()
    current = [
        plan
        for plan in plans_for_patient(user=user, patient_id=patient.pk)
        if plan.programme_id == enrolment.programme_id
        and plan.status in workflow.IN_PROGRESS | workflow.IN_FORCE
    ]
    responsibility = responsible_commissioner_on(patient=patient, on=today)
    form = PlanStartForm(
        request.POST or None,
        coordinators=coordinators_for(responsibility.answering if responsibility else None),
        # The end is left blank, which means 12 months from whatever start is given: a
        # filled-in end would stay behind when only the start is changed.
        initial={"starts_on": today, "coordinator": user.pk},
    )
    plan = submit(
        form,
        lambda data: services.plan_start(
            actor=Actor.from_request(request),
            patient=patient,
            enrolment=enrolment,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            coordinator=data["coordinator"],
        ),
    )
    if plan is not None:
        return redirect(plan_page(plan))
    return render_form(
        request,
        "plans/start.html",
        form,
        enrolment=enrolment,
        patient=patient,
        current=current,
        assessment=latest_assessment(patient_id=patient.pk, programme=enrolment.programme),
    )


# --- The plan ---------------------------------------------------------------------------------


def _declined_without_request(plan: CarePlan, items: list[PlanItem], asked: list[Any]) -> list:
    waiting = {r.item_id for r in asked if r.plan_id == plan.pk and r.verdict == "open"}
    return [i for i in items if i.decision == Decision.DECLINED and i.pk not in waiting]


def reconsiderable(plan: CarePlan, items: list[PlanItem]) -> tuple[list[PlanItem], str]:
    """What the person could ask to have looked at again: declined items with no request
    waiting, and a plan below its indicative budget (described), if there is one."""
    if plan.status in (Status.DRAFT, Status.WITHDRAWN, Status.ENDED, Status.REVISED):
        return [], ""
    asked = reconsiderations_of(plan=plan)
    declined = _declined_without_request(plan, items, asked)
    summary = plan_summary(plan=plan, items=items)
    reduction = ""
    waiting = any(r.item_id is None and r.verdict == "open" for r in asked if r.plan_id == plan.pk)
    if summary.reduced and summary.indicative_for_period is not None and not waiting:
        reduction = (
            f"The amount: the plan comes to {format_pence(summary.funded)}, "
            f"less than the indicative budget of "
            f"{format_pence(summary.indicative_for_period)}"
            + (" for its period" if summary.indicative_for_period != summary.indicative else "")
        )
    return declined, reduction


NOT_DECIDED: dict[str, str] = {
    Status.DRAFT: "The plan is still being written: nothing in it has been decided yet.",
    Status.WITHDRAWN: "The plan was withdrawn before it was agreed.",
    Status.ENDED: "The plan has ended.",
    Status.REVISED: "This version of the plan has been replaced by a newer one.",
}


def why_nothing_to_reconsider(plan: CarePlan, items: list[PlanItem]) -> list[str]:
    """Why `reconsiderable` found nothing: the plan's state, or for each of the two things that
    can be looked at again (a declined item, a reduction) why there is none."""
    if plan.status in NOT_DECIDED:
        return [NOT_DECIDED[plan.status]]
    asked = [r for r in reconsiderations_of(plan=plan) if r.plan_id == plan.pk]
    reasons = []
    declined = [i for i in items if i.decision == Decision.DECLINED]
    if not declined:
        reasons.append("No item in the plan was declined.")
    else:
        names = ", ".join(item.name for item in declined)
        reasons.append(f"Every declined item ({names}) is already waiting to be looked at again.")
    summary = plan_summary(plan=plan, items=items)
    if summary.indicative_for_period is None:
        reasons.append(
            "There is no indicative budget to compare the plan with: no needs assessment is "
            "linked to it."
        )
    elif any(r.item_id is None and r.verdict == "open" for r in asked):
        reasons.append("A request about the amount is already waiting to be looked at again.")
    else:
        reasons.append(
            f"The plan comes to {format_pence(summary.funded)}, which is not less than the "
            f"indicative budget of {format_pence(summary.indicative_for_period)}"
            + (" for its period" if summary.indicative_for_period != summary.indicative else "")
            + "."
        )
    return reasons


def plan_context(request: HttpRequest, plan: CarePlan) -> dict[str, Any]:
    user = signed_in(request)
    items = items_of(plan=plan)
    declined, reduction = reconsiderable(plan, items)
    in_force = plan.status in workflow.IN_FORCE
    asked = reconsiderations_of(plan=plan)
    return {
        "plan": plan,
        "patient": plan.patient,
        "items": items,
        "outcomes": list(plan.outcomes.all()),
        "summary": plan_summary(plan=plan, items=items),
        "policy": policy_on(commissioner=plan.commissioner, on=plan.starts_on),
        "history": history_of(plan=plan),
        "decisions": decisions_of(plan=plan),
        "approvals": approvals_of(plan=plan),
        "reconsiderations": asked,
        # Why the user may not decide an open reconsideration ('' where they may).
        "reconsider_refusals": {
            one.pk: reviews.decider_refusal(user_id=user.pk, reconsideration=one)
            for one in asked
            if one.verdict == Reconsideration.Verdict.OPEN
        },
        "reviews": reviews_of(plan=plan),
        "open_review": open_review(plan=plan) if in_force else None,
        "versions": plan_versions(plan=plan),
        "plan_text": plan_presenters,
        "can_edit": user.can(Capability.PLAN_CARE) and plan.status in workflow.EDITABLE,
        "can_decide": user.can(Capability.REVIEW_CLINICALLY) and plan.status == Status.SUBMITTED,
        "can_approve": user.can(Capability.APPROVE_PLANS)
        and plan.status == Status.AWAITING_APPROVAL,
        "can_review": user.can(Capability.PLAN_CARE) and in_force,
        "can_end": user.can(Capability.APPROVE_PLANS) and in_force,
        "can_reconsider": user.can(Capability.REQUEST_RECONSIDERATION)
        and bool(declined or reduction),
        "today": timezone.localdate(),
    }


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff see the plan with its checks, decisions and history; the person it belongs to (or
    who represents them) sees it in plain English."""
    user = signed_in(request)
    if not (user.can(Capability.VIEW_PLANS) or user.can(Capability.VIEW_OWN_RECORD)):
        return render(request, "403.html", status=403)
    try:
        # Reading a plan is reading the person's record: scoped, and audited.
        plan = plan_open(actor=Actor.from_request(request), user=user, pk=pk)
    except CarePlan.DoesNotExist:
        raise Http404("No such care plan") from None
    context = plan_context(request, plan)
    if not user.can(Capability.VIEW_PLANS):
        context["own"] = plan.patient.account_id == user.pk
        return render(request, "plans/holder.html", context)
    return render(request, "plans/detail.html", context)


def show_problems(request: HttpRequest, plan: CarePlan, error: ValidationError) -> HttpResponse:
    """The plan page again, with what stopped the step in the error summary."""
    context = plan_context(request, plan)
    context["problems"] = [{"text": message, "href": "#plan-actions"} for message in error.messages]
    return render(request, "plans/detail.html", context, status=400)


@requires(Capability.VIEW_OWN_RECORD)
def my_plans(request: HttpRequest) -> HttpResponse:
    """The budget holder's plans (and those of the people they represent): straight to the one
    that matters when there is one."""
    plans = list(
        plans_visible_to(user=signed_in(request))
        .exclude(status=Status.REVISED)
        .select_related("patient")
        .order_by("patient__family_name", "-created_at", "-id")
    )
    if len(plans) == 1:
        return redirect(plan_page(plans[0]))
    return render(request, "plans/mine.html", {"plans": plans, "plan_text": plan_presenters})


def patient_plans(user: User, patient: Patient) -> dict[str, object]:
    """The 'Care plans' section of a person's page."""
    if not (user.can(Capability.VIEW_PLANS) or user.can(Capability.VIEW_OWN_RECORD)):
        return {}
    return {
        "care_plans": plans_for_patient(user=user, patient_id=patient.pk),
        "plan_text": plan_presenters,
    }


# --- Submitting and withdrawing ---------------------------------------------------------------


@require_POST
@requires(Capability.PLAN_CARE)
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    try:
        decisions.plan_submit(actor=Actor.from_request(request), plan=plan)
    except ValidationError as error:
        plan.refresh_from_db()
        return show_problems(request, plan, error)
    messages.success(request, plan_presenters.SUBMITTED)
    return redirect(plan_page(plan))


@requires(Capability.PLAN_CARE)
def plan_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request, pk)
    form = ReasonForm(
        request.POST or None,
        label="Why the plan is being withdrawn",
        message="Say why the plan is being withdrawn.",
    )
    return action_page(
        request,
        plan,
        form,
        lambda data: decisions.plan_withdraw(
            actor=Actor.from_request(request), plan=plan, reason=data["reason"]
        ),
        title="Withdraw the draft plan",
        action="Withdraw the plan",
        intro=[
            "A withdrawn plan is kept on the record but can no longer be changed or "
            "submitted. Start a new plan if the person still wants one."
        ],
    )
