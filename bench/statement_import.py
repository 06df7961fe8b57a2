"""Benchmark: a national month's bank statement imported and matched, then imported again (the
same file, and the same transactions in another file), on PostgreSQL and on SQLite.

Requirement (issue 7, section 6): import a 2,500,000-line statement file (a national month) on
PostgreSQL in under 60 s with memory under 1 GiB; re-import of the same file under 30 s adding
nothing. Run alone:

    .venv/bin/python bench/statement_import.py --scale small|full
        [--database sqlite|postgresql|both]

small is 20,000 lines on each database (a smoke test for `make bench`); full is 2,500,000 on
PostgreSQL and 250,000 on SQLite. The issue names only PostgreSQL; the same limits are checked
on SQLite for a tenth of the lines.

For each database, in a process of its own, on a throwaway database, it builds in bulk (COPY on
PostgreSQL, one prepared statement on SQLite; ids chosen here) what matching reads: 42
commissioners (ICBs), each with the same seven payee rules (added with `rule_add`: CAREWELL,
PAYROLL and HMRC give personal care, LEISURE and SWIM activities, TAXI transport, MOBILITY
equipment); a budget for every 6.25 lines of the file (400,000 at full scale), each with its
person, a personal-care line held as a direct payment (and activities for one in three,
transport for one in four, equipment for one in ten), a direct-payment set-up and verified
bank details naming its own account. One account in a hundred also served the person's
previous year's budget (ended, its own set-up and verified details), so matching must pick the
budget whose period covers the day. Each commissioner has an approved payment run on
1 December 2026 paying each of its budgets once, with a reference PHB<run>-<sequence>; the
ledger is not built (matching does not read it).

It then writes the month's statement as a bank would (`--format csv`: the documented columns,
a running balance, a quoted description with a comma on some lines) to a temporary file, one
account after another in date order: for each budget the credit of its payment carrying the
reference (except one budget in fifty, whose payment the bank has not shown yet), a refund
from a shop for one in twenty (money in with no reference), and 3 to 7 payments out by
transfer, direct debit, card or cash to payees such as a home-care agency, a payroll service,
HMRC, the person's personal assistant by name (a payee of its own for each budget), a
supermarket, a leisure centre, a swimming pool, a taxi firm and a mobility shop; and, spread
between them, the lines of accounts that no budget is paid into, enough to make the total. A
second file holds the same transactions in another order (budgets permuted, each account's
lines reversed), with its columns in another order, dates as DD/MM/YYYY and sort codes with
dashes: different bytes, the same transactions.

Then a separate process (so that its peak memory is the import's own, not the set-up's) times,
one line each, `statements.importing.statement_import` of the file by a finance officer, which
reads it into a temporary table, matches its rows and stores them, matched, in one
transaction: `match` (the time in `matching.prepare`, which works out from the whole table the
accounts' budgets, the payments credits reconcile to, each payee's rule and the plan lines),
`import` (the rest of the call: reading and parsing the file, the temporary table, finding
transactions already known, the INSERT ... SELECT that joins each row to what it matched,
the foreign-key checks at the commit, the audit), `import_and_match` (the whole call, the figure
the 60 s limit is about: matching is counted) and `peak_rss` (that process's own peak resident
memory, its VmHWM, the 1 GiB limit; PostgreSQL's own memory is not in it); then
`reimport_same_file` (the same bytes: recognised by the SHA-256 and returned, nothing read) and
`reimport_same_transactions` (the second file: every row read and looked up, every one already
known, nothing matched or added; the figure the 30 s limit is about).

Back in this process it checks that every transaction was stored once, that the lines matched
as the builder expects (reconciled, unmatched credits, planned, not in the plan, no account:
counts computed from the world, not read back), each payment reconciled at most once, no line
given to an ended budget, and that the re-imports added nothing. Then two peers, in the same
database: the same file copied raw into an unindexed table of typed columns (PostgreSQL's
`COPY ... FROM STDIN (FORMAT csv)`; on SQLite `csv.reader` and one prepared statement), the
floor for getting the file into the database; and the lines the import stored, already
matched, written again by one INSERT ... SELECT (in the import's order, committed) into a copy
of their table with the same indexes and foreign keys, the floor for storing them whatever
reads and matches them. The process exits non-zero if a check fails or, at full scale, if a
time or the memory misses its limit.
"""

