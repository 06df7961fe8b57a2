"""The Bacs Standard 18 file: every field in its place, totals that agree, clean characters."""

import dataclasses
import datetime
import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openphb.payments import bacs
from openphb.payments.bacs import (
    ALLOWED_CHARACTERS,
    Credit,
    FileHeader,
    Originator,
    bacs_text,
    check_account_number,
    check_sort_code,
    sha256_of,
    standard18,
)

ICB = Originator(
    sort_code="40-11-62",
    account_number="71234567",
    account_name="NHS Anytown ICB",
    service_user_number="123456",
)
TUESDAY = datetime.date(2026, 1, 6)  # day 6 of 2026
HEADER = FileHeader(serial=42, processing_day=TUESDAY, originator=ICB)
CREDITS = (
    Credit("20-00-00", "55779911", "Ms Zoë O'Brien", 125_050, "PHB-000123 JAN"),
    Credit("309634", "1234567", "Ravi Patel & Co", 9_900, "phb-000124/1"),
    Credit("60 16 13", "31926819", "Jürgen Großmann\u2013Smith", 450_000, "PHB 000125"),
)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def lines_of(data: bytes) -> list[str]:
    text = data.decode("ascii")
    assert text.endswith("\r\n")
    lines = text.removesuffix("\r\n").split("\r\n")
    assert not any("\n" in line or "\r" in line for line in lines)
    return lines


def file_lines(credits=CREDITS, header=HEADER) -> list[str]:
    return lines_of(standard18(header, credits))


def credit(**changes) -> Credit:
    return dataclasses.replace(CREDITS[0], **changes)


def test_it_writes_the_example_run_of_three_credits_line_by_line():
    assert file_lines() == [
        "VOL1000042 " + " " * 30 + "123456" + " " * 32 + "1",
        "HDR1A123456S  112345600004200010001       26006 26006 000000" + " " * 20,
        "HDR2F0200000100" + " " * 35 + "00" + " " * 28,
        "UHL1 26006999999    000000001 DAILY  001" + " " * 40,
        "200000"
        "55779911"
        "0"
        "99"
        "401162"
        "71234567"
        "    "
        "00000125050"
        "NHS ANYTOWN ICB   "
        "PHB-000123 JAN    "
        "MS ZOE OBRIEN     ",
        "309634"
        "01234567"
        "0"
        "99"
        "401162"
        "71234567"
        "    "
        "00000009900"
        "NHS ANYTOWN ICB   "
        "PHB-000124/1      "
        "RAVI PATEL & CO   ",
        "601613"
        "31926819"
        "0"
        "99"
        "401162"
        "71234567"
        "    "
        "00000450000"
        "NHS ANYTOWN ICB   "
        "PHB 000125        "
        "JURGEN GROSSMANN-S",
        "401162"
        "71234567"
        "0"
        "17"
        "401162"
        "71234567"
        "    "
        "00000584950"
        "BACS FILE 000042  "
        "CONTRA            "
        "NHS ANYTOWN ICB   ",
        "EOF1A123456S  112345600004200010001       26006 26006 000000" + " " * 20,
        "EOF2F0200000100" + " " * 35 + "00" + " " * 28,
        "UTL10000000584950000000058495000000010000003" + " " * 36,
    ]


def test_labels_are_80_characters_and_records_100_each_ending_with_cr_lf():
    data = standard18(HEADER, CREDITS)
    lines = lines_of(data)
    assert [len(line) for line in lines] == [80, 80, 80, 80, 100, 100, 100, 100, 80, 80, 80]
    assert data.count(b"\r\n") == len(lines)
    assert data.count(b"\n") == len(lines)


def test_every_character_in_the_file_is_one_bacs_allows():
    data = standard18(HEADER, CREDITS)
    assert set(data.decode("ascii").replace("\r\n", "")) <= ALLOWED_CHARACTERS


def test_the_volume_header_label_carries_the_serial_and_the_service_user_number():
    vol1 = file_lines()[0]
    assert vol1[0:4] == "VOL1"
    assert vol1[4:10] == "000042"
    assert vol1[10] == " "
    assert vol1[11:41] == " " * 30
    assert vol1[41:47] == "123456"
    assert vol1[47:79] == " " * 32
    assert vol1[79] == "1"


