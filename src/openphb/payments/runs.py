"""Payment runs: gather what is due for one commissioner and payment day (and what is skipped,
with the reason), approve it with a second finance officer (posting each payment to the ledger
in committed chunks, so a run stopped at any point resumes to the same end), write the Bacs
Standard 18 file, cancel before approval, and post a payment the bank returned.

A run covers up to a million budgets: gathering and approving work a chunk at a time on plain
values (a few queries a chunk, whatever its size, and no model instance per budget or payment),
write rows in bulk (COPY on PostgreSQL) and post each chunk with one ledger batch.

Exactly once: a budget's payment for a period is one row (`one_payment_per_period`, a database
constraint); a run for a day is one row (`one_run_a_day`); each payment's ledger transaction
carries the idempotency key `payment:<id>`; and each chunk locks the run, so two approvals at
once post each payment once.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from openphb.accounts.selectors import check_acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.accounts import AVAILABLE, COMMITTED, HELD, OWNER, budget_accounts, paid_into
from openphb.budgets.models import Budget, BudgetLine
from openphb.budgets.selectors import budget_figures
from openphb.core.db import insert_rows
from openphb.funding.models import FundingStream
from openphb.invoices.models import Invoice
from openphb.invoices.selectors import invoice_payment_specs, invoices_payable
from openphb.invoices.services import invoice_mark_paid
from openphb.ledger import services as ledger
from openphb.ledger.models import Account, Transaction
from openphb.ledger.services import LegSpec, TransactionSpec, format_pence
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
from openphb.planning.selectors import PaidItem, direct_payment_item_values

from . import bacs, calendar, schedule
from .models import (
    BankDetails,
    DirectPaymentSetup,
    Hold,
    HoldKind,
    HoldReason,
    Offset,
    Originator,
    Payment,
    PaymentLine,
    PaymentRun,
    Skip,
    SkipReason,
)
from .services import verified_details

CHUNK = 2_000
Progress = Callable[[int], None]
_Ids = list[int] | QuerySet[Any, Any]  # ids, or a subquery that selects them


def _nothing(_: int) -> None:
    return None


# --- Gathering --------------------------------------------------------------------------------


@transaction.atomic
def run_create(
    *,
    actor: Actor,
    commissioner: Organisation,
    payment_date: datetime.date,
    progress: Progress = _nothing,
) -> PaymentRun:
    """Create the run for a commissioner's payment day, or return the one that exists (a run
    being gathered is finished). Gathers every payment due by that day and lists every budget
    skipped, with the reason."""
    if commissioner.kind not in COMMISSIONER_KINDS:
        raise ValidationError({"commissioner": f"{commissioner.name} does not commission."})
    closed = calendar.not_a_processing_day(payment_date)
    if closed:
        raise ValidationError(
            {
                "payment_date": f"{closed}: Bacs does not process payments then; choose "
                f"{calendar.processing_day_on_or_after(payment_date):%A %-d %B %Y} or another "
                "working day."
            }
        )
    check_acts_for(actor, commissioner, timezone.localdate())
    if not Originator.objects.filter(commissioner=commissioner).exists():
        raise ValidationError(
            f"{commissioner.name} has no account to pay from: set its Bacs originator first."
        )
    existing = (
        PaymentRun.objects.filter(commissioner=commissioner, payment_date=payment_date)
        .exclude(status=PaymentRun.Status.CANCELLED)
        .first()
    )
    if existing is not None:
        return existing
    run = PaymentRun.objects.create(
        commissioner=commissioner,
        payment_date=payment_date,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
    )
    _gather(run, progress)
    run.payments_count = run.payments.count()
    run.payments_total = run.payments.aggregate(total=Sum("amount"))["total"] or 0
    run.save(update_fields=["payments_count", "payments_total"])
    audit_record(
        actor=actor,
        action="payment_run.created",
        target=run,
        summary=f"{commissioner.name}, {payment_date:%-d %b %Y}: {run.payments_count:,} "
        f"payments, {format_pence(run.payments_total)}; {run.skips.count():,} skipped",
    )
    return run


# A run reads a million budgets: it works on plain values, not model instances.


@dataclass(slots=True)
class _Person:
    date_of_death: datetime.date | None


@dataclass(slots=True)
class _BudgetRow:
    pk: int
    status: str
    starts_on: datetime.date
    ends_on: datetime.date
    patient: _Person


@dataclass(slots=True)
class _Setup:
    pk: int
    budget_id: int
    payee_name: str
    frequency: str
    first_payment_on: datetime.date
    agreement_signed_on: datetime.date | None
    budget: _BudgetRow


_SETUP_COLUMNS = (
    "pk",
    "budget_id",
    "payee_name",
    "frequency",
    "first_payment_on",
    "agreement_signed_on",
    "budget__status",
    "budget__starts_on",
    "budget__ends_on",
    "budget__patient__date_of_death",
)


def _setup(row: tuple) -> _Setup:
    pk, budget_id, payee, frequency, first, signed, status, starts, ends, died = row
    budget = _BudgetRow(budget_id, status, starts, ends, _Person(died))
    return _Setup(pk, budget_id, payee, frequency, first, signed, budget)


@dataclass(slots=True)
class _Hold:
    kind: str
    reason: str
    starts_on: datetime.date
    ends_on: datetime.date | None

    def get_reason_display(self) -> str:
        return str(HoldReason(self.reason).label)


@dataclass(slots=True)
class _Account:
    sort_code: str
    account_number: str
    account_name: str


@dataclass(slots=True)
class _Line:
    pk: int
    fund: str
    category: str
    holding: str


@dataclass
class _Budget:
    setup: _Setup
    budget: _BudgetRow
    lines: dict[str, _Line]  # item_ref -> line


def _hold_on(holds: Sequence[_Hold], day: datetime.date) -> _Hold | None:
    for hold in holds:
        if hold.starts_on <= day and (hold.ends_on is None or hold.ends_on >= day):
            return hold
    return None


def _payables(entry: _Budget, items: Sequence[PaidItem]) -> list[schedule.Payable]:
    """What the budget pays by direct payment: its plan's direct-payment items, or, with no
    plan behind it, its direct-payment lines over the budget's period."""
    if items:
        return [
            schedule.Payable(
                line=entry.lines[item.item_ref].pk,
                amount=item.cost,
                starts_on=item.starts_on,
                ends_on=item.ends_on,
                one_off=item.frequency == "once",
                item_ref=item.item_ref,
            )
            for item in items
            if item.item_ref in entry.lines
        ]
    figures = budget_figures(budget=Budget.objects.get(pk=entry.budget.pk))
    return [
        schedule.Payable(
            line=line.pk,
            amount=figures.by_line[line.pk].approved,
            starts_on=entry.budget.starts_on,
            ends_on=entry.budget.ends_on,
        )
        for line in entry.lines.values()
        if line.holding == "direct_payment" and figures.by_line[line.pk].approved > 0
    ]


