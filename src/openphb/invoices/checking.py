"""Running the checks on an invoice: gathering the facts (every approved version of the care
plan that funds the budget, the provider's agreement, the date of death, the budget's other
invoices) for the pure rules in `rules.py`, and recording what they find."""

import datetime

from django.db.models import Q
from django.utils import timezone

from openphb.budgets.models import Budget
from openphb.planning.models import CarePlan, Decision, PlanItem

from . import rules
from .models import LIVE, Invoice, InvoiceLine, InvoiceProblem, Status


def _plan_of(budget: Budget) -> list[rules.PlanVersion]:
    """Every approved version of the care plan that funds the budget."""
    versions = CarePlan.objects.filter(budget_id=budget.pk, approved_on__isnull=False)
    items = PlanItem.objects.filter(plan__in=versions).select_related("provider")
    by_plan: dict[int, dict[str, rules.PlannedItem]] = {}
    for item in items:
        by_plan.setdefault(item.plan_id, {})[item.item_ref] = rules.PlannedItem(
            name=item.name,
            quantity=item.quantity,
            frequency=item.frequency,
            unit_price=item.unit_price,
            holding=item.holding,
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            declined=item.decision == Decision.DECLINED,
            provider_id=item.provider_id,
            provider_name=item.provider.name if item.provider else "",
        )
    return [
        rules.PlanVersion(
            version=plan.version,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            items=by_plan.get(plan.pk, {}),
        )
        for plan in versions
    ]


def _others(invoice: Invoice, refs: set[str]) -> list[rules.Billed]:
    """Lines of the budget's other invoices (not rejected) that bill the same plan items."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__budget_id=invoice.budget_id, invoice__status__in=LIVE, item_ref__in=refs
        )
        .exclude(invoice_id=invoice.pk)
        .values_list(
            "item_ref",
            "service_date",
            "quantity",
            "invoice_id",
            "invoice__status",
            "invoice__invoice_number",
            "invoice__provider__name",
        )
        .order_by("invoice_id", "position")
    )
    return [
        rules.Billed(
            item_ref=ref,
            service_date=day,
            quantity=quantity,
            invoice_number=number,
            provider_name=provider,
            earlier=other_id < invoice.pk or status in (Status.APPROVED, Status.PAID),
        )
        for ref, day, quantity, other_id, status, number, provider in rows
    ]


def _received_before(invoice: Invoice) -> datetime.date | None:
    """When the provider's earlier invoice with the same number (not rejected) arrived."""
    earlier = (
        Invoice.objects.filter(
            provider_id=invoice.provider_id,
            invoice_number=invoice.invoice_number,
            status__in=LIVE,
        )
        .exclude(pk=invoice.pk)
        .filter(Q(pk__lt=invoice.pk) | Q(status__in=[Status.APPROVED, Status.PAID]))
        .order_by("received_on", "pk")
        .first()
    )
    return earlier.received_on if earlier else None


def check(invoice: Invoice, budget: Budget) -> list[rules.Problem]:
    """Run every check on the invoice and record what they find, replacing what an earlier
    check found."""
    provider = invoice.provider
    stored = list(invoice.lines.order_by("position"))
    lines = [
        rules.Line(
            number=line.position,
            item_ref=line.item_ref,
            service_date=line.service_date,
            quantity=line.quantity,
            unit_price=line.unit_price,
            description=line.description,
        )
        for line in stored
    ]
    found = rules.check_invoice(
        invoice_number=invoice.invoice_number,
        total=invoice.total,
        lines=lines,
        agreement=rules.Agreement(
            provider_id=provider.pk,
            provider_name=provider.name,
            status=provider.agreement_status,
            starts_on=provider.agreement_starts_on,
            ends_on=provider.agreement_ends_on,
        ),
        plan=_plan_of(budget),
        date_of_death=budget.patient.date_of_death,
        other_lines=_others(invoice, {line.item_ref for line in stored}),
        received_before_on=_received_before(invoice),
    )
    by_number = {line.position: line for line in stored}
    invoice.problems.all().delete()
    InvoiceProblem.objects.bulk_create(
        InvoiceProblem(
            invoice=invoice,
            line=by_number.get(problem.line) if problem.line else None,
            code=problem.code,
            explanation=problem.explanation,
        )
        for problem in found
    )
    invoice.checked_at = timezone.now()
    invoice.save(update_fields=["checked_at"])
    return found
