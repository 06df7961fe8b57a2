"""/api/v1/accounts and /api/v1/transactions: the ledger, in integer pence, as far as the caller
may read it (budgets.selectors.accounts_visible_to decides which accounts that is)."""

import datetime

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.budgets.selectors import accounts_visible_to, transactions_visible_to
from openphb.core.csv import csv_text
from openphb.ledger.models import Account, Leg, Transaction
from openphb.ledger.selectors import Statement, balance_on, statement

accounts = Router(tags=["ledger"])
transactions = Router(tags=["ledger"])

# Staff who keep the books read their organisations' accounts; a budget holder their own.
READERS = (Capability.VIEW_LEDGER, Capability.VIEW_OWN_RECORD)


def _reader(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not any(user.can(capability) for capability in READERS):
        raise HttpError(403, "Your role cannot do this.")
    return user


def _account(request: HttpRequest, account_id: int) -> Account:
    """An account the caller may read; Account.DoesNotExist (a 404) for anyone else's."""
    return accounts_visible_to(user=_reader(request)).get(pk=account_id)


class AccountOut(Schema):
    id: int
    name: str
    kind: str
    owner_kind: str = Field(..., description="What owns it: 'organisation' or 'budget'")
    owner_id: int
    fund: str = Field(..., description="The funding stream's code")
    purpose: str
    category: str
    currency: str
    minimum_balance: int | None = Field(
        ..., description="Pence the balance may not fall below; empty: no limit"
    )
    balance: int = Field(..., description="Pence, positive on the account's normal side")


@accounts.get("", response=list[AccountOut])
@paginate(PageNumberPagination, page_size=50)
def list_accounts(request: HttpRequest, owner_kind: str = "", fund: str = "", purpose: str = ""):
    """The accounts you may read, with their posted balances."""
    found = accounts_visible_to(user=_reader(request))
    filters = {"owner_kind": owner_kind, "fund": fund, "purpose": purpose}
    return found.filter(**{name: value for name, value in filters.items() if value})


@accounts.get("/{account_id}", response=AccountOut)
def get_account(request: HttpRequest, account_id: int) -> Account:
    return _account(request, account_id)


class BalanceOut(Schema):
    account_id: int
    on: datetime.date | None = Field(..., description="Empty: everything posted so far")
    balance: int = Field(..., description="Pence, positive on the account's normal side")


@accounts.get("/{account_id}/balance", response=BalanceOut)
def get_balance(
    request: HttpRequest, account_id: int, on: datetime.date | None = None
) -> BalanceOut:
    """The balance after everything effective on or before `on` (without it: everything
    posted)."""
    account = _account(request, account_id)
    return BalanceOut(account_id=account.pk, on=on, balance=balance_on(account=account, on=on))


class StatementLineOut(Schema):
    transaction_id: int
    effective_on: datetime.date
    posted_at: datetime.datetime
    kind: str
    description: str
    reference: str
    debit: int
    credit: int
    balance: int = Field(..., description="Pence after this line")
    reverses_id: int | None


class StatementOut(Schema):
    account: AccountOut
    start: datetime.date | None
    end: datetime.date | None
    opening: int = Field(..., description="Pence before `start`")
    closing: int = Field(..., description="Pence after the last line")
    lines: list[StatementLineOut]


def _statement(
    request: HttpRequest,
    account_id: int,
    start: datetime.date | None,
    end: datetime.date | None,
) -> Statement:
    return statement(account=_account(request, account_id), start=start, end=end)


@accounts.get("/{account_id}/statement", response=StatementOut)
def get_statement(
    request: HttpRequest,
    account_id: int,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Statement:
    """Posted lines effective from `start` to `end` (inclusive), oldest first, each with the
    running balance."""
    return _statement(request, account_id, start, end)


STATEMENT_COLUMNS = (
    "effective_on",
    "transaction_id",
    "kind",
    "description",
    "reference",
    "debit_pence",
    "credit_pence",
    "balance_pence",
)


@accounts.get("/{account_id}/statement.csv")
def get_statement_csv(
    request: HttpRequest,
    account_id: int,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> HttpResponse:
    """The same statement as CSV: an opening row, one row a line and a closing row. Text a
    spreadsheet would read as a formula starts with an apostrophe."""
    found = _statement(request, account_id, start, end)
    rows: list[tuple[object, ...]] = [
        (found.start or "", "", "opening", "Opening balance", "", "", "", found.opening)
    ]
    rows.extend(
        (
            line.effective_on,
            line.transaction_id,
            line.kind,
            line.description,
            line.reference,
            line.debit,
            line.credit,
            line.balance,
        )
        for line in found.lines
    )
    rows.append((found.end or "", "", "closing", "Closing balance", "", "", "", found.closing))
    response = HttpResponse(csv_text(STATEMENT_COLUMNS, rows), content_type="text/csv")
    period = "-".join(str(day) for day in (found.start, found.end) if day)
    name = f"account-{found.account.pk}-statement{'-' + period if period else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class LegOut(Schema):
    account_id: int
    account_name: str
    debit: int
    credit: int
    reference: str

    @staticmethod
    def resolve_account_name(leg: Leg) -> str:
        return leg.account.name


class TransactionOut(Schema):
    id: int
    effective_on: datetime.date
    posted_at: datetime.datetime
    kind: str
    description: str
    source_ref: str
    reverses_id: int | None
    posted_by: str
    legs: list[LegOut] = Field(..., description="Only the legs on accounts you may read")

    @staticmethod
    def resolve_legs(transaction: Transaction) -> list[Leg]:
        return transaction.readable_legs  # type: ignore[attr-defined]


@transactions.get("", response=list[TransactionOut])
@paginate(PageNumberPagination, page_size=50)
def list_transactions(
    request: HttpRequest,
    account: int | None = None,
    kind: str = "",
    source_ref: str = "",
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
):
    """Posted transactions touching the accounts you may read, newest first, each with its legs
    on those accounts. `account` is an account id; the dates are inclusive."""
    user = _reader(request)
    readable = accounts_visible_to(user=user)
    found = transactions_visible_to(user=user).prefetch_related(
        Prefetch(
            "legs",
            queryset=Leg.objects.filter(account__in=readable).select_related("account"),
            to_attr="readable_legs",
        )
    )
    if account is not None:
        on_account = Leg.objects.filter(account__in=readable.filter(pk=account))
        found = found.filter(pk__in=on_account.values("transaction_id"))
    if kind:
        found = found.filter(kind=kind)
    if source_ref:
        found = found.filter(source_ref=source_ref)
    if effective_from:
        found = found.filter(effective_on__gte=effective_from)
    if effective_to:
        found = found.filter(effective_on__lte=effective_to)
    return found
