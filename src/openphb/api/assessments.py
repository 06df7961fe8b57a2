"""/api/v1/assessments: needs assessments, the indicative budget each gives (pence, with its
explanation line by line) and telling the person it. Staff see the assessments of the people
they may see; a budget holder sees their own."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.enrolment.selectors import enrolment_get
from openphb.planning.assessing import assessment_record, indicative_share
from openphb.planning.models import Assessment, SharedHow
from openphb.planning.selectors import (
    assessment_get,
    assessment_open,
    assessments_visible_to,
    level_rows,
)

from .planning import PLAN_READERS, api_fields, named_in_body, require

router = Router(tags=["assessments"])


class AssessmentSummaryOut(Schema):
    id: int
    patient_id: int
    programme_id: int
    assessed_on: datetime.date
    points: int
    indicative_amount: int = Field(..., description="Pence a year")
    shared_on: datetime.date | None


class LevelOut(Schema):
    domain: str
    level: str
    points: int


class SharedOut(Schema):
    on: datetime.date
    how: str
    how_label: str


class AssessmentOut(AssessmentSummaryOut):
    enrolment_id: int | None
    scheme_id: int
    scheme_version: int
    levels: dict[str, str] = Field(..., description="Domain code: level code")
    level_rows: list[LevelOut] = Field(..., description="Each domain's level and its points")
    facts: list[str] = Field(..., description="What the scheme's adjustments looked at")
    notes: str
    explanation: list[str] = Field(..., description="How the amount was worked out, in words")
    assessed_by: str
    shared: SharedOut | None


def _out(assessment: Assessment) -> AssessmentOut:
    shared = None
    if assessment.shared_on is not None:
        shared = SharedOut(
            on=assessment.shared_on,
            how=assessment.shared_how,
            how_label=assessment.get_shared_how_display(),
        )
    return AssessmentOut(
        id=assessment.pk,
        patient_id=assessment.patient_id,
        programme_id=assessment.programme_id,
        assessed_on=assessment.assessed_on,
        points=assessment.points,
        indicative_amount=assessment.indicative_amount,
        shared_on=assessment.shared_on,
        enrolment_id=assessment.enrolment_id,
        scheme_id=assessment.scheme_id,
        scheme_version=assessment.scheme.version,
        levels=assessment.levels,
        level_rows=[
            LevelOut(domain=domain, level=level, points=points)
            for domain, level, points in level_rows(assessment=assessment)
        ],
        facts=assessment.facts,
        notes=assessment.notes,
        explanation=assessment.explanation,
        assessed_by=assessment.assessed_by_label,
        shared=shared,
    )


class AssessmentIn(Schema):
    enrolment_id: int
    levels: dict[str, str] = Field(
        ..., description="A level for every domain of the programme's scheme: domain: level code"
    )
    notes: str = ""
    assessed_on: datetime.date | None = Field(None, description="Empty: today")


class ShareIn(Schema):
    how: SharedHow
    on: datetime.date | None = Field(None, description="Empty: today")


@router.get("", response=list[AssessmentSummaryOut])
@paginate(PageNumberPagination, page_size=50)
def list_assessments(request: HttpRequest, patient_id: int | None = None):
    """The assessments you may see, newest first; `patient_id` keeps one person's."""
    found = assessments_visible_to(user=require(request, *PLAN_READERS))
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    return found.order_by("-assessed_on", "-id")


@router.get("/{assessment_id}", response=AssessmentOut)
def get_assessment(request: HttpRequest, assessment_id: int) -> AssessmentOut:
    """One assessment: each domain's level and points, the indicative budget and how it was
    worked out, and whether the person has been told it."""
    user = require(request, *PLAN_READERS)
    return _out(assessment_open(actor=Actor.from_request(request), user=user, pk=assessment_id))


@router.post("", response={201: AssessmentOut})
def record_assessment(request: HttpRequest, payload: AssessmentIn) -> Status[AssessmentOut]:
    """Record a person's needs under their programme's current scheme; the indicative budget
    is worked out and explained. A person who had accepted moves on to 'needs assessed'."""
    user = require(request, Capability.PLAN_CARE)
    with named_in_body("enrolment_id", "an enrolment", payload.enrolment_id):
        enrolment = enrolment_get(user=user, pk=payload.enrolment_id)
    with api_fields({"on": "assessed_on"}):
        assessment = assessment_record(
            actor=Actor.from_request(request),
            enrolment=enrolment,
            levels=payload.levels,
            notes=payload.notes,
            on=payload.assessed_on,
        )
    return Status(201, _out(assessment_get(user=user, pk=assessment.pk)))


@router.post("/{assessment_id}/share", response=AssessmentOut)
def share_indicative_budget(
    request: HttpRequest, assessment_id: int, payload: ShareIn
) -> AssessmentOut:
    """Record that the person was told their indicative budget (before planning); the
    enrolment moves on to 'indicative budget shared'."""
    user = require(request, Capability.PLAN_CARE)
    assessment = indicative_share(
        actor=Actor.from_request(request),
        assessment=assessment_get(user=user, pk=assessment_id),
        how=payload.how,
        on=payload.on,
    )
    return _out(assessment_get(user=user, pk=assessment.pk))
