"""Pure calculations of care and support planning: the indicative budget (resource allocation),
what a plan item costs, how far a plan is from its indicative budget, and when reviews fall due.

Plain values in, plain values out; money is whole pence and every rounding is stated.
"""

import calendar
import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from openphb.ledger.services import format_pence

# The 12 care domains of the NHS Continuing Healthcare Decision Support Tool.
DEFAULT_DOMAINS: tuple[tuple[str, str], ...] = (
    ("breathing", "Breathing"),
    ("nutrition", "Nutrition"),
    ("continence", "Continence"),
    ("skin", "Skin integrity"),
    ("mobility", "Mobility"),
    ("communication", "Communication"),
    ("psychological", "Psychological and emotional needs"),
    ("cognition", "Cognition"),
    ("behaviour", "Behaviour"),
    ("drug_therapies", "Drug therapies and medication"),
    ("altered_states", "Altered states of consciousness"),
    ("other", "Other significant care needs"),
)
DEFAULT_LEVELS: tuple[tuple[str, str, int], ...] = (
    ("none", "No needs", 0),
    ("low", "Low", 1),
    ("moderate", "Moderate", 3),
    ("high", "High", 6),
    ("severe", "Severe", 10),
    ("priority", "Priority", 15),
)

ROUNDING = {
    "nearest": "rounded to the nearest",
    "down": "rounded down to a whole",
    "up": "rounded up to a whole",
}


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    points: int


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    levels: tuple[Level, ...]

    def level(self, code: str) -> Level | None:
        return next((level for level in self.levels if level.code == code), None)


@dataclass(frozen=True)
class Adjustment:
    """A change to the budget, in basis points of the points-based amount (1000 = 10%), when a
    fact about the person holds: `setting:<code>` (where they live) or `unpaid_carer`."""

    code: str
    label: str
    when: str
    basis_points: int


@dataclass(frozen=True)
class Scheme:
    domains: tuple[Domain, ...]
    pence_per_point: int
    adjustments: tuple[Adjustment, ...] = ()
    floor: int = 0
    cap: int | None = None
    rounding_unit: int = 100  # pence: 100 is whole pounds
    rounding: str = "nearest"


@dataclass(frozen=True)
class Indicative:
    amount: int
    points: int
    explanation: tuple[str, ...]


def default_domains() -> tuple[Domain, ...]:
    levels = tuple(Level(code, label, points) for code, label, points in DEFAULT_LEVELS)
    return tuple(Domain(code, label, levels) for code, label in DEFAULT_DOMAINS)


def percent(basis_points: int) -> str:
    whole, part = divmod(abs(basis_points), 100)
    text = f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")
    return f"{text}%"


def share(amount: int, basis_points: int) -> int:
    """`amount` times basis_points / 10,000, rounded half away from zero to a whole penny."""
    product = amount * basis_points
    magnitude = (abs(product) + 5_000) // 10_000
    return magnitude if product >= 0 else -magnitude


def round_to(amount: int, unit: int, how: str) -> int:
    if unit <= 1:
        return amount
    whole, rest = divmod(amount, unit)
    if how == "down" or rest == 0:
        return whole * unit
    if how == "up":
        return (whole + 1) * unit
    return (whole + (1 if rest * 2 >= unit else 0)) * unit


def indicative_budget(
    scheme: Scheme, levels: Mapping[str, str], facts: frozenset[str] = frozenset()
) -> Indicative:
    """The indicative budget for assessed needs, and a line of plain English for each step.

    Points per domain level, times pence per point; each adjustment whose fact holds adds its
    share of that amount (adjustments do not compound); then the stated rounding; then the floor
    and the cap. Raises ValueError for a domain without a known level."""
    lines: list[str] = []
    points = 0
    for domain in scheme.domains:
        level = domain.level(levels.get(domain.code, ""))
        if level is None:
            raise ValueError(f"No level recorded for {domain.label}.")
        points += level.points
        if level.points:
            noun = "point" if level.points == 1 else "points"
            lines.append(f"{domain.label}: {level.label.lower()} needs, {level.points} {noun}.")
    if points == 0:
        lines.append("No domain has needs that score points.")
    base = points * scheme.pence_per_point
    lines.append(
        f"{points} points at {format_pence(scheme.pence_per_point)} a point "
        f"come to {format_pence(base)} a year."
    )
    amount = base
    for adjustment in scheme.adjustments:
        if adjustment.when not in facts:
            continue
        change = share(base, adjustment.basis_points)
        amount += change
        direction = "adds" if change >= 0 else "takes off"
        lines.append(
            f"{adjustment.label}: {direction} {percent(adjustment.basis_points)}, "
            f"{format_pence(abs(change))}."
        )
    amount = max(amount, 0)
    rounded = round_to(amount, scheme.rounding_unit, scheme.rounding)
    if scheme.rounding_unit > 1:
        lines.append(
            f"{format_pence(amount)} {ROUNDING[scheme.rounding]} "
            f"{format_pence(scheme.rounding_unit)} is {format_pence(rounded)}."
        )
    amount = rounded
    if amount < scheme.floor:
        lines.append(
            f"The scheme's floor is {format_pence(scheme.floor)}, so the budget is raised to it."
        )
        amount = scheme.floor
    if scheme.cap is not None and amount > scheme.cap:
        lines.append(
            f"The scheme's cap is {format_pence(scheme.cap)}, so the budget is limited to it; "
            "needs above the cap are looked at case by case."
        )
        amount = scheme.cap
    lines.append(f"Indicative budget: {format_pence(amount)} a year.")
    return Indicative(amount=amount, points=points, explanation=tuple(lines))


