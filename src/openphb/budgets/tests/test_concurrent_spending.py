"""Simultaneous payments from one budget, and simultaneous budgets from one allocation, never
overdraw them (PostgreSQL: the budget's row lock and the ledger's account locks)."""

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets import services
from openphb.budgets.selectors import budget_figures, commissioner_positions
from openphb.ledger.selectors import verify

ACTOR = Actor.system_job("test")
DAY = datetime.date(2025, 4, 1)


def race(n: int, attempt: Callable[[], None]) -> list[str]:
    """Run `attempt` in n threads released together; 'ok' or 'refused' for each."""
    start = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            start.wait()
            attempt()
            outcome = "ok"
        except ValidationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_100_pound_payments_from_a_1000_pound_line_let_ten_through():
    icb = factories.organisation(kind="icb")
    stream = factories.funding_stream()
    factories.allocation(stream=stream, commissioner=icb, amount=1_000_000)
    budget = factories.budget(
        patient=factories.patient(commissioner=icb),
        commissioner=icb,
        stream=stream,
        lines=(("Personal assistant", "personal_care", 100_000),),
    )
    line = budget.lines.get()

    outcomes = race(
        20,
        lambda: services.budget_pay(
            actor=ACTOR, budget=budget, line=line, amount=10_000, on=DAY, description="Wages"
        ),
    )

    assert outcomes.count("ok") == 10
    assert outcomes.count("refused") == 10
    figures = budget_figures(budget=budget)
    assert (figures.total.paid, figures.total.available) == (100_000, 0)
    assert list(verify()) == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_budgets_never_commit_more_than_the_allocation():
    icb = factories.organisation(kind="icb")
    stream = factories.funding_stream()
    factories.allocation(stream=stream, commissioner=icb, amount=2_500_000)
    people = [factories.patient(commissioner=icb) for _ in range(10)]
    queue = list(people)
    lock = threading.Lock()

    def create() -> None:
        with lock:
            person = queue.pop()
        factories.budget(
            patient=person,
            commissioner=icb,
            stream=stream,
            lines=(("Respite", "breaks", 500_000),),
        )

    outcomes = race(10, create)

    assert outcomes.count("ok") == 5
    [position] = commissioner_positions(commissioner=icb)
    assert position.unallocated_to_budgets == 0
    assert position.budgets.approved == 2_500_000
