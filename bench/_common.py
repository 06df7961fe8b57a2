"""What the benchmarks share: one output line per figure, checks that stop the run, a throwaway
database on SQLite or PostgreSQL, and running one benchmark once per database.

Not a benchmark itself (`make bench` skips files whose names start with an underscore).
"""

import argparse
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

DATABASES = ("sqlite", "postgresql")
# A server with trust authentication, as on our machines and in CI; override for others.
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def figure(name: str, **values: object) -> None:
    print(name, *(f"{key}={value}" for key, value in values.items()), flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        print(f"CHECK FAILED: {message}", file=sys.stderr, flush=True)
        raise SystemExit(1)


def peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


@contextlib.contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall-clock and CPU seconds of the block, filled in when it ends."""
    spent: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    yield spent
    spent["seconds"] = time.perf_counter() - started
    spent["cpu_seconds"] = time.process_time() - cpu_started


def postgres_reachable() -> str | None:
    """None if the PostgreSQL server answers, else why not."""
    import psycopg

    try:
        psycopg.connect(f"{POSTGRES_URL}/postgres", connect_timeout=5).close()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return None


@contextlib.contextmanager
def throwaway_database(database: str) -> Iterator[None]:
    """Point Django at an empty database of its own, migrate it, and remove it afterwards.

    SQLite: a file in a temporary directory. PostgreSQL: a database named after this process,
    created on the server and dropped when the block ends. Django is set up here, once, with
    the local settings and DEBUG off (as in production: no query log growing in memory).
    """
    import psycopg

    with tempfile.TemporaryDirectory(prefix="openphb-bench-") as tmp:
        name = f"openphb_bench_{os.getpid()}"
        if database == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{name}"')
                server.execute(f'CREATE DATABASE "{name}"')
            os.environ["DATABASE_URL"] = f"{POSTGRES_URL}/{name}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "openphb.config.settings.local"
        os.environ["DEBUG"] = "false"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        try:
            yield
        finally:
            connections.close_all()
            if database == "postgresql":
                with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as server:
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_per_database(
    script: str, description: str, scales: dict[str, int], body: Callable[[str, str], int]
) -> int:
    """The command line every multi-database benchmark has.

    `--database both` (the default) runs this same script once per database, each in a process
    of its own (Django is configured once per process), and fails if either fails. PostgreSQL
    that does not answer is reported and skipped at small scale, and is a failure at full scale.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", choices=sorted(scales), default="small")
    parser.add_argument("--database", choices=(*DATABASES, "both"), default="both")
    args = parser.parse_args()
    if args.database != "both":
        return body(args.database, args.scale)
    failed = 0
    for database in DATABASES:
        if database == "postgresql" and (why := postgres_reachable()):
            figure("skipped", database=database, reason=f'"{why}"')
            failed += args.scale == "full"
            continue
        command = [sys.executable, script, "--scale", args.scale, "--database", database]
        failed += subprocess.run(command, check=False).returncode != 0  # noqa: S603
    return 1 if failed else 0
