"""When direct payments fall due and how much each is. Pure functions over plain values.

Regular payments are made in advance, every four weeks or every month from the first payment
day, and cover the full cost of the direct-payment items for the period: each item's cost is
spread over its own days, so a first or last period that is only partly covered is paid pro
rata. Each period's share is the cumulative amount to its last day less the cumulative amount
before its first, each rounded half up to a penny, so the payments add up exactly to the cost.
The first payment also covers any days of an item before the first payment day. A one-off
item is paid in full on its date. A payment is known by a key (kind, period start,
item), and a key already paid is never due again.
"""

import datetime
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from openphb.planning.calculations import add_months

REGULAR = "regular"
ONE_OFF = "one_off"
FOUR_WEEKLY = "four_weekly"
MONTHLY = "monthly"
FREQUENCIES = {FOUR_WEEKLY: "Every 4 weeks", MONTHLY: "Every month"}
DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Payable:
    """Something a budget pays by direct payment: a budget line's money for a span of days."""

    line: int  # the budget line it is paid from
    amount: int  # pence over the whole span
    starts_on: datetime.date
    ends_on: datetime.date
    one_off: bool = False
    item_ref: str = ""


@dataclass(frozen=True)
class Due:
    kind: str
    period_start: datetime.date
    period_end: datetime.date
    item_ref: str
    lines: Mapping[int, int] = field(default_factory=dict)  # budget line -> pence

    @property
    def amount(self) -> int:
        return sum(self.lines.values())

    @property
    def key(self) -> tuple[str, datetime.date, str]:
        return (self.kind, self.period_start, self.item_ref)


@functools.lru_cache(maxsize=100_000)  # a run asks the same of many budgets
def period_start(anchor: datetime.date, frequency: str, index: int) -> datetime.date:
    if frequency == FOUR_WEEKLY:
        return anchor + datetime.timedelta(weeks=4 * index)
    if frequency == MONTHLY:
        return add_months(anchor, index)
    raise ValueError(f"No payment frequency called {frequency!r}.")


def periods(
    anchor: datetime.date, frequency: str, until: datetime.date
) -> Iterable[tuple[datetime.date, datetime.date]]:
    """(first day, last day) of each period that starts on or before `until`."""
    index = 0
    while (start := period_start(anchor, frequency, index)) <= until:
        yield start, period_start(anchor, frequency, index + 1) - DAY
        index += 1


def cumulative(payable: Payable, through: datetime.date) -> int:
    """What the payable has cost from its first day to `through` (both included), rounded
    half up to a penny."""
    if through < payable.starts_on:
        return 0
    if through >= payable.ends_on:
        return payable.amount
    days = (payable.ends_on - payable.starts_on).days + 1
    elapsed = (through - payable.starts_on).days + 1
    return (payable.amount * elapsed * 2 + days) // (days * 2)


def due(
    payables: Sequence[Payable],
    *,
    anchor: datetime.date,
    frequency: str,
    on: datetime.date,
    paid: set[tuple[str, datetime.date, str]] = frozenset(),  # type: ignore[assignment]
) -> list[Due]:
    """Every payment due by `on` (a period is due on its first day) and not yet paid, oldest
    first: arrears held back earlier are paid with the current period."""
    found: list[Due] = []
    regular = [p for p in payables if not p.one_off]
    if regular:
        last = max(p.ends_on for p in regular)
        for index, (start, end) in enumerate(
            periods(anchor, frequency, min(on, max(last, anchor)))
        ):
            if (REGULAR, start, "") in paid:
                continue
            lines: dict[int, int] = {}
            for payable in regular:
                # The first payment also covers any days before the first payment day.
                before = 0 if index == 0 else cumulative(payable, start - DAY)
                share = cumulative(payable, end) - before
                if share:
                    lines[payable.line] = lines.get(payable.line, 0) + share
            if lines:
                found.append(Due(REGULAR, start, end, "", lines))
    for payable in payables:
        if not payable.one_off or payable.starts_on > on or payable.amount <= 0:
            continue
        key = (ONE_OFF, payable.starts_on, payable.item_ref)
        if key not in paid:
            found.append(
                Due(
                    ONE_OFF,
                    payable.starts_on,
                    payable.starts_on,
                    payable.item_ref,
                    {payable.line: payable.amount},
                )
            )
    return sorted(found, key=lambda d: (d.period_start, d.kind, d.item_ref))


def offset(amount_due: int, available_offset: int) -> int:
    """How much of an offset (accumulated unused money a recovery decision says to use) a
    payment takes: never more than the payment itself."""
    return max(0, min(amount_due, available_offset))
