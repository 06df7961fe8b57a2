"""Reads for care and support planning, scoped to what the user may see."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Budget
from openphb.enrolment.models import Enrolment
from openphb.enrolment.stages import Stage
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.programmes.models import Programme
from openphb.registry.selectors import patients_visible_to

from . import calculations
from .models import (
    AllocationScheme,
    Approval,
    Assessment,
    CarePlan,
    CatalogueItem,
    CatalogueVersion,
    Decision,
    ItemDecision,
    PlanItem,
    PlanningPolicy,
    Provider,
    Reconsideration,
    Review,
    StatusChange,
    plan_item_ref,
)
from .rules import Flag
from .workflow import IN_FORCE, IN_PROGRESS, Status


@dataclass(frozen=True)
class Policy:
    """The rules a commissioner plans by on a day (the defaults when it has set none)."""

    tolerance_basis_points: int = 1_000
    two_approvers_above: int = 5_000_000
    allow_insufficient: bool = True
    allow_not_supported: bool = False
    starts_on: datetime.date | None = None

    def describe(self) -> list[str]:
        return [
            "A plan more than "
            f"{calculations.percent(self.tolerance_basis_points)} away from the indicative "
            "budget needs a written justification.",
            f"A plan costing more than {format_pence(self.two_approvers_above)} needs two "
            "different approvers.",
            "Items with insufficient evidence "
            + (
                "may be approved by a clinical reviewer"
                if self.allow_insufficient
                else "are not funded"
            )
            + ".",
            "Items whose evidence is 'not supported' "
            + (
                "may be approved by a clinical reviewer"
                if self.allow_not_supported
                else "are not funded"
            )
            + ".",
        ]


def policy_on(*, commissioner: Organisation, on: datetime.date) -> Policy:
    found = (
        PlanningPolicy.objects.filter(commissioner=commissioner, starts_on__lte=on)
        .order_by("-starts_on", "-id")
        .first()
    )
    if found is None:
        return Policy()
    return Policy(
        tolerance_basis_points=found.tolerance_basis_points,
        two_approvers_above=found.two_approvers_above,
        allow_insufficient=found.allow_insufficient,
        allow_not_supported=found.allow_not_supported,
        starts_on=found.starts_on,
    )


def policies_of(*, commissioner: Organisation) -> list[PlanningPolicy]:
    return list(PlanningPolicy.objects.filter(commissioner=commissioner))


def scheme_current(*, programme: Programme) -> AllocationScheme | None:
    return programme.allocation_schemes.order_by("-version").first()


def schemes_of(*, programme: Programme) -> list[AllocationScheme]:
    return list(programme.allocation_schemes.order_by("-version"))


# --- Plans ------------------------------------------------------------------------------------


def _can_see_people(user: User) -> bool:
    return user.can(Capability.VIEW_PATIENTS) or user.can(Capability.VIEW_OWN_RECORD)


def plans_visible_to(*, user: User) -> QuerySet[CarePlan]:
    """Plans of the people the user may see (a budget holder: their own and those they
    represent; withdrawn drafts are not shown to them)."""
    if not _can_see_people(user):
        return CarePlan.objects.none()
    visible = patients_visible_to(user=user).filter(pk=OuterRef("patient_id"))
    plans = CarePlan.objects.filter(Exists(visible))
    if not user.can(Capability.VIEW_PATIENTS):
        plans = plans.exclude(status=Status.WITHDRAWN)
    return plans


def plan_get(*, user: User, pk: int) -> CarePlan:
    """One plan the user may see (CarePlan.DoesNotExist otherwise)."""
    return (
        plans_visible_to(user=user)
        .select_related(
            "patient", "commissioner", "programme", "assessment", "coordinator", "author"
        )
        .get(pk=pk)
    )


def plan_open(*, actor: Actor, user: User, pk: int) -> CarePlan:
    """Open a plan to read it: scoped like `plan_get`, and audited as `care_plan.viewed`."""
    plan = plan_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="care_plan.viewed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Viewed care plan version {plan.version}",
    )
    return plan


def plans_for_patient(*, user: User, patient_id: int) -> list[CarePlan]:
    return list(
        plans_visible_to(user=user)
        .filter(patient_id=patient_id)
        .select_related("commissioner", "programme")
        .order_by("-created_at", "-id")
    )


def plan_for_budget(*, user: User, budget: Budget) -> CarePlan | None:
    """The care plan that funds a budget (its `source_ref` is 'care-plan:<first version>'), if
    the user may see it: the version in force, or once the plan has ended its last approved
    version. None for a budget no care plan made."""
    kind, _, first = budget.source_ref.partition(":")
    if kind != "care-plan" or not first.isdigit():
        return None
    versions = plans_visible_to(user=user).filter(first_id=int(first)).order_by("-version")
    return (
        versions.filter(status__in=IN_FORCE).first() or versions.filter(budget_id=budget.pk).first()
    )


def plan_versions(*, plan: CarePlan) -> list[CarePlan]:
    """Every version of the plan, newest first."""
    first = plan.first_id or plan.pk
    return list(CarePlan.objects.filter(first_id=first).order_by("-version"))


def items_of(*, plan: CarePlan) -> list[PlanItem]:
    return list(
        plan.items.select_related(
            "stream", "provider", "outcome", "catalogue_version", "decided_by"
        ).order_by("position", "id")
    )


def history_of(*, plan: CarePlan) -> list[StatusChange]:
    return list(plan.status_changes.order_by("at", "id"))


def decisions_of(*, plan: CarePlan) -> list[ItemDecision]:
    return list(
        ItemDecision.objects.filter(item__plan=plan).select_related("item").order_by("at", "id")
    )


def approvals_of(*, plan: CarePlan) -> list[Approval]:
    return list(plan.approvals.filter(round=plan.round).order_by("at", "id"))


def reconsiderations_of(*, plan: CarePlan) -> list[Reconsideration]:
    first = plan.first_id or plan.pk
    return list(
        Reconsideration.objects.filter(plan__first_id=first)
        .select_related("item", "plan")
        .order_by("-requested_on", "-id")
    )


def reviews_of(*, plan: CarePlan) -> list[Review]:
    first = plan.first_id or plan.pk
    return list(
        Review.objects.filter(plan__first_id=first)
        .prefetch_related("progress__outcome")
        .order_by("-due_on", "-id")
    )


@dataclass
class PlanFinding:
    code: str
    explanation: str


@dataclass
class PlanSummary:
    """A plan's money and its plan-level flags."""

    total: int
    funded: int  # what approval funds: items not declined
    declined: int
    indicative: int | None  # a year
    indicative_for_period: int | None  # its share for the plan's period
    difference: str
    needs_justification: bool
    annual: int  # the funded items a year (a one-off once): the two-approver test
    approvals_needed: int
    flags: list[PlanFinding] = field(default_factory=list)
    by_holding: dict[str, int] = field(default_factory=dict)

    @property
    def reduced(self) -> bool:
        """Whether the plan funds less than the indicative budget for its period."""
        return self.indicative_for_period is not None and self.funded < self.indicative_for_period


