"""Enrolment pages: a person's journey, recording each step and the time it took, offer
letters, and the coordinators' work queues."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.enrolment import services, stages
from openphb.enrolment.models import Enrolment
from openphb.enrolment.selectors import (
    QUEUE_SORTS,
    QUEUES,
    enrolment_get,
    moves_of,
    queue,
    time_of,
)
from openphb.programmes.models import Programme
from openphb.programmes.selectors import programme_get, programmes_visible_to
from openphb.registry.models import Patient
from openphb.registry.selectors import patient_get

from .. import letters
from ..forms import MoveForm, NextActionForm, TimeForm
from . import assessments
from .common import paginate, requires, signed_in, submit


def _enrolment(request: HttpRequest, pk: int) -> Enrolment:
    try:
        return enrolment_get(user=signed_in(request), pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None


def _detail(request: HttpRequest, enrolment: Enrolment, **forms: object) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "enrolments/detail.html",
        {
            "enrolment": enrolment,
            "patient": enrolment.patient,
            "moves": moves_of(enrolment=enrolment),
            "time": time_of(enrolment=enrolment),
            "allowed": stages.allowed_moves(enrolment.stage) if user.can(Capability.ENROL) else [],
            "time_form": forms.get("time_form") or TimeForm(),
            "next_form": forms.get("next_form")
            or NextActionForm(
                initial={"next_action": enrolment.next_action, "due": enrolment.next_action_due}
            ),
            "can_enrol": user.can(Capability.ENROL),
            "can_record_time": user.can(Capability.RECORD_TIME),
            **assessments.enrolment_section(user, enrolment),
        },
        status=400 if forms else 200,
    )


@requires(Capability.VIEW_PATIENTS)
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _enrolment(request, pk))


@requires(Capability.ENROL)
def enrolment_move(request: HttpRequest, pk: int, stage: str) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    if not stages.is_allowed(enrolment.stage, stage):
        raise Http404("That move is not open from this stage")
    backward = stages.is_backward(enrolment.stage, stage)
    form = MoveForm(
        request.POST or None,
        to_stage=stage,
        backward=backward,
        ways=enrolment.programme.ways_of_holding,
        today=timezone.localdate(),
    )
    moved = submit(
        form,
        lambda data: services.enrolment_move(
            actor=Actor.from_request(request), enrolment=enrolment, to_stage=stage, **data
        ),
    )
    if moved is not None:
        return redirect("web:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "enrolments/move.html",
        {
            "enrolment": enrolment,
            "patient": enrolment.patient,
            "form": form,
            "to_stage": stages.Stage(stage),
            "backward": backward,
        },
    )


@require_POST
@requires(Capability.RECORD_TIME)
def enrolment_time(request: HttpRequest, pk: int) -> HttpResponse:
    """Log minutes against an enrolment (from the person's page or the enrolment's)."""
    enrolment = _enrolment(request, pk)
    form = TimeForm(request.POST)
    saved = submit(
        form,
        lambda data: services.time_record(
            actor=Actor.from_request(request), enrolment=enrolment, **data
        ),
    )
    if saved is None:
        return _detail(request, enrolment, time_form=form)
    back = request.POST.get("next", "")
    if back == "patient":
        return redirect("web:patient-detail", pk=enrolment.patient_id)
    return redirect("web:enrolment-detail", pk=enrolment.pk)


@require_POST
@requires(Capability.ENROL)
def enrolment_next_action(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    form = NextActionForm(request.POST)
    saved = submit(
        form,
        lambda data: services.next_action_set(
            actor=Actor.from_request(request), enrolment=enrolment, **data
        ),
    )
    if saved is None:
        return _detail(request, enrolment, next_form=form)
    return redirect("web:enrolment-detail", pk=enrolment.pk)


@require_POST
@requires(Capability.ENROL)
def enrolment_start(request: HttpRequest, programme_pk: int, patient_pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        programme = programme_get(user=user, pk=programme_pk)
        patient = patient_get(user=user, pk=patient_pk)
    except (Programme.DoesNotExist, Patient.DoesNotExist):
        raise Http404("No such programme or person") from None
    from django.core.exceptions import ValidationError

    try:
        enrolment = services.enrolment_start(
            actor=Actor.from_request(request), programme=programme, patient=patient
        )
    except ValidationError as error:
        return render(
            request,
            "enrolments/cannot_start.html",
            {"programme": programme, "patient": patient, "problems": error.messages},
            status=400,
        )
    return redirect("web:enrolment-detail", pk=enrolment.pk)


@requires(Capability.ENROL)
def offer_letter(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk)
    pdf = letters.offer_letter(
        enrolment=enrolment, actor=Actor.from_request(request), today=timezone.localdate()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"offer-{enrolment.patient.nhs_number}-{enrolment.programme_id}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@requires(Capability.ENROL)
def work_queues(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    name = request.GET.get("queue", "never-offered")
    if name not in QUEUES:
        name = "never-offered"
    sort = request.GET.get("sort", "")
    programmes = programmes_visible_to(user=user).order_by("name")
    chosen = None
    if request.GET.get("programme", "").isdigit():
        chosen = programmes.filter(pk=int(request.GET["programme"])).first()
    items = queue(user=user, name=name, sort=sort, programme=chosen)
    page, pagination = paginate(request, items)
    return render(
        request,
        "enrolments/queues.html",
        {
            "queues": QUEUES,
            "current": name,
            "sorts": {key: label for key, (_, label) in QUEUE_SORTS.items()},
            "sort": sort,
            "programmes": programmes,
            "chosen": chosen,
            "page": page,
            "pagination": pagination,
            "today": timezone.localdate(),
        },
    )
