"""Importing a statement file: once, strictly, in constant memory, its lines matched as they are
stored.

`statement_import` reads the file's SHA-256 first: a file imported before is not read again and
adds nothing (the import it was is returned, `already_imported`). Otherwise the file is parsed
as it streams (`formats`) into a temporary table (COPY on PostgreSQL, batches of one prepared
statement on SQLite); `matching.prepare` works out what each row matches from the whole table at
once; and the transactions are added, each already matched, with one INSERT ... SELECT. Those
already imported from another file (the same sort code, account number and bank reference:
`one_line_per_bank_reference`) are found first and neither matched nor added, counted as
`lines_known` (the same transactions again cost a read and a look-up each); the insert skips any
that another import adds meanwhile. A transaction given twice in the same file is added once
(the first) and counted as known the second time.

Strict by default: if any row cannot be read, nothing is saved and `StatementRefused` lists the
first problems with their line numbers and how many there are. With `skip_invalid`, the rows that
can be read are imported and the others recorded (`Rejected`) and written to `rejects_out` as
CSV (line, reason, raw). A problem that ends the file (missing columns, broken XML) refuses it
either way. The import is audited once (`statement.imported`), with its counts.
"""

import csv
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor, audit_record
from openphb.core.db import insert_rows

from . import matching
from .formats import Problem, Row, parse
from .models import Format, Rejected, StatementImport

SHOWN_PROBLEMS = 20  # problems listed when a file is refused
_BATCH = 20_000  # rows written to the temporary table at once on SQLite; progress steps

COLUMNS = (  # of a line, as the temporary table holds them after its `ref`
    "line_number",
    "sort_code",
    "account_number",
    "bank_reference",
    "booked_on",
    "direction",
    "kind",
    "amount",
    "description",
    "counterparty",
    "merchant",
    "mcc",
    "balance_after",
)
_INCOMING = "statement_incoming"
LINES = "statements_statementline"


class StatementRefused(ValidationError):
    """The file was not imported: its first problems (line numbers and reasons) and how many."""

    def __init__(self, *, problems: list[Problem], total: int) -> None:
        self.problems = problems
        self.total = total
        messages = [f"Line {p.line_number}: {p.reason}" for p in problems]
        if total > len(problems):
            messages.append(f"... and {total - len(problems):,} more problems.")
        fatal = any(p.fatal for p in problems)
        summary = (
            "The file cannot be read, so nothing was imported."
            if fatal
            else f"{total:,} row{'s' if total != 1 else ''} could not be read, so nothing was "
            "imported. Correct the file, or import the valid rows and reject the rest."
        )
        super().__init__([summary, *messages])


@dataclass
class ImportResult:
    statement_import: StatementImport
    already_imported: bool = False
    matched: dict[str, int] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        imported = self.statement_import
        if self.already_imported:
            return (
                f"{imported.filename} was already imported on "
                f"{imported.imported_at:%-d %B %Y at %H:%M} (the same file): nothing was added."
            )
        return (
            f"Read {imported.lines_read:,} transactions: {imported.lines_added:,} added, "
            f"{imported.lines_known:,} already known, {imported.lines_rejected:,} rejected."
        )


class _Counting:
    """A binary file that counts the bytes read from it (for a progress bar)."""

    def __init__(self, data: IO[bytes]) -> None:
        self.data = data
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.data.read(size)
        self.count += len(chunk)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        for line in self.data:
            self.count += len(line)
            yield line


def file_sha256(data: IO[bytes]) -> tuple[str, int]:
    """The SHA-256 of a file read from its start, and its size; the file is left at its start."""
    data.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := data.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    data.seek(0)
    return digest.hexdigest(), size


