"""Reading statement files: a bank's CSV, ISO 20022 camt.053 XML and a prepaid-card feed CSV.

Pure and streaming: each parser reads a binary file a line (CSV) or 64 KiB (XML) at a time and
yields, in the file's order, a `Row` for each transaction it could read or a `Problem` for each
it could not (its line number, why, and the row as it was), so that memory stays flat however
long the file is. A `Problem` marked `fatal` ends the file (a header without the columns it
needs, XML that is not well formed): nothing after it can be read.

What each format's columns mean, with worked examples, is in docs/statements.md. In short:

- money is read to whole pence exactly (digits, never a float); more than 2 decimal places,
  thousands separators or anything that is not a number is refused;
- only pounds sterling (GBP) are accepted: these are accounts in England;
- dates are YYYY-MM-DD or DD/MM/YYYY, and must exist (31/02/2026 does not);
- files are UTF-8 (a byte-order mark is accepted); a line that is not says which byte is wrong;
- an account is its sort code (6 digits) and account number (8; 6 or 7 digits get leading
  zeros, as Bacs takes them).
"""

import csv
import datetime
import operator
import re
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from openphb.payments.bacs import check_account_number, check_sort_code

from .models import Direction, Format, Kind

# Plain strings (what the database stores), not the enums' members.
IN, OUT = Direction.IN.value, Direction.OUT.value
MAX_DESCRIPTION = 200
MAX_NAME = 140
MAX_REFERENCE = 64
MAX_RAW = 2_000


