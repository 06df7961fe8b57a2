"""Demo direct payments and payment runs: each demo commissioner's Bacs account, a direct
payment set up for every budget with lines held as direct payments (the demo holder's among
them), and the payment runs that have paid them, from their first payment day to today.

Everything goes through the payments services as the demo finance officers would act:
`finance` sets up each direct payment, enters the bank details and creates each run; `finance2`
verifies the bank details and approves the runs (never the person who entered or created them).

Each commissioner pays on its own cycle: the ICB (DM0D1) every month, the NHS Commissioning
Board (DM0B1) every four weeks, counted back from the first Bacs processing day on or after
today, whose run is approved (the holder's first payment is in it). A direct payment falls due
on the cycle's days from the first one on or after its plan's direct-payment items (or its
budget) start; the first payment also covers any days before. The runs are made in date order,
each direct payment set up just before the first run that pays it, so no run lists a budget
before it began. (The runs date everything by the payment day; what they gather is what is
due by then.)
The stories:
- one payment returned by the bank (the account was closed); the person gave new details,
  which `finance` entered and nobody has verified yet, so their payments are held since;
- one direct payment suspended while the person is in hospital, one stopped because the person
  withdrew their consent, and one whose agreement is not signed yet;
- each commissioner's next run is gathered and waits for `finance2` to approve it.

Bank details, the commissioners' accounts and their Bacs service user numbers are synthetic:
drawn from the seeded random numbers, belonging to no one.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.budgets.models import Budget, Holding
from openphb.budgets.selectors import budget_figures
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.payments import runs, schedule, services
from openphb.payments.calendar import processing_day_on_or_after
from openphb.payments.models import (
    AccountType,
    DirectPaymentSetup,
    HoldKind,
    HoldReason,
    Originator,
    PayeeKind,
    Payment,
    PaymentRun,
)
from openphb.planning.selectors import direct_payment_items
from openphb.registry.models import Carer, Representative

Say = Callable[[str], None]
DAY = datetime.timedelta(days=1)

# commissioner -> (how often it pays, the name on its account)
CYCLES = {
    "DM0D1": (schedule.MONTHLY, "NHS NEL ICB"),
    "DM0B1": (schedule.FOUR_WEEKLY, "NHS COMMISSIONING"),
}
# Agreements signed from this day are the new version.
NEW_AGREEMENT = (datetime.date(2026, 4, 1), "2026.1", "2024.2")
ACCOUNT_TYPES = (
    AccountType.DEDICATED,
    AccountType.DEDICATED,
    AccountType.MANAGED,
    AccountType.PREPAID_CARD,
)
ACCOUNT_NAME_SUFFIXES: dict[str, str] = {
    AccountType.MANAGED: " MAN",
    AccountType.PREPAID_CARD: " CARD",
}
RETURN_REASON = "Account closed (returned by the bank through ARUCS)"


# --- Payment days -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    """A commissioner's payment cycle: cycle day 0 is the first processing day on or after
    today, and each cycle day is paid on the first processing day on or after it."""

    frequency: str
    zero: datetime.date

    def day(self, index: int) -> datetime.date:
        return schedule.period_start(self.zero, self.frequency, index)

    def payment_day(self, index: int) -> datetime.date:
        return processing_day_on_or_after(self.day(index))

    def first_on_or_after(self, day: datetime.date) -> int:
        index = 0
        while self.day(index - 1) >= day:
            index -= 1
        while self.day(index) < day:
            index += 1
        return index


# --- Who is paid ------------------------------------------------------------------------------


@dataclass
class Entry:
    budget: Budget
    cycle: Cycle
    first: int  # the index of the cycle day of the first payment
    setup: DirectPaymentSetup | None = None

    @property
    def is_holder(self) -> bool:
        account = self.budget.patient.account
        return account is not None and account.username == "holder"

    def paid_in(self, index: int) -> bool:
        """Whether the run of cycle day `index` pays it (its budget running from before)."""
        return self.first <= index and self.cycle.day(index) <= self.budget.ends_on


@dataclass
class Cast:
    returned: Entry | None = None
    suspended: Entry | None = None
    stopped: Entry | None = None
    unsigned: Entry | None = None
    entries: list[Entry] = field(default_factory=list)


def build(*, orgs: dict[str, Organisation], seed: int, say: Say) -> None:
    """Set up direct payments and make their payment runs, once (all of it, or none)."""
    if Originator.objects.filter(commissioner__in=[orgs[ods] for ods in CYCLES]).exists():
        return
    users = {u.username: u for u in User.objects.filter(username__in=["finance", "finance2"])}
    finance, second = Actor(user=users["finance"]), Actor(user=users["finance2"])
    zero = processing_day_on_or_after(timezone.localdate())
    cycles = {orgs[ods].pk: Cycle(frequency, zero) for ods, (frequency, _) in CYCLES.items()}
    rng = random.Random(seed * 31 + 6)
    with transaction.atomic():
        for ods, (_, account_name) in CYCLES.items():
            services.originator_set(
                actor=finance,
                commissioner=orgs[ods],
                sort_code=_sort_code(rng),
                account_number=_account_number(rng),
                account_name=account_name,
                service_user_number=f"{rng.randint(100_000, 999_999)}",
            )
        cast = _cast(_entries(cycles))
        _runs(cast, cycles, finance, second, rng)
    if cast.entries:
        _report(cast, say)


def _entries(cycles: dict[int, Cycle]) -> list[Entry]:
    """Active budgets of the demo commissioners with direct-payment lines, of people alive on
    the first payment day, none of them paid yet (a world built before demo payments paid its
    direct payments quarterly; those budgets keep that)."""
    budgets = list(
        Budget.objects.filter(
            status=Budget.Status.ACTIVE,
            commissioner_id__in=cycles,
            lines__holding=Holding.DIRECT_PAYMENT,
        )
        .distinct()
        .select_related("patient__account")
        .order_by("pk")
    )
    items = direct_payment_items(budget_ids=[b.pk for b in budgets])
    entries = []
    for budget in budgets:
        figures = budget_figures(budget=budget).by_line
        lines = budget.lines.filter(holding=Holding.DIRECT_PAYMENT)
        if any(figures[line.pk].paid or figures[line.pk].committed for line in lines):
            continue
        cycle = cycles[budget.commissioner_id]
        starts = min((i.starts_on for i in items.get(budget.pk, [])), default=budget.starts_on)
        first = cycle.first_on_or_after(max(starts, budget.starts_on))
        if cycle.day(first) > budget.ends_on:
            continue  # nothing in the budget falls on a payment day
        died = budget.patient.date_of_death
        if died is not None and died <= cycle.day(first):
            continue
        entries.append(Entry(budget=budget, cycle=cycle, first=first))
    return entries


def _cast(entries: list[Entry]) -> Cast:
    """Who the stories are about: living people other than the demo holder (whose payments
    are made), each paid in the runs the story needs."""
    cast = Cast(entries=entries)
    free = [e for e in entries if e.budget.patient.date_of_death is None and not e.is_holder]

    def take(wanted: Callable[[Entry], bool]) -> Entry | None:
        for entry in free:
            if wanted(entry):
                free.remove(entry)
                return entry
        return None

    # Paid in the run before today's (then returned), and owed something in the next.
    cast.returned = take(lambda e: e.paid_in(-1) and e.paid_in(1))
    cast.suspended = take(lambda e: e.paid_in(-2) and e.paid_in(1))
    cast.stopped = take(lambda e: e.paid_in(-3))
    if free:  # the newest direct payment's agreement is still with the person to sign
        cast.unsigned = max(free, key=lambda e: (e.cycle.day(e.first), -e.budget.pk))
    return cast


def _payee(entry: Entry) -> tuple[str, str]:
    patient = entry.budget.patient
    if entry.is_holder:
        return PayeeKind.PERSON, patient.full_name
    representative = (
        Representative.objects.filter(patient=patient)
        .active_on(entry.budget.starts_on)
        .order_by("starts_on", "pk")
        .first()
    )
    if representative is not None:
        return PayeeKind.REPRESENTATIVE, representative.full_name
    if entry.budget.pk % 3 == 0:
        carer = Carer.objects.filter(cares_for=patient).order_by("starts_on", "pk").first()
        if carer is not None:
            return PayeeKind.NOMINEE, carer.full_name
    return PayeeKind.PERSON, patient.full_name


def _account_name(payee: str, account_type: str) -> str:
    first, _, last = payee.rpartition(" ")
    name = f"{first[:1]} {last}".strip().upper()
    suffix = ACCOUNT_NAME_SUFFIXES.get(account_type, "")
    return name[: 18 - len(suffix)] + suffix


def _sort_code(rng: random.Random) -> str:
    return "-".join(f"{rng.randint(10, 99)}" for _ in range(3))


def _account_number(rng: random.Random) -> str:
    return f"{rng.randint(10_000_000, 99_999_999)}"


# --- Setting up, runs, the stories ------------------------------------------------------------


def _set_up(entry: Entry, cast: Cast, finance: Actor, second: Actor, rng: random.Random) -> None:
    """`finance` sets the direct payment up and enters the bank details; `finance2` verifies
    them. The suspension and the stop are recorded with it (they are dated)."""
    budget, cycle = entry.budget, entry.cycle
    first_payment = cycle.day(entry.first)
    signed = min(timezone.localdate(), first_payment - 7 * DAY)
    since, new, old = NEW_AGREEMENT
    payee_kind, payee_name = _payee(entry)
    account_type = (
        AccountType.DEDICATED if entry.is_holder else ACCOUNT_TYPES[budget.pk % len(ACCOUNT_TYPES)]
    )
    unsigned = entry is cast.unsigned
    entry.setup = services.setup_save(
        actor=finance,
        budget=budget,
        payee_kind=payee_kind,
        payee_name=payee_name,
        account_type=account_type,
        frequency=cycle.frequency,
        first_payment_on=first_payment,
        agreement_signed_on=None if unsigned else signed,
        agreement_version="" if unsigned else (new if signed >= since else old),
    )
    details = services.bank_details_enter(
        actor=finance,
        setup=entry.setup,
        sort_code=_sort_code(rng),
        account_number=_account_number(rng),
        account_name=_account_name(payee_name, account_type),
    )
    services.bank_details_decide(
        actor=second, details=details, verified=True, note="Confirmed by calling the payee back."
    )
    if entry is cast.suspended:
        services.hold_start(
            actor=finance,
            setup=entry.setup,
            kind=HoldKind.SUSPEND,
            reason=HoldReason.HOSPITAL,
            starts_on=cycle.day(-1) - 9 * DAY,
            note="Admitted to hospital; their personal assistant is not working while they are "
            "there. To be lifted when they come home.",
        )
    if entry is cast.stopped:
        services.hold_start(
            actor=finance,
            setup=entry.setup,
            kind=HoldKind.STOP,
            reason=HoldReason.CONSENT_WITHDRAWN,
            starts_on=cycle.day(-2) - 5 * DAY,
            note="They asked for the NHS to arrange their care instead.",
        )


def _runs(
    cast: Cast, cycles: dict[int, Cycle], finance: Actor, second: Actor, rng: random.Random
) -> None:
    """Every commissioner's runs in date order, approved up to today's, the next one gathered.
    The returned payment comes back, and the new bank details are entered, before today's."""
    commissioners = {o.pk: o for o in Organisation.objects.filter(pk__in=cycles)}
    days = sorted(
        (cycles[pk].payment_day(index), index, pk)
        for pk in cycles
        if (mine := [e.first for e in cast.entries if e.budget.commissioner_id == pk])
        for index in range(min(min(mine), 0), 2)
    )
    for day, index, pk in days:
        for entry in cast.entries:
            due = entry.first <= index or index == 1  # the next run sees every set-up
            if entry.setup is None and entry.budget.commissioner_id == pk and due:
                _set_up(entry, cast, finance, second, rng)
        returned = cast.returned
        if index == 0 and returned and returned.budget.commissioner_id == pk:
            cast.returned = returned if _return_and_new_details(returned, finance, rng) else None
        run = runs.run_create(actor=finance, commissioner=commissioners[pk], payment_date=day)
        if index < 1:
            runs.run_approve(actor=second, run=run)


