"""Uploading a CSV of patients; the import runs in the background."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.registry.jobs import patient_import_submit
from openphb.registry.models import PatientImportJob
from openphb.registry.selectors import import_jobs_for

from ..forms import ImportForm, apply_service_errors
from .common import requires, signed_in


@requires(Capability.IMPORT_PATIENTS)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text: save it as 'CSV UTF-8'.")
        else:
            try:
                job = patient_import_submit(
                    actor=Actor.from_request(request),
                    user=signed_in(request),
                    file_name=upload.name,
                    content=content,
                    skip_invalid=form.cleaned_data["skip_invalid"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect("web:import-job", pk=job.pk)
    jobs = import_jobs_for(user=signed_in(request))[:10]
    return render(request, "imports/upload.html", {"form": form, "jobs": jobs})


def _job(request: HttpRequest, pk: int) -> PatientImportJob:
    try:
        return import_jobs_for(user=signed_in(request)).get(pk=pk)
    except PatientImportJob.DoesNotExist:
        raise Http404("No such import") from None


@requires(Capability.IMPORT_PATIENTS)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    rejected = (job.report or {}).get("rejected", [])
    return render(
        request,
        "imports/job.html",
        {"job": job, "rejected": rejected[:100], "rejected_count": len(rejected)},
    )


@requires(Capability.IMPORT_PATIENTS)
def import_rejects(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not job.rejects_csv:
        raise Http404("No rejected rows")
    response = HttpResponse(job.rejects_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejects.csv"'
    return response
