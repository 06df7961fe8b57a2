"""A Bacs Standard 18 direct-credit file, written from plain values (no models, no database).

One file pays a list of credits from one originating account on one processing day ("DAILY"
work code): the labels VOL1, HDR1, HDR2, UHL1, one 100-character standard record per credit
(transaction code 99), one contra record (transaction code 17) that debits the originating
account with their total, then EOF1, EOF2 and UTL1. Every character is upper-case A-Z, 0-9,
space, full stop, ampersand, solidus or hyphen, and the same input always gives the same bytes:
nothing in the file comes from the clock.

Layout (positions are 1-based and inclusive; "b" is a space; ``' YYDDD'`` is a space, the
two-digit year and the day of the year):

VOL1, volume header label (80)
    1-4 ``VOL1`` | 5-10 serial, 6 digits | 11 accessibility, b | 12-41 b | 42-47 service user
    number | 48-79 b | 80 label standard level ``1``.
HDR1, first file header label (80); EOF1 repeats it with ``EOF1``
    1-4 ``HDR1`` | 5-21 file identifier ``A`` + SUN + ``S`` + bb + ``1`` + SUN | 22-27 set
    identification, the serial again | 28-31 file section ``0001`` | 32-35 file sequence
    ``0001`` | 36-41 generation number and version, b | 42-47 creation date ``' YYDDD'`` |
    48-53 expiration date ``' YYDDD'`` | 54 accessibility, b | 55-60 block count ``000000`` |
    61-80 system code and reserved, b.
HDR2, second file header label (80); EOF2 repeats it with ``EOF2``
    1-4 ``HDR2`` | 5 record format ``F`` | 6-10 block length ``02000`` | 11-15 record length
    ``00100`` | 16-50 b | 51-52 buffer offset ``00`` | 53-80 b.
UHL1, user header label (80)
    1-4 ``UHL1`` | 5-10 processing day ``' YYDDD'`` | 11-20 receiving party ``999999bbbb`` |
    21-22 currency ``00`` (sterling) | 23-28 country ``000000`` | 29-37 work code
    ``1 DAILYbb`` | 38-40 file number, 3 digits | 41-47 b | 48-54 audit print identifier, b |
    55-80 b.
Standard record, one per credit (100)
    1-6 destination sort code | 7-14 destination account number | 15 account type ``0`` |
    16-17 transaction code ``99`` | 18-23 originating sort code | 24-31 originating account
    number | 32-35 free format, b | 36-46 amount in pence, 11 digits | 47-64 originator's name
    | 65-82 payment reference | 83-100 destination account name.
Contra record (100)
    1-14 and 18-31 the originating sort code and account | 15 ``0`` | 16-17 ``17`` | 32-35 b |
    36-46 the total of the credits | 47-64 narrative ``BACS FILE nnnnnn`` (the serial, so the
    debit on the originator's statement names its file) | 65-82 ``CONTRA`` | 83-100
    originator's name.
UTL1, user trailer label (80)
    1-4 ``UTL1`` | 5-17 debit value total | 18-30 credit value total | 31-37 debit count |
    38-44 credit count | 45-80 b. The contra is the one debit, so both totals are the sum of
    the credits, the debit count is 1 and the credit count is the number of credits.

Records end with CR LF, the last one too, and the file is ASCII.

Sources (read for the layout, no code copied): Bank of Ireland, "BACS File Specification",
appendix 2 (VOL1 and HDR1 positions and checks; scribd.com/document/668157420); FinDock, "Bacs
Direct Debit collection file" (docs.findock.com, the VOL1 owner identification, 80-character
labels and 100/106-character records); HSBC, "Message Implementation Guide BACS Standard 18"
(August 2012, vdocuments.us); IBM Sterling, "Domestic format for the United Kingdom" (input
records of 100 bytes, 106 with a per-record processing day); the ISO/ECMA tape labels that
Standard 18 inherits (HDR1/EOF1 and HDR2/EOF2 field by field, the ``' YYDDD'`` dates); and
public implementations: Odoo's ``account_bacs`` journal, ministryofjustice/bankline-direct-parser
(UHL1 and UTL1 fields), tracey-stobbs/bacs-file-data-generator (UHL1, contra and UTL1), and an
HSBC Standard 18 exporter for Exchequer (contra narrative, UTL1, HDR2 buffer offset). The
allowed characters: Paygate's "Allowed characters", Access PaySuite's "Using special characters
in Direct Debit references" (Bacs turns anything else into a space) and revk.uk's "Yes, & is a
BACS character". docs/payments-bacs.md has the field table and what varies between bureaux.

What varies between banks and bureaux, and what this module does:

- Line endings: CR LF here. Some bureaux want LF, or no line end after UTL1 (``LINE_END``).
- VOL1 42-47 and the HDR1 file identifier carry the service user number. A bureau submitting
  for several service users puts its own bureau number in VOL1 instead; HSBC accepts ``HSBC``
  at 32-37 when there is none. This module writes files for one service user.
- HDR1 15 is ``1`` or a space; the generation number and version (36-41) are spaces or
  ``000101``; the accessibility indicator (54) is a space or ``0``. Spaces, ``1`` and a space.
- HDR1 creation and expiration dates: both are the processing day, so that the file is a
  function of its input alone (a bureau that checks the creation date against the day of
  submission needs the file made on, or re-dated to, that day).
- UHL1 48-54 may carry an audit print identifier (``AUDnnnn``); blank here.
- The contra narrative (47-64) is free; here it names the file's serial.
- Only single-day (``1 DAILY``) files of credits: no per-record processing day (columns
  101-106 of a ``4 MULTI`` file), no direct debits, no Bacs reports.
"""

