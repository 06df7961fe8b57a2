"""The checks on how a direct payment is used, as pure functions over plain values: each takes
one budget's facts (its statement lines, the person's date of death, the people around them,
the plan items approved to pay a relative, the payments made, what is held, the commissioner's
policy) and returns the flags it finds, each with its code, severity, amount and a plain
explanation for staff and the person alike: what happened, how much, when, why it matters and
what happens next. `monitoring.services.flags_check` gathers the facts and saves new flags.

Which codes raise which flags, and how to resolve them: docs/monitoring.md.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from openphb.ledger.services import format_pence
from openphb.statements import excluded
from openphb.statements.models import Direction, Kind, Match

from .models import Code, Severity

# Merchant category codes a budget cannot buy from, with plain names: the statement uses the
# same list (statements.excluded).
EXCLUDED_MCCS: Mapping[str, str] = excluded.EXCLUDED_MCCS
CASH_MCC = "6011"  # cash from a cash machine
# Spending not in the plan is of medium severity from this amount (pence), low below it.
NOT_IN_PLAN_MEDIUM_FROM = 10_000
DAYS_IN_A_MONTH = 365.25 / 12

NEXT_STEP = "The care coordinator will look at this and may get in touch with the person about it."

# The severities each code is raised with (docs/monitoring.md lists the same).
SEVERITIES: Mapping[str, tuple[str, ...]] = {
    Code.EXCLUDED_CATEGORY: (Severity.HIGH,),
    Code.CASH_ABOVE_POLICY: (Severity.MEDIUM,),
    Code.NOT_IN_PLAN: (Severity.LOW, Severity.MEDIUM),
    Code.FAMILY_PAYEE: (Severity.HIGH,),
    Code.ACCUMULATING: (Severity.MEDIUM,),
    Code.NO_SPENDING: (Severity.LOW,),
    Code.CATEGORY_OVERSPENT: (Severity.MEDIUM,),
    Code.AFTER_DEATH: (Severity.HIGH,),
}


@dataclass(frozen=True)
class Policy:
    """A commissioner's thresholds on a day (the defaults when it has set none)."""

    cash_limit_per_month: int = 10_000
    accumulation_months: int = 3
    idle_days: int = 90
    starts_on: datetime.date | None = None

    def describe(self) -> list[str]:
        return [
            f"Cash withdrawals of more than {format_pence(self.cash_limit_per_month)} in a "
            "calendar month are flagged.",
            f"Money held that is more than {self.accumulation_months} "
            f"month{'' if self.accumulation_months == 1 else 's'} of payments is flagged.",
            f"No spending for {self.idle_days} days while payments arrive is flagged.",
        ]


@dataclass(frozen=True)
class Line:
    """A statement line of the budget's account, with what matching made of it."""

    id: int
    kind: str
    direction: str
    amount: int  # pence, always positive
    booked_on: datetime.date
    mcc: str = ""
    merchant: str = ""
    counterparty: str = ""
    description: str = ""
    match: str = ""
    item_ref: str = ""  # the plan item (budget line) money out was matched to
    category: str = ""  # that budget line's category
    category_label: str = ""
    stream: str = ""  # that budget line's funding stream
    posted: bool = False  # its spending is in the ledger

    @property
    def money_out(self) -> bool:
        return self.direction == Direction.OUT

    @property
    def cash(self) -> bool:
        return self.money_out and (self.kind == Kind.CASH or self.mcc == CASH_MCC)

    @property
    def spending(self) -> bool:
        """Money out that the person spent: not the bank's own fees."""
        return self.money_out and self.kind != Kind.FEE

    @property
    def where(self) -> str:
        return self.merchant or self.counterparty or self.description or "an unnamed payee"


@dataclass(frozen=True)
class Someone:
    """Someone around the person whose name a payment may carry: a representative or carer."""

    name: str
    relationship: str
    role: str  # "representative" or "carer"
    starts_on: datetime.date
    ends_on: datetime.date | None = None

    def on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Paid:
    """A regular direct payment made: the period it covers and what was due for it."""

    period_start: datetime.date
    period_end: datetime.date
    amount_due: int


