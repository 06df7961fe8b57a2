"""Providers' invoices for notional and third-party budgets, checked against the care plan.

An invoice's lines name the plan items they bill (`plan-item:KEY`, the budget line's
`item_ref`). The checks (`rules.py`) record coded problems, replaced whenever the invoice is
checked again; every change of status is an immutable `InvoiceEvent` with who and when.
Approval sets the money aside in the budget (committed); a payment run pays it and marks the
invoice paid. The run is known here only by its id, so that `payments` depends on `invoices`
and not the other way round.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.budgets.models import Budget
from openphb.planning.models import Provider

from .rules import Code, blocks

USER = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    RECEIVED = "received", "Received: no problems found"
    CHECKED = "checked", "Checked: problems found"
    APPROVED = "approved", "Approved for payment"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"


# status -> the statuses an invoice may move to from it (the one table of allowed moves).
# Checking again moves between received and checked; rejecting an approved invoice releases
# the money set aside for it.
MOVES: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset({Status.CHECKED, Status.APPROVED, Status.REJECTED}),
    Status.CHECKED: frozenset({Status.RECEIVED, Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.PAID, Status.REJECTED}),
    Status.REJECTED: frozenset(),
    Status.PAID: frozenset(),
}
# Waiting for somebody to approve or reject it.
OPEN = frozenset({Status.RECEIVED, Status.CHECKED})
# Counted by the duplicate and quantity checks of other invoices.
LIVE = frozenset({Status.RECEIVED, Status.CHECKED, Status.APPROVED, Status.PAID})


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in MOVES.get(from_status, frozenset())


class Invoice(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="invoices")
    invoice_number = models.CharField(max_length=64, help_text="As the provider numbers it.")
    issued_on = models.DateField()
    received_on = models.DateField()
    total = models.BigIntegerField(help_text="Pence, as the provider states it.")
    status = models.CharField(max_length=12, choices=Status.choices)
    status_since = models.DateTimeField()
    checked_at = models.DateTimeField(help_text="When the checks last ran.")
    received_by = models.ForeignKey(
        USER, null=True, on_delete=models.PROTECT, related_name="+", help_text="Who entered it."
    )
    received_by_label = models.CharField(max_length=150)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    approval_note = models.TextField(
        blank=True, help_text="Why it may be paid despite the problems the checks found."
    )
    rejection_reason = models.TextField(blank=True)
    paid_in_run = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The id of the payment run that paid it."
    )
    paid_on = models.DateField(null=True, blank=True)
    transaction_id = models.CharField(
        max_length=64, blank=True, help_text="The run's reference for the payment."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["status", "budget"], name="invoice_status"),
            models.Index(fields=["provider", "invoice_number"], name="invoice_number"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(received_on__gte=F("issued_on")), name="invoice_received_after_issue"
            ),
            # A second pair of eyes: the database refuses an approver who entered it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(received_by__isnull=True)
                | ~Q(approved_by=F("received_by")),
                name="invoice_approver_not_enterer",
            ),
            models.CheckConstraint(
                condition=Q(status="paid", paid_in_run__isnull=False, paid_on__isnull=False)
                | (~Q(status="paid") & Q(paid_in_run__isnull=True, paid_on__isnull=True)),
                name="invoice_paid_by_a_run",
            ),
            # However two invoices with one number arrive, at most one of them is paid.
            models.UniqueConstraint(
                fields=["provider", "invoice_number"],
                condition=Q(status__in=["approved", "paid"]),
                name="invoice_number_paid_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_number}"


class InvoiceLine(models.Model):
    """One thing the invoice bills: a plan item on a day."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(help_text="Its line number on the invoice, from 1.")
    item_ref = models.CharField(max_length=64, help_text="The plan item (budget line) it bills.")
    service_date = models.DateField()
    quantity = models.PositiveIntegerField()
    unit_price = models.BigIntegerField()
    amount = models.BigIntegerField(help_text="The quantity times the unit price, in pence.")
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["invoice", "position"]
        indexes = [models.Index(fields=["item_ref", "service_date"], name="invoice_line_item")]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="invoice_line_price"),
            models.CheckConstraint(
                condition=Q(amount=F("quantity") * F("unit_price")),
                name="invoice_line_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.position}: {self.description or self.item_ref}"


class InvoiceProblem(models.Model):
    """What a check found, with its code and a plain explanation. Checking again replaces
    them; the events keep who checked, approved or rejected and why."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="problems")
    line = models.ForeignKey(
        InvoiceLine, null=True, blank=True, on_delete=models.CASCADE, related_name="problems"
    )
    code = models.CharField(max_length=20, choices=Code.choices)
    explanation = models.TextField()

    class Meta:
        ordering = ["invoice", "id"]

    def __str__(self) -> str:
        return self.get_code_display()

    @property
    def blocks(self) -> bool:
        return blocks(self.code)


class InvoiceEvent(models.Model):
    """An invoice was received, checked, approved, rejected or paid: who, when and why.
    Append-only."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"