def statement_import(
    *,
    actor: Actor,
    file: IO[bytes] | str | Path,
    filename: str,
    format: str,
    skip_invalid: bool = False,
    rejects_out: TextIO | str | Path | None = None,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Import a statement file (binary, or a path) in one of the `Format`s; see the module.

    `progress` is called now and then with how many more bytes have been read."""
    if isinstance(file, (str, Path)):
        with open(file, "rb") as opened:
            return statement_import(
                actor=actor,
                file=opened,
                filename=filename,
                format=format,
                skip_invalid=skip_invalid,
                rejects_out=rejects_out,
                progress=progress,
            )
    errors: dict[str, str] = {}
    if format not in Format.values:
        errors["format"] = f"Choose the file's format: {', '.join(Format.values)}."
    if not filename.strip():
        errors["filename"] = "Give the file's name."
    user = actor.user
    if user is not None and not user.can(Capability.IMPORT_STATEMENTS):  # type: ignore[attr-defined]
        errors["file"] = "Only finance officers and commissioners can import statements."
    if errors:
        raise ValidationError(errors)
    sha256, size = file_sha256(file)
    known = StatementImport.objects.filter(sha256=sha256).first()
    if known is not None:
        return ImportResult(statement_import=known, already_imported=True)
    try:
        return _import(
            actor=actor,
            data=file,
            filename=filename.strip()[:255],
            format=format,
            sha256=sha256,
            size=size,
            skip_invalid=skip_invalid,
            rejects_out=rejects_out,
            progress=progress,
        )
    except IntegrityError:
        # The same file imported by someone else at the same moment: theirs is the import.
        known = StatementImport.objects.filter(sha256=sha256).first()
        if known is None:
            raise
        return ImportResult(statement_import=known, already_imported=True)


@transaction.atomic
def _import(
    *,
    actor: Actor,
    data: IO[bytes],
    filename: str,
    format: str,
    sha256: str,
    size: int,
    skip_invalid: bool,
    rejects_out: TextIO | str | Path | None,
    progress: Callable[[int], object] | None,
) -> ImportResult:
    imported = StatementImport.objects.create(
        format=format,
        filename=filename,
        sha256=sha256,
        size_bytes=size,
        skip_invalid=skip_invalid,
        imported_by_id=actor.user_id,
        imported_by_label=actor.label,
    )
    counted = _Counting(data)
    shown: list[Problem] = []
    problems = 0
    fatal = False
    with (
        tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="") as spool,
        connection.cursor() as cursor,
    ):
        rejects = csv.writer(spool)
        _create_incoming(cursor)
        reported = 0

        def rows() -> Iterator[tuple[object, ...]]:
            nonlocal problems, fatal, reported
            for item in parse(counted, format):  # type: ignore[arg-type]
                if isinstance(item, Row):
                    yield item  # its fields in the order of COLUMNS
                else:
                    problems += 1
                    fatal = fatal or item.fatal
                    if len(shown) < SHOWN_PROBLEMS:
                        shown.append(item)
                    if skip_invalid:
                        rejects.writerow((item.line_number, item.reason[:300], item.raw))
                if progress is not None and counted.count - reported >= 1024 * 1024:
                    progress(counted.count - reported)
                    reported = counted.count

        valid = _load_incoming(cursor, rows())
        if progress is not None:
            progress(counted.count - reported)
        if fatal or (problems and not skip_invalid):
            raise StatementRefused(problems=shown, total=problems)
        added = _add_lines(cursor, imported.pk, valid)
        cursor.execute(f"DROP TABLE {_INCOMING}")
        if problems:
            spool.seek(0)
            insert_rows(
                Rejected,
                ("statement_import", "line_number", "reason", "raw"),
                (
                    (imported.pk, int(number), reason, raw)
                    for number, reason, raw in csv.reader(spool)
                ),
            )
            if rejects_out is not None:
                spool.seek(0)
                _write_rejects(spool, rejects_out)
    imported.lines_read = valid + problems
    imported.lines_added = added
    imported.lines_known = valid - added
    imported.lines_rejected = problems
    imported.save(update_fields=["lines_read", "lines_added", "lines_known", "lines_rejected"])
    matched = matching.match_counts(statement_import=imported)
    result = ImportResult(statement_import=imported, matched=matched)
    audit_record(
        actor=actor,
        action="statement.imported",
        target=imported,
        summary=f"{filename} ({imported.get_format_display()}): {result.summary}",
        changes={
            "sha256": sha256,
            "lines_read": imported.lines_read,
            "lines_added": added,
            "lines_known": imported.lines_known,
            "lines_rejected": problems,
            "matched": matched,
        },
    )
    return result


REJECTS_HEADER = ("line", "reason", "raw")


def _write_rejects(spool: TextIO, out: TextIO | str | Path) -> None:
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf-8", newline="") as opened:
            _write_rejects(spool, opened)
        return
    writer = csv.writer(out)
    writer.writerow(REJECTS_HEADER)
    for row in csv.reader(spool):
        writer.writerow(row)


def rejects_csv(rows: Any) -> str:
    """Rejected rows (with line_number, reason, raw) as the rejects CSV: line, reason, raw."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REJECTS_HEADER)
    for row in rows:
        writer.writerow((row.line_number, row.reason, row.raw))
    return out.getvalue()


# --- the temporary table -------------------------------------------------------------------------


def _create_incoming(cursor: Any) -> None:
    if connection.vendor == "postgresql":
        # Room for the hash joins over the whole file that matching and adding make, for this
        # transaction only (the server's default is 4 MB).
        cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute(f"DROP TABLE IF EXISTS {_INCOMING}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_INCOMING} (ref integer NOT NULL, "
        "line_number integer NOT NULL, sort_code varchar(6) NOT NULL, "
        "account_number varchar(8) NOT NULL, bank_reference varchar(64) NOT NULL, "
        "booked_on date NOT NULL, direction varchar(3) NOT NULL, kind varchar(16) NOT NULL, "
        "amount bigint NOT NULL, description varchar(200) NOT NULL, "
        "counterparty varchar(140) NOT NULL, merchant varchar(140) NOT NULL, "
        "mcc varchar(4) NOT NULL, balance_after bigint NULL)"
    )


def _load_incoming(cursor: Any, rows: Iterator[tuple[object, ...]]) -> int:
    """Write the rows to the temporary table as they are parsed, each with its `ref` (its
    place among the rows: line numbers are not unique in XML); how many there were."""
    count = 0
    names = ", ".join(("ref", *COLUMNS))
    if connection.vendor == "postgresql":
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {_INCOMING} ({names}) FROM STDIN") as copy,
        ):
            for count, row in enumerate(rows, 1):
                copy.write_row((count, *row))
        return count
    sql = f"INSERT INTO {_INCOMING} ({names}) VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})"  # noqa: S608
    batch: list[tuple[object, ...]] = []
    for row in rows:
        count += 1
        batch.append((count, *row[:4], row[4].isoformat(), *row[5:]))  # type: ignore[attr-defined]
        if len(batch) == _BATCH:
            cursor.executemany(sql, batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)
    return count