class Row(NamedTuple):
    """One transaction read from a file (amounts in pence, always positive). A tuple, its
    fields in the order the importer stores them: millions are made for a national month."""

    line_number: int
    sort_code: str
    account_number: str
    bank_reference: str
    booked_on: datetime.date
    direction: str
    kind: str
    amount: int
    description: str = ""
    counterparty: str = ""
    merchant: str = ""
    mcc: str = ""
    balance_after: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that could not be read, and why; `fatal` when nothing more of the file can be."""

    line_number: int
    reason: str
    raw: str = ""
    fatal: bool = False


class RowError(ValueError):
    """Why a field of a row cannot be read (the message names the field)."""


# --- fields --------------------------------------------------------------------------------------

_AMOUNT = re.compile(r"([+-]?)(\d{1,13})(?:\.(\d{1,2}))?")
_LOOKS_DECIMAL = re.compile(r"[+-]?\d+\.\d{3,}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_MCC = re.compile(r"\d{4}")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def pence(text: str, *, field: str = "amount", example: str = "-12.50") -> int:
    """Signed pence from pounds as a bank writes them: '12.50', '-12.5', '+3', '1200.00'.

    Exact: the digits are read as integers, never through a float."""
    value = text.strip()
    # The usual shape first, without a regular expression: ASCII digits, a point and 1 or 2.
    whole, point, part = (value[1:] if value[:1] in ("-", "+") else value).partition(".")
    if (
        whole.isascii()
        and whole.isdigit()
        and len(whole) <= 13
        and (not point or (part.isascii() and part.isdigit() and len(part) <= 2))
    ):
        amount = int(whole) * 100 + (int(part) * (10 if len(part) == 1 else 1) if part else 0)
        return -amount if value[:1] == "-" else amount
    found = _AMOUNT.fullmatch(value)
    if found is None:
        if _LOOKS_DECIMAL.fullmatch(value):
            raise RowError(f"{field} {value!r} has more than 2 decimal places")
        if not value:
            raise RowError(f"{field} is empty")
        raise RowError(f"{field} {value!r} is not an amount of money (write it like {example})")
    sign, pounds, fraction = found.groups()
    amount = int(pounds) * 100 + int((fraction or "0").ljust(2, "0"))
    return -amount if sign == "-" else amount


def format_pounds(amount: int) -> str:
    """Pence as a file writes pounds: -1250 -> '-12.50' (the inverse of `pence`)."""
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 100)
    return f"{sign}{whole}.{part:02d}"


_dates: dict[str, datetime.date] = {}


def booking_date(text: str, *, field: str = "date") -> datetime.date:
    """A date written YYYY-MM-DD or DD/MM/YYYY that exists."""
    value = text.strip()
    known = _dates.get(value)
    if known is not None:
        return known
    if _ISO_DATE.fullmatch(value):
        year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
    elif found := _UK_DATE.fullmatch(value):
        day, month, year = (int(part) for part in found.groups())
    else:
        raise RowError(f"{field} {value!r} is not a date: write it as YYYY-MM-DD or DD/MM/YYYY")
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise RowError(f"{field} {value!r} is not a date: there is no month {month}") from None
        raise RowError(
            f"{field} {value!r} is not a date: {_MONTHS[month - 1]} {year} has no day {day}"
        ) from None
    if len(_dates) < 10_000:
        _dates[value] = date
    return date


def currency(text: str) -> None:
    value = text.strip().upper()
    if value != "GBP":
        shown = repr(text.strip()) if text.strip() else "none"
        raise RowError(f"currency is {shown}: only pounds sterling (GBP) are accepted")


_accounts: dict[tuple[str, str], tuple[str, str]] = {}


def account(sort_code: str, account_number: str) -> tuple[str, str]:
    """(sort code, account number) as 6 and 8 digits."""
    key = (sort_code, account_number)
    known = _accounts.get(key)
    if known is not None:
        return known
    try:
        found = (check_sort_code(sort_code), check_account_number(account_number))
    except ValueError as error:
        raise RowError(str(error).rstrip(".")) from None
    if len(_accounts) < 1_000_000:
        _accounts[key] = found
    return found


def reference(text: str, *, field: str = "bank_reference") -> str:
    value = text.strip()
    if not value:
        raise RowError(f"{field} is empty: each transaction needs the bank's own reference")
    if len(value) > MAX_REFERENCE:
        raise RowError(f"{field} is longer than {MAX_REFERENCE} characters")
    return value


def mcc_code(text: str) -> str:
    value = text.strip()
    if value and not _MCC.fullmatch(value):
        raise RowError(f"mcc {value!r} is not a merchant category code (4 digits)")
    return value


def _text(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


# --- CSV: lines, encoding, header ----------------------------------------------------------------


class _Lines:
    """The text lines of a binary file, decoded as UTF-8 one line at a time (a BOM dropped),
    remembering the lines taken since the last row and the first encoding problem among them."""

    def __init__(self, data: IO[bytes]) -> None:
        self.data = iter(data)
        self.taken: list[str] = []
        self.number = 0
        self.bad = ""

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        raw = next(self.data)
        self.number += 1
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.decode("utf-8", errors="replace")
            if not self.bad:
                self.bad = (
                    f"line {self.number} is not UTF-8: byte 0x{raw[error.start]:02X} at "
                    f"position {error.start + 1} (save the file as UTF-8)"
                )
        self.taken.append(line)
        return line

    def row_text(self) -> tuple[str, str]:
        """The lines of the row just read, and any encoding problem in them; then forget them."""
        taken, bad = self.row_lines()
        return raw_text(taken), bad

    def row_lines(self) -> tuple[list[str], str]:
        """As `row_text`, the lines not yet joined (most rows never need them)."""
        taken, bad = self.taken, self.bad
        self.taken = []
        self.bad = ""
        return taken, bad


def raw_text(lines: list[str]) -> str:
    """A row as it was in the file, from its lines."""
    return "".join(lines).rstrip("\r\n")[:MAX_RAW]


def _csv_rows(
    data: IO[bytes], required: tuple[str, ...], optional: tuple[str, ...], at: dict[str, int]
) -> Iterator[tuple[int, list[str], list[str]] | Problem]:
    """(line number, fields, the row's lines) for each row of a CSV file with a header, or a
    Problem for a row that cannot be split into the header's columns. `at` is filled with the
    position of each column the header has, once it is read."""
    lines = _Lines(data)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield Problem(1, "the file is empty: it needs a header row naming the columns", fatal=True)
        return
    except csv.Error as error:
        yield Problem(1, f"the header row cannot be read: {error}", fatal=True)
        return
    raw_header, bad = lines.row_text()
    if bad:
        yield Problem(1, bad, raw_header, fatal=True)
        return
    names = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in names]
    if missing:
        yield Problem(
            1,
            f"the header lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (it has {', '.join(n for n in names if n) or 'none'})",
            raw_header,
            fatal=True,
        )
        return
    twice = sorted({name for name in names if name and names.count(name) > 1})
    if twice:
        yield Problem(1, f"the header names {', '.join(twice)} twice", raw_header, fatal=True)
        return
    at.update((name, names.index(name)) for name in (*required, *optional) if name in names)
    width = len(names)
    previous = lines.number
    while True:
        start = previous + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raw, bad = lines.row_text()
            yield Problem(start, bad or f"the row cannot be read as CSV: {error}", raw)
            previous = lines.number
            # The reader cannot go on after an unterminated quote (it has read to the end).
            if "EOF" in str(error):
                return
            continue
        taken, bad = lines.row_lines()
        previous = lines.number
        if bad:
            yield Problem(start, bad, raw_text(taken))
            continue
        if len(fields) != width:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line
            yield Problem(
                start, f"the row has {len(fields)} fields; the header has {width}", raw_text(taken)
            )
            continue
        yield start, fields, taken


def _getter(at: dict[str, int], columns: tuple[str, ...], width: int) -> Any:
    """The values of these columns from a row's fields with two more at their end, "" and
    "GBP": a column the header lacks reads as "" (as "GBP" if it is the currency)."""
    return operator.itemgetter(
        *(at.get(name, width + 1 if name == "currency" else width) for name in columns)
    )


# --- bank CSV ------------------------------------------------------------------------------------

BANK_REQUIRED = ("sort_code", "account_number", "date", "bank_reference", "type", "amount")
BANK_OPTIONAL = ("currency", "description", "counterparty", "balance")
BANK_TYPES = {kind.value: kind.value for kind in Kind}
MONEY_IN_ONLY = {Kind.CREDIT.value, Kind.REFUND.value}
MONEY_OUT_ONLY = {Kind.CARD.value, Kind.CASH.value, Kind.FEE.value, Kind.DIRECT_DEBIT.value}


def parse_bank_csv(data: IO[bytes]) -> Iterator[Row | Problem]:
    """A bank statement CSV: one transaction a row, `amount` signed (money in positive)."""
    at: dict[str, int] = {}
    values = None
    for item in _csv_rows(data, BANK_REQUIRED, BANK_OPTIONAL, at):
        if isinstance(item, Problem):
            yield item
            if item.fatal:
                return
            continue
        number, fields, taken = item
        if values is None:
            values = _getter(at, (*BANK_REQUIRED, *BANK_OPTIONAL), len(fields))
        fields += _ABSENT
        try:
            yield _bank_row(number, values(fields))
        except RowError as error:
            yield Problem(number, str(error), raw_text(taken))


_ABSENT = ("", "GBP")  # what a column the header lacks reads as (see `_getter`)


def _bank_row(number: int, values: tuple[str, ...]) -> Row:
    (
        sort_code,
        account_number,
        date,
        bank_reference,
        type_,
        amount_text,
        currency_text,
        description,
        counterparty,
        balance_text,
    ) = values
    sort_code, account_number = account(sort_code, account_number)
    currency(currency_text)
    kind = type_.strip().lower()
    if kind not in BANK_TYPES:
        raise RowError(f"type {type_.strip()!r} is not one of {', '.join(sorted(BANK_TYPES))}")
    amount = pence(amount_text)
    if amount == 0:
        raise RowError("amount is 0.00: a transaction moves some money")
    direction = IN if amount > 0 else OUT
    if kind in MONEY_IN_ONLY and amount < 0:
        raise RowError(f"type {kind} is money in, but the amount is negative")
    if kind in MONEY_OUT_ONLY and amount > 0:
        raise RowError(f"type {kind} is money out, but the amount is positive")
    balance = balance_text.strip()
    return Row(
        number,
        sort_code,
        account_number,
        reference(bank_reference),
        booking_date(date),
        direction,
        kind,
        abs(amount),
        _text(description, MAX_DESCRIPTION),
        _text(counterparty, MAX_NAME),
        "",
        "",
        pence(balance, field="balance") if balance else None,
    )


# --- prepaid-card feed CSV -----------------------------------------------------------------------

CARD_REQUIRED = (
    "sort_code",
    "account_number",
    "transaction_id",
    "date",
    "type",
    "amount",
    "currency",
)
CARD_OPTIONAL = ("merchant", "mcc", "description")
CARD_TYPES = {
    "purchase": (Kind.CARD.value, OUT),
    "cash": (Kind.CASH.value, OUT),
    "fee": (Kind.FEE.value, OUT),
    "load": (Kind.CREDIT.value, IN),
    "refund": (Kind.REFUND.value, IN),
}


def parse_card_csv(data: IO[bytes]) -> Iterator[Row | Problem]:
    """A prepaid-card provider's feed: `amount` positive, its direction given by `type`."""
    at: dict[str, int] = {}
    values = None
    for item in _csv_rows(data, CARD_REQUIRED, CARD_OPTIONAL, at):
        if isinstance(item, Problem):
            yield item
            if item.fatal:
                return
            continue
        number, fields, taken = item
        if values is None:
            values = _getter(at, (*CARD_REQUIRED, *CARD_OPTIONAL), len(fields))
        fields += _ABSENT
        try:
            yield _card_row(number, values(fields))
        except RowError as error:
            yield Problem(number, str(error), raw_text(taken))


def _card_row(number: int, values: tuple[str, ...]) -> Row:
    (
        sort_code,
        account_number,
        transaction_id,
        date,
        type_,
        amount_text,
        currency_text,
        merchant_text,
        mcc_text,
        description,
    ) = values
    sort_code, account_number = account(sort_code, account_number)
    currency(currency_text)
    kind_direction = CARD_TYPES.get(type_.strip().lower())
    if kind_direction is None:
        raise RowError(f"type {type_.strip()!r} is not one of {', '.join(sorted(CARD_TYPES))}")
    kind, direction = kind_direction
    amount = pence(amount_text, example="12.50")
    if amount <= 0:
        raise RowError(
            f"amount {amount_text.strip()} is not above 0.00: the type says which way "
            "the money went"
        )
    mcc = mcc_code(mcc_text)
    if kind == Kind.CARD.value and not mcc:
        raise RowError("mcc is empty: a purchase needs its merchant category code")
    merchant = _text(merchant_text, MAX_NAME)
    return Row(
        line_number=number,
        sort_code=sort_code,
        account_number=account_number,
        bank_reference=reference(transaction_id, field="transaction_id"),
        booked_on=booking_date(date),
        direction=direction,
        kind=kind,
        amount=amount,
        description=_text(description or merchant, MAX_DESCRIPTION),
        merchant=merchant,
        mcc=mcc,
    )


# --- camt.053 XML --------------------------------------------------------------------------------

_CHUNK = 64 * 1024
_GB_IBAN = re.compile(r"GB(\d{2})([A-Z]{4})(\d{6})(\d{8})")


def iban_account(iban: str) -> tuple[str, str]:
    """(sort code, account number) of a UK IBAN: GBkk BANK SSSSSS AAAAAAAA."""
    value = "".join(iban.split()).upper()
    found = _GB_IBAN.fullmatch(value)
    if found is None:
        raise RowError(
            f"IBAN {iban.strip()!r} is not a UK account (GB, 2 check digits, 4-letter bank code, "
            "6-digit sort code, 8-digit account number)"
        )
    moved = value[4:] + value[:4]
    number = int("".join(str(int(char, 36)) for char in moved))
    if number % 97 != 1:
        raise RowError(f"IBAN {iban.strip()!r} has wrong check digits")
    return found.group(3), found.group(4)


def other_account(text: str) -> tuple[str, str]:
    """A sort code and account number written together: '20-00-00 55779911', '2000005577991'."""
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{12,14}", digits):
        raise RowError(
            f"account id {text.strip()!r} is not a sort code and account number (14 digits)"
        )
    return account(digits[:6], digits[6:])


# Bank transaction codes (ISO 20022 BkTxCd Domn/Fmly/SubFmly) that say what kind of money out.
_SUB_FAMILIES = {
    "CWDL": Kind.CASH.value,
    "CHRG": Kind.FEE.value,
    "FEES": Kind.FEE.value,
    "PMDD": Kind.DIRECT_DEBIT.value,
    "ESDD": Kind.DIRECT_DEBIT.value,
    "BBDD": Kind.DIRECT_DEBIT.value,
    "STDO": Kind.DIRECT_DEBIT.value,
    "POSD": Kind.CARD.value,
    "SMRT": Kind.CARD.value,
}
_FAMILIES = {"CCRD": Kind.CARD.value, "MCRD": Kind.CARD.value, "CNTR": Kind.CASH.value}


class _Camt:
    """Expat handlers collecting each statement's account and each entry's fields."""

    def __init__(self, parser: xml.parsers.expat.XMLParserType) -> None:
        self.parser = parser
        self.path: list[str] = []
        self.text: list[str] = []
        self.account: tuple[str, str] | None = None
        self.account_problem = ""
        self.entry: dict[str, str] | None = None
        self.entry_line = 0
        self.entry_start = 0
        # (line, fields, first byte, byte of its end tag, the account or why there is none)
        self.entries: list[tuple[int, dict[str, str], int, int, tuple[str, str] | str]] = []
        self.statements = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        self.path.append(local)
        self.text = []
        if local == "Stmt":
            self.statements += 1
            self.account = None
            self.account_problem = ""
        elif local == "Ntry":
            self.entry = {}
            self.entry_line = self.parser.CurrentLineNumber
            self.entry_start = self.parser.CurrentByteIndex
        elif local == "Amt" and self.entry is not None and self.path[-2:-1] == ["Ntry"]:
            self.entry["Ccy"] = attributes.get("Ccy", "")

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, name: str) -> None:
        local = self.path[-1]
        value = "".join(self.text).strip()
        self.text = []
        path = self.path
        if self.entry is None:
            if path[-4:] == ["Stmt", "Acct", "Id", "IBAN"]:
                self._account("IBAN", value)
            elif path[-5:] == ["Stmt", "Acct", "Id", "Othr", "Id"]:
                self._account("Othr", value)
        elif local == "Ntry":
            self.entries.append(
                (
                    self.entry_line,
                    self.entry,
                    self.entry_start,
                    self.parser.CurrentByteIndex,
                    self.account or self.account_problem,
                )
            )
            self.entry = None
        else:
            self._entry_field(path, local, value)
        path.pop()

    def _account(self, local: str, value: str) -> None:
        try:
            if local == "IBAN":
                self.account = iban_account(value)
            elif local == "Othr":
                self.account = other_account(value)
        except RowError as error:
            self.account_problem = str(error)

    def _entry_field(self, path: list[str], local: str, value: str) -> None:
        entry = self.entry
        assert entry is not None
        parent = path[-2] if len(path) >= 2 else ""
        if parent == "Ntry" and local in ("Amt", "CdtDbtInd", "AcctSvcrRef", "NtryRef"):
            entry[local] = value
        elif parent == "Ntry" and local == "AddtlNtryInf":
            entry.setdefault("Ustrd", value)
        elif local in ("Dt", "DtTm") and parent == "BookgDt":
            entry["BookgDt"] = value[:10]
        elif local == "Ustrd":
            entry["Ustrd"] = f"{entry['Ustrd']} {value}" if entry.get("Ustrd") else value
        elif local == "Nm" and ("Cdtr" in path[-3:] or "Dbtr" in path[-3:]):
            side = "Cdtr" if "Cdtr" in path[-3:] else "Dbtr"
            entry.setdefault(side, value)
        elif local == "Cd" and parent == "Fmly":
            entry["Fmly"] = value
        elif local == "SubFmlyCd":
            entry["SubFmly"] = value
        elif local == "Cd" and parent == "Prtry" and "BkTxCd" in path:
            entry.setdefault("Prtry", value)

    def refuse_doctype(self, *args: object) -> None:
        raise RowError("the file declares a document type (DOCTYPE), which is not accepted")

    def refuse_entity(self, *args: object) -> None:
        raise RowError("the file declares entities, which are not accepted")


