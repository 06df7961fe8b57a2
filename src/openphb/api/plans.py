"""/api/v1/care-plans: reading care and support plans and the reviews due, and building a
draft: starting it, its period and coordinator, its outcomes and its items (each checked as it
is entered). Deciding on a plan is in `plan_decisions`. Every write returns the plan as it now
is (`plan_shapes`).

Staff see the plans of the people they may see, a budget holder their own (and those they
represent); another organisation's plan is a 404. Coordinators build plans; clinical reviewers
decide items; commissioners approve and end plans; the person (or their coordinator) may ask
for a decision to be reconsidered."""

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import members_who_can, user_commissioners
from openphb.audit.services import Actor
from openphb.enrolment.selectors import enrolment_get
from openphb.funding.selectors import stream_by_code
from openphb.organisations.models import Organisation
from openphb.planning import services
from openphb.planning.calculations import FREQUENCIES
from openphb.planning.models import CarePlan, CatalogueVersion, Outcome
from openphb.planning.selectors import (
    assessment_get,
    catalogue_version_get,
    plan_open,
    plans_visible_to,
    providers_of,
    reviews_due,
)
from openphb.registry.selectors import patient_get

from .plan_shapes import PlanOut, PlanSummaryOut, item_of, plan_now, plan_of, plan_out
from .planning import PLAN_READERS, api_fields, named_in_body, require

router = Router(tags=["care plans"])

# The services' names for what a body calls `..._id`.
ITEM_FIELDS = {
    "catalogue_version": "catalogue_version_id",
    "provider": "provider_id",
    "outcome": "outcome_id",
}
PLAN_FIELDS = {"patient": "patient_id", "enrolment": "enrolment_id", "assessment": "assessment_id"}


# --- Reading ----------------------------------------------------------------------------------


@router.get("", response=list[PlanSummaryOut])
@paginate(PageNumberPagination, page_size=50)
def list_plans(request: HttpRequest, patient_id: int | None = None, status: str = ""):
    """The plans you may see, newest first; filter by person and by status (draft, submitted,
    awaiting_approval, active, review_due, revised, ended, withdrawn)."""
    found = plans_visible_to(user=require(request, *PLAN_READERS))
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    if status:
        found = found.filter(status=status)
    return found.select_related("patient", "commissioner", "coordinator").order_by(
        "-created_at", "-id"
    )


class DueReviewOut(Schema):
    review_id: int
    kind: str
    kind_label: str
    due_on: datetime.date
    overdue_days: int
    plan_id: int
    patient_id: int
    patient_name: str
    coordinator: str | None


@router.get("/reviews-due", response=list[DueReviewOut])
def list_reviews_due(
    request: HttpRequest, within_days: int = 30, on: datetime.date | None = None
) -> list[DueReviewOut]:
    """The worklist: reviews of plans in force that are overdue or due within `within_days`
    of `on` (without it: today), most overdue first."""
    user = require(request, Capability.VIEW_PLANS)
    return [
        DueReviewOut(
            review_id=due.review.pk,
            kind=due.review.kind,
            kind_label=due.review.get_kind_display(),
            due_on=due.review.due_on,
            overdue_days=due.overdue_days,
            plan_id=due.plan.pk,
            patient_id=due.plan.patient_id,
            patient_name=f"{due.plan.patient.given_name} {due.plan.patient.family_name}",
            coordinator=due.plan.coordinator.username if due.plan.coordinator else None,
        )
        for due in reviews_due(user=user, on=on, within_days=within_days)
    ]


@router.get("/{plan_id}", response=PlanOut)
def get_plan(request: HttpRequest, plan_id: int) -> PlanOut:
    """One plan in full: outcomes, items with their cost, flags and decisions, the money
    against the indicative budget, approvals, its history, versions, reviews and
    reconsiderations. The read is written to the audit log."""
    user = require(request, *PLAN_READERS)
    return plan_out(plan_open(actor=Actor.from_request(request), user=user, pk=plan_id))


# --- Starting and changing a draft ------------------------------------------------------------


class PlanIn(Schema):
    patient_id: int
    starts_on: datetime.date
    ends_on: datetime.date | None = Field(None, description="Empty: a year from the start")
    enrolment_id: int | None = None
    assessment_id: int | None = Field(
        None, description="Empty: the person's latest assessment in the enrolment's programme"
    )
    coordinator: str | None = Field(None, description="The care coordinator's username")


