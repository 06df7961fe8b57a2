import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.registry.importing import patients_import, rejects_csv
from openphb.registry.models import CommissionerAssignment, Patient
from openphb.registry.selectors import visible_patient_ids

pytestmark = pytest.mark.django_db
HEADER = (
    "nhs_number,given_name,family_name,date_of_birth,sex,ethnic_category,postcode,"
    "registered_practice,commissioner\n"
)


@pytest.fixture
def practice():
    return factories.organisation(kind="gp", ods_code="F86001")


def rows(*lines: str) -> io.StringIO:
    return io.StringIO(HEADER + "".join(line + "\n" for line in lines), newline="")


def good(n: int, commissioner: str = "QMF") -> list[str]:
    return [
        f"{factories.next_nhs_number()},Given{i},Family{i},1950-01-{i % 28 + 1:02d},F,A,"
        f"RM1 3AB,F86001,{commissioner}"
        for i in range(n)
    ]


def run(lines, **kwargs):
    return patients_import(actor=Actor.system_job("test"), lines=lines, **kwargs)


def test_a_clean_file_imports_every_row_with_its_commissioner(icb, practice):
    report = run(rows(*good(3)))
    assert (report.imported, report.created, report.rejected) == (True, 3, [])
    assert CommissionerAssignment.objects.filter(organisation=icb).count() == 3
    assert AuditEvent.objects.filter(action="patient.created").count() == 3


def test_one_bad_row_means_nothing_is_imported_and_the_line_is_named(icb, practice):
    lines = good(2)
    lines.insert(1, "943 476 5918,Bad,Row,1950-01-01,F,A,RM1 3AB,F86001,QMF")
    report = run(rows(*lines))
    assert report.imported is False
    assert Patient.objects.count() == 0
    [bad] = report.rejected
    assert bad.line == 3  # the header is line 1
    assert "check digit" in bad.messages[0]
    assert "Nothing was imported" in report.summary()


def test_skip_invalid_imports_the_good_rows_and_returns_the_bad(icb, practice):
    lines = [*good(2), "9434765919,,Nameless,1950-02-30,X,A,nowhere,ZZZ,QMF"]
    report = run(rows(*lines), skip_invalid=True)
    assert (report.imported, report.created) == (True, 2)
    [bad] = report.rejected
    text = " ".join(bad.messages)
    for expected in (
        "given_name",
        "date_of_birth",
        "sex",
        "postcode",
        "no GP practice has ODS code ZZZ",
    ):
        assert expected in text
    assert "line,nhs_number" in rejects_csv(report)
    assert "9434765919" in rejects_csv(report)


def test_importing_the_same_file_again_changes_nothing(icb, practice):
    text = HEADER + "\n".join(good(5)) + "\n"
    run(io.StringIO(text, newline=""))
    events = AuditEvent.objects.count()
    again = run(io.StringIO(text, newline=""))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert AuditEvent.objects.count() == events
    assert Patient.objects.count() == 5


def test_a_changed_row_updates_the_person_and_says_what_changed(icb, practice):
    [line] = good(1)
    run(rows(line))
    report = run(rows(line.replace("RM1 3AB", "NG7 2UH")))
    assert (report.created, report.updated) == (0, 1)
    assert Patient.objects.get().postcode == "NG7 2UH"
    assert AuditEvent.objects.get(action="patient.updated").changes == {
        "postcode": ["RM1 3AB", "NG7 2UH"]
    }


def test_the_same_nhs_number_twice_in_a_file_is_refused(icb, practice):
    [line] = good(1)
    report = run(rows(line, line))
    assert report.rejected[0].line == 3
    assert "line 2 too" in report.rejected[0].messages[0]


def test_a_missing_column_is_reported_before_any_row(icb):
    report = run(io.StringIO("nhs_number,given_name\n9434765919,Ada\n"))
    assert report.file_errors
    assert "family_name" in report.file_errors[0]


def test_an_unknown_commissioner_code_is_refused(icb, practice):
    report = run(rows(*good(1, commissioner="NOPE")))
    assert "no commissioner has ODS code NOPE" in report.rejected[0].messages[0]


def test_a_coordinator_cannot_import_for_another_commissioner_or_overwrite_their_patients(
    coordinator, icb, other_icb, practice, elsewhere_patient
):
    theirs = f"{elsewhere_patient.nhs_number},Changed,Name,1950-01-01,F,A,RM1 3AB,F86001,QMF"
    report = patients_import(
        actor=Actor.system_job("import-patients", user=coordinator),
        lines=rows(*good(1, commissioner="QT1"), theirs),
        allowed_commissioner_ids={icb.pk},
        visible_patient_ids=lambda ids: visible_patient_ids(user=coordinator, ids=ids),
    )
    assert report.imported is False
    messages = " ".join(m for r in report.rejected for m in r.messages)
    assert "you do not work for" in messages
    assert "registered with another commissioner" in messages
    elsewhere_patient.refresh_from_db()
    assert elsewhere_patient.given_name == "Someone"


def test_the_command_imports_a_file_and_prints_a_summary(tmp_path, icb, practice, capsys):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "\n".join(good(4)) + "\n")
    call_command("import-patients", str(path), "--no-progress")
    assert "4 added" in capsys.readouterr().out
    assert Patient.objects.count() == 4


def test_the_command_refuses_a_bad_file_and_writes_the_rejects(tmp_path, icb, practice, capsys):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "\n".join([*good(2), "123,A,B,1950-01-01,F,A,,,QMF"]) + "\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-patients", str(path), "--no-progress")
    err = capsys.readouterr().err
    assert "Line 4: nhs_number" in err
    assert (tmp_path / "people.rejects.csv").read_text().count("\n") == 2
    assert Patient.objects.count() == 0
    call_command("import-patients", str(path), "--no-progress", "--skip-invalid")
    assert Patient.objects.count() == 2


def test_the_command_says_when_the_file_is_missing():
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import-patients", "/nowhere/people.csv")
