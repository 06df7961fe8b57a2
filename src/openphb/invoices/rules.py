"""The checks on a provider's invoice against the person's care plan, with coded reasons in
plain English. Pure functions over plain values; the services gather the facts.

A **hard** problem blocks approval: the budget may not pay it (not in the plan, outside its
dates, a direct-payment item, after the person died, no agreement with the provider, a
duplicate, a total that is not the sum of the lines). A **soft** problem (a price or quantity
over what the plan approved, a provider other than the one the plan names) may be approved by a
second person with a written reason.
"""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import models

from openphb.budgets.models import Holding
from openphb.ledger.services import format_pence
from openphb.planning.calculations import add_months
from openphb.planning.models import AgreementStatus


class Code(models.TextChoices):
    NOT_IN_PLAN = "not_in_plan", "Not in the care plan"
    OUTSIDE_PERIOD = "outside_period", "Outside the plan's dates"
    DIRECT_PAYMENT = "direct_payment", "Paid by direct payment, not invoiced"
    AFTER_DEATH = "after_death", "After the person's death"
    NO_AGREEMENT = "no_agreement", "No agreement with the provider"
    DUPLICATE_INVOICE = "duplicate_invoice", "Invoice received before"
    DUPLICATE_LINE = "duplicate_line", "Billed before"
    TOTAL_MISMATCH = "total_mismatch", "Total is not the sum of the lines"
    PRICE_OVER = "price_over", "Price over the approved"
    QUANTITY_OVER = "quantity_over", "Quantity over the approved"
    OTHER_PROVIDER = "other_provider", "Not the provider the plan names"


# May be approved with a written reason; every other code blocks approval.
SOFT = frozenset({Code.PRICE_OVER, Code.QUANTITY_OVER, Code.OTHER_PROVIDER})
HARD = frozenset(Code.values) - SOFT


def blocks(code: str) -> bool:
    """Whether a problem with this code stops the invoice being approved at all."""
    return code not in SOFT


@dataclass(frozen=True)
class PlannedItem:
    """A plan item as one approved version of the care plan has it."""

    name: str
    quantity: int
    frequency: str  # a key of planning.calculations.FREQUENCIES
    unit_price: int
    holding: str
    starts_on: datetime.date
    ends_on: datetime.date
    declined: bool = False
    provider_id: int | None = None
    provider_name: str = ""


@dataclass(frozen=True)
class PlanVersion:
    """One approved version of the care plan that funds the budget, its items by `item_ref`."""

    version: int
    starts_on: datetime.date
    ends_on: datetime.date
    items: Mapping[str, PlannedItem]


@dataclass(frozen=True)
class Agreement:
    """The provider's agreement with the commissioner, as recorded on the provider."""

    provider_id: int
    provider_name: str
    status: str  # planning.models.AgreementStatus
    starts_on: datetime.date | None
    ends_on: datetime.date | None


@dataclass(frozen=True)
class Line:
    """A line of the invoice being checked."""

    number: int  # its position on the invoice, from 1
    item_ref: str
    service_date: datetime.date
    quantity: int
    unit_price: int
    description: str = ""

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Billed:
    """A line of another invoice for the same budget that was not rejected."""

    item_ref: str
    service_date: datetime.date
    quantity: int
    invoice_number: str
    provider_name: str
    # It was received before the invoice being checked, or has been approved or paid: the
    # invoice being checked is the one that bills it again.
    earlier: bool


@dataclass(frozen=True)
class Problem:
    code: str
    explanation: str
    line: int | None = None  # the line's number, or None for the invoice as a whole

    @property
    def blocks(self) -> bool:
        return blocks(self.code)


def _day(day: datetime.date) -> str:
    return f"{day:%-d %b %Y}"


def agreement_in_force(agreement: Agreement, on: datetime.date) -> bool:
    """Whether the provider's agreement covered `on`: agreed (or since ended) and `on` within
    its dates. A suspended agreement covers nothing; an ended one without an end date cannot
    be shown to have covered the day."""
    if agreement.starts_on is None or on < agreement.starts_on:
        return False
    if agreement.status == AgreementStatus.AGREED:
        return agreement.ends_on is None or on <= agreement.ends_on
    if agreement.status == AgreementStatus.ENDED:
        return agreement.ends_on is not None and on <= agreement.ends_on
    return False


def version_on(plan: Sequence[PlanVersion], day: datetime.date) -> PlanVersion | None:
    """The version of the plan that governs a day: the latest approved version whose period
    covers it (a revision takes over from the day it starts)."""
    covering = [v for v in plan if v.starts_on <= day <= v.ends_on]
    return max(covering, key=lambda v: v.version, default=None)


