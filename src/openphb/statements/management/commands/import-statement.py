"""phb import-statement FILE --format csv|camt053|card --as USERNAME: import a statement file.

    phb import-statement march.csv --format csv --as finance
    phb import-statement feed.csv --format card --skip-invalid --rejects rejects.csv --as finance

Refuses the whole file if a row cannot be read (listing the first problems with their line
numbers), unless --skip-invalid, when the valid rows are imported and the rest written to
--rejects (line, reason, raw). A file imported before adds nothing. Shows a progress bar while
reading; then prints what was read, added, already known and rejected, and how lines matched.
Then it posts the matched spending to the ledger and checks the budgets the file touched for
flags (`monitoring.jobs.statement_follow_up`), printing the new flags by code.
"""

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.monitoring.jobs import statement_follow_up
from openphb.statements.importing import StatementRefused, statement_import
from openphb.statements.models import Format, Match


def _importer(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user called {username!r}.")
    if not user.can(Capability.IMPORT_STATEMENTS):
        raise CommandError(
            f"{username} is not a finance officer or commissioner, so cannot import statements."
        )
    return user


def _reason(text: str) -> str:
    """A problem's reason as the middle of a line, 'Line 4: a sort code is ...': its first
    letter small, unless it starts a word in capitals (IBAN, BIC)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def refusal(refused: StatementRefused) -> str:
    """Why the file was refused, for the command line: how to import the valid rows with this
    command's own options, then the problems, one a line."""
    total = refused.total
    if any(problem.fatal for problem in refused.problems):
        summary = "The file cannot be read, so nothing was imported."
    else:
        rows = f"{total:,} row{'s' if total != 1 else ''}"
        summary = (
            f"{rows} could not be read, so nothing was imported. Correct the file, or run "
            "again with --skip-invalid to import the valid rows (and --rejects FILE to write "
            "the rest to a CSV)."
        )
    lines = [f"Line {p.line_number}: {_reason(p.reason)}" for p in refused.problems]
    if total > len(refused.problems):
        lines.append(f"... and {total - len(refused.problems):,} more problems.")
    return "\n".join([summary, *lines])


class Command(BaseCommand):
    help = "Import a bank statement, camt.053 file or prepaid-card feed, and match its lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The statement file")
        parser.add_argument("--format", required=True, choices=Format.values)
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and reject the rest (default: refuse the whole file)",
        )
        parser.add_argument("--rejects", help="Where to write the rejected rows as CSV")
        parser.add_argument("--as", dest="username", required=True, help="Who imports it")

    def handle(self, *args: object, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        if options["rejects"] and not options["skip_invalid"]:
            raise CommandError("--rejects needs --skip-invalid (otherwise nothing is rejected).")
        actor = Actor(user=_importer(options["username"]))
        size = path.stat().st_size
        try:
            with tqdm(
                total=size, unit="B", unit_scale=True, desc="Reading", file=sys.stderr
            ) as bar:
                result = statement_import(
                    actor=actor,
                    file=path,
                    filename=path.name,
                    format=options["format"],
                    skip_invalid=options["skip_invalid"],
                    rejects_out=options["rejects"],
                    progress=bar.update,
                )
        except StatementRefused as refused:
            raise CommandError(refusal(refused)) from refused
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        imported = result.statement_import
        self.stdout.write(f"Import {imported.pk}: {result.summary}")
        if result.already_imported:
            return
        if imported.lines_rejected and options["rejects"]:
            self.stdout.write(f"Rejected rows written to {options['rejects']}.")
        matched = ", ".join(
            f"{result.matched.get(value, 0):,} {value.replace('_', ' ')}" for value in Match.values
        )
        self.stdout.write(f"Matched: {matched}.")
        follow_up = statement_follow_up(actor=actor, statement_import=imported)
        self.stdout.write(f"Then: {follow_up.describe()}.")
        for line in follow_up.flags.lines():
            if not line.endswith(": 0"):
                self.stdout.write(f"  {line}")
