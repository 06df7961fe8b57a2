"""The budget holder's monthly statement, assembled from plain values: money in (payments
received, and payments made that the bank has not shown yet), money out by category against
what the plan gives for the month, the balance at the start and end of the month (the bank's
where it gives one, else worked out, and saying which), and each transaction explained.

Everything here is pure: `statements.selectors.monthly_statement` reads the facts and calls
`assemble`. Flags and repayment notices belong to other apps; the page adds them.
"""

import calendar
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from openphb.ledger.services import format_pence

from .excluded import excluded
from .models import Direction, Kind, Match

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
NOT_IN_PLAN = "not_in_plan"


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: datetime.date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> "Month":
        """A month written YYYY-MM, e.g. 2026-03; a ValidationError saying so otherwise."""
        found = MONTH.match(text.strip())
        if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
            raise ValidationError(
                {"month": f"Give the month as a year and month, like 2026-03, not '{text}'."}
            )
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def days(self) -> int:
        return self.last.day

    def previous(self) -> "Month":
        return Month.of(self.first - datetime.timedelta(days=1))

    def next(self) -> "Month":
        return Month.of(self.last + datetime.timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.first:%B %Y}"


# --- The facts, as plain values ---------------------------------------------------------------


@dataclass(frozen=True)
class LineFact:
    """A transaction on the budget's account, as the bank reported it and matching left it."""

    id: int
    booked_on: datetime.date
    direction: str
    kind: str
    amount: int
    description: str = ""
    counterparty: str = ""
    merchant: str = ""
    mcc: str = ""  # merchant category code, for card purchases
    balance_after: int | None = None
    match: str = ""
    category: str = ""  # of the plan line it was matched to
    payment_reference: str = ""  # of the payment it was reconciled to
    posted: bool = False  # counted as spent in the budget

    @property
    def signed(self) -> int:
        return self.amount if self.direction == Direction.IN else -self.amount

    @property
    def name(self) -> str:
        """Who it was paid to or from, as the bank said; without the payment reference the
        explanation already gives (a credit's text is often the reference alone)."""
        name = (self.merchant or self.counterparty or self.description).strip()
        if self.payment_reference and self.payment_reference in name:
            return name.replace(self.payment_reference, "").strip(" -:/,") or "NHS"
        return name or "No details"


@dataclass(frozen=True)
class PaymentFact:
    """A payment the NHS made into the account (by a payment run)."""

    reference: str
    paid_on: datetime.date
    amount: int
    covers: str  # e.g. '5 January 2026 to 4 February 2026'
    returned: bool = False
    seen: bool = False  # a line on the statement carries it


@dataclass(frozen=True)
class PlanFact:
    """What the plan gives a category (direct-payment lines only), over the budget's period."""

    category: str
    label: str
    approved: int


# --- The statement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    amount: int
    from_bank: bool
    how: str  # in words: where the figure comes from


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    planned: int | None  # for the month; None for spending not in the plan
    spent: int
    explanation: str

    @property
    def left(self) -> int | None:
        return None if self.planned is None else self.planned - self.spent

    @property
    def over(self) -> bool:
        return self.planned is not None and self.spent > self.planned


@dataclass(frozen=True)
class Row:
    """One transaction as the statement lists it."""

    line_id: int
    booked_on: datetime.date
    what: str
    money_in: int | None
    money_out: int | None
    balance: int
    balance_from_bank: bool
    note: str


@dataclass
class MonthlyStatement:
    month: Month
    starts_on: datetime.date  # of the budget
    ends_on: datetime.date
    opening: Balance
    closing: Balance
    money_in: list[Row] = field(default_factory=list)
    payments_not_seen: list[PaymentFact] = field(default_factory=list)
    payments_returned: list[PaymentFact] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    unposted: list[int] = field(default_factory=list)  # line ids more than was held

    @property
    def total_in(self) -> int:
        return sum(row.money_in or 0 for row in self.money_in)

    @property
    def total_out(self) -> int:
        return sum(row.money_out or 0 for row in self.rows)

    @property
    def total_planned(self) -> int:
        return sum(row.planned or 0 for row in self.categories)

    @property
    def not_seen_total(self) -> int:
        return sum(payment.amount for payment in self.payments_not_seen)


