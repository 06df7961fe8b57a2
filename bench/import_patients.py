"""Benchmark: `phb import-patients` of N synthetic valid rows into a fresh SQLite database.

Requirement: 100,000 rows import in under a minute on SQLite. Run alone:

    .venv/bin/python bench/import_patients.py --scale small|full

small is 5,000 rows (a smoke test for `make bench`), full is 100,000. One line per figure:

- import_patients: the whole command, from reading the file to the commit (limit 60 s per
  100,000 rows; at small scale the limit is scaled to the row count and only reported).
  seconds is wall-clock time, which the limit is about; cpu_seconds is this process's CPU
  time, which other work on a shared machine disturbs less.
- reimport_patients: the same file again, which must change nothing.
- peer_django_bulk_create: Django's bulk_create of the same rows as bare Patient objects, with
  no checking, assignments or audit events: the ORM's floor for the patient table.
- peer_sqlite_executemany: the sqlite3 module inserting the same rows into the patient table
  (one executemany, one transaction): the database's floor.
- peer_sqlite_executemany_all: as above, plus the commissioner assignment and audit event the
  import writes for each person: the floor for everything the import writes.
- peak_rss: the process's peak resident memory, after all of the above.

Every peer runs in this process on its own copy of the same migrated database (same schema,
indexes, triggers and PRAGMAs), taken before the import. The process exits non-zero if the
full-scale import takes 60 s or more, or if any check of what was written fails.
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

SCALES = {"small": 5_000, "full": 100_000}
LIMIT_SECONDS = 60.0
LIMIT_ROWS = 100_000
COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "ethnic_category",
    "postcode",
    "registered_practice",
    "commissioner",
)
COMMISSIONERS = ("QKK", "QWE", "QMF")
PRACTICES = tuple(f"G{n:05d}" for n in range(1, 41))
ETHNIC = ("A", "B", "C", "D", "H", "J", "K", "M", "N", "R", "S", "Z", "99")
POSTCODE_LAST = "ABDEFGHJLNPQRSTUWXYZ"
PATIENT_COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "date_of_death",
    "sex",
    "ethnic_category",
    "postcode",
    "registered_practice_id",
    "created_at",
    "updated_at",
)


def figure(name: str, **values: object) -> None:
    print(name, *(f"{key}={value}" for key, value in values.items()), flush=True)


def test_nhs_numbers(count: int) -> list[str]:
    """The first `count` valid NHS numbers of the 999 test range."""
    from openphb.core.identifiers import nhs_number_check_digit

    numbers: list[str] = []
    stem = 0
    while len(numbers) < count:
        first_nine = f"999{stem:06d}"
        stem += 1
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            numbers.append(f"{first_nine}{check}")
    return numbers


def synthetic_rows(count: int, *, seed: int = 20261122) -> list[dict[str, str]]:
    from openphb.demo.population import FAMILY, GIVEN_FEMALE, GIVEN_MALE

    rng = random.Random(seed)
    today = datetime.date(2026, 11, 1)
    rows = []
    for number in test_nhs_numbers(count):
        sex = rng.choice("FFFFFMMMMMU")
        born = today - datetime.timedelta(days=rng.randint(365, 100 * 365))
        postcode = (
            f"{rng.choice(('RM', 'E', 'SE', 'LS', 'M', 'B'))}{rng.randint(1, 20)} "
            f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LAST)}{rng.choice(POSTCODE_LAST)}"
        )
        rows.append(
            {
                "nhs_number": number,
                "given_name": rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE),
                "family_name": rng.choice(FAMILY),
                "date_of_birth": born.isoformat(),
                "sex": sex,
                "ethnic_category": rng.choice(ETHNIC),
                "postcode": postcode,
                "registered_practice": rng.choice(PRACTICES),
                "commissioner": rng.choice(COMMISSIONERS),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a (WAL-mode) SQLite database, through the backup API."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def run_import(path: Path) -> tuple[float, float, dict[str, int]]:
    """Run `phb import-patients FILE`: wall-clock and CPU seconds, and what it changed.

    What changed is read from the database, not from the command's wording: `created` is the
    number of new patients and `updated` the number of new `patient.updated` audit events.
    """
    from django.core.management import call_command

    before = counts()
    out = io.StringIO()
    started, cpu_started = time.perf_counter(), time.process_time()
    call_command("import-patients", str(path), "--no-progress", stdout=out, stderr=out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    after = counts()
    created = after["patients"] - before["patients"]
    updated = after["updates"] - before["updates"]
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    report = {"rows": rows, "created": created, "updated": updated}
    report["unchanged"] = rows - created - updated
    return seconds, cpu, report


def counts() -> dict[str, int]:
    from openphb.audit.models import AuditEvent
    from openphb.registry.models import CommissionerAssignment, Patient

    return {
        "patients": Patient.objects.count(),
        "assignments": CommissionerAssignment.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "updates": AuditEvent.objects.filter(action="patient.updated").count(),
    }


def check(condition: bool, message: str) -> None:
    if not condition:
        print(f"CHECK FAILED: {message}", file=sys.stderr)
        raise SystemExit(1)


def peer_django_bulk_create(db_path: Path, rows: list[dict[str, str]], practices: dict) -> float:
    from django.conf import settings
    from django.db import connections, transaction

    from openphb.registry.models import Patient

    settings.DATABASES["peer"] = {**settings.DATABASES["default"], "NAME": str(db_path)}
    started = time.perf_counter()
    with transaction.atomic(using="peer"):
        Patient.objects.using("peer").bulk_create(
            [
                Patient(
                    nhs_number=row["nhs_number"],
                    given_name=row["given_name"],
                    family_name=row["family_name"],
                    date_of_birth=datetime.date.fromisoformat(row["date_of_birth"]),
                    sex=row["sex"],
                    ethnic_category=row["ethnic_category"],
                    postcode=row["postcode"],
                    registered_practice_id=practices[row["registered_practice"]],
                )
                for row in rows
            ],
            batch_size=2000,
        )
    seconds = time.perf_counter() - started
    count = Patient.objects.using("peer").count()
    connections["peer"].close()
    check(count == len(rows), f"the bulk_create peer stored {count} patients, not {len(rows)}")
    return seconds


def peer_sqlite(
    db_path: Path,
    rows: list[dict[str, str]],
    practices: dict[str, int],
    commissioners: dict[str, int],
    *,
    everything: bool,
) -> float:
    """Raw sqlite3 executemany of the rows (and, with `everything`, assignments and audit)."""
    now = datetime.datetime.now(datetime.UTC).isoformat(sep=" ")
    today = datetime.date.today().isoformat()
    started = time.perf_counter()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        # Our own constant column names, no input: nothing to inject.
        f"INSERT INTO registry_patient (id, {', '.join(PATIENT_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join('?' * (len(PATIENT_COLUMNS) + 1))})",
        (
            (
                pk,
                row["nhs_number"],
                row["given_name"],
                row["family_name"],
                row["date_of_birth"],
                None,
                row["sex"],
                row["ethnic_category"],
                row["postcode"],
                practices[row["registered_practice"]],
                now,
                now,
            )
            for pk, row in enumerate(rows, start=1)
        ),
    )
    if everything:
        db.executemany(
            "INSERT INTO registry_commissionerassignment "
            "(patient_id, organisation_id, starts_on, ends_on, reason, recorded_at, "
            "recorded_by_id) VALUES (?, ?, ?, NULL, 'Bulk import', ?, NULL)",
            (
                (pk, commissioners[row["commissioner"]], today, now)
                for pk, row in enumerate(rows, start=1)
            ),
        )
        db.executemany(
            "INSERT INTO audit_auditevent "
            "(at, actor_id, actor_label, action, object_type, object_id, patient_id, summary, "
            "changes, ip_address) VALUES (?, NULL, 'system:import-patients', 'patient.created', "
            "'registry.patient', ?, ?, 'Registered by bulk import', ?, NULL)",
            ((now, str(pk), pk, json.dumps({})) for pk in range(1, len(rows) + 1)),
        )
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    (count,) = db.execute("SELECT count(*) FROM registry_patient").fetchone()
    db.close()
    check(count == len(rows), f"the sqlite3 peer stored {count} patients, not {len(rows)}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    size = SCALES[args.scale]
    limit = LIMIT_SECONDS * size / LIMIT_ROWS

    with tempfile.TemporaryDirectory(prefix="openphb-bench-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
        os.environ["DJANGO_SETTINGS_MODULE"] = "openphb.config.settings.local"

        import django

        django.setup()

        from django.core.management import call_command
        from django.db import connection

        from openphb.organisations.models import Organisation, OrganisationKind

        call_command("migrate", verbosity=0)
        commissioners = {
            code: Organisation.objects.create(
                ods_code=code, name=f"Bench commissioner {code}", kind=OrganisationKind.ICB
            ).pk
            for code in COMMISSIONERS
        }
        practices = {
            code: Organisation.objects.create(
                ods_code=code, name=f"Bench practice {code}", kind=OrganisationKind.GP_PRACTICE
            ).pk
            for code in PRACTICES
        }
        connection.close()
        pristine = workdir / "pristine.sqlite3"
        copy_database(db_path, pristine)

        rows = synthetic_rows(size)
        csv_path = workdir / "patients.csv"
        write_csv(csv_path, rows)

        # The import, as users run it.
        seconds, cpu, report = run_import(csv_path)
        stored = counts()
        check(
            report == {"rows": size, "created": size, "updated": 0, "unchanged": 0},
            f"the import reported {report}",
        )
        check(
            stored == {"patients": size, "assignments": size, "audit_events": size, "updates": 0},
            f"the import stored {stored}",
        )
        ok = seconds < limit
        figure(
            "import_patients",
            rows=size,
            seconds=f"{seconds:.2f}",
            cpu_seconds=f"{cpu:.2f}",
            rows_per_second=round(size / seconds),
            limit_seconds=f"{limit:g}",
            ok=str(ok).lower(),
        )

        # The same file again: nothing may change.
        again, again_cpu, report = run_import(csv_path)
        check(
            report == {"rows": size, "created": 0, "updated": 0, "unchanged": size},
            f"the re-import reported {report}",
        )
        check(counts() == stored, f"the re-import changed the database: {counts()}")
        figure(
            "reimport_patients",
            rows=size,
            seconds=f"{again:.2f}",
            cpu_seconds=f"{again_cpu:.2f}",
            rows_per_second=round(size / again),
            created=report["created"],
            updated=report["updated"],
            unchanged=report["unchanged"],
        )
        connection.close()

        # Peers, each on its own copy of the database as it was before the import.
        peers = (
            ("peer_django_bulk_create", "registry_patient", None),
            ("peer_sqlite_executemany", "registry_patient", False),
            ("peer_sqlite_executemany_all", "patient+assignment+audit", True),
        )
        for name, tables, everything in peers:
            peer_path = workdir / f"{name}.sqlite3"
            copy_database(pristine, peer_path)
            if everything is None:
                peer_seconds = peer_django_bulk_create(peer_path, rows, practices)
            else:
                peer_seconds = peer_sqlite(
                    peer_path, rows, practices, commissioners, everything=everything
                )
            figure(
                name,
                rows=size,
                tables=tables,
                seconds=f"{peer_seconds:.2f}",
                rows_per_second=round(size / peer_seconds),
                import_over_peer=f"{seconds / peer_seconds:.1f}x",
            )

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figure("peak_rss", rows=size, mib=round(peak))

    if args.scale == "full" and not ok:
        print(
            f"FAIL: importing {size} rows took {seconds:.1f} s; the limit is {limit:g} s.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
