"""Care plans: building one (outcomes and items, each item checked as it is entered),
submitting it, the clinical review of each item, approval with a second pair of eyes (which
creates and funds the budget in the same transaction), revision as a new version, and ending.

Every status change goes through `_move`, checked against the one table in `workflow`, and is
written as an immutable `StatusChange` with who and when.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Category, Holding
from openphb.enrolment.models import Enrolment
from openphb.enrolment.stages import Stage
from openphb.funding.models import FundingStream
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.programmes.models import WayOfHolding
from openphb.registry.models import Patient
from openphb.registry.selectors import circumstances_on, responsible_commissioner_on

from . import calculations, rules, workflow
from .catalogue import check_acts_for
from .models import (
    Assessment,
    CarePlan,
    CatalogueVersion,
    Outcome,
    PlanItem,
    Provider,
    StatusChange,
    Unit,
)
from .rules import LegalStatus, Payee
from .selectors import latest_assessment, policy_on
from .workflow import Status

MAX_QUANTITY = 10_000


def _today() -> datetime.date:
    return timezone.localdate()


def _new_key() -> str:
    return secrets.token_hex(6)


def _locked(plan: CarePlan) -> CarePlan:
    return (
        CarePlan.objects.select_for_update(of=("self",))
        .select_related("patient", "commissioner", "programme", "enrolment", "previous")
        .get(pk=plan.pk)
    )


def _move(plan: CarePlan, to_status: str, actor: Actor, note: str = "") -> StatusChange:
    if not workflow.is_allowed(plan.status, to_status):
        raise ValidationError(
            f"A plan that is '{workflow.label(plan.status)}' cannot become "
            f"'{workflow.label(to_status)}'."
        )
    if workflow.needs_reason(plan.status, to_status) and not note.strip():
        raise ValidationError({"reason": "Say why."})
    change = StatusChange.objects.create(
        plan=plan,
        from_status=plan.status,
        to_status=to_status,
        note=note.strip(),
        by_id=actor.user_id,
        by_label=actor.label,
    )
    before = plan.status
    plan.status = to_status
    plan.status_since = change.at
    plan.save(update_fields=["status", "status_since"])
    audit_record(
        actor=actor,
        action="care_plan.moved",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Version {plan.version}: {workflow.label(before)} → {workflow.label(to_status)}"
        + (f" ({note.strip()})" if note.strip() else ""),
        changes={"status": [before, to_status]},
    )
    return change


def _draft_only(plan: CarePlan) -> None:
    if plan.status not in workflow.EDITABLE:
        raise ValidationError(
            f"Only a draft plan can be changed; this one is '{workflow.label(plan.status)}'."
        )


def _check_coordinator(
    coordinator: User | None, plan_commissioner: Organisation, on: datetime.date
) -> None:
    if coordinator is None:
        return
    if not coordinator.can(Capability.PLAN_CARE) or not acts_for(
        user=coordinator, organisations=[plan_commissioner], on=on
    ):
        raise ValidationError(
            {
                "coordinator": f"{coordinator.get_full_name() or coordinator.username} is not a "
                f"care coordinator for {plan_commissioner.name}."
            }
        )


def _period_errors(starts_on: datetime.date, ends_on: datetime.date) -> dict[str, str]:
    if ends_on < starts_on:
        return {"ends_on": "The plan must end on or after the day it starts."}
    if calculations.days_between(starts_on, ends_on) > 366:
        return {"ends_on": "A plan covers at most a year; a review renews it."}
    return {}


def policy_flags(plan: CarePlan) -> dict[str, bool]:
    """What the commissioner's policy on the plan's start allows of unevidenced items."""
    policy = policy_on(commissioner=plan.commissioner, on=plan.starts_on)
    return {
        "allow_insufficient": policy.allow_insufficient,
        "allow_not_supported": policy.allow_not_supported,
    }


def default_end(starts_on: datetime.date) -> datetime.date:
    return calculations.add_months(starts_on, 12) - datetime.timedelta(days=1)


# --- Starting a plan --------------------------------------------------------------------------


@transaction.atomic
def plan_start(
    *,
    actor: Actor,
    patient: Patient,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    enrolment: Enrolment | None = None,
    assessment: Assessment | None = None,
    coordinator: User | None = None,
) -> CarePlan:
    """Start a draft plan for a person, for the commissioner responsible for them when it
    starts, with the indicative budget of their assessment."""
    ends_on = ends_on or default_end(starts_on)
    errors = _period_errors(starts_on, ends_on)
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            errors["assessment"] = "The assessment is of someone else."
        enrolment = enrolment or assessment.enrolment
    if enrolment is not None and enrolment.patient_id != patient.pk:
        errors["enrolment"] = "The enrolment is someone else's."
    if enrolment is not None and enrolment.stage in (Stage.DECLINED, Stage.ENDED):
        errors["enrolment"] = f"The enrolment has {Stage(enrolment.stage).label.lower()}."
    responsibility = responsible_commissioner_on(patient=patient, on=starts_on)
    if responsibility is None:
        errors["starts_on"] = (
            f"No commissioner is responsible for the person on {starts_on:%-d %B %Y}."
        )
    if errors:
        raise ValidationError(errors)
    assert responsibility is not None
    commissioner = responsibility.answering
    check_acts_for(actor, commissioner, _today())
    _check_coordinator(coordinator, commissioner, _today())
    programme = enrolment.programme if enrolment is not None else None
    busy = CarePlan.objects.filter(
        patient=patient,
        programme=programme,
        status__in=workflow.IN_PROGRESS | workflow.IN_FORCE,
    )
    if busy.exists():
        raise ValidationError(
            "The person already has a plan in progress or in force here; revise that one."
        )
    if assessment is None and programme is not None:
        assessment = latest_assessment(patient_id=patient.pk, programme=programme)
    plan = CarePlan.objects.create(
        patient=patient,
        commissioner=commissioner,
        programme=programme,
        enrolment=enrolment,
        assessment=assessment,
        status=Status.DRAFT,
        status_since=timezone.now(),
        coordinator=coordinator,
        author_id=actor.user_id,
        starts_on=starts_on,
        ends_on=ends_on,
        indicative_amount=assessment.indicative_amount if assessment else None,
    )
    plan.first = plan
    plan.save(update_fields=["first"])
    StatusChange.objects.create(
        plan=plan, to_status=Status.DRAFT, by_id=actor.user_id, by_label=actor.label
    )
    audit_record(
        actor=actor,
        action="care_plan.started",
        target=plan,
        patient_id=patient.pk,
        summary=f"Draft plan for {starts_on:%-d %b %Y} to {ends_on:%-d %b %Y}"
        + (
            f", indicative budget {format_pence(assessment.indicative_amount)}"
            if assessment
            else ""
        ),
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: Actor,
    plan: CarePlan,
    starts_on: datetime.date,
    ends_on: datetime.date,
    coordinator: User | None,
    difference_justification: str = "",
) -> CarePlan:
    """Change a draft's period, coordinator or the justification of its difference from the
    indicative budget. Items' costs follow the new period."""
    plan = _locked(plan)
    _draft_only(plan)
    errors = _period_errors(starts_on, ends_on)
    if plan.previous_id and (starts_on, ends_on) != (plan.starts_on, plan.ends_on):
        errors["starts_on"] = "A revision keeps the period it was started with."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, plan.commissioner, _today())
    _check_coordinator(coordinator, plan.commissioner, _today())
    outside = [
        item.name
        for item in plan.items.all()
        if item.starts_on < starts_on or item.ends_on > ends_on
    ]
    if outside:
        raise ValidationError(
            {"starts_on": f"These items fall outside the new period: {', '.join(outside)}."}
        )
    plan.starts_on, plan.ends_on = starts_on, ends_on
    plan.coordinator = coordinator
    plan.difference_justification = difference_justification.strip()
    plan.save(update_fields=["starts_on", "ends_on", "coordinator", "difference_justification"])
    audit_record(
        actor=actor,
        action="care_plan.changed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Period {starts_on:%-d %b %Y} to {ends_on:%-d %b %Y}; coordinator "
        + (coordinator.get_username() if coordinator else "none"),
    )
    return plan


