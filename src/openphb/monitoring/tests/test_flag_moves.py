"""Resolving, dismissing and reopening a flag: a note every time, only by someone who acts for
the budget's commissioner, each a FlagEvent that is never changed afterwards."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import Flag, FlagEvent, Status
from openphb.monitoring.services import flag_dismiss, flag_reopen, flag_resolve, flags_check

from .world import SYSTEM, TODAY, line

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(budget):
    line(budget, amount=2_500, booked_on=TODAY - datetime.timedelta(days=3), mcc="7995")
    flags_check(actor=SYSTEM, on=TODAY)
    return Flag.objects.get()


def test_a_coordinator_resolves_a_flag_with_a_note_and_it_is_recorded(flag, coordinator):
    flag_resolve(actor=Actor(user=coordinator), flag=flag, note="Repaid by Sam on the phone.")
    flag.refresh_from_db()
    assert flag.status == Status.RESOLVED
    (event,) = flag.events.all()
    assert (event.from_status, event.to_status) == (Status.OPEN, Status.RESOLVED)
    assert event.note == "Repaid by Sam on the phone."
    assert event.by == coordinator
    audit = AuditEvent.objects.get(action="flag.resolved")
    assert audit.patient_id == flag.budget.patient_id
    assert "Repaid by Sam" in audit.summary


def test_a_note_is_required(flag, coordinator):
    with pytest.raises(ValidationError) as refused:
        flag_dismiss(actor=Actor(user=coordinator), flag=flag, note="   ")
    assert refused.value.message_dict == {"note": ["Write a note saying why, for the record."]}
    assert not FlagEvent.objects.exists()


def test_a_finance_officer_dismisses_and_reopens_a_flag(flag, finance):
    actor = Actor(user=finance)
    flag_dismiss(actor=actor, flag=flag, note="The card was used by mistake and refunded.")
    flag_reopen(actor=actor, flag=flag, note="The refund never arrived.")
    flag.refresh_from_db()
    assert flag.status == Status.OPEN
    assert [(e.from_status, e.to_status) for e in flag.events.all()] == [
        (Status.OPEN, Status.DISMISSED),
        (Status.DISMISSED, Status.OPEN),
    ]
    assert AuditEvent.objects.filter(action__in=["flag.dismissed", "flag.reopened"]).count() == 2


def test_a_flag_that_is_not_open_cannot_be_resolved_or_dismissed(flag, coordinator):
    actor = Actor(user=coordinator)
    flag_resolve(actor=actor, flag=flag, note="Sorted.")
    with pytest.raises(
        ValidationError, match="Only an open flag can be dismissed; this one is resolved"
    ):
        flag_dismiss(actor=actor, flag=flag, note="Again.")
    with pytest.raises(ValidationError, match="Only an open flag can be resolved"):
        flag_resolve(actor=actor, flag=flag, note="Again.")


def test_an_open_flag_cannot_be_reopened(flag, coordinator):
    with pytest.raises(ValidationError, match="This flag is open already"):
        flag_reopen(actor=Actor(user=coordinator), flag=flag, note="Why not.")


def test_someone_at_another_organisation_cannot_resolve_it(flag, outsider):
    with pytest.raises(ValidationError, match="You do not work for NHS North East London ICB"):
        flag_resolve(actor=Actor(user=outsider), flag=flag, note="Not mine.")
    flag.refresh_from_db()
    assert flag.status == Status.OPEN


def test_what_happened_to_a_flag_is_never_changed_or_deleted(flag, coordinator):
    flag_resolve(actor=Actor(user=coordinator), flag=flag, note="Sorted.")
    event = FlagEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        FlagEvent.objects.filter(pk=event.pk).update(note="Something else")
    with pytest.raises(DatabaseError), transaction.atomic():
        FlagEvent.objects.filter(pk=event.pk).delete()
