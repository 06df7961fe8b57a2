"""Programme and enrolment pages over HTTP: who may do what, and bad input kept and explained."""

import datetime

import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment, TimeEntry
from openphb.enrolment.services import enrolment_start
from openphb.programmes.models import Programme, RuleSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(icb):
    return factories.programme(owner=icb, go_live_on=datetime.date(2026, 2, 1), name="COPD pilot")


@pytest.fixture
def enrolment(programme, patient, coordinator):
    factories.condition(patient)
    return enrolment_start(actor=Actor(user=coordinator), programme=programme, patient=patient)


def test_a_commissioner_sets_up_a_programme(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:programme-add"),
        {
            "name": "Wheelchairs",
            "kind": "wheelchair",
            "owner": icb.ods_code,
            "ways_of_holding": ["notional", "third_party"],
            "legal_right": "on",
        },
    )
    programme = Programme.objects.get()
    assert response["Location"] == reverse("web:programme-detail", args=[programme.pk])
    assert programme.ways_of_holding == ["notional", "third_party"]


def test_a_programme_with_mistakes_keeps_what_was_typed(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:programme-add"),
        {"name": "Continuing care", "kind": "chc", "owner": icb.ods_code},
    )
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Choose at least one way people can hold their budget." in body
    assert 'value="Continuing care"' in body
    assert not Programme.objects.exists()


def test_a_coordinator_cannot_set_up_programmes(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("web:programme-add")).status_code == 403


def test_publishing_rules_with_a_bad_code_names_the_line(client, commissioner, programme):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:programme-rules", args=[programme.pk]),
        {"condition_codes": "13645005 COPD\n12345 Nonsense", "min_age": "18"},
    )
    body = response.content.decode()
    assert "Line 2:" in body
    assert "12345 Nonsense" in body
    assert RuleSet.objects.filter(programme=programme).count() == 1


def test_the_screen_button_runs_screening_in_the_background(
    client, commissioner, programme, patient, django_capture_on_commit_callbacks
):
    factories.condition(patient)
    client.force_login(commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:programme-screen", args=[programme.pk]))
    assert response["Location"].endswith("?screening=started")
    page = client.get(response["Location"]).content.decode()
    assert "Screening has started" in page
    assert Enrolment.objects.get().patient == patient


def test_checking_a_person_by_nhs_number_explains_the_decision(
    client, coordinator, programme, patient
):
    factories.condition(patient)
    client.force_login(coordinator)
    body = client.get(
        reverse("web:programme-check", args=[programme.pk]), {"nhs_number": patient.nhs_number}
    ).content.decode()
    assert "Eligible: COPD (SNOMED 13645005), age 76" in body
    assert "Start enrolment for Margaret" in body


def test_nobody_outside_the_users_organisations_can_be_checked(
    client, coordinator, programme, elsewhere_patient
):
    client.force_login(coordinator)
    body = client.get(
        reverse("web:programme-check", args=[programme.pk]),
        {"nhs_number": elsewhere_patient.nhs_number},
    ).content.decode()
    assert "Nobody your organisations are responsible for has that NHS number." in body


def test_recording_an_offer_moves_the_person(client, coordinator, enrolment):
    client.force_login(coordinator)
    today = datetime.date.today()
    url = reverse("web:enrolment-move", args=[enrolment.pk, "offered"])
    missing = client.post(
        url, {"on-day": today.day, "on-month": today.month, "on-year": today.year}
    )
    assert "Say how the offer was made." in missing.content.decode()
    client.post(
        url,
        {
            "on-day": today.day,
            "on-month": today.month,
            "on-year": today.year,
            "offer_method": "letter",
        },
    )
    enrolment.refresh_from_db()
    assert (enrolment.stage, enrolment.offer_method) == ("offered", "letter")


def test_a_move_the_table_does_not_allow_is_not_found(client, coordinator, enrolment):
    client.force_login(coordinator)
    url = reverse("web:enrolment-move", args=[enrolment.pk, "live"])
    assert client.get(url).status_code == 404


def test_time_is_logged_from_the_persons_page_in_one_post(client, coordinator, enrolment):
    client.force_login(coordinator)
    page = client.get(reverse("web:patient-detail", args=[enrolment.patient_id])).content.decode()
    assert "Log time" in page
    response = client.post(
        reverse("web:enrolment-time", args=[enrolment.pk]),
        {"activity": "outreach", "minutes": "20", "next": "patient"},
    )
    assert response["Location"] == reverse("web:patient-detail", args=[enrolment.patient_id])
    assert TimeEntry.objects.get().minutes == 20
    bad = client.post(
        reverse("web:enrolment-time", args=[enrolment.pk]), {"activity": "outreach", "minutes": "x"}
    )
    assert bad.status_code == 400
    assert "Enter the minutes as a whole number, like 20." in bad.content.decode()


def test_another_organisations_enrolment_is_not_found(client, coordinator, other_icb):
    theirs = factories.programme(owner=other_icb)
    person = factories.patient(commissioner=other_icb)
    factories.condition(person)
    other = enrolment_start(actor=Actor.system_job("test"), programme=theirs, patient=person)
    client.force_login(coordinator)
    assert client.get(reverse("web:enrolment-detail", args=[other.pk])).status_code == 404


def test_the_offer_letter_is_a_pdf_and_its_making_is_audited(client, coordinator, enrolment):
    client.force_login(coordinator)
    response = client.get(reverse("web:enrolment-offer-letter", args=[enrolment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="enrolment.offer_letter_made").exists()


def test_the_work_queue_lists_people_never_offered(client, coordinator, enrolment):
    client.force_login(coordinator)
    body = client.get(reverse("web:work-queues"), {"sort": "name"}).content.decode()
    assert "OKAFOR, Margaret" in body
    assert "1 person." in body


def test_uptake_shows_the_stalled_site_and_is_refused_to_coordinators(
    client, commissioner, coordinator, programme, enrolment
):
    client.force_login(coordinator)
    assert client.get(reverse("web:programme-uptake", args=[programme.pk])).status_code == 403
    client.force_login(commissioner)
    body = client.get(reverse("web:programme-uptake", args=[programme.pk])).content.decode()
    assert "has been live since 1 February 2026" in body
    assert "nobody has a budget yet" in body
    csv = client.get(reverse("web:programme-uptake-csv", args=[programme.pk])).content.decode()
    header, row = csv.strip().splitlines()
    assert header.startswith("site_ods_code,site_name,go_live_on")
    assert row.startswith("QMF,")


def test_the_national_return_downloads_as_csv(client, analyst, programme):
    client.force_login(analyst)
    page = client.get(reverse("web:national-return"), {"quarter": "2026-27 Q1"})
    assert "Nobody had a budget live in 2026-27 Q1" in page.content.decode()
    bad = client.get(reverse("web:national-return"), {"quarter": "next year"})
    assert "Write the quarter as 2026-27 Q2" in bad.content.decode()
