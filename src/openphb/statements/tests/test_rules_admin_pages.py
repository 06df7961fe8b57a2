"""The matching-rule pages and API: only staff who import statements, only their own
commissioners' rules; bad input kept and explained; a duplicate named; deactivating asks why."""

import html
import re

import pytest
from django.urls import reverse

from openphb.accounts.services import api_token_create
from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.statements.models import MatchRule
from openphb.statements.services import rule_add

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def bearer(user) -> dict[str, str]:
    _, token = api_token_create(actor=Actor.system_job("test"), user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def splash(icb):
    return rule_add(
        actor=Actor.system_job("test"),
        commissioner=icb,
        field="merchant",
        pattern="Splash Pools",
        category="therapies",
    )


@pytest.fixture
def theirs(other_icb):
    return rule_add(
        actor=Actor.system_job("test"),
        commissioner=other_icb,
        field="mcc",
        pattern="8041-8049",
        category="therapies",
    )


def test_a_finance_officer_sees_their_commissioners_rules_only(client, finance, splash, theirs):
    client.force_login(finance)
    page = text_of(client.get(reverse("web:statement-rules")))
    assert "Splash Pools" in page
    assert "Health therapies" in page
    assert "8041-8049" not in page


def test_a_coordinator_cannot_see_the_rules(client, coordinator, splash):
    client.force_login(coordinator)
    assert client.get(reverse("web:statement-rules")).status_code == 403
    assert client.get(reverse("web:statement-rule-add")).status_code == 403


def test_a_commissioner_adds_a_rule_and_is_told_it_was_added(client, commissioner, icb):
    client.force_login(commissioner)
    assert client.get(reverse("web:statement-rule-add")).status_code == 200
    response = client.post(
        reverse("web:statement-rule-add"),
        {"commissioner": icb.pk, "field": "mcc", "pattern": "8099", "category": "therapies"},
        follow=True,
    )
    rule = MatchRule.objects.get()
    assert (rule.field, rule.pattern, rule.created_by) == ("mcc", "8099", commissioner)
    assert "The rule was added" in text_of(response)
    assert f'id="rule-{rule.pk}"' in response.content.decode()


def test_a_bad_code_is_explained_and_what_was_typed_kept(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:statement-rule-add"),
        {"commissioner": icb.pk, "field": "mcc", "pattern": "80x9", "category": "therapies"},
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "A merchant category code is 4 digits" in page
    assert 'value="80x9"' in response.content.decode()
    assert not MatchRule.objects.exists()


def test_a_duplicate_names_the_rule_in_use(client, commissioner, icb, splash):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:statement-rule-add"),
        {
            "commissioner": icb.pk,
            "field": "merchant",
            "pattern": "splash pools",
            "category": "activities",
        },
    )
    assert response.status_code == 400
    assert "There is already an active rule for merchant name contains 'Splash Pools'" in (
        text_of(response)
    )


def test_a_rule_for_another_commissioner_cannot_be_chosen(client, commissioner, other_icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:statement-rule-add"),
        {"commissioner": other_icb.pk, "field": "mcc", "pattern": "8099", "category": "breaks"},
    )
    assert response.status_code == 400
    assert "Choose a commissioner you work for" in text_of(response)


def test_stopping_a_rule_asks_why_and_another_commissioners_is_a_404(
    client, finance, splash, theirs
):
    client.force_login(finance)
    url = reverse("web:statement-rule-deactivate", args=[splash.pk])
    assert "Say why the rule is no longer to be used" in text_of(client.post(url, {"reason": ""}))
    response = client.post(url, {"reason": "Splash bills us directly now"}, follow=True)
    splash.refresh_from_db()
    assert not splash.active
    assert "is no longer used" in text_of(response)
    assert "Rules no longer used" in text_of(response)
    assert client.get(url).status_code == 404  # already inactive
    other = reverse("web:statement-rule-deactivate", args=[theirs.pk])
    assert client.get(other).status_code == 404


# --- The API ----------------------------------------------------------------------------------


def test_the_api_lists_adds_and_deactivates_rules(client, finance, icb, splash, theirs):
    auth = bearer(finance)
    listed = client.get("/api/v1/statement-rules", **auth).json()
    assert [rule["pattern"] for rule in listed["items"]] == ["Splash Pools"]

    added = client.post(
        "/api/v1/statement-rules",
        {"field": "counterparty", "pattern": "Jo Bloggs PA", "category": "personal_care"},
        content_type="application/json",
        **auth,
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["commissioner"], body["category_label"], body["created_by"]) == (
        icb.ods_code,
        "Personal care and support",
        "finance",
    )
    gone = client.post(
        f"/api/v1/statement-rules/{body['id']}/deactivate",
        {"reason": "The PA left"},
        content_type="application/json",
        **auth,
    )
    assert gone.status_code == 200
    assert gone.json()["active"] is False
    assert AuditEvent.objects.filter(action="statement.rule_deactivated").count() == 1
    active = client.get("/api/v1/statement-rules?active=true", **auth).json()
    assert [rule["pattern"] for rule in active["items"]] == ["Splash Pools"]


def test_the_api_explains_a_bad_rule_and_a_duplicate(client, finance, splash):
    auth = bearer(finance)
    bad = client.post(
        "/api/v1/statement-rules",
        {"field": "mcc", "pattern": "9-1", "category": "nothing"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    fields = {item["loc"][-1]: item["msg"] for item in bad.json()["detail"]}
    assert set(fields) == {"pattern", "category"}
    again = client.post(
        "/api/v1/statement-rules",
        {"field": "merchant", "pattern": "SPLASH POOLS", "category": "therapies"},
        content_type="application/json",
        **auth,
    )
    assert again.status_code == 422
    assert "already an active rule" in again.json()["detail"][0]["msg"]


def test_the_api_hides_other_commissioners_rules_and_refuses_other_roles(
    client, finance, coordinator, theirs
):
    assert client.get(f"/api/v1/statement-rules/{theirs.pk}", **bearer(finance)).status_code == 404
    assert client.get("/api/v1/statement-rules", **bearer(coordinator)).status_code == 403