import csv
import datetime
import math
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from _common import check, figure, peak_rss_mib, run_per_database, throwaway_database, timed
from payment_run import bulk, catch_up_sequences, nhs_numbers

SCALES = {
    "small": {"sqlite": 20_000, "postgresql": 20_000},
    "full": {"sqlite": 250_000, "postgresql": 2_500_000},
}
LIMIT_SECONDS = 60.0
LIMIT_REIMPORT_SECONDS = 30.0
LIMIT_MIB = 1024
DAY = datetime.date(2026, 12, 1)  # the payment day, and the first day of the statement
MONTH_DAYS = 31
COMMISSIONERS = 42
FINANCE = "bench-finance"
STRIDE = 7919  # a prime: budget i of the second file is budget (i * STRIDE) % n of the first
UNKNOWN_LINES_EACH = 5

RULES = (
    ("CAREWELL", "personal_care"),
    ("PAYROLL", "personal_care"),
    ("HMRC", "personal_care"),
    ("LEISURE", "activities"),
    ("SWIM", "activities"),
    ("TAXI", "transport"),
    ("MOBILITY", "equipment"),
)
TOWNS = "LEEDS YORK BRISTOL DERBY LUTON HULL BATH STOKE WIGAN DOVER EXETER NORWICH".split()
SURNAMES = (
    "SMITH JONES TAYLOR BROWN WILLIAMS WILSON JOHNSON DAVIES PATEL WRIGHT WALKER KHAN "
    "THOMPSON WHITE HUGHES EDWARDS GREEN HALL WOOD HARRIS LEWIS MARTIN JACKSON CLARKE"
).split()
# Payments out: (type, payee, description, the category its rule gives or None).
PAYEES = (
    ("transfer", "CAREWELL HOMECARE LTD", "INVOICE {b}", "personal_care"),
    ("direct_debit", "PEOPLEPAY PAYROLL SVCS", "PAYROLL SERVICE", "personal_care"),
    ("transfer", "{initial} {surname} {b:06d}", "PA WAGES, DECEMBER", None),
    ("card", "TESCO STORES {store}", "CARD PAYMENT", None),
    ("card", "ACTIVE LEISURE {town}", "CARD PAYMENT", "activities"),
    ("card", "STREAMLINE TAXIS {town}", "CARD PAYMENT", "transport"),
    ("cash", "", "CASH NATWEST ATM {store}", None),
    ("direct_debit", "HMRC PAYE", "EMPLOYER PAYE {b}", "personal_care"),
    ("card", "MOBILITY AIDS DIRECT", "CARD PAYMENT", "equipment"),
    ("card", "CITY SWIMMING POOL {town}", "CARD PAYMENT", "activities"),
)


# --- the world, as pure functions of a budget's number b (0 to n - 1) ----------------------------


def budgets_for(lines: int) -> int:
    return lines * 4 // 25  # 6.25 lines a budget


def categories(b: int) -> tuple[str, ...]:
    return (
        "personal_care",
        *(["activities"] if b % 3 == 0 else []),
        *(["transport"] if b % 4 == 1 else []),
        *(["equipment"] if b % 10 == 4 else []),
    )


def renewed(b: int) -> bool:
    """Whether the account also served the person's previous year's budget."""
    return b % 100 == 7


def account(b: int) -> tuple[str, str]:
    return f"20{b % 10_000:04d}", f"{40_000_000 + b:08d}"


def unknown_account(u: int) -> tuple[str, str]:
    return f"30{u % 10_000:04d}", f"{70_000_000 + u:08d}"


def starts(b: int) -> datetime.date:
    return datetime.date(2026, 4, 1) + datetime.timedelta(days=b % 180)