import dataclasses
import datetime
import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence

ALLOWED_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .&/-")
LINE_END = "\r\n"
LABEL_WIDTH = 80
RECORD_WIDTH = 100
NAME_WIDTH = 18
DIRECT_CREDIT = "99"
CONTRA_DEBIT = "17"
MAX_AMOUNT = 99_999_999_999  # the 11-digit amount field: £999,999,999.99
MAX_SERIAL = 999_999
MAX_FILE_NUMBER = 999
MAX_CREDITS = 9_999_999  # the 7-digit credit count in UTL1

SORT_CODE_MESSAGE = "A sort code is 6 digits, like 20-00-00."
ACCOUNT_NUMBER_MESSAGE = "An account number is 8 digits."

# Separators people type inside sort codes and account numbers.
_SEPARATORS = re.compile(r"[\s\-]")
_DIGITS = re.compile(r"[0-9]+")

# Letters that Unicode does not decompose into a plain letter and a mark.
_LETTERS = {
    "Æ": "AE",
    "Œ": "OE",
    "Ø": "O",
    "Ł": "L",
    "Đ": "D",
    "Ð": "D",
    "Þ": "TH",
    "Ħ": "H",
    "Ŧ": "T",
    "ẞ": "SS",
}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
# Apostrophes vanish, so O'Brien is OBRIEN, as banks print it.
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u0060\u00b4"
# For ASCII text: apostrophes vanish, anything else Bacs does not allow becomes a space.
_ASCII_ALLOWED = {
    code: None if chr(code) in _APOSTROPHES else " "
    for code in range(128)
    if chr(code) not in ALLOWED_CHARACTERS
}


@dataclasses.dataclass(frozen=True)
class Originator:
    """The account the money leaves, and the service user number Bacs knows it by."""

    sort_code: str
    account_number: str
    account_name: str
    service_user_number: str


@dataclasses.dataclass(frozen=True)
class FileHeader:
    """What identifies one file: its serial (1 to 999999), processing day and file number."""

    serial: int
    processing_day: datetime.date
    originator: Originator
    file_number: int = 1


@dataclasses.dataclass(frozen=True)
class Credit:
    """One payment: to whom, how much in pence, and the reference their statement shows."""

    sort_code: str
    account_number: str
    account_name: str
    amount: int
    reference: str


def check_sort_code(text: str) -> str:
    """The six digits of a sort code typed as 200000, 20-00-00 or 20 00 00."""
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 6 or not _DIGITS.fullmatch(digits):
        raise ValueError(SORT_CODE_MESSAGE)
    return digits


def check_account_number(text: str) -> str:
    """The eight digits of an account number; six or seven digits get leading zeros.

    Some banks issued 6- and 7-digit numbers, which Bacs takes with zeros in front. A 9- or
    10-digit number means a different thing at each bank (Santander moves the first digit into
    the sort code, some building societies drop it, NatWest and the Co-operative Bank keep
    different eight of ten), so it is refused with a pointer to the bank, not guessed at.
    """
    digits = _SEPARATORS.sub("", text)
    if not _DIGITS.fullmatch(digits):
        raise ValueError(ACCOUNT_NUMBER_MESSAGE)
    if len(digits) in (6, 7):
        return digits.zfill(8)
    if len(digits) in (9, 10):
        raise ValueError(
            f"{ACCOUNT_NUMBER_MESSAGE} This one has {len(digits)}: ask the bank which 8 digits "
            "(and which sort code) to use for Bacs payments."
        )
    if len(digits) != 8:
        raise ValueError(ACCOUNT_NUMBER_MESSAGE)
    return digits


