"""Deciding on a plan: submitting a draft, the clinical review of each item, sending it back,
and approval with a second pair of eyes, which creates and funds the budget (or revises it, for
a revised plan) in the same transaction and moves the enrolment on."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.audit.services import Actor, audit_record
from openphb.budgets import services as budget_services
from openphb.budgets.models import Budget, Holding
from openphb.budgets.selectors import budget_figures
from openphb.budgets.services import LineSpec
from openphb.enrolment import services as enrolment_services
from openphb.enrolment.models import Enrolment
from openphb.enrolment.stages import Stage
from openphb.ledger.services import format_pence

from . import calculations, rules
from .catalogue import check_acts_for
from .models import Approval, CarePlan, Decision, ItemDecision, PlanItem, Reconsideration, Review
from .rules import DeclineReason, Flag
from .selectors import plan_summary
from .services import _draft_only, _item_values, _locked, _move, _today, policy_flags, spec_of
from .workflow import Status

# --- Submitting and the clinical review -------------------------------------------------------


def submission_problems(plan: CarePlan, items: list[PlanItem]) -> list[str]:
    """What stops a draft being submitted, in plain English."""
    problems: list[str] = []
    if not plan.outcomes.exists():
        problems.append("Add at least one outcome: what matters to the person.")
    if not items:
        problems.append("Add at least one item.")
    for item in items:
        codes = set(item.flag_codes)
        if codes & rules.ITEM_FLAGS_NEEDING_CLINICIAN and not item.clinical_justification:
            problems.append(
                f"{item.name}: write the clinical justification for choosing it; a clinical "
                "reviewer will decide."
            )
        if Flag.FAMILY_PAYEE in codes and not item.payee_justification:
            problems.append(
                f"{item.name}: record why paying a relative or household member is justified."
            )
        if Flag.DIRECT_PAYMENT_RESTRICTED in codes:
            problems.append(
                f"{item.name}: a direct payment is ruled out for this person; hold it another way."
            )
    summary = plan_summary(plan=plan, items=items)
    if summary.needs_justification and not plan.difference_justification:
        problems.append(
            f"{summary.difference} Explain why, in the justification for the difference."
        )
    return problems


@transaction.atomic
def plan_submit(*, actor: Actor, plan: CarePlan) -> CarePlan:
    """Send a draft for clinical review. Every item is checked again first (the person's
    conditions may have changed since it was entered)."""
    plan = _locked(plan)
    _draft_only(plan)
    check_acts_for(actor, plan.commissioner, _today())
    items = list(plan.items.select_related("stream", "catalogue_version__item", "provider"))
    for item in items:
        values = _item_values(plan, spec_of(item))
        item.flags = values["flags"]
        item.evidence_rating = str(values["evidence_rating"])
        item.evidence_explanation = str(values["evidence_explanation"])
        item.decision = Decision.PENDING
        item.decision_reason = item.decision_note = item.conditions = ""
        item.decided_by = None
        item.decided_at = None
    PlanItem.objects.bulk_update(
        items,
        [
            "flags",
            "evidence_rating",
            "evidence_explanation",
            "decision",
            "decision_reason",
            "decision_note",
            "conditions",
            "decided_by",
            "decided_at",
        ],
    )
    problems = submission_problems(plan, items)
    if problems:
        raise ValidationError(problems)
    plan.round += 1
    plan.save(update_fields=["round"])
    _move(plan, Status.SUBMITTED, actor)
    return plan


def _not_the_author(actor: Actor, plan: CarePlan, doing: str) -> None:
    if actor.user_id is not None and actor.user_id == plan.author_id:
        raise ValidationError(f"You wrote this plan, so someone else must {doing} it.")


@transaction.atomic
def item_decide(
    *,
    actor: Actor,
    item: PlanItem,
    decision: str,
    reason: str = "",
    note: str = "",
    conditions: str = "",
) -> PlanItem:
    """A clinical reviewer's decision on one item: approve, approve with conditions, or
    decline with a coded reason. An unevidenced item is approved only with the reviewer's
    clinical reasoning written down, and only if the commissioner's policy allows it."""
    plan = _locked(item.plan)
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if plan.status != Status.SUBMITTED:
        raise ValidationError("Items are decided while the plan is in clinical review.")
    _not_the_author(actor, plan, "review")
    check_acts_for(actor, plan.commissioner, _today())
    errors: dict[str, str] = {}
    if decision not in (Decision.APPROVED, Decision.APPROVED_WITH_CONDITIONS, Decision.DECLINED):
        errors["decision"] = "Choose approve, approve with conditions, or decline."
    if decision == Decision.DECLINED and reason not in DeclineReason.values:
        errors["reason"] = "Choose the reason for declining it."
    if decision == Decision.APPROVED_WITH_CONDITIONS and not conditions.strip():
        errors["conditions"] = "Write the conditions."
    unevidenced = set(item.flag_codes) & rules.ITEM_FLAGS_NEEDING_CLINICIAN
    if decision != Decision.DECLINED and unevidenced and "decision" not in errors:
        refusal = rules.unevidenced_approval_refusal(
            rating=item.evidence_rating,
            commissioner=plan.commissioner.name,
            **policy_flags(plan),
        )
        if refusal:
            errors["decision"] = refusal
        elif not note.strip():
            errors["note"] = (
                "The evidence for this item is weak: write your clinical reasoning for "
                "approving it."
            )
    if errors:
        raise ValidationError(errors)
    _record_decision(
        actor,
        item,
        decision=decision,
        reason=reason if decision == Decision.DECLINED else "",
        note=note,
        conditions=conditions if decision == Decision.APPROVED_WITH_CONDITIONS else "",
    )
    audit_record(
        actor=actor,
        action="care_plan.item_decided",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"{item.name}: {Decision(decision).label}"
        + (f" ({DeclineReason(reason).label})" if decision == Decision.DECLINED else ""),
    )
    return item


