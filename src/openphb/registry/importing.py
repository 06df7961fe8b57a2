"""Bulk import of patients from CSV: every row checked, nothing half-done.

The file format is documented in docs/how-to/import-patients.md. Either every row is valid and
all are imported, or nothing is (unless `skip_invalid`, when the valid rows are imported and the
rest are returned to be written to a rejects file). Importing the same file again changes
nothing: rows that match what is stored are counted as unchanged.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.audit.services import Actor, Entry, audit_record_many, changes_between
from openphb.core.db import insert_many
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation, OrganisationKind

from .models import CommissionerAssignment, Patient
from .rules import (
    DETAIL_FIELDS,
    PatientDetails,
    check_patient_details,
    parse_date,
    parse_ethnic_category,
    parse_sex,
)
from .selectors import patient_ids_by_nhs_number

REQUIRED_COLUMNS = ("nhs_number", "given_name", "family_name", "date_of_birth", "sex")
OPTIONAL_COLUMNS = (
    "ethnic_category",
    "postcode",
    "date_of_death",
    "registered_practice",
    "commissioner",
    "commissioner_from",
)
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
BATCH = 2000
_COMPARED = tuple(name for name in DETAIL_FIELDS if name != "nhs_number")

Progress = Callable[[int], None]


@dataclass
class RejectedRow:
    line: int
    values: dict[str, str]
    messages: list[str]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    imported: bool = False

    def summary(self) -> str:
        if self.file_errors:
            return "Nothing was imported: " + " ".join(self.file_errors)
        if not self.imported:
            return (
                f"Nothing was imported: {len(self.rejected)} of {self.rows} rows have mistakes. "
                "Correct them and import the file again, or import only the valid rows."
            )
        rows = "1 row" if self.rows == 1 else f"{self.rows:,} rows"
        text = (
            f"{rows} read: {self.created:,} added, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged"
        )
        if self.rejected:
            text += f", {len(self.rejected)} rejected (written to the rejects file)"
        return text + "."

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "imported": self.imported,
            "file_errors": self.file_errors,
            "rejected": [
                {"line": r.line, "values": r.values, "messages": r.messages} for r in self.rejected
            ],
        }


@dataclass
class _ValidRow:
    line: int
    details: PatientDetails
    practice_id: int | None
    commissioner_id: int | None
    commissioner_from: datetime.date


def rejects_csv(report: ImportReport) -> str:
    """The rejected rows as CSV, with their line number and what is wrong, to fix and re-import."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", *ALL_COLUMNS, "errors"])
    for row in report.rejected:
        writer.writerow(
            [row.line, *(row.values.get(c, "") for c in ALL_COLUMNS), "; ".join(row.messages)]
        )
    return out.getvalue()


def _read(text: Iterable[str], report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(text)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        report.file_errors.append("The file is empty: it needs a header row.")
        return
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in ALL_COLUMNS]
    if missing:
        report.file_errors.append(f"The header row lacks these columns: {', '.join(missing)}.")
    if unknown:
        report.file_errors.append(
            f"The header row has columns we do not know: {', '.join(unknown)}. "
            f"The columns are: {', '.join(ALL_COLUMNS)}."
        )
    if report.file_errors:
        return
    reader.fieldnames = header
    for row in reader:
        extra = row.pop(None, None)
        values = {k: (v or "").strip() for k, v in row.items()}
        if extra:
            values["_extra"] = ",".join(extra)
        yield reader.line_num, values