# --- Plan items -------------------------------------------------------------------------------

# frequency -> (label, times a year); "once" is a one-off purchase.
FREQUENCIES: dict[str, tuple[str, int]] = {
    "once": ("One-off", 1),
    "weekly": ("Every week", 52),
    "fortnightly": ("Every 2 weeks", 26),
    "four_weekly": ("Every 4 weeks", 13),
    "monthly": ("Every month", 12),
    "quarterly": ("Every 3 months", 4),
    "yearly": ("Once a year", 1),
}


def annual_cost(*, quantity: int, frequency: str, unit_price: int) -> int:
    """Quantity, times a year, times the unit price (a one-off counts once)."""
    return quantity * FREQUENCIES[frequency][1] * unit_price


def days_between(starts_on: datetime.date, ends_on: datetime.date) -> int:
    return (ends_on - starts_on).days + 1


def period_cost(
    *,
    quantity: int,
    frequency: str,
    unit_price: int,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> int:
    """What an item costs from `starts_on` to `ends_on` (both included): a one-off costs its
    price; a regular item its annual cost for a year or more (365 or 366 days count as a
    year), otherwise that share of 365 days, rounded half up to a penny."""
    yearly = annual_cost(quantity=quantity, frequency=frequency, unit_price=unit_price)
    if frequency == "once":
        return yearly
    days = days_between(starts_on, ends_on)
    if days >= 365:
        return yearly
    return (yearly * days * 2 + 365) // (365 * 2)


def indicative_for_period(
    indicative: int, *, starts_on: datetime.date, ends_on: datetime.date
) -> int:
    """The part of a yearly indicative budget that a plan's period compares with: all of it
    for a year (365 or 366 days), else its share of 365 days."""
    return prorated(indicative, part_days=days_between(starts_on, ends_on), whole_days=365)


def needs_justification(*, total: int, indicative: int, tolerance_basis_points: int) -> bool:
    """Whether the plan's total differs from the indicative budget by more than the tolerance."""
    if indicative <= 0:
        return total > 0
    return abs(total - indicative) * 10_000 > tolerance_basis_points * indicative


def difference_text(*, total: int, indicative: int) -> str:
    if total == indicative:
        return "The plan costs exactly the indicative budget."
    gap = abs(total - indicative)
    way = "more" if total > indicative else "less"
    if indicative <= 0:
        return f"The plan costs {format_pence(gap)} {way} than the indicative budget."
    whole = (gap * 1_000 + indicative // 2) // indicative
    return (
        f"The plan costs {format_pence(gap)} ({whole // 10}.{whole % 10}%) {way} "
        "than the indicative budget."
    )


# --- Reviews ----------------------------------------------------------------------------------

FIRST_REVIEW_MONTHS = 3
REVIEW_EVERY_MONTHS = 12


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_review_due(
    *, starts_on: datetime.date, first_payment_on: datetime.date | None = None
) -> datetime.date:
    """Within 3 months of the plan starting, or of the first payment when that came first."""
    base = min(starts_on, first_payment_on) if first_payment_on else starts_on
    return add_months(base, FIRST_REVIEW_MONTHS)


def next_review_due(*, reviewed_on: datetime.date) -> datetime.date:
    return add_months(reviewed_on, REVIEW_EVERY_MONTHS)


def prorated(amount: int, *, part_days: int, whole_days: int) -> int:
    """`amount` times part_days / whole_days, rounded half up to a penny (for a plan's first part
    when it is revised part-way through)."""
    if whole_days <= 0 or part_days >= whole_days:
        return amount
    if part_days <= 0:
        return 0
    return (amount * part_days * 2 + whole_days) // (whole_days * 2)