@dataclass(frozen=True)
class Facts:
    budget_id: int
    on: datetime.date
    lines: Sequence[Line] = ()
    date_of_death: datetime.date | None = None
    people: Sequence[Someone] = ()
    # Item refs of approved plan items (of the plan in force) that pay a relative or someone
    # in the person's household.
    family_payee_items: frozenset[str] = frozenset()
    paid: Sequence[Paid] = ()
    held: Mapping[tuple[str, str], int] = field(default_factory=dict)  # (stream, category)
    # Money out matched to the plan that what is held cannot pay for, as posting the spending
    # finds it (statements.selectors.unposted_overspends): line id -> pence held in its
    # category when its turn came.
    overspent: Mapping[int, int] = field(default_factory=dict)
    policy: Policy = Policy()
    budget_ends_on: datetime.date | None = None

    def lines_to_date(self) -> list[Line]:
        return sorted((x for x in self.lines if x.booked_on <= self.on), key=_in_order)


@dataclass(frozen=True)
class Candidate:
    """A flag a rule found: about one statement line, or about the budget in a month."""

    code: str
    severity: str
    explanation: str
    amount: int | None
    line_id: int | None = None
    period: str = ""

    @property
    def key(self) -> tuple[str, int | None, str]:
        """What makes it the same flag as one raised before (the model's unique constraints)."""
        return (self.code, self.line_id, "" if self.line_id is not None else self.period)


def _in_order(line: Line) -> tuple[datetime.date, int]:
    return (line.booked_on, line.id)


def _day(day: datetime.date) -> str:
    return f"{day:%-d %B %Y}"


def month_of(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def month_name(period: str) -> str:
    return datetime.date.fromisoformat(f"{period}-01").strftime("%B %Y")


# --- One rule a code ---------------------------------------------------------------------------


def excluded_category(facts: Facts) -> list[Candidate]:
    """Money out at a merchant whose category a budget can never buy from (gambling, alcohol,
    tobacco)."""
    found = []
    for line in facts.lines_to_date():
        if not line.money_out or line.mcc not in EXCLUDED_MCCS:
            continue
        found.append(
            Candidate(
                Code.EXCLUDED_CATEGORY,
                Severity.HIGH,
                f"{format_pence(line.amount)} was spent at {line.where} on "
                f"{_day(line.booked_on)}. Its merchant category ({line.mcc}) is "
                f"{EXCLUDED_MCCS[line.mcc]}, which a personal health budget cannot pay for by "
                f"law. {NEXT_STEP} The money may have to be paid back.",
                line.amount,
                line_id=line.id,
            )
        )
    return found


def cash_above_policy(facts: Facts) -> list[Candidate]:
    """Cash withdrawn in a calendar month above the policy's limit: one flag a month."""
    by_month: dict[str, list[Line]] = defaultdict(list)
    for line in facts.lines_to_date():
        if line.cash:
            by_month[month_of(line.booked_on)].append(line)
    limit = facts.policy.cash_limit_per_month
    found = []
    for period, lines in sorted(by_month.items()):
        total = sum(line.amount for line in lines)
        if total <= limit:
            continue
        times = f"{len(lines)} withdrawal" + ("" if len(lines) == 1 else "s")
        found.append(
            Candidate(
                Code.CASH_ABOVE_POLICY,
                Severity.MEDIUM,
                f"{format_pence(total)} was taken out in cash in {month_name(period)} ({times}), "
                f"{format_pence(total - limit)} more than the {format_pence(limit)} a month "
                "the commissioner's policy allows. Cash is hard to account for, so what it "
                f"paid for needs to be shown with receipts. {NEXT_STEP}",
                total,
                period=period,
            )
        )
    return found


def not_in_plan(facts: Facts, *, explained: Iterable[int] = ()) -> list[Candidate]:
    """Money out that matching could not put against anything in the plan. Cash (governed by
    the cash limit), the bank's fees and lines another flag already explains are left out."""
    skip = set(explained)
    found = []
    for line in facts.lines_to_date():
        if (
            line.match != Match.NOT_IN_PLAN
            or not line.spending
            or line.cash
            or line.mcc in EXCLUDED_MCCS
            or line.id in skip
        ):
            continue
        found.append(
            Candidate(
                Code.NOT_IN_PLAN,
                Severity.MEDIUM if line.amount >= NOT_IN_PLAN_MEDIUM_FROM else Severity.LOW,
                f"{format_pence(line.amount)} paid to {line.where} on {_day(line.booked_on)} "
                "does not match anything in the care plan. The budget should pay only for what "
                "the plan agrees. It may be something the plan covers under another name. "
                f"{NEXT_STEP}",
                line.amount,
                line_id=line.id,
            )
        )
    return found


_TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "SIR", "LADY", "REV"})


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Z0-9]+", text.upper().replace("'", "")) if w not in _TITLES]