class PlanPatch(Schema):
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    coordinator: str | None = Field(None, description="A username; null: nobody")
    difference_justification: str | None = None


def _coordinator(username: str | None, commissioners: list[Organisation]) -> User | None:
    """The care coordinator a body names, among those of the commissioners (None for nobody)."""
    if not username:
        return None
    for commissioner in commissioners:
        found = members_who_can(organisation=commissioner, capability=Capability.PLAN_CARE)
        coordinator = found.filter(username=username).first()
        if coordinator is not None:
            return coordinator
    raise ValidationError({"coordinator": f"No care coordinator here has the username {username}."})


@router.post("", response={201: PlanOut})
def start_plan(request: HttpRequest, payload: PlanIn) -> Status[PlanOut]:
    """Start a draft for a person, for the commissioner responsible for them when it starts,
    with the indicative budget of their assessment."""
    user = require(request, Capability.PLAN_CARE)
    with named_in_body("patient_id", "a person", payload.patient_id):
        patient = patient_get(user=user, pk=payload.patient_id)
    enrolment = assessment = None
    if payload.enrolment_id is not None:
        with named_in_body("enrolment_id", "an enrolment", payload.enrolment_id):
            enrolment = enrolment_get(user=user, pk=payload.enrolment_id)
    if payload.assessment_id is not None:
        with named_in_body("assessment_id", "an assessment", payload.assessment_id):
            assessment = assessment_get(user=user, pk=payload.assessment_id)
    coordinator = _coordinator(payload.coordinator, list(user_commissioners(user_id=user.pk)))
    with api_fields(PLAN_FIELDS):
        plan = services.plan_start(
            actor=Actor.from_request(request),
            patient=patient,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            enrolment=enrolment,
            assessment=assessment,
            coordinator=coordinator,
        )
    return Status(201, plan_now(user, plan))


