"""Which assessment's indicative budget may be shared: the one a plan would start from."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openphb.audit.services import Actor
from openphb.planning import assessing
from openphb.planning.selectors import latest_assessment

from .conftest import levels

pytestmark = pytest.mark.django_db


def test_a_backdated_assessment_recorded_later_does_not_replace_the_latest_one(
    enrolment, coordinator
):
    actor = Actor(user=coordinator)
    today = timezone.localdate()
    current = assessing.assessment_record(
        actor=actor, enrolment=enrolment, levels=levels(mobility="high"), on=today
    )
    backdated = assessing.assessment_record(
        actor=actor,
        enrolment=enrolment,
        levels=levels(mobility="low"),
        on=today - datetime.timedelta(days=10),
    )
    assert latest_assessment(patient_id=enrolment.patient_id, programme=enrolment.programme) == (
        current
    )

    with pytest.raises(ValidationError, match="A newer assessment replaces this one"):
        assessing.indicative_share(actor=actor, assessment=backdated, how="phone")
    shared = assessing.indicative_share(actor=actor, assessment=current, how="phone")

    assert shared.shared_on == today
    enrolment.refresh_from_db()
    assert enrolment.stage == "indicative"
