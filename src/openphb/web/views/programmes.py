"""Programme pages: set up, sites, rules, screening, a person's check, uptake and the return."""

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.enrolment import reporting
from openphb.enrolment.jobs import screening_request
from openphb.enrolment.selectors import open_enrolment
from openphb.programmes import services
from openphb.programmes.models import Programme
from openphb.programmes.selectors import (
    current_rules,
    latest_run,
    programme_get,
    programme_list,
    programmes_visible_to,
    runs_of,
)
from openphb.registry.models import Patient
from openphb.registry.selectors import patient_get, patient_search

from .. import charts
from ..forms import CheckForm, ProgrammeForm, QuarterForm, RulesForm, SiteForm
from .common import requires, signed_in, submit


def _programme(request: HttpRequest, pk: int) -> Programme:
    try:
        return programme_get(user=signed_in(request), pk=pk)
    except Programme.DoesNotExist:
        raise Http404("No such programme") from None


@requires(Capability.VIEW_PROGRAMMES)
def programme_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programmes/list.html",
        {"programmes": programme_list(user=signed_in(request))},
    )


@requires(Capability.MANAGE_PROGRAMMES)
def programme_add(request: HttpRequest) -> HttpResponse:
    owners = user_commissioners(user_id=signed_in(request).pk)
    form = ProgrammeForm(request.POST or None, owners=owners)
    programme = submit(
        form,
        lambda data: services.programme_create(actor=Actor.from_request(request), **data),
    )
    if programme is not None:
        return redirect("web:programme-detail", pk=programme.pk)
    return render(request, "programmes/form.html", {"form": form})


@requires(Capability.VIEW_PROGRAMMES)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    rule_set = current_rules(programme=programme)
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "rule_set": rule_set,
            "rule_versions": programme.rule_sets.order_by("-version"),
            "runs": runs_of(programme=programme)[:10],
            "sites": list(programme.sites.all()),
            "check_form": CheckForm(),
            "screening_started": request.GET.get("screening") == "started",
            "can_manage": signed_in(request).can(Capability.MANAGE_PROGRAMMES),
        },
    )


@requires(Capability.MANAGE_PROGRAMMES)
def site_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = SiteForm(request.POST or None)
    site = submit(
        form,
        lambda data: services.site_add(
            actor=Actor.from_request(request), programme=programme, **data
        ),
    )
    if site is not None:
        return redirect("web:programme-detail", pk=programme.pk)
    return render(
        request,
        "programmes/related_form.html",
        {"form": form, "programme": programme, "title": "Add a site"},
    )


