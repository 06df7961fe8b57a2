"""phb import-patients FILE.csv: check every row, then import all of them (or none)."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from openphb.audit.services import Actor
from openphb.registry.importing import patients_import, rejects_csv

SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import patients from a CSV file (format: docs/how-to/import-patients.md). Nothing is "
        "imported unless every row is valid; with --skip-invalid the valid rows are imported "
        "and the others written to a rejects file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--skip-invalid", action="store_true")
        parser.add_argument(
            "--rejects", type=Path, help="Where to write rejected rows (default: FILE.rejects.csv)"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not draw a progress bar."
        )

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]  # type: ignore[assignment]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        rejects_path: Path = options["rejects"] or path.with_suffix(".rejects.csv")  # type: ignore[assignment]
        with path.open(newline="", encoding="utf-8-sig") as counting:
            total = max(sum(1 for _ in counting) - 1, 0)
        bar = tqdm(
            total=total,
            unit=" rows",
            desc="Checking",
            disable=bool(options["no_progress"]),
            file=sys.stderr,
        )
        try:
            with path.open(newline="", encoding="utf-8-sig") as lines:
                report = patients_import(
                    actor=Actor.system_job("import-patients"),
                    lines=lines,
                    skip_invalid=bool(options["skip_invalid"]),
                    progress=bar.update,
                )
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text: save it as CSV UTF-8.") from None
        finally:
            bar.close()
        for problem in report.file_errors:
            self.stderr.write(problem)
        for row in report.rejected[:SHOWN]:
            self.stderr.write(f"Line {row.line}: " + "; ".join(row.messages))
        if len(report.rejected) > SHOWN:
            self.stderr.write(f"... and {len(report.rejected) - SHOWN} more rows with mistakes.")
        if report.rejected:
            rejects_path.write_text(rejects_csv(report), encoding="utf-8")
            self.stderr.write(f"Every rejected row, with its reasons, is in {rejects_path}.")
        if not report.imported:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
