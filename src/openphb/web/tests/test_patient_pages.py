import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.registry.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


def test_it_sends_a_stranger_to_sign_in(client):
    response = client.get(reverse("web:patient-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:sign-in"))


def test_a_coordinator_signs_in_with_username_and_password(client, coordinator):
    response = client.post(
        reverse("web:sign-in"), {"username": "coordinator", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_a_wrong_password_shows_the_error_summary(client, coordinator):
    response = client.post(reverse("web:sign-in"), {"username": "coordinator", "password": "nope"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Enter a correct username and password" in response.content.decode()


def test_the_home_page_counts_the_people_in_scope(signed_in, patient, elsewhere_patient):
    body = signed_in.get(reverse("web:home")).content.decode()
    assert "responsible for 1 people" in body or "responsible for 1 " in body


def test_a_coordinator_finds_a_patient_by_nhs_number(signed_in, patient, elsewhere_patient):
    spaced = patient.nhs_number_display
    body = signed_in.get(reverse("web:patient-list"), {"q": spaced}).content.decode()
    assert "OKAFOR" in body
    assert "1 person" in body


def test_the_search_never_shows_another_organisations_patient(signed_in, elsewhere_patient):
    body = signed_in.get(
        reverse("web:patient-list"), {"q": elsewhere_patient.nhs_number}
    ).content.decode()
    assert "No patients found" in body


def test_opening_a_record_shows_it_and_logs_the_read(signed_in, patient, coordinator):
    response = signed_in.get(reverse("web:patient-detail", args=[patient.pk]))
    assert response.status_code == 200
    assert "Margaret Okafor" in response.content.decode()
    event = AuditEvent.objects.get(action="patient.viewed")
    assert event.patient_id == patient.pk
    assert event.actor_id == coordinator.pk
    assert event.ip_address == "127.0.0.1"


def test_another_organisations_patient_is_a_404(signed_in, elsewhere_patient):
    response = signed_in.get(reverse("web:patient-detail", args=[elsewhere_patient.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="patient.viewed").exists()


def test_adding_a_patient_with_a_wrong_nhs_number_shows_the_error_summary(signed_in, icb):
    response = signed_in.post(
        reverse("web:patient-add"),
        {
            "nhs_number": "943 476 5918",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth-day": "10",
            "date_of_birth-month": "12",
            "date_of_birth-year": "1950",
            "sex": "F",
            "ethnic_category": "A",
            "postcode": "rm1 3ab",
            "commissioner": icb.ods_code,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'href="#nhs_number"' in body
    assert "check digit" in body
    assert not Patient.objects.filter(family_name="Lovelace").exists()


def test_adding_a_patient_saves_and_makes_our_commissioner_responsible(signed_in, icb):
    response = signed_in.post(
        reverse("web:patient-add"),
        {
            "nhs_number": "943 476 5919",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth-day": "10",
            "date_of_birth-month": "12",
            "date_of_birth-year": "1950",
            "sex": "F",
            "ethnic_category": "A",
            "postcode": "rm1 3ab",
            "commissioner": icb.ods_code,
        },
    )
    patient = Patient.objects.get(nhs_number="9434765919")
    assert response["Location"] == reverse("web:patient-detail", args=[patient.pk])
    assert patient.postcode == "RM1 3AB"
    assert patient.assignments.get().organisation == icb


def test_a_date_with_a_missing_year_is_explained(signed_in, icb):
    body = signed_in.post(
        reverse("web:patient-add"),
        {
            "nhs_number": "9434765919",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth-day": "10",
            "date_of_birth-month": "12",
            "sex": "F",
            "ethnic_category": "A",
            "commissioner": icb.ods_code,
        },
    ).content.decode()
    assert "Date of birth must include a year" in body
    assert 'href="#date_of_birth-day"' in body


def test_editing_a_postcode_changes_it_and_records_who(signed_in, patient):
    url = reverse("web:patient-edit", args=[patient.pk])
    form = signed_in.get(url)
    assert form.status_code == 200
    data = {
        "nhs_number": patient.nhs_number,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth-day": "15",
        "date_of_birth-month": "6",
        "date_of_birth-year": "1950",
        "sex": "F",
        "ethnic_category": "A",
        "postcode": "ng7 2uh",
    }
    response = signed_in.post(url, data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.postcode == "NG7 2UH"
    change = AuditEvent.objects.get(action="patient.updated")
    assert change.changes == {"postcode": ["RM1 3AB", "NG7 2UH"]}


def test_the_access_history_lists_who_looked(signed_in, patient):
    signed_in.get(reverse("web:patient-detail", args=[patient.pk]))
    body = signed_in.get(reverse("web:patient-access", args=[patient.pk])).content.decode()
    assert "Opened the record" in body
    assert "coordinator" in body


def test_an_analyst_cannot_list_patients(client, analyst, patient):
    client.force_login(analyst)
    assert client.get(reverse("web:patient-list")).status_code == 403
    assert client.get(reverse("web:patient-detail", args=[patient.pk])).status_code == 404


def test_a_budget_holder_sees_only_their_own_record(client, patient, elsewhere_patient):
    holder = factories.user(role="budget_holder")
    Patient.objects.filter(pk=patient.pk).update(account=holder)
    client.force_login(holder)
    assert client.get(reverse("web:patient-detail", args=[patient.pk])).status_code == 200
    assert client.get(reverse("web:patient-detail", args=[elsewhere_patient.pk])).status_code == 404
    assert client.get(reverse("web:patient-list")).status_code == 403


def test_adding_a_condition_checks_the_snomed_code(signed_in, patient):
    url = reverse("web:patient-add-related", args=[patient.pk, "condition"])
    bad = signed_in.post(url, {"snomed_code": "13645006", "display": "COPD"})
    assert "check digit" in bad.content.decode()
    good = signed_in.post(url, {"snomed_code": "13645005", "display": "COPD"})
    assert good.status_code == 302
    assert patient.conditions.get().snomed_code == "13645005"


def test_moving_responsibility_keeps_the_history(signed_in, patient, icb, other_icb):
    url = reverse("web:patient-commissioner", args=[patient.pk])
    assert signed_in.get(url).status_code == 200
    refused = signed_in.post(
        url,
        {
            "commissioner": other_icb.ods_code,
            "starts_on-day": "1",
            "starts_on-month": "1",
            "starts_on-year": "2010",
            "reason": "Moved to Nottingham",
        },
    )
    assert "must start after the current one" in refused.content.decode()
    moved = signed_in.post(
        url,
        {
            "commissioner": other_icb.ods_code,
            "starts_on-day": "1",
            "starts_on-month": "4",
            "starts_on-year": "2024",
            "reason": "Moved to Nottingham",
        },
    )
    assert moved.status_code == 302
    assert [a.organisation for a in patient.assignments.order_by("starts_on")] == [icb, other_icb]
    # The record now belongs to the other commissioner, so this coordinator no longer sees it.
    assert signed_in.get(reverse("web:patient-detail", args=[patient.pk])).status_code == 404


def test_a_very_long_list_asks_for_a_search_instead_of_counting_everyone(
    signed_in, icb, monkeypatch
):
    from openphb.web.views.common import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 3)
    for _ in range(5):
        factories.patient(commissioner=icb)
    body = signed_in.get(reverse("web:patient-list")).content.decode()
    assert "More than 3 people" in body
    assert "Search by NHS number" in body
