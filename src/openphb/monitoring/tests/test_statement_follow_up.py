"""After a statement import: its matched spending is posted to the ledger and the budgets it
touched are checked for flags, from the command line at once and from the API in the
background."""

from io import StringIO

import pytest
from django.core.management import call_command

from openphb.audit.services import Actor
from openphb.ledger.selectors import verify
from openphb.monitoring.jobs import statement_follow_up
from openphb.monitoring.models import Code, Flag
from openphb.statements.importing import statement_import
from openphb.statements.models import Match, MatchRule, StatementLine
from openphb.statements.tests.world import bank_file, paid_budget, pay_everyone, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(icb, finance, finance2, originator):
    budget = paid_budget(commissioner=icb, finance=finance, finance2=finance2)
    pay_everyone(commissioner=icb, finance=finance, finance2=finance2)
    MatchRule.objects.create(
        commissioner=icb, field="counterparty", pattern="PAYROLL", category="personal_care"
    )
    return budget


def statement(budget):
    return bank_file(
        row(budget.account_number, -50_000, counterparty="DP PAYROLL WAGES", reference="W1"),
        row(budget.account_number, -39_900, counterparty="CURRYS PC WORLD", reference="T1"),
    )


def test_spending_is_posted_and_the_budget_checked_once(budget, finance):
    imported = statement_import(
        actor=Actor(user=finance), file=statement(budget), filename="s.csv", format="csv"
    ).statement_import
    first = statement_follow_up(actor=Actor(user=finance), statement_import=imported)
    assert (first.spending.posted, first.spending.posted_pence) == (1, 50_000)
    assert first.flags.raised == {Code.NOT_IN_PLAN: 1}
    wages = StatementLine.objects.get(bank_reference="W1")
    assert wages.match == Match.PLANNED
    assert wages.transaction is not None
    flag = Flag.objects.get(budget=budget)
    assert flag.statement_line.bank_reference == "T1"
    again = statement_follow_up(actor=Actor(user=finance), statement_import=imported)
    assert (again.spending.posted, again.flags.total) == (0, 0)
    assert Flag.objects.count() == 1
    assert list(verify()) == []


def test_the_command_posts_and_checks_after_importing(budget, finance, tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(statement(budget).getvalue())
    out = StringIO()
    call_command(
        "import-statement",
        str(path),
        "--format",
        "csv",
        "--as",
        "finance",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "Then: 1 line of spending posted (£500.00); 1 new flag on 1 budget checked." in text
    assert "  Spending not in the plan: 1" in text
