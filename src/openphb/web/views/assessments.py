"""Needs assessments: a care coordinator records a level of need in each care domain, sees the
indicative budget it gives with its explanation, and records that the person was told it.
Also the assessments shown on a person's page and on their enrolment's."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.selectors import enrolment_get
from openphb.planning import assessing
from openphb.planning.models import Assessment
from openphb.planning.selectors import (
    assessment_get,
    assessment_open,
    assessments_for_patient,
    latest_assessment,
    level_rows,
    scheme_current,
)
from openphb.registry.models import Patient

from ..assessment_forms import AssessmentForm, ShareForm
from .common import requires, signed_in, submit


def _may_read(user: User) -> bool:
    """Staff who see plans; a budget holder reads their own (the selector scopes them)."""
    return user.can(Capability.VIEW_PLANS) or user.can(Capability.VIEW_OWN_RECORD)


@requires(Capability.PLAN_CARE)
def assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        enrolment = enrolment_get(user=signed_in(request), pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None
    refusal = assessing.assessment_refusal(enrolment)
    if refusal:  # said before the twelve domains are filled in, not after
        return render(
            request,
            "assessments/cannot_assess.html",
            {"enrolment": enrolment, "patient": enrolment.patient, "reason": refusal},
            status=400 if request.method == "POST" else 200,
        )
    scheme = scheme_current(programme=enrolment.programme)
    if scheme is None:
        return render(
            request,
            "assessments/no_scheme.html",
            {"enrolment": enrolment, "patient": enrolment.patient},
        )
    today = timezone.localdate()
    form = AssessmentForm(request.POST or None, domains=scheme.spec().domains, today=today)

    def record(data: dict[str, Any]) -> Assessment:
        try:
            return assessing.assessment_record(
                actor=Actor.from_request(request),
                enrolment=enrolment,
                levels=form.levels(),
                notes=data["notes"],
                on=data["on"],
            )
        except ValidationError as error:
            raise form.service_error(error) from None

    assessment = submit(form, record)
    if assessment is not None:
        return redirect("web:assessment", pk=assessment.pk)
    return render(
        request,
        "assessments/form.html",
        {
            "form": form,
            "enrolment": enrolment,
            "patient": enrolment.patient,
            "scheme": scheme,
        },
        status=400 if form.is_bound else 200,
    )


def _detail(request: HttpRequest, pk: int, share_form: ShareForm | None = None) -> HttpResponse:
    user = signed_in(request)
    if not _may_read(user):
        return render(request, "403.html", status=403)
    try:
        assessment = assessment_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404("No such assessment") from None
    latest = latest_assessment(patient_id=assessment.patient_id, programme=assessment.programme)
    replaced = latest is not None and latest.pk != assessment.pk
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "patient": assessment.patient,
            "levels": level_rows(assessment=assessment),
            "replaced_by": latest if replaced else None,
            "can_share": user.can(Capability.PLAN_CARE)
            and assessment.shared_on is None
            and not replaced,
            "share_form": share_form or ShareForm(initial={"on": timezone.localdate()}),
            "shared": request.GET.get("shared") == "1",
        },
        status=400 if share_form is not None else 200,
    )


def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@requires(Capability.PLAN_CARE)
def assessment_share(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        assessment = assessment_get(user=user, pk=pk)
    except Assessment.DoesNotExist:
        raise Http404("No such assessment") from None
    form = ShareForm(request.POST)
    shared = submit(
        form,
        lambda data: assessing.indicative_share(
            actor=Actor.from_request(request), assessment=assessment, **data
        ),
    )
    if shared is None:
        return _detail(request, pk, share_form=form)
    return redirect(reverse("web:assessment", args=[assessment.pk]) + "?shared=1")


# --- Sections of other pages ------------------------------------------------------------------


def patient_section(user: User, patient: Patient) -> dict[str, object]:
    """A person's assessments, newest first, for their page."""
    if not _may_read(user):
        return {}
    return {"assessments": assessments_for_patient(user=user, patient_id=patient.pk)}


def enrolment_section(user: User, enrolment: Enrolment) -> dict[str, object]:
    """The assessments made for an enrolment, and whether the user may assess needs."""
    if not user.can(Capability.VIEW_PLANS):
        return {}
    return {
        "assessments": [
            assessment
            for assessment in assessments_for_patient(user=user, patient_id=enrolment.patient_id)
            if assessment.enrolment_id == enrolment.pk
        ],
        "can_assess": user.can(Capability.PLAN_CARE)
        and not assessing.assessment_refusal(enrolment),
    }
