"""Patient pages: find, read, add and change. Views parse, call one service, render."""

from collections.abc import Callable

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.selectors import audit_events_for_patient
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures, budgets_for_patient
from openphb.enrolment.selectors import enrolments_for_patient
from openphb.programmes.selectors import decisions_for_patient, explanation, programmes_visible_to
from openphb.registry import services
from openphb.registry.models import Patient
from openphb.registry.rules import PatientDetails
from openphb.registry.selectors import (
    circumstances_of,
    commissioner_history,
    lsoa_for_postcode,
    patient_get,
    patient_open,
    patient_search,
    responsible_commissioner_on,
)

from .. import presenters
from ..forms import (
    CarerForm,
    CommissionerForm,
    ConditionForm,
    PatientForm,
    RepresentativeForm,
    RestrictionForm,
    SettingForm,
    TimeForm,
)
from . import assessments
from .common import paginate, requires, signed_in, submit
from .plans import patient_plans


def _scoped_patient(request: HttpRequest, pk: int) -> Patient:
    try:
        return patient_get(user=signed_in(request), pk=pk)
    except Patient.DoesNotExist:
        raise Http404("No such patient") from None


@requires(Capability.VIEW_PATIENTS)
def patient_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    patients = patient_search(user=signed_in(request), query=query).select_related(
        "registered_practice"
    )
    page, pagination = paginate(request, patients)
    return render(
        request,
        "patients/list.html",
        {"query": query, "page": page, "pagination": pagination},
    )


def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    if not (user.can(Capability.VIEW_PATIENTS) or user.can(Capability.VIEW_OWN_RECORD)):
        raise Http404("No such patient")
    try:
        patient = patient_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Patient.DoesNotExist:
        raise Http404("No such patient") from None
    today = timezone.localdate()
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "identity_rows": presenters.patient_identity_rows(
                patient, today=today, lsoa=lsoa_for_postcode(patient.postcode)
            ),
            "conditions": patient.conditions.all(),
            "representatives": patient.representatives.select_related("account"),
            "carers": patient.carers.all(),
            **circumstances_of(patient=patient),
            "responsibility": responsible_commissioner_on(patient=patient, on=today),
            "history": commissioner_history(patient=patient),
            "can_edit": user.can(Capability.EDIT_PATIENTS),
            "can_see_access": user.can(Capability.VIEW_ACCESS_HISTORY),
            **_programmes_of(user, patient),
            **_budgets_of(user, patient),
            **patient_plans(user, patient),
            **assessments.patient_section(user, patient),
        },
    )


def _programmes_of(user: User, patient: Patient) -> dict[str, object]:
    """The person's enrolments, the latest recorded decision per programme, and the programmes
    they could be checked against: only for staff who see programmes."""
    if not (user.can(Capability.VIEW_PROGRAMMES) and user.can(Capability.VIEW_PATIENTS)):
        return {}
    visible = set(programmes_visible_to(user=user).values_list("pk", flat=True))
    latest: dict[int, object] = {}
    for decision in decisions_for_patient(patient_id=patient.pk):
        if decision.run.programme_id in visible and decision.run.programme_id not in latest:
            latest[decision.run.programme_id] = {
                "decision": decision,
                "explanation": explanation(decision),
            }
    return {
        "enrolments": enrolments_for_patient(user=user, patient_id=patient.pk),
        "decisions": list(latest.values()),
        "checkable": programmes_visible_to(user=user)
        .filter(rule_sets__isnull=False)
        .distinct()[:20],
        "time_form": TimeForm(),
        "can_record_time": user.can(Capability.RECORD_TIME),
    }


def _budgets_of(user: User, patient: Patient) -> dict[str, object]:
    """The person's budgets with their totals, for staff who see budgets and for the holder."""
    if not (user.can(Capability.VIEW_BUDGETS) or user.can(Capability.VIEW_OWN_RECORD)):
        return {}
    return {
        "budgets": [
            (budget, budget_figures(budget=budget).total)
            for budget in budgets_for_patient(patient_id=patient.pk)
        ]
    }