def _gather(run: PaymentRun, progress: Progress) -> None:
    setups = (
        DirectPaymentSetup.objects.filter(budget__commissioner=run.commissioner)
        .order_by("budget_id")
        .values_list(*_SETUP_COLUMNS)
    )
    sequence = 0
    batch: list[_Setup] = []
    for row in setups.iterator(chunk_size=CHUNK):
        batch.append(_setup(row))
        if len(batch) == CHUNK:
            sequence = _gather_chunk(run, batch, sequence)
            progress(len(batch))
            batch = []
    if batch:
        sequence = _gather_chunk(run, batch, sequence)
        progress(len(batch))
    _gather_invoices(run, sequence)


def _gather_invoices(run: PaymentRun, sequence: int) -> int:
    """Approved provider invoices (notional and third-party budgets) are paid in the run too,
    to the provider's verified account; their money was set aside when they were approved."""
    invoices = list(invoices_payable(commissioner=run.commissioner, on=run.payment_date))
    gathered = set(
        Payment.objects.filter(
            kind=Payment.Kind.INVOICE, item_ref__in=[f"invoice:{i.pk}" for i in invoices]
        ).values_list("item_ref", flat=True)
    )
    skips: list[Skip] = []
    for invoice in invoices:
        ref = f"invoice:{invoice.pk}"
        if ref in gathered:
            continue  # in another run not yet approved
        what = f"Invoice {invoice.invoice_number} from {invoice.provider.name}"
        if invoice.budget.status != Budget.Status.ACTIVE:
            skips.append(
                Skip(run=run, budget=invoice.budget, reason=SkipReason.BUDGET_ENDED, detail=what)
            )
            continue
        account = verified_details(provider=invoice.provider)
        if account is None:
            skips.append(
                Skip(
                    run=run,
                    budget=invoice.budget,
                    reason=SkipReason.BANK_UNVERIFIED,
                    detail=f"{what}: the provider's bank details are not verified; "
                    f"{format_pence(invoice.total)} held until they are.",
                )
            )
            continue
        sequence += 1
        payment = Payment.objects.create(
            run=run,
            budget=invoice.budget,
            kind=Payment.Kind.INVOICE,
            period_start=invoice.issued_on,
            period_end=invoice.issued_on,
            item_ref=ref,
            amount_due=invoice.total,
            amount=invoice.total,
            reference=f"PHB{run.pk:06d}-{sequence:08d}",
            payee_name=invoice.provider.name,
            sort_code=account.sort_code,
            account_number=account.account_number,
            account_name=account.account_name,
        )
        PaymentLine.objects.bulk_create(
            PaymentLine(payment=payment, line=line, amount=amount)
            for line, amount in invoice_payment_specs(invoice=invoice)
        )
    Skip.objects.bulk_create(skips)
    return sequence


