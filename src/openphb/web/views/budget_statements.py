"""A budget's monthly statement, for the budget holder (their own budgets and those of the
people they represent; anyone else's is a 404) and for staff who monitor spending (the budgets
of people they may see): money in, money out by category against the plan, the balance,
each transaction, and anything flagged and any repayment notice, in plain English; a month
picker, and the same as a PDF letter."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budget_open
from openphb.ledger.services import format_pence
from openphb.monitoring.selectors import HolderFlag, flags_of_budget
from openphb.recovery.models import Method, Status
from openphb.recovery.selectors import notices_of_budget, outstanding, reference_of
from openphb.statements.selectors import monthly_statement, statement_months
from openphb.statements.statement import Month, MonthlyStatement

from .common import signed_in


def may_read(user: User) -> bool:
    return user.can(Capability.VIEW_OWN_RECORD) or user.can(Capability.MONITOR_SPENDING)


@dataclass(frozen=True)
class NoticeSummary:
    """A repayment notice as the statement says it: what it asks, and, in words that follow
    how the money is recovered (paid back, or taken off the next payments), a heading and
    where it has got to."""

    reference: str
    ground: str
    reasons: str
    amount: int
    outstanding: int
    deadline: datetime.date
    offset: bool  # taken off the next payments, not paid back
    payer: str
    status: str  # a Status value
    issued_on: datetime.date
    whose: str  # 'your', or the person's first name with 's, for staff
    own: bool

    @property
    def open(self) -> bool:
        return self.status in (Status.ISSUED, Status.RECONSIDERING)

    @property
    def heading(self) -> str:
        owed = format_pence(self.outstanding)
        if self.status == Status.RECONSIDERING:
            return f"A repayment notice is being looked at again ({owed})"
        if self.offset:
            return f"{owed} will be taken off {self.whose} next payments"
        if self.own:
            return f"Please pay back {owed} by {self.deadline:%-d %B %Y}"
        return f"{self.payer} has been asked to pay back {owed} by {self.deadline:%-d %B %Y}"

    @property
    def asked(self) -> str:
        """What was decided, in a sentence."""
        owed = format_pence(self.outstanding)
        if self.outstanding != self.amount:
            owed += f" (of {format_pence(self.amount)})"
        if self.offset:
            return (
                f"On {self.issued_on:%-d %B %Y} we decided to take {owed} off {self.whose} "
                "direct payments, instead of asking for it to be paid back."
            )
        return (
            f"On {self.issued_on:%-d %B %Y} we asked {self.payer} to pay back {owed} by "
            f"{self.deadline:%-d %B %Y}."
        )

    @property
    def state(self) -> str:
        """Where the notice has got to."""
        if self.status == Status.RECONSIDERING:
            return "We are looking at it again: nothing is taken or needs paying until we decide."
        if self.status == Status.WITHDRAWN:
            return "Withdrawn: nothing to pay."
        if self.status == Status.RECOVERED:
            return "Taken off the payments in full." if self.offset else "Paid back in full."
        if self.offset:
            return (
                "Nothing needs to be paid in: each direct payment after "
                f"{self.deadline:%-d %B %Y} will be smaller until it has all been taken."
            )
        return "Waiting for it to be paid back."


def notices_for(budget: Budget, *, own: bool) -> list[NoticeSummary]:
    whose = "your" if own else f"{budget.patient.given_name}'s"
    return [
        NoticeSummary(
            reference=reference_of(notice),
            ground=notice.get_ground_display(),
            reasons=notice.reasons,
            amount=notice.amount,
            outstanding=outstanding(notice),
            deadline=notice.deadline,
            offset=notice.method == Method.OFFSET,
            payer=notice.payer_name,
            status=notice.status,
            issued_on=notice.issued_on,
            whose=whose,
            own=own,
        )
        for notice in notices_of_budget(budget_id=budget.pk)
    ]


def flags_for(budget: Budget, month: Month) -> list[HolderFlag]:
    return flags_of_budget(budget_id=budget.pk, month=str(month))


def _month(request: HttpRequest) -> Month:
    given = request.GET.get("month", "")
    return Month.parse(given) if given else Month.of(timezone.localdate())


def _context(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The statement and all it says; raises Http404 for a budget the user may not see."""
    user = signed_in(request)
    try:
        # Reading a budget's statement is reading the person's record: scoped, and audited.
        budget = budget_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Budget.DoesNotExist:
        raise Http404("No such budget") from None
    first, last = statement_months(budget=budget)
    own = budget.patient.account_id == user.pk
    context: dict[str, Any] = {
        "budget": budget,
        "patient": budget.patient,
        "own": own,
        "first_month": first,
        "last_month": last,
        "today": timezone.localdate(),
        "notices": notices_for(budget, own=own),
        "staff": not user.can(Capability.VIEW_OWN_RECORD),
    }
    try:
        month = _month(request)
        if "month" not in request.GET:  # this month, or the budget's nearest to it
            month = min(max(month, first), last)
        statement: MonthlyStatement = monthly_statement(budget=budget, month=month)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return context
    page = reverse("web:budget-statement", args=[budget.pk])
    context.update(
        {
            "month": month,
            "statement": statement,
            "flags": flags_for(budget, month),
            "previous": f"{page}?month={month.previous()}" if month > first else None,
            "next": f"{page}?month={month.next()}" if month < last else None,
            "pdf": reverse("web:budget-statement-pdf", args=[budget.pk]) + f"?month={month}",
        }
    )
    return context


def budget_statement(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_read(signed_in(request)):
        return render(request, "403.html", status=403)
    context = _context(request, pk)
    return render(
        request, "statements/monthly.html", context, status=400 if "error" in context else 200
    )


def budget_statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if not may_read(signed_in(request)):
        return render(request, "403.html", status=403)
    context = _context(request, pk)
    if "error" in context:
        return render(request, "statements/monthly.html", context, status=400)
    html = get_template("letters/monthly_statement.html").render(
        {**context, "organisation": context["budget"].commissioner}
    )
    from weasyprint import HTML  # imported when needed: it takes half a second to load

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="statement-{context["budget"].pk}-{context["month"]}.pdf"'
    )
    return response
