"""Importing a statement file: once, strictly, and the same transaction never twice."""

import io

import pytest
from django.core.exceptions import ValidationError

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.statements.importing import StatementRefused, statement_import
from openphb.statements.models import Match, Rejected, StatementImport, StatementLine

from .world import bank_file, row

pytestmark = pytest.mark.django_db


def run(finance, data, *, name="march.csv", **options):
    return statement_import(
        actor=Actor(user=finance), file=data, filename=name, format="csv", **options
    )


def test_it_adds_each_transaction_and_audits_the_import_once(finance):
    result = run(finance, bank_file(row("12345678", -1250), row("12345678", 5000)))
    imported = result.statement_import
    assert not result.already_imported
    assert (imported.lines_read, imported.lines_added, imported.lines_known) == (2, 2, 0)
    assert imported.imported_by == finance
    assert len(imported.sha256) == 64
    assert sorted(imported.lines.values_list("amount", flat=True)) == [1250, 5000]
    [event] = AuditEvent.objects.filter(action="statement.imported")
    assert event.changes["lines_added"] == 2
    assert event.changes["matched"]["no_account"] == 2
    assert result.summary == "Read 2 transactions: 2 added, 0 already known, 0 rejected."


def test_the_same_file_twice_is_recognised_by_its_hash_and_adds_nothing(finance):
    data = bank_file(row("12345678", -1250)).getvalue()
    first = run(finance, io.BytesIO(data))
    again = run(finance, io.BytesIO(data), name="march-again.csv")
    assert again.already_imported
    assert again.statement_import == first.statement_import
    assert "was already imported" in again.summary
    assert StatementImport.objects.count() == 1
    assert StatementLine.objects.count() == 1
    assert AuditEvent.objects.filter(action="statement.imported").count() == 1


def test_an_overlapping_file_adds_only_the_transactions_not_yet_known(finance):
    one, two, three = (
        row("12345678", -100, reference="A"),
        row("12345678", -200, reference="B"),
        row("12345678", -300, reference="C"),
    )
    run(finance, bank_file(one, two))
    result = run(finance, bank_file(three, two, one), name="april.csv")
    imported = result.statement_import
    assert (imported.lines_read, imported.lines_added, imported.lines_known) == (3, 1, 2)
    assert StatementLine.objects.count() == 3
    assert list(imported.lines.values_list("bank_reference", flat=True)) == ["C"]


def test_a_transaction_given_twice_in_a_file_is_added_once_as_the_first(finance):
    result = run(
        finance,
        bank_file(
            row("12345678", -100, reference="A", description="first"),
            row("12345678", -200, reference="B"),
            row("12345678", -100, reference="A", description="again"),
        ),
    )
    imported = result.statement_import
    assert (imported.lines_read, imported.lines_added, imported.lines_known) == (3, 2, 1)
    assert StatementLine.objects.get(bank_reference="A").description == "first"


def test_each_account_keeps_its_lines_in_the_order_of_the_file(finance):
    run(
        finance,
        bank_file(
            row("22222222", -1, reference="Z9"),
            row("11111111", -2, reference="Y"),
            row("22222222", -3, reference="A1"),
            row("11111111", -4, reference="X"),
        ),
    )
    by_id = StatementLine.objects.order_by("id").values_list("account_number", "line_number")
    assert [n for account, n in by_id if account == "22222222"] == [2, 4]
    assert [n for account, n in by_id if account == "11111111"] == [3, 5]


def test_the_same_transactions_in_another_file_add_nothing(finance):
    one, two = row("12345678", -100, reference="A"), row("12345678", 200, reference="B")
    run(finance, bank_file(one, two))
    again = run(finance, bank_file(two, one), name="again.csv")
    imported = again.statement_import
    assert not again.already_imported
    assert (imported.lines_read, imported.lines_added, imported.lines_known) == (2, 0, 2)
    assert again.matched == {match: 0 for match in Match.values}
    assert StatementLine.objects.count() == 2


def test_the_same_reference_on_another_account_is_another_transaction(finance):
    run(finance, bank_file(row("12345678", -100, reference="A")))
    result = run(finance, bank_file(row("87654321", -100, reference="A")))
    assert result.statement_import.lines_added == 1


def test_a_file_with_a_bad_row_is_refused_whole_listing_each_problem(finance):
    data = bank_file(
        row("12345678", -100),
        "200000,12345678,31/02/2026,X1,card,x,y,-1.00,GBP,",
        "200000,12345678,2026-03-02,X2,card,x,y,-1.00,USD,",
    )
    with pytest.raises(StatementRefused) as refused:
        run(finance, data)
    assert refused.value.total == 2
    assert refused.value.messages == [
        "2 rows could not be read, so nothing was imported. Correct the file, or import the "
        "valid rows and reject the rest.",
        "Line 3: date '31/02/2026' is not a date: February 2026 has no day 31",
        "Line 4: currency is 'USD': only pounds sterling (GBP) are accepted",
    ]
    assert isinstance(refused.value, ValidationError)
    assert not StatementImport.objects.exists()
    assert not StatementLine.objects.exists()
    assert not AuditEvent.objects.filter(action="statement.imported").exists()


