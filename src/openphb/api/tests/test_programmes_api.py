import datetime

import pytest
from tests import factories

from openphb.accounts.services import api_token_create
from openphb.audit.services import Actor
from openphb.enrolment.services import enrolment_start
from openphb.programmes.models import ScreeningRun

pytestmark = pytest.mark.django_db


def bearer(user):
    _, token = api_token_create(actor=Actor.system_job("test"), user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def programme(icb):
    return factories.programme(owner=icb, go_live_on=datetime.date(2026, 2, 1), name="COPD pilot")


def test_programmes_are_listed_with_their_sites(client, commissioner, programme, other_icb):
    factories.programme(owner=other_icb, name="Not ours")
    body = client.get("/api/v1/programmes", **bearer(commissioner)).json()
    assert [p["name"] for p in body] == ["COPD pilot"]
    assert body[0]["sites"][0]["go_live_on"] == "2026-02-01"


def test_another_organisations_programme_is_a_404(client, commissioner, other_icb):
    theirs = factories.programme(owner=other_icb)
    assert client.get(f"/api/v1/programmes/{theirs.pk}", **bearer(commissioner)).status_code == 404


def test_a_commissioner_queues_a_screening_and_a_coordinator_cannot(
    client, commissioner, coordinator, programme, patient, django_capture_on_commit_callbacks
):
    factories.condition(patient)
    refused = client.post(f"/api/v1/programmes/{programme.pk}/screenings", **bearer(coordinator))
    assert refused.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(
            f"/api/v1/programmes/{programme.pk}/screenings", **bearer(commissioner)
        )
    assert queued.status_code == 202
    run = ScreeningRun.objects.get()  # the test task backend runs it at once
    assert (run.screened, run.eligible) == (1, 1)


def test_one_persons_eligibility_is_explained(client, coordinator, programme, patient):
    factories.condition(patient)
    response = client.get(
        f"/api/v1/programmes/{programme.pk}/eligibility",
        {"nhs_number": patient.nhs_number},
        **bearer(coordinator),
    )
    body = response.json()
    assert body["eligible"] is True
    assert body["explanation"].startswith("Eligible: COPD (SNOMED 13645005), age 76")
    missing = client.get(
        f"/api/v1/programmes/{programme.pk}/eligibility",
        {"nhs_number": "9434765919"},
        **bearer(coordinator),
    )
    assert missing.status_code == 404


def test_uptake_is_counts_for_analysts_and_refused_to_coordinators(
    client, analyst, coordinator, programme, patient
):
    factories.condition(patient)
    enrolment_start(actor=Actor(user=coordinator), programme=programme, patient=patient)
    assert (
        client.get(f"/api/v1/programmes/{programme.pk}/uptake", **bearer(coordinator)).status_code
        == 403
    )
    body = client.get(f"/api/v1/programmes/{programme.pk}/uptake", **bearer(analyst)).json()
    (site,) = body["sites"]
    assert site["counts"]["identified"] == 1
    assert site["counts"]["live"] == 0
    assert {alert["kind"] for alert in body["alerts"]} >= {"never_offered"}
    assert len(body["monthly"]) == 24
    assert "nhs_number" not in str(body)


def test_the_national_return_checks_the_quarter(client, analyst, programme):
    bad = client.get("/api/v1/returns/national", {"quarter": "Q9"}, **bearer(analyst))
    assert bad.status_code == 422
    assert "2026-27 Q2" in bad.json()["detail"]
    good = client.get("/api/v1/returns/national", {"quarter": "2026-27 Q1"}, **bearer(analyst))
    assert good.status_code == 200
    assert good.json() == []