def share(amount: int, part_days: int, whole_days: int) -> int:
    """`amount` times part over whole, rounded to the nearest penny (halves up)."""
    if whole_days <= 0 or part_days <= 0:
        return 0
    return (2 * amount * part_days + whole_days) // (2 * whole_days)


def days_covered(month: Month, starts_on: datetime.date, ends_on: datetime.date) -> int:
    """How many days of the month fall within the budget's period."""
    first, last = max(month.first, starts_on), min(month.last, ends_on)
    return max((last - first).days + 1, 0)


def monthly_plan(
    plan: PlanFact, month: Month, starts_on: datetime.date, ends_on: datetime.date
) -> tuple[int, str]:
    """What the plan gives a category for the month, and how that is worked out: the
    category's amount spread evenly over every day of the budget's period, times the days of
    the month within it."""
    whole = (ends_on - starts_on).days + 1
    part = days_covered(month, starts_on, ends_on)
    amount = share(plan.approved, part, whole)
    days = "day" if part == 1 else "days"
    if part == month.days:
        within = f"all {part} days of {month.label}"
    else:
        within = f"the {part} {days} of {month.label} within it"
    return amount, (
        f"The plan gives {format_pence(plan.approved)} for {plan.label.lower()} from "
        f"{starts_on:%-d %B %Y} to {ends_on:%-d %B %Y} ({whole} days). Spread evenly over "
        f"those days, {within} get {part}/{whole} of it: {format_pence(amount)}."
    )


def _running(
    lines: Sequence[LineFact],
) -> tuple[int | None, bool, datetime.date | None]:
    """The balance after these lines, whether it is the bank's own figure, and the date of the
    last balance the bank gave (None, False, None when there are no lines)."""
    balance: int | None = None
    from_bank = False
    bank_date: datetime.date | None = None
    for line in lines:
        if line.balance_after is not None:
            balance, from_bank, bank_date = line.balance_after, True, line.booked_on
        else:
            balance = (balance or 0) + line.signed
            from_bank = False
    return balance, from_bank, bank_date


def _opening(before: Sequence[LineFact], during: Sequence[LineFact], month: Month) -> Balance:
    balance, from_bank, bank_date = _running(before)
    if balance is not None:
        if from_bank:
            return Balance(balance, True, "The bank's balance at the end of the day before.")
        if bank_date is not None:
            return Balance(
                balance,
                False,
                f"Worked out from the bank's balance on {bank_date:%-d %B %Y} and the "
                "transactions since.",
            )
        return Balance(
            balance, False, "Worked out by adding up every transaction we have for the account."
        )
    # Nothing earlier: work back from the first balance the bank gave this month.
    for index, line in enumerate(during):
        if line.balance_after is not None:
            start = line.balance_after - sum(earlier.signed for earlier in during[: index + 1])
            return Balance(
                start,
                False,
                f"Worked out back from the bank's balance on {line.booked_on:%-d %B %Y}.",
            )
    return Balance(
        0,
        False,
        f"We have no transactions for the account before {month.first:%-d %B %Y}, so the "
        "statement starts from £0.00.",
    )


def _note(line: LineFact, labels: dict[str, str], unposted: set[int]) -> str:
    if line.direction == Direction.IN:
        if line.match == Match.RECONCILED:
            return f"Your direct payment from the NHS (reference {line.payment_reference})."
        if line.kind == Kind.REFUND:
            return "A refund: money paid back into the account."
        return "Money paid in that is not one of our direct payments."
    never = excluded(line.mcc)
    if never:
        return (
            f"The bank lists this as {never} (merchant category {line.mcc.strip()}). A personal "
            "health budget can never be spent on gambling, alcohol or tobacco. Your care "
            "coordinator will be in touch."
        )
    if line.match == Match.PLANNED:
        label = labels.get(line.category, line.category.replace("_", " "))
        if line.id in unposted:
            return (
                f"Spent on {label.lower()}. It is more than the money there was for "
                f"{label.lower()}, so we have not counted it yet: your care coordinator may "
                "contact you about it."
            )
        return f"Spent on {label.lower()}, which is in your plan."
    if line.kind == Kind.CASH:
        return "Cash taken out. Keep receipts for what it was spent on."
    if line.kind == Kind.FEE:
        return "A fee charged by the bank or card provider."
    return (
        "We could not match this to your plan. If it was for your care, keep the receipt: your "
        "care coordinator may ask about it."
    )


