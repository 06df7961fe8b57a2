"""Benchmark: posting a million budget transactions to the ledger in one batch, on PostgreSQL.

Requirement: post 1,000,000 budget transactions in a batch on PostgreSQL at no less than half
the rate of a raw COPY of the same rows, and at least 10 times the rate of django-hordak (the
established Django double-entry ledger) posting the same transactions. Run alone:

    .venv/bin/python bench/ledger_batch.py --scale small|full

small is 20,000 transactions over 1,000 budgets (a smoke test for `make bench`); full is
1,000,000 over 10,000 budgets. PostgreSQL only (the batch is one COPY and one set-wise checked
UPDATE there); a server that does not answer is skipped at small scale and fails full scale.

On a throwaway database it opens, through `ledger.services.account_open`, the accounts a budget
has (`budgets.accounts`: available and committed, never below zero; held; spent) for every
budget, each commissioner's allocation (never below zero) and the granted funding they come
from. The transactions are those the payment runs post (`budgets.services`): commitments
(debit committed, credit available) and payments (debit held, or spent for a notional budget;
credit committed or available), spread at random over the budgets and over a year, 500p to
£600 each. A simulation in posting order keeps every committed account at or above zero, and
each budget is funded with what its payments and commitments draw from available plus a
margin, so that no protected account ever goes below zero. One line per figure:

- open_accounts, funding: set-up (each commissioner's allocation, then one funding
  transaction per budget, both through `transactions_post_batch`), not the requirement.
- ledger_batch: `ledger.services.transactions_post_batch` of all the transactions, from the
  ready-made `TransactionSpec`s to the commit: the figure the requirement is about.
- single_post_before_analyze, analyze, single_post: `ledger.services.transaction_post`, one
  call (and one commit) per transaction, over a smaller sample of further transactions: a few
  straight after the batch, then `ANALYZE` of the ledger tables (what autovacuum does within
  a minute or so), then the rest. For context, no target.
- peer_copy: psycopg's COPY of the very rows the batch wrote (read back from the ledger: the
  transactions, posted, and their legs), inside one transaction, into two plain tables made
  `LIKE` the ledger's own `INCLUDING ALL` (the same columns, defaults, check constraints and
  indexes; no triggers, no foreign keys): the limit.
- peer_hordak: the same transactions through django-hordak 2.0.0 in a separate environment
  (bench/_hordak_peer.py, var/bench-hordak-venv, created here when missing), with
  `bulk_create` in one atomic block, on a sample of the batch at full scale (its rate is what
  is compared; the sample size is printed). peer_hordak_transfer_to: some of them again one at
  a time through its `Account.transfer_to`, for context. Without pip or a network the peer is
  reported as skipped (a failure at full scale only).
- targets: our rate over each peer's, and whether the targets are met.
- peak_rss: this process's peak resident memory.

After the batch and the single posts it checks that every transaction and leg is there and
posted, that `ledger.selectors.verify` finds nothing wrong (running totals equal the legs,
every transaction balances), that every account's totals are those the simulation expects,
and that all debits equal all credits. It exits non-zero if a check fails or, at full scale,
if a target is missed or a peer could not be measured.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from _common import (
    check,
    figure,
    peak_rss_mib,
    postgres_reachable,
    throwaway_database,
    timed,
)

SCALES = {"small": 20_000, "full": 1_000_000}
BUDGETS = {"small": 1_000, "full": 10_000}
HORDAK_SAMPLE = {"small": 20_000, "full": 50_000}
SINGLE_SAMPLE = {"small": 500, "full": 2_000}
STALE_SAMPLE = 10  # single posts straight after the batch, before the tables are analysed
TRANSFER_TO_SAMPLE = {"small": 500, "full": 2_000}
COMMISSIONERS = 10
SEED = 2026
FUND = "PHB-CHC"
YEAR_STARTS = datetime.date(2026, 4, 1)
MIN_RATE_OF_COPY = 0.5
MIN_TIMES_HORDAK = 10.0
BATCH_BY = "bench-ledger-batch"

ROOT = Path(__file__).resolve().parent.parent
HORDAK_VENV = ROOT / "var" / "bench-hordak-venv"
HORDAK_PACKAGES = ("django-hordak==2.0.0", "Django>=5.2,<5.3", "psycopg[binary]>=3.2")


# --- the postings, as plain values ----------------------------------------------------------


def simulate(transactions: int, budgets: int) -> tuple[list[tuple], list[int]]:
    """The budget transactions in posting order, as (budget, kind, debit purpose, credit
    purpose, pence), and what each budget must be funded with so that nothing protected goes
    below zero at any point in that order."""
    from openphb.budgets.accounts import AVAILABLE, COMMITTED, paid_into

    rng = random.Random(SEED)
    committed = [0] * budgets
    drawn = [0] * budgets  # from available
    rows = []
    for _ in range(transactions):
        budget = rng.randrange(budgets)
        pence = rng.randint(500, 60_000)
        if rng.random() < 0.4:
            rows.append((budget, "commitment", COMMITTED, AVAILABLE, pence))
            committed[budget] += pence
            drawn[budget] += pence
        elif committed[budget] >= pence:
            rows.append((budget, "payment", paid_into(holding(budget)), COMMITTED, pence))
            committed[budget] -= pence
        else:
            rows.append((budget, "payment", paid_into(holding(budget)), AVAILABLE, pence))
            drawn[budget] += pence
    funding = [need + rng.randint(1, 100_000) for need in drawn]
    return rows, funding


def holding(budget: int) -> str:
    from openphb.budgets.models import Holding

    return list(Holding.values)[budget % 3]


def category(budget: int) -> str:
    from openphb.budgets.models import Category

    return list(Category.values)[budget % 7]


def commissioner(budget: int) -> int:
    return budget % COMMISSIONERS


def open_accounts(budgets: int) -> dict[tuple, object]:
    """Every account the postings touch, through `account_open`, keyed by (owner, purpose)."""
    from django.db import transaction

    from openphb.budgets.accounts import PURPOSES, SPENT
    from openphb.ledger.models import AccountKind
    from openphb.ledger.services import account_open

    accounts: dict[tuple, object] = {}
    with transaction.atomic():
        accounts["granted"] = account_open(
            name="NHS England: PHB-CHC granted",
            kind=AccountKind.INCOME,
            owner_kind="fund",
            owner_id=1,
            fund=FUND,
            purpose="granted",
        )
        for c in range(COMMISSIONERS):
            accounts[("allocation", c)] = account_open(
                name=f"Commissioner {c + 1}: PHB-CHC allocation",
                kind=AccountKind.ASSET,
                owner_kind="organisation",
                owner_id=c + 1,
                fund=FUND,
                purpose="allocation",
                minimum_balance=0,
            )
        for b in range(budgets):
            for purpose in PURPOSES:
                accounts[(b, purpose)] = account_open(
                    name=f"Budget {b + 1}: PHB-CHC, {category(b).replace('_', ' ')}, {purpose}",
                    kind=AccountKind.EXPENSE if purpose == SPENT else AccountKind.ASSET,
                    owner_kind="budget",
                    owner_id=b + 1,
                    fund=FUND,
                    purpose=purpose,
                    category=category(b),
                    minimum_balance=None if purpose == SPENT else 0,
                )
    return accounts


def funding_specs(funding: list[int], accounts: dict) -> list:
    """Each commissioner's allocation from the grant, then each budget's funding from it."""
    from openphb.budgets.accounts import AVAILABLE
    from openphb.ledger.services import LegSpec, TransactionSpec

    per_commissioner: dict[int, int] = defaultdict(int)
    for b, pence in enumerate(funding):
        per_commissioner[commissioner(b)] += pence
    specs = [
        TransactionSpec(
            effective_on=YEAR_STARTS,
            kind="allocation",
            description=f"PHB-CHC allocation for commissioner {c + 1}",
            source_ref=f"organisation:{c + 1}",
            legs=(
                LegSpec(account=accounts[("allocation", c)], debit=pence),
                LegSpec(account=accounts["granted"], credit=pence),
            ),
        )
        for c, pence in sorted(per_commissioner.items())
    ]
    for b, pence in enumerate(funding):
        specs.append(
            TransactionSpec(
                effective_on=YEAR_STARTS,
                kind="budget_funding",
                description=f"Budget {b + 1} approved",
                source_ref=f"budget:{b + 1}",
                legs=(
                    LegSpec(account=accounts[(b, AVAILABLE)], debit=pence, reference="line:1"),
                    LegSpec(account=accounts[("allocation", commissioner(b))], credit=pence),
                ),
            )
        )
    return specs


def budget_specs(rows: list[tuple], accounts: dict) -> list:
    from openphb.budgets.models import Category
    from openphb.ledger.services import LegSpec, TransactionSpec

    labels = dict(Category.choices)
    what = {
        (
            kind,
            c,
        ): f"{'Set aside for' if kind == 'commitment' else 'Payment for'} {labels[c].lower()}"
        for kind in ("commitment", "payment")
        for c in labels
    }
    specs = []
    for position, (b, kind, debit_purpose, credit_purpose, pence) in enumerate(rows):
        specs.append(
            TransactionSpec(
                effective_on=YEAR_STARTS + datetime.timedelta(days=position * 365 // len(rows)),
                kind=kind,
                description=what[(kind, category(b))],
                source_ref=f"budget:{b + 1}",
                legs=(
                    LegSpec(account=accounts[(b, debit_purpose)], debit=pence, reference="line:1"),
                    LegSpec(
                        account=accounts[(b, credit_purpose)], credit=pence, reference="line:1"
                    ),
                ),
            )
        )
    return specs


def expected_totals(specs: list) -> dict[int, tuple[int, int]]:
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for spec in specs:
        for leg in spec.legs:
            totals[leg.account.pk][0] += leg.debit
            totals[leg.account.pk][1] += leg.credit
    return {pk: (d, c) for pk, (d, c) in totals.items()}


# --- the peers ------------------------------------------------------------------------------


def peer_copy() -> tuple[int, int, float]:
    """COPY the rows the batch wrote into plain tables shaped like the ledger's; the time of
    the COPY and its commit alone."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        for table in ("transaction", "leg"):
            cursor.execute(f"DROP TABLE IF EXISTS bench_copy_{table}")
            cursor.execute(f"CREATE TABLE bench_copy_{table} (LIKE ledger_{table} INCLUDING ALL)")
        tx_columns = (
            "id, effective_on, posted_at, kind, description, source_ref, idempotency_key, "
            "fingerprint, reverses_id, posted_by"
        )
        cursor.execute(
            f"SELECT {tx_columns} FROM ledger_transaction WHERE posted_by = %s ORDER BY id",  # noqa: S608
            [BATCH_BY],
        )
        transactions = cursor.fetchall()
        leg_columns = "transaction_id, account_id, debit, credit, reference"
        cursor.execute(
            "SELECT l.transaction_id, l.account_id, l.debit, l.credit, l.reference "
            "FROM ledger_leg l JOIN ledger_transaction t ON t.id = l.transaction_id "
            "WHERE t.posted_by = %s ORDER BY l.id",
            [BATCH_BY],
        )
        legs = cursor.fetchall()
    with timed() as spent, transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY bench_copy_transaction ({tx_columns}) FROM STDIN") as copy:
            for row in transactions:
                copy.write_row(row)
        with raw.copy(f"COPY bench_copy_leg ({leg_columns}) FROM STDIN") as copy:
            for row in legs:
                copy.write_row(row)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_copy_transaction")
        (copied,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM bench_copy_leg")
        (copied_legs,) = cursor.fetchone()
        check(copied == len(transactions), f"the COPY peer wrote {copied:,} transactions")
        check(copied_legs == len(legs), f"the COPY peer wrote {copied_legs:,} legs")
        cursor.execute("DROP TABLE bench_copy_transaction, bench_copy_leg")
    return len(transactions), len(legs), spent["seconds"]


def hordak_python() -> tuple[Path | None, str]:
    """The separate environment's Python, made on first use; or None and why not."""
    python = HORDAK_VENV / "bin" / "python"
    probe = "import importlib.metadata as m, sys; sys.exit(m.version('django-hordak') != '2.0.0')"
    if python.exists() and subprocess.run([python, "-c", probe], check=False).returncode == 0:  # noqa: S603
        return python, ""
    HORDAK_VENV.parent.mkdir(exist_ok=True)
    steps = (
        [sys.executable, "-m", "venv", "--clear", str(HORDAK_VENV)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *HORDAK_PACKAGES,
        ],
    )
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"{step[2]} failed: {error}"
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if not line.startswith("WARNING")]
            return None, f"{' '.join(step[1:4])} failed: {(lines or ['no message'])[-1].strip()}"
    return python, ""


