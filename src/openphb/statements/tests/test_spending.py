"""Spending posted to the ledger: held to spent on the matched line's accounts, once, in date
order per category and only as far as the money held goes; what is left over is reported."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.accounts import HELD, SPENT, budget_account
from openphb.budgets.selectors import budget_figures
from openphb.ledger.models import Transaction
from openphb.ledger.selectors import verify
from openphb.ledger.services import LegSpec, TransactionSpec, transaction_post
from openphb.statements.models import Match
from openphb.statements.selectors import unposted_overspends
from openphb.statements.spending import spending_post

from .world_spending import STARTS, SYSTEM, funded_budget, pay, spent, statement_import

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(icb):
    """£500 held for personal care, £60 for swimming."""
    return funded_budget(commissioner=icb, held=(("personal_care", 50_000), ("activities", 6_000)))


def test_spending_moves_from_held_to_spent_once(world):
    first = spent(world.care, 12_345, STARTS + 3 * DAY, merchant="Jo's Care Agency")
    second = spent(world.swim, 4_500, STARTS + 4 * DAY, merchant="Splash Pools")
    summary = spending_post(actor=SYSTEM)
    assert (summary.posted, summary.posted_pence, summary.unposted) == (2, 16_845, [])

    figures = budget_figures(budget=world.budget)
    assert figures.by_category["personal_care"].held == 50_000 - 12_345
    assert figures.by_category["personal_care"].spent == 12_345
    assert figures.by_category["activities"].spent == 4_500
    assert figures.by_line[world.care.pk].spent == 12_345  # the legs name the line
    first.refresh_from_db()
    second.refresh_from_db()
    posted = first.transaction
    assert posted.idempotency_key == f"statement-line:{first.pk}"
    assert posted.effective_on == first.booked_on
    assert posted.description == "Spent: Jo's Care Agency"
    assert posted.source_ref == f"budget:{world.budget.pk}"
    assert {(leg.account.purpose, leg.debit, leg.credit) for leg in posted.legs.all()} == {
        ("spent", 12_345, 0),
        ("held", 0, 12_345),
    }
    assert list(verify()) == []


def test_running_again_posts_nothing_new(world):
    spent(world.care, 10_000, STARTS + 3 * DAY)
    spending_post(actor=SYSTEM)
    before = Transaction.objects.count()
    again = spending_post(actor=SYSTEM)
    assert (again.posted, again.already_posted, again.unposted) == (0, 0, [])
    assert Transaction.objects.count() == before
    assert budget_figures(budget=world.budget).total.spent == 10_000


def test_a_line_posted_before_but_not_linked_is_linked_not_posted_again(world):
    line = spent(world.care, 10_000, STARTS + 3 * DAY)
    spending_post(actor=SYSTEM)
    line.refresh_from_db()
    posted = line.transaction
    type(line).objects.filter(pk=line.pk).update(transaction=None)
    again = spending_post(actor=SYSTEM)
    assert (again.posted, again.already_posted) == (0, 1)
    line.refresh_from_db()
    assert line.transaction == posted
    assert budget_figures(budget=world.budget).total.spent == 10_000


def test_spending_beyond_what_is_held_is_left_unposted_and_reported(world):
    early = spent(world.care, 30_000, STARTS + 1 * DAY)
    too_big = spent(world.care, 25_000, STARTS + 2 * DAY, merchant="Big Spend Ltd")
    small = spent(world.care, 15_000, STARTS + 3 * DAY)
    summary = spending_post(actor=SYSTEM)
    assert summary.posted == 2
    assert summary.posted_pence == 45_000
    [short] = summary.unposted
    assert (short.statement_line_id, short.amount, short.held, short.short_by) == (
        too_big.pk,
        25_000,
        20_000,
        5_000,
    )
    assert short.category == "personal_care"
    assert short.budget_id == world.budget.pk
    assert budget_figures(budget=world.budget).by_category["personal_care"].held == 5_000
    for line in (early, small):
        line.refresh_from_db()
        assert line.transaction is not None
    too_big.refresh_from_db()
    assert too_big.transaction is None
    # Monitoring reads the same thing, in plain values.
    assert unposted_overspends(budget_ids=[world.budget.pk]) == [
        type(short)(
            statement_line_id=too_big.pk,
            budget_id=world.budget.pk,
            category="personal_care",
            booked_on=too_big.booked_on,
            amount=25_000,
            held=5_000,
        )
    ]
    assert list(verify()) == []


def test_once_money_is_paid_in_to_cover_it_the_overspend_is_posted(world):
    big = spent(world.care, 80_000, STARTS + 5 * DAY)
    assert len(spending_post(actor=SYSTEM).unposted) == 1
    pay(world.budget, world.care, 40_000, STARTS + 30 * DAY)
    summary = spending_post(actor=SYSTEM)
    assert (summary.posted, summary.unposted) == (1, [])
    big.refresh_from_db()
    assert big.transaction is not None
    assert unposted_overspends() == []


def test_categories_are_held_apart(world):
    """Swimming cannot draw on the money held for personal care."""
    swim = spent(world.swim, 7_000, STARTS + DAY)  # £60 held for swimming
    summary = spending_post(actor=SYSTEM)
    assert [s.statement_line_id for s in summary.unposted] == [swim.pk]
    assert budget_figures(budget=world.budget).total.spent == 0


def test_only_lines_matched_to_the_plan_are_posted(world):
    from openphb.statements.models import Kind

    spent(world.care, 1_000, STARTS + DAY, match=Match.NOT_IN_PLAN, merchant="Bet Shop")
    spent(world.care, 2_000, STARTS + DAY, kind=Kind.CASH, match=Match.NOT_IN_PLAN)
    assert spending_post(actor=SYSTEM).posted == 0
    assert budget_figures(budget=world.budget).total.spent == 0


def test_it_posts_only_the_budgets_or_the_import_asked_for(icb, world):
    other = funded_budget(commissioner=icb)
    imported = statement_import()
    mine = spent(world.care, 1_000, STARTS + DAY, imported=imported)
    theirs = spent(other.care, 2_000, STARTS + DAY)
    assert spending_post(actor=SYSTEM, statement_import=imported).posted == 1
    assert spending_post(actor=SYSTEM, budget_ids=[world.budget.pk]).posted == 0
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.transaction is not None
    assert theirs.transaction is None
    assert spending_post(actor=SYSTEM, budget_ids=[other.budget.pk]).posted == 1


def test_a_person_posts_only_for_the_commissioners_they_act_for(icb, other_icb, finance, world):
    elsewhere = funded_budget(commissioner=other_icb)
    spent(world.care, 1_000, STARTS + DAY)
    kept = spent(elsewhere.care, 1_000, STARTS + DAY)
    assert spending_post(actor=Actor(user=finance)).posted == 1
    kept.refresh_from_db()
    assert kept.transaction is None


def test_each_call_is_audited_once_with_its_counts(world):
    imported = statement_import()
    spent(world.care, 1_000, STARTS + DAY, imported=imported)
    spent(world.care, 99_000, STARTS + 2 * DAY, imported=imported)
    spending_post(actor=SYSTEM, statement_import=imported)
    [event] = AuditEvent.objects.filter(action="statement.spending_posted")
    assert event.object_id == str(imported.pk)
    assert event.changes["posted"] == 1
    assert event.changes["posted_pence"] == 1_000
    assert event.changes["unposted"] == 1
    assert event.changes["unposted_pence"] == 99_000
    assert "1 left unposted" in event.summary


def test_many_lines_take_no_more_queries_than_a_few(icb, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = funded_budget(commissioner=icb, held=(("personal_care", 50_000),))
    for day in range(3):
        spent(world.care, 100 + day, STARTS + day * DAY)
    with CaptureQueriesContext(connection) as few:
        assert spending_post(actor=SYSTEM).posted == 3
    for day in range(60):
        spent(other.care, 100 + day, STARTS + day * DAY)
    with CaptureQueriesContext(connection) as many:
        assert spending_post(actor=SYSTEM).posted == 60
    assert len(many) == len(few)
    assert list(verify()) == []


def test_an_ended_budgets_spending_is_still_posted(icb, world):
    """Money held was spent before the budget ended; the statement says so afterwards."""
    from openphb.budgets.services import budget_end

    line = spent(world.care, 5_000, STARTS + DAY)
    budget_end(actor=SYSTEM, budget=world.budget, on=STARTS + 10 * DAY, reason="Plan ended")
    assert spending_post(actor=SYSTEM).posted == 1
    line.refresh_from_db()
    assert line.transaction is not None


def test_amounts_are_whole_pence_and_held_is_spent_to_the_last_penny(world):
    spent(world.care, 1, STARTS + DAY)
    spent(world.care, 49_999, STARTS + DAY)
    penny = spent(world.care, 1, STARTS + 2 * DAY)
    summary = spending_post(actor=SYSTEM)
    assert summary.posted_pence == 50_000
    assert [s.statement_line_id for s in summary.unposted] == [penny.pk]
    assert budget_figures(budget=world.budget).by_category["personal_care"].held == 0
    with pytest.raises(ValidationError, match="Not enough"):  # the ledger refuses any more
        transaction_post(
            spec=TransactionSpec(
                effective_on=STARTS,
                kind="spending",
                description="One penny too many",
                legs=[
                    LegSpec(account=_account(world, SPENT), debit=1),
                    LegSpec(account=_account(world, HELD), credit=1),
                ],
            ),
            posted_by="test",
        )


def _account(world, purpose):
    return budget_account(
        budget=world.budget, stream=world.stream, category="personal_care", purpose=purpose
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(
        st.tuples(st.integers(1, 30_000), st.integers(0, 90), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    held=st.integers(0, 60_000),
)
def test_in_the_ledger_held_never_goes_below_nothing_and_nothing_is_lost(icb, lines, held):
    world = funded_budget(commissioner=icb, held=(("personal_care", held),) if held else ())
    made = [
        spent(world.swim if swim else world.care, amount, STARTS + day * DAY)
        for amount, day, swim in lines
    ]
    summary = spending_post(actor=SYSTEM, budget_ids=[world.budget.pk])
    figures = budget_figures(budget=world.budget)
    assert figures.by_category["personal_care"].held >= 0
    assert figures.by_category["activities"].held == 0
    assert summary.posted_pence + summary.unposted_pence == sum(line.amount for line in made)
    assert figures.total.spent == summary.posted_pence
    assert summary.posted + len(summary.unposted) == len(made)
    assert list(verify()) == []
