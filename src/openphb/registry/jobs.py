"""Patient imports uploaded through the pages, run in the background by django-tasks."""

import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.audit.services import Actor, audit_record
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation

from .importing import patients_import, rejects_csv
from .models import PatientImportJob
from .selectors import visible_patient_ids


@transaction.atomic
def patient_import_submit(
    *, actor: Actor, user: User, file_name: str, content: str, skip_invalid: bool
) -> PatientImportJob:
    if not user.can(Capability.IMPORT_PATIENTS):
        raise ValidationError("Your role cannot import patients.")
    if not content.strip():
        raise ValidationError({"file": "The selected file is empty."})
    job = PatientImportJob.objects.create(
        file_name=file_name[:255], content=content, skip_invalid=skip_invalid, created_by=user
    )
    audit_record(
        actor=actor, action="patient_import.submitted", target=job, summary=f"Uploaded {file_name}"
    )
    transaction.on_commit(lambda: run_patient_import.enqueue(job.pk))
    return job


def patient_import_run(*, job_id: int) -> PatientImportJob:
    """Run one uploaded import as the person who uploaded it, with their scope."""
    with transaction.atomic():
        job = PatientImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != PatientImportJob.Status.QUEUED:
            return job
        job.status = PatientImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    user = job.created_by
    allowed = set(
        Organisation.objects.filter(
            pk__in=user_organisation_ids(user=user), kind__in=COMMISSIONER_KINDS
        ).values_list("pk", flat=True)
    )
    try:
        report = patients_import(
            actor=Actor.system_job("import-patients", user=user),
            lines=io.StringIO(job.content, newline=""),
            skip_invalid=job.skip_invalid,
            allowed_commissioner_ids=allowed,
            visible_patient_ids=lambda ids: visible_patient_ids(user=user, ids=ids),
        )
    except Exception as exc:
        job.status = PatientImportJob.Status.FAILED
        job.summary = f"The import stopped with an error and imported nothing: {exc}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "summary", "finished_at"])
        raise
    job.status = PatientImportJob.Status.DONE
    job.summary = report.summary()
    job.report = report.as_dict()
    job.rejects_csv = rejects_csv(report) if report.rejected else ""
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "summary", "report", "rejects_csv", "finished_at"])
    return job


@task()
def run_patient_import(job_id: int) -> None:
    patient_import_run(job_id=job_id)