def parse_camt053(data: IO[bytes]) -> Iterator[Row | Problem]:
    """An ISO 20022 camt.053 bank-to-customer statement (any version): one Row for each entry
    (Ntry) of each statement (Stmt), for the statement's account (Acct/Id: a UK IBAN, or a
    sort code and account number as Othr/Id). Read with expat a chunk at a time; a document
    type or entity declaration is refused (no external entities, no entity expansion)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    handlers = _Camt(parser)
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.data
    parser.StartDoctypeDeclHandler = handlers.refuse_doctype
    parser.EntityDeclHandler = handlers.refuse_entity
    parser.ExternalEntityRefHandler = handlers.refuse_entity  # type: ignore[assignment]
    parser.buffer_text = True
    kept = b""  # the bytes from the start of the entry being read, for a rejected entry's raw
    kept_from = 0
    fed = 0
    first = True
    while True:
        chunk = data.read(_CHUNK)
        if first:
            first = False
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
                fed = kept_from = 0
        final = not chunk
        kept += chunk
        try:
            parser.Parse(chunk, final)
        except RowError as error:
            yield Problem(parser.CurrentLineNumber, str(error), fatal=True)
            return
        except xml.parsers.expat.ExpatError as error:
            reason = xml.parsers.expat.ErrorString(error.code)
            if "invalid token" in reason:
                reason += " (a byte that is not UTF-8 gives this too: save the file as UTF-8)"
            yield Problem(
                error.lineno,
                f"the file is not well-formed XML at line {error.lineno}, column "
                f"{error.offset + 1}: {reason}",
                fatal=True,
            )
            return
        fed += len(chunk)
        for number, entry, start, end, where in handlers.entries:
            if isinstance(where, str):
                why = where or (
                    "the statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id) before "
                    "its entries"
                )
                yield Problem(number, why, _entry_raw(kept, start - kept_from, end - kept_from))
                continue
            try:
                yield _camt_row(number, where, entry)
            except RowError as error:
                yield Problem(
                    number, str(error), _entry_raw(kept, start - kept_from, end - kept_from)
                )
        handlers.entries.clear()
        keep_from = handlers.entry_start if handlers.entry is not None else fed
        kept = kept[keep_from - kept_from :]
        kept_from = keep_from
        if final:
            break
    if handlers.statements == 0:
        yield Problem(
            parser.CurrentLineNumber,
            "the file has no statement (BkToCstmrStmt/Stmt): is it camt.053?",
            fatal=True,
        )


def _entry_raw(kept: bytes, start: int, end: int) -> str:
    """An entry's XML, from its start tag to the end of its end tag."""
    close = kept.find(b">", end)
    return kept[start : close + 1].decode("utf-8", errors="replace")[:MAX_RAW]


