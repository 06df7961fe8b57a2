"""Reading ISO 20022 camt.053 statements: entries of each statement for its account, read a
chunk at a time; document types and entities refused."""

import datetime
import io

from openphb.statements import formats
from openphb.statements.formats import Problem, Row

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def entry(
    *,
    amount: str = "1000.00",
    currency: str = "GBP",
    indicator: str = "CRDT",
    booked: str = "2026-03-02",
    reference: str = "BANK-1",
    text: str = "PHB000001-00000001",
    party: str = "",
    family: str = "",
) -> str:
    side = "Dbtr" if indicator == "CRDT" else "Cdtr"
    codes = (
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family.split('/')[0]}</Cd>"
        f"<SubFmlyCd>{family.split('/')[1]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        if family
        else ""
    )
    return (
        f"<Ntry>\n<NtryRef>N-{reference}</NtryRef>\n"
        f'<Amt Ccy="{currency}">{amount}</Amt>\n'
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\n"
        f"<BookgDt><Dt>{booked}</Dt></BookgDt>\n"
        f"<AcctSvcrRef>{reference}</AcctSvcrRef>{codes}\n"
        f"<NtryDtls><TxDtls><RltdPties><{side}><Pty><Nm>{party}</Nm></Pty></{side}></RltdPties>"
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls>\n</Ntry>\n"
    )


def statement(*entries: str, account: str = "<IBAN>GB33BUKB20201555555555</IBAN>") -> str:
    return (
        f"<Stmt><Id>1</Id><Acct><Id>{account}</Id><Ccy>GBP</Ccy></Acct>\n"
        f"<Bal><Amt Ccy='GBP'>5.00</Amt></Bal>\n{''.join(entries)}</Stmt>\n"
    )


def document(*statements: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NAMESPACE}">\n'
        f"<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>\n{''.join(statements)}"
        "</BkToCstmrStmt></Document>\n"
    ).encode()


def parse(data: bytes) -> list:
    return list(formats.parse_camt053(io.BytesIO(data)))


def test_a_credit_is_read_with_its_account_from_the_iban_and_its_remittance_text():
    [row] = parse(document(statement(entry(party="NHS NEL ICB"))))
    assert row == Row(
        line_number=6,
        sort_code="202015",
        account_number="55555555",
        bank_reference="BANK-1",
        booked_on=datetime.date(2026, 3, 2),
        direction="in",
        kind="credit",
        amount=100_000,
        description="PHB000001-00000001",
        counterparty="NHS NEL ICB",
    )


def test_a_debit_is_money_out_to_its_creditor_and_card_and_cash_codes_give_the_kind():
    rows = parse(
        document(
            statement(
                entry(indicator="DBIT", amount="12.5", reference="B1", party="Jo Smith"),
                entry(indicator="DBIT", reference="B2", party="TESCO", family="CCRD/POSD"),
                entry(indicator="DBIT", reference="B3", family="CCRD/CWDL"),
                entry(indicator="DBIT", reference="B4", family="ICDT/STDO"),
            )
        )
    )
    assert [(r.direction, r.kind, r.amount) for r in rows] == [
        ("out", "transfer", 1250),
        ("out", "card", 100_000),
        ("out", "cash", 100_000),
        ("out", "direct_debit", 100_000),
    ]
    assert (rows[0].counterparty, rows[1].merchant) == ("Jo Smith", "TESCO")


def test_a_sort_code_and_account_number_as_other_id_is_read():
    [row] = parse(document(statement(entry(), account="<Othr><Id>20-00-00 55779911</Id></Othr>")))
    assert (row.sort_code, row.account_number) == ("200000", "55779911")


def test_each_statement_gives_its_own_account():
    rows = parse(
        document(
            statement(entry(reference="A")),
            statement(entry(reference="B"), account="<Othr><Id>20000055779911</Id></Othr>"),
        )
    )
    assert [(r.bank_reference, r.sort_code) for r in rows] == [("A", "202015"), ("B", "200000")]


def test_a_bad_entry_is_reported_at_its_line_with_its_xml_and_the_next_is_read():
    items = parse(
        document(
            statement(
                entry(currency="EUR", reference="B1"),
                entry(booked="2026-02-30", reference="B2"),
                entry(amount="1.234", reference="B3"),
                entry(indicator="XXXX", reference="B4"),
                entry(reference="B5"),
            )
        )
    )
    *problems, row = items
    assert [p.reason for p in problems] == [
        "currency is 'EUR': only pounds sterling (GBP) are accepted",
        "BookgDt '2026-02-30' is not a date: February 2026 has no day 30",
        "Amt '1.234' has more than 2 decimal places",
        "CdtDbtInd XXXX: it must be CRDT or DBIT",
    ]
    assert [p.line_number for p in problems] == [6, 14, 22, 30]
    assert problems[0].raw.startswith("<Ntry>")
    assert problems[0].raw.endswith("</Ntry>")
    assert "B1" in problems[0].raw
    assert "B2" not in problems[0].raw
    assert row.bank_reference == "B5"


def test_an_iban_that_is_not_uk_or_fails_its_check_refuses_the_statements_entries():
    [problem] = parse(document(statement(entry(), account="<IBAN>GB34BUKB20201555555555</IBAN>")))
    assert problem.reason == "IBAN 'GB34BUKB20201555555555' has wrong check digits"
    [problem] = parse(document(statement(entry(), account="<IBAN>DE89370400440532013000</IBAN>")))
    assert "is not a UK account" in problem.reason


def test_a_document_type_is_refused_so_no_entity_is_ever_expanded_or_fetched():
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"\n<Document>&x;</Document>"
    )
    [problem] = parse(data)
    assert problem.fatal
    assert problem.reason == "the file declares a document type (DOCTYPE), which is not accepted"


def test_xml_that_is_not_well_formed_gives_line_and_column():
    [problem] = parse(b"<Document>\n<BkToCstmrStmt></Document>")
    assert problem.fatal
    assert problem.reason == (
        "the file is not well-formed XML at line 2, column 18: mismatched tag"
    )


def test_a_file_that_is_not_utf8_says_so():
    data = document(statement(entry(party="Caf\u00e9"))).replace(b"Caf\xc3\xa9", b"Caf\xe9")
    [problem] = parse(data)
    assert "not UTF-8" in problem.reason


def test_a_file_with_no_statement_is_refused():
    [problem] = parse(b"<Document><Other/></Document>")
    assert problem.fatal
    assert "no statement" in problem.reason


def test_a_byte_order_mark_is_accepted():
    [row] = parse(b"\xef\xbb\xbf" + document(statement(entry())))
    assert isinstance(row, Row)


def test_a_long_statement_is_read_a_chunk_at_a_time_with_every_entry_and_line():
    many = [entry(reference=f"R{n}", amount=f"{n}.01") for n in range(1, 3001)]
    rows = parse(document(statement(*many)))
    assert len(rows) == 3000
    assert all(isinstance(r, Row) for r in rows)
    assert rows[-1].amount == 300_001
    assert rows[-1].line_number == 6 + 8 * 2999
    assert not any(isinstance(r, Problem) for r in rows)
