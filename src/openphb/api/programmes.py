"""/api/v1/programmes and /api/v1/returns: programmes, eligibility checks, uptake and the
national quarterly return. Uptake and returns are counts only."""

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.enrolment import reporting
from openphb.enrolment.jobs import screening_request
from openphb.programmes.models import Programme
from openphb.programmes.selectors import programme_get, programme_list, programmes_visible_to
from openphb.programmes.services import check_person
from openphb.registry.selectors import patient_search

router = Router(tags=["programmes"])
returns = Router(tags=["returns"])


def _require(request: HttpRequest, capability: Capability) -> None:
    if not request.user.can(capability):  # type: ignore[union-attr]
        raise HttpError(403, "Your role cannot do this.")


class SiteOut(Schema):
    id: int
    ods_code: str
    name: str
    go_live_on: datetime.date
    enrolment_target: int


class ProgrammeOut(Schema):
    id: int
    name: str
    kind: str
    is_pilot: bool
    legal_right: bool
    owner_ods_code: str
    ways_of_holding: list[str]
    sites: list[SiteOut]


def _programme_out(programme: Programme) -> ProgrammeOut:
    return ProgrammeOut(
        id=programme.pk,
        name=programme.name,
        kind=programme.kind,
        is_pilot=programme.is_pilot,
        legal_right=programme.legal_right,
        owner_ods_code=programme.owner.ods_code,
        ways_of_holding=list(programme.ways_of_holding),
        sites=[
            SiteOut(
                id=site.pk,
                ods_code=site.organisation.ods_code,
                name=site.organisation.name,
                go_live_on=site.go_live_on,
                enrolment_target=site.enrolment_target,
            )
            for site in programme.sites.select_related("organisation").order_by("go_live_on")
        ],
    )


def _programme(request: HttpRequest, programme_id: int) -> Programme:
    return programme_get(user=request.user, pk=programme_id)  # type: ignore[arg-type]


@router.get("", response=list[ProgrammeOut])
def list_programmes(request: HttpRequest) -> list[ProgrammeOut]:
    _require(request, Capability.VIEW_PROGRAMMES)
    return [_programme_out(p) for p in programme_list(user=request.user)]  # type: ignore[arg-type]


@router.get("/{programme_id}", response=ProgrammeOut)
def get_programme(request: HttpRequest, programme_id: int) -> ProgrammeOut:
    _require(request, Capability.VIEW_PROGRAMMES)
    return _programme_out(_programme(request, programme_id))


class Queued(Schema):
    status: str
    detail: str


@router.post("/{programme_id}/screenings", response={202: Queued})
def screen_programme(request: HttpRequest, programme_id: int) -> Status[Queued]:
    """Queue a screening of everyone the programme's sites cover (it runs in the background)."""
    _require(request, Capability.MANAGE_PROGRAMMES)
    programme = _programme(request, programme_id)
    screening_request(actor=Actor.from_request(request), programme=programme)
    return Status(
        202,
        Queued(status="queued", detail="Screening has been queued; see GET /programmes/{id}."),
    )


class EligibilityOut(Schema):
    nhs_number: str
    eligible: bool
    age: int
    condition_code: str
    reasons: list[str]
    explanation: str


@router.get("/{programme_id}/eligibility", response=EligibilityOut)
def check_eligibility(request: HttpRequest, programme_id: int, nhs_number: str) -> EligibilityOut:
    """Check one person (by NHS number) against the current rules now; nothing is recorded."""
    _require(request, Capability.VIEW_PATIENTS)
    programme = _programme(request, programme_id)
    patient = patient_search(user=request.user, query=nhs_number).first()  # type: ignore[arg-type]
    if patient is None:
        raise HttpError(404, "Nobody your organisations are responsible for has that NHS number.")
    try:
        outcome, text = check_person(programme=programme, patient=patient)
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None
    return EligibilityOut(
        nhs_number=patient.nhs_number,
        eligible=outcome.eligible,
        age=outcome.age,
        condition_code=outcome.condition_code,
        reasons=list(outcome.reasons),
        explanation=text,
    )