def _camt_row(number: int, where: tuple[str, str], entry: dict[str, str]) -> Row:
    if "Amt" not in entry:
        raise RowError("the entry has no amount (Amt)")
    currency(entry.get("Ccy", ""))
    amount = pence(entry["Amt"], field="Amt", example="12.50")
    if amount <= 0:
        raise RowError(f"Amt {entry['Amt']} is not above 0.00: CdtDbtInd says which way")
    indicator = entry.get("CdtDbtInd", "")
    if indicator not in ("CRDT", "DBIT"):
        raise RowError(f"CdtDbtInd {indicator or 'is missing'}: it must be CRDT or DBIT")
    if "BookgDt" not in entry:
        raise RowError("the entry has no booking date (BookgDt/Dt)")
    bank_reference = entry.get("AcctSvcrRef") or entry.get("NtryRef", "")
    if not bank_reference:
        raise RowError("the entry has no reference: AcctSvcrRef or NtryRef")
    if indicator == "CRDT":
        direction = IN
        kind = Kind.REFUND.value if entry.get("SubFmly") == "RRTN" else Kind.CREDIT.value
        counterparty = entry.get("Dbtr", "")
    else:
        direction = OUT
        kind = _SUB_FAMILIES.get(
            entry.get("SubFmly", ""), _FAMILIES.get(entry.get("Fmly", ""), Kind.TRANSFER.value)
        )
        counterparty = entry.get("Cdtr", "")
    return Row(
        line_number=number,
        sort_code=where[0],
        account_number=where[1],
        bank_reference=reference(bank_reference, field="AcctSvcrRef"),
        booked_on=booking_date(entry["BookgDt"], field="BookgDt"),
        direction=direction,
        kind=kind,
        amount=amount,
        description=_text(entry.get("Ustrd", ""), MAX_DESCRIPTION),
        counterparty=_text(counterparty, MAX_NAME),
        merchant=_text(counterparty, MAX_NAME) if kind == Kind.CARD.value else "",
    )


PARSERS = {
    Format.CSV: parse_bank_csv,
    Format.CAMT053: parse_camt053,
    Format.CARD: parse_card_csv,
}


def parse(data: IO[bytes], format: str) -> Iterator[Row | Problem]:
    """Rows and problems of a file in one of the formats (`models.Format`)."""
    if format not in PARSERS:
        raise ValueError(f"Unknown statement format {format!r}")
    return PARSERS[Format(format)](data)


def rows_only(items: Iterable[Row | Problem]) -> list[Row]:
    """The rows of a parse that had no problem (for tests and small files)."""
    rows = []
    for item in items:
        if isinstance(item, Problem):
            raise ValueError(f"line {item.line_number}: {item.reason}")
        rows.append(item)
    return rows
