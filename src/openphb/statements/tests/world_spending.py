"""The world the spending and statement tests share: a budget paid by direct payment for personal
assistant hours and swimming, with money paid to the holder (held), and statement lines
written directly, as matching would leave them."""

import datetime
import hashlib
import itertools
from types import SimpleNamespace

from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay
from openphb.statements.models import Direction, Kind, Match, StatementImport, StatementLine

SYSTEM = Actor.system_job("test")
TODAY = datetime.date.today()
STARTS = TODAY - datetime.timedelta(days=120)
SORT_CODE, ACCOUNT = "200000", "55779911"
_numbers = itertools.count(1)


def funded_budget(*, commissioner, patient=None, held=(("personal_care", 50_000),)):
    """A year's budget from 120 days ago: personal assistant hours (£6,000) and swimming
    (£1,200), both direct payments, with `held` pence paid to the holder per category."""
    n = next(_numbers)
    stream = factories.funding_stream(code=f"dp-{n}", name=f"Continuing healthcare {n}")
    factories.allocation(stream=stream, commissioner=commissioner, amount=10_000_000)
    budget = factories.budget(
        patient=patient or factories.patient(commissioner=commissioner),
        commissioner=commissioner,
        stream=stream,
        starts_on=STARTS,
        ends_on=STARTS + datetime.timedelta(days=364),
        lines=(
            ("Personal assistant hours", "personal_care", 600_000),
            ("Swimming sessions", "activities", 120_000),
        ),
    )
    lines = {line.category: line for line in budget.lines.all()}
    for category, amount in held:
        pay(budget, lines[category], amount, STARTS)
    return SimpleNamespace(
        budget=budget, stream=stream, care=lines["personal_care"], swim=lines["activities"]
    )


def pay(budget, line, amount, on):
    return budget_pay(
        actor=SYSTEM, budget=budget, line=line, amount=amount, on=on, description="Direct payment"
    )


def statement_import(name: str = "statement.csv") -> StatementImport:
    n = next(_numbers)
    return StatementImport.objects.create(
        format="csv",
        filename=name,
        sha256=hashlib.sha256(f"{name}-{n}".encode()).hexdigest(),
        size_bytes=100,
        imported_by_label="test",
    )


def spent(
    budget_line,
    amount: int,
    booked_on: datetime.date,
    *,
    merchant: str = "Jo's Care Agency",
    imported: StatementImport | None = None,
    balance_after: int | None = None,
    kind: str = Kind.TRANSFER,
    match: str = Match.PLANNED,
    mcc: str = "",
) -> StatementLine:
    """Money out of the holder's account, matched to a line of the plan (or not)."""
    return _line(
        budget_line.budget,
        imported,
        booked_on=booked_on,
        direction=Direction.OUT,
        kind=kind,
        amount=amount,
        merchant=merchant,
        mcc=mcc,
        description=merchant,
        balance_after=balance_after,
        match=match,
        line=budget_line if match == Match.PLANNED else None,
    )


def paid_in(
    budget,
    amount: int,
    booked_on: datetime.date,
    *,
    payment=None,
    description: str = "NHS DIRECT PAYMENT",
    imported: StatementImport | None = None,
    balance_after: int | None = None,
) -> StatementLine:
    """Money into the holder's account: reconciled to a payment, or not."""
    return _line(
        budget,
        imported,
        booked_on=booked_on,
        direction=Direction.IN,
        kind=Kind.CREDIT,
        amount=amount,
        description=f"{description} {payment.reference}" if payment else description,
        counterparty="NHS",
        balance_after=balance_after,
        match=Match.RECONCILED if payment else Match.UNMATCHED_CREDIT,
        payment=payment,
    )


def _line(budget, imported, **values) -> StatementLine:
    n = next(_numbers)
    return StatementLine.objects.create(
        statement_import=imported or statement_import(),
        line_number=n,
        sort_code=SORT_CODE,
        account_number=f"{ACCOUNT[:4]}{budget.pk:04d}",
        bank_reference=f"BANK-{n:08d}",
        budget=budget,
        **values,
    )
