"""Posting to the ledger. The only writes: open accounts (one or many), post, reverse, post a
batch.

The ledger knows nothing of its callers: they audit, and they say what owns an account. Every
refusal is a `ValidationError` with a plain message; the database refuses the same things
again (see `integrity.py`) should anything get past these checks.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from openphb.core.db import insert_rows

from .models import CURRENCY, Account, Leg, Transaction


class InsufficientFunds(ValidationError):
    """Posting would take a protected account below its minimum."""


@dataclass(frozen=True)
class LegSpec:
    account: Account
    debit: int = 0
    credit: int = 0
    reference: str = ""


@dataclass(frozen=True)
class TransactionSpec:
    effective_on: datetime.date
    kind: str
    description: str
    legs: Sequence[LegSpec]
    source_ref: str = ""
    idempotency_key: str | None = None
    reverses: Transaction | None = field(default=None, compare=False)


def pence(value: object, what: str = "An amount") -> int:
    """`value` as whole pence, refusing floats, booleans and anything else that is not an int."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be a whole number of pence, not {value!r}.")
    return value


@transaction.atomic
def account_open(
    *,
    name: str,
    kind: str,
    owner_kind: str,
    owner_id: int,
    fund: str,
    purpose: str,
    category: str = "",
    minimum_balance: int | None = None,
) -> Account:
    """The owner's account for this fund, purpose and category, opened if it is new."""
    if minimum_balance is not None:
        pence(minimum_balance, "A minimum balance")
    account, _ = Account.objects.get_or_create(
        owner_kind=owner_kind,
        owner_id=owner_id,
        fund=fund,
        purpose=purpose,
        category=category,
        defaults={
            "name": name[:200],
            "kind": kind,
            "currency": CURRENCY,
            "minimum_balance": minimum_balance,
        },
    )
    return account


@dataclass(frozen=True)
class AccountSpec:
    """An account to open with `accounts_open`: `account_open`'s arguments."""

    name: str
    kind: str
    owner_kind: str
    owner_id: int
    fund: str
    purpose: str
    category: str = ""
    minimum_balance: int | None = None

    @property
    def key(self) -> "AccountKey":
        return (self.owner_kind, self.owner_id, self.fund, self.purpose, self.category)


AccountKey = tuple[str, int, str, str, str]  # owner kind and id, fund, purpose, category


@transaction.atomic
def accounts_open(*, specs: Iterable[AccountSpec]) -> dict[AccountKey, Account]:
    """Many accounts at once, each as `account_open` opens it: the owner's account for the
    fund, purpose and category, opened if it is new (if someone else opens it meanwhile, theirs
    is the one). One query finds those that exist, one statement opens the rest."""
    wanted = {spec.key: spec for spec in specs}
    for spec in wanted.values():
        if spec.minimum_balance is not None:
            pence(spec.minimum_balance, "A minimum balance")
    found = _accounts_with(wanted.keys())
    missing = [spec for key, spec in wanted.items() if key not in found]
    if missing:
        _insert_accounts(missing)
        found |= _accounts_with([spec.key for spec in missing])
    return found


_ACCOUNT_COLUMNS = (
    "name, kind, owner_kind, owner_id, fund, purpose, category, minimum_balance, currency, "
    "debits, credits, created_at"
)


def _insert_accounts(specs: Sequence[AccountSpec]) -> None:
    """Open these accounts in one statement; one that someone else opened meanwhile is left
    as they opened it."""
    now = timezone.now()
    rows = [
        (
            spec.name[:200],
            spec.kind,
            spec.owner_kind,
            spec.owner_id,
            spec.fund,
            spec.purpose,
            spec.category,
            spec.minimum_balance,
        )
        for spec in specs
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO ledger_account ({_ACCOUNT_COLUMNS}) "  # noqa: S608
                "SELECT t.*, %s, 0, 0, %s FROM unnest(%s::varchar[], %s::varchar[], "
                "%s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[], "
                "%s::bigint[]) AS t ON CONFLICT DO NOTHING",
                [CURRENCY, now, *(list(column) for column in zip(*rows))],
            )
            return
        cursor.executemany(
            f"INSERT INTO ledger_account ({_ACCOUNT_COLUMNS}) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, %s) ON CONFLICT DO NOTHING",
            [(*row, CURRENCY, connection.ops.adapt_datetimefield_value(now)) for row in rows],
        )


def _accounts_with(keys: Iterable[AccountKey]) -> dict[AccountKey, Account]:
    """Those of these accounts that are open. Each owner kind's are read by a range of owner
    ids when the ids are close together (the unique index serves it), else by a list."""
    keys = set(keys)
    found: dict[AccountKey, Account] = {}
    for owner_kind in {key[0] for key in keys}:
        owners = sorted({key[1] for key in keys if key[0] == owner_kind})
        accounts = Account.objects.filter(
            owner_kind=owner_kind, purpose__in={key[3] for key in keys}
        )
        if owners[-1] - owners[0] < 4 * len(owners) + 100:
            accounts = accounts.filter(owner_id__gte=owners[0], owner_id__lte=owners[-1])
        else:
            accounts = accounts.filter(owner_id__in=owners)
        for account in accounts:
            key = (
                account.owner_kind,
                account.owner_id,
                account.fund,
                account.purpose,
                account.category,
            )
            if key in keys:
                found[key] = account
    return found