def assemble(
    *,
    month: Month,
    starts_on: datetime.date,
    ends_on: datetime.date,
    plan: Iterable[PlanFact],
    before: Sequence[LineFact],
    lines: Sequence[LineFact],
    payments: Iterable[PaymentFact] = (),
    unposted: Iterable[int] = (),
) -> MonthlyStatement:
    """The statement for `month`: `before` are the account's transactions before the month
    (from the last one the bank gave a balance for), `lines` those in it, `payments` the
    payments made in it; `unposted` the lines of money out more than was held."""
    lines = sorted(lines, key=lambda line: (line.booked_on, line.id))
    before = sorted(before, key=lambda line: (line.booked_on, line.id))
    unposted = set(unposted)
    plan = list(plan)
    labels = {fact.category: fact.label for fact in plan}
    opening = _opening(before, lines, month)
    statement = MonthlyStatement(
        month=month, starts_on=starts_on, ends_on=ends_on, opening=opening, closing=opening
    )
    balance, from_bank = opening.amount, opening.from_bank
    spent: dict[str, int] = defaultdict(int)
    for line in lines:
        if line.balance_after is not None:
            balance, from_bank = line.balance_after, True
        else:
            balance, from_bank = balance + line.signed, False
        row = Row(
            line_id=line.id,
            booked_on=line.booked_on,
            what=line.name,
            money_in=line.amount if line.direction == Direction.IN else None,
            money_out=line.amount if line.direction == Direction.OUT else None,
            balance=balance,
            balance_from_bank=from_bank,
            note=_note(line, labels, unposted),
        )
        statement.rows.append(row)
        if line.direction == Direction.IN:
            statement.money_in.append(row)
        elif line.match == Match.PLANNED and line.category:
            spent[line.category] += line.amount
        else:
            spent[NOT_IN_PLAN] += line.amount
        if line.id in unposted:
            statement.unposted.append(line.id)
    if lines:
        last = lines[-1]
        statement.closing = Balance(
            balance,
            from_bank,
            f"The bank's balance at the end of {last.booked_on:%-d %B %Y}."
            if from_bank
            else "Worked out from the balance at the start of the month and the transactions "
            "in it.",
        )
    else:
        statement.closing = Balance(
            opening.amount, opening.from_bank, "No money went in or out this month."
        )
    for fact in sorted(plan, key=lambda fact: fact.label):
        planned, how = monthly_plan(fact, month, starts_on, ends_on)
        statement.categories.append(
            CategoryRow(fact.category, fact.label, planned, spent.pop(fact.category, 0), how)
        )
    for category, amount in sorted(spent.items()):
        if category == NOT_IN_PLAN:
            continue
        statement.categories.append(
            CategoryRow(
                category,
                category.replace("_", " ").capitalize(),
                None,
                amount,
                "Your plan has no money paid to you for this.",
            )
        )
    if spent.get(NOT_IN_PLAN):
        statement.categories.append(
            CategoryRow(
                NOT_IN_PLAN,
                "Not matched to your plan",
                None,
                spent[NOT_IN_PLAN],
                "Money out we could not match to anything in your plan, cash and fees.",
            )
        )
    for payment in sorted(payments, key=lambda p: (p.paid_on, p.reference)):
        if payment.returned:
            statement.payments_returned.append(payment)
        elif not payment.seen:
            statement.payments_not_seen.append(payment)
    return statement