@requires(Capability.EDIT_PATIENTS)
def patient_add(request: HttpRequest) -> HttpResponse:
    commissioners = user_commissioners(user_id=signed_in(request).pk)
    form = PatientForm(request.POST or None, with_commissioner=True, commissioners=commissioners)
    patient = submit(
        form,
        lambda data: services.patient_create(
            actor=Actor.from_request(request),
            details=PatientDetails.from_mapping(data),
            registered_practice=data["registered_practice"],
            commissioner=data["commissioner"],
        ),
    )
    if patient is not None:
        return redirect("web:patient-detail", pk=patient.pk)
    only = commissioners.first() if commissioners.count() == 1 else None
    if only is not None and not form.is_bound:
        form.initial["commissioner"] = only.ods_code
    return render(request, "patients/form.html", {"form": form, "adding": True})


@requires(Capability.EDIT_PATIENTS)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _scoped_patient(request, pk)
    initial = PatientDetails.of(patient).as_dict() | {
        "nhs_number": patient.nhs_number_display,
        "registered_practice": patient.registered_practice.ods_code
        if patient.registered_practice
        else None,
    }
    form = PatientForm(request.POST or None, initial=initial)
    saved = submit(
        form,
        lambda data: services.patient_update(
            actor=Actor.from_request(request),
            patient=patient,
            details=PatientDetails.from_mapping(data),
            registered_practice=data["registered_practice"],
        ),
    )
    if saved is not None:
        return redirect("web:patient-detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient})


@requires(Capability.VIEW_ACCESS_HISTORY)
def patient_access(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _scoped_patient(request, pk)
    page, pagination = paginate(request, audit_events_for_patient(patient_id=patient.pk), 50)
    return render(
        request,
        "patients/access.html",
        {"patient": patient, "page": page, "pagination": pagination},
    )


@requires(Capability.EDIT_PATIENTS)
def patient_commissioner(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _scoped_patient(request, pk)
    form = CommissionerForm(request.POST or None)
    saved = submit(
        form,
        lambda data: services.commissioner_assign(
            actor=Actor.from_request(request),
            patient=patient,
            organisation=data["commissioner"],
            starts_on=data["starts_on"],
            reason=data["reason"],
        ),
    )
    if saved is not None:
        return redirect("web:patient-detail", pk=patient.pk)
    return render(
        request,
        "patients/related_form.html",
        {
            "form": form,
            "patient": patient,
            "title": "Change the responsible commissioner",
            "hint": "The current responsibility ends the day before the new one starts. "
            "Earlier responsibility stays in the history.",
        },
    )


_ADDERS: dict[str, tuple[type[forms.Form], Callable[..., object], str, str]] = {
    "condition": (
        ConditionForm,
        services.condition_add,
        "Add a condition",
        "Conditions are coded in SNOMED CT, for example 13645005 for COPD.",
    ),
    "representative": (
        RepresentativeForm,
        services.representative_add,
        "Add a representative or nominee",
        "Someone who manages the budget for the person, and the authority they act under.",
    ),
    "carer": (
        CarerForm,
        services.carer_add,
        "Add a carer",
        "An unpaid carer who looks after this person.",
    ),
    "setting": (
        SettingForm,
        services.care_setting_record,
        "Record where the person lives",
        "The current setting ends the day before the new one starts; earlier ones stay.",
    ),
    "restriction": (
        RestrictionForm,
        services.restriction_add,
        "Record a requirement that rules out direct payments",
        "People under certain drug or alcohol treatment requirements or licence conditions "
        "cannot receive a direct payment. They can still hold a budget in other ways.",
    ),
}


@requires(Capability.EDIT_PATIENTS)
def patient_add_related(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in _ADDERS:
        raise Http404("Nothing to add of that kind")
    form_class, service, title, hint = _ADDERS[kind]
    patient = _scoped_patient(request, pk)
    form = form_class(request.POST or None)
    if submit(
        form, lambda data: service(actor=Actor.from_request(request), patient=patient, **data)
    ):
        return redirect("web:patient-detail", pk=patient.pk)
    return render(
        request,
        "patients/related_form.html",
        {"form": form, "patient": patient, "title": title, "hint": hint, "kind": kind},
    )