def _gather_chunk(run: PaymentRun, setups: list[_Setup], sequence: int) -> int:
    day = run.payment_date
    chunk = _Chunk.of(run, setups)
    holds: dict[int, list[_Hold]] = defaultdict(list)
    for setup_id, kind, reason, starts_on, ends_on in Hold.objects.filter(
        setup_id__in=chunk.setup_ids
    ).values_list("setup_id", "kind", "reason", "starts_on", "ends_on"):
        holds[setup_id].append(_Hold(kind, reason, starts_on, ends_on))  # newest first
    details: dict[int, _Account] = {}
    pending: set[int] = set()
    for setup_id, status, *bank in (
        BankDetails.objects.filter(setup_id__in=chunk.setup_ids)
        .order_by("decided_at", "id")
        .values_list("setup_id", "status", "sort_code", "account_number", "account_name")
    ):
        if status == BankDetails.Status.PENDING:
            pending.add(setup_id or 0)
        elif status == BankDetails.Status.VERIFIED:
            details[setup_id or 0] = _Account(*bank)  # the latest verified wins
    lines: dict[int, dict[str, _Line]] = defaultdict(dict)
    for budget_id, item_ref, pk, *fields in BudgetLine.objects.filter(
        **chunk.budgets("budget_id")
    ).values_list("budget_id", "item_ref", "pk", "stream__code", "category", "holding"):
        lines[budget_id][item_ref] = _Line(pk, *fields)
    items = direct_payment_item_values(
        budget_ids=chunk.budget_ids, between=(chunk.first, chunk.last)
    )
    paid: dict[int, set[tuple[str, datetime.date, str]]] = defaultdict(set)
    for budget_id, kind, start, ref in Payment.objects.filter(
        **chunk.budgets("budget_id")
    ).values_list("budget_id", "kind", "period_start", "item_ref"):
        paid[budget_id].add((kind, start, ref))
    offsets = _offsets_left(setups, chunk=chunk)
    balances = _available(chunk)

    skips: list[Skip] = []
    payments: list[tuple[object, ...]] = []  # the columns of _PAYMENT_COLUMNS, less the id
    payment_lines: list[list[tuple[_Line, int]]] = []
    for setup in setups:
        budget = setup.budget
        reason, detail = _skip_reason(setup, budget, holds[setup.pk], day)
        # Nothing falls due from the day payments stopped or the person died.
        cutoff = min(day, budget.ends_on, _ended_on(setup, holds[setup.pk]) - schedule.DAY)
        entry = _Budget(setup=setup, budget=budget, lines=lines[budget.pk])
        owed = schedule.due(
            _payables(entry, items.get(budget.pk, [])),
            anchor=setup.first_payment_on,
            frequency=setup.frequency,
            on=cutoff,
            paid=paid[budget.pk],
        )
        if not owed:
            continue  # a budget with nothing due is not listed, whatever its state
        if reason:
            held = format_pence(sum(d.amount for d in owed))
            skips.append(
                Skip(
                    run=run, budget_id=budget.pk, reason=reason, detail=f"{detail} {held} is held."
                )
            )
            continue
        account = details.get(setup.pk)
        if account is None or setup.pk in pending:
            total = sum(d.amount for d in owed)
            skips.append(
                Skip(
                    run=run,
                    budget_id=budget.pk,
                    reason=SkipReason.BANK_UNVERIFIED,
                    detail=(
                        "A change of bank details is waiting to be verified"
                        if setup.pk in pending
                        else "No verified bank details"
                    )
                    + f"; {format_pence(total)} held until they are.",
                )
            )
            continue
        by_line = {line.pk: line for line in lines[budget.pk].values()}
        needed: dict[tuple[str, str], int] = defaultdict(int)
        planned: list[tuple[schedule.Due, int, list[tuple[_Line, int]]]] = []
        for owe in owed:
            taken = schedule.offset(owe.amount, offsets.get(setup.pk, 0))
            offsets[setup.pk] = offsets.get(setup.pk, 0) - taken
            paid_lines = _net_lines(owe, taken, by_line)
            for line, amount in paid_lines:
                needed[(line.fund, line.category)] += amount
            planned.append((owe, taken, paid_lines))
        short = [
            key for key, amount in needed.items() if amount > balances.get((budget.pk, *key), 0)
        ]
        if short:
            skips.append(
                Skip(
                    run=run,
                    budget_id=budget.pk,
                    reason=SkipReason.NOT_ENOUGH,
                    detail=f"{format_pence(sum(d.amount for d in owed))} is due but the budget "
                    "has less than that left to pay in "
                    + ", ".join(category.replace("_", " ") for _, category in short)
                    + ".",
                )
            )
            continue
        for owe, taken, paid_lines in planned:
            sequence += 1
            payments.append(
                (
                    run.pk,
                    budget.pk,
                    owe.kind,
                    owe.period_start,
                    owe.period_end,
                    owe.item_ref,
                    owe.amount,
                    taken,
                    owe.amount - taken,
                    f"PHB{run.pk:06d}-{sequence:08d}",
                    setup.payee_name,
                    account.sort_code,
                    account.account_number,
                    account.account_name,
                    Payment.Status.DUE,
                    "",
                )
            )
            payment_lines.append(paid_lines)
    Skip.objects.bulk_create(skips)
    ids = _reserve_payment_ids(len(payments))
    try:
        with transaction.atomic():
            insert_rows(
                Payment,
                ("id", *_PAYMENT_COLUMNS),
                ((pk, *row) for pk, row in zip(ids, payments)),
            )
    except IntegrityError as error:
        raise ValidationError(
            "A payment in this run has been made already by another run; nothing was saved."
        ) from error
    insert_rows(
        PaymentLine,
        ("payment", "line", "amount"),
        (
            (pk, line.pk, amount)
            for pk, paid_lines in zip(ids, payment_lines)
            for line, amount in paid_lines
        ),
    )
    return sequence