@requires(Capability.MANAGE_PROGRAMMES)
def rules_publish(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    current = current_rules(programme=programme)
    initial = {}
    if current is not None:
        initial = {
            "condition_codes": "\n".join(
                f"{code} {name}" for code, name in current.condition_codes
            ),
            "min_age": current.min_age,
            "max_age": current.max_age,
            "settings": current.settings,
            "exclusions": current.exclusions,
        }
    form = RulesForm(request.POST or None, initial=initial)

    def publish(data: dict[str, Any]) -> object:
        codes = services.parse_code_lines(data.pop("condition_codes") or "")
        return services.rules_publish(
            actor=Actor.from_request(request), programme=programme, condition_codes=codes, **data
        )

    if submit(form, publish) is not None:
        return redirect("web:programme-detail", pk=programme.pk)
    return render(
        request,
        "programmes/rules_form.html",
        {"form": form, "programme": programme, "current": current},
    )


@require_POST
@requires(Capability.MANAGE_PROGRAMMES)
def programme_screen(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    try:
        screening_request(actor=Actor.from_request(request), programme=programme)
    except ValidationError as error:
        return render(
            request,
            "programmes/cannot_screen.html",
            {"programme": programme, "problems": error.messages},
            status=400,
        )
    return redirect(reverse("web:programme-detail", args=[programme.pk]) + "?screening=started")


@requires(Capability.VIEW_PATIENTS)
def programme_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check one person against the current rules: by NHS number, or from their record."""
    programme = _programme(request, pk)
    user = signed_in(request)
    form = CheckForm(request.GET or None)
    patient: Patient | None = None
    if request.GET.get("patient", "").isdigit():
        try:
            patient = patient_get(user=user, pk=int(request.GET["patient"]))
        except Patient.DoesNotExist:
            raise Http404("No such patient") from None
    elif form.is_valid():
        patient = patient_search(user=user, query=form.cleaned_data["nhs_number"]).first()
        if patient is None:
            form.add_error(
                "nhs_number",
                "Nobody your organisations are responsible for has that NHS number.",
            )
    result = None
    if patient is not None:
        try:
            result = services.check_person(programme=programme, patient=patient)
        except ValidationError as error:
            form.add_error(None, error.messages)
    return render(
        request,
        "programmes/check.html",
        {
            "programme": programme,
            "form": form,
            "patient": patient,
            "outcome": result[0] if result else None,
            "explanation": result[1] if result else "",
            "open_enrolment": open_enrolment(user=user, programme=programme, patient_id=patient.pk)
            if patient
            else None,
            "can_enrol": user.can(Capability.ENROL),
        },
    )


@requires(Capability.VIEW_UPTAKE)
def programme_uptake(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    today = timezone.localdate()
    uptake = reporting.uptake(programme=programme, today=today)
    return render(
        request,
        "programmes/uptake.html",
        {
            "programme": programme,
            "uptake": uptake,
            "steps": reporting.STEPS,
            "activities": reporting.ACTIVITY_LABELS,
            "funnel_chart": charts.funnel(uptake),
            "series_chart": charts.monthly(uptake.series),
            "latest_run": latest_run(programme=programme),
            "today": today,
        },
    )


UPTAKE_CSV_COLUMNS = (
    "site_ods_code",
    "site_name",
    "go_live_on",
    "enrolment_target",
    "eligible",
    "identified",
    "offered",
    "accepted",
    "declined",
    "assessed",
    "indicative_budget_shared",
    "plan_agreed",
    "live_ever",
    "live_now",
    "ended",
    "never_offered",
    "offers_unanswered_30_days",
    "median_days_identified_to_live",
    "told_indicative_budget_before_plan",
    "staff_minutes",
    "staff_minutes_per_enrolled_person",
)


@requires(Capability.VIEW_UPTAKE)
def programme_uptake_csv(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    uptake = reporting.uptake(programme=programme, today=timezone.localdate())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(UPTAKE_CSV_COLUMNS)
    for row in uptake.sites:
        c = row.counts
        per_person = row.minutes_per_enrolled
        writer.writerow(
            [
                row.site.organisation.ods_code,
                row.site.organisation.name,
                row.site.go_live_on.isoformat(),
                row.site.enrolment_target,
                c["eligible"],
                c["identified"],
                c["offered"],
                c["accepted"],
                c["declined"],
                c["assessed"],
                c["indicative"],
                c["plan_agreed"],
                c["live"],
                c["live_now"],
                c["ended"],
                c["never_offered"],
                c["unanswered"],
                "" if row.median_days_to_live is None else f"{row.median_days_to_live:g}",
                c["told_first"],
                row.minutes,
                "" if per_person is None else f"{per_person:.1f}",
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="uptake-programme-{programme.pk}.csv"'
    return response


@requires(Capability.VIEW_UPTAKE)
def national_return(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    default = str(reporting.Quarter.containing(today).previous())
    form = QuarterForm(request.GET or {"quarter": default})
    rows: list[dict[str, object]] = []
    quarter = None
    if form.is_valid():
        try:
            quarter = reporting.Quarter.parse(form.cleaned_data["quarter"])
        except ValueError as exc:
            form.add_error("quarter", str(exc))
    if quarter is not None:
        rows = reporting.national_return(
            quarter=quarter, programmes=programmes_visible_to(user=signed_in(request))
        )
    if quarter is not None and request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=reporting.RETURN_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"phb-return-{quarter.financial_year}-q{quarter.number}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "programmes/national_return.html",
        {
            "form": form,
            "quarter": quarter,
            "rows": rows,
        },
    )
