"""Spending posted to the ledger: money out of a direct-payment account that matching gave to a
line of the person's plan moves from `held` (paid to them, not yet spent) to `spent`, on the
budget's accounts for that line's funding stream and category, effective on the day the bank
booked it.

A `held` account never goes below nothing (the database refuses), so each account's spending is
taken in date order and only what is held is posted: a line for more than is left in its
category is left unposted and reported (`Shortfall`), and posted by a later call once money
has been paid in to cover it. Every line is posted at most once (its idempotency key is
`statement-line:<id>`), so calling again posts nothing new. Many lines are posted as one
batch (`ledger.services.transactions_post_batch`), not one query each.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from openphb.accounts.selectors import answered_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.accounts import HELD, OWNER, SPENT, budget_accounts
from openphb.funding.models import FundingStream
from openphb.ledger.models import Account, Transaction
from openphb.ledger.services import (
    LegSpec,
    TransactionSpec,
    format_pence,
    transactions_post_batch,
)

from .models import Direction, Match, StatementImport, StatementLine

CHUNK = 5_000
AccountKey = tuple[int, int, str]  # budget id, funding stream id, category


# --- The pure part: which lines the money held can pay for ---------------------------------


@dataclass(frozen=True)
class Spend:
    """One line of money out to post: its statement line, the account it is drawn from and
    when and how much (pence)."""

    statement_line_id: int
    account: AccountKey
    booked_on: datetime.date
    amount: int


@dataclass(frozen=True)
class Shortfall:
    """Money out that was not posted: more than what was held in its category when its turn
    came (plain values, for monitoring and the statement)."""

    statement_line_id: int
    budget_id: int
    category: str
    booked_on: datetime.date
    amount: int
    held: int  # pence held in the category when its turn came (spending before it taken)

    @property
    def short_by(self) -> int:
        return self.amount - self.held


def allocate(
    spends: Iterable[Spend], held: Mapping[AccountKey, int]
) -> tuple[list[Spend], list[tuple[Spend, int]]]:
    """Take each account's spending in date order (then statement order) from what it holds:
    (what can be posted, what cannot with what was held when its turn came). A line too big
    for what is left is passed over; a later, smaller one may still fit."""
    left = {key: max(amount, 0) for key, amount in held.items()}
    posted: list[Spend] = []
    unposted: list[tuple[Spend, int]] = []
    for spend in sorted(spends, key=lambda s: (s.booked_on, s.statement_line_id)):
        there = left.get(spend.account, 0)
        if spend.amount <= there:
            left[spend.account] = there - spend.amount
            posted.append(spend)
        else:
            unposted.append((spend, there))
    return posted, unposted


# --- Reading what is to be posted --------------------------------------------------------------


def waiting(
    *, budget_ids: Iterable[int] | None = None, statement_import: StatementImport | None = None
) -> QuerySet[StatementLine]:
    """Money out matched to a line of a plan and not yet posted."""
    lines = StatementLine.objects.filter(
        direction=Direction.OUT,
        match=Match.PLANNED,
        line__isnull=False,
        transaction__isnull=True,
    )
    if budget_ids is not None:
        lines = lines.filter(line__budget_id__in=list(budget_ids))
    if statement_import is not None:
        lines = lines.filter(statement_import=statement_import)
    return lines


_COLUMNS = (
    "id",
    "line_id",
    "line__budget_id",
    "line__stream_id",
    "line__category",
    "booked_on",
    "amount",
    "merchant",
    "counterparty",
    "description",
    "statement_import_id",
)


@dataclass(frozen=True)
class _Row:
    id: int
    line_id: int
    budget_id: int
    stream_id: int
    category: str
    booked_on: datetime.date
    amount: int
    merchant: str
    counterparty: str
    description: str
    statement_import_id: int

    @property
    def account(self) -> AccountKey:
        return (self.budget_id, self.stream_id, self.category)

    @property
    def spend(self) -> Spend:
        return Spend(self.id, self.account, self.booked_on, self.amount)

    @property
    def payee(self) -> str:
        return (self.merchant or self.counterparty or self.description).strip()


def _rows(lines: QuerySet[StatementLine], *, lock: bool) -> list[_Row]:
    if lock:
        lines = lines.select_for_update(of=("self",))
    return [_Row(*values) for values in lines.order_by("booked_on", "id").values_list(*_COLUMNS)]


def _held_balances(keys: Iterable[AccountKey], *, lock: bool) -> dict[AccountKey, int]:
    """What each (budget, stream, category) holds now; nothing for an account not opened."""
    keys = set(keys)
    if not keys:
        return {}
    codes = dict(FundingStream.objects.values_list("pk", "code"))
    wanted = {
        (budget_id, codes[stream_id], category): (budget_id, stream_id, category)
        for budget_id, stream_id, category in keys
    }
    balances: dict[AccountKey, int] = {}
    budget_ids = sorted({key[0] for key in keys})
    for start in range(0, len(budget_ids), CHUNK):
        accounts = Account.objects.filter(
            owner_kind=OWNER, owner_id__in=budget_ids[start : start + CHUNK], purpose=HELD
        )
        if lock:
            accounts = accounts.select_for_update().order_by("pk")
        for owner_id, fund, category, debits, credits in accounts.values_list(
            "owner_id", "fund", "category", "debits", "credits"
        ):
            key = wanted.get((owner_id, fund, category))
            if key is not None:
                balances[key] = debits - credits  # held is an asset: debit-normal
    return balances


def shortfalls(rows: Sequence[_Row], unposted: Iterable[tuple[Spend, int]]) -> list[Shortfall]:
    by_id = {row.id: row for row in rows}
    return [
        Shortfall(
            statement_line_id=spend.statement_line_id,
            budget_id=by_id[spend.statement_line_id].budget_id,
            category=by_id[spend.statement_line_id].category,
            booked_on=spend.booked_on,
            amount=spend.amount,
            held=there,
        )
        for spend, there in unposted
    ]


def overspends(
    *, budget_ids: Iterable[int] | None = None, statement_import: StatementImport | None = None
) -> list[Shortfall]:
    """The money out that the money held cannot pay for now, as posting would find it (without
    posting or locking anything). After `spending_post` these are the lines it left unposted."""
    rows = _rows(waiting(budget_ids=budget_ids, statement_import=statement_import), lock=False)
    _, unposted = allocate(
        (row.spend for row in rows), _held_balances({row.account for row in rows}, lock=False)
    )
    return shortfalls(rows, unposted)


# --- Posting ---------------------------------------------------------------------------------


@dataclass
class SpendingSummary:
    posted: int = 0
    posted_pence: int = 0
    already_posted: int = 0  # found posted under their key and linked (nothing new)
    unposted: list[Shortfall] = field(default_factory=list)

    @property
    def unposted_pence(self) -> int:
        return sum(shortfall.amount for shortfall in self.unposted)

    def describe(self) -> str:
        said = (
            f"{self.posted} line{'s' if self.posted != 1 else ''} of spending posted "
            f"({format_pence(self.posted_pence)})"
        )
        if self.unposted:
            said += (
                f"; {len(self.unposted)} left unposted, more than was held "
                f"({format_pence(self.unposted_pence)})"
            )
        return said


def _answering_for(actor: Actor) -> set[int] | None:
    """The commissioners whose budgets a person may post for; None for a system job."""
    if actor.user is None:
        return None
    return answered_for(user=actor.user)  # type: ignore[arg-type]


def _key(statement_line_id: int) -> str:
    return f"statement-line:{statement_line_id}"


def _spec(
    row: _Row, accounts: Mapping[tuple[int, str, str, str], Account], code: str
) -> TransactionSpec:
    reference = f"line:{row.line_id}"
    return TransactionSpec(
        effective_on=row.booked_on,
        kind="spending",
        description=f"Spent: {row.payee or 'payment from the account'}"[:300],
        source_ref=f"budget:{row.budget_id}",
        idempotency_key=_key(row.id),
        legs=[
            LegSpec(
                account=accounts[(row.budget_id, code, row.category, SPENT)],
                debit=row.amount,
                reference=reference,
            ),
            LegSpec(
                account=accounts[(row.budget_id, code, row.category, HELD)],
                credit=row.amount,
                reference=reference,
            ),
        ],
    )


def _link(pairs: Iterable[tuple[int, int]]) -> None:
    """Set each statement line's ledger transaction: (statement line id, transaction id)."""
    updates = [StatementLine(pk=line_id, transaction_id=tx_id) for line_id, tx_id in pairs]
    StatementLine.objects.bulk_update(updates, ["transaction"], batch_size=500)