def _record_decision(
    actor: Actor,
    item: PlanItem,
    *,
    decision: str,
    reason: str = "",
    note: str = "",
    conditions: str = "",
    reconsideration: Reconsideration | None = None,
) -> ItemDecision:
    row = ItemDecision.objects.create(
        item=item,
        decision=decision,
        reason=reason,
        note=note.strip(),
        conditions=conditions.strip(),
        reconsideration=reconsideration,
        by_id=actor.user_id,
        by_label=actor.label,
    )
    item.decision = decision
    item.decision_reason = reason
    item.decision_note = note.strip()
    item.conditions = conditions.strip()
    item.decided_by_id = actor.user_id
    item.decided_at = row.at
    item.save(
        update_fields=[
            "decision",
            "decision_reason",
            "decision_note",
            "conditions",
            "decided_by",
            "decided_at",
        ]
    )
    return row


NO_CONCERNS = "No concerns flagged; approved with the plan."


@transaction.atomic
def clinical_review_complete(*, actor: Actor, plan: CarePlan, note: str = "") -> CarePlan:
    """Finish the clinical review: every flagged item must have been decided; the reviewer
    approves the rest, which raised no concern. The plan goes to the commissioner."""
    plan = _locked(plan)
    if plan.status != Status.SUBMITTED:
        raise ValidationError("The plan is not in clinical review.")
    _not_the_author(actor, plan, "review")
    check_acts_for(actor, plan.commissioner, _today())
    items = list(plan.items.select_for_update())
    undecided_flagged = [
        item.name
        for item in items
        if item.decision == Decision.PENDING
        and set(item.flag_codes) & rules.ITEM_FLAGS_NEEDING_CLINICIAN
    ]
    if undecided_flagged:
        raise ValidationError(f"Decide the flagged items first: {', '.join(undecided_flagged)}.")
    for item in items:
        if item.decision == Decision.PENDING:
            _record_decision(actor, item, decision=Decision.APPROVED, note=NO_CONCERNS)
    if not any(item.counts for item in items):
        raise ValidationError(
            "Every item is declined, so there is nothing to approve: return the plan to the "
            "coordinator instead."
        )
    _move(plan, Status.AWAITING_APPROVAL, actor, note)
    return plan