def paid_amount(b: int) -> int:
    return 120_000 + (b % 60) * 2_500


def credit_shown(b: int) -> bool:
    return b % 50 != 3


def shop_refund(b: int) -> bool:
    return b % 20 == 5


def spends(b: int) -> int:
    return 3 + b % 5


def lines_of(b: int) -> int:
    return credit_shown(b) + shop_refund(b) + spends(b)


class Txn(NamedTuple):
    reference: str
    booked_on: datetime.date
    type: str
    description: str
    counterparty: str
    amount: int  # pence, money out negative
    balance: int
    expect: str  # what matching should make of it


def transactions(b: int, references: dict[int, str], names: list[str]) -> list[Txn]:
    """Budget b's month on its account, in date order."""
    made: list[tuple[datetime.date, int, str, str, str, int, str]] = []
    if credit_shown(b):
        made.append(
            (
                DAY,
                0,
                "credit",
                f"{names[b % COMMISSIONERS]} {references[b]}",
                names[b % COMMISSIONERS],
                paid_amount(b),
                "reconciled",
            )
        )
    if shop_refund(b):
        on = DAY + datetime.timedelta(days=b % MONTH_DAYS)
        made.append((on, 1, "refund", "REFUND ARGOS", "ARGOS LTD", 1_299, "unmatched_credit"))
    for j in range(spends(b)):
        kind, payee, description, category = PAYEES[(b * 7 + j * 3) % len(PAYEES)]
        values = {
            "b": b,
            "store": 1_000 + (b + j) % 3_000,
            "town": TOWNS[(b + j) % len(TOWNS)],
            "initial": "ABCDEFGHJKLMNPRSTW"[b % 18],
            "surname": SURNAMES[b % len(SURNAMES)],
        }
        amount = (
            1_000 * (1 + (b + j) % 10)
            if kind == "cash"
            else 300 + (b * 37 + j * 101) % (40_000 if category == "personal_care" else 9_000)
        )
        made.append(
            (
                DAY + datetime.timedelta(days=(b + 5 * j) % MONTH_DAYS),
                2 + j,
                kind,
                description.format(**values),
                payee.format(**values),
                -amount,
                "planned" if category in categories(b) else "not_in_plan",
            )
        )
    made.sort()
    balance = 5_000 + b % 100_000
    txns = []
    for on, j, kind, description, payee, amount, expect in made:
        balance += amount
        txns.append(Txn(f"B{b:07d}-{j:02d}", on, kind, description, payee, amount, balance, expect))
    return txns


def unknown_transactions(u: int, count: int) -> list[Txn]:
    """An account no budget is paid into: a salary and some spending."""
    txns = []
    balance = 20_000
    for i in range(count):
        kind, payee, description, _ = PAYEES[(u + i) % len(PAYEES)]
        values = {"b": u, "store": 1_000 + u % 3_000, "town": TOWNS[u % len(TOWNS)]}
        values |= {"initial": "Q", "surname": SURNAMES[u % len(SURNAMES)]}
        amount = 150_000 if i == 0 else -(500 + (u * 13 + i * 211) % 9_000)
        if i == 0:
            kind, payee, description = "credit", "ACME WIDGETS LTD", "SALARY"
        balance += amount
        txns.append(
            Txn(
                f"U{u:07d}-{i:02d}",
                DAY + datetime.timedelta(days=(u + 3 * i) % MONTH_DAYS),
                kind,
                description.format(**values),
                payee.format(**values),
                amount,
                balance,
                "no_account",
            )
        )
    return txns