_PAYMENT_COLUMNS = (
    "run",
    "budget",
    "kind",
    "period_start",
    "period_end",
    "item_ref",
    "amount_due",
    "offset",
    "amount",
    "reference",
    "payee_name",
    "sort_code",
    "account_number",
    "account_name",
    "status",
    "return_reason",
)


def _reserve_payment_ids(n: int) -> list[int]:
    """Ids for new payments, so that their lines can be written with them: drawn from the
    sequence on PostgreSQL; on SQLite, those after the largest ever given (AUTOINCREMENT's
    counter, which a run's own transaction holds the one write lock on)."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('payments_payment', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence "
            "WHERE name = 'payments_payment'), 0), "
            "coalesce((SELECT max(id) FROM payments_payment), 0))"
        )
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + n))


def _ended_on(setup: _Setup, holds: Sequence[_Hold]) -> datetime.date:
    """The day payments stopped for good (a stop, or the person's death); far off if never."""
    days = [hold.starts_on for hold in holds if hold.kind == HoldKind.STOP]
    died = setup.budget.patient.date_of_death
    if died is not None:
        days.append(died + schedule.DAY)
    return min(days, default=datetime.date.max)


def _skip_reason(
    setup: _Setup, budget: _BudgetRow, holds: Sequence[_Hold], day: datetime.date
) -> tuple[str, str]:
    if budget.status != Budget.Status.ACTIVE:
        return SkipReason.BUDGET_ENDED, ""
    died = budget.patient.date_of_death
    if died is not None and died <= day:
        return SkipReason.DECEASED, f"Died on {died:%-d %B %Y}."
    hold = _hold_on(holds, day)
    if hold is not None:
        reason = SkipReason.STOPPED if hold.kind == HoldKind.STOP else SkipReason.SUSPENDED
        since = f"Since {hold.starts_on:%-d %B %Y}" + (
            f" until {hold.ends_on:%-d %B %Y}" if hold.ends_on else ""
        )
        return reason, f"{since}: {hold.get_reason_display()}."
    if setup.agreement_signed_on is None:
        return SkipReason.NO_AGREEMENT, "The direct-payment agreement has not been signed."
    return "", ""


def _net_lines(
    owe: schedule.Due, offset: int, by_line: dict[int, _Line]
) -> list[tuple[_Line, int]]:
    """The payment's lines after the offset, taken from the lines in order."""
    result: list[tuple[_Line, int]] = []
    left = offset
    for line_id, amount in sorted(owe.lines.items()):
        take = min(left, amount)
        left -= take
        if amount - take > 0:
            result.append((by_line[line_id], amount - take))
    return result


@dataclass
class _Chunk:
    """A chunk's budgets as a subquery (the commissioner's, from the first budget id to the
    last: the chunk's, and any others of theirs in between, which have no direct payment and
    are read for nothing) and their range of ids, so that each read uses the index on its
    budget column even while the run's own payments, not yet analysed, grow; and the chunk's
    set-ups as a subquery."""

    budget_ids: _Ids
    setup_ids: _Ids
    first: int
    last: int

    @classmethod
    def of(cls, run: PaymentRun, setups: Sequence[_Setup]) -> "_Chunk":
        first, last = setups[0].budget_id, setups[-1].budget_id
        budgets = Budget.objects.filter(
            commissioner_id=run.commissioner_id, pk__gte=first, pk__lte=last
        ).values("pk")
        setups_ = DirectPaymentSetup.objects.filter(
            budget_id__gte=first, budget_id__lte=last, budget_id__in=budgets
        ).values("pk")
        return cls(budgets, setups_, first, last)

    def budgets(self, column: str) -> dict[str, Any]:
        """Filters on `column` (a budget id) for the chunk's budgets."""
        return {
            f"{column}__gte": self.first,
            f"{column}__lte": self.last,
            f"{column}__in": self.budget_ids,
        }


def _offsets_left(
    setups: Sequence[_Setup | DirectPaymentSetup], *, chunk: _Chunk | None = None
) -> dict[int, int]:
    """What is left of each set-up's offsets (recovery decisions less what payments took)."""
    if chunk is None:
        ids = [s.budget_id for s in setups]
        chunk = _Chunk([*ids], [s.pk for s in setups], min(ids), max(ids))
    decided = dict(
        Offset.objects.filter(setup_id__in=chunk.setup_ids)
        .values_list("setup_id")
        .annotate(total=Sum("amount"))
        .values_list("setup_id", "total")
    )
    used = dict(
        Payment.objects.filter(**chunk.budgets("budget_id"), offset__gt=0)
        .values_list("budget_id")
        .annotate(total=Sum("offset"))
        .values_list("budget_id", "total")
    )
    return {s.pk: decided.get(s.pk, 0) - used.get(s.budget_id, 0) for s in setups}


def _available(chunk: _Chunk) -> dict[tuple[int, str, str], int]:
    """What each budget has available, by fund and category (its `available` accounts' running
    totals, less what runs not yet approved have already taken)."""
    balances = {
        (owner_id, fund, category): debits - credits
        for owner_id, fund, category, debits, credits in Account.objects.filter(
            owner_kind=OWNER, purpose=AVAILABLE, **chunk.budgets("owner_id")
        ).values_list("owner_id", "fund", "category", "debits", "credits")
    }
    waiting = (
        PaymentLine.objects.filter(
            **chunk.budgets("payment__budget_id"), payment__status=Payment.Status.DUE
        )
        .values_list("payment__budget_id", "line__stream__code", "line__category")
        .annotate(total=Sum("amount"))
    )
    for budget_id, fund, category, total in waiting:
        key = (budget_id, fund, category)
        balances[key] = balances.get(key, 0) - total
    return balances


# --- Approval ---------------------------------------------------------------------------------


def run_approve(
    *, actor: Actor, run: PaymentRun, chunk: int = CHUNK, progress: Progress = _nothing
) -> PaymentRun:
    """A second finance officer approves the run: every payment is posted to the ledger, a
    chunk at a time, each chunk committed; then the file's serial and SHA-256 are recorded. A
    run stopped part-way is resumed by approving it again, and ends as if it had not stopped."""
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().select_related("commissioner").get(pk=run.pk)
        if run.status == PaymentRun.Status.APPROVED:
            return run
        if run.status == PaymentRun.Status.CANCELLED:
            raise ValidationError("This run was cancelled.")
        if actor.user_id is not None and actor.user_id == run.created_by_id:
            raise ValidationError("You created this run, so another finance officer approves it.")
        if run.status == PaymentRun.Status.APPROVING and run.approved_by_id != actor.user_id:
            raise ValidationError(
                f"{run.approved_by_label} is approving this run; they resume it if it stopped."
            )
        check_acts_for(actor, run.commissioner, timezone.localdate())
        if run.status == PaymentRun.Status.GATHERED:
            run.status = PaymentRun.Status.APPROVING
            run.approved_by_id = actor.user_id
            run.approved_by_label = actor.label
            run.approved_at = timezone.now()
            run.save(update_fields=["status", "approved_by", "approved_by_label", "approved_at"])
    while _post_chunk(run, actor, chunk, progress):
        pass
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().select_related("commissioner").get(pk=run.pk)
        if run.status == PaymentRun.Status.APPROVED:
            return run
        if run.payments.filter(amount__gt=0).exists():
            run.serial = _next_serial()
            run.file_sha256 = bacs.sha256_of(_file_bytes(run))
        run.status = PaymentRun.Status.APPROVED
        run.save(update_fields=["status", "serial", "file_sha256"])
        audit_record(
            actor=actor,
            action="payment_run.approved",
            target=run,
            summary=f"{run.payments_count:,} payments, {format_pence(run.payments_total)}, "
            f"posted; Bacs file serial {run.serial or 'none'}",
        )
    return run


def _post_chunk(run: PaymentRun, actor: Actor, size: int, progress: Progress) -> bool:
    """Post the next chunk of the run's payments; False when none are left."""
    with transaction.atomic():
        PaymentRun.objects.select_for_update().filter(pk=run.pk).first()
        due = run.payments.filter(status=Payment.Status.DUE)
        ids = list(due.order_by("id").values_list("pk", flat=True)[:size])
        if not ids:
            return False
        chunk = due.filter(pk__gte=ids[0], pk__lte=ids[-1])  # the same, without a list of ids
        # Each payment (id, budget, kind, period, reference) with its lines in order (line id,
        # stream, category, holding, amount): two reads by ranges of payment ids, which the
        # indexes serve whatever the planner believes of tables the run has just filled.
        payments = {
            row[0]: tuple(row)
            for row in chunk.values_list(
                "pk", "budget_id", "kind", "period_start", "period_end", "reference"
            )
        }
        parts: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = [
            (payments[payment_id], tuple(line))
            for payment_id, *line in PaymentLine.objects.filter(
                payment_id__gte=ids[0], payment_id__lte=ids[-1]
            )
            .order_by("payment_id", "id")
            .values_list(
                "payment_id",
                "line_id",
                "line__stream_id",
                "line__category",
                "line__holding",
                "amount",
            )
            if payment_id in payments
        ]
        streams = FundingStream.objects.in_bulk({line[1] for _, line in parts})

        def sides(kind: str, holding: str) -> tuple[str, str]:
            """Debited and credited: a direct payment moves money from available to held (the
            person's account); an invoice, set aside when it was approved, from committed to
            where its holding says."""
            if kind == Payment.Kind.INVOICE:
                return paid_into(holding), COMMITTED
            return HELD, AVAILABLE

        accounts = budget_accounts(
            wanted={
                (payment[1], streams[stream_id], category, purpose)
                for payment, (_, stream_id, category, holding, _) in parts
                for purpose in sides(payment[2], holding)
            }
        )
        specs = []
        for payment, lines in groupby(parts, key=lambda part: part[0]):
            pk, budget_id, kind, start, end, reference = payment
            legs: list[LegSpec] = []
            for _, (line_id, stream_id, category, holding, amount) in lines:
                into, source = sides(kind, holding)
                fund = streams[stream_id].code
                legs.append(
                    LegSpec(
                        account=accounts[(budget_id, fund, category, into)],
                        debit=amount,
                        reference=f"line:{line_id}",
                    )
                )
                legs.append(
                    LegSpec(
                        account=accounts[(budget_id, fund, category, source)],
                        credit=amount,
                        reference=f"line:{line_id}",
                    )
                )
            specs.append(
                TransactionSpec(
                    effective_on=run.payment_date,
                    kind="payment",
                    description=f"Direct payment {reference} ({start:%-d %b %Y}"
                    + (f" to {end:%-d %b %Y})" if kind == "regular" else ")"),
                    legs=legs,
                    source_ref=f"budget:{budget_id}",
                    idempotency_key=f"payment:{pk}",
                )
            )
        invoices = list(
            chunk.filter(kind=Payment.Kind.INVOICE).values_list("item_ref", "reference")
        )
        ledger.transactions_post_batch(specs=specs, posted_by=actor.label)
        # Paid, each with its transaction (none for a payment the offset took to nothing).
        chunk.update(
            status=Payment.Status.PAID,
            transaction=Subquery(
                Transaction.objects.filter(
                    idempotency_key=Concat(
                        Value("payment:"), Cast(OuterRef("pk"), output_field=CharField())
                    )
                ).values("pk")[:1]
            ),
        )
        for item_ref, reference in invoices:
            invoice_mark_paid(
                actor=actor,
                invoice=Invoice.objects.get(pk=int(item_ref.partition(":")[2])),
                run_id=run.pk,
                on=run.payment_date,
                transaction_id=reference,
            )
    progress(len(ids))
    return True


def _next_serial() -> int:
    """File serials run 1 to 999,999 across every run."""
    last = PaymentRun.objects.aggregate(n=Max("serial"))["n"] or 0
    return last % 999_999 + 1


# --- The file, cancelling, returns ------------------------------------------------------------


class _Credits(Sequence[bacs.Credit]):
    """The run's credits, read from the database as the file is written: a million of them do
    not fit in memory as objects."""

    def __init__(self, run: PaymentRun) -> None:
        self.payments = run.payments.filter(amount__gt=0).order_by("id")
        self.size = self.payments.count()

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bacs.Credit]:
        rows = self.payments.values_list(
            "sort_code", "account_number", "account_name", "amount", "reference"
        )
        for sort_code, account_number, account_name, amount, reference in rows.iterator(
            chunk_size=10_000
        ):
            yield bacs.Credit(
                sort_code=sort_code,
                account_number=account_number,
                account_name=account_name,
                amount=amount,
                reference=reference,
            )

    @overload
    def __getitem__(self, index: int) -> bacs.Credit: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[bacs.Credit]: ...

    def __getitem__(self, index: int | slice) -> bacs.Credit | Sequence[bacs.Credit]:
        return list(self)[index]  # not how the file is written: it goes through them once


