"""Statements from banks and prepaid-card providers: the transactions on the accounts that
direct payments are paid into, matched to budgets, payments and plan items.

A file is imported once (`StatementImport.sha256` is unique); each transaction once per account
(`one_line_per_bank_reference`: the account's sort code and number and the bank's own
reference), so importing the same file, or an overlapping one, adds nothing. A line is matched
to a budget by its account (the verified bank details of the budget's direct payment); money
in is reconciled to the payment-run payment whose reference it carries; money out is matched to
a plan item (a budget line) by the commissioner's rules on payee, merchant and merchant
category, and its spending is posted to the ledger (held to spent) when it is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from openphb.budgets.models import Budget, BudgetLine, Category
from openphb.ledger.models import Transaction
from openphb.organisations.models import Organisation

USER = settings.AUTH_USER_MODEL


class Format(models.TextChoices):
    CSV = "csv", "Bank statement CSV"
    CAMT053 = "camt053", "ISO 20022 camt.053 XML"
    CARD = "card", "Prepaid-card feed CSV"


class StatementImport(models.Model):
    """One file, imported once."""

    format = models.CharField(max_length=8, choices=Format.choices)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    size_bytes = models.BigIntegerField()
    skip_invalid = models.BooleanField(
        default=False, help_text="Valid rows were imported and the others rejected."
    )
    lines_read = models.PositiveIntegerField(default=0)
    lines_added = models.PositiveIntegerField(default=0)
    lines_known = models.PositiveIntegerField(
        default=0, help_text="Transactions already imported from another file."
    )
    lines_rejected = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    imported_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_format_display()})"


class Rejected(models.Model):
    """A row of a file imported with `skip_invalid` that was not imported, and why."""

    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.CASCADE, related_name="rejects"
    )
    line_number = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    raw = models.TextField(help_text="The row as it was in the file.")

    class Meta:
        ordering = ["statement_import", "line_number"]

    def __str__(self) -> str:
        return f"Line {self.line_number}: {self.reason}"


class Direction(models.TextChoices):
    IN = "in", "Money in"
    OUT = "out", "Money out"


class Kind(models.TextChoices):
    CREDIT = "credit", "Money paid in"
    TRANSFER = "transfer", "Transfer or payment"
    DIRECT_DEBIT = "direct_debit", "Direct debit or standing order"
    CARD = "card", "Card purchase"
    CASH = "cash", "Cash withdrawal"
    FEE = "fee", "Bank or card fee"
    REFUND = "refund", "Refund"
    OTHER = "other", "Other"


class Match(models.TextChoices):
    """What matching made of a line."""

    NO_ACCOUNT = "no_account", "Account not known: no verified direct payment pays into it"
    RECONCILED = "reconciled", "Money in: matched to the payment that was made"
    UNMATCHED_CREDIT = "unmatched_credit", "Money in: no payment carries its reference"
    PLANNED = "planned", "Money out: matched to an item in the plan"
    NOT_IN_PLAN = "not_in_plan", "Money out: not matched to anything in the plan"


class StatementLine(models.Model):
    """One transaction on an account, as the bank or card provider reported it (amounts in
    pence, always positive; `direction` says which way)."""

    # Foreign keys without an index of their own: `statement_line_import` and
    # `statement_line_budget` begin with theirs, and nothing looks lines up by plan line or
    # rule (neither is ever deleted). Each index costs every line of a national month.
    statement_import = models.ForeignKey(
        StatementImport, on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    line_number = models.PositiveIntegerField(help_text="Where it was in the file.")
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    bank_reference = models.CharField(max_length=64, help_text="The bank's own id for it.")
    booked_on = models.DateField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.BigIntegerField()
    description = models.CharField(max_length=200, blank=True)
    counterparty = models.CharField(max_length=140, blank=True, help_text="Payee or payer.")
    merchant = models.CharField(max_length=140, blank=True)
    mcc = models.CharField(max_length=4, blank=True, help_text="Merchant category code.")
    balance_after = models.BigIntegerField(null=True, blank=True)
    # What matching made of it.
    budget = models.ForeignKey(
        Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    match = models.CharField(max_length=16, choices=Match.choices, blank=True)
    payment = models.OneToOneField(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    line = models.ForeignKey(
        BudgetLine,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The plan item (budget line) money out was matched to.",
    )
    rule = models.ForeignKey(
        "MatchRule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    transaction = models.OneToOneField(
        Transaction,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ledger transaction posting this spending (held to spent).",
    )

    class Meta:
        ordering = ["booked_on", "id"]
        indexes = [
            models.Index(fields=["budget", "booked_on"], name="statement_line_budget"),
            models.Index(fields=["statement_import", "id"], name="statement_line_import"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sort_code", "account_number", "bank_reference"],
                name="one_line_per_bank_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="statement_amount_positive"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.direction == Direction.IN else "-"
        return f"{self.booked_on:%d %b %Y} {sign}{self.amount}p {self.description}"

    @property
    def masked_account(self) -> str:
        """The account, masked as payments.BankDetails.masked shows bank details."""
        return f"{self.sort_code[:2]}-**-** ****{self.account_number[-4:]}"


class RuleField(models.TextChoices):
    COUNTERPARTY = "counterparty", "Payee name contains"
    MERCHANT = "merchant", "Merchant name contains"
    MCC = "mcc", "Merchant category code is"


class MatchRule(models.Model):
    """A commissioner's rule saying which plan category money out belongs to: by payee, by
    merchant or by merchant category code (one code, or a range such as 8041-8049)."""

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(max_length=16, choices=RuleField.choices)
    pattern = models.CharField(max_length=100)
    category = models.CharField(max_length=16, choices=Category.choices)
    note = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["commissioner", "field", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "field", "pattern"],
                condition=Q(active=True),
                name="one_active_rule_per_pattern",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.pattern!r}: {self.get_category_display()}"