def bacs_text(text: str, width: int) -> str:
    """Text as Bacs allows it, cut or padded with spaces to exactly ``width`` characters.

    Upper case; accents dropped (É is E) and letters without a plain form spelt out (Æ is AE,
    ß is SS); dashes become hyphens and apostrophes vanish; anything else Bacs does not allow
    becomes a space; runs of spaces become one and leading spaces go.
    """
    if width < 1:
        raise ValueError("A field is at least one character wide.")
    if text.isascii():  # the usual case: the same result as `_cleaned`, in one pass
        clean = " ".join(text.upper().translate(_ASCII_ALLOWED).split())
    else:
        clean = _cleaned(text)
    return clean[:width].ljust(width)


def _cleaned(text: str) -> str:
    spelt = "".join(_spelt(char) for char in text.upper())
    plain = "".join(
        char
        for char in unicodedata.normalize("NFKD", spelt).upper()
        if not unicodedata.combining(char)
    )
    allowed = "".join(char if char in ALLOWED_CHARACTERS else " " for char in plain)
    return " ".join(allowed.split())


def _spelt(char: str) -> str:
    if char in _APOSTROPHES:
        return ""
    if char in _DASHES:
        return "-"
    return _LETTERS.get(char, char)


def sha256_of(data: bytes) -> str:
    """The SHA-256 digest of a file's bytes, as 64 lower-case hex digits."""
    return hashlib.sha256(data).hexdigest()


def standard18(header: FileHeader, credits: Sequence[Credit]) -> bytes:
    """The Standard 18 file paying ``credits`` from the header's originator.

    Refuses, with a ValueError naming the record, anything a bank would reject: a malformed
    sort code or account number, an amount that is not positive whole pence or does not fit
    its 11 digits, a name or reference that is blank once cleaned, two payments with the same
    reference once cleaned (the bank's returns could not be told apart), no credits at all,
    a weekend processing day, or a serial or file number out of range.
    """
    serial, sun = _checked_header(header)
    originator = header.originator
    origin = _field("Originator", check_sort_code, originator.sort_code) + _field(
        "Originator", check_account_number, originator.account_number
    )
    originator_name = bacs_text(originator.account_name, NAME_WIDTH)
    if not originator_name.strip():
        raise ValueError("Originator: the account name is blank once cleaned for Bacs.")

    if not credits:
        raise ValueError("A Bacs file needs at least one credit; this one has none.")
    if len(credits) > MAX_CREDITS:
        raise ValueError(f"A Bacs file holds at most {MAX_CREDITS:,} credits.")

    records: list[str] = []
    seen: dict[str, int] = {}
    total = 0
    for number, credit in enumerate(credits, start=1):
        records.append(_standard_record(number, credit, origin, originator_name, seen))
        total += credit.amount
    if total > MAX_AMOUNT:
        raise ValueError(
            f"Contra: the credits come to {total} pence, more than the 11-digit amount field "
            f"holds ({MAX_AMOUNT}); split them between files."
        )

    day = _julian(header.processing_day)
    file_label = _hdr1(serial, sun, day)
    format_label = _hdr2()
    lines = [
        _line(LABEL_WIDTH, "VOL1", serial, " ", " " * 30, sun, " " * 32, "1"),
        _line(LABEL_WIDTH, "HDR1", file_label),
        _line(LABEL_WIDTH, "HDR2", format_label),
        _line(
            LABEL_WIDTH,
            "UHL1",
            day,
            "999999",
            " " * 4,
            "00",
            "000000",
            "1 DAILY  ",
            f"{header.file_number:03d}",
            " " * 7,
            " " * 7,
            " " * 26,
        ),
        *records,
        _line(
            RECORD_WIDTH,
            origin,
            "0",
            CONTRA_DEBIT,
            origin,
            " " * 4,
            f"{total:011d}",
            bacs_text(f"BACS FILE {serial}", NAME_WIDTH),
            bacs_text("CONTRA", NAME_WIDTH),
            originator_name,
        ),
        _line(LABEL_WIDTH, "EOF1", file_label),
        _line(LABEL_WIDTH, "EOF2", format_label),
        _line(
            LABEL_WIDTH,
            "UTL1",
            f"{total:013d}",
            f"{total:013d}",
            f"{1:07d}",
            f"{len(credits):07d}",
            " " * 36,
        ),
    ]
    return "".join(line + LINE_END for line in lines).encode("ascii")


