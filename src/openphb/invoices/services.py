"""Receiving a provider's invoice, checking it against the care plan, approving it (a second
person, never who entered it), rejecting it, and recording that a payment run paid it.

Receiving and approving lock the budget, so the duplicate and quantity checks of two invoices
for one budget never run side by side. Approval runs the checks again, on the day's facts (a
death recorded since, an agreement ended), and sets the money aside in the budget (committed,
per budget line); the payment run pays it from there and calls `invoice_mark_paid`.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets import services as budget_services
from openphb.budgets.models import Budget
from openphb.ledger.models import Transaction
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.planning.models import Provider

from . import rules
from .checking import check
from .models import OPEN, Invoice, InvoiceEvent, InvoiceLine, Status
from .models import is_allowed as move_allowed
from .selectors import invoice_payment_specs

MAX_LINES = 500
MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class LineSpec:
    """A line as the provider billed it: which plan item (`plan-item:KEY`), on which day, how
    many at what unit price (pence)."""

    item_ref: str
    service_date: datetime.date
    quantity: int
    unit_price: int
    description: str = ""


def _today() -> datetime.date:
    return timezone.localdate()


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_acts_for(actor: Actor, commissioner: Organisation) -> None:
    if not acts_for(user=actor.user, organisations=[commissioner], on=_today()):  # type: ignore[arg-type]
        raise ValidationError(f"You do not work for {commissioner.name}, so cannot do this.")


def _locked_budget(budget_id: int) -> Budget:
    return (
        Budget.objects.select_for_update(of=("self",))
        .select_related("commissioner", "patient")
        .get(pk=budget_id)
    )


def _locked(invoice: Invoice) -> tuple[Invoice, Budget]:
    """The invoice and its budget, locked in that order by every service here: the budget
    first, so that checks of two invoices for one budget wait for each other."""
    budget = _locked_budget(invoice.budget_id)
    locked = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=invoice.pk)
    )
    return locked, budget


def _line_errors(lines: list[LineSpec]) -> list[str]:
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        what = f"Line {number}"
        if not line.item_ref.strip() or len(line.item_ref.strip()) > 64:
            errors.append(f"{what}: give the plan item it bills (up to 64 characters).")
        if not isinstance(line.service_date, datetime.date):
            errors.append(f"{what}: give the day of the service.")
        if not _whole(line.quantity) or not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(f"{what}: the quantity is a whole number from 1 to {MAX_QUANTITY:,}.")
        if not _whole(line.unit_price) or line.unit_price <= 0:
            errors.append(f"{what}: the unit price is a whole number of pence above 0.")
        if len(line.description.strip()) > 200:
            errors.append(f"{what}: the description can be at most 200 characters.")
    return errors


@transaction.atomic
def invoice_receive(
    *,
    actor: Actor,
    provider: Provider,
    budget: Budget,
    invoice_number: str,
    issued_on: datetime.date,
    received_on: datetime.date,
    total: int,
    lines: list[LineSpec],
) -> Invoice:
    """Enter a provider's invoice for a notional or third-party budget and check it against
    the care plan. Its problems are recorded with their codes; an invoice with any is
    'checked: problems found', one without is 'received: no problems found'."""
    budget = _locked_budget(budget.pk)
    number = invoice_number.strip()
    lines = list(lines)
    errors: dict[str, str | list[str]] = {}
    if not number or len(number) > 64:
        errors["invoice_number"] = "Give the invoice's number as the provider wrote it."
    if provider.commissioner_id != budget.commissioner_id:
        errors["provider"] = f"{provider.name} is not a provider of {budget.commissioner.name}."
    if received_on < issued_on:
        errors["received_on"] = "An invoice is received on or after the day it was issued."
    elif received_on > _today():
        errors["received_on"] = "The day it was received cannot be in the future."
    if not _whole(total) or total < 0:
        errors["total"] = "The total is a whole number of pence, £0 or more."
    if not lines:
        errors["lines"] = "An invoice bills at least one thing."
    elif len(lines) > MAX_LINES:
        errors["lines"] = f"An invoice has at most {MAX_LINES} lines."
    elif line_errors := _line_errors(lines):
        errors["lines"] = line_errors
    if budget.status != Budget.Status.ACTIVE:
        errors["budget"] = "This budget has ended, so it pays no more invoices."
    if errors:
        raise ValidationError(errors)
    _check_acts_for(actor, budget.commissioner)
    now = timezone.now()
    invoice = Invoice.objects.create(
        provider=provider,
        budget=budget,
        invoice_number=number,
        issued_on=issued_on,
        received_on=received_on,
        total=total,
        status=Status.RECEIVED,
        status_since=now,
        checked_at=now,
        received_by_id=actor.user_id,
        received_by_label=actor.label,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            item_ref=line.item_ref.strip(),
            service_date=line.service_date,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.quantity * line.unit_price,
            description=line.description.strip(),
        )
        for position, line in enumerate(lines, start=1)
    )
    found = check(invoice, budget)
    status = Status.CHECKED if found else Status.RECEIVED
    invoice.status = status
    invoice.save(update_fields=["status"])
    InvoiceEvent.objects.create(
        invoice=invoice,
        to_status=status,
        note=_found_text(found),
        by_id=actor.user_id,
        by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="invoice.received",
        target=invoice,
        patient_id=budget.patient_id,
        summary=f"Invoice {number} from {provider.name} for {format_pence(total)}, "
        f"{len(lines)} lines: {_found_text(found)}"[:300],
        changes={"problems": sorted({problem.code for problem in found})},
    )
    return invoice


def _found_text(found: list[rules.Problem]) -> str:
    if not found:
        return "no problems found"
    hard = sum(1 for problem in found if problem.blocks)
    return f"{len(found)} problems found, {hard} of which block approval"


def _move(invoice: Invoice, to_status: str, actor: Actor, note: str = "") -> InvoiceEvent:
    if not move_allowed(invoice.status, to_status):
        raise ValidationError(
            f"An invoice that is '{Status(invoice.status).label}' cannot become "
            f"'{Status(to_status).label}'."
        )
    event = InvoiceEvent.objects.create(
        invoice=invoice,
        from_status=invoice.status,
        to_status=to_status,
        note=note.strip(),
        by_id=actor.user_id,
        by_label=actor.label,
    )
    invoice.status = to_status
    invoice.status_since = event.at
    invoice.save()
    return event


@transaction.atomic
def invoice_recheck(*, actor: Actor, invoice: Invoice) -> Invoice:
    """Check an invoice waiting for approval again (an agreement recorded since, a duplicate
    rejected, the plan revised), replacing the problems found before."""
    invoice, budget = _locked(invoice)
    if invoice.status not in OPEN:
        raise ValidationError(
            f"Only an invoice waiting for approval is checked again; this one is "
            f"'{Status(invoice.status).label}'."
        )
    _check_acts_for(actor, budget.commissioner)
    found = check(invoice, budget)
    status = Status.CHECKED if found else Status.RECEIVED
    if status != invoice.status:
        _move(invoice, status, actor, _found_text(found))
    audit_record(
        actor=actor,
        action="invoice.checked",
        target=invoice,
        patient_id=budget.patient_id,
        summary=f"Invoice {invoice.invoice_number} checked again: {_found_text(found)}",
        changes={"problems": sorted({problem.code for problem in found})},
    )
    return invoice


def _commitment_key(invoice: Invoice, line_id: int) -> str:
    return f"invoice:{invoice.pk}:line:{line_id}"


@transaction.atomic
def invoice_approve(*, actor: Actor, invoice: Invoice, note: str = "") -> Invoice:
    """Approve an invoice for payment: a named person who did not enter it, for the budget's
    commissioner. The checks run again; a problem that blocks (anything but a price or quantity
    over what the plan approved, or another provider than it names) refuses approval, and the
    others need a written reason in `note`. The money is set aside in the budget's lines."""
    invoice, budget = _locked(invoice)
    if invoice.status not in OPEN:
        raise ValidationError(
            f"Only an invoice waiting for approval can be approved; this one is "
            f"'{Status(invoice.status).label}'."
        )
    if actor.user_id is None:
        raise ValidationError("An invoice is approved by a named person.")
    if actor.user_id == invoice.received_by_id:
        raise ValidationError("You entered this invoice, so somebody else must approve it.")
    _check_acts_for(actor, budget.commissioner)
    found = check(invoice, budget)
    blocking = [problem for problem in found if problem.blocks]
    if blocking:
        raise ValidationError(
            [problem.explanation for problem in blocking]
            + [
                "These stop the invoice being paid: reject it, or check it again once they are "
                "put right."
            ]
        )
    if found and not note.strip():
        raise ValidationError(
            {
                "note": [problem.explanation for problem in found]
                + ["Write why the invoice may be paid all the same."]
            }
        )
    today = _today()
    for line, amount in invoice_payment_specs(invoice=invoice):
        budget_services.budget_commit(
            actor=actor,
            budget=budget,
            line=line,
            amount=amount,
            on=today,
            description=f"Invoice {invoice.invoice_number} from {invoice.provider.name}"[:300],
            idempotency_key=_commitment_key(invoice, line.pk),
        )
    invoice.approved_by_id = actor.user_id
    invoice.approved_on = today
    invoice.approval_note = note.strip()
    _move(invoice, Status.APPROVED, actor, note)
    summary = (
        f"Approved invoice {invoice.invoice_number} from {invoice.provider.name} for "
        f"{format_pence(invoice.total)}"
    )
    if found:
        summary += f", with the problems found ({len(found)}): {note.strip()}"
    audit_record(
        actor=actor,
        action="invoice.approved",
        target=invoice,
        patient_id=budget.patient_id,
        summary=summary[:300],
        changes={"problems": sorted({problem.code for problem in found})},
    )
    return invoice


