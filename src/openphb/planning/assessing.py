"""Needs assessments and the indicative budget they give, and telling the person the amount:
the 'needs assessed' and 'indicative budget shared' steps of the enrolment journey."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.audit.services import Actor, audit_record
from openphb.enrolment import services as enrolment_services
from openphb.enrolment.models import Enrolment
from openphb.enrolment.stages import Stage
from openphb.ledger.services import format_pence
from openphb.registry.models import Patient
from openphb.registry.selectors import circumstances_on, has_unpaid_carer_on

from . import calculations
from .catalogue import check_acts_for
from .models import Assessment, SharedHow
from .selectors import latest_assessment, scheme_current


def facts_on(*, patient: Patient, on: datetime.date) -> frozenset[str]:
    """What the scheme's adjustments may look at: where the person lives, and whether an
    unpaid carer supports them."""
    facts: set[str] = set()
    setting = circumstances_on(patient=patient, on=on).setting
    if setting:
        facts.add(f"setting:{setting}")
    if has_unpaid_carer_on(patient=patient, on=on):
        facts.add("unpaid_carer")
    return frozenset(facts)


NOT_YET = (Stage.IDENTIFIED, Stage.OFFERED, Stage.DECLINED, Stage.ENDED)


def assessment_refusal(enrolment: Enrolment) -> str:
    """Why the person's needs cannot be assessed at their stage ('' if they can)."""
    if enrolment.stage in NOT_YET:
        return (
            f"{enrolment.patient.given_name} is at '{Stage(enrolment.stage).label}': "
            "needs are assessed once the person has accepted the offer."
        )
    return ""


@transaction.atomic
def assessment_record(
    *,
    actor: Actor,
    enrolment: Enrolment,
    levels: Mapping[str, str],
    notes: str = "",
    on: datetime.date | None = None,
) -> Assessment:
    """Record the level of need in each care domain and work out the indicative budget under
    the programme's current allocation scheme, with its explanation. A person who had accepted
    moves on to 'needs assessed'."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("programme__owner", "patient", "site__organisation")
        .get(pk=enrolment.pk)
    )
    on = on or timezone.localdate()
    refusal = assessment_refusal(enrolment)
    if refusal:
        raise ValidationError(refusal)
    if on > timezone.localdate():
        raise ValidationError({"on": "The assessment date cannot be in the future."})
    scheme = scheme_current(programme=enrolment.programme)
    if scheme is None:
        raise ValidationError(
            f"{enrolment.programme.name} has no resource-allocation scheme yet; the "
            "commissioner publishes one first."
        )
    spec = scheme.spec()
    errors = [
        f"{domain.label}: choose a level."
        for domain in spec.domains
        if domain.level(levels.get(domain.code, "")) is None
    ]
    unknown = sorted(set(levels) - {domain.code for domain in spec.domains})
    if unknown:
        errors.append(f"The scheme has no domain called {', '.join(unknown)}.")
    if errors:
        raise ValidationError({"levels": errors})
    check_acts_for(actor, enrolment.site.organisation, on)
    facts = facts_on(patient=enrolment.patient, on=on)
    result = calculations.indicative_budget(spec, levels, facts)
    assessment = Assessment.objects.create(
        patient=enrolment.patient,
        programme=enrolment.programme,
        enrolment=enrolment,
        scheme=scheme,
        assessed_on=on,
        levels={domain.code: levels[domain.code] for domain in spec.domains},
        facts=sorted(facts),
        notes=notes.strip(),
        points=result.points,
        indicative_amount=result.amount,
        explanation=list(result.explanation),
        assessed_by_id=actor.user_id,
        assessed_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="assessment.recorded",
        target=assessment,
        patient_id=enrolment.patient_id,
        summary=f"{enrolment.programme.name}: {result.points} points, indicative budget "
        f"{format_pence(result.amount)} (scheme v{scheme.version})",
    )
    if enrolment.stage == Stage.ACCEPTED:
        enrolment_services.enrolment_move(
            actor=actor,
            enrolment=enrolment,
            to_stage=Stage.ASSESSED,
            on=max(on, enrolment.stage_since),
        )
    return assessment


@transaction.atomic
def indicative_share(
    *, actor: Actor, assessment: Assessment, how: str, on: datetime.date | None = None
) -> Assessment:
    """Record that the person (or their representative) was told their indicative budget,
    before planning. Moves the enrolment on to 'indicative budget shared'."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("patient", "programme", "enrolment")
        .get(pk=assessment.pk)
    )
    on = on or timezone.localdate()
    if how not in SharedHow.values:
        raise ValidationError({"how": "Say how the person was told."})
    if on > timezone.localdate() or on < assessment.assessed_on:
        raise ValidationError(
            {"on": "The date is on or after the assessment, and not in the future."}
        )
    if assessment.shared_on is not None:
        raise ValidationError(
            f"The indicative budget was already shared on {assessment.shared_on:%-d %B %Y}."
        )
    # The same assessment a plan starts from: the latest by date (a backdated one recorded
    # afterwards does not replace a later one).
    latest = latest_assessment(patient_id=assessment.patient_id, programme=assessment.programme)
    if latest is not None and latest.pk != assessment.pk:
        raise ValidationError("A newer assessment replaces this one; share that instead.")
    assessment.shared_on = on
    assessment.shared_how = how
    assessment.shared_by_id = actor.user_id
    assessment.save(update_fields=["shared_on", "shared_how", "shared_by"])
    audit_record(
        actor=actor,
        action="assessment.shared",
        target=assessment,
        patient_id=assessment.patient_id,
        summary=f"Indicative budget of {format_pence(assessment.indicative_amount)} shared "
        f"({SharedHow(how).label.lower()})",
    )
    enrolment = assessment.enrolment
    if enrolment is not None and enrolment.stage == Stage.ASSESSED:
        enrolment_services.enrolment_move(
            actor=actor,
            enrolment=enrolment,
            to_stage=Stage.INDICATIVE,
            on=max(on, enrolment.stage_since),
        )
    return assessment
