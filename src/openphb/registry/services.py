"""Writing people's records. Each function validates, saves and audits in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Role
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor, audit_record, changes_between
from openphb.core.identifiers import normalise_postcode, validate_snomed_code
from openphb.organisations.models import Organisation, OrganisationKind

from .models import (
    Carer,
    CareSetting,
    CommissionerAssignment,
    Condition,
    DirectPaymentRestriction,
    Patient,
    Representative,
    RepresentativeAuthority,
    RestrictionKind,
    Setting,
)
from .rules import PatientDetails, check_patient_details


def _checked(details: PatientDetails) -> PatientDetails:
    cleaned, errors = check_patient_details(details, today=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_practice(practice: Organisation | None) -> None:
    if practice is not None and practice.kind != OrganisationKind.GP_PRACTICE:
        raise ValidationError({"registered_practice": f"{practice} is not a GP practice."})


def _check_commissioner(organisation: Organisation, starts_on: datetime.date) -> None:
    if not organisation.is_commissioner:
        raise ValidationError({"commissioner": f"{organisation} is not a commissioner."})
    if not organisation.is_open_on(starts_on):
        raise ValidationError(
            {"commissioner": f"{organisation} is not open on {starts_on:%d %B %Y}."}
        )


def _commissioner_for(actor: Actor, chosen: Organisation | None) -> Organisation | None:
    if actor.user_id is None:  # a system job: whatever the file or caller says
        return chosen
    own = user_commissioners(user_id=actor.user_id)
    if chosen is None:
        if own.count() != 1:
            raise ValidationError({"commissioner": "Choose the responsible commissioner."})
        return own.first()
    if not own.filter(pk=chosen.pk).exists():
        raise ValidationError({"commissioner": f"You do not work for {chosen.name}."})
    return chosen


def _details_of(patient: Patient) -> dict[str, object]:
    return PatientDetails.of(patient).as_dict() | {
        "registered_practice": patient.registered_practice.ods_code
        if patient.registered_practice
        else None
    }


@transaction.atomic
def patient_create(
    *,
    actor: Actor,
    details: PatientDetails,
    registered_practice: Organisation | None = None,
    commissioner: Organisation | None = None,
    commissioner_from: datetime.date | None = None,
) -> Patient:
    """Register a person. When a member of staff registers them, the responsible commissioner
    must be one they work for (and defaults to it when they work for only one)."""
    cleaned = _checked(details)
    _check_practice(registered_practice)
    commissioner = _commissioner_for(actor, commissioner)
    if commissioner is not None:
        _check_commissioner(commissioner, commissioner_from or timezone.localdate())
    if Patient.objects.filter(nhs_number=cleaned.nhs_number).exists():
        raise ValidationError(
            {"nhs_number": "A person with this NHS number is already registered."}
        )
    patient = Patient.objects.create(**cleaned.as_dict(), registered_practice=registered_practice)
    audit_record(
        actor=actor,
        action="patient.created",
        target=patient,
        patient_id=patient.pk,
        summary="Registered the person",
        changes=changes_between({}, _details_of(patient)),
    )
    if commissioner is not None:
        commissioner_assign(
            actor=actor,
            patient=patient,
            organisation=commissioner,
            starts_on=commissioner_from or timezone.localdate(),
            reason="Registered",
        )
    return patient


@transaction.atomic
def patient_update(
    *,
    actor: Actor,
    patient: Patient,
    details: PatientDetails,
    registered_practice: Organisation | None,
) -> Patient:
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    cleaned = _checked(details)
    _check_practice(registered_practice)
    if (
        cleaned.nhs_number != patient.nhs_number
        and Patient.objects.filter(nhs_number=cleaned.nhs_number).exists()
    ):
        raise ValidationError(
            {"nhs_number": "Another person is already registered with this NHS number."}
        )
    before = _details_of(patient)
    for name, value in cleaned.as_dict().items():
        setattr(patient, name, value)
    patient.registered_practice = registered_practice
    changes = changes_between(before, _details_of(patient))
    if changes:
        patient.save()
        audit_record(
            actor=actor,
            action="patient.updated",
            target=patient,
            patient_id=patient.pk,
            summary=f"Changed {', '.join(name.replace('_', ' ') for name in changes)}",
            changes=changes,
        )
    return patient


@transaction.atomic
def sign_in_link(*, actor: Actor, record: Patient | Carer, user: User) -> None:
    """Link a person's own sign-in to their record (a budget holder's or a carer's)."""
    expected = Role.BUDGET_HOLDER if isinstance(record, Patient) else Role.CARER
    if user.role != expected:
        raise ValidationError(
            {"account": f"Only a {expected.label.lower()} sign-in can be linked."}
        )
    patient_id = record.pk if isinstance(record, Patient) else record.cares_for_id
    record.account = user
    record.save(update_fields=["account", "updated_at"])
    audit_record(
        actor=actor,
        action="patient.sign_in_linked",
        target=record,
        patient_id=patient_id,
        summary=f"Linked the sign-in {user.username}",
    )