def plan_summary(*, plan: CarePlan, items: list[PlanItem] | None = None) -> PlanSummary:
    items = items if items is not None else items_of(plan=plan)
    policy = policy_on(commissioner=plan.commissioner, on=plan.starts_on)
    total = sum(item.cost for item in items)
    funded = sum(item.cost for item in items if item.counts)
    annual = sum(item.annual_cost for item in items if item.counts)
    by_holding: dict[str, int] = {}
    for item in items:
        if item.counts:
            by_holding[item.holding] = by_holding.get(item.holding, 0) + item.cost
    flags: list[PlanFinding] = []
    if plan.coordinator_id is None:
        flags.append(
            PlanFinding(
                Flag.NO_COORDINATOR,
                "The plan has no care coordinator. Every plan needs one, and a plan with a "
                "direct payment cannot be approved without one.",
            )
        )
    justify = False
    difference = ""
    comparable = None
    if plan.indicative_amount is not None:
        comparable = calculations.indicative_for_period(
            plan.indicative_amount, starts_on=plan.starts_on, ends_on=plan.ends_on
        )
        difference = calculations.difference_text(total=funded, indicative=comparable)
        if comparable != plan.indicative_amount:
            days = calculations.days_between(plan.starts_on, plan.ends_on)
            difference = (
                f"For this plan's {days} days the indicative budget comes to "
                f"{format_pence(comparable)}. {difference}"
            )
        justify = calculations.needs_justification(
            total=funded,
            indicative=comparable,
            tolerance_basis_points=policy.tolerance_basis_points,
        )
        if justify:
            flags.append(
                PlanFinding(
                    Flag.BUDGET_DIFFERENCE,
                    f"{difference} That is more than the "
                    f"{calculations.percent(policy.tolerance_basis_points)} the commissioner "
                    "allows without a written justification.",
                )
            )
    return PlanSummary(
        total=total,
        funded=funded,
        declined=total - funded,
        indicative=plan.indicative_amount,
        indicative_for_period=comparable,
        difference=difference,
        needs_justification=justify,
        annual=annual,
        approvals_needed=2 if annual > policy.two_approvers_above else 1,
        flags=flags,
        by_holding=by_holding,
    )


# --- Assessments ------------------------------------------------------------------------------


def assessments_visible_to(*, user: User) -> QuerySet[Assessment]:
    if not _can_see_people(user):
        return Assessment.objects.none()
    visible = patients_visible_to(user=user).filter(pk=OuterRef("patient_id"))
    return Assessment.objects.filter(Exists(visible))