# --- Outcomes ---------------------------------------------------------------------------------


@transaction.atomic
def outcome_save(
    *,
    actor: Actor,
    plan: CarePlan,
    what_matters: str,
    goal: str,
    measure: str = "",
    outcome: Outcome | None = None,
) -> Outcome:
    """Add an outcome to a draft (or change one): what matters to the person, in their words,
    and a goal that shows whether it is met."""
    plan = _locked(plan)
    _draft_only(plan)
    errors: dict[str, str] = {}
    if not what_matters.strip():
        errors["what_matters"] = "Say what matters to the person, in their words."
    if not goal.strip():
        errors["goal"] = "Give a goal that shows whether it is being met."
    if outcome is not None and outcome.plan_id != plan.pk:
        errors["outcome"] = "That outcome belongs to another plan."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, plan.commissioner, _today())
    if outcome is None:
        position = (plan.outcomes.aggregate(n=Max("position"))["n"] or 0) + 1
        outcome = Outcome(plan=plan, key=_new_key(), position=position)
    outcome.what_matters = what_matters.strip()
    outcome.goal = goal.strip()
    outcome.measure = measure.strip()[:300]
    outcome.save()
    audit_record(
        actor=actor,
        action="care_plan.outcome_saved",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Outcome: {outcome.what_matters}"[:300],
    )
    return outcome