def _add_lines(cursor: Any, import_id: int, valid: int) -> int:
    """Add the new transactions of the temporary table, matched; how many were new."""
    if connection.vendor == "postgresql":
        _analyze(cursor, _INCOMING)
    else:
        # SQLite joins by index only: matching looks for a transaction given twice.
        cursor.execute(
            f"CREATE INDEX statement_incoming_key ON {_INCOMING} "
            "(sort_code, account_number, bank_reference)"
        )
    # The rows whose transaction is a line already (from another file): neither matched nor
    # added. When that is every row (the same transactions again), nothing more is done.
    cursor.execute("DROP TABLE IF EXISTS statement_known")
    cursor.execute(
        f"CREATE TEMPORARY TABLE statement_known AS SELECT i.ref FROM {_INCOMING} i "  # noqa: S608
        f"WHERE EXISTS (SELECT 1 FROM {LINES} k WHERE k.sort_code = i.sort_code "
        "AND k.account_number = i.account_number AND k.bank_reference = i.bank_reference)"
    )
    cursor.execute("SELECT count(*) FROM statement_known")
    known = cursor.fetchone()[0]
    new = _INCOMING
    if 0 < known < valid:
        cursor.execute("DROP TABLE IF EXISTS statement_new")
        cursor.execute(
            f"CREATE TEMPORARY TABLE statement_new AS SELECT * FROM {_INCOMING} i "  # noqa: S608
            "WHERE NOT EXISTS (SELECT 1 FROM statement_known k WHERE k.ref = i.ref)"
        )
        _analyze(cursor, "statement_new")
        new = "statement_new"
    added = 0
    if known < valid:
        matched = matching.prepare(cursor, new, new_lines=True)
        names = ", ".join(COLUMNS)
        values = ", ".join(f"i.{name}" for name in COLUMNS)
        # In the order of the accounts (each account's lines as the file gave them), so that
        # the indexes are written a page after another rather than all over; the first of a
        # transaction given twice is the one added.
        cursor.execute(
            f"INSERT INTO {LINES} ({names}, statement_import_id, "  # noqa: S608
            'budget_id, "match", payment_id, line_id, rule_id) '
            f"SELECT {values}, %s, {matched.columns} FROM {new} i {matched.joins}"
            "WHERE true ORDER BY i.sort_code, i.account_number, i.ref "
            "ON CONFLICT (sort_code, account_number, bank_reference) DO NOTHING",
            [import_id],
        )
        added = cursor.rowcount
        matching.finish(cursor)
    cursor.execute("DROP TABLE IF EXISTS statement_new")
    cursor.execute("DROP TABLE statement_known")
    return added


def _analyze(cursor: Any, table: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")