@transaction.atomic
def plan_return(*, actor: Actor, plan: CarePlan, reason: str) -> CarePlan:
    """Send a plan in review or waiting for approval back to its author for changes."""
    plan = _locked(plan)
    if plan.status not in (Status.SUBMITTED, Status.AWAITING_APPROVAL):
        raise ValidationError("Only a plan in review or waiting for approval can be returned.")
    check_acts_for(actor, plan.commissioner, _today())
    _move(plan, Status.DRAFT, actor, reason)
    return plan


@transaction.atomic
def plan_withdraw(*, actor: Actor, plan: CarePlan, reason: str) -> CarePlan:
    plan = _locked(plan)
    check_acts_for(actor, plan.commissioner, _today())
    _move(plan, Status.WITHDRAWN, actor, reason)
    return plan


# --- Approval ---------------------------------------------------------------------------------


@transaction.atomic
def plan_approve(*, actor: Actor, plan: CarePlan, note: str = "") -> CarePlan:
    """A commissioner approves the plan. Never its author; above the policy's amount, two
    different approvers. The last approval makes the plan active and creates and funds its
    budget (or revises the budget, for a revised plan) in the same transaction."""
    plan = _locked(plan)
    if plan.status != Status.AWAITING_APPROVAL:
        raise ValidationError("The plan is not waiting for approval.")
    _not_the_author(actor, plan, "approve")
    if actor.user_id is None:
        raise ValidationError("A plan is approved by a named person.")
    check_acts_for(actor, plan.commissioner, _today())
    if Approval.objects.filter(plan=plan, round=plan.round, approver_id=actor.user_id).exists():
        raise ValidationError("You have approved this plan already; a second person must.")
    items = list(plan.items.select_related("stream").order_by("position", "id"))
    summary = plan_summary(plan=plan, items=items)
    if summary.by_holding.get(Holding.DIRECT_PAYMENT) and plan.coordinator_id is None:
        raise ValidationError(
            "Every direct payment has a care coordinator: name one before approving."
        )
    if summary.needs_justification and not plan.difference_justification:
        raise ValidationError(f"{summary.difference} The difference has not been justified.")
    Approval.objects.create(
        plan=plan,
        round=plan.round,
        approver_id=actor.user_id,
        approver_label=actor.label,
        note=note.strip(),
    )
    given = Approval.objects.filter(plan=plan, round=plan.round).count()
    audit_record(
        actor=actor,
        action="care_plan.approval_given",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Approval {given} of {summary.approvals_needed} for "
        f"{format_pence(summary.funded)}",
    )
    if given >= summary.approvals_needed:
        _activate(actor, plan, items)
    return plan


def _line(item: PlanItem, amount: int) -> LineSpec:
    return LineSpec(
        item_ref=item.item_ref,
        description=item.name,
        category=item.category,
        stream=item.stream,
        holding=item.holding,
        amount=amount,
    )


def _activate(actor: Actor, plan: CarePlan, items: list[PlanItem]) -> None:
    funded = [item for item in items if item.counts]
    previous = plan.previous
    if previous is None or previous.budget_id is None:
        budget = budget_services.budget_create(
            actor=actor,
            patient=plan.patient,
            commissioner=plan.commissioner,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            lines=[_line(item, item.cost) for item in funded],
            source_ref=f"care-plan:{plan.first_id}",
        )
    else:
        budget = Budget.objects.get(pk=previous.budget_id)
        _revise_budget(actor, plan, previous, budget, funded)
        _move(previous, Status.REVISED, actor, f"Replaced by version {plan.version}")
    plan.budget = budget
    plan.approved_on = _today()
    plan.save(update_fields=["budget", "approved_on"])
    _move(plan, Status.ACTIVE, actor)
    _schedule_after_activation(plan, previous)
    _advance_enrolment(actor, plan, funded)