def assessment_get(*, user: User, pk: int) -> Assessment:
    return (
        assessments_visible_to(user=user)
        .select_related("patient", "programme", "scheme", "enrolment")
        .get(pk=pk)
    )


def assessment_open(*, actor: Actor, user: User, pk: int) -> Assessment:
    """Open an assessment to read it: scoped like `assessment_get`, and audited as
    `assessment.viewed`."""
    assessment = assessment_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="assessment.viewed",
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"Viewed the needs assessment of {assessment.assessed_on:%-d %b %Y}",
    )
    return assessment


def assessments_for_patient(*, user: User, patient_id: int) -> list[Assessment]:
    return list(
        assessments_visible_to(user=user)
        .filter(patient_id=patient_id)
        .select_related("programme", "scheme")
        .order_by("-assessed_on", "-id")
    )


def latest_assessment(*, patient_id: int, programme: Programme) -> Assessment | None:
    return (
        Assessment.objects.filter(patient_id=patient_id, programme=programme)
        .order_by("-assessed_on", "-id")
        .first()
    )


def level_rows(*, assessment: Assessment) -> list[tuple[str, str, int]]:
    """(domain, level, points) for each domain of the assessment's scheme."""
    rows = []
    for domain in assessment.scheme.spec().domains:
        level = domain.level(assessment.levels.get(domain.code, ""))
        rows.append((domain.label, level.label if level else "", level.points if level else 0))
    return rows


# --- Catalogue and providers ------------------------------------------------------------------


def catalogue_of(
    *, commissioner: Organisation, include_retired: bool = False
) -> list[CatalogueVersion]:
    """The current version of each item in a commissioner's catalogue, by name."""
    latest = (
        CatalogueVersion.objects.filter(item=OuterRef("item"))
        .order_by("-version")
        .values("version")[:1]
    )
    versions = (
        CatalogueVersion.objects.filter(item__commissioner=commissioner)
        .filter(version=latest)
        .select_related("item")
    )
    if not include_retired:
        versions = versions.filter(retired=False)
    return list(versions.order_by("name", "id"))


def catalogue_item_get(*, commissioner_ids: set[int], pk: int) -> CatalogueItem:
    return CatalogueItem.objects.select_related("commissioner").get(
        pk=pk, commissioner_id__in=commissioner_ids
    )


def catalogue_history(*, item: CatalogueItem) -> list[CatalogueVersion]:
    return list(item.versions.select_related("created_by").order_by("-version"))


def catalogue_version_get(*, commissioner: Organisation, pk: int) -> CatalogueVersion:
    return CatalogueVersion.objects.select_related("item").get(
        pk=pk, item__commissioner=commissioner
    )


def providers_of(*, commissioner: Organisation) -> list[Provider]:
    return list(Provider.objects.filter(commissioner=commissioner).order_by("name"))


def provider_get(*, commissioner_ids: set[int], pk: int) -> Provider:
    """One provider of the given commissioners (Provider.DoesNotExist otherwise)."""
    return Provider.objects.select_related("commissioner").get(
        pk=pk, commissioner_id__in=commissioner_ids
    )


# --- Worklists --------------------------------------------------------------------------------


def plans_in_status(*, user: User, statuses: set[str]) -> QuerySet[CarePlan]:
    return (
        plans_visible_to(user=user)
        .filter(status__in=statuses)
        .select_related("patient", "commissioner", "author", "coordinator")
        .order_by("status_since", "id")
    )


def assessed_without_plan(*, user: User) -> QuerySet[Enrolment]:
    """People whose needs were assessed (their enrolment at 'needs assessed' or 'indicative
    budget shared') with no plan in progress or in force in the programme, oldest assessment
    first. Each carries its latest assessment: `assessment_id`, `assessment_on` (the
    enrolment's date when no assessment is recorded), `indicative_amount` and `shared_on`."""
    if not user.can(Capability.VIEW_PATIENTS):
        return Enrolment.objects.none()
    visible = patients_visible_to(user=user).filter(pk=OuterRef("patient_id"))
    planned = CarePlan.objects.filter(
        patient_id=OuterRef("patient_id"),
        programme_id=OuterRef("programme_id"),
        status__in=IN_PROGRESS | IN_FORCE,
    )
    latest = Assessment.objects.filter(enrolment_id=OuterRef("pk")).order_by("-assessed_on", "-id")
    return (
        Enrolment.objects.filter(Exists(visible), stage__in=(Stage.ASSESSED, Stage.INDICATIVE))
        .exclude(Exists(planned))
        .annotate(
            assessment_id=Subquery(latest.values("pk")[:1]),
            assessment_on=Coalesce(Subquery(latest.values("assessed_on")[:1]), "assessed_on"),
            indicative_amount=Subquery(latest.values("indicative_amount")[:1]),
            shared_on=Subquery(latest.values("shared_on")[:1]),
        )
        .select_related("patient", "programme")
        .order_by("assessment_on", "id")
    )