@transaction.atomic
def outcome_remove(*, actor: Actor, outcome: Outcome) -> None:
    plan = _locked(outcome.plan)
    _draft_only(plan)
    check_acts_for(actor, plan.commissioner, _today())
    text = outcome.what_matters
    outcome.delete()
    audit_record(
        actor=actor,
        action="care_plan.outcome_removed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Removed outcome: {text}"[:300],
    )


# --- Items ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    """What a coordinator enters for an item: from the catalogue, or free text."""

    name: str
    category: str
    unit: str
    quantity: int
    frequency: str
    unit_price: int
    holding: str
    stream: FundingStream
    catalogue_version: CatalogueVersion | None = None
    provider: Provider | None = None
    payee: str = ""
    payee_justification: str = ""
    clinical_justification: str = ""
    details: str = ""
    outcome: Outcome | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None


def legal_refusal(
    *, name: str, details: str = "", catalogue_version: CatalogueVersion | None = None
) -> str:
    """Why the law excludes an item ('' when it does not): the catalogue's status, or what a
    free-text item says it is. Forms may ask before the rest of an entry is complete."""
    if catalogue_version is not None and catalogue_version.legal_status != LegalStatus.ALLOWED:
        return rules.refusal(catalogue_version.legal_status)
    found = rules.exclusion_in_text(f"{name} {details}")
    if found != LegalStatus.ALLOWED:
        return rules.refusal(found)
    return ""


def _item_values(plan: CarePlan, spec: ItemSpec) -> dict[str, object]:
    """Validate an item for this plan and work out its cost and flags. Raises
    ValidationError, the legal exclusion first and on its own."""
    refusal = legal_refusal(
        name=spec.name, details=spec.details, catalogue_version=spec.catalogue_version
    )
    if refusal:
        raise ValidationError({"name": refusal})
    starts_on = spec.starts_on or plan.starts_on
    ends_on = spec.ends_on or plan.ends_on
    errors: dict[str, str] = {}
    version = spec.catalogue_version
    if version is not None:
        if version.item.commissioner_id != plan.commissioner_id:
            errors["catalogue_version"] = "That item is from another commissioner's catalogue."
        elif version.retired:
            errors["catalogue_version"] = f"{version.name} has been taken out of the catalogue."
    if not spec.name.strip():
        errors["name"] = "Say what the item is."
    elif len(spec.name.strip()) > 200:
        errors["name"] = "The name can be at most 200 characters."
    if spec.category not in Category.values:
        errors["category"] = "Choose a category."
    if spec.unit not in Unit.values:
        errors["unit"] = "Choose a unit."
    if spec.frequency not in calculations.FREQUENCIES:
        errors["frequency"] = "Choose how often."
    elif (spec.unit == Unit.ONE_OFF) != (spec.frequency == "once"):
        errors["frequency"] = "A one-off item is bought once; anything else is regular."
    if (
        isinstance(spec.quantity, bool)
        or not isinstance(spec.quantity, int)
        or not (1 <= spec.quantity <= MAX_QUANTITY)
    ):
        errors["quantity"] = f"The quantity is a whole number from 1 to {MAX_QUANTITY:,}."
    if (
        isinstance(spec.unit_price, bool)
        or not isinstance(spec.unit_price, int)
        or (spec.unit_price <= 0)
    ):
        errors["unit_price"] = "The unit price must be more than £0."
    if spec.holding not in Holding.values:
        errors["holding"] = "Choose how the money for it is held."
    elif plan.programme is not None and spec.holding not in plan.programme.ways_of_holding:
        errors["holding"] = (
            f"{plan.programme.name} does not offer: {WayOfHolding(spec.holding).label}."
        )
    if spec.provider is not None and spec.provider.commissioner_id != plan.commissioner_id:
        errors["provider"] = "That provider is another commissioner's."
    if spec.payee not in Payee.values:
        errors["payee"] = "Say whether the item pays a relative or household member."
    if spec.outcome is not None and spec.outcome.plan_id != plan.pk:
        errors["outcome"] = "That outcome belongs to another plan."
    if not plan.starts_on <= starts_on <= ends_on <= plan.ends_on:
        errors["starts_on"] = (
            f"The item runs within the plan's period, {plan.starts_on:%-d %b %Y} to "
            f"{plan.ends_on:%-d %b %Y}."
        )
    if not spec.stream.open_on(starts_on):
        errors["stream"] = f"{spec.stream.name} is not open on {starts_on:%-d %B %Y}."
    if errors:
        raise ValidationError(errors)
    circumstances = circumstances_on(patient=plan.patient, on=starts_on)
    name = spec.name.strip()
    evidence = rules.evidence_for(
        rules.ratings_from(version.evidence if version else []),
        circumstances.codes,
        category=spec.category,
        name=name,
    )
    found = rules.item_findings(
        name=name,
        evidence=evidence,
        unit_price=spec.unit_price,
        price_cap=version.price_cap if version else None,
        payee=spec.payee,
        direct_payment=spec.holding == Holding.DIRECT_PAYMENT,
        direct_payment_restricted=circumstances.restriction is not None,
    )
    # Say now, not only to the clinician, when the commissioner's policy will not fund it.
    refused = rules.unevidenced_approval_refusal(
        rating=evidence.rating,
        commissioner=plan.commissioner.name,
        **policy_flags(plan),
    )
    findings = [
        rules.Finding(f.code, f"{f.explanation} {refused}")
        if refused and f.code in rules.ITEM_FLAGS_NEEDING_CLINICIAN
        else f
        for f in found
    ]
    return dict(
        catalogue_version=version,
        name=name,
        details=spec.details.strip(),
        category=spec.category,
        unit=spec.unit,
        quantity=spec.quantity,
        frequency=spec.frequency,
        unit_price=spec.unit_price,
        annual_cost=calculations.annual_cost(
            quantity=spec.quantity, frequency=spec.frequency, unit_price=spec.unit_price
        ),
        cost=calculations.period_cost(
            quantity=spec.quantity,
            frequency=spec.frequency,
            unit_price=spec.unit_price,
            starts_on=starts_on,
            ends_on=ends_on,
        ),
        holding=spec.holding,
        stream=spec.stream,
        provider=spec.provider,
        payee=spec.payee,
        payee_justification=spec.payee_justification.strip(),
        clinical_justification=spec.clinical_justification.strip(),
        outcome=spec.outcome,
        starts_on=starts_on,
        ends_on=ends_on,
        evidence_rating=evidence.rating,
        evidence_explanation=evidence.explanation,
        flags=[{"code": f.code, "explanation": f.explanation} for f in findings],
    )