def _revise_budget(
    actor: Actor, plan: CarePlan, previous: CarePlan, budget: Budget, funded: list[PlanItem]
) -> None:
    """Each line gives up what the replaced version would have cost from the revision on, and
    takes what the new version costs from then; never below what has been set aside or paid
    from it. Earlier versions' parts, already in the line, stay."""
    dropped = {
        item.item_ref: item.cost - cost_before(item, plan.starts_on)
        for item in previous.items.all()
        if item.counts
    }
    taken = {item.item_ref: item.cost for item in funded}
    figures = budget_figures(budget=budget)
    amounts: dict[int, int] = {}
    for line in budget.lines.all():
        now = figures.by_line[line.pk]
        target = now.approved - dropped.get(line.item_ref, 0) + taken.get(line.item_ref, 0)
        target = max(target, now.approved - now.available)
        if target != now.approved:
            amounts[line.pk] = target
    existing = set(budget.lines.values_list("item_ref", flat=True))
    new_lines = [_line(item, item.cost) for item in funded if item.item_ref not in existing]
    if amounts or new_lines:
        budget_services.budget_revise(
            actor=actor,
            budget=budget,
            effective_on=plan.starts_on,
            reason=f"Care plan version {plan.version} approved: {plan.revision_reason}"[:300],
            amounts=amounts,
            new_lines=new_lines,
        )


def cost_before(item: PlanItem, revised_from: datetime.date) -> int:
    """What an item of the version being replaced cost before the revision took effect: a
    one-off bought before then in full, a regular item its share of days."""
    if item.frequency == "once":
        return item.cost if item.starts_on < revised_from else 0
    if item.starts_on >= revised_from:
        return 0
    return calculations.prorated(
        item.cost,
        part_days=(
            min(revised_from, item.ends_on + datetime.timedelta(days=1)) - item.starts_on
        ).days,
        whole_days=calculations.days_between(item.starts_on, item.ends_on),
    )


def _schedule_after_activation(plan: CarePlan, previous: CarePlan | None) -> None:
    open_review = Review.objects.filter(
        plan__first_id=plan.first_id, completed_on__isnull=True
    ).first()
    if open_review is not None:
        open_review.plan = plan
        open_review.save(update_fields=["plan"])
        return
    if previous is None:
        Review.objects.create(
            plan=plan,
            kind=Review.Kind.FIRST,
            due_on=calculations.first_review_due(starts_on=plan.starts_on),
        )
        return
    last = (
        Review.objects.filter(plan__first_id=plan.first_id, completed_on__isnull=False)
        .order_by("-completed_on")
        .first()
    )
    since = last.completed_on if last and last.completed_on else plan.starts_on
    Review.objects.create(
        plan=plan, kind=Review.Kind.ANNUAL, due_on=calculations.next_review_due(reviewed_on=since)
    )


def way_of_holding(items: list[PlanItem]) -> str:
    """How the person holds their budget, for the enrolment: a direct payment if any item is
    one, else third party if any is, else notional."""
    holdings = {item.holding for item in items}
    for way in (Holding.DIRECT_PAYMENT, Holding.THIRD_PARTY, Holding.NOTIONAL):
        if way in holdings:
            return str(way)
    return ""


def _advance_enrolment(actor: Actor, plan: CarePlan, funded: list[PlanItem]) -> None:
    """Approval is 'plan agreed'; the budget is live from the day the plan starts."""
    if plan.enrolment_id is None:
        return
    enrolment = Enrolment.objects.get(pk=plan.enrolment_id)
    today = _today()
    if enrolment.stage in (Stage.ASSESSED, Stage.INDICATIVE):
        enrolment_services.enrolment_move(
            actor=actor,
            enrolment=enrolment,
            to_stage=Stage.PLAN_AGREED,
            on=max(today, enrolment.stage_since),
            way_of_holding=way_of_holding(funded),
            note=f"Care plan approved ({format_pence(sum(i.cost for i in funded))})",
        )
        enrolment.refresh_from_db()
    if enrolment.stage == Stage.PLAN_AGREED and plan.starts_on <= today:
        enrolment_services.enrolment_move(
            actor=actor,
            enrolment=enrolment,
            to_stage=Stage.LIVE,
            on=max(plan.starts_on, enrolment.stage_since),
        )