def _file_bytes(run: PaymentRun) -> bytes:
    originator = Originator.objects.get(commissioner=run.commissioner)
    assert run.serial is not None
    return bacs.standard18(
        bacs.FileHeader(
            serial=run.serial,
            processing_day=run.payment_date,
            originator=bacs.Originator(
                sort_code=originator.sort_code,
                account_number=originator.account_number,
                account_name=originator.account_name,
                service_user_number=originator.service_user_number,
            ),
        ),
        _Credits(run),
    )


def run_file(*, run: PaymentRun) -> bytes:
    """The run's Bacs Standard 18 file, written again from what the run paid: byte for byte
    the file approved (its SHA-256 is checked)."""
    if run.status != PaymentRun.Status.APPROVED or run.serial is None:
        raise ValidationError("A run has a file once it is approved and pays something.")
    data = _file_bytes(run)
    if bacs.sha256_of(data) != run.file_sha256:
        raise ValidationError(
            "The file written now differs from the one approved; the run's payments have been "
            "changed. Do not send it: report this."
        )
    return data


@transaction.atomic
def run_cancel(*, actor: Actor, run: PaymentRun, reason: str) -> PaymentRun:
    """Cancel a run before it is approved; its payments are released, to be gathered again."""
    run = PaymentRun.objects.select_for_update().select_related("commissioner").get(pk=run.pk)
    if run.status != PaymentRun.Status.GATHERED:
        raise ValidationError("Only a run waiting for approval can be cancelled.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the run is cancelled."})
    check_acts_for(actor, run.commissioner, timezone.localdate())
    run.payments.all().delete()
    run.status = PaymentRun.Status.CANCELLED
    run.cancelled_reason = reason.strip()[:300]
    run.save(update_fields=["status", "cancelled_reason"])
    audit_record(
        actor=actor,
        action="payment_run.cancelled",
        target=run,
        summary=f"Cancelled: {reason.strip()}"[:300],
    )
    return run


