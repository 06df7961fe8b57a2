"""A hypothesis state machine over the money services: allocate, create a budget, commit, pay,
reverse and revise, in any order and amount. After every step the ledger must balance, every
account's running totals must equal its legs, no protected account may be below its minimum,
and each budget's figures must be what a plain model of the rules says."""

import datetime
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets import services
from openphb.budgets.selectors import budget_figures
from openphb.funding.services import allocation_record
from openphb.ledger.models import Account, Leg
from openphb.ledger.selectors import verify

ACTOR = Actor.system_job("property-test")
DAY = datetime.date(2025, 4, 1)
amounts = st.integers(min_value=1, max_value=3_000_000)


class Money(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.free = 0  # the commissioner's allocation not yet in a budget
        # budget pk -> line pk -> {"available", "committed", "paid"}
        self.model: dict[int, dict[int, dict[str, int]]] = {}
        self.budgets: dict[int, object] = {}
        self.moves: list[tuple[int, object, int, str]] = []  # (budget, transaction, line, kind)

    @initialize()
    def set_up(self) -> None:
        self.icb = factories.organisation(kind="icb")
        self.stream = factories.funding_stream()
        self.patient = factories.patient(commissioner=self.icb)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(amount=amounts)
    def allocate(self, amount: int) -> None:
        allocation_record(
            actor=ACTOR, stream=self.stream, commissioner=self.icb, amount=amount, effective_on=DAY
        )
        self.free += amount

    @rule(line_amounts=st.lists(amounts, min_size=1, max_size=3))
    def create_budget(self, line_amounts: list[int]) -> None:
        try:
            budget = factories.budget(
                patient=self.patient,
                commissioner=self.icb,
                stream=self.stream,
                lines=tuple((f"Item {n}", "therapies", a) for n, a in enumerate(line_amounts)),
            )
        except ValidationError:
            assert sum(line_amounts) > self.free
            return
        assert sum(line_amounts) <= self.free
        self.free -= sum(line_amounts)
        self.budgets[budget.pk] = budget
        self.model[budget.pk] = {
            line.pk: {"available": a, "committed": 0, "paid": 0}
            for line, a in zip(budget.lines.order_by("pk"), line_amounts)
        }

    def _pick(self, data: st.DataObject) -> tuple[object, object, dict[str, int]]:
        budget_pk = data.draw(st.sampled_from(sorted(self.model)))
        line_pk = data.draw(st.sampled_from(sorted(self.model[budget_pk])))
        budget = self.budgets[budget_pk]
        return budget, budget.lines.get(pk=line_pk), self.model[budget_pk][line_pk]  # type: ignore[attr-defined]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), amount=amounts)
    def commit(self, data: st.DataObject, amount: int) -> None:
        budget, line, expected = self._pick(data)
        try:
            posted = services.budget_commit(
                actor=ACTOR, budget=budget, line=line, amount=amount, on=DAY, description="Due"
            )
        except ValidationError:
            assert amount > expected["available"]
            return
        assert amount <= expected["available"]
        expected["available"] -= amount
        expected["committed"] += amount
        self.moves.append((budget.pk, posted, line.pk, "commitment"))

    @precondition(lambda self: self.model)
    @rule(data=st.data(), amount=amounts, from_committed=st.booleans())
    def pay(self, data: st.DataObject, amount: int, from_committed: bool) -> None:
        budget, line, expected = self._pick(data)
        source = "committed" if from_committed else "available"
        try:
            posted = services.budget_pay(
                actor=ACTOR,
                budget=budget,
                line=line,
                amount=amount,
                on=DAY,
                description="Paid",
                from_committed=from_committed,
            )
        except ValidationError:
            assert amount > expected[source]
            return
        assert amount <= expected[source]
        expected[source] -= amount
        expected["paid"] += amount
        self.moves.append((budget.pk, posted, line.pk, f"payment:{source}"))

    @precondition(lambda self: self.moves)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(min_value=0, max_value=len(self.moves) - 1))
        budget_pk, posted, line_pk, kind = self.moves[index]
        expected = self.model[budget_pk][line_pk]
        amount = posted.legs.aggregate(n=Sum("debit"))["n"]  # type: ignore[attr-defined]
        # A commitment can be undone only while its money is still set aside.
        possible = kind != "commitment" or expected["committed"] >= amount
        try:
            services.budget_reverse(
                actor=ACTOR, budget=self.budgets[budget_pk], posted=posted, on=DAY, reason="Error"
            )
        except ValidationError:
            assert not possible
            return
        assert possible
        del self.moves[index]
        if kind == "commitment":
            expected["committed"] -= amount
            expected["available"] += amount
        else:
            expected["paid"] -= amount
            expected[kind.split(":")[1]] += amount

    @precondition(lambda self: self.model)
    @rule(data=st.data(), new_amount=st.integers(min_value=0, max_value=4_000_000))
    def revise(self, data: st.DataObject, new_amount: int) -> None:
        budget, line, expected = self._pick(data)
        approved = expected["available"] + expected["committed"] + expected["paid"]
        floor = approved - expected["available"]
        delta = new_amount - approved
        try:
            services.budget_revise(
                actor=ACTOR,
                budget=budget,
                effective_on=DAY,
                reason="Needs changed",
                amounts={line.pk: new_amount},
            )
        except ValidationError:
            assert new_amount < floor or delta > self.free or delta == 0
            return
        assert new_amount >= floor
        assert 0 != delta <= self.free
        expected["available"] += delta
        self.free -= delta

    @invariant()
    def the_ledger_balances_and_totals_equal_the_legs(self) -> None:
        sums = Leg.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
        assert sums["d"] == sums["c"]
        assert list(verify()) == []

    @invariant()
    def no_protected_account_is_below_its_minimum(self) -> None:
        for account in Account.objects.filter(minimum_balance__isnull=False):
            assert account.balance >= account.minimum_balance, account.name

    @invariant()
    def every_budget_shows_what_the_rules_say(self) -> None:
        for budget_pk, lines in self.model.items():
            figures = budget_figures(budget=self.budgets[budget_pk])  # type: ignore[arg-type]
            for line_pk, expected in lines.items():
                got = figures.by_line[line_pk]
                assert (got.available, got.committed, got.paid) == (
                    expected["available"],
                    expected["committed"],
                    expected["paid"],
                )
            total = defaultdict(int)
            for expected in lines.values():
                for key, value in expected.items():
                    total[key] += value
            assert figures.total.available == total["available"]
            assert figures.total.paid == total["paid"]


@pytest.mark.django_db
def test_money_keeps_its_invariants_whatever_the_order_of_moves():
    run_state_machine_as_test(
        Money,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
