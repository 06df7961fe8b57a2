"""phb import-statement: a file imported from the command line, as a named person."""

import pytest
from django.core.management import CommandError, call_command

from openphb.statements.models import StatementLine

from .world import bank_file, row

pytestmark = pytest.mark.django_db


def command(*args):
    from io import StringIO

    out = StringIO()
    call_command("import-statement", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def statement(tmp_path):
    path = tmp_path / "march.csv"
    path.write_bytes(
        bank_file(
            row("12345678", -1250, reference="A"),
            "200000,12345678,31/02/2026,B,card,x,y,-1.00,GBP,",
            row("12345678", 500, reference="C"),
        ).getvalue()
    )
    return path


def test_it_imports_the_valid_rows_and_writes_the_rejects(finance, statement, tmp_path):
    rejects = tmp_path / "rejects.csv"
    out = command(
        str(statement),
        "--format",
        "csv",
        "--skip-invalid",
        "--rejects",
        str(rejects),
        "--as",
        "finance",
    )
    assert "Read 3 transactions: 2 added, 0 already known, 1 rejected." in out
    assert f"Rejected rows written to {rejects}." in out
    assert (
        "Matched: 2 no account, 0 reconciled, 0 unmatched credit, 0 planned, 0 not in plan." in out
    )
    assert rejects.read_text().startswith("line,reason,raw\n3,")
    assert StatementLine.objects.count() == 2


def test_a_file_with_bad_rows_is_refused_with_their_lines(finance, statement):
    with pytest.raises(CommandError) as refused:
        command(str(statement), "--format", "csv", "--as", "finance")
    assert "Line 3: date '31/02/2026' is not a date" in str(refused.value)
    assert not StatementLine.objects.exists()


def test_the_same_file_again_adds_nothing(finance, statement):
    command(str(statement), "--format", "csv", "--skip-invalid", "--as", "finance")
    out = command(str(statement), "--format", "csv", "--skip-invalid", "--as", "finance")
    assert "was already imported" in out
    assert StatementLine.objects.count() == 2


def test_someone_who_cannot_import_statements_is_refused(coordinator, statement):
    with pytest.raises(CommandError, match="cannot import statements"):
        command(str(statement), "--format", "csv", "--as", "coordinator")


def test_a_missing_file_or_rejects_without_skip_invalid_is_refused(finance, statement):
    with pytest.raises(CommandError, match="There is no file"):
        command("nowhere.csv", "--format", "csv", "--as", "finance")
    with pytest.raises(CommandError, match="--rejects needs --skip-invalid"):
        command(str(statement), "--format", "csv", "--rejects", "r.csv", "--as", "finance")


def test_a_refusal_names_skip_invalid_and_writes_each_problem_alike(finance, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        bank_file(
            "200000,12345678,2026-11-31,A,card,x,y,-1.00,GBP,",
            "200000,12345678,2026-11-02,B,card,x,y,abc,GBP,",
            "20000,12345678,2026-11-02,C,card,x,y,-1.00,GBP,",
        ).getvalue()
    )
    with pytest.raises(CommandError) as refused:
        command(str(path), "--format", "csv", "--as", "finance")
    summary, *problems = str(refused.value).splitlines()
    assert "run again with --skip-invalid to import the valid rows" in summary
    assert "--rejects FILE" in summary
    assert [line.split(": ", 1)[0] for line in problems] == ["Line 2", "Line 3", "Line 4"]
    assert all(line.split(": ", 1)[1][0].islower() for line in problems), problems


def test_a_reason_starting_with_a_word_in_capitals_keeps_it():
    from importlib import import_module

    reason = import_module("openphb.statements.management.commands.import-statement")._reason
    assert reason("IBAN 'x' is not an IBAN") == "IBAN 'x' is not an IBAN"
    assert reason("A sort code is 6 digits") == "a sort code is 6 digits"
    assert reason("amount 'abc' is not an amount") == "amount 'abc' is not an amount"
