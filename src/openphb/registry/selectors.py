"""Reading people. Every read of person data goes through `patients_visible_to`."""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.audit.services import Actor, audit_record
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_ids_answering_for, successor_on

from .models import (
    Carer,
    CareSetting,
    CommissionerAssignment,
    Condition,
    DirectPaymentRestriction,
    Lsoa,
    Patient,
    PatientImportJob,
    PostcodeLsoa,
    Representative,
)
from .rules import looks_like_nhs_number, parse_search_date


def _today() -> datetime.date:
    return timezone.localdate()


def patients_visible_to(*, user: User) -> QuerySet[Patient]:
    """The one place that decides whose records a user may see.

    Staff with the capability see the patients for whom one of their organisations (or an
    organisation whose responsibilities have passed to one of theirs) is responsible today.
    A budget holder sees their own record and those they currently represent. Nobody else
    sees anyone.
    """
    if not user.is_authenticated or not user.is_active:
        return Patient.objects.none()
    today = _today()
    if user.can(Capability.VIEW_PATIENTS):
        answering = organisation_ids_answering_for(
            organisation_ids=user_organisation_ids(user=user), on=today
        )
        if not answering:
            return Patient.objects.none()
        # A correlated EXISTS, so a lookup by NHS number or a page of names checks only the
        # patients it touches (an IN over every assignment would read them all).
        responsible = CommissionerAssignment.objects.current_on(today).filter(
            patient_id=OuterRef("pk"), organisation_id__in=answering
        )
        return Patient.objects.filter(Exists(responsible))
    if user.can(Capability.VIEW_OWN_RECORD):
        represented = (
            Representative.objects.active_on(today).filter(account=user).values("patient_id")
        )
        return Patient.objects.filter(Q(account=user) | Q(pk__in=represented))
    return Patient.objects.none()


def patient_search(*, user: User, query: str = "") -> QuerySet[Patient]:
    """Search by NHS number (exact), date of birth (exact) or name (every word must match)."""
    patients = patients_visible_to(user=user)
    text = (query or "").strip()
    if not text:
        return patients.order_by("family_name", "given_name", "id")
    if looks_like_nhs_number(text):
        return patients.filter(nhs_number=re.sub(r"[\s-]", "", text))
    born = parse_search_date(text)
    if born is not None:
        return patients.filter(date_of_birth=born).order_by("family_name", "given_name", "id")
    for word in text.split()[:4]:
        patients = patients.filter(
            Q(family_name__istartswith=word) | Q(given_name__istartswith=word)
        )
    return patients.order_by("family_name", "given_name", "id")


def patient_get(*, user: User, pk: int) -> Patient:
    """A patient the user may see; Patient.DoesNotExist (a 404) for anyone else's."""
    return patients_visible_to(user=user).select_related("registered_practice").get(pk=pk)


@transaction.atomic
def patient_open(*, actor: Actor, user: User, pk: int) -> Patient:
    """Open a patient's record to read it: scoped, and written to the audit log."""
    patient = patient_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="patient.viewed",
        target=patient,
        patient_id=patient.pk,
        summary="Opened the record",
    )
    return patient


@dataclass(frozen=True)
class Responsibility:
    assignment: CommissionerAssignment
    answering: Organisation  # who answers for it on the day asked (after successions)


def responsible_commissioner_on(*, patient: Patient, on: datetime.date) -> Responsibility | None:
    """Who was responsible for this patient on `on`, following successions to that date."""
    assignment = (
        CommissionerAssignment.objects.current_on(on)
        .filter(patient=patient)
        .select_related("organisation")
        .first()
    )
    if assignment is None:
        return None
    return Responsibility(
        assignment=assignment,
        answering=successor_on(organisation=assignment.organisation, on=on),
    )


def commissioner_history(*, patient: Patient) -> list[CommissionerAssignment]:
    return list(
        patient.assignments.select_related("organisation", "recorded_by").order_by("starts_on")
    )


def lsoa_for_postcode(postcode: str) -> Lsoa | None:
    if not postcode:
        return None
    found = PostcodeLsoa.objects.select_related("lsoa").filter(postcode=postcode).first()
    return found.lsoa if found else None


def patient_ids_by_nhs_number(numbers: list[str]) -> dict[str, int]:
    """The ids of the patients with these NHS numbers (for bulk loads; not scoped: the caller
    already holds the numbers and gets back only their ids)."""
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 900):
        found.update(
            Patient.objects.filter(nhs_number__in=numbers[start : start + 900]).values_list(
                "nhs_number", "pk"
            )
        )
    return found


def visible_patient_ids(*, user: User, ids: list[int]) -> set[int]:
    """Which of these patient ids the user may see (checked in chunks for large imports)."""
    visible: set[int] = set()
    scope = patients_visible_to(user=user)
    for start in range(0, len(ids), 900):
        visible.update(scope.filter(pk__in=ids[start : start + 900]).values_list("pk", flat=True))
    return visible