def _checked_header(header: FileHeader) -> tuple[str, str]:
    serial = header.serial
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
        raise ValueError(
            f"File header: the serial is a whole number from 1 to 999999, not {serial!r}."
        )
    file_number = header.file_number
    if (
        isinstance(file_number, bool)
        or not isinstance(file_number, int)
        or not 1 <= file_number <= MAX_FILE_NUMBER
    ):
        raise ValueError(
            f"File header: the file number is a whole number from 1 to 999, not {file_number!r}."
        )
    day = header.processing_day
    if isinstance(day, datetime.datetime) or not isinstance(day, datetime.date):
        raise ValueError("File header: the processing day is a date.")
    if day.weekday() >= 5:
        raise ValueError(
            f"File header: Bacs does not process at weekends, and the processing day "
            f"{day.isoformat()} is a {day:%A}."
        )
    sun = header.originator.service_user_number.strip()
    if len(sun) != 6 or not _DIGITS.fullmatch(sun):
        raise ValueError("Originator: a service user number is 6 digits.")
    return f"{serial:06d}", sun


def _standard_record(
    number: int, credit: Credit, origin: str, originator_name: str, seen: dict[str, int]
) -> str:
    label = f"Credit {number}"
    if credit.reference.strip():
        label += f" (reference {credit.reference.strip()!r})"
    destination = _field(label, check_sort_code, credit.sort_code) + _field(
        label, check_account_number, credit.account_number
    )
    amount = credit.amount
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValueError(f"{label}: the amount is whole pence, not {amount!r}.")
    if amount <= 0:
        raise ValueError(f"{label}: the amount must be more than nothing, not {amount} pence.")
    if amount > MAX_AMOUNT:
        raise ValueError(
            f"{label}: {amount} pence does not fit the 11-digit amount field "
            f"(at most {MAX_AMOUNT})."
        )
    reference = bacs_text(credit.reference, NAME_WIDTH)
    if not reference.strip():
        raise ValueError(
            f"{label}: the reference is blank once cleaned for Bacs (letters, digits, "
            "spaces and . & / - only)."
        )
    if reference in seen:
        raise ValueError(
            f"{label}: the reference {reference.strip()!r} is the same as credit "
            f"{seen[reference]}'s once cleaned for Bacs; each payment needs its own."
        )
    seen[reference] = number
    name = bacs_text(credit.account_name, NAME_WIDTH)
    if not name.strip():
        raise ValueError(f"{label}: the account name is blank once cleaned for Bacs.")
    return _line(
        RECORD_WIDTH,
        destination,
        "0",
        DIRECT_CREDIT,
        origin,
        " " * 4,
        f"{amount:011d}",
        originator_name,
        reference,
        name,
    )


def _field(label: str, check: Callable[[str], str], text: str) -> str:
    try:
        return check(text)
    except ValueError as error:
        raise ValueError(f"{label}: {error}") from None


def _hdr1(serial: str, sun: str, day: str) -> str:
    """HDR1 and EOF1 after their first four characters: positions 5 to 80."""
    file_identifier = "A" + sun + "S" + "  " + "1" + sun
    generation = " " * 6
    return (
        file_identifier
        + serial
        + "0001"
        + "0001"
        + generation
        + day
        + day
        + " "
        + "000000"
        + " " * 20
    )


def _hdr2() -> str:
    """HDR2 and EOF2 after their first four characters: positions 5 to 80."""
    return "F" + "02000" + f"{RECORD_WIDTH:05d}" + " " * 35 + "00" + " " * 28


def _julian(day: datetime.date) -> str:
    """A space, the two-digit year and the day of the year: 6 January 2026 is ' 26006'."""
    return f" {day:%y}{day.timetuple().tm_yday:03d}"


def _line(width: int, *fields: str) -> str:
    line = "".join(fields)
    if len(line) != width:
        raise AssertionError(f"A record came out {len(line)} characters wide, not {width}.")
    return line
