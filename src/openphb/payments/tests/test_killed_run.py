"""A payment run whose approval is killed part-way (SIGKILL to a real `phb payment-run approve`
process, after some chunks are committed) resumes and ends identical to an uninterrupted run.

The run is gathered in the test database, then copied: one copy is approved by a process that
is killed and then approved again by a fresh process; the other is approved by one process
without interruption. Both must end with the same payments, the same ledger transactions and
legs for each payment, the same account totals, the same run status, serial and Bacs file.

The processes reach the database through DATABASE_URL. On PostgreSQL the killed run is the test
database itself and the uninterrupted one a copy made from it as a template. On SQLite the test
database is in memory, which no other process can open, so both are files written with SQLite's
backup API, and the killed run's file is copied back into the test database at the end so that
the ledger can be verified in this process as on PostgreSQL.

Ledger row ids are not compared: PostgreSQL does not give back sequence numbers drawn by a
transaction that never committed, so after a kill a transaction or an account opened for the
first time may get a later id. Accounts are compared by what they are (owner, fund, purpose,
category), transactions by the payment they pay; the transactions' fingerprints, which digest
account ids, are left out for the same reason.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from openphb.audit.services import Actor
from openphb.ledger.selectors import verify
from openphb.payments import runs
from openphb.payments.models import PaymentRun

from .conftest import TODAY
from .many import direct_payment_budgets

BUDGETS = 240  # 360 payments: 240 for the current period, 120 for the one before
CHUNK = 5
# Each process is killed after committing two chunks, this fraction of a chunk's time later, so
# that the kills land at different points of a chunk (reading, posting, marking paid, committing).
KILL_AT = (0.0, 0.25, 0.5, 0.75)
PHB = str(Path(sys.executable).with_name("phb"))

Rows = Callable[[str], list[tuple]]


# --- databases another process can reach ------------------------------------------------------


def _postgres_params(name: str) -> dict[str, str]:
    s = connection.settings_dict
    return {
        "host": s["HOST"] or "localhost",
        "port": str(s["PORT"] or 5432),
        "user": s["USER"],
        "password": s["PASSWORD"] or "",
        "dbname": name,
    }


def _postgres_url(name: str) -> str:
    p = _postgres_params(name)
    return (
        f"postgres://{quote(p['user'])}:{quote(p['password'])}@{p['host']}:{p['port']}/"
        f"{quote(name)}"
    )


def _postgres_rows(name: str) -> Rows:
    import psycopg

    def rows(sql: str) -> list[tuple]:
        with psycopg.connect(**_postgres_params(name), autocommit=True) as db:
            return db.execute(sql).fetchall()

    return rows


def _sqlite_rows(path: Path) -> Rows:
    def rows(sql: str) -> list[tuple]:
        db = sqlite3.connect(path)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    return rows


def _django_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _sqlite_file(path: Path) -> None:
    """Write the test database to a file (SQLite's online backup)."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()


def _postgres_copy(name: str) -> None:
    """A new database made from the test database as its template (which needs no one else
    connected to it: this test's own connection is closed first)."""
    import psycopg

    connection.close()
    with psycopg.connect(**_postgres_params("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{connection.settings_dict["NAME"]}"')


def _postgres_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(**_postgres_params("postgres"), autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- the processes ----------------------------------------------------------------------------


def _phb(url: str, tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """`phb ARGS` on the database at `url`, started; the process and where its output goes."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "openphb.config.settings.test",
    }
    log = tmp_path / f"phb-{time.monotonic_ns()}.log"
    with log.open("wb") as out:  # a file, not a pipe: the progress bar must never block
        process = subprocess.Popen([PHB, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, log


def _finish(started: tuple[subprocess.Popen, Path]) -> None:
    process, log = started
    assert process.wait(timeout=240) == 0, log.read_text()


def _kill_part_way(
    url: str, rows: Rows, tmp_path: Path, approve: tuple[str, ...], fraction: float
) -> int:
    """Start approving, time the process's second chunk from commit to commit, SIGKILL it that
    fraction of a chunk's time after its second commit, and return how many payments are paid
    then."""
    process, _ = _phb(url, tmp_path, *approve)
    deadline = time.monotonic() + 120
    start = _paid(rows)
    commits = []
    for target in (start + CHUNK, start + 2 * CHUNK):
        while _paid(rows) < target:
            assert process.poll() is None, "the approval ended before it could be killed"
            assert time.monotonic() < deadline, "the approval posted nothing in 2 minutes"
            time.sleep(0.001)
        commits.append(time.monotonic())
    time.sleep(fraction * (commits[1] - commits[0]))
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    return _paid(rows)


def _paid(rows: Rows) -> int:
    [(n,)] = rows("SELECT count(*) FROM payments_payment WHERE status = 'paid'")
    return n


def end_state(rows: Rows) -> dict[str, list[tuple]]:
    """Everything approval writes (the database holds the one run), with ledger rows named by
    what they are, not by their ids."""
    return {
        "run": rows(
            "SELECT status, serial, file_sha256, payments_count, payments_total, "
            "approved_by_label FROM payments_paymentrun"
        ),
        "payments": rows(
            "SELECT p.reference, p.budget_id, p.kind, p.period_start, p.period_end, p.amount, "
            "p.status, t.effective_on, t.kind, t.description, t.source_ref, t.idempotency_key, "
            "t.posted_by, t.reverses_id "
            "FROM payments_payment p LEFT JOIN ledger_transaction t ON t.id = p.transaction_id "
            "ORDER BY p.reference"
        ),
        "legs": rows(
            "SELECT p.reference, a.owner_kind, a.owner_id, a.fund, a.purpose, a.category, "
            "l.debit, l.credit, l.reference "
            "FROM payments_payment p JOIN ledger_leg l ON l.transaction_id = p.transaction_id "
            "JOIN ledger_account a ON a.id = l.account_id "
            "ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
        ),
        "accounts": rows(
            "SELECT owner_kind, owner_id, fund, purpose, category, name, debits, credits "
            "FROM ledger_account ORDER BY 1, 2, 3, 4, 5"
        ),
        "ledger": rows(
            "SELECT (SELECT count(*) FROM ledger_transaction), (SELECT count(*) FROM ledger_leg)"
        ),
        "audit": rows(
            "SELECT action, object_type, object_id, actor_label, summary FROM audit_auditevent "
            "WHERE action LIKE 'payment_run.%' ORDER BY id"
        ),
    }


# --- the test ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_approval_killed_part_way_resumes_to_the_end_of_an_uninterrupted_one(
    icb, originator, finance, finance2, tmp_path
):
    direct_payment_budgets(commissioner=icb, count=BUDGETS, on=TODAY)
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    assert run.payments_count == BUDGETS + BUDGETS // 2
    approve = ("payment-run", "approve", str(run.pk), "--as", "finance2", "--chunk", str(CHUNK))

    postgres = connection.vendor == "postgresql"
    if postgres:
        whole_name = f"{connection.settings_dict['NAME']}_whole"
        _postgres_copy(whole_name)
        killed_url, killed_rows = _postgres_url(connection.settings_dict["NAME"]), _django_rows
        whole_url, whole_rows = _postgres_url(whole_name), _postgres_rows(whole_name)
    else:
        killed_file, whole_file = tmp_path / "killed.sqlite3", tmp_path / "whole.sqlite3"
        _sqlite_file(killed_file)
        _sqlite_file(whole_file)
        killed_url, killed_rows = f"sqlite:///{killed_file}", _sqlite_rows(killed_file)
        whole_url, whole_rows = f"sqlite:///{whole_file}", _sqlite_rows(whole_file)
    try:
        uninterrupted = _phb(whole_url, tmp_path, *approve)

        for fraction in KILL_AT:
            paid = _kill_part_way(killed_url, killed_rows, tmp_path, approve, fraction)
            # Killed: some chunks are paid, each one whole, and the run is still being approved.
            assert paid < run.payments_count
            assert paid % CHUNK == 0
            [(status, posted)] = killed_rows(
                "SELECT r.status, (SELECT count(*) FROM ledger_transaction t "
                "WHERE t.idempotency_key LIKE 'payment:%') "
                "FROM payments_paymentrun r"
            )
            assert (status, posted) == (PaymentRun.Status.APPROVING, paid)

        _finish(_phb(killed_url, tmp_path, *approve))  # resumed by a fresh process, to the end
        _finish(uninterrupted)
        whole_file_out = tmp_path / "whole.bacs"
        _finish(
            _phb(
                whole_url,
                tmp_path,
                "payment-run",
                "file",
                str(run.pk),
                "--out",
                str(whole_file_out),
            )
        )

        whole, killed = end_state(whole_rows), end_state(killed_rows)
        if not postgres:  # the killed run's database becomes the test database again
            source = sqlite3.connect(killed_file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
    finally:
        if postgres:
            _postgres_drop(whole_name)

    assert whole["run"][0][0] == PaymentRun.Status.APPROVED
    assert [p[6] for p in whole["payments"]] == ["paid"] * run.payments_count
    assert len(whole["legs"]) == 4 * run.payments_count
    for part in whole:
        assert killed[part] == whole[part], part
    run.refresh_from_db()
    assert runs.run_file(run=run) == whole_file_out.read_bytes()
    assert list(verify()) == []