def names_match(payee: str, full_name: str) -> bool:
    """Whether a payee as a bank writes it names this person: their family name and either
    their first name or its initial, in any order ('MRS J SMITH', 'Smith Jane', 'JANE SMITH
    LTD' all name Jane Smith; 'J SMITHSON' does not)."""
    name = _words(full_name)
    words = _words(payee)
    if len(name) < 2 or not words:
        return False
    first, family = name[0], name[-1]
    if family not in words:
        return False
    return first in words or first[0] in words


def family_payee(facts: Facts) -> list[Candidate]:
    """Money paid to a representative or carer of the person (a relative or someone in their
    household) when no approved plan item pays such a person, or the line was matched to an
    item that does not."""
    found = []
    for line in facts.lines_to_date():
        if not line.spending or line.cash or not line.counterparty:
            continue
        who = next(
            (
                p
                for p in facts.people
                if p.on(line.booked_on) and names_match(line.counterparty, p.name)
            ),
            None,
        )
        if who is None:
            continue
        if facts.family_payee_items and (
            not line.item_ref or line.item_ref in facts.family_payee_items
        ):
            continue
        relation = f"{who.relationship}, " if who.relationship else ""
        found.append(
            Candidate(
                Code.FAMILY_PAYEE,
                Severity.HIGH,
                f"{format_pence(line.amount)} was paid to {line.counterparty} on "
                f"{_day(line.booked_on)}. This looks like {who.name} ({relation}the person's "
                f"{who.role}). A budget may pay a close relative or someone in the same "
                "household only when the care plan agrees it, with the reason recorded, and "
                f"no approved item in the plan does. {NEXT_STEP}",
                line.amount,
                line_id=line.id,
            )
        )
    return found


def monthly_payment(paid: Sequence[Paid], on: datetime.date) -> int:
    """What the direct payment comes to in a month: the latest regular payment made by `on`
    (every item paid for that period), at its daily rate over an average month (365.25 / 12
    days), so that a payment every four weeks or one for part of a month counts fairly."""
    made = [p for p in paid if p.period_start <= on]
    if not made:
        return 0
    latest = max(p.period_start for p in made)
    total = 0.0
    for p in made:
        if p.period_start == latest:
            days = (p.period_end - p.period_start).days + 1
            total += p.amount_due * DAYS_IN_A_MONTH / days
    return round(total)


def accumulating(facts: Facts) -> list[Candidate]:
    """More held, unspent, than the policy's number of months of payments: one flag a month.
    After the budget has ended, anything still held is unused: one flag for the budget."""
    ended = facts.budget_ends_on
    if ended is not None and ended < facts.on:
        held = sum(facts.held.values())
        if held <= 0:
            return []
        return [
            Candidate(
                Code.ACCUMULATING,
                Severity.MEDIUM,
                f"The budget ended on {_day(ended)}, and on {_day(facts.on)} "
                f"{format_pence(held)} paid into the account was still unspent. No more "
                "payments will be made from this budget, so the money is not needed for it "
                "any more. The care coordinator will talk it through; it may have to be paid "
                "back.",
                held,
                period=month_of(ended),
            )
        ]
    monthly = monthly_payment(facts.paid, facts.on)
    if monthly <= 0:
        return []
    held = sum(facts.held.values())
    months = facts.policy.accumulation_months
    threshold = months * monthly
    if held <= threshold:
        return []
    surplus = held - threshold
    return [
        Candidate(
            Code.ACCUMULATING,
            Severity.MEDIUM,
            f"On {_day(facts.on)} {format_pence(held)} of the budget was held unspent: more than "
            f"{months} month{'' if months == 1 else 's'} of payments "
            f"({months} x {format_pence(monthly)} = {format_pence(threshold)}), by "
            f"{format_pence(surplus)}. Money building up may mean the plan is not meeting the "
            "person's needs, or that it pays for more than is needed. The care coordinator "
            "will talk it through; unused money may be taken off future payments or asked "
            "back.",
            surplus,
            period=month_of(facts.on),
        )
    ]


