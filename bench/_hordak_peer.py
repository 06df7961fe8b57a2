"""The django-hordak peer of bench/ledger_batch.py: the same postings through django-hordak.

Not a benchmark on its own (`make bench` skips files whose names start with an underscore), and
not part of the project: it runs only in the separate environment var/bench-hordak-venv
(django-hordak 2.0.0, Django 5.2, psycopg), which bench/ledger_batch.py creates when it needs
it, never with the project's own packages. See docs/decisions/0005-dependencies.md.

    var/bench-hordak-venv/bin/python bench/_hordak_peer.py POSTINGS.json

POSTINGS.json (written by bench/ledger_batch.py) holds the accounts and the transactions: the
funding, posted first and not timed, and the sample, timed. Each transaction is
[effective_on, kind, description, [[account, debit, credit, reference], ...]] in pence.

On a throwaway PostgreSQL database of its own (hordak's migrations run only on PostgreSQL), it
opens the accounts as hordak's own benchmark commands do (`bulk_create` under typed root
accounts, then the MPTT tree rebuilt), then posts as hordak's own
`create_benchmark_transactions` command does, its fastest supported way: unsaved
`Transaction` and `Leg` objects, then `Transaction.objects.bulk_create` and
`Leg.objects.bulk_create` inside one atomic block, whose commit runs hordak's deferred
constraint triggers (each transaction's legs balance; each leg's currency is its account's).
The model objects are built before the clock starts, so the figure is the database's work
and Django's `bulk_create` alone. For context it then posts the first of those transactions
again through hordak's documented one-at-a-time shortcut, `Account.transfer_to`. Prints
`peer_hordak key=value ...` and `peer_hordak_transfer_to ...`, and exits non-zero if the
posted legs are not what was asked.
"""

import datetime
import json
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
CURRENCY = "GBP"
ROOTS = {
    "asset": ("AS", "Budgets and allocations"),
    "expense": ("EX", "Spent"),
    "income": ("IN", "Granted"),
}


def configure(database: str) -> None:
    import dj_database_url
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench-hordak-peer",  # noqa: S106 (a throwaway process, nothing signed)
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "mptt", "hordak"],
        DATABASES={"default": dj_database_url.parse(f"{POSTGRES_URL}/{database}")},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        DEFAULT_CURRENCY=CURRENCY,
        HORDAK_DEFAULT_CURRENCY=CURRENCY,
        HORDAK_INTERNAL_CURRENCY=CURRENCY,
        HORDAK_CURRENCIES=[CURRENCY],
        CURRENCIES=[CURRENCY],
    )
    import django

    django.setup()