def test_only_the_first_problems_are_listed_with_how_many_more(finance):
    bad = [f"200000,12345678,2026-03-02,X{n},card,x,y,lots,GBP," for n in range(25)]
    with pytest.raises(StatementRefused) as refused:
        run(finance, bank_file(*bad))
    assert len(refused.value.problems) == 20
    assert refused.value.messages[-1] == "... and 5 more problems."


def test_with_skip_invalid_the_valid_rows_are_imported_and_the_rest_rejected(finance, tmp_path):
    bad = "200000,12345678,31/02/2026,X1,card,x,y,-1.00,GBP,"
    rejects = tmp_path / "rejects.csv"
    result = run(
        finance,
        bank_file(row("12345678", -100), bad, row("12345678", -200)),
        skip_invalid=True,
        rejects_out=rejects,
    )
    imported = result.statement_import
    assert (imported.lines_read, imported.lines_added, imported.lines_rejected) == (3, 2, 1)
    assert imported.skip_invalid
    [rejected] = Rejected.objects.filter(statement_import=imported)
    assert (rejected.line_number, rejected.raw) == (3, bad)
    assert rejected.reason == "date '31/02/2026' is not a date: February 2026 has no day 31"
    assert rejects.read_text().splitlines() == [
        "line,reason,raw",
        f"3,date '31/02/2026' is not a date: February 2026 has no day 31,\"{bad}\"",
    ]


def test_a_file_whose_header_lacks_columns_is_refused_even_with_skip_invalid(finance):
    with pytest.raises(StatementRefused) as refused:
        run(finance, io.BytesIO(b"sort_code,amount\n200000,1.00\n"), skip_invalid=True)
    assert refused.value.messages[0] == "The file cannot be read, so nothing was imported."
    assert refused.value.messages[1].startswith("Line 1: the header lacks the columns")
    assert not StatementImport.objects.exists()


def test_someone_who_may_not_import_statements_is_refused(coordinator):
    with pytest.raises(ValidationError) as refused:
        run(coordinator, bank_file(row("12345678", -100)))
    assert refused.value.message_dict == {
        "file": ["Only finance officers and commissioners can import statements."]
    }


def test_an_unknown_format_is_refused(finance):
    with pytest.raises(ValidationError) as refused:
        statement_import(
            actor=Actor(user=finance), file=bank_file(), filename="x.csv", format="ofx"
        )
    assert "format" in refused.value.message_dict


def test_a_file_is_read_from_a_path_and_progress_is_told_every_byte(finance, tmp_path):
    path = tmp_path / "statement.csv"
    path.write_bytes(bank_file(*(row("12345678", -100 - n) for n in range(50))).getvalue())
    told = []
    result = run(finance, path, progress=told.append)
    assert result.statement_import.lines_added == 50
    assert sum(told) == path.stat().st_size


def test_a_card_feed_and_a_camt053_file_are_imported_too(finance):
    card = (
        b"sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency\n"
        b"200000,12345678,TX1,2026-03-04,purchase,BOOTS,5912,7.99,GBP\n"
    )
    result = statement_import(
        actor=Actor(user=finance), file=io.BytesIO(card), filename="card.csv", format="card"
    )
    line = result.statement_import.lines.get()
    assert (line.kind, line.mcc, line.merchant, line.amount) == ("card", "5912", "BOOTS", 799)
    camt = (
        b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt><Stmt><Acct><Id><Othr><Id>20000012345678</Id></Othr></Id></Acct>"
        b'<Ntry><Amt Ccy="GBP">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        b"<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>C1</AcctSvcrRef></Ntry>"
        b"</Stmt></BkToCstmrStmt></Document>"
    )
    result = statement_import(
        actor=Actor(user=finance), file=io.BytesIO(camt), filename="s.xml", format="camt053"
    )
    line = result.statement_import.lines.get()
    assert (line.direction, line.amount, line.bank_reference) == ("out", 1000, "C1")


def test_camt053_entries_written_on_one_line_are_each_added(finance):
    entry = (
        '<Ntry><Amt Ccy="GBP">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
        "<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>{reference}</AcctSvcrRef></Ntry>"
    )
    camt = (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><Stmt><Acct><Id><Othr><Id>20000012345678</Id></Othr></Id></Acct>"
        + entry.format(amount="10.00", reference="C1")
        + entry.format(amount="20.00", reference="C2")
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()
    result = statement_import(
        actor=Actor(user=finance), file=io.BytesIO(camt), filename="s.xml", format="camt053"
    )
    lines = result.statement_import.lines.order_by("bank_reference")
    assert [(line.line_number, line.amount) for line in lines] == [(1, 1000), (1, 2000)]
