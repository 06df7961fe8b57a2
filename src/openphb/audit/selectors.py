"""Reading the audit log."""

from django.db.models import QuerySet

from .models import AuditEvent


def audit_events_for_patient(*, patient_id: int) -> QuerySet[AuditEvent]:
    """Everything that looked at or changed one patient's record, newest first."""
    return AuditEvent.objects.filter(patient_id=patient_id).order_by("-at", "-id")