def fail(message: str) -> None:
    print(f"CHECK FAILED (hordak peer): {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def open_accounts(kinds: dict[str, str]):
    """Typed root accounts, and every account of the postings as a child of its kind's root,
    created in bulk and the tree rebuilt (as hordak's `create_benchmark_accounts` does)."""
    from hordak.models import Account

    roots = {
        kind: Account.objects.create(name=name, type=code, currencies=[CURRENCY])
        for kind, (code, name) in ROOTS.items()
    }
    children = []
    for key, kind in kinds.items():
        account = Account(name=key, parent=roots[kind], currencies=[CURRENCY])
        account.lft = account.rght = account.tree_id = account.level = 0
        children.append(account)
    Account.objects.bulk_create(children, batch_size=10_000)
    Account.objects.rebuild()
    return {account.name: account for account in Account.objects.filter(parent__isnull=False)}


def build(transactions: list, accounts: dict) -> tuple[list, list]:
    from djmoney.money import Money
    from hordak.models import Leg, Transaction

    made, legs = [], []
    for effective_on, _kind, description, spec_legs in transactions:
        transaction = Transaction(
            date=datetime.date.fromisoformat(effective_on), description=description
        )
        made.append(transaction)
        for key, debit, credit, reference in spec_legs:
            amount = Money(Decimal(debit or credit).scaleb(-2), CURRENCY)
            side = {"debit": amount} if debit else {"credit": amount}
            legs.append(
                Leg(transaction=transaction, account=accounts[key], description=reference, **side)
            )
    return made, legs


def post(made: list, legs: list) -> None:
    from django.db import transaction as db_transaction
    from hordak.models import Leg, Transaction

    with db_transaction.atomic():
        Transaction.objects.bulk_create(made, batch_size=10_000)
        Leg.objects.bulk_create(legs, batch_size=10_000)


def transfer_each(transactions: list, accounts: dict) -> None:
    """Hordak's documented shortcut, one transaction at a time: `Account.transfer_to` (credits
    the account it is called on, debits the other), each in its own atomic block as its docs
    ask (the balance check runs at the commit)."""
    from django.db import transaction as db_transaction
    from djmoney.money import Money

    for effective_on, _kind, description, spec_legs in transactions:
        (debit_key, pence, _, _), (credit_key, _, _, _) = sorted(spec_legs, key=lambda leg: -leg[1])
        with db_transaction.atomic():
            accounts[credit_key].transfer_to(
                accounts[debit_key],
                Money(Decimal(pence).scaleb(-2), CURRENCY),
                date=datetime.date.fromisoformat(effective_on),
                description=description,
            )


def expected_totals(transactions: list) -> dict[str, list[int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for *_, spec_legs in transactions:
        for key, debit, credit, _reference in spec_legs:
            totals[key][0] += debit
            totals[key][1] += credit
    return totals


def check_posted(funding: list, sample: list) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hordak_transaction")
        (transactions,) = cursor.fetchone()
        cursor.execute(
            "SELECT a.name, count(*), coalesce(sum(l.debit), 0), coalesce(sum(l.credit), 0) "
            "FROM hordak_leg l JOIN hordak_account a ON a.id = l.account_id GROUP BY a.name"
        )
        rows = cursor.fetchall()
    if transactions != len(funding) + len(sample):
        fail(f"{transactions} transactions, not {len(funding) + len(sample)}")
    legs = sum(len(t[3]) for t in funding) + sum(len(t[3]) for t in sample)
    if sum(row[1] for row in rows) != legs:
        fail(f"{sum(row[1] for row in rows)} legs, not {legs}")
    found = {name: [round(d * 100), round(c * 100)] for name, _, d, c in rows}
    if found != dict(expected_totals(funding + sample)):
        fail("an account's legs differ from the postings")
    if sum(d for d, _ in found.values()) != sum(c for _, c in found.values()):
        fail("debits do not equal credits")


def main() -> int:
    import psycopg

    with open(sys.argv[1], encoding="utf-8") as file:
        postings = json.load(file)
    name = f"openphb_bench_hordak_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        configure(name)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        accounts = open_accounts(postings["accounts"])
        post(*build(postings["funding"], accounts))
        sample = postings["sample"]
        made, legs = build(sample, accounts)
        started = time.perf_counter()
        post(made, legs)
        seconds = time.perf_counter() - started
        singles = sample[: postings["transfer_to"]]
        started = time.perf_counter()
        transfer_each(singles, accounts)
        transfer_seconds = time.perf_counter() - started
        check_posted(postings["funding"], sample + singles)
        from importlib.metadata import version

        import django

        print(
            "peer_hordak",
            f"transactions={len(sample)}",
            f"legs={len(legs)}",
            f"seconds={seconds:.2f}",
            f"transactions_per_second={round(len(sample) / seconds)}",
            f"hordak={version('django-hordak')}",
            f"django={django.get_version()}",
            flush=True,
        )
        print(
            "peer_hordak_transfer_to",
            f"transactions={len(singles)}",
            f"seconds={transfer_seconds:.2f}",
            f"transactions_per_second={round(len(singles) / transfer_seconds)}",
            flush=True,
        )
        connections.close_all()
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
