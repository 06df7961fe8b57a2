"""Benchmark: a payment run for every direct-payment budget of a commissioner, created,
approved and written as a Bacs file, on PostgreSQL and on SQLite.

Requirement (issue 6, section 7): a run for 1,000,000 direct-payment budgets on PostgreSQL
(create + approve + file) in committed, resumable chunks, set-based; target 60 s end to end,
memory under 1 GiB; 100,000 on SQLite. Run alone:

    .venv/bin/python bench/payment_run.py --scale small|full [--database sqlite|postgresql|both]

small is 2,000 budgets on each database (a smoke test for `make bench`); full is 1,000,000 on
PostgreSQL and 100,000 on SQLite. The issue gives no time for SQLite; the same 60 s is checked
there, for a tenth of the budgets.

For each database, in a process of its own, on a throwaway database, it builds the budgets as
plan approval leaves them, written in bulk (COPY on PostgreSQL, one prepared statement on
SQLite; ids chosen here): a person (the 999 test range holds 909,091 valid NHS numbers, so
beyond that the first people hold a second budget), an approved plan in force with a weekly
personal-assistant item and, for one budget in ten, a one-off piece of equipment, the
budget and its lines, its `available` ledger accounts funded from the commissioner's
allocation by one ledger transaction a budget (legs, then the transaction, so the database
posts and checks them as `transactions_post_batch` does), the direct-payment set-up and
verified bank details. Each budget's first period falls due in the four weeks up to the
payment day (monthly for three in four, four-weekly for the rest), so each owes one regular
payment. Some are not paid, each for one reason: 1% suspended, 0.5% with a bank-detail change
waiting, 0.5% with no agreement, and the people of 0.2% have died (five days before the payment
day: those whose first payment day came later owe nothing and are not listed). The `held`
accounts are not opened: this is the first run, so approval opens them.

Then a separate process (so that its peak memory is the run's own, not the set-up's) times,
one line each: run_create (gathering), run_approve (posting, committed chunks of 2,000),
run_file (the Bacs file written again and checked against its SHA-256), end_to_end (their sum,
the figure the limit is about) and peak_rss (that process's peak resident memory).

Back in this process it checks that every budget is either paid or skipped with the expected
reason, every payment is paid by one posted transaction, the `held` accounts hold the run's
total, the file's credits match the payments, and `ledger.selectors.verify` finds nothing.
Then the peer, in the same database: `ledger.services.transactions_post_batch` of as many
transactions with the same legs, between the same accounts for the same amounts (back from
`held` to `available`: what returning every payment would post), each with an idempotency key
as each payment has, from ready-made specs, in one batch: the set-based posting floor for that
many transactions. The process exits non-zero if a check fails or, at full scale, if the
end-to-end time or the memory misses its limit.
"""

import datetime
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from _common import (
    check,
    figure,
    peak_rss_mib,
    run_per_database,
    throwaway_database,
    timed,
)

SCALES = {
    "small": {"sqlite": 2_000, "postgresql": 2_000},
    "full": {"sqlite": 100_000, "postgresql": 1_000_000},
}
LIMIT_SECONDS = 60.0
LIMIT_MIB = 1024
DAY = datetime.date(2026, 12, 1)  # a Tuesday: the payment day
ODS = "QBN"
STREAM = "chc-bench"
MOST_PEOPLE = 909_091  # valid NHS numbers in the 999 test range
RUN_BY = ("bench-finance", "bench-finance2")


# --- which budgets are skipped, and why ----------------------------------------------------------


DIED = DAY - datetime.timedelta(days=5)


def held_back(n: int) -> dict[int, str]:
    """The budgets a run does not pay: the reason it lists each with, in the order the run asks
    (see `payments.runs._skip_reason`, then bank details), or "" for one it does not list
    because nothing fell due (a person who died before their first payment day)."""
    people = min(n, MOST_PEOPLE)
    skipped: dict[int, str] = {}
    for b in range(n):
        if (b % people) % 1000 in (20, 21):
            skipped[b] = "deceased" if starts(b) <= DIED else ""
        elif b % 1000 < 10:
            skipped[b] = "suspended"
        elif 15 <= b % 1000 < 20:
            skipped[b] = "no_agreement"
        elif 10 <= b % 1000 < 15:
            skipped[b] = "bank_unverified"
    return skipped


