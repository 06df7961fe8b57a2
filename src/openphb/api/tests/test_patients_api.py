import pytest

from openphb.accounts.services import api_token_create
from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.registry.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(coordinator):
    _, token = api_token_create(actor=Actor.system_job("test"), user=coordinator)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


NEW = {
    "nhs_number": "943 476 5919",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "date_of_birth": "1950-12-10",
    "sex": "F",
    "postcode": "rm1 3ab",
}


def test_no_token_is_a_401(client, patient):
    assert client.get("/api/v1/patients").status_code == 401
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_the_list_holds_only_patients_in_scope(client, auth, patient, elsewhere_patient):
    body = client.get("/api/v1/patients", **auth).json()
    assert body["count"] == 1
    assert body["items"][0]["nhs_number"] == patient.nhs_number


def test_the_list_filters_by_nhs_number(client, auth, patient, icb):
    from tests import factories

    factories.patient(commissioner=icb)
    body = client.get("/api/v1/patients", {"q": patient.nhs_number_display}, **auth).json()
    assert [p["id"] for p in body["items"]] == [patient.pk]


def test_reading_a_patient_returns_their_commissioner_and_is_audited(client, auth, patient, icb):
    body = client.get(f"/api/v1/patients/{patient.pk}", **auth).json()
    assert body["responsible_commissioner"] == icb.ods_code
    assert AuditEvent.objects.filter(action="patient.viewed", patient_id=patient.pk).exists()


def test_another_organisations_patient_is_a_404(client, auth, elsewhere_patient):
    response = client.get(f"/api/v1/patients/{elsewhere_patient.pk}", **auth)
    assert response.status_code == 404
    patch = client.patch(
        f"/api/v1/patients/{elsewhere_patient.pk}",
        {"postcode": "RM1 3AB"},
        content_type="application/json",
        **auth,
    )
    assert patch.status_code == 404


def test_creating_a_patient_returns_201_and_normalises(client, auth, icb):
    response = client.post("/api/v1/patients", NEW, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["nhs_number"], body["postcode"], body["responsible_commissioner"]) == (
        "9434765919",
        "RM1 3AB",
        icb.ods_code,
    )


def test_bad_input_is_a_422_with_a_message_per_field(client, auth, icb):
    bad = {**NEW, "nhs_number": "9434765918", "postcode": "nowhere"}
    response = client.post("/api/v1/patients", bad, content_type="application/json", **auth)
    assert response.status_code == 422
    fields = {tuple(e["loc"])[-1]: e["msg"] for e in response.json()["detail"]}
    assert "check digit" in fields["nhs_number"]
    assert "postcode" in fields
    assert not Patient.objects.exists()


def test_a_wrongly_typed_field_is_a_422_too(client, auth):
    response = client.post(
        "/api/v1/patients",
        {**NEW, "date_of_birth": "tenth"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422


def test_patching_changes_only_what_is_sent(client, auth, patient):
    response = client.patch(
        f"/api/v1/patients/{patient.pk}",
        {"postcode": "ng72uh"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert (patient.postcode, patient.family_name) == ("NG7 2UH", "Okafor")


def test_an_analyst_may_not_read_records(client, analyst, patient):
    _, token = api_token_create(actor=Actor.system_job("test"), user=analyst)
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