@dataclass
class DueReview:
    review: Review
    plan: CarePlan
    overdue_days: int


def reviews_due(
    *, user: User, on: datetime.date | None = None, within_days: int = 30
) -> list[DueReview]:
    """Open reviews of plans in force that are overdue or due within `within_days`, most
    overdue first."""
    on = on or timezone.localdate()
    plans = plans_visible_to(user=user).filter(status__in=IN_FORCE)
    reviews = (
        Review.objects.filter(completed_on__isnull=True, plan__in=plans)
        .filter(due_on__lte=on + datetime.timedelta(days=within_days))
        .select_related("plan__patient", "plan__coordinator")
        .order_by("due_on", "id")
    )
    return [
        DueReview(review=review, plan=review.plan, overdue_days=max((on - review.due_on).days, 0))
        for review in reviews
    ]


def open_review(*, plan: CarePlan) -> Review | None:
    first = plan.first_id or plan.pk
    return Review.objects.filter(plan__first_id=first, completed_on__isnull=True).first()


def open_reconsiderations(*, user: User) -> QuerySet[Reconsideration]:
    plans = plans_visible_to(user=user)
    return (
        Reconsideration.objects.filter(verdict=Reconsideration.Verdict.OPEN, plan__in=plans)
        .select_related("plan__patient", "item")
        .order_by("requested_on", "id")
    )


def latest_version_number(*, plan: CarePlan) -> int:
    first = plan.first_id or plan.pk
    return CarePlan.objects.filter(first_id=first).aggregate(n=Max("version"))["n"] or 1


def pending_decisions(*, plan: CarePlan) -> int:
    return plan.items.filter(decision=Decision.PENDING).count()


@dataclass
class ReviewCounts:
    overdue: int
    due_soon: int
    oldest_overdue_days: int


def review_counts(*, on: datetime.date, within_days: int = 30) -> ReviewCounts:
    """Open reviews of plans in force, across every commissioner: overdue and due soon."""
    open_reviews = Review.objects.filter(completed_on__isnull=True, plan__status__in=IN_FORCE)
    overdue = open_reviews.filter(due_on__lt=on)
    oldest = overdue.order_by("due_on").values_list("due_on", flat=True).first()
    return ReviewCounts(
        overdue=overdue.count(),
        due_soon=open_reviews.filter(
            due_on__gte=on, due_on__lte=on + datetime.timedelta(days=within_days)
        ).count(),
        oldest_overdue_days=(on - oldest).days if oldest else 0,
    )


def _direct_payment_items(budget_ids: list[int] | QuerySet[Any, Any]) -> QuerySet[PlanItem]:
    return (
        PlanItem.objects.filter(
            plan__budget_id__in=budget_ids,
            plan__status__in=IN_FORCE,
            holding="direct_payment",
        )
        .exclude(decision=Decision.DECLINED)
        .order_by("plan__budget_id", "position", "id")
    )


def direct_payment_items(*, budget_ids: list[int]) -> dict[int, list[PlanItem]]:
    """The direct-payment items (not declined) of the plans in force behind these budgets, by
    budget: what payment runs pay. Not scoped: the run is scoped by its commissioner."""
    found: dict[int, list[PlanItem]] = {}
    for item in _direct_payment_items(budget_ids).select_related("plan"):
        found.setdefault(item.plan.budget_id or 0, []).append(item)
    return found


@dataclass(frozen=True, slots=True)
class PaidItem:
    """What a payment run needs of a direct-payment item (see `direct_payment_item_values`)."""

    item_ref: str
    cost: int
    starts_on: datetime.date
    ends_on: datetime.date
    frequency: str


def direct_payment_item_values(
    *, budget_ids: list[int] | QuerySet[Any, Any], between: tuple[int, int] | None = None
) -> dict[int, list[PaidItem]]:
    """`direct_payment_items` as plain values, for runs over many budgets: the same items in
    the same order, without building a model instance for each item and its plan. The
    budgets may be given as a subquery that selects their ids, and the range their ids fall
    in (`between`, first and last), which lets the database read the plans by their index."""
    found: dict[int, list[PaidItem]] = {}
    items = _direct_payment_items(budget_ids)
    if between is not None:
        items = items.filter(plan__budget_id__gte=between[0], plan__budget_id__lte=between[1])
    rows = items.values_list("plan__budget_id", "key", "cost", "starts_on", "ends_on", "frequency")
    for budget_id, key, cost, starts_on, ends_on, frequency in rows:
        found.setdefault(budget_id or 0, []).append(
            PaidItem(plan_item_ref(key), cost, starts_on, ends_on, frequency)
        )
    return found
