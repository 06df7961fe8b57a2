"""The world the import and matching tests share: budgets paid by direct payment into verified
accounts, a payment run that paid them (so credits can carry its references), and statement
files written as a bank would write them."""

import datetime
import io
import itertools

from tests import factories

from openphb.audit.services import Actor
from openphb.payments import runs, services
from openphb.payments.models import Payment
from openphb.statements.formats import format_pounds

DAY = factories.payment_day()
HEADER = (
    "sort_code,account_number,date,bank_reference,type,description,counterparty,amount,"
    "currency,balance"
)
_numbers = itertools.count(1)


def paid_budget(
    *,
    commissioner,
    finance,
    finance2,
    lines=(
        ("Personal assistant hours", "personal_care", 1_200_000),
        ("Swimming sessions", "activities", 120_000),
    ),
    account: str | None = None,
    starts_on: datetime.date = DAY,
    verified: bool = True,
):
    """A year's budget from `starts_on`, its lines held as a direct payment, paid monthly into
    sort code 20-00-00 and `account` (entered by `finance`, verified by `finance2`)."""
    n = next(_numbers)
    stream = factories.funding_stream(code=f"dp-{n}", name=f"Continuing healthcare {n}")
    factories.allocation(stream=stream, commissioner=commissioner, amount=50_000_000)
    patient = factories.patient(commissioner=commissioner)
    budget = factories.budget(
        patient=patient,
        commissioner=commissioner,
        stream=stream,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=364),
        lines=lines,
    )
    setup = services.setup_save(
        actor=Actor(user=finance),
        budget=budget,
        payee_kind="person",
        payee_name=patient.full_name,
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=starts_on,
        agreement_signed_on=min(starts_on, datetime.date.today()),
        agreement_version="2026-1",
    )
    details = services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="20-00-00",
        account_number=account or f"5577{budget.pk:04d}",
        account_name=patient.family_name.upper()[:18],
    )
    if verified:
        services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)
    budget.account_number = details.account_number
    return budget


def pay_everyone(*, commissioner, finance, finance2) -> dict[int, Payment]:
    """A payment run on DAY, approved: {budget id: its payment}."""
    run = runs.run_create(actor=Actor(user=finance), commissioner=commissioner, payment_date=DAY)
    runs.run_approve(actor=Actor(user=finance2), run=run)
    return {payment.budget_id: payment for payment in run.payments.all()}


def row(
    account_number: str,
    amount: int,
    *,
    reference: str | None = None,
    kind: str | None = None,
    description: str = "",
    counterparty: str = "",
    on: datetime.date = DAY,
    sort_code: str = "200000",
) -> str:
    """One line of a bank CSV: `amount` in pence, money out negative."""
    kind = kind or ("credit" if amount > 0 else "transfer")
    reference = reference or f"BK{next(_numbers):08d}"
    return (
        f"{sort_code},{account_number},{on:%Y-%m-%d},{reference},{kind},{description},"
        f"{counterparty},{format_pounds(amount)},GBP,"
    )


def bank_file(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO(("\n".join((header, *rows)) + "\n").encode())
