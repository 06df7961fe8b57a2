"""What a care plan looks like over the API: the plan in full (outcomes, items with their cost,
flags and decisions, the money against the indicative budget, approvals, history, versions,
reviews and reconsiderations), as every plan endpoint returns it. Amounts are integer pence."""

import datetime

from ninja import Field, Schema

from openphb.accounts.models import User
from openphb.planning import decisions
from openphb.planning.calculations import FREQUENCIES
from openphb.planning.models import CarePlan, PlanItem, Reconsideration, Review
from openphb.planning.rules import DeclineReason, Flag
from openphb.planning.selectors import (
    approvals_of,
    decisions_of,
    history_of,
    items_of,
    plan_get,
    plan_summary,
    plan_versions,
    reconsiderations_of,
    reviews_of,
)
from openphb.planning.workflow import EDITABLE, label

# --- What a plan looks like -------------------------------------------------------------------


class PlanFields(Schema):
    id: int
    patient_id: int
    patient_name: str
    commissioner: str = Field(..., description="ODS code")
    programme_id: int | None
    version: int
    status: str
    status_label: str
    status_since: datetime.datetime
    starts_on: datetime.date
    ends_on: datetime.date
    indicative_amount: int | None = Field(..., description="Pence a year, from the assessment")
    coordinator: str | None = Field(..., description="The care coordinator's username")
    approved_on: datetime.date | None
    budget_id: int | None


class PlanSummaryOut(PlanFields):
    @staticmethod
    def resolve_patient_name(plan: CarePlan) -> str:
        return f"{plan.patient.given_name} {plan.patient.family_name}"

    @staticmethod
    def resolve_commissioner(plan: CarePlan) -> str:
        return plan.commissioner.ods_code

    @staticmethod
    def resolve_status_label(plan: CarePlan) -> str:
        return label(plan.status)

    @staticmethod
    def resolve_coordinator(plan: CarePlan) -> str | None:
        return plan.coordinator.username if plan.coordinator else None


class OutcomeOut(Schema):
    id: int
    what_matters: str
    goal: str
    measure: str


class FlagOut(Schema):
    code: str
    label: str
    explanation: str


class ItemOut(Schema):
    id: int
    name: str
    details: str
    catalogue_version_id: int | None
    category: str
    unit: str
    quantity: int
    frequency: str
    frequency_label: str
    unit_price: int
    annual_cost: int
    cost: int = Field(..., description="Pence over the plan's period")
    holding: str
    stream: str = Field(..., description="The funding stream's code")
    provider_id: int | None
    provider: str
    payee: str
    payee_justification: str
    outcome_id: int | None
    starts_on: datetime.date
    ends_on: datetime.date
    evidence_rating: str
    evidence_explanation: str
    flags: list[FlagOut]
    clinical_justification: str
    decision: str
    decision_label: str
    decision_reason: str
    decision_reason_label: str
    decision_note: str
    conditions: str
    decided_at: datetime.datetime | None


class SummaryOut(Schema):
    """Pence. `funded` is what approval puts in the budget: every item not declined."""

    total: int
    funded: int
    declined: int
    indicative: int | None
    indicative_for_period: int | None = Field(
        ..., description="The indicative budget's share for the plan's period (pence)"
    )
    difference: str
    needs_justification: bool
    approvals_needed: int
    approvals_given: int
    by_holding: dict[str, int]


class DecisionOut(Schema):
    item_id: int
    item: str
    decision: str
    decision_label: str
    reason: str
    reason_label: str
    note: str
    conditions: str
    by: str
    at: datetime.datetime
    reconsideration_id: int | None


class ApprovalOut(Schema):
    by: str
    note: str
    at: datetime.datetime


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    to_label: str
    note: str
    by: str
    at: datetime.datetime


class VersionOut(Schema):
    id: int
    version: int
    status: str
    status_label: str
    starts_on: datetime.date
    ends_on: datetime.date
    approved_on: datetime.date | None


class ProgressOut(Schema):
    outcome_id: int
    outcome: str
    progress: str
    progress_label: str
    note: str


class ReviewOut(Schema):
    id: int
    plan_id: int
    kind: str
    kind_label: str
    due_on: datetime.date
    requested_reason: str
    completed_on: datetime.date | None
    result: str
    summary: str
    progress: list[ProgressOut]


class ReconsiderationOut(Schema):
    id: int
    plan_id: int
    item_id: int | None = Field(..., description="Empty: the reduction below the indicative")
    item: str
    grounds: str
    requested_on: datetime.date
    requested_by: str
    verdict: str
    verdict_label: str
    reasons: str
    decided_by: str
    decided_at: datetime.datetime | None


class PlanOut(PlanFields):
    first_id: int | None
    previous_id: int | None
    enrolment_id: int | None
    assessment_id: int | None
    round: int = Field(..., description="How many times it has been submitted")
    difference_justification: str
    revision_reason: str
    outcomes: list[OutcomeOut]
    items: list[ItemOut]
    flags: list[FlagOut] = Field(..., description="The plan's own flags")
    summary: SummaryOut
    submission_problems: list[str] = Field(..., description="What stops a draft being submitted")
    decisions: list[DecisionOut] = Field(..., description="Every decision on an item, in order")
    approvals: list[ApprovalOut] = Field(..., description="This round's approvals")
    history: list[StatusChangeOut]
    versions: list[VersionOut] = Field(..., description="Every version, newest first")
    reviews: list[ReviewOut]
    reconsiderations: list[ReconsiderationOut]


def _flag(code: str, explanation: str) -> FlagOut:
    return FlagOut(code=code, label=dict(Flag.choices).get(code, code), explanation=explanation)


def _reason_label(reason: str) -> str:
    return DeclineReason(reason).label if reason else ""


