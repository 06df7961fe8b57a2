import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets import services
from openphb.budgets.selectors import budget_figures, commissioner_positions
from openphb.budgets.services import LineSpec
from openphb.ledger.selectors import verify
from openphb.ledger.services import InsufficientFunds

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")
DAY = datetime.date(2025, 4, 1)


@pytest.fixture
def stream(icb):
    chc = factories.funding_stream(code="chc", name="NHS continuing healthcare")
    factories.allocation(stream=chc, commissioner=icb, amount=10_000_000)
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


def test_creating_a_budget_funds_each_line_from_the_allocation(budget, icb, stream):
    figures = budget_figures(budget=budget)
    assert figures.total.approved == 1_290_000
    assert figures.total.available == 1_290_000
    assert [f.approved for _, f in figures.categories()] == [1_200_000, 90_000]
    [position] = commissioner_positions(commissioner=icb)
    assert position.allocated == 10_000_000
    assert position.unallocated_to_budgets == 10_000_000 - 1_290_000
    assert position.budgets.approved == 1_290_000
    assert AuditEvent.objects.filter(action="budget.created", patient_id=budget.patient_id).exists()
    assert list(verify()) == []


def test_a_budget_beyond_the_allocation_is_refused_and_nothing_is_written(patient, icb, stream):
    with pytest.raises(InsufficientFunds, match="Not enough"):
        factories.budget(
            patient=patient,
            commissioner=icb,
            stream=stream,
            lines=(("Care home placement", "personal_care", 10_000_001),),
        )
    assert not patient.budgets.exists()


def test_commit_then_pay_moves_money_through_the_five_figures(budget):
    line = budget.lines.get(category="personal_care")
    services.budget_commit(
        actor=ACTOR, budget=budget, line=line, amount=100_000, on=DAY, description="April"
    )
    services.budget_pay(
        actor=ACTOR,
        budget=budget,
        line=line,
        amount=100_000,
        on=DAY,
        description="April direct payment",
        from_committed=True,
    )
    services.budget_commit(
        actor=ACTOR, budget=budget, line=line, amount=100_000, on=DAY, description="May"
    )
    figures = budget_figures(budget=budget)
    assert figures.total.as_dict() == {
        "approved": 1_290_000,
        "committed": 100_000,
        "paid": 100_000,
        "spent": 0,  # a direct payment is held by the person until their statement shows it spent
        "available": 1_090_000,
    }
    assert figures.by_line[line.pk].committed == 100_000


def test_a_payment_cannot_exceed_what_the_line_has(budget):
    line = budget.lines.get(category="therapies")
    with pytest.raises(InsufficientFunds, match="Hydrotherapy"):
        services.budget_pay(
            actor=ACTOR, budget=budget, line=line, amount=90_001, on=DAY, description="Too much"
        )


def test_a_notional_line_paid_to_a_provider_counts_as_spent(patient, icb, stream):
    notional = factories.budget(
        patient=patient, commissioner=icb, stream=stream, holding="notional"
    )
    line = notional.lines.get()
    services.budget_pay(
        actor=ACTOR, budget=notional, line=line, amount=40_000, on=DAY, description="Invoice 7"
    )
    figures = budget_figures(budget=notional)
    assert (figures.total.paid, figures.total.spent, figures.total.left_to_spend) == (
        40_000,
        40_000,
        460_000,
    )


def test_a_retried_payment_with_its_key_is_paid_once(budget):
    line = budget.lines.get(category="therapies")
    for _ in range(2):
        services.budget_pay(
            actor=ACTOR,
            budget=budget,
            line=line,
            amount=90_000,
            on=DAY,
            description="All sessions",
            idempotency_key="pay-1",
        )
    assert budget_figures(budget=budget).total.paid == 90_000


def test_a_revision_adjusts_with_a_transaction_and_cannot_take_back_what_was_paid(budget, stream):
    line = budget.lines.get(category="therapies")
    services.budget_pay(
        actor=ACTOR, budget=budget, line=line, amount=30_000, on=DAY, description="Sessions"
    )
    with pytest.raises(ValidationError, match="already set aside or paid"):
        services.budget_revise(
            actor=ACTOR,
            budget=budget,
            effective_on=DAY,
            reason="Fewer sessions",
            amounts={line.pk: 20_000},
        )
    services.budget_revise(
        actor=ACTOR,
        budget=budget,
        effective_on=DAY,
        reason="Seizure-alert dog added; fewer sessions",
        amounts={line.pk: 60_000},
        new_lines=[
            LineSpec(
                item_ref="dog",
                description="Trained seizure-alert dog",
                category="equipment",
                stream=stream,
                holding="direct_payment",
                amount=500_000,
            )
        ],
    )
    figures = budget_figures(budget=budget)
    assert figures.by_line[line.pk].approved == 60_000
    assert figures.total.approved == 1_200_000 + 60_000 + 500_000
    assert list(verify()) == []


def test_a_payment_can_be_reversed_once(budget):
    line = budget.lines.get(category="therapies")
    paid = services.budget_pay(
        actor=ACTOR, budget=budget, line=line, amount=30_000, on=DAY, description="Sessions"
    )
    services.budget_reverse(actor=ACTOR, budget=budget, posted=paid, on=DAY, reason="Paid twice")
    assert budget_figures(budget=budget).total.paid == 0
    with pytest.raises(ValidationError, match="already been reversed"):
        services.budget_reverse(actor=ACTOR, budget=budget, posted=paid, on=DAY, reason="Again")


def test_a_stream_that_has_ended_cannot_fund_a_new_budget(patient, icb):
    rollout = factories.funding_stream(
        code="rollout",
        kind="rollout",
        envelope=150_000_000,
        starts_on=datetime.date(2011, 4, 1),
        ends_on=datetime.date(2013, 3, 31),
    )
    with pytest.raises(ValidationError, match="not open on 1 April 2025"):
        factories.budget(patient=patient, commissioner=icb, stream=rollout)


def test_a_budgets_accounts_opened_together_are_those_opened_one_by_one(budget, stream):
    from openphb.budgets.accounts import AVAILABLE, HELD, budget_account, budget_accounts

    together = budget_accounts(
        wanted=[(budget.pk, stream, "personal_care", HELD), (budget.pk, stream, "therapies", HELD)]
    )
    one_by_one = budget_account(budget=budget, stream=stream, category="therapies", purpose=HELD)
    assert together[(budget.pk, "chc", "therapies", HELD)] == one_by_one
    care = together[(budget.pk, "chc", "personal_care", HELD)]
    assert care.name == f"Budget {budget.pk}: NHS continuing healthcare, personal care, " + (
        "paid, not yet spent"
    )
    assert care.minimum_balance == 0
    funded = budget_accounts(wanted=[(budget.pk, stream, "personal_care", AVAILABLE)])
    assert funded[(budget.pk, "chc", "personal_care", AVAILABLE)].balance == 1_200_000