class SiteUptakeOut(Schema):
    site_id: int | None
    ods_code: str
    name: str
    go_live_on: datetime.date | None
    enrolment_target: int
    counts: dict[str, int]
    conversion: dict[str, float | None]
    declined_by_reason: dict[str, int]
    ended_by_reason: dict[str, int]
    median_days_identified_to_live: float | None
    told_indicative_budget_before_plan: int
    plans_agreed: int
    staff_minutes: int
    staff_minutes_by_activity: dict[str, int]
    staff_minutes_per_enrolled_person: float | None


class AlertOut(Schema):
    kind: str
    site_ods_code: str
    count: int
    message: str


class MonthOut(Schema):
    month: datetime.date
    offered: int
    accepted: int
    live: int


class UptakeOut(Schema):
    programme_id: int
    as_at: datetime.date
    screened_on: datetime.date | None
    sites: list[SiteUptakeOut]
    all_sites: SiteUptakeOut | None
    alerts: list[AlertOut]
    monthly: list[MonthOut]


def _site_out(row: reporting.SiteUptake, *, whole: bool = False) -> SiteUptakeOut:
    return SiteUptakeOut(
        site_id=None if whole else row.site.pk,
        ods_code="" if whole else row.site.organisation.ods_code,
        name="All sites" if whole else row.site.organisation.name,
        go_live_on=None if whole else row.site.go_live_on,
        enrolment_target=row.counts["target"],
        counts=row.counts,
        conversion={
            key: row.conversion(key, base) for key, _label, base in reporting.STEPS if base
        },
        declined_by_reason=dict(row.declined_by_reason),
        ended_by_reason=dict(row.ended_by_reason),
        median_days_identified_to_live=row.median_days_to_live,
        told_indicative_budget_before_plan=row.indicative_before_plan[0],
        plans_agreed=row.indicative_before_plan[1],
        staff_minutes=row.minutes,
        staff_minutes_by_activity=row.minutes_by_activity,
        staff_minutes_per_enrolled_person=row.minutes_per_enrolled,
    )


@router.get("/{programme_id}/uptake", response=UptakeOut)
def programme_uptake(request: HttpRequest, programme_id: int) -> UptakeOut:
    """The funnel by site: eligible, offered, accepted, declined by reason, live and ended, with
    conversion at each step, median days from identified to live, staff minutes, alerts and
    the monthly series. The same numbers as the uptake page and its CSV."""
    _require(request, Capability.VIEW_UPTAKE)
    programme = _programme(request, programme_id)
    today = timezone.localdate()
    uptake = reporting.uptake(programme=programme, today=today)
    return UptakeOut(
        programme_id=programme.pk,
        as_at=today,
        screened_on=uptake.screened_on,
        sites=[_site_out(row) for row in uptake.sites],
        all_sites=_site_out(uptake.total, whole=True) if uptake.total else None,
        alerts=[
            AlertOut(
                kind=a.kind,
                site_ods_code=a.site.organisation.ods_code,
                count=a.count,
                message=a.message,
            )
            for a in uptake.alerts
        ],
        monthly=[MonthOut(**month) for month in uptake.series],  # type: ignore[arg-type]
    )


class ReturnRow(Schema):
    financial_year: str
    quarter: str
    period_start: datetime.date
    period_end: datetime.date
    commissioner_ods_code: str
    commissioner_name: str
    age_group: str
    eligibility_group: str
    way_of_holding: str
    people_in_quarter: int
    people_year_to_date: int


@returns.get("/national", response=list[ReturnRow])
def national_return(request: HttpRequest, quarter: str) -> list[dict[str, object]]:
    """The national quarterly return (docs/national-return.md), for the programmes your
    organisations run. `quarter` is the financial year and quarter, like 2026-27 Q2."""
    _require(request, Capability.VIEW_UPTAKE)
    try:
        parsed = reporting.Quarter.parse(quarter)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    return reporting.national_return(
        quarter=parsed,
        programmes=programmes_visible_to(user=request.user),  # type: ignore[arg-type]
    )