_WEEKS = {"weekly": 7, "fortnightly": 14, "four_weekly": 28}
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
_PERIOD_NAMES = {
    "weekly": "week",
    "fortnightly": "2 weeks",
    "four_weekly": "4 weeks",
    "monthly": "month",
    "quarterly": "3 months",
    "yearly": "year",
}


def period_of(item: PlannedItem, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of the item's frequency that holds `day`, counted from the day the item
    starts (weeks of 7, 14 or 28 days; months, quarters and years by the calendar). A one-off
    item's period is all of its dates."""
    start = item.starts_on
    if item.frequency in _WEEKS:
        length = _WEEKS[item.frequency]
        begins = start + datetime.timedelta(days=(day - start).days // length * length)
        return begins, begins + datetime.timedelta(days=length - 1)
    if item.frequency in _MONTHS:
        step = _MONTHS[item.frequency]
        months = (day.year - start.year) * 12 + day.month - start.month
        count = months // step
        if add_months(start, count * step) > day:
            count -= 1
        begins = add_months(start, count * step)
        return begins, add_months(start, (count + 1) * step) - datetime.timedelta(days=1)
    return item.starts_on, item.ends_on


def _period_text(item: PlannedItem, begins: datetime.date, ends: datetime.date) -> str:
    name = _PERIOD_NAMES.get(item.frequency)
    if name is None:
        return f"its whole period, {_day(begins)} to {_day(ends)}"
    return f"the {name} {_day(begins)} to {_day(ends)}"


def _per_period(item: PlannedItem) -> str:
    name = _PERIOD_NAMES.get(item.frequency)
    return f"{item.quantity} a {name}" if name else f"{item.quantity} in all"


def check_invoice(
    *,
    invoice_number: str,
    total: int,
    lines: Sequence[Line],
    agreement: Agreement,
    plan: Sequence[PlanVersion],
    date_of_death: datetime.date | None,
    other_lines: Sequence[Billed] = (),
    received_before_on: datetime.date | None = None,
) -> list[Problem]:
    """Every problem with an invoice, each with its code and why, in the order of its lines
    (the invoice's own problems first). `received_before_on`: the day the provider's earlier
    invoice with the same number arrived, if one did (and was not rejected)."""
    found: list[Problem] = []
    provider = agreement.provider_name
    if received_before_on is not None:
        found.append(
            Problem(
                Code.DUPLICATE_INVOICE,
                f"{provider} sent an invoice numbered {invoice_number} before: it was received "
                f"on {_day(received_before_on)}. The same invoice is paid once.",
            )
        )
    billed = sum(line.amount for line in lines)
    if total != billed:
        found.append(
            Problem(
                Code.TOTAL_MISMATCH,
                f"The invoice's total, {format_pence(total)}, is not the sum of its lines, "
                f"{format_pence(billed)}. Ask {provider} for a corrected invoice.",
            )
        )
    reported_periods: set[tuple[str, datetime.date]] = set()
    for line in lines:
        found.extend(
            _line_problems(
                line,
                lines=lines,
                agreement=agreement,
                plan=plan,
                date_of_death=date_of_death,
                other_lines=other_lines,
                reported_periods=reported_periods,
            )
        )
    return found


def _line_problems(
    line: Line,
    *,
    lines: Sequence[Line],
    agreement: Agreement,
    plan: Sequence[PlanVersion],
    date_of_death: datetime.date | None,
    other_lines: Sequence[Billed],
    reported_periods: set[tuple[str, datetime.date]],
) -> list[Problem]:
    day = line.service_date
    version = version_on(plan, day)
    item = version.items.get(line.item_ref) if version is not None else None
    what = item.name if item is not None else (line.description or line.item_ref)
    label = f"Line {line.number} ({what}, {_day(day)})"
    found: list[tuple[str, str]] = []
    if date_of_death is not None and day > date_of_death:
        found.append(
            (
                Code.AFTER_DEATH,
                f"the service is dated after the person died on {_day(date_of_death)}.",
            )
        )
    if not agreement_in_force(agreement, day):
        found.append(
            (
                Code.NO_AGREEMENT,
                f"{agreement.provider_name} had no agreement with the commissioner in force "
                f"that day ({_agreement_text(agreement)}). A budget pays a provider only under "
                "an agreement.",
            )
        )
    if item is None or item.declined:
        found.append(_not_planned(line, plan, version, item))
    else:
        found.extend(_item_problems(line, item, agreement, lines, other_lines, reported_periods))
    earlier = next(
        (
            other
            for other in other_lines
            if other.earlier and other.item_ref == line.item_ref and other.service_date == day
        ),
        None,
    )
    if earlier is not None:
        found.append(
            (
                Code.DUPLICATE_LINE,
                f"it is billed already, on {earlier.provider_name}'s invoice "
                f"{earlier.invoice_number}. The same service is paid once.",
            )
        )
    return [Problem(code, f"{label}: {text}", line.number) for code, text in found]


def _not_planned(
    line: Line,
    plan: Sequence[PlanVersion],
    version: PlanVersion | None,
    item: PlannedItem | None,
) -> tuple[str, str]:
    """Why the plan does not pay for the line: no plan, a day outside it, an item it does not
    have, or one it declined."""
    if not plan:
        return (
            Code.NOT_IN_PLAN,
            "no approved care plan funds this budget, so nothing can be billed to it.",
        )
    if version is None:
        first = min(v.starts_on for v in plan)
        last = max(v.ends_on for v in plan)
        return (
            Code.OUTSIDE_PERIOD,
            f"the date is outside the care plan's period, {_day(first)} to {_day(last)}.",
        )
    if item is None:
        return (
            Code.NOT_IN_PLAN,
            f"{line.item_ref} is not an item of the care plan in force that day "
            f"(version {version.version}).",
        )
    return (
        Code.NOT_IN_PLAN,
        f"{item.name} was declined in the care plan, so the budget does not pay for it.",
    )


def _item_problems(
    line: Line,
    item: PlannedItem,
    agreement: Agreement,
    lines: Sequence[Line],
    other_lines: Sequence[Billed],
    reported_periods: set[tuple[str, datetime.date]],
) -> list[tuple[str, str]]:
    """How the line differs from the plan item it bills: its dates, how the item is held, the
    provider the plan names, the unit price and the quantity in the period."""
    found: list[tuple[str, str]] = []
    within = item.starts_on <= line.service_date <= item.ends_on
    if not within:
        found.append(
            (
                Code.OUTSIDE_PERIOD,
                f"the plan has {item.name} from {_day(item.starts_on)} to "
                f"{_day(item.ends_on)} only.",
            )
        )
    if item.holding == Holding.DIRECT_PAYMENT:
        found.append(
            (
                Code.DIRECT_PAYMENT,
                f"{item.name} is paid to the person as a direct payment, and they pay the "
                "provider from it; it is not invoiced to the NHS.",
            )
        )
        return found
    if item.provider_id is not None and item.provider_id != agreement.provider_id:
        found.append(
            (
                Code.OTHER_PROVIDER,
                f"the plan names {item.provider_name} for {item.name}, not "
                f"{agreement.provider_name}.",
            )
        )
    if line.unit_price > item.unit_price:
        found.append(
            (
                Code.PRICE_OVER,
                f"{format_pence(line.unit_price)} a unit is more than the "
                f"{format_pence(item.unit_price)} the plan approved.",
            )
        )
    if within:
        over = _quantity_over(line, item, lines, other_lines, reported_periods)
        if over:
            found.append((Code.QUANTITY_OVER, over))
    return found


def _quantity_over(
    line: Line,
    item: PlannedItem,
    lines: Sequence[Line],
    other_lines: Sequence[Billed],
    reported_periods: set[tuple[str, datetime.date]],
) -> str:
    """Why the quantity billed for the item in the period holding this line's date (on this
    invoice and every other one not rejected) is more than the plan approved; '' if it is
    not, or if that period was reported already on an earlier line."""
    begins, ends = period_of(item, line.service_date)
    if (line.item_ref, begins) in reported_periods:
        return ""
    here = sum(
        other.quantity
        for other in lines
        if other.item_ref == line.item_ref
        and begins <= other.service_date <= ends
        and item.starts_on <= other.service_date <= item.ends_on
    )
    elsewhere = sum(
        other.quantity
        for other in other_lines
        if other.item_ref == line.item_ref
        and begins <= other.service_date <= ends
        and item.starts_on <= other.service_date <= item.ends_on
    )
    if here + elsewhere <= item.quantity:
        return ""
    reported_periods.add((line.item_ref, begins))
    counted = f"{here} on this invoice" + (
        f" and {elsewhere} on other invoices" if elsewhere else ""
    )
    return (
        f"{counted} for {_period_text(item, begins, ends)}: more than the plan's "
        f"{_per_period(item)}."
    )


def _agreement_text(agreement: Agreement) -> str:
    status = AgreementStatus(agreement.status).label.lower()
    if agreement.starts_on is None:
        return status
    until = f" to {_day(agreement.ends_on)}" if agreement.ends_on else ""
    return f"{status}, from {_day(agreement.starts_on)}{until}"
