import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests import factories

from openphb.registry.models import Patient, PatientImportJob

pytestmark = pytest.mark.django_db
HEADER = "nhs_number,given_name,family_name,date_of_birth,sex\n"


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Upload a CSV as the signed-in user; the background job runs once the request commits."""

    def send(text):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("web:import"),
                {"file": SimpleUploadedFile("people.csv", text.encode(), "text/csv")},
            )

    return send


def test_an_uploaded_file_is_imported_in_the_background_and_reported(client, coordinator, upload):
    client.force_login(coordinator)
    text = HEADER + f"{factories.next_nhs_number()},Ada,Lovelace,1950-12-10,F\n"
    response = upload(text)
    job = PatientImportJob.objects.get()
    assert response["Location"] == reverse("web:import-job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "1 added" in page
    assert Patient.objects.get().assignments.get().organisation == coordinator.organisations.get()


def test_an_upload_with_a_bad_row_imports_nothing_and_offers_the_rejects(
    client, coordinator, upload
):
    client.force_login(coordinator)
    text = (
        HEADER
        + f"{factories.next_nhs_number()},Ada,Lovelace,1950-12-10,F\n"
        + "9434765918,Bad,Row,1950-01-01,F\n"
    )
    response = upload(text)
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page
    assert "check digit" in page
    rejects = client.get(reverse("web:import-rejects", args=[PatientImportJob.objects.get().pk]))
    assert rejects["Content-Type"].startswith("text/csv")
    assert b"9434765918" in rejects.content
    assert not Patient.objects.exists()


def test_a_file_that_is_not_csv_is_refused_on_the_form(client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:import"),
        {"file": SimpleUploadedFile("people.xlsx", b"PK\x03\x04", "application/zip")},
    )
    assert "The selected file must be a CSV" in response.content.decode()
    assert not PatientImportJob.objects.exists()


def test_someone_elses_import_is_not_found(client, coordinator, icb, upload):
    client.force_login(coordinator)
    upload(HEADER + f"{factories.next_nhs_number()},Ada,Lovelace,1950-12-10,F\n")
    colleague = factories.user(role="care_coordinator", organisations=(icb,))
    client.force_login(colleague)
    job = PatientImportJob.objects.get()
    assert client.get(reverse("web:import-job", args=[job.pk])).status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("commissioner", "Find a patient"),
        ("care_coordinator", "Add a patient"),
        ("clinical_reviewer", "Find a patient"),
        ("finance_officer", "Find a patient"),
        ("analyst", "Analysts see counts"),
        ("budget_holder", "Your records"),
        ("carer", "Who you care for"),
    ],
)
def test_each_role_has_a_home_page_of_its_own(client, icb, role, expected):
    user = factories.user(
        role=role, organisations=(icb,) if role not in ("budget_holder", "carer") else ()
    )
    client.force_login(user)
    assert expected in client.get(reverse("web:home")).content.decode()


def test_signing_out_ends_the_session(client, coordinator):
    client.force_login(coordinator)
    assert client.post(reverse("web:sign-out")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_sessions_end_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_the_admin_is_for_superusers_only(client, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    assert client.get("/admin/").status_code == 302
    boss = factories.user(role="commissioner")
    boss.is_staff = boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    assert client.get("/admin/").status_code == 200
