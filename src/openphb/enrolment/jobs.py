"""Screening started from the programme page runs in the background (a million people take
tens of seconds), as the person who pressed the button."""

from django.db import transaction
from django_tasks import task

from openphb.accounts.models import User
from openphb.audit.services import Actor, audit_record
from openphb.programmes.models import Programme
from openphb.programmes.services import ensure_ready_to_screen

from .services import screen_and_identify


@transaction.atomic
def screening_request(*, actor: Actor, programme: Programme) -> None:
    """Check the programme can be screened now, then queue the run."""
    ensure_ready_to_screen(programme)
    audit_record(
        actor=actor,
        action="programme.screening_requested",
        target=programme,
        summary="Asked for screening",
    )
    user_id = actor.user_id
    transaction.on_commit(lambda: run_screening.enqueue(programme.pk, user_id))


@task()
def run_screening(programme_id: int, user_id: int | None) -> None:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    screen_and_identify(
        actor=Actor.system_job("screen", user=user),
        programme=Programme.objects.get(pk=programme_id),
    )
