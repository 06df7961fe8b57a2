"""Direct payments and payment runs.

A budget paid by direct payment has a set-up (who is paid, into what kind of account, the
signed agreement, how often) and bank details that one person enters and another verifies.
Holds suspend or stop payments with reasons and dates. A payment run gathers, for one
commissioner and one payment day, every payment due and every budget skipped (with the
reason); a second finance officer approves it, which posts the payments to the ledger in
committed chunks and writes the Bacs file. A budget's payment for a period is made once: the
database refuses a second (`one_payment_per_period`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.budgets.models import Budget, BudgetLine
from openphb.ledger.models import Transaction
from openphb.organisations.models import Organisation

from . import schedule

USER = settings.AUTH_USER_MODEL


class PayeeKind(models.TextChoices):
    PERSON = "person", "The person themself"
    REPRESENTATIVE = "representative", "Their representative"
    NOMINEE = "nominee", "A nominee they chose"


class AccountType(models.TextChoices):
    DEDICATED = "dedicated", "Dedicated bank account"
    MANAGED = "managed", "Managed account (held by a support organisation)"
    PREPAID_CARD = "prepaid_card", "Prepaid card"


class Frequency(models.TextChoices):
    FOUR_WEEKLY = schedule.FOUR_WEEKLY, "Every 4 weeks, in advance"
    MONTHLY = schedule.MONTHLY, "Every month, in advance"


class DirectPaymentSetup(models.Model):
    budget = models.OneToOneField(Budget, on_delete=models.PROTECT, related_name="direct_payment")
    payee_kind = models.CharField(max_length=16, choices=PayeeKind.choices)
    payee_name = models.CharField(max_length=200)
    account_type = models.CharField(max_length=16, choices=AccountType.choices)
    agreement_signed_on = models.DateField(null=True, blank=True)
    agreement_version = models.CharField(max_length=32, blank=True)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    first_payment_on = models.DateField(help_text="Payments fall due every period from this day.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["budget_id"]

    def __str__(self) -> str:
        return f"Direct payment to {self.payee_name}"


class BankDetails(models.Model):
    """Where money is paid: for a direct payment, or for a provider's invoices. Entered by one
    person and verified (or rejected) by another; only verified details are paid into."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be verified"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    setup = models.ForeignKey(
        DirectPaymentSetup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_details",
    )
    provider = models.ForeignKey(
        "planning.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_details",
    )
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    account_name = models.CharField(max_length=18)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    entered_at = models.DateTimeField(auto_now_add=True)
    entered_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-entered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(setup__isnull=True, provider__isnull=False)
                | Q(setup__isnull=False, provider__isnull=True),
                name="bank_details_for_one_payee",
            ),
            models.UniqueConstraint(
                fields=["setup"], condition=Q(status="pending"), name="one_pending_setup_change"
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status="pending"),
                name="one_pending_provider_change",
            ),
        ]

    def __str__(self) -> str:
        return f"Account ending {self.account_number[-4:]} ({self.get_status_display()})"

    @property
    def masked(self) -> str:
        return f"{self.sort_code[:2]}-**-** ****{self.account_number[-4:]}"


class HoldKind(models.TextChoices):
    SUSPEND = "suspend", "Suspended"
    STOP = "stop", "Stopped"


class HoldReason(models.TextChoices):
    CONSENT_WITHDRAWN = "consent_withdrawn", "The person withdrew their consent"
    USE_OUTSIDE_PLAN = "use_outside_plan", "The money was used for things outside the plan"
    FRAUD = "fraud", "Theft or fraud is suspected"
    NEEDS_NOT_MET = "needs_not_met", "The person's needs are not being met"
    DEATH = "death", "The person died"
    HOSPITAL = "hospital", "The person is in hospital"
    NO_LONGER_ELIGIBLE = "not_eligible", "The person is no longer eligible"
    OTHER = "other", "Another reason"


