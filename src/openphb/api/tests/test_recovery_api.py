"""Repayment notices over HTTP: a coordinator issues one, a finance officer records a repayment,
the budget holder asks for a reconsideration and a commissioner who did not issue it decides;
refusals are 422s with a message per field; another organisation's notice is a 404."""

import datetime

import pytest
from django.utils import timezone
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.budgets.services import budget_pay
from openphb.ledger.selectors import verify
from openphb.monitoring.models import Flag

from .planning_helpers import Caller, messages

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=28)


@pytest.fixture
def sam(icb):
    return factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")


@pytest.fixture
def holder(sam):
    account = factories.user(username="sam", role="budget_holder")
    sam.account = account
    sam.save(update_fields=["account"])
    return account


@pytest.fixture
def budget(direct_payment, sam):
    budget = direct_payment(sam).budget
    budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(),
        amount=300_000,
        on=budget.starts_on,
        description="Paid into the account",
    )
    return budget


def body(budget, **more):
    return {
        "budget_id": budget.pk,
        "ground": "unused",
        "reasons": "£3,000 has built up over three months.",
        "amount": 100_000,
        "deadline": DEADLINE.isoformat(),
        "method": "repayment",
        "payer_kind": "person",
        "payer_name": "Sam Adeyemi",
        **more,
    }


def test_a_notice_from_issue_to_decision(
    client, coordinator, finance, commissioner, holder, budget
):
    flag = Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="Unused money is building up.",
        period=f"{TODAY:%Y-%m}",
        found_on=TODAY,
    )
    notice = Caller(client, coordinator).ok(
        "post", "/repayment-notices", body(budget, flag_id=flag.pk), status=201
    )
    assert notice["reference"] == f"PHB-R{notice['id']:06d}"
    assert (notice["amount"], notice["outstanding"], notice["status"]) == (
        100_000,
        100_000,
        "issued",
    )
    assert notice["flag_id"] == flag.pk
    assert [e["to_status"] for e in notice["events"]] == ["issued"]
    path = f"/repayment-notices/{notice['id']}"

    officer = Caller(client, finance)
    recovery = officer.ok(
        "post",
        f"{path}/recoveries",
        {"method": "repayment", "amount": 40_000, "on": TODAY.isoformat()},
        status=201,
    )
    assert recovery["transaction_id"] is not None
    assert recovery["offset_id"] is None
    assert budget_figures(budget=budget).total.held == 260_000
    assert list(verify()) == []

    sam = Caller(client, holder)
    assert [n["id"] for n in sam.get("/repayment-notices").json()["items"]] == [notice["id"]]
    asked = sam.ok(
        "post", f"{path}/reconsiderations", {"grounds": "It is for a hoist."}, status=201
    )
    assert asked["verdict"] == "open"
    refused = officer.post(
        f"{path}/recoveries", {"method": "repayment", "amount": 1, "on": TODAY.isoformat()}
    )
    assert messages(refused) == {
        ("body",): ["The notice is being reconsidered: nothing is collected until it is decided."]
    }

    boss = Caller(client, commissioner)
    decision = f"/notice-reconsiderations/{asked['id']}/decision"
    assert messages(boss.post(decision, {"verdict": "reduced", "reasons": "Part is needed."})) == {
        ("body", "new_amount"): ["Give the new amount."]
    }
    decided = boss.ok(
        "post", decision, {"verdict": "reduced", "reasons": "Part is needed.", "new_amount": 60_000}
    )
    assert (decided["verdict"], decided["new_amount"]) == ("reduced", 60_000)
    after = boss.get(path).json()
    assert (after["amount"], after["outstanding"], after["status"]) == (60_000, 20_000, "issued")
    assert [e["to_status"] for e in after["events"]] == ["issued", "reconsidering", "issued"]

    withdrawn = officer.ok("post", f"{path}/withdraw", {"reason": "Agreed to let it go."})
    assert withdrawn["status"] == "withdrawn"


def test_refusals_name_their_fields(client, coordinator, budget):
    response = Caller(client, coordinator).post(
        "/repayment-notices",
        body(budget, amount=300_001, deadline=TODAY.isoformat(), payer_kind="estate"),
    )
    found = messages(response)
    assert set(found) == {("body", "amount"), ("body", "deadline"), ("body", "payer_kind")}
    assert found[("body", "payer_kind")] == [
        "Only a notice on the ground of death is paid by the estate."
    ]


def test_who_may_do_what(client, analyst, holder, commissioner, coordinator, budget, other_icb):
    assert Caller(client, analyst).get("/repayment-notices").status_code == 403
    assert Caller(client, holder).post("/repayment-notices", body(budget)).status_code == 403
    assert Caller(client, commissioner).post("/repayment-notices", body(budget)).status_code == 403
    notice = Caller(client, coordinator).ok("post", "/repayment-notices", body(budget), status=201)
    stranger = factories.user(role="finance_officer", organisations=(other_icb,))
    elsewhere = Caller(client, stranger)
    assert elsewhere.get(f"/repayment-notices/{notice['id']}").status_code == 404
    assert elsewhere.get("/repayment-notices").json()["items"] == []
    refused = elsewhere.post("/repayment-notices", body(budget))
    assert messages(refused) == {
        ("body", "budget_id"): [f"You cannot see a budget with id {budget.pk}."]
    }
    other_holder = factories.user(role="budget_holder")
    assert Caller(client, other_holder).get(f"/repayment-notices/{notice['id']}").status_code == 404