def peer_hordak(
    accounts: dict, funding: list, sample: list, transfer_to: int
) -> tuple[dict[str, str], dict[str, str]] | str:
    """Post `sample` (after `funding`) through django-hordak in its own environment and
    database: its figure line's values, or why it could not be measured."""
    python, why = hordak_python()
    if python is None:
        return why
    keys = {
        account.pk: f"{key[1]}:{key[0]}" if isinstance(key, tuple) else key
        for key, account in accounts.items()
    }
    kinds = {keys[account.pk]: account.kind for account in accounts.values()}

    def plain(specs: list) -> list:
        return [
            [
                spec.effective_on.isoformat(),
                spec.kind,
                spec.description,
                [[keys[leg.account.pk], leg.debit, leg.credit, leg.reference] for leg in spec.legs],
            ]
            for spec in specs
        ]

    with tempfile.TemporaryDirectory(prefix="openphb-bench-hordak-") as tmp:
        path = Path(tmp) / "postings.json"
        path.write_text(
            json.dumps(
                {
                    "accounts": kinds,
                    "funding": plain(funding),
                    "sample": plain(sample),
                    "transfer_to": transfer_to,
                }
            ),
            encoding="utf-8",
        )
        script = Path(__file__).with_name("_hordak_peer.py")
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
        }
        done = subprocess.run(  # noqa: S603
            [str(python), str(script), str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    sys.stderr.write(done.stderr)
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    if done.returncode != 0 or not {"peer_hordak", "peer_hordak_transfer_to"} <= lines.keys():
        return f"the hordak peer exited {done.returncode}"

    def values(name: str) -> dict[str, str]:
        return dict(item.split("=", 1) for item in lines[name].split()[1:])

    return values("peer_hordak"), values("peer_hordak_transfer_to")


# --- the run --------------------------------------------------------------------------------


def body(scale: str) -> int:
    n, budgets = SCALES[scale], BUDGETS[scale]
    singles = SINGLE_SAMPLE[scale]
    failures: list[str] = []
    with throwaway_database("postgresql"):
        from django.db import connection

        from openphb.ledger.models import Account, Leg, Transaction
        from openphb.ledger.selectors import verify
        from openphb.ledger.services import transaction_post, transactions_post_batch

        rows, funding = simulate(n + singles, budgets)
        with timed() as spent:
            accounts = open_accounts(budgets)
        figure(
            "open_accounts",
            accounts=len(accounts),
            budgets=budgets,
            seconds=f"{spent['seconds']:.2f}",
        )

        setup = funding_specs(funding, accounts)
        with timed() as spent:
            funded = transactions_post_batch(specs=setup, posted_by="bench-ledger-funding")
        check(funded == len(setup), f"the funding batch posted {funded:,} of {len(setup):,}")
        figure("funding", transactions=funded, seconds=f"{spent['seconds']:.2f}")

        with timed() as spent:
            specs = budget_specs(rows, accounts)
        batch, later = specs[:n], specs[n:]
        figure("build_specs", transactions=len(specs), seconds=f"{spent['seconds']:.2f}")

        with timed() as spent:
            posted = transactions_post_batch(specs=batch, posted_by=BATCH_BY)
        seconds = spent["seconds"]
        rate = n / seconds
        check(posted == n, f"the batch posted {posted:,} of {n:,}")
        in_batch = Transaction.objects.filter(posted_by=BATCH_BY)
        check(in_batch.count() == n, f"{in_batch.count():,} batch transactions, not {n:,}")
        batch_legs = Leg.objects.filter(transaction__posted_by=BATCH_BY).count()
        check(batch_legs == 2 * n, f"{batch_legs:,} batch legs, not {2 * n:,}")
        figure(
            "ledger_batch",
            transactions=n,
            legs=batch_legs,
            budgets=budgets,
            accounts=len(accounts),
            seconds=f"{seconds:.2f}",
            cpu_seconds=f"{spent['cpu_seconds']:.2f}",
            transactions_per_second=round(rate),
        )

        stale, later = later[:STALE_SAMPLE], later[STALE_SAMPLE:]
        with timed() as spent:
            for spec in stale:
                transaction_post(spec=spec, posted_by="bench-ledger-single")
        figure(
            "single_post_before_analyze",
            transactions=len(stale),
            seconds=f"{spent['seconds']:.2f}",
            transactions_per_second=f"{len(stale) / spent['seconds']:.1f}",
        )
        with timed() as spent, connection.cursor() as cursor:
            cursor.execute("ANALYZE ledger_transaction, ledger_leg, ledger_account")
        figure("analyze", seconds=f"{spent['seconds']:.2f}")
        with timed() as spent:
            for spec in later:
                transaction_post(spec=spec, posted_by="bench-ledger-single")
        figure(
            "single_post",
            transactions=len(later),
            seconds=f"{spent['seconds']:.2f}",
            transactions_per_second=round(len(later) / spent["seconds"]),
        )

        everything = setup + specs
        problems = list(verify())
        check(not problems, f"verify: {len(problems):,} problems, first {problems[:3]}")
        expected = expected_totals(everything)
        found = {pk: (d, c) for pk, d, c in Account.objects.values_list("pk", "debits", "credits")}
        check(
            all(found[pk] == totals for pk, totals in expected.items()),
            "an account's running totals differ from the postings",
        )
        check(
            all(found[pk] == (0, 0) for pk in found.keys() - expected.keys()),
            "an account no posting touches has totals",
        )
        check(
            Transaction.objects.count() == len(everything)
            and Leg.objects.count() == 2 * len(everything),
            "the ledger holds other than the transactions and legs posted",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(debit), sum(credit) FROM ledger_leg")
            debits, credits = cursor.fetchone()
            cursor.execute("SELECT sum(debits), sum(credits) FROM ledger_account")
            account_debits, account_credits = cursor.fetchone()
        check(debits == credits, f"all debits {debits:,} but all credits {credits:,}")
        check(
            (account_debits, account_credits) == (debits, credits),
            "the accounts' running totals do not add up to the legs",
        )
        figure(
            "checks",
            transactions=len(everything),
            legs=2 * len(everything),
            verify_problems=0,
            debits=debits,
            credits=credits,
            accounts_as_expected="true",
        )

        copied, copied_legs, copy_seconds = peer_copy()
        copy_rate = copied / copy_seconds
        figure(
            "peer_copy",
            transactions=copied,
            legs=copied_legs,
            seconds=f"{copy_seconds:.2f}",
            transactions_per_second=round(copy_rate),
        )

        sample = batch[: HORDAK_SAMPLE[scale]]
        hordak = peer_hordak(accounts, setup, sample, TRANSFER_TO_SAMPLE[scale])
        del specs, batch, later, everything, sample

    if isinstance(hordak, str):
        figure("skipped", peer="django-hordak", reason=f'"{hordak}"')
        if scale == "full":
            failures.append(f"django-hordak could not be measured: {hordak}")
        hordak_rate = None
    else:
        bulk, one_by_one = hordak
        hordak_rate = int(bulk["transactions_per_second"])
        figure("peer_hordak", sample_of=n, **bulk)
        figure("peer_hordak_transfer_to", **one_by_one)

    of_copy = rate / copy_rate
    copy_ok = of_copy >= MIN_RATE_OF_COPY
    values: dict[str, object] = {
        "batch_per_second": round(rate),
        "of_copy_rate": f"{of_copy:.2f}",
        "min_of_copy_rate": MIN_RATE_OF_COPY,
        "copy_ok": str(copy_ok).lower(),
    }
    if not copy_ok:
        failures.append(f"the batch posted at {of_copy:.2f} of the COPY rate, under 0.5")
    if hordak_rate:
        times = rate / hordak_rate
        hordak_ok = times >= MIN_TIMES_HORDAK
        values |= {
            "times_hordak": f"{times:.1f}x",
            "min_times_hordak": f"{MIN_TIMES_HORDAK:g}x",
            "hordak_ok": str(hordak_ok).lower(),
        }
        if not hordak_ok:
            failures.append(f"the batch posted at {times:.1f} times django-hordak's rate, under 10")
    figure("targets", **values)
    figure("peak_rss", transactions=n, mib=peak_rss_mib())

    if scale == "full" and failures:
        for failure in failures:
            print(f"FAIL: {failure}.", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    if why := postgres_reachable():
        figure("skipped", database="postgresql", reason=f'"{why}"')
        return 1 if args.scale == "full" else 0
    return body(args.scale)


if __name__ == "__main__":
    sys.exit(main())