def starts(b: int) -> datetime.date:
    return DAY - datetime.timedelta(days=b % 28)


def hours(b: int) -> int:
    """Personal-assistant hours a week: 4 to 16, at £16 an hour (so that a million budgets'
    month comes to less than the £999,999,999.99 a Standard 18 file's contra can hold)."""
    return 4 + b % 13


def one_off(b: int) -> bool:
    return b % 10 == 4


# --- writing rows in bulk ------------------------------------------------------------------------


def bulk(model, given: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """`core.db.insert_rows` of `rows` (values for the `given` fields), every other column
    filled as the ORM would fill it on create: its default, now for timestamps, empty text or
    null. Refuses a required field it cannot fill."""
    from django.db import models
    from django.utils import timezone

    from openphb.core.db import insert_rows

    now = timezone.now()
    extra: dict[str, object] = {}
    for field in model._meta.concrete_fields:
        if field.name in given or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            extra[field.name] = now
        elif field.has_default():
            value = field.get_default()
            extra[field.name] = json.dumps(value) if isinstance(field, models.JSONField) else value
        elif field.null:
            extra[field.name] = None
        elif isinstance(field, (models.CharField, models.TextField)):
            extra[field.name] = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
    constants = tuple(extra.values())
    return insert_rows(model, (*given, *extra), (tuple(row) + constants for row in rows))


def nhs_numbers(count: int) -> Iterator[str]:
    from openphb.core.identifiers import nhs_number_check_digit

    made = 0
    stem = 999_000_000
    while made < count:
        check_digit = nhs_number_check_digit(str(stem))
        if check_digit is not None:
            yield f"{stem}{check_digit}"
            made += 1
        stem += 1


def next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
    return cursor.fetchone()[0]


def catch_up_sequences(tables: Sequence[str]) -> None:
    """After rows written with chosen ids, PostgreSQL's sequences continue after them (SQLite's
    AUTOINCREMENT already does)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )


def build(n: int) -> dict[str, object]:
    """The world the run is over; what the run should then do."""
    from django.db import connection, transaction

    from openphb.accounts.models import Membership, User
    from openphb.audit.services import Actor
    from openphb.budgets.models import Budget, BudgetLine
    from openphb.funding.services import allocation_account, allocation_record, stream_create
    from openphb.ledger.models import Account, Leg, Transaction
    from openphb.organisations.models import Organisation
    from openphb.payments.models import BankDetails, DirectPaymentSetup, Hold
    from openphb.payments.services import originator_set
    from openphb.planning.calculations import annual_cost
    from openphb.planning.models import CarePlan, PlanItem
    from openphb.registry.models import Patient

    system = Actor.system_job("bench-payment-run")
    commissioner = Organisation.objects.create(
        ods_code=ODS, name="NHS Benchmark ICB", kind="icb", opened_on=datetime.date(2020, 1, 1)
    )
    funder = Organisation.objects.create(
        ods_code="X24", name="NHS England", kind="nhscb", opened_on=datetime.date(2013, 4, 1)
    )
    for username in RUN_BY:
        user = User.objects.create_user(username=username, password=None, role="finance_officer")
        Membership.objects.create(user=user, organisation=commissioner)
    originator_set(
        actor=Actor(user=User.objects.get(username=RUN_BY[0])),
        commissioner=commissioner,
        sort_code="60-70-80",
        account_number="10293847",
        account_name="NHS BENCHMARK ICB",
        service_user_number="123456",
    )
    stream = stream_create(
        actor=system,
        code=STREAM,
        name="NHS Continuing Healthcare",
        kind="chc",
        funder=funder,
        starts_on=datetime.date(2020, 4, 1),
    )

    people = min(n, MOST_PEOPLE)
    skipped = held_back(n)
    regular = [
        annual_cost(quantity=hours(b), frequency="weekly", unit_price=1_600) for b in range(n)
    ]
    equipment = 250_000  # a one-off: a powered wheelchair part, £2,500
    total = sum(regular) + equipment * sum(1 for b in range(n) if one_off(b))
    allocation_record(
        actor=system,
        stream=stream,
        commissioner=commissioner,
        amount=total,
        effective_on=datetime.date(2026, 4, 1),
    )
    pool = allocation_account(commissioner=commissioner, stream=stream)

    with transaction.atomic(), connection.cursor() as cursor:
        first = {
            table: next_id(cursor, table)
            for table in ("registry_patient", "ledger_account", "ledger_transaction")
        }
        numbers = nhs_numbers(people)
        bulk(
            Patient,
            (
                "id",
                "nhs_number",
                "given_name",
                "family_name",
                "date_of_birth",
                "sex",
                "ethnic_category",
                "postcode",
                "date_of_death",
            ),
            (
                (
                    first["registry_patient"] + p,
                    next(numbers),
                    "Alex",
                    f"Holder{p}",
                    datetime.date(1950 + p % 50, 1 + p % 12, 1 + p % 28),
                    "FM"[p % 2],
                    "A",
                    "RM1 3AB",
                    DIED if p % 1000 in (20, 21) else None,
                )
                for p in range(people)
            ),
        )
        patient = first["registry_patient"]
        bulk(
            Budget,
            ("id", "patient", "commissioner", "starts_on", "ends_on", "status", "source_ref"),
            (
                (
                    b + 1,
                    patient + b % people,
                    commissioner.pk,
                    starts(b),
                    starts(b) + datetime.timedelta(days=364),
                    "active",
                    f"care-plan:{b + 1}",
                )
                for b in range(n)
            ),
        )
        # Line and item ids: b + 1 for the assistant, n + b + 1 for the equipment.
        bulk(
            BudgetLine,
            ("id", "budget", "item_ref", "description", "category", "stream", "holding"),
            (
                row
                for b in range(n)
                for row in (
                    (
                        b + 1,
                        b + 1,
                        "plan-item:pa",
                        "Personal assistant hours",
                        "personal_care",
                        stream.pk,
                        "direct_payment",
                    ),
                    *(
                        [
                            (
                                n + b + 1,
                                b + 1,
                                "plan-item:eq",
                                "Powered wheelchair part",
                                "equipment",
                                stream.pk,
                                "direct_payment",
                            )
                        ]
                        if one_off(b)
                        else []
                    ),
                )
            ),
        )
        bulk(
            CarePlan,
            (
                "id",
                "patient",
                "commissioner",
                "first",
                "version",
                "status",
                "status_since",
                "round",
                "starts_on",
                "ends_on",
                "budget",
                "approved_on",
            ),
            (
                (
                    b + 1,
                    patient + b % people,
                    commissioner.pk,
                    b + 1,
                    1,
                    "active",
                    DAY,
                    1,
                    starts(b),
                    starts(b) + datetime.timedelta(days=364),
                    b + 1,
                    starts(b),
                )
                for b in range(n)
            ),
        )
        bulk(
            PlanItem,
            (
                "id",
                "plan",
                "key",
                "name",
                "category",
                "unit",
                "quantity",
                "frequency",
                "unit_price",
                "annual_cost",
                "cost",
                "holding",
                "stream",
                "starts_on",
                "ends_on",
                "decision",
                "position",
            ),
            (
                row
                for b in range(n)
                for row in (
                    (
                        b + 1,
                        b + 1,
                        "pa",
                        "Personal assistant hours",
                        "personal_care",
                        "hour",
                        hours(b),
                        "weekly",
                        1_600,
                        regular[b],
                        regular[b],
                        "direct_payment",
                        stream.pk,
                        starts(b),
                        starts(b) + datetime.timedelta(days=364),
                        "approved",
                        0,
                    ),
                    *(
                        [
                            (
                                n + b + 1,
                                b + 1,
                                "eq",
                                "Powered wheelchair part",
                                "equipment",
                                "one_off",
                                1,
                                "once",
                                equipment,
                                equipment,
                                equipment,
                                "direct_payment",
                                stream.pk,
                                starts(b),
                                starts(b),
                                "approved",
                                1,
                            )
                        ]
                        if one_off(b)
                        else []
                    ),
                )
            ),
        )

        # Each budget's available accounts (one a category), funded from the allocation.
        account = first["ledger_account"]
        ids: dict[tuple[int, str], int] = {}
        for b in range(n):
            ids[(b, "personal_care")] = account + len(ids)
            if one_off(b):
                ids[(b, "equipment")] = account + len(ids)
        bulk(
            Account,
            (
                "id",
                "name",
                "kind",
                "owner_kind",
                "owner_id",
                "fund",
                "purpose",
                "category",
                "minimum_balance",
            ),
            (
                (
                    pk,
                    f"Budget {b + 1}: {stream.name}, {category.replace('_', ' ')}, available",
                    "asset",
                    "budget",
                    b + 1,
                    STREAM,
                    "available",
                    category,
                    0,
                )
                for (b, category), pk in ids.items()
            ),
        )
        tx = first["ledger_transaction"]
        bulk(
            Leg,
            ("transaction", "account", "debit", "credit", "reference"),
            (
                row
                for b in range(n)
                for row in (
                    (tx + b, ids[(b, "personal_care")], regular[b], 0, f"line:{b + 1}"),
                    *(
                        [(tx + b, ids[(b, "equipment")], equipment, 0, f"line:{n + b + 1}")]
                        if one_off(b)
                        else []
                    ),
                    (tx + b, pool.pk, 0, regular[b] + (equipment if one_off(b) else 0), ""),
                )
            ),
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE ledger_leg")
        bulk(
            Transaction,
            (
                "id",
                "effective_on",
                "kind",
                "description",
                "source_ref",
                "idempotency_key",
                "fingerprint",
                "posted_by",
            ),
            (
                (
                    tx + b,
                    starts(b),
                    "budget_funding",
                    f"Budget for {starts(b):%-d %b %Y} to "
                    f"{starts(b) + datetime.timedelta(days=364):%-d %b %Y} approved",
                    f"budget:{b + 1}",
                    None,
                    "",
                    "bench-payment-run",
                )
                for b in range(n)
            ),
        )

        bulk(
            DirectPaymentSetup,
            (
                "id",
                "budget",
                "payee_kind",
                "payee_name",
                "account_type",
                "agreement_signed_on",
                "agreement_version",
                "frequency",
                "first_payment_on",
            ),
            (
                (
                    b + 1,
                    b + 1,
                    "person",
                    f"Alex Holder{b % people}",
                    "dedicated",
                    None
                    if skipped.get(b) == "no_agreement"
                    else starts(b) - datetime.timedelta(days=30),
                    "2026-1",
                    "four_weekly" if b % 4 == 3 else "monthly",
                    starts(b),
                )
                for b in range(n)
            ),
        )
        bulk(
            BankDetails,
            (
                "id",
                "setup",
                "sort_code",
                "account_number",
                "account_name",
                "status",
                "decided_at",
            ),
            (
                (
                    b + 1,
                    b + 1,
                    f"20{b % 10_000:04d}",
                    f"{40_000_000 + b:08d}",
                    f"A HOLDER{b % people}"[:18],
                    "pending" if skipped.get(b) == "bank_unverified" else "verified",
                    None if skipped.get(b) == "bank_unverified" else DAY,
                )
                for b in range(n)
            ),
        )
        bulk(
            Hold,
            ("setup", "kind", "reason", "starts_on", "ends_on"),
            (
                (
                    b + 1,
                    "suspend",
                    "hospital",
                    DAY - datetime.timedelta(days=10),
                    DAY + datetime.timedelta(days=20),
                )
                for b, why in skipped.items()
                if why == "suspended"
            ),
        )
    catch_up_sequences(
        [
            "registry_patient",
            "budgets_budget",
            "budgets_budgetline",
            "planning_careplan",
            "planning_planitem",
            "ledger_account",
            "ledger_transaction",
            "payments_directpaymentsetup",
            "payments_bankdetails",
        ]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    paid = [b for b in range(n) if b not in skipped]
    return {
        "payments": len(paid) + sum(1 for b in paid if one_off(b)),
        "total": sum(regular_share(b, regular[b]) for b in paid)
        + equipment * sum(1 for b in paid if one_off(b)),
        "skips": Counter(why for why in skipped.values() if why),
        "funded": total,
    }


def regular_share(b: int, cost: int) -> int:
    """What budget b's first regular payment is (`payments.schedule`)."""
    from openphb.payments import schedule

    item = schedule.Payable(
        line=b + 1, amount=cost, starts_on=starts(b), ends_on=starts(b) + datetime.timedelta(364)
    )
    [due] = schedule.due(
        [item],
        anchor=starts(b),
        frequency="four_weekly" if b % 4 == 3 else "monthly",
        on=DAY,
    )
    return due.amount


# --- the run (in a process of its own) -----------------------------------------------------------


def run_phase(database: str, n: int, scale: str) -> int:
    """Create, approve and write the file of the run, timing each; this process's memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openphb.config.settings.local")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from openphb.accounts.models import User
    from openphb.audit.services import Actor
    from openphb.organisations.models import Organisation
    from openphb.payments import bacs, runs

    commissioner = Organisation.objects.get(ods_code=ODS)
    creator, approver = (Actor(user=User.objects.get(username=u)) for u in RUN_BY)
    with timed() as gather:
        run = runs.run_create(actor=creator, commissioner=commissioner, payment_date=DAY)
    figure(
        "run_create",
        database=database,
        budgets=n,
        payments=run.payments_count,
        skipped=run.skips.count(),
        seconds=f"{gather['seconds']:.2f}",
        cpu_seconds=f"{gather['cpu_seconds']:.2f}",
    )
    with timed() as post:
        run = runs.run_approve(actor=approver, run=run)
    figure(
        "run_approve",
        database=database,
        payments=run.payments_count,
        chunk=runs.CHUNK,
        seconds=f"{post['seconds']:.2f}",
        cpu_seconds=f"{post['cpu_seconds']:.2f}",
    )
    with timed() as write:
        data = runs.run_file(run=run)
    check(bacs.sha256_of(data) == run.file_sha256, "the file differs from the one approved")
    figure(
        "run_file",
        database=database,
        payments=run.payments_count,
        bytes=len(data),
        seconds=f"{write['seconds']:.2f}",
        cpu_seconds=f"{write['cpu_seconds']:.2f}",
    )
    seconds = gather["seconds"] + post["seconds"] + write["seconds"]
    time_ok = seconds < LIMIT_SECONDS
    figure(
        "end_to_end",
        database=database,
        budgets=n,
        payments=run.payments_count,
        seconds=f"{seconds:.2f}",
        limit_seconds=f"{LIMIT_SECONDS:g}",
        ok=str(time_ok).lower(),
    )
    mib = peak_rss_mib()
    memory_ok = mib < LIMIT_MIB
    figure(
        "peak_rss",
        database=database,
        budgets=n,
        mib=mib,
        limit_mib=LIMIT_MIB,
        ok=str(memory_ok).lower(),
    )
    if scale == "full" and not (time_ok and memory_ok):
        print(
            f"FAIL: {seconds:.1f} s end to end (limit {LIMIT_SECONDS:g} s), peak {mib} MiB "
            f"(limit {LIMIT_MIB} MiB).",
            file=sys.stderr,
        )
        return 1
    return 0


# --- checks and the peer -------------------------------------------------------------------------


def check_run(n: int, expected: dict[str, object]) -> None:
    from django.db.models import Sum

    from openphb.ledger.models import Account, Transaction
    from openphb.ledger.selectors import verify
    from openphb.payments import runs
    from openphb.payments.models import Payment, PaymentRun, Skip

    run = PaymentRun.objects.get()
    check(run.status == PaymentRun.Status.APPROVED, f"the run is {run.status}")
    check(
        run.payments_count == expected["payments"],
        f"{run.payments_count:,} payments, not {expected['payments']:,}",
    )
    check(
        run.payments_total == expected["total"],
        f"the run pays {run.payments_total:,}p, not {expected['total']:,}p",
    )
    skips = Counter(Skip.objects.filter(run=run).values_list("reason", flat=True))
    check(skips == expected["skips"], f"skips {dict(skips)}, not {dict(expected['skips'])}")
    payments = Payment.objects.filter(run=run)
    check(not payments.exclude(status="paid").exists(), "a payment is not paid")
    check(not payments.filter(transaction__isnull=True).exists(), "a payment has no transaction")
    posted = Transaction.objects.filter(kind="payment").count()
    check(posted == run.payments_count, f"{posted:,} payment transactions")
    held = Account.objects.filter(owner_kind="budget", purpose="held").aggregate(
        d=Sum("debits"), c=Sum("credits")
    )
    check(held["d"] - held["c"] == run.payments_total, "the held accounts do not hold the run")
    data = runs.run_file(run=run)
    # Four labels, a record a payment, the contra, three labels.
    check(data.count(b"\r\n") == run.payments_count + 8, "the file does not hold the payments")
    problems = list(verify())
    check(not problems, f"verify: {len(problems):,} problems, first {problems[:3]}")
    figure(
        "checks",
        budgets=n,
        payments=run.payments_count,
        skipped=sum(skips.values()),
        total_pence=run.payments_total,
        verify_problems=0,
    )


def peer(database: str, end_to_end: float | None) -> None:
    """transactions_post_batch of the run's postings mirrored (held back to available)."""
    from openphb.ledger.models import Account, Leg
    from openphb.ledger.services import LegSpec, TransactionSpec, transactions_post_batch

    accounts = {a.pk: a for a in Account.objects.filter(owner_kind="budget")}
    specs: list[TransactionSpec] = []
    legs = (
        Leg.objects.filter(transaction__kind="payment")
        .order_by("transaction_id", "id")
        .values_list("transaction_id", "account_id", "debit", "credit", "reference")
    )
    current: list[LegSpec] = []
    last = None
    for tx, account, debit, credit, reference in legs.iterator(chunk_size=50_000):
        if tx != last and current:
            specs.append(_mirror(current, len(specs)))
            current = []
        last = tx
        current.append(
            LegSpec(account=accounts[account], debit=credit, credit=debit, reference=reference)
        )
    if current:
        specs.append(_mirror(current, len(specs)))
    legs_count = sum(len(s.legs) for s in specs)
    with timed() as spent:
        posted = transactions_post_batch(specs=specs, posted_by="bench-peer")
    check(posted == len(specs), "the peer did not post every transaction")
    figure(
        "peer_post_batch",
        database=database,
        transactions=posted,
        legs=legs_count,
        seconds=f"{spent['seconds']:.2f}",
        cpu_seconds=f"{spent['cpu_seconds']:.2f}",
        **(
            {"run_over_peer": f"{end_to_end / spent['seconds']:.1f}x"}
            if end_to_end is not None
            else {}
        ),
    )


def _mirror(legs: list, n: int):
    from openphb.ledger.services import TransactionSpec

    return TransactionSpec(
        effective_on=DAY,
        kind="reversal",
        description=f"Bench: every payment returned ({n + 1})",
        legs=legs,
        source_ref="bench",
        idempotency_key=f"bench-peer:{n + 1}",  # as each payment has: the same work
    )


def body(database: str, scale: str) -> int:
    n = SCALES[scale][database]
    with throwaway_database(database):
        with timed() as spent:
            expected = build(n)
        figure(
            "build",
            database=database,
            budgets=n,
            seconds=f"{spent['seconds']:.2f}",
            mib=peak_rss_mib(),
        )
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--phase", "run", "--scale", scale, "--database", database],
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        sys.stdout.write(done.stdout)
        check(done.returncode in (0, 1) and "end_to_end" in done.stdout, "the run failed")
        end_to_end = next(
            float(item.split("=")[1])
            for line in done.stdout.splitlines()
            if line.startswith("end_to_end ")
            for item in line.split()
            if item.startswith("seconds=")
        )
        check_run(n, expected)
        peer(database, end_to_end)
    return done.returncode


def main() -> int:
    if "--phase" in sys.argv:
        args = sys.argv[sys.argv.index("--phase") :]
        scale = sys.argv[sys.argv.index("--scale") + 1]
        database = sys.argv[sys.argv.index("--database") + 1]
        assert args[1] == "run"
        return run_phase(database, SCALES[scale][database], scale)
    return run_per_database(__file__, __doc__.splitlines()[0], SCALES, body)


if __name__ == "__main__":
    sys.exit(main())