@transaction.atomic
def payment_return(*, actor: Actor, payment: Payment, on: datetime.date, reason: str) -> Payment:
    """The bank returned a payment (account closed, details wrong): its ledger transaction is
    reversed, so the money is back in the budget, and the payment is marked returned."""
    payment = (
        Payment.objects.select_for_update().select_related("run__commissioner").get(pk=payment.pk)
    )
    if payment.status != Payment.Status.PAID or payment.transaction_id is None:
        raise ValidationError("Only a payment that was made can be returned.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the bank's reason for returning it."})
    if on < payment.run.payment_date:
        raise ValidationError({"on": "A payment is returned after the day it was paid."})
    check_acts_for(actor, payment.run.commissioner, timezone.localdate())
    reversal = ledger.transaction_reverse(
        original=Transaction.objects.get(pk=payment.transaction_id),
        effective_on=on,
        description=f"Returned by the bank: {payment.reference} ({reason.strip()})"[:300],
        posted_by=actor.label,
        idempotency_key=f"payment-return:{payment.pk}",
    )
    payment.status = Payment.Status.RETURNED
    payment.returned_on = on
    payment.return_reason = reason.strip()[:300]
    payment.return_transaction = reversal
    payment.save(update_fields=["status", "returned_on", "return_reason", "return_transaction"])
    audit_record(
        actor=actor,
        action="payment.returned",
        target=payment,
        patient_id=payment.budget.patient_id,
        summary=f"{payment.reference} ({format_pence(payment.amount)}) returned: {reason.strip()}"[
            :300
        ],
    )
    return payment