def statement(
    n: int, total: int, references: dict[int, str], names: list[str], *, reordered: bool
) -> Iterator[tuple[str, str, Txn]]:
    """Every transaction of the month: (sort code, account number, transaction). In account
    order, or (`reordered`) budgets permuted and each account's lines reversed."""
    unknown = total - sum(lines_of(b) for b in range(n))
    check(unknown >= 0, f"{n:,} budgets make more than {total:,} lines")
    accounts = math.ceil(unknown / UNKNOWN_LINES_EACH)
    check(math.gcd(STRIDE, n) == 1, f"{STRIDE} and {n:,} have a common factor")
    u = 0
    for i in range(n):
        b = (i * STRIDE) % n if reordered else i
        txns = transactions(b, references, names)
        sort_code, number = account(b)
        for txn in reversed(txns) if reordered else txns:
            yield sort_code, number, txn
        while u < accounts and u * n // accounts <= i:
            a = accounts - 1 - u if reordered else u
            count = min(UNKNOWN_LINES_EACH, unknown - a * UNKNOWN_LINES_EACH)
            sort_code, number = unknown_account(a)
            txns = unknown_transactions(a, count)
            for txn in reversed(txns) if reordered else txns:
                yield sort_code, number, txn
            u += 1


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def write_statement(
    path: Path, n: int, total: int, references: dict[int, str], names: list[str], *, second: bool
) -> Counter[str]:
    """The bank CSV of the month (the first file, or the second: another order, another column
    order, DD/MM/YYYY dates, sort codes with dashes); what matching should make of its lines."""
    expected: Counter[str] = Counter()
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        if second:
            writer.writerow(
                (
                    "Date",
                    "Type",
                    "Amount",
                    "Currency",
                    "Description",
                    "Counterparty",
                    "Bank_Reference",
                    "Account_Number",
                    "Sort_Code",
                    "Balance",
                )
            )
        else:
            writer.writerow(
                (
                    "sort_code",
                    "account_number",
                    "date",
                    "bank_reference",
                    "type",
                    "description",
                    "counterparty",
                    "amount",
                    "currency",
                    "balance",
                )
            )
        for sort_code, number, txn in statement(n, total, references, names, reordered=second):
            expected[txn.expect] += 1
            if second:
                writer.writerow(
                    (
                        f"{txn.booked_on:%d/%m/%Y}",
                        txn.type,
                        pounds(txn.amount),
                        "GBP",
                        txn.description,
                        txn.counterparty,
                        txn.reference,
                        number,
                        f"{sort_code[:2]}-{sort_code[2:4]}-{sort_code[4:]}",
                        pounds(txn.balance),
                    )
                )
            else:
                writer.writerow(
                    (
                        sort_code,
                        number,
                        txn.booked_on.isoformat(),
                        txn.reference,
                        txn.type,
                        txn.description,
                        txn.counterparty,
                        pounds(txn.amount),
                        "GBP",
                        pounds(txn.balance),
                    )
                )
    return expected


# --- building the world in bulk ------------------------------------------------------------------


