import pytest

from openphb.accounts.services import api_token_create
from openphb.audit.services import Actor

pytestmark = pytest.mark.django_db


def bearer(user):
    _, token = api_token_create(actor=Actor.system_job("test"), user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_openapi_document_is_published(client):
    body = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/patients" in body["paths"]
    assert "/api/v1/organisations" in body["paths"]


def test_organisations_are_listed_with_filters(client, coordinator, icb, other_icb):
    body = client.get("/api/v1/organisations", {"q": "Nottingham"}, **bearer(coordinator)).json()
    assert [o["ods_code"] for o in body["items"]] == ["QT1"]


def test_a_commissioner_creates_and_updates_an_organisation(client, commissioner):
    auth = bearer(commissioner)
    created = client.post(
        "/api/v1/organisations",
        {"ods_code": "5a9", "name": "NHS Havering", "kind": "pct", "closed_on": "2013-03-31"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201
    assert created.json()["ods_code"] == "5A9"
    patched = client.patch(
        f"/api/v1/organisations/{created.json()['id']}",
        {"name": "NHS Havering PCT"},
        content_type="application/json",
        **auth,
    )
    assert patched.json()["name"] == "NHS Havering PCT"


def test_a_coordinator_may_not_create_organisations(client, coordinator):
    response = client.post(
        "/api/v1/organisations",
        {"ods_code": "5A9", "name": "NHS Havering", "kind": "pct"},
        content_type="application/json",
        **bearer(coordinator),
    )
    assert response.status_code == 403


def test_a_duplicate_ods_code_is_a_422_on_that_field(client, commissioner, icb):
    response = client.post(
        "/api/v1/organisations",
        {"ods_code": icb.ods_code, "name": "Again", "kind": "icb"},
        content_type="application/json",
        **bearer(commissioner),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ods_code"]


def test_the_interactive_docs_are_served_without_a_token_or_the_internet(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
