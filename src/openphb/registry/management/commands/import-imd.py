"""phb import-imd FILE: load a postcode → LSOA → IMD decile lookup."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openphb.audit.services import Actor
from openphb.registry.reference import imd_import


class Command(BaseCommand):
    help = (
        "Load a postcode → LSOA → IMD decile lookup from CSV with the columns "
        "postcode,lsoa_code,lsoa_name,imd_decile (docs/how-to/import-imd.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--edition", default="IMD 2019", help='e.g. "IMD 2019" (default)')

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]  # type: ignore[assignment]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            with path.open(newline="", encoding="utf-8-sig") as lines:
                record = imd_import(
                    actor=Actor.system_job("import-imd"),
                    lines=lines,
                    edition=str(options["edition"]),
                    source_name=path.name,
                )
        except ValidationError as exc:
            raise CommandError("Nothing was loaded. " + " ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Loaded {record.rows} postcodes ({record.edition}) from {path}.")
        )