class _Checker:
    """Checks rows one at a time; knows the organisations and what the importer may touch."""

    def __init__(self, *, allowed_commissioner_ids: set[int] | None, today: datetime.date):
        self.today = today
        self.allowed = allowed_commissioner_ids
        self.practices: dict[str, int] = {}
        self.commissioners: dict[str, Organisation] = {}
        for organisation in Organisation.objects.filter(
            kind__in=[*COMMISSIONER_KINDS, OrganisationKind.GP_PRACTICE]
        ):
            if organisation.kind == OrganisationKind.GP_PRACTICE:
                self.practices[organisation.ods_code] = organisation.pk
            else:
                self.commissioners[organisation.ods_code] = organisation
        self.default_commissioner_id = (
            next(iter(self.allowed))
            if self.allowed is not None and len(self.allowed) == 1
            else None
        )
        self.seen: dict[str, int] = {}

    def check(self, line: int, values: dict[str, str]) -> _ValidRow | RejectedRow:
        messages: list[str] = []
        if "_extra" in values:
            messages.append("The row has more cells than the header has columns.")

        def parsed(name: str, parse: Callable[[str], object], optional: bool = False) -> object:
            text = values.get(name, "")
            if optional and not text:
                return None
            try:
                return parse(text)
            except ValidationError as exc:
                messages.append(f"{name}: {exc.messages[0]}")
                return None

        born = parsed("date_of_birth", parse_date) if values.get("date_of_birth") else None
        died = parsed("date_of_death", parse_date, optional=True)
        sex = parsed("sex", parse_sex)
        ethnic = parsed("ethnic_category", parse_ethnic_category)
        details, errors = check_patient_details(
            PatientDetails(
                nhs_number=values.get("nhs_number", ""),
                given_name=values.get("given_name", ""),
                family_name=values.get("family_name", ""),
                date_of_birth=born,  # type: ignore[arg-type]
                date_of_death=died,  # type: ignore[arg-type]
                sex=str(sex or ""),
                ethnic_category=str(ethnic or "99"),
                postcode=values.get("postcode", ""),
            ),
            today=self.today,
        )
        already_said = {m.split(":", 1)[0] for m in messages}
        for name, problems in errors.items():
            if name not in already_said:
                messages.extend(f"{name}: {problem}" for problem in problems)
        practice_id = None
        if code := values.get("registered_practice", "").upper():
            practice_id = self.practices.get(code)
            if practice_id is None:
                messages.append(f"registered_practice: no GP practice has ODS code {code}.")
        commissioner_id = self._commissioner(values, messages)
        starts = parsed("commissioner_from", parse_date, optional=True) or self.today
        if "nhs_number" not in errors:
            first = self.seen.setdefault(details.nhs_number, line)
            if first != line:
                messages.append(f"nhs_number: the same NHS number is on line {first} too.")
        if messages:
            return RejectedRow(line=line, values=values, messages=messages)
        return _ValidRow(line, details, practice_id, commissioner_id, starts)  # type: ignore[arg-type]

    def _commissioner(self, values: dict[str, str], messages: list[str]) -> int | None:
        code = values.get("commissioner", "").upper()
        if not code:
            if self.allowed is not None and self.default_commissioner_id is None:
                messages.append("commissioner: say which commissioner is responsible.")
            return self.default_commissioner_id
        organisation = self.commissioners.get(code)
        if organisation is None:
            messages.append(f"commissioner: no commissioner has ODS code {code}.")
            return None
        if self.allowed is not None and organisation.pk not in self.allowed:
            messages.append(f"commissioner: you do not work for {organisation.name} ({code}).")
            return None
        return organisation.pk


