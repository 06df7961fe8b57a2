import pytest
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor, audit_record
from openphb.core.db import purge_permit

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return audit_record(
        actor=Actor.system_job("test"), action="thing.done", target=factories.organisation()
    )


def test_the_database_refuses_to_change_an_audit_event(event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="thing.undone")
    event.refresh_from_db()
    assert event.action == "thing.done"


def test_the_database_refuses_to_delete_an_audit_event(event):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_only_a_purge_permit_lets_rows_be_deleted(event):
    with purge_permit("retention test"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_permit_ends_with_its_block(event):
    with purge_permit("retention test"):
        pass
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_an_event_names_a_system_job_and_the_person_it_acts_for():
    coordinator = factories.user(username="grace")
    event = audit_record(
        actor=Actor.system_job("import-patients", user=coordinator),
        action="patient_import.submitted",
        target=factories.organisation(),
    )
    assert event.actor_label == "system:import-patients for grace"
    assert event.actor_id == coordinator.pk
