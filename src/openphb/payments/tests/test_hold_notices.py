"""A notice letter of a suspension or stop is written down in the person's record."""

import pytest

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.payments import services

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_making_a_notice_is_recorded_with_whom_it_is_addressed_to(setup, finance, person):
    hold = services.hold_start(
        actor=Actor(user=finance), setup=setup, kind="stop", reason="fraud", starts_on=TODAY
    )
    services.hold_notice_recorded(actor=Actor(user=finance), hold=hold, addressee="Sam Adeyemi")
    event = AuditEvent.objects.get(action="direct_payment.notice_made")
    assert event.patient_id == person.pk
    assert event.object_id == str(hold.pk)
    assert event.actor_id == finance.pk
    assert event.summary == (
        f"Made the notice letter (direct payment stopped from {TODAY:%-d %b %Y}), "
        "addressed to Sam Adeyemi"
    )
