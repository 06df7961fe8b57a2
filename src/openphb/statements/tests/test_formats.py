"""Reading bank statement CSVs and prepaid-card feeds: every row read exactly, every bad row
reported with its line and why."""

import datetime
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openphb.statements import formats
from openphb.statements.formats import Problem, Row

BANK_HEADER = (
    "sort_code,account_number,date,bank_reference,type,description,counterparty,amount,"
    "currency,balance\n"
)
CARD_HEADER = "sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency\n"


def bank(*rows: str, header: str = BANK_HEADER, encoding: str = "utf-8") -> list:
    return list(formats.parse_bank_csv(io.BytesIO((header + "".join(rows)).encode(encoding))))


def card(*rows: str) -> list:
    return list(formats.parse_card_csv(io.BytesIO((CARD_HEADER + "".join(rows)).encode())))


def only_problem(items: list) -> Problem:
    [problem] = items
    assert isinstance(problem, Problem)
    return problem


def test_it_reads_a_bank_row_to_pence_and_an_account_of_6_and_8_digits():
    [row] = bank(
        "20-00-00,5577991,2026-03-02,BK1,card,Tesco Stores,TESCO,-12.50,GBP,987.50\n",
    )
    assert row == Row(
        line_number=2,
        sort_code="200000",
        account_number="05577991",
        bank_reference="BK1",
        booked_on=datetime.date(2026, 3, 2),
        direction="out",
        kind="card",
        amount=1250,
        description="Tesco Stores",
        counterparty="TESCO",
        balance_after=98750,
    )


def test_money_in_is_a_positive_amount_and_a_uk_date_is_read():
    [row] = bank("200000,55779911,02/03/2026,BK2,credit,PHB000001-00000001,NHS,1000,GBP,\n")
    assert (row.direction, row.amount, row.booked_on) == ("in", 100_000, datetime.date(2026, 3, 2))
    assert row.balance_after is None


def test_a_byte_order_mark_is_accepted():
    items = list(
        formats.parse_bank_csv(
            io.BytesIO(
                b"\xef\xbb\xbf"
                + (BANK_HEADER + "200000,55779911,2026-03-02,BK1,fee,Fee,,-1.00,GBP,\n").encode()
            )
        )
    )
    assert [item.bank_reference for item in items] == ["BK1"]


def test_quotes_and_newlines_inside_fields_are_read_and_lines_still_counted():
    items = bank(
        '200000,55779911,2026-03-02,BK1,transfer,"Wages, March\nsecond line",'
        '"Jo ""PA"" Smith",-100.00,GBP,\n',
        "200000,55779911,2026-03-03,BK2,transfer,Rent,Landlord,-5.0,GBP,\n",
    )
    first, second = items
    assert first.description == "Wages, March second line"
    assert first.counterparty == 'Jo "PA" Smith'
    assert (first.line_number, second.line_number) == (2, 4)
    assert second.amount == 500


def test_an_impossible_date_is_refused_saying_why():
    problem = only_problem(bank("200000,55779911,31/02/2026,BK1,card,x,y,-1.00,GBP,\n"))
    assert problem.line_number == 2
    assert problem.reason == "date '31/02/2026' is not a date: February 2026 has no day 31"
    assert problem.raw == "200000,55779911,31/02/2026,BK1,card,x,y,-1.00,GBP,"


def test_a_date_in_another_shape_or_month_is_refused():
    assert (
        "YYYY-MM-DD or DD/MM/YYYY"
        in only_problem(bank("200000,55779911,March 2,BK1,card,x,y,-1.00,GBP,\n")).reason
    )
    assert (
        "no month 13"
        in only_problem(bank("200000,55779911,2026-13-01,BK1,card,x,y,-1.00,GBP,\n")).reason
    )


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("-12.505", "amount '-12.505' has more than 2 decimal places"),
        ("twelve", "amount 'twelve' is not an amount of money (write it like -12.50)"),
        ("1,200.00", "the row has 11 fields; the header has 10"),
        ("", "amount is empty"),
        ("0.00", "amount is 0.00: a transaction moves some money"),
    ],
)
def test_an_amount_that_is_not_pounds_and_pence_is_refused(amount, reason):
    problem = only_problem(bank(f"200000,55779911,2026-03-02,BK1,transfer,x,y,{amount},GBP,\n"))
    assert problem.reason == reason


