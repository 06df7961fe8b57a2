"""The world the monitoring tests share: a budget paid by direct payment (personal assistant
hours, £6,000 for the year), money paid into the person's account and held there, regular
payments made by a run, and statement lines on the account, written directly (the importer
and matching are tested on their own)."""

import datetime
import hashlib
import itertools

from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay
from openphb.payments.models import DirectPaymentSetup, Payment, PaymentRun
from openphb.statements.models import StatementImport, StatementLine

TODAY = datetime.date.today()
SYSTEM = Actor.system_job("test")
_numbers = itertools.count(1)


def dp_budget(*, commissioner, patient, stream, amount: int = 600_000):
    """A budget of one direct-payment line (personal care) with its set-up, running from 200
    days ago for a year."""
    budget = factories.budget(
        patient=patient,
        commissioner=commissioner,
        stream=stream,
        lines=(("Personal assistant hours", "personal_care", amount),),
        starts_on=TODAY - datetime.timedelta(days=200),
        ends_on=TODAY + datetime.timedelta(days=165),
    )
    DirectPaymentSetup.objects.create(
        budget=budget,
        payee_kind="person",
        payee_name=patient.full_name,
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=budget.starts_on,
        agreement_signed_on=budget.starts_on,
    )
    return budget


def hold(budget, amount: int, on: datetime.date | None = None):
    """Pay `amount` of the budget's first line into the person's account (held)."""
    return budget_pay(
        actor=SYSTEM,
        budget=budget,
        line=budget.lines.first(),
        amount=amount,
        on=on or budget.starts_on,
        description="Direct payment",
    )


def paid(budget, amount: int, start: datetime.date, end: datetime.date) -> Payment:
    """A regular payment made by a run (the run itself is not under test here)."""
    n = next(_numbers)
    run = PaymentRun.objects.create(
        commissioner=budget.commissioner,
        payment_date=start,
        status=PaymentRun.Status.APPROVED,
        created_by_label="test",
    )
    return Payment.objects.create(
        run=run,
        budget=budget,
        kind=Payment.Kind.REGULAR,
        period_start=start,
        period_end=end,
        amount_due=amount,
        amount=amount,
        reference=f"PHB{n:06d}-00000001",
        payee_name="Test",
        sort_code="200000",
        account_number="55779911",
        account_name="TEST",
        status=Payment.Status.PAID,
    )


def statement_import() -> StatementImport:
    n = next(_numbers)
    return StatementImport.objects.create(
        format="card",
        filename=f"statement-{n}.csv",
        sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        size_bytes=100,
        imported_by_label="test",
    )


def line(
    budget,
    *,
    amount: int,
    booked_on: datetime.date,
    direction: str = "out",
    kind: str = "card",
    match: str = "not_in_plan",
    source: StatementImport | None = None,
    **fields,
) -> StatementLine:
    """A statement line on the budget's account, as matching left it."""
    n = next(_numbers)
    return StatementLine.objects.create(
        statement_import=source or statement_import(),
        line_number=n,
        sort_code="200000",
        account_number="55779911",
        bank_reference=f"REF{n}",
        booked_on=booked_on,
        direction=direction,
        kind=kind,
        amount=amount,
        budget=budget,
        match=match,
        **fields,
    )