def patients_import(
    *,
    actor: Actor,
    lines: Iterable[str],
    skip_invalid: bool = False,
    allowed_commissioner_ids: set[int] | None = None,
    visible_patient_ids: Callable[[list[int]], set[int]] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then import all of them (or, with `skip_invalid`, the valid ones).

    `allowed_commissioner_ids`: the commissioners the importer works for (None: any, for a
    system job). `visible_patient_ids`: given stored patient ids, those the importer may see;
    rows for anyone else are rejected so an import cannot overwrite another area's records.
    """
    report = ImportReport()
    today = timezone.localdate()
    checker = _Checker(allowed_commissioner_ids=allowed_commissioner_ids, today=today)
    valid: list[_ValidRow] = []
    for line, values in _read(lines, report):
        report.rows += 1
        outcome = checker.check(line, values)
        if isinstance(outcome, RejectedRow):
            report.rejected.append(outcome)
        else:
            valid.append(outcome)
        if progress and report.rows % 1000 == 0:
            progress(1000)
    if progress:
        progress(report.rows % 1000)
    if report.file_errors:
        return report
    if report.rows == 0:
        report.file_errors.append("The file has a header row but no people in it.")
        return report
    with transaction.atomic():
        existing = _existing(valid)
        if visible_patient_ids is not None:
            _reject_invisible(valid, existing, visible_patient_ids, report)
        if report.rejected and not skip_invalid:
            transaction.set_rollback(True)
            report.rejected.sort(key=lambda r: r.line)
            return report
        _write(actor=actor, rows=valid, existing=existing, report=report)
        report.imported = True
    report.rejected.sort(key=lambda r: r.line)
    return report


def _existing(rows: list[_ValidRow]) -> dict[str, Patient]:
    numbers = [row.details.nhs_number for row in rows]
    found: dict[str, Patient] = {}
    for start in range(0, len(numbers), 900):
        for patient in Patient.objects.filter(nhs_number__in=numbers[start : start + 900]):
            found[patient.nhs_number] = patient
    return found


def _reject_invisible(
    rows: list[_ValidRow],
    existing: dict[str, Patient],
    visible_patient_ids: Callable[[list[int]], set[int]],
    report: ImportReport,
) -> None:
    visible = visible_patient_ids([p.pk for p in existing.values()]) if existing else set()
    keep = []
    for row in rows:
        patient = existing.get(row.details.nhs_number)
        if patient is not None and patient.pk not in visible:
            report.rejected.append(
                RejectedRow(
                    line=row.line,
                    values={"nhs_number": row.details.nhs_number},
                    messages=[
                        "nhs_number: this person is registered with another commissioner; "
                        "ask them to update the record."
                    ],
                )
            )
        else:
            keep.append(row)
    rows[:] = keep


def _write(
    *, actor: Actor, rows: list[_ValidRow], existing: dict[str, Patient], report: ImportReport
) -> None:
    new_rows = [row for row in rows if row.details.nhs_number not in existing]
    created = [
        Patient(**row.details.as_dict(), registered_practice_id=row.practice_id) for row in new_rows
    ]
    insert_many(created)
    ids = patient_ids_by_nhs_number([row.details.nhs_number for row in new_rows])
    for new in created:
        new.pk = ids[new.nhs_number]
    entries = [
        Entry(
            action="patient.created",
            target=patient,
            patient_id=patient.pk,
            summary="Registered by bulk import",
        )
        for patient in created
    ]
    assignments = [
        CommissionerAssignment(
            patient_id=patient.pk,
            organisation_id=row.commissioner_id,
            starts_on=row.commissioner_from,
            reason="Bulk import",
            recorded_by_id=actor.user_id,
        )
        for patient, row in zip(created, new_rows)
        if row.commissioner_id is not None
    ]
    report.created = len(created)

    updated: list[Patient] = []
    open_assignments = _open_assignments([patient.pk for patient in existing.values()])
    closing: list[CommissionerAssignment] = []
    for row in rows:
        patient = existing.get(row.details.nhs_number)
        if patient is None:
            continue
        before = {name: getattr(patient, name) for name in _COMPARED}
        before["registered_practice_id"] = patient.registered_practice_id
        after = {name: getattr(row.details, name) for name in _COMPARED}
        after["registered_practice_id"] = row.practice_id
        changes = changes_between(before, after)
        current = open_assignments.get(patient.pk)
        if row.commissioner_id is not None and (
            current is None or current.organisation_id != row.commissioner_id
        ):
            starts = row.commissioner_from
            if current is not None:
                starts = max(starts, current.starts_on + datetime.timedelta(days=1))
                current.ends_on = starts - datetime.timedelta(days=1)
                closing.append(current)
            assignments.append(
                CommissionerAssignment(
                    patient_id=patient.pk,
                    organisation_id=row.commissioner_id,
                    starts_on=starts,
                    reason="Bulk import",
                    recorded_by_id=actor.user_id,
                )
            )
            changes["commissioner"] = [
                current.organisation_id if current else None,
                row.commissioner_id,
            ]
        if not changes:
            report.unchanged += 1
            continue
        for name, value in after.items():
            setattr(patient, name, value)
        patient.updated_at = timezone.now()
        updated.append(patient)
        entries.append(
            Entry(
                action="patient.updated",
                target=patient,
                patient_id=patient.pk,
                summary="Changed by bulk import: " + ", ".join(changes),
                changes=changes,
            )
        )
    report.updated = len(updated)
    if updated:
        Patient.objects.bulk_update(
            updated, [*_COMPARED, "registered_practice_id", "updated_at"], batch_size=BATCH
        )
    if closing:
        CommissionerAssignment.objects.bulk_update(closing, ["ends_on"], batch_size=BATCH)
    insert_many(assignments)
    audit_record_many(actor=actor, entries=entries)


def _open_assignments(patient_ids: list[int]) -> dict[int, CommissionerAssignment]:
    found: dict[int, CommissionerAssignment] = {}
    for start in range(0, len(patient_ids), 900):
        for assignment in CommissionerAssignment.objects.filter(
            patient_id__in=patient_ids[start : start + 900], ends_on__isnull=True
        ):
            found[assignment.patient_id] = assignment
    return found