def test_the_first_file_header_label_names_the_file_and_its_dates():
    hdr1 = file_lines()[1]
    assert hdr1[0:4] == "HDR1"
    assert hdr1[4:21] == "A123456S  1123456"
    assert hdr1[21:27] == "000042"
    assert hdr1[27:31] == "0001"
    assert hdr1[31:35] == "0001"
    assert hdr1[35:41] == " " * 6
    assert hdr1[41:47] == " 26006"
    assert hdr1[47:53] == " 26006"
    assert hdr1[53] == " "
    assert hdr1[54:60] == "000000"
    assert hdr1[60:80] == " " * 20


def test_the_second_file_header_label_gives_fixed_100_character_records():
    hdr2 = file_lines()[2]
    assert hdr2[0:4] == "HDR2"
    assert hdr2[4] == "F"
    assert hdr2[5:10] == "02000"
    assert hdr2[10:15] == "00100"
    assert hdr2[15:50] == " " * 35
    assert hdr2[50:52] == "00"
    assert hdr2[52:80] == " " * 28


def test_the_user_header_label_gives_the_processing_day_work_code_and_file_number():
    header = dataclasses.replace(HEADER, file_number=7)
    uhl1 = file_lines(header=header)[3]
    assert uhl1[0:4] == "UHL1"
    assert uhl1[4:10] == " 26006"
    assert uhl1[10:20] == "999999    "
    assert uhl1[20:22] == "00"
    assert uhl1[22:28] == "000000"
    assert uhl1[28:37] == "1 DAILY  "
    assert uhl1[37:40] == "007"
    assert uhl1[40:80] == " " * 40


@pytest.mark.parametrize(
    ("day", "julian"),
    [
        (datetime.date(2026, 1, 1), " 26001"),
        (datetime.date(2026, 12, 31), " 26365"),
        (datetime.date(2024, 12, 31), " 24366"),
        (datetime.date(2030, 3, 1), " 30060"),
    ],
)
def test_the_processing_day_is_the_year_and_day_of_the_year(day, julian):
    lines = file_lines(header=dataclasses.replace(HEADER, processing_day=day))
    assert lines[3][4:10] == julian
    assert lines[1][41:47] == lines[1][47:53] == julian


def test_a_standard_record_pays_the_destination_from_the_originator_with_code_99():
    record = file_lines()[4]
    assert record[0:6] == "200000"
    assert record[6:14] == "55779911"
    assert record[14] == "0"
    assert record[15:17] == "99"
    assert record[17:23] == "401162"
    assert record[23:31] == "71234567"
    assert record[31:35] == "    "
    assert record[35:46] == "00000125050"
    assert record[46:64] == "NHS ANYTOWN ICB   "
    assert record[64:82] == "PHB-000123 JAN    "
    assert record[82:100] == "MS ZOE OBRIEN     "


def test_a_seven_digit_account_number_is_written_with_a_leading_zero():
    assert file_lines()[5][6:14] == "01234567"


def test_the_contra_debits_the_originator_with_the_total_of_the_credits():
    contra = file_lines()[7]
    assert contra[0:6] == "401162"
    assert contra[6:14] == "71234567"
    assert contra[14] == "0"
    assert contra[15:17] == "17"
    assert contra[17:23] == "401162"
    assert contra[23:31] == "71234567"
    assert contra[31:35] == "    "
    assert int(contra[35:46]) == 125_050 + 9_900 + 450_000
    assert contra[46:64] == "BACS FILE 000042  "
    assert contra[64:82] == "CONTRA            "
    assert contra[82:100] == "NHS ANYTOWN ICB   "


def test_the_end_of_file_labels_repeat_the_header_labels():
    lines = file_lines()
    assert lines[8] == "EOF1" + lines[1][4:]
    assert lines[9] == "EOF2" + lines[2][4:]


def test_the_user_trailer_label_counts_and_totals_both_sides():
    utl1 = file_lines()[10]
    assert utl1[0:4] == "UTL1"
    assert utl1[4:17] == "0000000584950"
    assert utl1[17:30] == "0000000584950"
    assert utl1[30:37] == "0000001"
    assert utl1[37:44] == "0000003"
    assert utl1[44:80] == " " * 36


