"""/api/v1/budgets/{id}/statement?month=YYYY-MM: a budget's monthly statement, as its page
shows it: money in (and payments made that the bank has not shown yet), money out by category
against what the plan gives for the month (and how that is worked out), the balance at the
start and end (the bank's, or worked out, and which), each transaction, anything flagged and
any repayment notice. For the budget holder (their own budgets and those they represent) and
staff who monitor spending; another budget is a 404. Reading it is audited. Pence."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_open
from openphb.monitoring.selectors import flags_of_budget
from openphb.recovery.models import Notice
from openphb.recovery.selectors import notices_of_budget, outstanding, reference_of
from openphb.statements.selectors import monthly_statement, statement_months
from openphb.statements.statement import Month

from .planning import require

router = Router(tags=["statements"])


class BalanceOut(Schema):
    amount: int
    from_bank: bool = Field(..., description="The bank's own balance (false: worked out)")
    how: str


class RowOut(Schema):
    line_id: int
    booked_on: datetime.date
    what: str
    money_in: int | None
    money_out: int | None
    balance: int
    balance_from_bank: bool
    note: str = Field(..., description="What it was, in plain English")


class PaymentOut(Schema):
    reference: str
    paid_on: datetime.date
    amount: int
    covers: str


class CategoryOut(Schema):
    category: str = Field(..., description="A budget category, or not_in_plan")
    label: str
    planned: int | None = Field(..., description="What the plan gives for the month")
    spent: int
    left: int | None = Field(..., description="planned - spent (negative: spent more)")
    explanation: str = Field(..., description="How the month's figure is worked out")


class FlagOut(Schema):
    code: str
    title: str
    explanation: str
    status: str
    what_happens: str
    amount: int | None
    booked_on: datetime.date | None


class NoticeOut(Schema):
    reference: str
    ground: str
    ground_label: str
    reasons: str
    amount: int
    outstanding: int = Field(..., description="Pence still to pay")
    deadline: datetime.date
    method: str
    payer_name: str
    status: str
    status_label: str
    issued_on: datetime.date

    @staticmethod
    def resolve_reference(notice: Notice) -> str:
        return reference_of(notice)

    @staticmethod
    def resolve_ground_label(notice: Notice) -> str:
        return notice.get_ground_display()

    @staticmethod
    def resolve_outstanding(notice: Notice) -> int:
        return outstanding(notice)

    @staticmethod
    def resolve_status_label(notice: Notice) -> str:
        return notice.get_status_display()


class StatementOut(Schema):
    budget_id: int
    month: str = Field(..., description="YYYY-MM")
    opening: BalanceOut
    closing: BalanceOut
    total_in: int
    total_out: int
    money_in: list[RowOut]
    payments_not_seen: list[PaymentOut] = Field(
        ..., description="Paid this month, not yet on the bank's statement"
    )
    payments_returned: list[PaymentOut]
    categories: list[CategoryOut]
    transactions: list[RowOut]
    unposted: list[int] = Field(
        ..., description="Lines of money out more than was held in their category"
    )
    flags: list[FlagOut]
    notices: list[NoticeOut]


@router.get("/{budget_id}/statement", response=StatementOut)
def get_statement(request: HttpRequest, budget_id: int, month: str = "") -> dict[str, object]:
    """The statement for `month` (YYYY-MM; when left out, this month, or the budget's last
    month if it has ended, or its first if it has not started). A month outside the
    budget's is refused (422) naming the months there are."""
    user = require(request, Capability.VIEW_OWN_RECORD, Capability.MONITOR_SPENDING)
    chosen = Month.parse(month) if month else Month.of(timezone.localdate())
    budget = budget_open(actor=Actor.from_request(request), user=user, pk=budget_id)
    if not month:  # this month, or the budget's nearest to it
        first, last = statement_months(budget=budget)
        chosen = min(max(chosen, first), last)
    statement = monthly_statement(budget=budget, month=chosen)
    return {
        "budget_id": budget.pk,
        "month": str(chosen),
        "opening": statement.opening,
        "closing": statement.closing,
        "total_in": statement.total_in,
        "total_out": statement.total_out,
        "money_in": statement.money_in,
        "payments_not_seen": statement.payments_not_seen,
        "payments_returned": statement.payments_returned,
        "categories": statement.categories,
        "transactions": statement.rows,
        "unposted": statement.unposted,
        "flags": flags_of_budget(budget_id=budget.pk, month=str(chosen)),
        "notices": notices_of_budget(budget_id=budget.pk),
    }
