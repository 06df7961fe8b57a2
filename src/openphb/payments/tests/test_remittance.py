"""The remittance advice: what was paid to whom, never a whole account, safe in a spreadsheet."""

import csv
import dataclasses
import datetime
import io
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openphb.payments.remittance import (
    HEADER,
    RemittanceRow,
    masked_account_number,
    masked_sort_code,
    pounds,
    remittance_csv,
)

ROW = RemittanceRow(
    payment_reference="PHB-000123 JAN",
    budget="B-000123",
    payee_name="Ms Zoë O'Brien",
    sort_code="20-00-00",
    account_number="55779911",
    amount=125_050,
    payment_date=datetime.date(2026, 1, 8),
    description="4 weeks from 8 January 2026",
)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_the_header_names_each_column():
    assert table(remittance_csv([]))[0] == [
        "Payment reference",
        "Budget",
        "Paid to",
        "Sort code",
        "Account number",
        "Amount (£)",
        "Payment date",
        "For",
    ]
    assert list(HEADER) == table(remittance_csv([]))[0]


def test_a_row_shows_the_payment_with_the_bank_details_masked():
    assert table(remittance_csv([ROW]))[1] == [
        "PHB-000123 JAN",
        "B-000123",
        "Ms Zoë O'Brien",
        "**-**-00",
        "****9911",
        "1250.50",
        "2026-01-08",
        "4 weeks from 8 January 2026",
    ]


def test_it_never_shows_a_whole_account_number_or_sort_code():
    row = dataclasses.replace(ROW, sort_code="60 16 13", account_number="31926819")
    text = remittance_csv([row]).decode("utf-8")
    for secret in ("31926819", "1926819", "601613", "60-16-13", "60 16 13"):
        assert secret not in text
    assert "**-**-13" in text
    assert "****6819" in text


def test_rows_keep_the_order_they_are_given_in():
    rows = [
        dataclasses.replace(ROW, payment_reference=f"PHB-{number}", amount=number)
        for number in (3, 1, 2)
    ]
    assert [line[0] for line in table(remittance_csv(rows))[1:]] == ["PHB-3", "PHB-1", "PHB-2"]


def test_the_same_rows_give_the_same_bytes_in_utf_8_with_cr_lf():
    first = remittance_csv([ROW, dataclasses.replace(ROW, payment_reference="PHB-2")])
    second = remittance_csv([ROW, dataclasses.replace(ROW, payment_reference="PHB-2")])
    assert first == second
    assert first.count(b"\r\n") == 3
    assert first.count(b"\n") == 3
    assert "Amount (£)".encode() in first


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://example.com")', "+44 7700 900123", "-1", "@SUM(A1:A9)"]
)
def test_a_cell_that_would_start_a_formula_is_made_text(cell):
    row = dataclasses.replace(ROW, payee_name=cell, description=cell, budget=cell)
    line = table(remittance_csv([row]))[1]
    assert line[1] == line[2] == line[7] == "'" + cell


def test_a_seven_digit_account_number_shows_its_last_four_digits():
    row = dataclasses.replace(ROW, account_number="1234567")
    assert table(remittance_csv([row]))[1][4] == "****4567"


@pytest.mark.parametrize(("pence", "shown"), [(1, "0.01"), (99, "0.99"), (100, "1.00")])
def test_pounds_are_a_plain_decimal(pence, shown):
    assert pounds(pence) == shown


@given(st.integers(min_value=1, max_value=99_999_999_999))
def test_pounds_read_back_as_the_same_pence(pence):
    assert Decimal(pounds(pence)) * 100 == pence


def test_masking_takes_the_digits_however_they_were_typed():
    assert masked_sort_code("200000") == masked_sort_code("20 00 00") == "**-**-00"
    assert masked_account_number("5577 9911") == "****9911"


@pytest.mark.parametrize("sort_code", ["20-00-0", "", "2000000"])
def test_it_refuses_a_row_whose_sort_code_is_not_six_digits(sort_code):
    rows = [ROW, dataclasses.replace(ROW, sort_code=sort_code)]
    with pytest.raises(
        ValueError, match=exactly("Remittance row 2: A sort code is 6 digits, like 20-00-00.")
    ):
        remittance_csv(rows)


@pytest.mark.parametrize("account_number", ["12345", "", "123456789"])
def test_it_refuses_a_row_whose_account_number_is_not_eight_digits(account_number):
    with pytest.raises(
        ValueError, match=exactly("Remittance row 1: An account number is 8 digits.")
    ):
        remittance_csv([dataclasses.replace(ROW, account_number=account_number)])


@pytest.mark.parametrize("amount", [0, -5, 12.5, True])
def test_it_refuses_an_amount_that_is_not_whole_pence_more_than_nothing(amount):
    with pytest.raises(ValueError, match=r"^Remittance row 1: the amount is whole pence"):
        remittance_csv([dataclasses.replace(ROW, amount=amount)])


def test_it_refuses_a_row_without_a_payment_reference():
    with pytest.raises(ValueError, match=r"^Remittance row 1: the payment reference is blank"):
        remittance_csv([dataclasses.replace(ROW, payment_reference="  ")])