def plan_summary_out(plan: CarePlan) -> PlanSummaryOut:
    return PlanSummaryOut.model_validate(plan)


def _item_out(item: PlanItem) -> ItemOut:
    return ItemOut(
        id=item.pk,
        name=item.name,
        details=item.details,
        catalogue_version_id=item.catalogue_version_id,
        category=item.category,
        unit=item.unit,
        quantity=item.quantity,
        frequency=item.frequency,
        frequency_label=FREQUENCIES[item.frequency][0],
        unit_price=item.unit_price,
        annual_cost=item.annual_cost,
        cost=item.cost,
        holding=item.holding,
        stream=item.stream.code,
        provider_id=item.provider_id,
        provider=item.provider.name if item.provider else "",
        payee=item.payee,
        payee_justification=item.payee_justification,
        outcome_id=item.outcome_id,
        starts_on=item.starts_on,
        ends_on=item.ends_on,
        evidence_rating=item.evidence_rating,
        evidence_explanation=item.evidence_explanation,
        flags=[_flag(flag["code"], flag["explanation"]) for flag in item.flags],
        clinical_justification=item.clinical_justification,
        decision=item.decision,
        decision_label=item.get_decision_display(),
        decision_reason=item.decision_reason,
        decision_reason_label=_reason_label(item.decision_reason),
        decision_note=item.decision_note,
        conditions=item.conditions,
        decided_at=item.decided_at,
    )


def _review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.pk,
        plan_id=review.plan_id,
        kind=review.kind,
        kind_label=review.get_kind_display(),
        due_on=review.due_on,
        requested_reason=review.requested_reason,
        completed_on=review.completed_on,
        result=review.result,
        summary=review.summary,
        progress=[
            ProgressOut(
                outcome_id=row.outcome_id,
                outcome=row.outcome.what_matters,
                progress=row.progress,
                progress_label=row.get_progress_display(),
                note=row.note,
            )
            for row in review.progress.all()
        ],
    )


def _reconsideration_out(asked: Reconsideration) -> ReconsiderationOut:
    return ReconsiderationOut(
        id=asked.pk,
        plan_id=asked.plan_id,
        item_id=asked.item_id,
        item=asked.item.name if asked.item else "",
        grounds=asked.grounds,
        requested_on=asked.requested_on,
        requested_by=asked.requested_by_label,
        verdict=asked.verdict,
        verdict_label=asked.get_verdict_display(),
        reasons=asked.reasons,
        decided_by=asked.decided_by_label,
        decided_at=asked.decided_at,
    )


def plan_out(plan: CarePlan) -> PlanOut:
    items = items_of(plan=plan)
    summary = plan_summary(plan=plan, items=items)
    approvals = approvals_of(plan=plan)
    problems = decisions.submission_problems(plan, items) if plan.status in EDITABLE else []
    return PlanOut(
        **plan_summary_out(plan).model_dump(),
        first_id=plan.first_id,
        previous_id=plan.previous_id,
        enrolment_id=plan.enrolment_id,
        assessment_id=plan.assessment_id,
        round=plan.round,
        difference_justification=plan.difference_justification,
        revision_reason=plan.revision_reason,
        outcomes=[OutcomeOut.model_validate(outcome) for outcome in plan.outcomes.all()],
        items=[_item_out(item) for item in items],
        flags=[_flag(finding.code, finding.explanation) for finding in summary.flags],
        summary=SummaryOut(
            total=summary.total,
            funded=summary.funded,
            declined=summary.declined,
            indicative=summary.indicative,
            indicative_for_period=summary.indicative_for_period,
            difference=summary.difference,
            needs_justification=summary.needs_justification,
            approvals_needed=summary.approvals_needed,
            approvals_given=len(approvals),
            by_holding=summary.by_holding,
        ),
        submission_problems=problems,
        decisions=[
            DecisionOut(
                item_id=row.item_id,
                item=row.item.name,
                decision=row.decision,
                decision_label=row.get_decision_display(),
                reason=row.reason,
                reason_label=_reason_label(row.reason),
                note=row.note,
                conditions=row.conditions,
                by=row.by_label,
                at=row.at,
                reconsideration_id=row.reconsideration_id,
            )
            for row in decisions_of(plan=plan)
        ],
        approvals=[
            ApprovalOut(by=row.approver_label, note=row.note, at=row.at) for row in approvals
        ],
        history=[
            StatusChangeOut(
                from_status=row.from_status,
                to_status=row.to_status,
                to_label=label(row.to_status),
                note=row.note,
                by=row.by_label,
                at=row.at,
            )
            for row in history_of(plan=plan)
        ],
        versions=[
            VersionOut(
                id=version.pk,
                version=version.version,
                status=version.status,
                status_label=label(version.status),
                starts_on=version.starts_on,
                ends_on=version.ends_on,
                approved_on=version.approved_on,
            )
            for version in plan_versions(plan=plan)
        ],
        reviews=[_review_out(review) for review in reviews_of(plan=plan)],
        reconsiderations=[_reconsideration_out(r) for r in reconsiderations_of(plan=plan)],
    )


def plan_of(user: User, plan_id: int) -> CarePlan:
    """A plan the user may see (CarePlan.DoesNotExist, a 404, for anyone else's)."""
    return plan_get(user=user, pk=plan_id)


def item_of(plan: CarePlan, item_id: int) -> PlanItem:
    """One of the plan's items (PlanItem.DoesNotExist, a 404, otherwise)."""
    return plan.items.get(pk=item_id)


def plan_now(user: User, plan: CarePlan) -> PlanOut:
    """The plan as a write left it."""
    return plan_out(plan_get(user=user, pk=plan.pk))
