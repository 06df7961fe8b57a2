"""Reading the ledger: balances at a date, statements with a running balance, and a check that
the running totals still equal the legs."""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce

from .models import DEBIT_NORMAL, Account, Leg, Transaction


def posted_legs() -> QuerySet[Leg]:
    """Every leg (a leg exists only with its posted transaction: the database sees to it)."""
    return Leg.objects.all()


def balance_on(*, account: Account, on: datetime.date | None = None) -> int:
    """The account's balance (positive on its normal side) after everything effective by `on`;
    without a date, everything posted (the running totals: no legs are read)."""
    if on is None:
        return account.balance
    sums = posted_legs().filter(account=account, transaction__effective_on__lte=on)
    totals = sums.aggregate(d=Coalesce(Sum("debit"), 0), c=Coalesce(Sum("credit"), 0))
    return account.signed(totals["d"], totals["c"])


@dataclass(frozen=True)
class Position:
    """Posted totals of one account, with what identifies it, as plain values."""

    account_id: int
    owner_kind: str
    owner_id: int
    fund: str
    purpose: str
    category: str
    kind: str
    debits: int
    credits: int

    @property
    def balance(self) -> int:
        if self.kind in DEBIT_NORMAL:
            return self.debits - self.credits
        return self.credits - self.debits


def positions(
    *, owner_kind: str, owner_ids: Iterable[int], on: datetime.date | None = None
) -> list[Position]:
    """Every account of these owners with its totals (as at `on`, if given)."""
    accounts = Account.objects.filter(owner_kind=owner_kind, owner_id__in=list(owner_ids))
    if on is None:
        rows = accounts.values_list(
            "pk",
            "owner_kind",
            "owner_id",
            "fund",
            "purpose",
            "category",
            "kind",
            "debits",
            "credits",
        )
        return [Position(*row) for row in rows]
    dated = Q(legs__transaction__effective_on__lte=on)
    rows = accounts.annotate(
        d=Coalesce(Sum("legs__debit", filter=dated), 0),
        c=Coalesce(Sum("legs__credit", filter=dated), 0),
    ).values_list("pk", "owner_kind", "owner_id", "fund", "purpose", "category", "kind", "d", "c")
    return [Position(*row) for row in rows]


def account_get(*, pk: int) -> Account:
    return Account.objects.get(pk=pk)


def accounts_of(*, owner_kind: str, owner_ids: Iterable[int]) -> QuerySet[Account]:
    return Account.objects.filter(owner_kind=owner_kind, owner_id__in=list(owner_ids))


@dataclass(frozen=True)
class StatementLine:
    transaction_id: int
    effective_on: datetime.date
    posted_at: datetime.datetime
    kind: str
    description: str
    reference: str
    debit: int
    credit: int
    balance: int  # after this line, on the account's normal side
    reverses_id: int | None


_ORDER = ("transaction__effective_on", "transaction__posted_at", "id")


class StatementLines(Sequence[StatementLine]):
    """A statement's lines, read from the database a slice at a time: the running balance is a
    window sum the database computes, so page 500 of a commissioner's million-line allocation
    account costs one query of 100 rows, not a walk through the first 50,000."""

    def __init__(self, legs: QuerySet[Leg], account: Account, opening: int) -> None:
        self._legs = legs.select_related("transaction").order_by(*_ORDER)
        self._account = account
        self._opening = opening
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._legs.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> StatementLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[StatementLine]: ...

    def __getitem__(self, index: int | slice) -> StatementLine | list[StatementLine]:
        if isinstance(index, slice):
            return [self._line(leg) for leg in self._with_running()[index]]
        if index < 0:
            index += len(self)
        found = self[index : index + 1]
        if not found:
            raise IndexError(index)
        return found[0]

    def __iter__(self) -> Iterator[StatementLine]:
        for leg in self._with_running().iterator(chunk_size=5_000):
            yield self._line(leg)

    def _with_running(self) -> QuerySet[Leg]:
        return self._legs.annotate(
            running=Window(Sum(F("debit") - F("credit")), order_by=[F(f).asc() for f in _ORDER])
        )

    def _line(self, leg: Leg) -> StatementLine:
        t = leg.transaction
        moved: int = leg.running  # type: ignore[attr-defined]
        return StatementLine(
            transaction_id=t.pk,
            effective_on=t.effective_on,
            posted_at=t.posted_at,
            kind=t.kind,
            description=t.description,
            reference=leg.reference,
            debit=leg.debit,
            credit=leg.credit,
            balance=self._opening + (moved if self._account.debit_normal else -moved),
            reverses_id=t.reverses_id,
        )


@dataclass(frozen=True)
class Statement:
    account: Account
    start: datetime.date | None
    end: datetime.date | None
    opening: int
    closing: int
    lines: StatementLines


def statement(
    *,
    account: Account,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Statement:
    """The account's posted legs effective from `start` to `end` (inclusive), oldest first,
    each with the balance after it, opening with the balance before `start`. The lines are
    read as they are asked for (see `StatementLines`)."""
    opening = balance_on(account=account, on=start - datetime.timedelta(days=1)) if start else 0
    legs = posted_legs().filter(account=account)
    if start:
        legs = legs.filter(transaction__effective_on__gte=start)
    if end:
        legs = legs.filter(transaction__effective_on__lte=end)
    totals = legs.aggregate(d=Coalesce(Sum("debit"), 0), c=Coalesce(Sum("credit"), 0))
    return Statement(
        account=account,
        start=start,
        end=end,
        opening=opening,
        closing=opening + account.signed(totals["d"], totals["c"]),
        lines=StatementLines(legs, account, opening),
    )


def transactions_touching(*, account_ids: Iterable[int]) -> QuerySet[Transaction]:
    """Posted transactions with a leg on any of these accounts, newest first."""
    return (
        Transaction.objects.filter(legs__account_id__in=list(account_ids))
        .distinct()
        .order_by("-effective_on", "-id")
    )


def verify() -> Iterator[str]:
    """What is wrong with the ledger, if anything: an account whose running totals differ from
    its legs, a transaction that does not balance in a fund or has fewer than two legs."""
    legs = posted_legs().values("account_id").annotate(d=Sum("debit"), c=Sum("credit"))
    sums = {row["account_id"]: (row["d"], row["c"]) for row in legs}
    for account in Account.objects.only("pk", "name", "debits", "credits"):
        if sums.get(account.pk, (0, 0)) != (account.debits, account.credits):
            yield (
                f"account {account.pk} ({account.name}): totals {account.debits}/"
                f"{account.credits} but legs {sums.get(account.pk, (0, 0))}"
            )
    unbalanced = (
        posted_legs()
        .values("transaction_id", "account__fund")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .exclude(d=F("c"))
    )
    for row in unbalanced:
        yield f"transaction {row['transaction_id']} does not balance in {row['account__fund']}"
    for row in Transaction.objects.annotate(n=Count("legs")).filter(n__lt=2).values("pk", "n"):
        yield f"transaction {row['pk']} has {row['n']} leg(s)"