@transaction.atomic
def account_set_minimum(*, account: Account, minimum_balance: int | None) -> Account:
    """Change how low the account may go (an overdraft policy, or none). Refused if the account
    is already below the new minimum."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if minimum_balance is not None:
        pence(minimum_balance, "A minimum balance")
        if locked.balance < minimum_balance:
            raise ValidationError(
                f"{locked.name} stands at {format_pence(locked.balance)}, below the new minimum "
                f"of {format_pence(minimum_balance)}."
            )
    Account.objects.filter(pk=locked.pk).update(minimum_balance=minimum_balance)
    locked.minimum_balance = minimum_balance
    return locked


def format_pence(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    pounds, pennies = divmod(abs(amount), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def fingerprint(spec: TransactionSpec) -> str:
    """A digest of everything a transaction says, so a retry can be told from a clash."""
    content = {
        "effective_on": spec.effective_on.isoformat(),
        "kind": spec.kind,
        "description": spec.description,
        "source_ref": spec.source_ref,
        "reverses": spec.reverses.pk if spec.reverses is not None else None,
        "legs": sorted([leg.account.pk, leg.debit, leg.credit, leg.reference] for leg in spec.legs),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def check_spec(spec: TransactionSpec) -> None:
    """Refuse, with a message a person can act on, what the database would refuse."""
    if not spec.description.strip():
        raise ValidationError({"description": "Say what the transaction is for."})
    if len(spec.legs) < 2:
        raise ValidationError("A transaction needs at least two legs: a debit and a credit.")
    by_fund: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for leg in spec.legs:
        debit, credit = pence(leg.debit, "A debit"), pence(leg.credit, "A credit")
        if (debit > 0) == (credit > 0) or debit < 0 or credit < 0:
            raise ValidationError(
                "Each leg is either a debit or a credit of more than 0 pence, never both."
            )
        if leg.account.pk is None:
            raise ValidationError("Every leg needs an account that has been opened.")
        by_fund[leg.account.fund][0] += debit
        by_fund[leg.account.fund][1] += credit
    for fund, (debits, credits) in sorted(by_fund.items()):
        if debits != credits:
            raise ValidationError(
                f"Debits ({format_pence(debits)}) and credits ({format_pence(credits)}) in "
                f"fund {fund} must be equal: money moves between funds only through each "
                "fund's own accounts."
            )


def _check_funds(spec: TransactionSpec) -> None:
    """Lock the protected accounts this transaction draws on and refuse an overdraw.

    Locks are taken in id order (no deadlocks between two postings); on SQLite the
    transaction already holds the one writer lock (BEGIN IMMEDIATE)."""
    movement: dict[int, int] = defaultdict(int)
    for leg in spec.legs:
        movement[leg.account.pk] += leg.debit - leg.credit
    drawn = [
        pk
        for pk, net in movement.items()
        if net != 0 and _draws(next(leg.account for leg in spec.legs if leg.account.pk == pk), net)
    ]
    if not drawn:
        return
    accounts = Account.objects.select_for_update().filter(pk__in=drawn).order_by("pk")
    for account in accounts:
        if account.minimum_balance is None:
            continue
        after = account.balance + (
            movement[account.pk] if account.debit_normal else -movement[account.pk]
        )
        if after < account.minimum_balance:
            raise InsufficientFunds(
                f"Not enough in {account.name}: it has {format_pence(account.balance)} "
                f"available and this needs {format_pence(account.balance - after)}."
                + (
                    f" It may go down to {format_pence(account.minimum_balance)}."
                    if account.minimum_balance < 0
                    else ""
                )
            )


def _draws(account: Account, net_debit: int) -> bool:
    return (net_debit < 0) if account.debit_normal else (net_debit > 0)


def _existing(key: str, digest: str) -> Transaction:
    found = Transaction.objects.get(idempotency_key=key)
    if found.fingerprint != digest:
        raise ValidationError(
            {
                "idempotency_key": f"The key {key} was already used for a different transaction "
                f"({found.description}, {found.effective_on:%d %B %Y})."
            }
        )
    return found


@transaction.atomic
def transaction_post(*, spec: TransactionSpec, posted_by: str) -> Transaction:
    """Post one balanced transaction. With an idempotency key, posting the same content again
    returns the first transaction; the same key with other content is refused."""
    check_spec(spec)
    digest = fingerprint(spec)
    if (
        spec.idempotency_key
        and Transaction.objects.filter(idempotency_key=spec.idempotency_key).exists()
    ):
        return _existing(spec.idempotency_key, digest)
    _check_funds(spec)
    try:
        with transaction.atomic():
            [pk] = _reserve_ids(1)
            # The legs first; inserting the transaction row posts it (the database checks it).
            Leg.objects.bulk_create(
                Leg(
                    transaction_id=pk,
                    account=leg.account,
                    debit=leg.debit,
                    credit=leg.credit,
                    reference=leg.reference,
                )
                for leg in spec.legs
            )
            posted = Transaction.objects.create(
                pk=pk,
                effective_on=spec.effective_on,
                kind=spec.kind,
                description=spec.description[:300],
                source_ref=spec.source_ref,
                idempotency_key=spec.idempotency_key or None,
                fingerprint=digest,
                reverses=spec.reverses,
                posted_by=posted_by[:150],
            )
    except IntegrityError as error:
        if (
            spec.idempotency_key
            and Transaction.objects.filter(idempotency_key=spec.idempotency_key).exists()
        ):
            return _existing(spec.idempotency_key, digest)  # a concurrent retry won the race
        if "minimum" in str(error) or "check" in str(error).lower():
            raise InsufficientFunds(
                "Not enough money left: another payment or commitment took it first. "
                "Look at the balance and try again."
            ) from error
        raise
    return posted


@transaction.atomic
def transaction_reverse(
    *,
    original: Transaction,
    effective_on: datetime.date,
    description: str,
    posted_by: str,
    idempotency_key: str | None = None,
) -> Transaction:
    """Undo a posted transaction with its mirror image, linked to it. Once only."""
    if Transaction.objects.filter(reverses=original).exists():
        raise ValidationError(f"Transaction {original.pk} has already been reversed.")
    if effective_on < original.effective_on:
        raise ValidationError(
            {"effective_on": "A reversal cannot take effect before what it reverses."}
        )
    legs = [
        LegSpec(account=leg.account, debit=leg.credit, credit=leg.debit, reference=leg.reference)
        for leg in original.legs.select_related("account")
    ]
    return transaction_post(
        spec=TransactionSpec(
            effective_on=effective_on,
            kind="reversal",
            description=description,
            legs=legs,
            source_ref=original.source_ref,
            idempotency_key=idempotency_key,
            reverses=original,
        ),
        posted_by=posted_by,
    )


@transaction.atomic
def transactions_post_batch(*, specs: Iterable[TransactionSpec], posted_by: str) -> int:
    """Post many transactions at once: legs, then transactions, streamed in (COPY on
    PostgreSQL) and checked by the database as one set. All or nothing; returns how many.

    Each transaction is checked as `transaction_post` checks it, except that protected
    accounts are checked by the database alone, at the end (the whole batch is refused).
    Idempotency keys must be new: a batch is not a retry of part of another.
    """
    ids = _reserve_ids(len(specs := list(specs)))
    now = timezone.now()
    label = posted_by[:150]

    def leg_rows() -> Iterable[tuple[object, ...]]:
        for pk, spec in zip(ids, specs):
            check_spec(spec)
            for leg in spec.legs:
                yield (pk, leg.account.pk, leg.debit, leg.credit, leg.reference)

    def transaction_rows() -> Iterable[tuple[object, ...]]:
        for pk, spec in zip(ids, specs):
            yield (
                pk,
                spec.effective_on,
                now,
                spec.kind,
                spec.description[:300],
                spec.source_ref,
                spec.idempotency_key or None,
                # Only a key is ever compared with what it was first used for.
                fingerprint(spec) if spec.idempotency_key else "",
                spec.reverses.pk if spec.reverses is not None else None,
                label,
            )

    try:
        with transaction.atomic():
            insert_rows(Leg, ("transaction", "account", "debit", "credit", "reference"), leg_rows())
            _analyze_if_large(len(ids))
            insert_rows(
                Transaction,
                (
                    "id",
                    "effective_on",
                    "posted_at",
                    "kind",
                    "description",
                    "source_ref",
                    "idempotency_key",
                    "fingerprint",
                    "reverses",
                    "posted_by",
                ),
                transaction_rows(),
            )
    except IntegrityError as error:
        raise ValidationError(f"The batch was refused and nothing was posted: {error}") from error
    return len(ids)


def _analyze_if_large(n: int) -> None:
    """After streaming in many legs, let PostgreSQL's planner know before the posting check
    joins them (with the statistics of an empty table it would loop over every leg)."""
    if n >= 10_000 and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_leg")


def _reserve_ids(n: int) -> list[int]:
    """Transaction ids to write legs against before their transaction: drawn from the sequence
    on PostgreSQL (other writers go on meanwhile); on SQLite, those after the largest, safe
    because this database transaction holds the one writer lock."""
    if n == 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('ledger_transaction', 'id')) "
                "FROM generate_series(1, %s)",
                [n],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute("SELECT coalesce(max(id), 0) FROM ledger_transaction")
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + n))
