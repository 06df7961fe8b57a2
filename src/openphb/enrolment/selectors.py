"""Reading enrolments: a person's journeys, and the coordinators' work queues.

Enrolments name people, so every list here is scoped by the registry's `patients_visible_to`.
"""

import datetime

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.programmes.models import Programme
from openphb.programmes.selectors import programmes_visible_to
from openphb.registry.selectors import patients_visible_to

from .models import Enrolment, Move, TimeEntry
from .stages import Stage

OFFER_ANSWER_DAYS = 30

QUEUES = {
    "never-offered": "Eligible, never offered",
    "awaiting-answer": "Offers waiting for an answer",
    "actions-due": "Next actions due",
}
# sort key -> (ordering, label)
QUEUE_SORTS = {
    "waiting": (("stage_since", "id"), "Waiting longest"),
    "newest": (("-stage_since", "-id"), "Newest first"),
    "name": (("patient__family_name", "patient__given_name", "id"), "Name"),
    "due": (("next_action_due", "id"), "Due soonest"),
}


def enrolments_visible_to(*, user: User) -> QuerySet[Enrolment]:
    if not user.can(Capability.VIEW_PATIENTS):
        return Enrolment.objects.none()
    visible = patients_visible_to(user=user).filter(pk=OuterRef("patient_id"))
    return Enrolment.objects.filter(Exists(visible))


def enrolment_get(*, user: User, pk: int) -> Enrolment:
    """One enrolment of a person the user may see (Enrolment.DoesNotExist otherwise)."""
    return (
        enrolments_visible_to(user=user)
        .select_related("programme", "site__organisation", "patient")
        .get(pk=pk)
    )


def enrolments_for_patient(*, user: User, patient_id: int) -> list[Enrolment]:
    return list(
        enrolments_visible_to(user=user)
        .filter(patient_id=patient_id)
        .select_related("programme", "site__organisation")
        .annotate(minutes=Sum("time__minutes"))
        .order_by("-identified_on", "-id")
    )


def moves_of(*, enrolment: Enrolment) -> list[Move]:
    return list(enrolment.moves.select_related("recorded_by").order_by("recorded_at", "id"))


def time_of(*, enrolment: Enrolment) -> list[TimeEntry]:
    return list(enrolment.time.select_related("recorded_by").order_by("-on", "-id"))


def queue(
    *,
    user: User,
    name: str,
    sort: str = "",
    programme: Programme | None = None,
    today: datetime.date | None = None,
) -> QuerySet[Enrolment]:
    """A coordinator's work queue, of people they may see in programmes they may see."""
    today = today or timezone.localdate()
    enrolments = enrolments_visible_to(user=user).filter(
        programme__in=programmes_visible_to(user=user)
    )
    if programme is not None:
        enrolments = enrolments.filter(programme=programme)
    if name == "never-offered":
        enrolments = enrolments.filter(stage=Stage.IDENTIFIED)
        default = "waiting"
    elif name == "awaiting-answer":
        enrolments = enrolments.filter(stage=Stage.OFFERED)
        default = "waiting"
    elif name == "actions-due":
        enrolments = enrolments.filter(
            next_action_due__lte=today + datetime.timedelta(days=7)
        ).exclude(stage__in=[Stage.ENDED, Stage.DECLINED])
        default = "due"
    else:
        raise ValueError(f"No work queue called {name}")
    ordering = QUEUE_SORTS.get(sort or default, QUEUE_SORTS[default])[0]
    return enrolments.select_related("programme", "site__organisation", "patient").order_by(
        *ordering
    )


def open_enrolment(*, user: User, programme: Programme, patient_id: int) -> Enrolment | None:
    return (
        enrolments_visible_to(user=user)
        .filter(programme=programme, patient_id=patient_id)
        .exclude(stage=Stage.ENDED)
        .first()
    )