def _transactions_by_key(keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        for key, pk in Transaction.objects.filter(
            idempotency_key__in=keys[start : start + CHUNK]
        ).values_list("idempotency_key", "pk"):
            found[str(key)] = pk
    return found


@transaction.atomic
def spending_post(
    *,
    actor: Actor,
    budget_ids: Iterable[int] | None = None,
    statement_import: StatementImport | None = None,
) -> SpendingSummary:
    """Post the spending matched to plans and not yet posted (of these budgets, or of this
    import's lines; all of them if neither is given; a person's call only for the
    commissioners they act for): Dr spent / Cr held per line, in date order per account, as
    far as the money held goes. The rest is left unposted and reported. Audited once
    (`statement.spending_posted`) with the counts."""
    budget_ids = None if budget_ids is None else sorted(set(budget_ids))
    lines = waiting(budget_ids=budget_ids, statement_import=statement_import)
    answering = _answering_for(actor)
    if answering is not None:
        lines = lines.filter(line__budget__commissioner_id__in=answering)
    rows = everything = _rows(lines, lock=True)
    summary = SpendingSummary()
    # A line posted already (its key is in the ledger) is linked, not posted again.
    known = _transactions_by_key([_key(row.id) for row in rows])
    if known:
        _link((row.id, known[_key(row.id)]) for row in rows if _key(row.id) in known)
        summary.already_posted = len(known)
        rows = [row for row in rows if _key(row.id) not in known]
    accounts_wanted = {row.account for row in rows}
    held = _held_balances(accounts_wanted, lock=True)
    postable, unposted = allocate((row.spend for row in rows), held)
    summary.unposted = shortfalls(rows, unposted)
    if postable:
        by_id = {row.id: row for row in rows}
        chosen = [by_id[spend.statement_line_id] for spend in postable]
        streams = FundingStream.objects.in_bulk({row.stream_id for row in chosen})
        accounts = budget_accounts(
            wanted=[
                (row.budget_id, streams[row.stream_id], row.category, purpose)
                for row in chosen
                for purpose in (HELD, SPENT)
            ]
        )
        transactions_post_batch(
            specs=(_spec(row, accounts, streams[row.stream_id].code) for row in chosen),
            posted_by=actor.label,
        )
        posted = _transactions_by_key([_key(row.id) for row in chosen])
        _link((row.id, posted[_key(row.id)]) for row in chosen)
        summary.posted = len(chosen)
        summary.posted_pence = sum(row.amount for row in chosen)
    target = statement_import or _latest_import(everything)
    if target is not None:
        audit_record(
            actor=actor,
            action="statement.spending_posted",
            target=target,
            summary=summary.describe(),
            changes=_counts(summary, budget_ids),
        )
    return summary


def _latest_import(rows: Sequence[_Row]) -> StatementImport | None:
    if not rows:
        return None
    return StatementImport.objects.get(pk=max(row.statement_import_id for row in rows))


def _counts(summary: SpendingSummary, budget_ids: Iterable[int] | None) -> dict[str, Any]:
    counts: dict[str, Any] = {
        "posted": summary.posted,
        "posted_pence": summary.posted_pence,
        "already_posted": summary.already_posted,
        "unposted": len(summary.unposted),
        "unposted_pence": summary.unposted_pence,
    }
    if budget_ids is not None:
        counts["budget_ids"] = list(budget_ids)
    return counts