class Hold(models.Model):
    """From `starts_on` (to `ends_on`) the direct payment is suspended or stopped."""

    setup = models.ForeignKey(DirectPaymentSetup, on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=8, choices=HoldKind.choices)
    reason = models.CharField(max_length=20, choices=HoldReason.choices)
    note = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="hold_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~Q(kind="stop") | Q(ends_on__isnull=True), name="a_stop_does_not_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.starts_on:%d %b %Y}"


class Offset(models.Model):
    """Accumulated unused money that a recovery decision says to use instead of paying: later
    payments are reduced by it, each by at most its own amount."""

    setup = models.ForeignKey(DirectPaymentSetup, on_delete=models.PROTECT, related_name="offsets")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    decided_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="offset_positive")]

    def __str__(self) -> str:
        return f"Offset of {self.amount}p"


class Originator(models.Model):
    """The commissioner's own bank account that payments are made from, and its Bacs service
    user number."""

    commissioner = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="bacs_originator"
    )
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    account_name = models.CharField(max_length=18)
    service_user_number = models.CharField(max_length=6)

    def __str__(self) -> str:
        return f"{self.account_name} (SUN {self.service_user_number})"


class PaymentRun(models.Model):
    class Status(models.TextChoices):
        GATHERED = "gathered", "Waiting for approval"
        APPROVING = "approving", "Being approved"
        APPROVED = "approved", "Approved and paid"
        CANCELLED = "cancelled", "Cancelled"

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    payment_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.GATHERED)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_by_label = models.CharField(max_length=150)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by_label = models.CharField(max_length=150, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    payments_count = models.PositiveIntegerField(default=0)
    payments_total = models.BigIntegerField(default=0)
    serial = models.PositiveIntegerField(null=True, blank=True, unique=True)
    file_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-payment_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "payment_date"],
                condition=~Q(status="cancelled"),
                name="one_run_a_day",
            )
        ]

    def __str__(self) -> str:
        return f"Payment run for {self.payment_date:%d %b %Y}"


class Payment(models.Model):
    class Kind(models.TextChoices):
        REGULAR = schedule.REGULAR, "Regular payment"
        ONE_OFF = schedule.ONE_OFF, "One-off payment"
        INVOICE = "invoice", "Provider invoice"

    class Status(models.TextChoices):
        DUE = "due", "Due"
        PAID = "paid", "Paid"
        RETURNED = "returned", "Returned by the bank"

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="payments")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    item_ref = models.CharField(max_length=64, blank=True)
    amount_due = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    amount = models.BigIntegerField(help_text="What is paid: what was due less any offset.")
    reference = models.CharField(max_length=18, unique=True)
    payee_name = models.CharField(max_length=200)
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    account_name = models.CharField(max_length=18)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE)
    transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_on = models.DateField(null=True, blank=True)
    return_reason = models.CharField(max_length=300, blank=True)
    return_transaction = models.ForeignKey(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["run", "status", "id"], name="payment_run_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "kind", "period_start", "item_ref"],
                name="one_payment_per_period",
            ),
            models.CheckConstraint(
                condition=Q(offset__gte=0) & Q(amount=F("amount_due") - F("offset")),
                name="payment_is_due_less_offset",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.amount}p"


class PaymentLine(models.Model):
    """How much of a payment comes from each budget line."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="line_positive")]

    def __str__(self) -> str:
        return f"{self.amount}p from line {self.line_id}"


class SkipReason(models.TextChoices):
    SUSPENDED = "suspended", "Direct payment suspended"
    STOPPED = "stopped", "Direct payment stopped"
    DECEASED = "deceased", "The person has died"
    BANK_UNVERIFIED = "bank_unverified", "Bank details not verified"
    NO_AGREEMENT = "no_agreement", "No signed direct-payment agreement"
    BUDGET_ENDED = "budget_ended", "The budget has ended"
    NOT_ENOUGH = "not_enough", "The budget has not enough left for what is due"


class Skip(models.Model):
    """A budget the run did not pay, and why."""

    run = models.ForeignKey(PaymentRun, on_delete=models.CASCADE, related_name="skips")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=SkipReason.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["reason", "budget_id"]

    def __str__(self) -> str:
        return self.get_reason_display()
