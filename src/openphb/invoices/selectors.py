"""Reading invoices: who may see which, their lines, problems and history, and what a payment
run pays (approved, unpaid invoices of a commissioner, and the budget lines each is paid from).
"""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from openphb.accounts.models import User
from openphb.budgets.models import BudgetLine
from openphb.budgets.selectors import budgets_visible_to
from openphb.organisations.models import Organisation

from .models import OPEN, Invoice, InvoiceEvent, InvoiceLine, InvoiceProblem, Status


def invoices_visible_to(*, user: User) -> QuerySet[Invoice]:
    """Invoices billed to the budgets the user may see (staff: the people their organisations
    answer for; a budget holder: their own budgets and those they represent)."""
    return Invoice.objects.filter(budget__in=budgets_visible_to(user=user))


def invoice_get(*, user: User, pk: int) -> Invoice:
    """One invoice the user may see (Invoice.DoesNotExist otherwise: a 404)."""
    return (
        invoices_visible_to(user=user)
        .select_related("provider", "budget", "budget__patient", "budget__commissioner")
        .get(pk=pk)
    )


def invoices_of_budget(*, user: User, budget_id: int) -> list[Invoice]:
    """A budget's invoices, newest first, if the user may see it."""
    return list(
        invoices_visible_to(user=user)
        .filter(budget_id=budget_id)
        .select_related("provider")
        .order_by("-received_on", "-id")
    )


def invoices_waiting(*, user: User) -> QuerySet[Invoice]:
    """Invoices waiting to be approved or rejected, oldest first: those with problems found
    and those without."""
    return (
        invoices_visible_to(user=user)
        .filter(status__in=OPEN)
        .select_related("provider", "budget__patient")
        .order_by("received_on", "id")
    )


def invoice_lines(*, invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("position"))


def invoice_problems(*, invoice: Invoice) -> list[InvoiceProblem]:
    """What the checks found when they last ran, the invoice's own problems first."""
    return list(invoice.problems.select_related("line").order_by("id"))


def invoice_history(*, invoice: Invoice) -> list[InvoiceEvent]:
    return list(invoice.events.order_by("at", "id"))


# --- For the payment run ----------------------------------------------------------------------


def invoices_payable(*, commissioner: Organisation, on: datetime.date) -> QuerySet[Invoice]:
    """Approved invoices not yet paid, approved by `on`, billed to budgets of `commissioner`,
    oldest first. Their money is already set aside (committed) in the budget."""
    return (
        Invoice.objects.filter(
            status=Status.APPROVED,
            paid_in_run__isnull=True,
            approved_on__lte=on,
            budget__commissioner=commissioner,
        )
        .select_related("provider", "budget")
        .order_by("approved_on", "id")
    )


def invoice_payment_specs(*, invoice: Invoice) -> list[tuple[BudgetLine, int]]:
    """Which of the budget's lines pay the invoice, and how much from each (its lines billing
    the same plan item added together), in the order of the budget's lines. Pay each with
    `budgets.services.budget_pay(..., from_committed=True)`: approval set the money aside; the
    line's way of holding decides where it lands (notional: spent; third party: held)."""
    amounts: dict[str, int] = defaultdict(int)
    for item_ref, amount in invoice.lines.values_list("item_ref", "amount"):
        amounts[item_ref] += amount
    lines = {
        line.item_ref: line
        for line in BudgetLine.objects.filter(
            budget_id=invoice.budget_id, item_ref__in=amounts
        ).select_related("stream")
    }
    missing = sorted(set(amounts) - set(lines))
    if missing:
        raise ValidationError(
            f"Invoice {invoice.invoice_number} bills {', '.join(missing)}, which the budget has "
            "no line for."
        )
    return [(line, amounts[ref]) for ref, line in sorted(lines.items(), key=lambda kv: kv[1].pk)]