@transaction.atomic
def commissioner_assign(
    *,
    actor: Actor,
    patient: Patient,
    organisation: Organisation,
    starts_on: datetime.date,
    reason: str = "",
) -> CommissionerAssignment:
    """Make `organisation` responsible for the patient from `starts_on`, closing the open
    assignment the day before. Earlier assignments are never changed."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    _check_commissioner(organisation, starts_on)
    current = CommissionerAssignment.objects.filter(patient=patient, ends_on__isnull=True).first()
    if current is not None:
        if starts_on <= current.starts_on:
            raise ValidationError(
                {
                    "starts_on": "The new responsibility must start after the current one, "
                    f"which started on {current.starts_on:%d %B %Y}."
                }
            )
        if current.organisation_id == organisation.pk:
            raise ValidationError({"commissioner": f"{organisation} is already responsible."})
        current.ends_on = starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["ends_on"])
    elif CommissionerAssignment.objects.filter(patient=patient, ends_on__gte=starts_on).exists():
        raise ValidationError({"starts_on": "This would overlap an earlier responsibility."})
    assignment = CommissionerAssignment.objects.create(
        patient=patient,
        organisation=organisation,
        starts_on=starts_on,
        reason=reason.strip(),
        recorded_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="patient.commissioner_assigned",
        target=assignment,
        patient_id=patient.pk,
        summary=f"{organisation} responsible from {starts_on:%d %B %Y}",
        changes={
            "commissioner": [
                current.organisation.ods_code if current else None,
                organisation.ods_code,
            ]
        },
    )
    return assignment


@transaction.atomic
def condition_add(
    *,
    actor: Actor,
    patient: Patient,
    snomed_code: str,
    display: str,
    onset_date: datetime.date | None = None,
) -> Condition:
    try:
        code = validate_snomed_code(snomed_code)
    except ValidationError as exc:
        raise ValidationError({"snomed_code": exc.messages}) from None
    display = " ".join((display or "").split())
    if not display:
        raise ValidationError({"display": "Enter the condition's name."})
    if onset_date and onset_date > timezone.localdate():
        raise ValidationError({"onset_date": "The onset date cannot be in the future."})
    if onset_date and onset_date < patient.date_of_birth:
        raise ValidationError({"onset_date": "The onset date cannot be before birth."})
    if Condition.objects.filter(patient=patient, snomed_code=code).exists():
        raise ValidationError({"snomed_code": f"This person already has {display} recorded."})
    condition = Condition.objects.create(
        patient=patient, snomed_code=code, display=display, onset_date=onset_date
    )
    audit_record(
        actor=actor,
        action="patient.condition_added",
        target=condition,
        patient_id=patient.pk,
        summary=f"Added condition {display} ({code})",
    )
    return condition


def _period_errors(starts_on: datetime.date, ends_on: datetime.date | None) -> dict[str, str]:
    if ends_on is not None and ends_on < starts_on:
        return {"ends_on": "The end date must be on or after the start date."}
    return {}


@transaction.atomic
def representative_add(
    *,
    actor: Actor,
    patient: Patient,
    full_name: str,
    relationship: str,
    authority: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    phone: str = "",
    email: str = "",
    account: User | None = None,
) -> Representative:
    errors = _period_errors(starts_on, ends_on)
    if not full_name.strip():
        errors["full_name"] = "Enter the representative's full name."
    if not relationship.strip():
        errors["relationship"] = "Say how they are related to the person."
    if authority not in RepresentativeAuthority.values:
        errors["authority"] = "Choose the authority under which they act."
    if authority == RepresentativeAuthority.PARENT and patient.age_on(starts_on) >= 16:
        errors["authority"] = (
            "A parent acts with parental responsibility only for a child under 16."
        )
    if errors:
        raise ValidationError(errors)
    representative = Representative.objects.create(
        patient=patient,
        full_name=full_name.strip(),
        relationship=relationship.strip(),
        authority=authority,
        starts_on=starts_on,
        ends_on=ends_on,
        phone=phone.strip(),
        email=email.strip(),
        account=account,
    )
    audit_record(
        actor=actor,
        action="patient.representative_added",
        target=representative,
        patient_id=patient.pk,
        summary=f"Added {representative.full_name} as {representative.get_authority_display()}",
    )
    return representative


@transaction.atomic
def carer_add(
    *,
    actor: Actor,
    patient: Patient,
    full_name: str,
    relationship: str,
    starts_on: datetime.date,
    date_of_birth: datetime.date | None = None,
    postcode: str = "",
    phone: str = "",
    email: str = "",
    account: User | None = None,
) -> Carer:
    errors = _period_errors(starts_on, None)
    if not full_name.strip():
        errors["full_name"] = "Enter the carer's full name."
    if not relationship.strip():
        errors["relationship"] = "Say how the carer is related to the person."
    if postcode.strip():
        try:
            postcode = normalise_postcode(postcode)
        except ValidationError as exc:
            errors["postcode"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    carer = Carer.objects.create(
        cares_for=patient,
        full_name=full_name.strip(),
        relationship=relationship.strip(),
        starts_on=starts_on,
        date_of_birth=date_of_birth,
        postcode=postcode.strip(),
        phone=phone.strip(),
        email=email.strip(),
        account=account,
    )
    audit_record(
        actor=actor,
        action="patient.carer_added",
        target=carer,
        patient_id=patient.pk,
        summary=f"Added carer {carer.full_name} ({carer.relationship})",
    )
    return carer


@transaction.atomic
def care_setting_record(
    *, actor: Actor, patient: Patient, setting: str, starts_on: datetime.date
) -> CareSetting:
    """Record where the person lives and receives care from `starts_on`, closing the open
    setting the day before. Earlier settings are never changed."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if setting not in Setting.values:
        raise ValidationError({"setting": "Choose where the person lives and receives care."})
    if starts_on > timezone.localdate():
        raise ValidationError({"starts_on": "The setting cannot start in the future."})
    if starts_on < patient.date_of_birth:
        raise ValidationError({"starts_on": "The setting cannot start before birth."})
    current = CareSetting.objects.filter(patient=patient, ends_on__isnull=True).first()
    if current is not None:
        if starts_on <= current.starts_on:
            raise ValidationError(
                {
                    "starts_on": "The new setting must start after the current one, which "
                    f"started on {current.starts_on:%d %B %Y}."
                }
            )
        if current.setting == setting:
            raise ValidationError(
                {"setting": f"The person already lives in: {current.get_setting_display()}."}
            )
        current.ends_on = starts_on - datetime.timedelta(days=1)
        current.save(update_fields=["ends_on"])
    record = CareSetting.objects.create(patient=patient, setting=setting, starts_on=starts_on)
    audit_record(
        actor=actor,
        action="patient.setting_recorded",
        target=record,
        patient_id=patient.pk,
        summary=f"Setting {record.get_setting_display()} from {starts_on:%d %B %Y}",
        changes={"setting": [current.setting if current else None, setting]},
    )
    return record


@transaction.atomic
def restriction_add(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> DirectPaymentRestriction:
    """Record a requirement or licence condition that rules out direct payments for a period."""
    errors = _period_errors(starts_on, ends_on)
    if kind not in RestrictionKind.values:
        errors["kind"] = "Choose the kind of requirement or licence condition."
    if starts_on < patient.date_of_birth:
        errors["starts_on"] = "The requirement cannot start before birth."
    if errors:
        raise ValidationError(errors)
    restriction = DirectPaymentRestriction.objects.create(
        patient=patient, kind=kind, starts_on=starts_on, ends_on=ends_on, note=note.strip()
    )
    audit_record(
        actor=actor,
        action="patient.restriction_added",
        target=restriction,
        patient_id=patient.pk,
        summary=f"Recorded {restriction.get_kind_display()} from {starts_on:%d %B %Y}",
    )
    return restriction