def build(n: int) -> tuple[dict[int, str], list[str]]:
    """The budgets, accounts, rules and payments; each budget's payment reference, and each
    commissioner's name as its credits show it."""
    from django.db import connection, transaction
    from django.utils import timezone

    from openphb.accounts.models import Membership, User
    from openphb.audit.services import Actor
    from openphb.budgets.models import Budget, BudgetLine
    from openphb.funding.services import stream_create
    from openphb.organisations.models import Organisation
    from openphb.payments.models import BankDetails, DirectPaymentSetup, Payment, PaymentRun
    from openphb.registry.models import Patient
    from openphb.statements.services import rule_add

    system = Actor.system_job("bench-statement-import")
    funder = Organisation.objects.create(
        ods_code="X24", name="NHS England", kind="nhscb", opened_on=datetime.date(2013, 4, 1)
    )
    commissioners = [
        Organisation.objects.create(
            ods_code=f"QB{c:02d}",
            name=f"NHS Benchmark {c + 1} ICB",
            kind="icb",
            opened_on=datetime.date(2020, 1, 1),
        )
        for c in range(COMMISSIONERS)
    ]
    finance = User.objects.create_user(username=FINANCE, password=None, role="finance_officer")
    for commissioner in commissioners:
        Membership.objects.create(user=finance, organisation=commissioner)
    finance = User.objects.get(pk=finance.pk)  # with every membership
    for commissioner in commissioners:
        for pattern, category in RULES:
            rule_add(
                actor=Actor(user=finance),
                commissioner=commissioner,
                field="counterparty",
                pattern=pattern,
                category=category,
            )
    stream = stream_create(
        actor=system,
        code="chc-bench",
        name="NHS Continuing Healthcare",
        kind="chc",
        funder=funder,
        starts_on=datetime.date(2020, 4, 1),
    )
    now = timezone.now()
    runs = [
        PaymentRun.objects.create(
            commissioner=commissioner,
            payment_date=DAY,
            status="approved",
            created_by=finance,
            created_by_label=FINANCE,
            approved_at=now,
            approved_by_label="bench-finance2",
            payments_count=len(range(c, n, COMMISSIONERS)),
            payments_total=sum(paid_amount(b) for b in range(c, n, COMMISSIONERS)),
            serial=c + 1,
        )
        for c, commissioner in enumerate(commissioners)
    ]
    references = {
        b: f"PHB{runs[b % COMMISSIONERS].pk:06d}-{b // COMMISSIONERS + 1:08d}" for b in range(n)
    }
    earlier = [b for b in range(n) if renewed(b)]  # budget n + k + 1 is earlier[k]'s last year

    def before(b: int) -> tuple[datetime.date, datetime.date]:
        return starts(b) - datetime.timedelta(days=365), starts(b) - datetime.timedelta(days=1)

    with transaction.atomic():
        numbers = nhs_numbers(n)
        bulk(
            Patient,
            ("id", "nhs_number", "given_name", "family_name", "date_of_birth", "sex"),
            (
                (
                    b + 1,
                    next(numbers),
                    "Alex",
                    f"Holder{b}",
                    datetime.date(1950 + b % 50, 1 + b % 12, 1 + b % 28),
                    "FM"[b % 2],
                )
                for b in range(n)
            ),
        )
        bulk(
            Budget,
            ("id", "patient", "commissioner", "starts_on", "ends_on", "status", "source_ref"),
            (
                *(
                    (
                        b + 1,
                        b + 1,
                        commissioners[b % COMMISSIONERS].pk,
                        starts(b),
                        starts(b) + datetime.timedelta(days=364),
                        "active",
                        f"care-plan:{b + 1}",
                    )
                    for b in range(n)
                ),
                *(
                    (
                        n + k + 1,
                        b + 1,
                        commissioners[b % COMMISSIONERS].pk,
                        *before(b),
                        "ended",
                        f"care-plan:{n + k + 1}",
                    )
                    for k, b in enumerate(earlier)
                ),
            ),
        )
        bulk(
            BudgetLine,
            ("budget", "item_ref", "description", "category", "stream", "holding"),
            (
                *(
                    (
                        b + 1,
                        f"plan-item:{category}",
                        category,
                        category,
                        stream.pk,
                        "direct_payment",
                    )
                    for b in range(n)
                    for category in categories(b)
                ),
                *(
                    (
                        n + k + 1,
                        "plan-item:personal_care",
                        "personal_care",
                        "personal_care",
                        stream.pk,
                        "direct_payment",
                    )
                    for k in range(len(earlier))
                ),
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
                (pk, pk, "person", f"Alex Holder{b}", "dedicated", on, "2026-1", "monthly", on)
                for pk, b, on in (
                    *((b + 1, b, starts(b)) for b in range(n)),
                    *((n + k + 1, b, before(b)[0]) for k, b in enumerate(earlier)),
                )
            ),
        )
        bulk(
            BankDetails,
            ("setup", "sort_code", "account_number", "account_name", "status", "decided_at"),
            (
                (pk, *account(b), f"A HOLDER{b}"[:18], "verified", now)
                for pk, b in (
                    *((b + 1, b) for b in range(n)),
                    *((n + k + 1, b) for k, b in enumerate(earlier)),
                )
            ),
        )
        bulk(
            Payment,
            (
                "run",
                "budget",
                "kind",
                "period_start",
                "period_end",
                "amount_due",
                "amount",
                "reference",
                "payee_name",
                "sort_code",
                "account_number",
                "account_name",
                "status",
            ),
            (
                (
                    runs[b % COMMISSIONERS].pk,
                    b + 1,
                    "regular",
                    DAY,
                    DAY + datetime.timedelta(days=MONTH_DAYS - 1),
                    paid_amount(b),
                    paid_amount(b),
                    references[b],
                    f"Alex Holder{b}",
                    *account(b),
                    f"A HOLDER{b}"[:18],
                    "paid",
                )
                for b in range(n)
            ),
        )
    catch_up_sequences(["registry_patient", "budgets_budget", "payments_directpaymentsetup"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    names = [f"NHS BENCHMARK {c + 1} ICB" for c in range(COMMISSIONERS)]
    return references, names


# --- the import (in a process of its own) --------------------------------------------------------


def run_phase(database: str, total: int, scale: str, first: Path, second: Path) -> int:
    """Import the first file, then both files again, timing each; this process's memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openphb.config.settings.local")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from openphb.accounts.models import User
    from openphb.audit.services import Actor
    from openphb.statements import matching
    from openphb.statements.importing import statement_import

    actor = Actor(user=User.objects.get(username=FINANCE))
    matched: dict[str, float] = {}
    prepare = matching.prepare

    def timed_prepare(*args, **kwargs):
        with timed() as spent:
            found = prepare(*args, **kwargs)
        for key, value in spent.items():
            matched[key] = matched.get(key, 0.0) + value
        return found

    matching.prepare = timed_prepare  # the import calls it through the module
    with timed() as whole:
        result = statement_import(actor=actor, file=first, filename=first.name, format="csv")
    imported = result.statement_import
    check(not result.already_imported, "the first import was taken for a re-import")
    check("seconds" in matched, "the import did not match its rows")
    figure(
        "import",
        database=database,
        lines=imported.lines_read,
        added=imported.lines_added,
        bytes=imported.size_bytes,
        seconds=f"{whole['seconds'] - matched['seconds']:.2f}",
        cpu_seconds=f"{whole['cpu_seconds'] - matched['cpu_seconds']:.2f}",
    )
    figure(
        "match",
        database=database,
        lines=imported.lines_added,
        **result.matched,
        seconds=f"{matched['seconds']:.2f}",
        cpu_seconds=f"{matched['cpu_seconds']:.2f}",
    )
    time_ok = whole["seconds"] < LIMIT_SECONDS
    figure(
        "import_and_match",
        database=database,
        lines=imported.lines_read,
        seconds=f"{whole['seconds']:.2f}",
        lines_per_second=round(imported.lines_read / whole["seconds"]),
        limit_seconds=f"{LIMIT_SECONDS:g}",
        ok=str(time_ok).lower(),
    )
    mib = own_peak_rss_mib()
    memory_ok = mib < LIMIT_MIB
    figure(
        "peak_rss",
        database=database,
        lines=imported.lines_read,
        mib=mib,
        limit_mib=LIMIT_MIB,
        ok=str(memory_ok).lower(),
    )

    with timed() as same:
        again = statement_import(actor=actor, file=first, filename="again.csv", format="csv")
    check(again.already_imported, "the same file was not recognised")
    check(again.statement_import.pk == imported.pk, "the same file gave another import")
    figure(
        "reimport_same_file",
        database=database,
        lines=imported.lines_read,
        added=0,
        seconds=f"{same['seconds']:.2f}",
    )

    matched.clear()
    with timed() as other:
        again = statement_import(actor=actor, file=second, filename=second.name, format="csv")
    known = again.statement_import
    check(not again.already_imported, "the second file was taken for the first")
    check(
        (known.lines_read, known.lines_added, known.lines_known) == (total, 0, total),
        f"the second file read {known.lines_read:,}, added {known.lines_added:,}, "
        f"knew {known.lines_known:,}",
    )
    reimport_ok = other["seconds"] < LIMIT_REIMPORT_SECONDS
    figure(
        "reimport_same_transactions",
        database=database,
        lines=known.lines_read,
        added=known.lines_added,
        known=known.lines_known,
        bytes=known.size_bytes,
        seconds=f"{other['seconds']:.2f}",
        cpu_seconds=f"{other['cpu_seconds']:.2f}",
        match_seconds=f"{matched.get('seconds', 0):.2f}",
        limit_seconds=f"{LIMIT_REIMPORT_SECONDS:g}",
        ok=str(reimport_ok).lower(),
    )
    if scale == "full" and not (time_ok and memory_ok and reimport_ok):
        print(
            f"FAIL: import and match {whole['seconds']:.1f} s (limit {LIMIT_SECONDS:g} s), "
            f"peak {mib} MiB (limit {LIMIT_MIB} MiB), re-import {other['seconds']:.1f} s "
            f"(limit {LIMIT_REIMPORT_SECONDS:g} s).",
            file=sys.stderr,
        )
        return 1
    return 0


def own_peak_rss_mib() -> int:
    """This process's own peak resident memory. Not getrusage's, which for a process started
    from another is at least that other's peak when it started (Linux keeps it across fork and
    exec): here, the builder's."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return peak_rss_mib()


# --- checks and the peer -------------------------------------------------------------------------


def check_imports(n: int, total: int, expected: Counter[str]) -> None:
    from django.db.models import Count

    from openphb.statements.models import StatementImport, StatementLine

    first, second = StatementImport.objects.order_by("id")
    check(StatementImport.objects.count() == 2, "not two imports")
    stored = StatementLine.objects.count()
    check(stored == total, f"{stored:,} lines stored, not {total:,}")
    check(
        first.lines_added == total and second.lines_added == 0,
        f"the imports added {first.lines_added:,} and {second.lines_added:,}",
    )
    check(not second.lines.exists(), "the second file's import holds lines")
    found = Counter(
        dict(StatementLine.objects.values_list("match").annotate(n=Count("id")).order_by())
    )
    check(found == expected, f"matched {dict(found)}, expected {dict(expected)}")
    payments = StatementLine.objects.filter(payment__isnull=False)
    check(
        payments.values("payment").distinct().count() == expected["reconciled"],
        "a payment is reconciled more than once",
    )
    check(
        not StatementLine.objects.filter(budget_id__gt=n).exists(),
        "a line was given to a budget that had ended",
    )
    figure(
        "checks",
        lines=stored,
        budgets=n,
        **{key: found[key] for key in sorted(found)},
        reimport_added=second.lines_added,
    )


def peer(database: str, path: Path, total: int, import_seconds: float | None) -> None:
    """The first file copied raw into an unindexed table of typed columns."""
    from django.db import connection

    columns = (
        "sort_code varchar(6), account_number varchar(8), booked_on date, "
        "bank_reference varchar(64), type varchar(16), description varchar(200), "
        "counterparty varchar(140), amount numeric(15, 2), currency varchar(3), "
        "balance numeric(15, 2)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_peer ({columns})")
        with timed() as spent, path.open("rb") as data:
            if database == "postgresql":
                with cursor.cursor.copy("COPY bench_peer FROM STDIN (FORMAT csv, HEADER)") as copy:
                    while chunk := data.read(1024 * 1024):
                        copy.write(chunk)
            else:
                text = (line.decode() for line in data)
                rows = csv.reader(text)
                next(rows)
                cursor.executemany(
                    "INSERT INTO bench_peer VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows
                )
        cursor.execute("SELECT count(*) FROM bench_peer")
        copied = cursor.fetchone()[0]
    check(copied == total, f"the peer copied {copied:,} rows")
    figure(
        "peer_copy_csv" if database == "postgresql" else "peer_executemany_csv",
        database=database,
        lines=copied,
        seconds=f"{spent['seconds']:.2f}",
        **(
            {"import_over_peer": f"{import_seconds / spent['seconds']:.1f}x"}
            if import_seconds is not None
            else {}
        ),
    )


def peer_store(database: str, import_seconds: float | None) -> None:
    """The stored lines written again into a copy of their table: its indexes and foreign
    keys, no parsing, no matching."""
    import re

    from django.db import connection, transaction

    table = "statements_statementline"
    with connection.cursor() as cursor:
        if database == "postgresql":
            cursor.execute(f"CREATE TABLE bench_lines (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE bench_lines ADD {definition}")
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
                "ORDER BY type DESC",  # the table, then its indexes
                [table],
            )
            for (sql,) in cursor.fetchall():
                sql = re.sub(r'INDEX "?(\w+)"?', r'INDEX "bench_\1"', sql)
                cursor.execute(re.sub(rf'"?{table}"?', '"bench_lines"', sql))
        cursor.execute(f"SELECT * FROM {table} WHERE false")  # noqa: S608
        columns = ", ".join(f'"{column[0]}"' for column in cursor.description if column[0] != "id")
    # Timed to the end of the commit, where PostgreSQL checks the foreign keys.
    with timed() as spent, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO bench_lines ({columns}) SELECT {columns} FROM {table} "  # noqa: S608
            "ORDER BY sort_code, account_number, id"
        )
        stored = cursor.rowcount
    figure(
        "peer_store_lines",
        database=database,
        lines=stored,
        seconds=f"{spent['seconds']:.2f}",
        **(
            {"import_over_peer": f"{import_seconds / spent['seconds']:.1f}x"}
            if import_seconds is not None
            else {}
        ),
    )