def test_the_same_input_gives_the_same_bytes():
    first = standard18(HEADER, CREDITS)
    second = standard18(
        dataclasses.replace(HEADER, originator=dataclasses.replace(ICB)),
        [dataclasses.replace(c) for c in CREDITS],
    )
    assert first == second
    assert sha256_of(first) == sha256_of(second)


def test_a_different_serial_gives_a_different_file():
    other = standard18(dataclasses.replace(HEADER, serial=43), CREDITS)
    assert other != standard18(HEADER, CREDITS)
    assert lines_of(other)[0][4:10] == "000043"


def test_sha256_of_is_the_hex_digest_of_the_bytes():
    assert sha256_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    data = standard18(HEADER, CREDITS)
    assert sha256_of(data) == hashlib.sha256(data).hexdigest()
    assert len(sha256_of(data)) == 64


names = st.text(min_size=0, max_size=40).map(lambda text: "Payee " + text)
amounts = st.integers(min_value=1, max_value=3_000_000_000)


@given(st.lists(st.tuples(names, amounts, st.text(max_size=10)), min_size=1, max_size=30))
def test_the_contra_and_the_trailer_always_agree_with_the_credits(payments):
    credits = [
        Credit("200000", "55779911", name, amount, f"PHB{number:06d} {text}")
        for number, (name, amount, text) in enumerate(payments)
    ]
    lines = file_lines(credits=credits)
    records, contra, utl1 = lines[4:-4], lines[-4], lines[-1]
    total = sum(amount for _, amount, _ in payments)
    assert [int(record[35:46]) for record in records] == [amount for _, amount, _ in payments]
    assert {record[15:17] for record in records} == {"99"}
    assert int(contra[35:46]) == total
    assert int(utl1[4:17]) == int(utl1[17:30]) == total
    assert int(utl1[30:37]) == 1
    assert int(utl1[37:44]) == len(payments)
    assert all(len(record) == 100 for record in [*records, contra])
    assert set("".join(lines)) <= ALLOWED_CHARACTERS


# Refusals


def test_it_refuses_an_empty_list_of_credits():
    with pytest.raises(ValueError, match="needs at least one credit"):
        standard18(HEADER, [])


@pytest.mark.parametrize("sort_code", ["20-00-0", "2000000", "20-00-OO", "", "20.00.00"])
def test_it_refuses_a_credit_with_a_bad_sort_code_naming_the_credit(sort_code):
    credits = [CREDITS[0], credit(sort_code=sort_code, reference="PHB-9")]
    expected = "Credit 2 (reference 'PHB-9'): A sort code is 6 digits, like 20-00-00."
    with pytest.raises(ValueError, match=exactly(expected)):
        standard18(HEADER, credits)


@pytest.mark.parametrize("account_number", ["12345", "1234567a", "", "123456789012"])
def test_it_refuses_a_credit_with_a_bad_account_number(account_number):
    expected = "Credit 1 (reference 'PHB-000123 JAN'): An account number is 8 digits."
    with pytest.raises(ValueError, match=exactly(expected)):
        standard18(HEADER, [credit(account_number=account_number)])


@pytest.mark.parametrize("amount", [0, -1, -125_050])
def test_it_refuses_an_amount_that_is_not_more_than_nothing(amount):
    with pytest.raises(ValueError, match=r"^Credit 1 .*: the amount must be more than nothing"):
        standard18(HEADER, [credit(amount=amount)])


@pytest.mark.parametrize("amount", [12.5, "1250", True])
def test_it_refuses_an_amount_that_is_not_whole_pence(amount):
    with pytest.raises(ValueError, match="the amount is whole pence"):
        standard18(HEADER, [credit(amount=amount)])


def test_it_takes_the_largest_amount_the_field_holds_and_refuses_a_penny_more():
    lines = file_lines(credits=[credit(amount=99_999_999_999)])
    assert lines[4][35:46] == "99999999999"
    with pytest.raises(ValueError, match="does not fit the 11-digit amount field"):
        standard18(HEADER, [credit(amount=100_000_000_000)])