def test_a_foreign_currency_is_refused():
    problem = only_problem(bank("200000,55779911,2026-03-02,BK1,card,x,y,-1.00,EUR,\n"))
    assert problem.reason == "currency is 'EUR': only pounds sterling (GBP) are accepted"


def test_a_row_that_is_not_utf8_names_the_byte_and_the_line():
    items = list(
        formats.parse_bank_csv(
            io.BytesIO(
                BANK_HEADER.encode()
                + b"200000,55779911,2026-03-02,BK1,card,Caf\xe9,y,-1.00,GBP,\n"
                + b"200000,55779911,2026-03-02,BK2,card,Cafe,y,-1.00,GBP,\n"
            )
        )
    )
    problem, row = items
    assert problem.reason == (
        "line 2 is not UTF-8: byte 0xE9 at position 40 (save the file as UTF-8)"
    )
    assert row.bank_reference == "BK2"


def test_missing_columns_are_named_and_end_the_file():
    problem = only_problem(bank("1,2\n", header="sort_code,date,amount,stuff\n"))
    assert problem.fatal
    assert problem.line_number == 1
    assert problem.reason == (
        "the header lacks the columns account_number, bank_reference, type (it has sort_code, "
        "date, amount, stuff)"
    )


def test_an_empty_file_is_refused():
    problem = only_problem(list(formats.parse_bank_csv(io.BytesIO(b""))))
    assert problem.fatal
    assert "empty" in problem.reason


def test_a_row_with_too_few_fields_is_refused_and_the_next_is_read():
    items = bank(
        "200000,55779911,2026-03-02,BK1\n",
        "200000,55779911,2026-03-02,BK2,fee,Fee,,-1.00,GBP,\n",
    )
    assert items[0].reason == "the row has 4 fields; the header has 10"
    assert items[1].bank_reference == "BK2"


def test_an_unterminated_quote_is_reported_at_the_line_it_starts():
    problem = only_problem(bank('200000,55779911,2026-03-02,BK1,card,"Tesco,y,-1.00,GBP,\n'))
    assert problem.line_number == 2
    assert "cannot be read as CSV" in problem.reason


def test_a_type_that_says_money_out_with_a_positive_amount_is_refused():
    problem = only_problem(bank("200000,55779911,2026-03-02,BK1,card,x,y,1.00,GBP,\n"))
    assert problem.reason == "type card is money out, but the amount is positive"
    problem = only_problem(bank("200000,55779911,2026-03-02,BK1,lottery,x,y,1.00,GBP,\n"))
    assert problem.reason.startswith("type 'lottery' is not one of card, cash, credit")


def test_a_bad_account_is_refused_with_the_bank_rule():
    problem = only_problem(bank("2000,55779911,2026-03-02,BK1,card,x,y,-1.00,GBP,\n"))
    assert "sort code" in problem.reason.lower()
    problem = only_problem(bank("200000,1234567890,2026-03-02,BK1,card,x,y,-1.00,GBP,\n"))
    assert "ask the bank which 8 digits" in problem.reason


def test_an_empty_bank_reference_is_refused():
    problem = only_problem(bank("200000,55779911,2026-03-02, ,card,x,y,-1.00,GBP,\n"))
    assert problem.reason.startswith("bank_reference is empty")


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    [row] = bank(
        "-3.20,X9,2026-03-02,55779911,200000,fee\n",
        header="amount,bank_reference,date,account_number,sort_code,type\n",
    )
    assert (row.amount, row.kind, row.description, row.balance_after) == (320, "fee", "", None)


