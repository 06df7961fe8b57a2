"""Finance officers working at the same moment (PostgreSQL: the budget's row lock serialises
the checks, so what one commits the other sees)."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.models import BudgetLine
from openphb.budgets.selectors import budget_figures
from openphb.invoices import services
from openphb.invoices.models import Invoice, Status
from openphb.invoices.rules import Code
from openphb.ledger.selectors import verify

from .world import hydro_line, receive, sams_plan, splash

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def world():
    icb = factories.organisation(kind="icb")
    scene = factories.planning_scene(commissioner=icb)
    person = factories.patient(commissioner=icb)
    factories.condition(person, *factories.EPILEPSY)
    provider = splash(icb)
    sam = sams_plan(
        icb=icb,
        scene=scene,
        person=person,
        coordinator=factories.user(role="care_coordinator", organisations=(icb,)),
        clinician=factories.user(role="clinical_reviewer", organisations=(icb,)),
        approver=factories.user(role="commissioner", organisations=(icb,)),
        provider=provider,
    )
    officers = [
        Actor(user=factories.user(role="finance_officer", organisations=(icb,))) for _ in range(3)
    ]
    return sam, provider, officers


def at_once(calls: list[Callable[[], object]]) -> list[str]:
    """Run the calls in threads released together; 'ok' or the exception's class name each."""
    start = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            start.wait()
            call()
            outcome = "ok"
        except Exception as error:
            outcome = type(error).__name__
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


def test_the_same_session_on_two_invoices_entered_at_once_is_caught_as_a_duplicate():
    sam, provider, (first, second, _) = world()

    def enter(actor: Actor, number: str):
        return lambda: receive(
            actor,
            provider=provider,
            budget=sam.budget,
            lines=[hydro_line(sam.hydro)],
            number=number,
        )

    assert at_once([enter(first, "A-1"), enter(second, "B-1")]) == ["ok", "ok"]
    problems = [
        list(invoice.problems.values_list("code", flat=True))
        for invoice in Invoice.objects.order_by("pk")
    ]
    assert problems[0] == []
    assert Code.DUPLICATE_LINE in problems[1]


def test_two_officers_approving_at_once_set_the_money_aside_once():
    sam, provider, (clerk, *checkers) = world()
    invoice = receive(clerk, provider=provider, budget=sam.budget, lines=[hydro_line(sam.hydro)])

    def approve(actor: Actor):
        return lambda: services.invoice_approve(actor=actor, invoice=invoice)

    assert at_once([approve(actor) for actor in checkers]) == ["ValidationError", "ok"]
    assert Invoice.objects.get(pk=invoice.pk).status == Status.APPROVED
    line = BudgetLine.objects.get(budget=sam.budget, item_ref=sam.hydro)
    assert budget_figures(budget=sam.budget).by_line[line.pk].committed == 4_500
    assert list(verify()) == []