@transaction.atomic
def item_add(*, actor: Actor, plan: CarePlan, spec: ItemSpec) -> PlanItem:
    """Add an item to a draft. Anything the law excludes is refused here, naming the rule;
    everything else is added, with its flags."""
    plan = _locked(plan)
    _draft_only(plan)
    values = _item_values(plan, spec)
    check_acts_for(actor, plan.commissioner, _today())
    position = (plan.items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = PlanItem.objects.create(plan=plan, key=_new_key(), position=position, **values)
    audit_record(
        actor=actor,
        action="care_plan.item_added",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"{item.name}: {format_pence(item.cost)}"
        + (f"; flagged {', '.join(item.flag_codes)}" if item.flags else ""),
    )
    return item


@transaction.atomic
def item_change(*, actor: Actor, item: PlanItem, spec: ItemSpec) -> PlanItem:
    plan = _locked(item.plan)
    _draft_only(plan)
    values = _item_values(plan, spec)
    check_acts_for(actor, plan.commissioner, _today())
    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    # A budget line's stream, category and way of holding are fixed: a change of any of them
    # makes it a new line.
    if (item.stream_id, item.category, item.holding) != (
        spec.stream.pk,
        spec.category,
        spec.holding,
    ):
        item.key = _new_key()
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    audit_record(
        actor=actor,
        action="care_plan.item_changed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"{item.name}: {format_pence(item.cost)}",
    )
    return item


@transaction.atomic
def item_remove(*, actor: Actor, item: PlanItem) -> None:
    plan = _locked(item.plan)
    _draft_only(plan)
    check_acts_for(actor, plan.commissioner, _today())
    name = item.name
    item.delete()
    audit_record(
        actor=actor,
        action="care_plan.item_removed",
        target=plan,
        patient_id=plan.patient_id,
        summary=f"Removed {name}",
    )


def spec_of(item: PlanItem) -> ItemSpec:
    """An item's entry, to check it again or copy it into a revision."""
    return ItemSpec(
        name=item.name,
        category=item.category,
        unit=item.unit,
        quantity=item.quantity,
        frequency=item.frequency,
        unit_price=item.unit_price,
        holding=item.holding,
        stream=item.stream,
        catalogue_version=item.catalogue_version,
        provider=item.provider,
        payee=item.payee,
        payee_justification=item.payee_justification,
        clinical_justification=item.clinical_justification,
        details=item.details,
        outcome=item.outcome,
        starts_on=item.starts_on,
        ends_on=item.ends_on,
    )