def no_spending(facts: Facts) -> list[Candidate]:
    """No money out for the policy's idle days up to `on`, while money kept coming in. Only
    when the statements cover the whole spell (a line on or before its first day), so a budget
    whose statements are not yet imported is not flagged."""
    lines = facts.lines_to_date()
    days = facts.policy.idle_days
    start = facts.on - datetime.timedelta(days=days)  # the spell is the days after this one
    if not lines or lines[0].booked_on > start:
        return []
    spell = [line for line in lines if line.booked_on > start]
    if any(line.spending for line in spell):
        return []
    money_in = [line for line in spell if line.direction == Direction.IN]
    if not money_in:
        return []
    last = max((line.booked_on for line in lines if line.spending), default=None)
    since = f"since {_day(last)}" if last else "since the statements begin"
    total = sum(line.amount for line in money_in)
    return [
        Candidate(
            Code.NO_SPENDING,
            Severity.LOW,
            f"Nothing has been spent from the account {since}: {days} days or more up to "
            f"{_day(facts.on)}, while {format_pence(total)} was paid in. The care in the plan "
            "may not be happening. The care coordinator will check that the person is getting "
            "the support they need.",
            total,
            period=month_of(facts.on),
        )
    ]


def category_overspent(facts: Facts) -> list[Candidate]:
    """Spending matched to a category of the plan that is more than is held for it. Posting
    the spending to the ledger takes each category's lines in the order they were booked and
    leaves unposted a line that is more than is left when its turn comes; those lines are
    flagged, with what they are over by."""
    found = []
    for line in facts.lines_to_date():
        if line.id not in facts.overspent or not line.money_out:
            continue
        available = facts.overspent[line.id]
        what = line.category_label or line.category.replace("_", " ") or "its category"
        found.append(
            Candidate(
                Code.CATEGORY_OVERSPENT,
                Severity.MEDIUM,
                f"{format_pence(line.amount)} paid to {line.where} on {_day(line.booked_on)} "
                f"is for {what.lower()}, but only {format_pence(available)} of the budget was "
                f"held for it: {format_pence(line.amount - available)} more than the plan "
                "gives so far. It may be paid for from another part of the budget, or the plan "
                f"may need to change. {NEXT_STEP}",
                line.amount - available,
                line_id=line.id,
            )
        )
    return found


def after_death(facts: Facts) -> list[Candidate]:
    """Money spent from the account after the day the person died (not the bank's fees)."""
    died = facts.date_of_death
    if died is None:
        return []
    found = []
    for line in facts.lines_to_date():
        if not line.spending or line.booked_on <= died:
            continue
        found.append(
            Candidate(
                Code.AFTER_DEATH,
                Severity.HIGH,
                f"{format_pence(line.amount)} was paid to {line.where} on "
                f"{_day(line.booked_on)}, after the person died on {_day(died)}. A direct "
                "payment ends with the person's death: money spent afterwards may have to be "
                "paid back by their estate. A finance officer will look at it with the "
                "family or representative.",
                line.amount,
                line_id=line.id,
            )
        )
    return found


def check(facts: Facts) -> list[Candidate]:
    """Every flag the budget's facts raise, in a stable order."""
    excluded = excluded_category(facts)
    family = family_payee(facts)
    explained = {c.line_id for c in family if c.line_id is not None}
    found = [
        *excluded,
        *cash_above_policy(facts),
        *not_in_plan(facts, explained=explained),
        *family,
        *accumulating(facts),
        *no_spending(facts),
        *category_overspent(facts),
        *after_death(facts),
    ]
    return sorted(found, key=lambda c: (c.code, c.line_id or 0, c.period))