@router.patch("/{plan_id}", response=PlanOut)
def update_plan(request: HttpRequest, plan_id: int, payload: PlanPatch) -> PlanOut:
    """Change a draft's period, coordinator or the justification of its difference from the
    indicative budget; what the body leaves out stays as it is."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    coordinator = plan.coordinator
    if "coordinator" in payload.dict(exclude_unset=True):
        coordinator = _coordinator(payload.coordinator, [plan.commissioner])
    services.plan_update(
        actor=Actor.from_request(request),
        plan=plan,
        starts_on=changes.get("starts_on", plan.starts_on),
        ends_on=changes.get("ends_on", plan.ends_on),
        coordinator=coordinator,
        difference_justification=changes.get(
            "difference_justification", plan.difference_justification
        ),
    )
    return plan_now(user, plan)


# --- Outcomes ---------------------------------------------------------------------------------


class OutcomeIn(Schema):
    what_matters: str = Field(..., description="What matters to the person, in their words")
    goal: str = Field(..., description="A goal that shows whether it is being met")
    measure: str = ""


def _outcome(plan: CarePlan, outcome_id: int) -> Outcome:
    return plan.outcomes.get(pk=outcome_id)


@router.post("/{plan_id}/outcomes", response={201: PlanOut})
def add_outcome(request: HttpRequest, plan_id: int, payload: OutcomeIn) -> Status[PlanOut]:
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    services.outcome_save(actor=Actor.from_request(request), plan=plan, **payload.dict())
    return Status(201, plan_now(user, plan))


@router.put("/{plan_id}/outcomes/{outcome_id}", response=PlanOut)
def change_outcome(
    request: HttpRequest, plan_id: int, outcome_id: int, payload: OutcomeIn
) -> PlanOut:
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    services.outcome_save(
        actor=Actor.from_request(request),
        plan=plan,
        outcome=_outcome(plan, outcome_id),
        **payload.dict(),
    )
    return plan_now(user, plan)


@router.delete("/{plan_id}/outcomes/{outcome_id}", response=PlanOut)
def remove_outcome(request: HttpRequest, plan_id: int, outcome_id: int) -> PlanOut:
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    services.outcome_remove(actor=Actor.from_request(request), outcome=_outcome(plan, outcome_id))
    return plan_now(user, plan)


# --- Items ------------------------------------------------------------------------------------


class ItemIn(Schema):
    """An item from the catalogue (name, category, unit and unit price default to the catalogue
    version's) or free text (give them all)."""

    catalogue_version_id: int | None = Field(None, description="A catalogue item's version_id")
    name: str | None = None
    details: str = ""
    category: str | None = Field(None, examples=["therapies"])
    unit: str | None = Field(None, description="hour, session, week, month or one_off")
    quantity: int = Field(..., description="How many units each time")
    frequency: str = Field(..., description=", ".join(FREQUENCIES), examples=["weekly"])
    unit_price: int | None = Field(None, description="Pence")
    holding: str = Field(..., description="notional, third_party or direct_payment")
    stream: str = Field(..., description="The funding stream's code")
    provider_id: int | None = None
    payee: str = Field("", description="'', close_family or household")
    payee_justification: str = ""
    clinical_justification: str = Field(
        "", description="Why an item with weak evidence is chosen; a clinical reviewer decides"
    )
    outcome_id: int | None = None
    starts_on: datetime.date | None = Field(None, description="Empty: when the plan starts")
    ends_on: datetime.date | None = Field(None, description="Empty: when the plan ends")


def _item_spec(plan: CarePlan, payload: ItemIn) -> services.ItemSpec:
    """The service's entry for an item, with what the body names looked up for this plan."""
    errors: dict[str, str] = {}
    version: CatalogueVersion | None = None
    if payload.catalogue_version_id is not None:
        try:
            version = catalogue_version_get(
                commissioner=plan.commissioner, pk=payload.catalogue_version_id
            )
        except CatalogueVersion.DoesNotExist:
            errors["catalogue_version_id"] = (
                f"{plan.commissioner.name}'s catalogue has no version "
                f"{payload.catalogue_version_id}."
            )
    stream = stream_by_code(payload.stream)
    if stream is None:
        errors["stream"] = f"No funding stream has the code {payload.stream}."
    provider = None
    if payload.provider_id is not None:
        provider = next(
            (
                p
                for p in providers_of(commissioner=plan.commissioner)
                if p.pk == payload.provider_id
            ),
            None,
        )
        if provider is None:
            errors["provider_id"] = (
                f"{plan.commissioner.name} has no provider {payload.provider_id}."
            )
    outcome = None
    if payload.outcome_id is not None:
        outcome = plan.outcomes.filter(pk=payload.outcome_id).first()
        if outcome is None:
            errors["outcome_id"] = f"The plan has no outcome {payload.outcome_id}."
    if errors:
        raise ValidationError(errors)
    assert stream is not None
    return services.ItemSpec(
        name=payload.name if payload.name is not None else (version.name if version else ""),
        category=payload.category or (version.category if version else ""),
        unit=payload.unit or (version.unit if version else ""),
        quantity=payload.quantity,
        frequency=payload.frequency,
        unit_price=payload.unit_price
        if payload.unit_price is not None
        else (version.reference_price if version else 0),
        holding=payload.holding,
        stream=stream,
        catalogue_version=version,
        provider=provider,
        payee=payload.payee,
        payee_justification=payload.payee_justification,
        clinical_justification=payload.clinical_justification,
        details=payload.details,
        outcome=outcome,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )


@router.post("/{plan_id}/items", response={201: PlanOut})
def add_item(request: HttpRequest, plan_id: int, payload: ItemIn) -> Status[PlanOut]:
    """Add an item to a draft, checked as it is entered: anything the law excludes is refused
    (422, naming the rule); anything else is added with its flags and their explanations."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    with api_fields(ITEM_FIELDS):
        services.item_add(
            actor=Actor.from_request(request), plan=plan, spec=_item_spec(plan, payload)
        )
    return Status(201, plan_now(user, plan))


@router.put("/{plan_id}/items/{item_id}", response=PlanOut)
def change_item(request: HttpRequest, plan_id: int, item_id: int, payload: ItemIn) -> PlanOut:
    """Change an item of a draft (the whole entry); it is checked again."""
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    item = item_of(plan, item_id)
    with api_fields(ITEM_FIELDS):
        services.item_change(
            actor=Actor.from_request(request), item=item, spec=_item_spec(plan, payload)
        )
    return plan_now(user, plan)


@router.delete("/{plan_id}/items/{item_id}", response=PlanOut)
def remove_item(request: HttpRequest, plan_id: int, item_id: int) -> PlanOut:
    user = require(request, Capability.PLAN_CARE)
    plan = plan_of(user, plan_id)
    services.item_remove(actor=Actor.from_request(request), item=item_of(plan, item_id))
    return plan_now(user, plan)