def _return_and_new_details(entry: Entry, finance: Actor, rng: random.Random) -> bool:
    """The bank returned the last payment made: the account had been closed. The person gave
    their new account, which `finance` entered; it waits for a second person. False if
    nothing was paid to return."""
    payment = (
        Payment.objects.filter(budget=entry.budget, status=Payment.Status.PAID, amount__gt=0)
        .select_related("run")
        .order_by("-run__payment_date", "-pk")
        .first()
    )
    if payment is None or entry.setup is None:
        return False
    runs.payment_return(
        actor=finance,
        payment=payment,
        on=processing_day_on_or_after(payment.run.payment_date + 3 * DAY),
        reason=RETURN_REASON,
    )
    services.bank_details_enter(
        actor=finance,
        setup=entry.setup,
        sort_code=_sort_code(rng),
        account_number=_account_number(rng),
        account_name=_account_name(entry.setup.payee_name, entry.setup.account_type),
    )
    return True


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _report(cast: Cast, say: Say) -> None:
    setups = [e.setup for e in cast.entries if e.setup is not None]
    frequencies = ", ".join(
        f"{n} {label}"
        for code, label in ((schedule.MONTHLY, "monthly"), (schedule.FOUR_WEEKLY, "every 4 weeks"))
        if (n := sum(1 for s in setups if s.frequency == code))
    )
    stories = [
        f"{what}: {entry.budget.patient.full_name}"
        for what, entry in (
            ("a payment returned by the bank, new bank details waiting", cast.returned),
            ("suspended (in hospital)", cast.suspended),
            ("stopped (consent withdrawn)", cast.stopped),
            ("no signed agreement yet", cast.unsigned),
        )
        if entry is not None
    ]
    say(
        f"Direct payments: {len(setups)} set up ({frequencies}), bank details (synthetic) "
        "entered by finance and verified by finance2"
        + "".join(f"; {story}" for story in stories)
        + "."
    )
    approved = PaymentRun.objects.filter(status=PaymentRun.Status.APPROVED)
    totals = approved.aggregate(
        count=Sum("payments_count"),
        total=Sum("payments_total"),
        since=Min("payment_date"),
        until=Max("payment_date"),
    )
    waiting = (
        PaymentRun.objects.filter(status=PaymentRun.Status.GATHERED)
        .select_related("commissioner")
        .order_by("payment_date", "pk")
    )
    made = (
        f"{approved.count()} approved, {totals['since']:%-d %B %Y} to {totals['until']:%-d %B %Y} "
        f"({_count(totals['count'], 'payment')}, {format_pence(totals['total'])}, each Bacs "
        "file kept by its serial and SHA-256)"
        if totals["since"]
        else "none approved"
    )
    say(
        f"Payment runs: {made}; waiting for finance2 to approve: "
        + ", ".join(
            f"{run.commissioner.name}, {run.payment_date:%-d %B %Y} "
            f"({_count(run.payments_count, 'payment')}, {run.skips.count()} skipped)"
            for run in waiting
        )
        + "."
    )