def test_it_refuses_credits_whose_total_does_not_fit_the_contra():
    credits = [
        credit(amount=60_000_000_000, reference="PHB-1"),
        credit(amount=40_000_000_000, reference="PHB-2"),
    ]
    with pytest.raises(ValueError, match=r"^Contra: the credits come to 100000000000 pence"):
        standard18(HEADER, credits)


@pytest.mark.parametrize("reference", ["", "   ", "£$%", "'''", "日本語"])
def test_it_refuses_a_reference_that_is_blank_once_cleaned(reference):
    with pytest.raises(ValueError, match="the reference is blank once cleaned for Bacs"):
        standard18(HEADER, [credit(reference=reference)])


def test_it_refuses_two_payments_whose_references_are_the_same_once_cleaned():
    credits = [credit(reference="phb-000123"), credit(reference="PHB\u2013000123", amount=5)]
    expected = (
        "Credit 2 (reference 'PHB\u2013000123'): the reference 'PHB-000123' is the same as "
        "credit 1's once cleaned for Bacs; each payment needs its own."
    )
    with pytest.raises(ValueError, match=exactly(expected)):
        standard18(HEADER, credits)


def test_it_refuses_a_payee_name_that_is_blank_once_cleaned():
    with pytest.raises(ValueError, match=r"^Credit 1 .*: the account name is blank"):
        standard18(HEADER, [credit(account_name="张伟")])


def test_it_refuses_a_bad_originator_account_naming_the_originator():
    header = dataclasses.replace(
        HEADER, originator=dataclasses.replace(ICB, account_number="7123456789")
    )
    with pytest.raises(ValueError, match=r"^Originator: An account number is 8 digits\."):
        standard18(header, CREDITS)
    header = dataclasses.replace(HEADER, originator=dataclasses.replace(ICB, sort_code="4011"))
    with pytest.raises(ValueError, match=r"^Originator: A sort code is 6 digits"):
        standard18(header, CREDITS)


@pytest.mark.parametrize("sun", ["12345", "1234567", "B12345", ""])
def test_it_refuses_a_service_user_number_that_is_not_six_digits(sun):
    header = dataclasses.replace(
        HEADER, originator=dataclasses.replace(ICB, service_user_number=sun)
    )
    with pytest.raises(ValueError, match="a service user number is 6 digits"):
        standard18(header, CREDITS)


def test_it_refuses_an_originator_name_that_is_blank_once_cleaned():
    header = dataclasses.replace(HEADER, originator=dataclasses.replace(ICB, account_name="  "))
    with pytest.raises(ValueError, match=r"^Originator: the account name is blank"):
        standard18(header, CREDITS)


@pytest.mark.parametrize("serial", [0, -1, 1_000_000, True])
def test_it_refuses_a_serial_outside_one_to_999999(serial):
    with pytest.raises(ValueError, match="the serial is a whole number from 1 to 999999"):
        standard18(dataclasses.replace(HEADER, serial=serial), CREDITS)


def test_it_writes_the_first_and_last_serials_in_six_digits():
    assert file_lines(header=dataclasses.replace(HEADER, serial=1))[0][4:10] == "000001"
    assert file_lines(header=dataclasses.replace(HEADER, serial=999_999))[0][4:10] == "999999"


@pytest.mark.parametrize("file_number", [0, 1000])
def test_it_refuses_a_file_number_outside_one_to_999(file_number):
    with pytest.raises(ValueError, match="the file number is a whole number from 1 to 999"):
        standard18(dataclasses.replace(HEADER, file_number=file_number), CREDITS)


@pytest.mark.parametrize("day", [datetime.date(2026, 1, 10), datetime.date(2026, 1, 11)])
def test_it_refuses_a_processing_day_at_the_weekend(day):
    with pytest.raises(ValueError, match="Bacs does not process at weekends"):
        standard18(dataclasses.replace(HEADER, processing_day=day), CREDITS)


def test_it_refuses_a_processing_day_with_a_time():
    moment = datetime.datetime(2026, 1, 6, 9, 30)
    with pytest.raises(ValueError, match="the processing day is a date"):
        standard18(dataclasses.replace(HEADER, processing_day=moment), CREDITS)


