"""The remittance advice for a payment file, as CSV: what was paid, to whom, for what.

One row a payment, in the order given (the order of the Bacs file), under this header:

| column | what it holds |
| --- | --- |
| Payment reference | the reference the payee's bank statement shows |
| Budget | the budget the payment is made from |
| Paid to | the payee's name |
| Sort code | the last two digits only: ``**-**-00`` |
| Account number | the last four digits only: ``****5678`` |
| Amount (£) | pounds and pence, a plain decimal a spreadsheet can add up: ``1250.50`` |
| Payment date | the day the money is due in the account, ``YYYY-MM-DD`` |
| For | what the payment covers, e.g. "4 weeks from 5 January 2026" |

A remittance advice is read by the payee and their helpers and is forwarded, printed and
emailed, so it never carries a whole account number or sort code: the last digits are enough
for a holder to recognise their own account, and to notice one that is not theirs. Cells that
would start a formula in a spreadsheet are made text (``openphb.core.csv``). The same rows
always give the same bytes: UTF-8, CR LF line ends (the csv module's), nothing from the clock.
"""

import dataclasses
import datetime
import re
from collections.abc import Sequence

from openphb.core.csv import csv_text

HEADER = (
    "Payment reference",
    "Budget",
    "Paid to",
    "Sort code",
    "Account number",
    "Amount (£)",
    "Payment date",
    "For",
)

_NOT_DIGITS = re.compile(r"[^0-9]")


@dataclasses.dataclass(frozen=True)
class RemittanceRow:
    """One payment as the remittance shows it; the amount is whole pence."""

    payment_reference: str
    budget: str
    payee_name: str
    sort_code: str
    account_number: str
    amount: int
    payment_date: datetime.date
    description: str = ""


def remittance_csv(rows: Sequence[RemittanceRow]) -> bytes:
    """The remittance advice for ``rows`` as UTF-8 CSV bytes, with the header above."""
    lines = [_cells(number, row) for number, row in enumerate(rows, start=1)]
    return csv_text(HEADER, lines).encode("utf-8")


def masked_sort_code(text: str) -> str:
    """A sort code with all but its last two digits hidden: 20-00-00 is **-**-00."""
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) != 6:
        raise ValueError("A sort code is 6 digits, like 20-00-00.")
    return "**-**-" + digits[-2:]


def masked_account_number(text: str) -> str:
    """An account number with all but its last four digits hidden: 55779911 is ****9911."""
    digits = _NOT_DIGITS.sub("", text)
    if not 6 <= len(digits) <= 8:
        raise ValueError("An account number is 8 digits.")
    return "****" + digits[-4:]


def pounds(pence: int) -> str:
    """Whole pence as pounds for a spreadsheet: 125050 is 1250.50 (never a float)."""
    whole, part = divmod(pence, 100)
    return f"{whole}.{part:02d}"


def _cells(number: int, row: RemittanceRow) -> tuple[str, ...]:
    label = f"Remittance row {number}"
    try:
        sort_code = masked_sort_code(row.sort_code)
        account_number = masked_account_number(row.account_number)
    except ValueError as error:
        raise ValueError(f"{label}: {error}") from None
    amount = row.amount
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"{label}: the amount is whole pence more than nothing, not {amount!r}.")
    if not row.payment_reference.strip():
        raise ValueError(f"{label}: the payment reference is blank.")
    return (
        row.payment_reference,
        row.budget,
        row.payee_name,
        sort_code,
        account_number,
        pounds(amount),
        row.payment_date.isoformat(),
        row.description,
    )
