"""Spending flags and monitoring policies over HTTP with a token: listing and filtering,
reading one (audited), resolving, dismissing and reopening with a note; the policy in force
and setting one; only staff who monitor spending, only their own commissioners'."""

import datetime

import pytest
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.monitoring.models import Code, Flag, MonitoringPolicy
from openphb.monitoring.services import flags_check
from openphb.monitoring.tests.world import SYSTEM, TODAY, dp_budget, line

from .planning_helpers import Caller, messages

pytestmark = pytest.mark.django_db
DAY = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def budget(icb):
    stream = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=stream, commissioner=icb, amount=50_000_000)
    sam = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    return dp_budget(commissioner=icb, patient=sam, stream=stream)


@pytest.fixture
def gambling(budget):
    line(budget, amount=2_500, booked_on=DAY, merchant="Lucky Bets", mcc="7995")
    line(budget, amount=500, booked_on=DAY, merchant="Argos")
    flags_check(actor=SYSTEM, on=TODAY)
    return Flag.objects.get(code=Code.EXCLUDED_CATEGORY)


@pytest.fixture
def coordinating(client, coordinator):
    return Caller(client, coordinator)


def test_the_flags_are_listed_most_severe_first_with_their_transaction(coordinating, gambling):
    body = coordinating.ok("get", "/flags")
    assert body["count"] == 2
    first = body["items"][0]
    assert first["id"] == gambling.pk
    assert first["code"] == "excluded_category"
    assert first["severity"] == "high"
    assert first["status"] == "open"
    assert first["amount"] == 2_500
    assert first["patient_name"] == "Sam Adeyemi"
    assert first["commissioner"] == "QMF"
    assert first["statement_line"]["merchant"] == "Lucky Bets"
    assert first["statement_line"]["mcc"] == "7995"
    assert "betting and gambling" in first["explanation"]


def test_the_flags_are_filtered_and_an_unknown_filter_is_refused(coordinating, gambling, budget):
    assert coordinating.get("/flags", {"severity": "low"}).json()["count"] == 1
    assert coordinating.get("/flags", {"code": "not_in_plan"}).json()["count"] == 1
    assert coordinating.get("/flags", {"budget_id": budget.pk + 1}).json()["count"] == 0
    refused = messages(coordinating.get("/flags", {"code": "gambling", "status": "closed"}))
    assert refused[("body", "code")][0].startswith("Unknown code 'gambling'")
    assert refused[("body", "status")] == ["The status is open, resolved or dismissed."]


def test_reading_a_flag_is_audited(coordinating, gambling, budget):
    body = coordinating.ok("get", f"/flags/{gambling.pk}")
    assert body["events"] == []
    assert AuditEvent.objects.filter(action="flag.viewed", patient_id=budget.patient_id).exists()


def test_a_flag_is_resolved_then_reopened_each_with_a_note(coordinating, gambling):
    body = coordinating.ok("post", f"/flags/{gambling.pk}/resolve", {"note": "Refunded."})
    assert body["status"] == "resolved"
    body = coordinating.ok("post", f"/flags/{gambling.pk}/reopen", {"note": "Not refunded."})
    assert body["status"] == "open"
    assert [(e["from_status"], e["to_status"], e["note"]) for e in body["events"]] == [
        ("open", "resolved", "Refunded."),
        ("resolved", "open", "Not refunded."),
    ]
    assert body["events"][0]["by"] == "Test"


def test_a_move_without_a_note_or_not_allowed_is_a_422(coordinating, gambling):
    assert messages(coordinating.post(f"/flags/{gambling.pk}/dismiss", {"note": " "})) == {
        ("body", "note"): ["Write a note saying why, for the record."]
    }
    refused = messages(coordinating.post(f"/flags/{gambling.pk}/reopen", {"note": "Again."}))
    assert refused == {("body",): ["This flag is open already."]}


def test_another_organisations_flag_is_a_404(client, other_icb, gambling):
    outsider = Caller(client, factories.user(role="finance_officer", organisations=(other_icb,)))
    assert outsider.get(f"/flags/{gambling.pk}").status_code == 404
    assert outsider.post(f"/flags/{gambling.pk}/resolve", {"note": "x"}).status_code == 404
    assert outsider.get("/flags").json()["count"] == 0


def test_a_role_that_does_not_monitor_spending_is_a_403(client, clinician, gambling):
    assert Caller(client, clinician).get("/flags").status_code == 403
    assert Caller(client, clinician).get("/monitoring-policies").status_code == 403


def test_the_policy_in_force_is_the_default_until_one_is_set(client, finance, icb):
    officer = Caller(client, finance)
    body = officer.ok("get", "/monitoring-policies")
    assert body["commissioner"] == "QMF"
    assert body["starts_on"] is None
    assert (body["cash_limit_per_month"], body["accumulation_months"], body["idle_days"]) == (
        10_000,
        3,
        90,
    )
    tomorrow = TODAY + datetime.timedelta(days=1)
    made = officer.ok(
        "post",
        "/monitoring-policies",
        {
            "starts_on": tomorrow.isoformat(),
            "cash_limit_per_month": 20_000,
            "accumulation_months": 2,
            "idle_days": 60,
        },
        status=201,
    )
    assert made["created_by"] == "Priya"
    body = officer.ok("get", "/monitoring-policies", {"on": tomorrow.isoformat()})
    assert body["starts_on"] == tomorrow.isoformat()
    assert body["idle_days"] == 60
    assert len(body["history"]) == 1


def test_a_bad_policy_is_a_422_with_a_message_per_field(client, finance):
    refused = messages(
        Caller(client, finance).post(
            "/monitoring-policies",
            {
                "starts_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
                "cash_limit_per_month": -1,
                "accumulation_months": 0,
                "idle_days": 1,
            },
        )
    )
    assert set(refused) == {
        ("body", "starts_on"),
        ("body", "cash_limit_per_month"),
        ("body", "accumulation_months"),
        ("body", "idle_days"),
    }
    assert not MonitoringPolicy.objects.exists()


def test_a_coordinator_reads_the_policy_but_does_not_set_it(coordinating):
    assert coordinating.get("/monitoring-policies").status_code == 200
    response = coordinating.post(
        "/monitoring-policies",
        {
            "starts_on": TODAY.isoformat(),
            "cash_limit_per_month": 1,
            "accumulation_months": 1,
            "idle_days": 30,
        },
    )
    assert response.status_code == 403


def test_another_commissioners_policy_is_not_found_or_set(client, finance, other_icb):
    officer = Caller(client, finance)
    assert officer.get("/monitoring-policies", {"commissioner": "QT1"}).status_code == 404
    refused = messages(
        officer.post(
            "/monitoring-policies",
            {
                "commissioner": "QT1",
                "starts_on": TODAY.isoformat(),
                "cash_limit_per_month": 1,
                "accumulation_months": 1,
                "idle_days": 30,
            },
        )
    )
    assert ("body", "commissioner") in refused
