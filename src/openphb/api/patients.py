"""/api/v1/patients: the same scoping and rules as the pages."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import organisation_by_ods_code
from openphb.registry import services
from openphb.registry.models import Patient
from openphb.registry.rules import PatientDetails
from openphb.registry.selectors import (
    patient_get,
    patient_open,
    patient_search,
    responsible_commissioner_on,
)

from .schemas import PatientIn, PatientOut, PatientPatch, PatientSummaryOut

router = Router(tags=["patients"])


def _user(request: HttpRequest, capability: Capability | None = None) -> User:
    user: User = request.user  # type: ignore[assignment]
    if capability and not user.can(capability):
        raise HttpError(403, "Your role cannot do this.")
    if not (user.can(Capability.VIEW_PATIENTS) or user.can(Capability.VIEW_OWN_RECORD)):
        raise HttpError(403, "Your role cannot see people's records.")
    return user


def _organisation(ods_code: str | None, field: str) -> Organisation | None:
    if not ods_code:
        return None
    organisation = organisation_by_ods_code(ods_code)
    if organisation is None:
        raise ValidationError({field: f"No organisation has ODS code {ods_code}."})
    return organisation


def _out(patient: Patient) -> dict[str, Any]:
    responsibility = responsible_commissioner_on(patient=patient, on=timezone.localdate())
    return {
        **{name: getattr(patient, name) for name in PatientSummaryOut.model_fields},
        "ethnic_category": patient.ethnic_category,
        "registered_practice": patient.registered_practice.ods_code
        if patient.registered_practice
        else None,
        "responsible_commissioner": responsibility.answering.ods_code if responsibility else None,
        "conditions": list(patient.conditions.all()),
    }


@router.get("", response=list[PatientSummaryOut])
@paginate(PageNumberPagination, page_size=50)
def list_patients(request: HttpRequest, q: str = ""):
    """Patients the caller may see; `q` is an NHS number, a date of birth or name words."""
    return patient_search(user=_user(request), query=q)


@router.get("/{patient_id}", response=PatientOut)
def get_patient(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """One patient's record (the read is written to the audit log)."""
    user = _user(request)
    return _out(patient_open(actor=Actor.from_request(request), user=user, pk=patient_id))


@router.post("", response={201: PatientOut})
def create_patient(request: HttpRequest, payload: PatientIn) -> Status[dict[str, Any]]:
    _user(request, Capability.EDIT_PATIENTS)
    patient = services.patient_create(
        actor=Actor.from_request(request),
        details=PatientDetails.from_mapping(payload.dict()),
        registered_practice=_organisation(payload.registered_practice, "registered_practice"),
        commissioner=_organisation(payload.commissioner, "commissioner"),
    )
    return Status(201, _out(patient))


@router.patch("/{patient_id}", response=PatientOut)
def update_patient(request: HttpRequest, patient_id: int, payload: PatientPatch) -> dict[str, Any]:
    user = _user(request, Capability.EDIT_PATIENTS)
    patient = patient_get(user=user, pk=patient_id)
    changes = payload.dict(exclude_unset=True)
    practice = patient.registered_practice
    if "registered_practice" in changes:
        practice = _organisation(changes.pop("registered_practice"), "registered_practice")
    patient = services.patient_update(
        actor=Actor.from_request(request),
        patient=patient,
        details=PatientDetails.from_mapping({**PatientDetails.of(patient).as_dict(), **changes}),
        registered_practice=practice,
    )
    return _out(patient)