def body(database: str, scale: str) -> int:
    total = SCALES[scale][database]
    n = budgets_for(total)
    with throwaway_database(database), tempfile.TemporaryDirectory(prefix="openphb-bench-") as tmp:
        with timed() as spent:
            references, names = build(n)
        figure(
            "build",
            database=database,
            budgets=n,
            renewed=sum(1 for b in range(n) if renewed(b)),
            seconds=f"{spent['seconds']:.2f}",
            mib=peak_rss_mib(),
        )
        first, second = Path(tmp) / "december.csv", Path(tmp) / "december-again.csv"
        with timed() as spent:
            expected = write_statement(first, n, total, references, names, second=False)
            again = write_statement(second, n, total, references, names, second=True)
        check(sum(expected.values()) == total, f"the file has {sum(expected.values()):,} lines")
        check(again == expected, "the second file holds other transactions")
        figure(
            "files",
            database=database,
            lines=total,
            bytes=first.stat().st_size,
            **{key: expected[key] for key in sorted(expected)},
            seconds=f"{spent['seconds']:.2f}",
        )
        done = subprocess.run(  # noqa: S603
            [
                sys.executable,
                __file__,
                "--phase",
                "run",
                "--scale",
                scale,
                "--database",
                database,
                "--files",
                str(first),
                str(second),
            ],
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )
        sys.stdout.write(done.stdout)
        check(
            done.returncode in (0, 1) and "reimport_same_transactions" in done.stdout,
            "the import failed",
        )
        import_seconds = next(
            float(item.split("=")[1])
            for line in done.stdout.splitlines()
            if line.startswith("import_and_match ")
            for item in line.split()
            if item.startswith("seconds=")
        )
        check_imports(n, total, expected)
        peer(database, first, total, import_seconds)
        peer_store(database, import_seconds)
    return done.returncode


def main() -> int:
    if "--phase" in sys.argv:
        scale = sys.argv[sys.argv.index("--scale") + 1]
        database = sys.argv[sys.argv.index("--database") + 1]
        files = sys.argv.index("--files")
        first, second = Path(sys.argv[files + 1]), Path(sys.argv[files + 2])
        return run_phase(database, SCALES[scale][database], scale, first, second)
    return run_per_database(__file__, __doc__.splitlines()[0], SCALES, body)


if __name__ == "__main__":
    sys.exit(main())