def import_jobs_for(*, user: User) -> QuerySet["PatientImportJob"]:
    return PatientImportJob.objects.filter(created_by=user).defer("content", "rejects_csv")


def _responsible_count(organisation_ids: set[int], today: datetime.date) -> int:
    """People these organisations answer for today, counted from the assignments' index
    (one current assignment a person) without touching the patients."""
    answering = organisation_ids_answering_for(organisation_ids=organisation_ids, on=today)
    return (
        CommissionerAssignment.objects.current_on(today)
        .filter(organisation_id__in=answering)
        .count()
    )


def responsible_count_for(*, user: User) -> int:
    """How many people the user's organisations answer for today (what they may see)."""
    return _responsible_count(user_organisation_ids(user=user), _today())


def responsible_counts_for(*, user: User) -> list[dict[str, object]]:
    """How many people each of the user's organisations answers for today (counts only)."""
    today = _today()
    own = user_organisation_ids(user=user)
    return [
        {"organisation": organisation, "people": _responsible_count({organisation.pk}, today)}
        for organisation in Organisation.objects.filter(pk__in=own).order_by("name")
    ]


def carer_roles_for(*, user: User) -> list[Carer]:
    """The caring roles recorded for a carer's own sign-in."""
    return list(Carer.objects.filter(account=user).select_related("cares_for"))


# Facts for screening a population in bulk (not scoped to a user: the caller is a commissioner's
# screening run over the organisations its programme covers, and keeps only what its rules use).


def responsible_people(
    *, organisation_ids: set[int], on: datetime.date
) -> Iterator[tuple[int, datetime.date, datetime.date | None, int]]:
    """(patient id, date of birth, date of death, assigned organisation id) of everyone these
    organisations' assignments cover on `on`, streamed in patient order."""
    rows = (
        CommissionerAssignment.objects.current_on(on)
        .filter(organisation_id__in=organisation_ids)
        .order_by("patient_id")
        .values_list(
            "patient_id", "patient__date_of_birth", "patient__date_of_death", "organisation_id"
        )
    )
    return rows.iterator(chunk_size=20_000)


def condition_codes_by_patient(*, codes: set[str]) -> dict[int, set[str]]:
    """Which of these SNOMED CT codes each person has recorded (only people with one)."""
    found: dict[int, set[str]] = {}
    if not codes:
        return found
    rows = Condition.objects.filter(snomed_code__in=codes).values_list("patient_id", "snomed_code")
    for patient_id, code in rows.iterator(chunk_size=20_000):
        found.setdefault(patient_id, set()).add(code)
    return found


def settings_on(*, on: datetime.date) -> dict[int, str]:
    """Each person's care setting on `on` (people with none recorded are absent)."""
    rows = CareSetting.objects.active_on(on).values_list("patient_id", "setting")
    return dict(rows.iterator(chunk_size=20_000))


def restrictions_on(*, on: datetime.date) -> dict[int, str]:
    """People under a requirement that rules out direct payments on `on`, with its kind."""
    rows = DirectPaymentRestriction.objects.active_on(on).values_list("patient_id", "kind")
    return dict(rows.iterator(chunk_size=20_000))


def circumstances_of(*, patient: Patient) -> dict[str, object]:
    """A person's care settings and direct-payment restrictions, for their record."""
    return {
        "settings": list(patient.care_settings.order_by("-starts_on")),
        "restrictions": list(patient.direct_payment_restrictions.order_by("-starts_on")),
    }


@dataclass(frozen=True)
class Circumstances:
    """What eligibility rules look at for one person on one date."""

    codes: frozenset[str]
    setting: str | None
    restriction: str | None
    assigned_organisation_id: int | None


def circumstances_on(*, patient: Patient, on: datetime.date) -> Circumstances:
    assignment = CommissionerAssignment.objects.current_on(on).filter(patient=patient).first()
    setting = CareSetting.objects.active_on(on).filter(patient=patient).first()
    restriction = DirectPaymentRestriction.objects.active_on(on).filter(patient=patient).first()
    return Circumstances(
        codes=frozenset(patient.conditions.values_list("snomed_code", flat=True)),
        setting=setting.setting if setting else None,
        restriction=restriction.kind if restriction else None,
        assigned_organisation_id=assignment.organisation_id if assignment else None,
    )


def has_unpaid_carer_on(*, patient: Patient, on: datetime.date) -> bool:
    return Carer.objects.active_on(on).filter(cares_for=patient).exists()


def representative_on(*, patient: Patient, on: datetime.date) -> Representative | None:
    """Who acts for the person on `on` (the longest-standing, if several), for letters."""
    return (
        Representative.objects.active_on(on)
        .filter(patient=patient)
        .order_by("starts_on", "id")
        .first()
    )
