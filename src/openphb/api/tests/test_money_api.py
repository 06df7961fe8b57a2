import csv
import datetime
import io

import pytest
from tests import factories

from openphb.accounts.services import api_token_create
from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets import services
from openphb.funding.models import Allocation
from openphb.ledger.models import Account

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")
APRIL, MAY, JUNE = datetime.date(2025, 4, 1), datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)


def bearer(user):
    _, token = api_token_create(actor=ACTOR, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def stream(icb, other_icb):
    chc = factories.funding_stream(
        code="chc", name="NHS continuing healthcare", envelope=20_000_000
    )
    factories.allocation(stream=chc, commissioner=icb, amount=10_000_000)
    factories.allocation(stream=chc, commissioner=other_icb, amount=5_000_000)
    return chc


@pytest.fixture
def budget(patient, icb, stream):
    return factories.budget(
        patient=patient,
        commissioner=icb,
        stream=stream,
        lines=(
            ("Personal assistant, 10 hours a week", "personal_care", 1_200_000),
            ("Hydrotherapy, 20 sessions", "therapies", 90_000),
        ),
    )


@pytest.fixture
def elsewhere_budget(elsewhere_patient, other_icb, stream):
    return factories.budget(patient=elsewhere_patient, commissioner=other_icb, stream=stream)


@pytest.fixture
def holder(patient):
    user = factories.user(username="margaret", role="budget_holder")
    patient.account = user
    patient.save(update_fields=["account"])
    return user


def commit(budget, amount, on, description="Set aside"):
    line = budget.lines.get(category="personal_care")
    return services.budget_commit(
        actor=ACTOR, budget=budget, line=line, amount=amount, on=on, description=description
    )


def account_of(budget, purpose="available", category="personal_care"):
    return Account.objects.get(
        owner_kind="budget", owner_id=budget.pk, purpose=purpose, category=category
    )


def allocation_account(organisation):
    return Account.objects.get(
        owner_kind="organisation", owner_id=organisation.pk, purpose="allocation"
    )


def test_reading_a_budget_is_written_to_the_audit_log(client, commissioner, budget):
    assert client.get(f"/api/v1/budgets/{budget.pk}", **bearer(commissioner)).status_code == 200
    opened = AuditEvent.objects.filter(action="budget.viewed", patient_id=budget.patient_id)
    assert list(opened.values_list("object_id", "actor_label")) == [
        (str(budget.pk), commissioner.username)
    ]


# Who sees what ---------------------------------------------------------------------------------


def test_no_token_is_a_401(client, budget):
    assert client.get("/api/v1/accounts").status_code == 401
    assert client.get(f"/api/v1/budgets/{budget.pk}").status_code == 401


def test_accounts_list_our_organisations_and_our_budgets_accounts_only(
    client, commissioner, icb, budget, elsewhere_budget
):
    body = client.get("/api/v1/accounts", **bearer(commissioner)).json()
    owners = {(a["owner_kind"], a["owner_id"]) for a in body["items"]}
    assert owners == {("organisation", icb.pk), ("budget", budget.pk)}
    assert body["count"] == len(body["items"])


def test_accounts_filter_by_owner_kind_fund_and_purpose_with_balances_in_pence(
    client, commissioner, budget
):
    body = client.get(
        "/api/v1/accounts",
        {"owner_kind": "budget", "fund": "chc", "purpose": "available"},
        **bearer(commissioner),
    ).json()
    assert sorted((a["category"], a["balance"]) for a in body["items"]) == [
        ("personal_care", 1_200_000),
        ("therapies", 90_000),
    ]


def test_another_organisations_account_is_a_404_wherever_you_ask(
    client, commissioner, other_icb, elsewhere_budget
):
    auth = bearer(commissioner)
    for account in (allocation_account(other_icb), account_of(elsewhere_budget)):
        for suffix in ("", "/balance", "/statement", "/statement.csv"):
            response = client.get(f"/api/v1/accounts/{account.pk}{suffix}", **auth)
            assert response.status_code == 404, suffix


def test_another_organisations_budget_is_a_404(client, commissioner, budget, elsewhere_budget):
    auth = bearer(commissioner)
    assert client.get(f"/api/v1/budgets/{elsewhere_budget.pk}", **auth).status_code == 404
    assert not AuditEvent.objects.filter(action="budget.viewed").exists()
    body = client.get("/api/v1/budgets", **auth).json()
    assert [b["id"] for b in body["items"]] == [budget.pk]


def test_an_analyst_sees_streams_and_positions_but_no_accounts_budgets_or_transactions(
    client, analyst, budget
):
    auth = bearer(analyst)
    assert client.get("/api/v1/funding/streams", **auth).status_code == 200
    assert client.get("/api/v1/funding/positions", **auth).status_code == 200
    for path in ("/api/v1/accounts", "/api/v1/transactions", "/api/v1/budgets"):
        assert client.get(path, **auth).status_code == 403, path
    assert client.get(f"/api/v1/budgets/{budget.pk}", **auth).status_code == 403


def test_a_coordinator_sees_budgets_but_not_the_ledger_or_funding(client, coordinator, budget):
    auth = bearer(coordinator)
    assert client.get(f"/api/v1/budgets/{budget.pk}", **auth).status_code == 200
    assert client.get("/api/v1/accounts", **auth).status_code == 403
    assert client.get(f"/api/v1/accounts/{account_of(budget).pk}", **auth).status_code == 403
    assert client.get("/api/v1/funding/streams", **auth).status_code == 403


def test_a_budget_holder_sees_their_own_budget_and_accounts_and_nobody_elses(
    client, holder, budget, icb, elsewhere_budget
):
    auth = bearer(holder)
    budgets = client.get("/api/v1/budgets", **auth).json()
    assert [b["id"] for b in budgets["items"]] == [budget.pk]
    assert client.get(f"/api/v1/budgets/{budget.pk}", **auth).status_code == 200
    assert client.get(f"/api/v1/budgets/{elsewhere_budget.pk}", **auth).status_code == 404
    accounts = client.get("/api/v1/accounts", **auth).json()["items"]
    assert {(a["owner_kind"], a["owner_id"]) for a in accounts} == {("budget", budget.pk)}
    assert client.get(f"/api/v1/accounts/{allocation_account(icb).pk}", **auth).status_code == 404
    assert client.get("/api/v1/funding/positions", **auth).status_code == 403


def test_a_holder_sees_only_the_legs_of_a_transaction_on_their_own_accounts(
    client, holder, commissioner, budget, icb
):
    holders = client.get("/api/v1/transactions", **bearer(holder)).json()
    [funding] = holders["items"]
    assert funding["kind"] == "budget_funding"
    assert {leg["account_id"] for leg in funding["legs"]} == {
        account_of(budget).pk,
        account_of(budget, category="therapies").pk,
    }
    staff = client.get("/api/v1/transactions", {"kind": "budget_funding"}, **bearer(commissioner))
    [same] = staff.json()["items"]
    assert allocation_account(icb).pk in {leg["account_id"] for leg in same["legs"]}


# Balances and statements -----------------------------------------------------------------------


def test_a_balance_is_as_at_the_date_asked_and_now_without_one(client, commissioner, budget):
    commit(budget, 100_000, MAY)
    auth = bearer(commissioner)
    url = f"/api/v1/accounts/{account_of(budget).pk}/balance"
    assert client.get(url, **auth).json() == {
        "account_id": account_of(budget).pk,
        "on": None,
        "balance": 1_100_000,
    }
    assert client.get(url, {"on": "2025-04-30"}, **auth).json()["balance"] == 1_200_000
    assert client.get(url, {"on": "2025-03-31"}, **auth).json()["balance"] == 0
    assert client.get(url, {"on": "the first of May"}, **auth).status_code == 422


def test_the_statement_runs_the_balance_from_the_opening_to_the_closing(
    client, commissioner, budget
):
    commit(budget, 100_000, MAY, "May")
    commit(budget, 250_000, JUNE, "June")
    commit(budget, 1_000, datetime.date(2025, 7, 1), "July")
    body = client.get(
        f"/api/v1/accounts/{account_of(budget).pk}/statement",
        {"start": "2025-05-01", "end": "2025-06-30"},
        **bearer(commissioner),
    ).json()
    assert (body["opening"], body["closing"]) == (1_200_000, 850_000)
    assert [(line["description"], line["credit"], line["balance"]) for line in body["lines"]] == [
        ("May", 100_000, 1_100_000),
        ("June", 250_000, 850_000),
    ]
    assert body["account"]["balance"] == 849_000


def test_the_statement_csv_is_a_download_whose_formula_like_text_is_made_harmless(
    client, commissioner, budget
):
    commit(budget, 100_000, MAY, '=HYPERLINK("http://evil.example","Click")')
    account = account_of(budget)
    response = client.get(
        f"/api/v1/accounts/{account.pk}/statement.csv",
        {"start": "2025-04-01"},
        **bearer(commissioner),
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="account-{account.pk}-statement-2025-04-01.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["balance_pence"] for row in rows] == ["0", "1200000", "1100000", "1100000"]
    assert rows[2]["description"] == '\'=HYPERLINK("http://evil.example","Click")'


# Transactions ------------------------------------------------------------------------------------


def test_transactions_come_newest_first_a_page_at_a_time(client, commissioner, budget):
    for month in (5, 6, 7):
        commit(budget, 10_000, datetime.date(2025, month, 1), f"Month {month}")
    auth = bearer(commissioner)
    first = client.get(
        "/api/v1/transactions", {"source_ref": f"budget:{budget.pk}", "page_size": 2}, **auth
    ).json()
    second = client.get(
        "/api/v1/transactions",
        {"source_ref": f"budget:{budget.pk}", "page_size": 2, "page": 2},
        **auth,
    ).json()
    assert first["count"] == second["count"] == 4
    assert [t["description"] for t in first["items"] + second["items"]] == [
        "Month 7",
        "Month 6",
        "Month 5",
        "Budget for 1 Apr 2025 to 31 Mar 2026 approved",
    ]


def test_transactions_filter_by_account_kind_and_effective_dates(client, commissioner, budget):
    for month in (5, 6, 7):
        commit(budget, 10_000, datetime.date(2025, month, 1), f"Month {month}")
    auth = bearer(commissioner)

    def descriptions(**filters):
        body = client.get("/api/v1/transactions", filters, **auth).json()
        return [t["description"] for t in body["items"]]

    assert descriptions(kind="commitment", effective_from="2025-06-01") == ["Month 7", "Month 6"]
    assert descriptions(kind="commitment", effective_to="2025-06-01") == ["Month 6", "Month 5"]
    therapies = account_of(budget, category="therapies").pk
    assert descriptions(account=therapies) == ["Budget for 1 Apr 2025 to 31 Mar 2026 approved"]


def test_filtering_by_someone_elses_account_finds_nothing(
    client, commissioner, budget, elsewhere_budget
):
    body = client.get(
        "/api/v1/transactions", {"account": account_of(elsewhere_budget).pk}, **bearer(commissioner)
    ).json()
    assert body == {"items": [], "count": 0}


# Budgets -----------------------------------------------------------------------------------------


def test_a_budget_shows_its_figures_in_all_by_category_stream_and_line(
    client, commissioner, budget
):
    line = budget.lines.get(category="personal_care")
    commit(budget, 300_000, MAY)
    services.budget_pay(
        actor=ACTOR,
        budget=budget,
        line=line,
        amount=100_000,
        on=MAY,
        description="May direct payment",
        from_committed=True,
    )
    body = client.get(f"/api/v1/budgets/{budget.pk}", **bearer(commissioner)).json()
    assert body["total"] == {
        "approved": 1_290_000,
        "committed": 200_000,
        "paid": 100_000,
        "spent": 0,
        "available": 990_000,
        "left_to_spend": 1_290_000,
    }
    assert [(c["category"], c["figures"]["available"]) for c in body["by_category"]] == [
        ("personal_care", 900_000),
        ("therapies", 90_000),
    ]
    assert [(s["stream"], s["name"]) for s in body["by_stream"]] == [
        ("chc", "NHS continuing healthcare")
    ]
    by_line = {row["id"]: row["figures"] for row in body["by_line"]}
    assert by_line[line.pk]["committed"] == 200_000
    assert (body["patient_id"], body["commissioner"]) == (budget.patient_id, "QMF")


def test_a_budgets_figures_can_be_had_as_at_an_earlier_date(client, commissioner, budget):
    commit(budget, 300_000, MAY)
    body = client.get(
        f"/api/v1/budgets/{budget.pk}", {"on": "2025-04-30"}, **bearer(commissioner)
    ).json()
    assert (body["on"], body["total"]["committed"], body["total"]["available"]) == (
        "2025-04-30",
        0,
        1_290_000,
    )


def test_budgets_filter_by_patient(client, commissioner, budget, icb, stream):
    someone = factories.patient(commissioner=icb)
    factories.budget(patient=someone, commissioner=icb, stream=stream)
    auth = bearer(commissioner)
    assert client.get("/api/v1/budgets", **auth).json()["count"] == 2
    body = client.get("/api/v1/budgets", {"patient_id": budget.patient_id}, **auth).json()
    assert [b["id"] for b in body["items"]] == [budget.pk]


# Funding -----------------------------------------------------------------------------------------


def test_funding_streams_are_listed_with_their_envelope_in_pence(client, analyst, stream):
    [listed] = client.get("/api/v1/funding/streams", **bearer(analyst)).json()
    assert (listed["code"], listed["envelope"], listed["funder"]) == (
        "chc",
        20_000_000,
        stream.funder.ods_code,
    )


def test_positions_are_for_the_commissioners_you_work_for(client, analyst, budget, icb):
    [position] = client.get("/api/v1/funding/positions", **bearer(analyst)).json()
    assert position["commissioner"] == icb.ods_code
    [chc] = position["streams"]
    assert (chc["allocated"], chc["unallocated_to_budgets"], chc["budgets"]["approved"]) == (
        10_000_000,
        10_000_000 - 1_290_000,
        1_290_000,
    )
    earlier = client.get("/api/v1/funding/positions", {"on": "2024-03-31"}, **bearer(analyst))
    assert earlier.json()[0]["streams"][0]["allocated"] == 0


ALLOCATION = {
    "stream": "chc",
    "commissioner": "qmf",
    "amount_pence": 2_500_000,
    "effective_on": "2025-04-01",
    "note": "Quarter 1 top-up",
}


def post_allocation(client, user, **changes):
    return client.post(
        "/api/v1/funding/allocations",
        {**ALLOCATION, **changes},
        content_type="application/json",
        **bearer(user),
    )


def test_recording_an_allocation_returns_201(client, commissioner, stream, icb):
    response = post_allocation(client, commissioner)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stream"], body["commissioner"], body["amount_pence"], body["withdrawn"]) == (
        "chc",
        "QMF",
        2_500_000,
        False,
    )
    assert allocation_account(icb).balance == 12_500_000


def test_an_allocation_retried_with_the_same_key_is_the_same_allocation(
    client, commissioner, stream
):
    first = post_allocation(client, commissioner, idempotency_key="q1-top-up")
    again = post_allocation(client, commissioner, idempotency_key="q1-top-up")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert Allocation.objects.filter(note="Quarter 1 top-up").count() == 1


def test_an_allocation_beyond_the_envelope_is_a_422_that_says_so(client, commissioner, stream):
    response = post_allocation(client, commissioner, amount_pence=5_000_001)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["msg"] == (
        "Not enough in NHS continuing healthcare: left to allocate: it has £50,000.00 available "
        "and this needs £50,000.01."
    )


def test_an_allocation_from_a_closed_stream_is_a_422_on_its_date(client, commissioner, icb):
    factories.funding_stream(
        code="rollout", name="Roll-out fund", ends_on=datetime.date(2025, 3, 31)
    )
    response = post_allocation(client, commissioner, stream="rollout")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "effective_on"]
    assert "ended on 31 March 2025" in error["msg"]


def test_an_allocation_names_the_api_field_it_refuses(client, commissioner, stream):
    unknown = post_allocation(client, commissioner, stream="nope", amount_pence=0)
    assert [e["loc"] for e in unknown.json()["detail"]] == [["body", "stream"]]
    nothing = post_allocation(client, commissioner, amount_pence=0)
    assert nothing.status_code == 422
    assert [(e["loc"], e["msg"]) for e in nothing.json()["detail"]] == [
        (["body", "amount_pence"], "The amount must be more than £0.")
    ]


def test_only_a_role_that_manages_funding_may_allocate(client, analyst, stream):
    assert post_allocation(client, analyst).status_code == 403
    assert Allocation.objects.count() == 2