@transaction.atomic
def invoice_reject(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Reject an invoice waiting for approval, or an approved one not yet paid (the money set
    aside for it goes back to the budget's lines), with the reason the provider will be told."""
    invoice, budget = _locked(invoice)
    if invoice.status not in OPEN | {Status.APPROVED}:
        raise ValidationError(
            f"An invoice that is '{Status(invoice.status).label}' can no longer be rejected."
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is rejected: the provider will be told."})
    _check_acts_for(actor, budget.commissioner)
    if invoice.status == Status.APPROVED:
        keys = [
            _commitment_key(invoice, line.pk) for line, _ in invoice_payment_specs(invoice=invoice)
        ]
        for posted in Transaction.objects.filter(idempotency_key__in=keys).order_by("pk"):
            budget_services.budget_reverse(
                actor=actor,
                budget=budget,
                posted=posted,
                on=_today(),
                reason=f"Invoice {invoice.invoice_number} rejected",
            )
    invoice.rejection_reason = reason.strip()
    _move(invoice, Status.REJECTED, actor, reason)
    audit_record(
        actor=actor,
        action="invoice.rejected",
        target=invoice,
        patient_id=budget.patient_id,
        summary=f"Rejected invoice {invoice.invoice_number} from {invoice.provider.name}: "
        f"{reason.strip()}"[:300],
    )
    return invoice


@transaction.atomic
def invoice_mark_paid(
    *,
    actor: Actor,
    invoice: Invoice,
    run_id: int,
    on: datetime.date,
    transaction_id: str | int,
) -> Invoice:
    """Record that payment run `run_id` paid an approved invoice on `on` (`transaction_id`: the
    run's reference for the payment, kept as text). Marking it paid again by the same run, with
    the same reference, changes nothing; by another run it is refused: an invoice is paid once."""
    if not _whole(run_id) or run_id <= 0:
        raise ValidationError({"run_id": "Give the id of the payment run."})
    reference = str(transaction_id).strip()
    if not reference or len(reference) > 64:
        raise ValidationError({"transaction_id": "Give the payment's reference (up to 64)."})
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("provider", "budget", "budget__commissioner")
        .get(pk=invoice.pk)
    )
    if invoice.status == Status.PAID:
        if invoice.paid_in_run == run_id and invoice.transaction_id == reference:
            return invoice
        raise ValidationError(
            f"Invoice {invoice.invoice_number} was paid already, by payment run "
            f"{invoice.paid_in_run} on {invoice.paid_on:%-d %B %Y} ({invoice.transaction_id})."
        )
    if invoice.status != Status.APPROVED:
        raise ValidationError(
            f"Only an approved invoice is paid; this one is '{Status(invoice.status).label}'."
        )
    if invoice.approved_on is not None and on < invoice.approved_on:
        raise ValidationError({"on": "An invoice is paid on or after the day it was approved."})
    _check_acts_for(actor, invoice.budget.commissioner)
    invoice.paid_in_run = run_id
    invoice.paid_on = on
    invoice.transaction_id = reference
    _move(invoice, Status.PAID, actor, f"Paid in payment run {run_id} ({reference})")
    audit_record(
        actor=actor,
        action="invoice.paid",
        target=invoice,
        patient_id=invoice.budget.patient_id,
        summary=f"Invoice {invoice.invoice_number} from {invoice.provider.name}: "
        f"{format_pence(invoice.total)} paid in payment run {run_id} on {on:%-d %b %Y}",
    )
    return invoice
