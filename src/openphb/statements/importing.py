"""Importing a statement file: once, strictly, in constant memory, then matching its lines.

`statement_import` reads the file's SHA-256 first: a file imported before is not read again and
adds nothing (the import it was is returned, `already_imported`). Otherwise the file is parsed
as it streams (`formats`) into a temporary table (COPY on PostgreSQL, batches of one prepared
statement on SQLite), and its transactions are added with one INSERT ... SELECT that skips those
already imported from another file (the same sort code, account number and bank reference:
`one_line_per_bank_reference`), counted as `lines_known`. A transaction given twice in the same
file is added once and counted as known the second time.

Strict by default: if any row cannot be read, nothing is saved and `StatementRefused` lists the
first problems with their line numbers and how many there are. With `skip_invalid`, the rows that
can be read are imported and the others recorded (`Rejected`) and written to `rejects_out` as
CSV (line, reason, raw). A problem that ends the file (missing columns, broken XML) refuses it
either way. The import is audited once (`statement.imported`), after matching, with its counts.
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

COLUMNS = (
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
                    yield (
                        item.line_number,
                        item.sort_code,
                        item.account_number,
                        item.bank_reference,
                        item.booked_on,
                        item.direction,
                        item.kind,
                        item.amount,
                        item.description,
                        item.counterparty,
                        item.merchant,
                        item.mcc,
                        item.balance_after,
                    )
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
        added = _add_lines(cursor, imported.pk)
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
    matched = matching.match_import(statement_import=imported)
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
    cursor.execute(f"DROP TABLE IF EXISTS {_INCOMING}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_INCOMING} ("
        "line_number integer NOT NULL, sort_code varchar(6) NOT NULL, "
        "account_number varchar(8) NOT NULL, bank_reference varchar(64) NOT NULL, "
        "booked_on date NOT NULL, direction varchar(3) NOT NULL, kind varchar(16) NOT NULL, "
        "amount bigint NOT NULL, description varchar(200) NOT NULL, "
        "counterparty varchar(140) NOT NULL, merchant varchar(140) NOT NULL, "
        "mcc varchar(4) NOT NULL, balance_after bigint NULL)"
    )


def _load_incoming(cursor: Any, rows: Iterator[tuple[object, ...]]) -> int:
    """Write the rows to the temporary table as they are parsed; how many there were."""
    count = 0
    names = ", ".join(COLUMNS)
    if connection.vendor == "postgresql":
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {_INCOMING} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {_INCOMING} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append((*row[:4], row[4].isoformat(), *row[5:]))  # type: ignore[attr-defined]
        if len(batch) == _BATCH:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count


def _add_lines(cursor: Any, import_id: int) -> int:
    """Add the new transactions of the temporary table; how many were new."""
    names = ", ".join(COLUMNS)
    cursor.execute(
        f'INSERT INTO statements_statementline ({names}, statement_import_id, "match") '  # noqa: S608
        f"SELECT {names}, %s, %s FROM {_INCOMING} WHERE true "
        "ON CONFLICT (sort_code, account_number, bank_reference) DO NOTHING",
        [import_id, ""],
    )
    return cursor.rowcount