# Sort codes and account numbers


@pytest.mark.parametrize("text", ["200000", "20-00-00", "20 00 00", " 20-00-00 ", "20 - 00 - 00"])
def test_a_sort_code_may_be_typed_with_hyphens_or_spaces(text):
    assert check_sort_code(text) == "200000"


@pytest.mark.parametrize(
    "text", ["", "20000", "2000000", "20/00/00", "2O-00-00", "\uff12\uff10\uff10\uff10\uff10\uff10"]
)
def test_anything_else_is_not_a_sort_code(text):
    with pytest.raises(ValueError, match=exactly("A sort code is 6 digits, like 20-00-00.")):
        check_sort_code(text)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("55779911", "55779911"),
        ("5577 9911", "55779911"),
        ("5577-9911", "55779911"),
        ("1234567", "01234567"),
        ("123456", "00123456"),
    ],
)
def test_an_account_number_is_eight_digits_with_short_ones_padded_with_zeros(text, digits):
    assert check_account_number(text) == digits


@pytest.mark.parametrize(
    "text",
    ["", "12345", "1234567x", "123456789012", "\uff15\uff15\uff17\uff17\uff19\uff19\uff11\uff11"],
)
def test_anything_else_is_not_an_account_number(text):
    with pytest.raises(ValueError, match=exactly("An account number is 8 digits.")):
        check_account_number(text)


@pytest.mark.parametrize("text", ["123456789", "1234567890"])
def test_a_nine_or_ten_digit_account_number_is_refused_with_a_pointer_to_the_bank(text):
    expected = (
        f"An account number is 8 digits. This one has {len(text)}: ask the bank which 8 digits "
        "(and which sort code) to use for Bacs payments."
    )
    with pytest.raises(ValueError, match=exactly(expected)):
        check_account_number(text)


# Cleaning text for Bacs


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Zoë O'Brien", "ZOE OBRIEN"),
        ("Zoë O\u2019Brien", "ZOE OBRIEN"),
        ("Æsir Ørsted, Łódź", "AESIR ORSTED LODZ"),
        ("Großmann", "GROSSMANN"),
        ("Smith, J. (Mr)", "SMITH J. MR"),
        ("A&E / Ward 7 \u2013 bay 2", "A&E / WARD 7 - BAY 2"),
        ("  lots   of\tspace  ", "LOTS OF SPACE"),
        ("José Ángel Núñez", "JOSE ANGEL NUNEZ"),
        ("ﬁnance №5", "FINANCE NO5"),
        ("50% + £10 @ #1", "50 10 1"),
        ("", ""),
    ],
)
def test_it_makes_text_safe_for_bacs(text, clean):
    assert bacs_text(text, 30) == clean.ljust(30)


def test_it_cuts_text_to_the_width_of_the_field():
    assert bacs_text("Jürgen Großmann\u2013Smith", 18) == "JURGEN GROSSMANN-S"
    assert bacs_text("AB", 1) == "A"


def test_a_field_is_at_least_one_character_wide():
    with pytest.raises(ValueError, match="at least one character"):
        bacs_text("A", 0)


@given(st.text(), st.integers(min_value=1, max_value=40))
def test_cleaned_text_has_only_allowed_characters_and_exactly_the_width(text, width):
    clean = bacs_text(text, width)
    assert len(clean) == width
    assert set(clean) <= ALLOWED_CHARACTERS


@given(st.text(), st.integers(min_value=1, max_value=40))
def test_cleaning_clean_text_again_changes_nothing(text, width):
    clean = bacs_text(text, width)
    assert bacs_text(clean, width) == clean


@given(st.text(alphabet=st.characters(max_codepoint=127)), st.integers(min_value=1, max_value=40))
def test_plain_ascii_text_is_cleaned_as_any_other_text_is(text, width):
    # bacs_text takes a shorter way for ASCII (most names and every reference).
    assert bacs_text(text, width) == bacs._cleaned(text)[:width].ljust(width)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.&/-", min_size=1, max_size=18))
def test_text_bacs_already_allows_is_kept_as_it_is(text):
    assert bacs_text(text, 18) == text.ljust(18)