def test_blank_lines_are_skipped():
    items = bank("\n", "200000,55779911,2026-03-02,BK1,fee,Fee,,-1.00,GBP,\n", "\n")
    assert [item.line_number for item in items] == [3]


# --- the card feed -------------------------------------------------------------------------------


def test_a_card_purchase_is_money_out_with_its_merchant_and_category_code():
    [row] = card("200000,55779911,TX1,2026-03-04,purchase,BOOTS 123,5912,7.99,GBP\n")
    assert (row.kind, row.direction, row.amount, row.merchant, row.mcc) == (
        "card",
        "out",
        799,
        "BOOTS 123",
        "5912",
    )
    assert row.bank_reference == "TX1"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("cash", ("cash", "out")),
        ("fee", ("fee", "out")),
        ("load", ("credit", "in")),
        ("refund", ("refund", "in")),
    ],
)
def test_each_card_type_gives_its_kind_and_direction(kind, expected):
    [row] = card(f"200000,55779911,TX1,2026-03-04,{kind},,6011,20.00,GBP\n")
    assert (row.kind, row.direction) == expected


def test_a_card_purchase_without_a_category_code_or_with_a_bad_one_is_refused():
    assert only_problem(
        card("200000,55779911,TX1,2026-03-04,purchase,BOOTS,,7.99,GBP\n")
    ).reason == ("mcc is empty: a purchase needs its merchant category code")
    assert only_problem(
        card("200000,55779911,TX1,2026-03-04,purchase,BOOTS,59,7.99,GBP\n")
    ).reason == ("mcc '59' is not a merchant category code (4 digits)")


def test_a_card_amount_must_be_positive():
    problem = only_problem(card("200000,55779911,TX1,2026-03-04,purchase,BOOTS,5912,-7.99,GBP\n"))
    assert "is not above 0.00" in problem.reason


def test_a_card_amount_that_is_not_money_is_shown_as_a_card_feed_writes_it():
    problem = only_problem(card("200000,55779911,TX1,2026-03-04,purchase,BOOTS,5912,7,99,GBP\n"))
    assert problem.reason == "the row has 10 fields; the header has 9"
    problem = only_problem(card("200000,55779911,TX1,2026-03-04,purchase,BOOTS,5912,£7.99,GBP\n"))
    assert problem.reason == "amount '£7.99' is not an amount of money (write it like 12.50)"


def test_the_card_feed_names_its_own_missing_columns():
    items = list(formats.parse_card_csv(io.BytesIO(b"sort_code,account_number,date,amount\n")))
    assert only_problem(items).reason.startswith(
        "the header lacks the columns transaction_id, type, currency"
    )


# --- money ---------------------------------------------------------------------------------------


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_pounds_written_by_a_bank_read_back_to_the_same_pence(amount):
    assert formats.pence(formats.format_pounds(amount)) == amount


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_any_amount_with_two_decimals_is_read_exactly(value):
    assert formats.pence(str(value)) == int(value * 100)


@given(st.text(alphabet="0123456789+-. \u0663\u00b2", max_size=18))
def test_the_quick_reading_of_an_amount_gives_what_its_pattern_gives(text):
    # pence reads the usual shape without a regular expression; anything else by the pattern.
    found = formats._AMOUNT.fullmatch(text.strip())
    if found is None:
        with pytest.raises(formats.RowError):
            formats.pence(text)
        return
    sign, pounds, fraction = found.groups()
    expected = int(pounds) * 100 + int((fraction or "0").ljust(2, "0"))
    assert formats.pence(text) == (-expected if sign == "-" else expected)


def test_one_decimal_place_is_tens_of_pence():
    assert formats.pence("12.5") == 1250
    assert formats.pence("-0.05") == -5
    assert formats.pence("+7") == 700
