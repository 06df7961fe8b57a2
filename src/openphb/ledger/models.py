"""A double-entry ledger in integer pence that the database keeps honest.

An `Account` belongs to an owner (an organisation, a budget: the ledger does not know which
kind of thing, only its kind and id), to one fund (a funding stream's code) and, optionally,
to a spending category. A `Transaction` has two or more `Leg`s, each a positive debit or a
positive credit. Its legs are written first, in the same database transaction, and inserting
the transaction row is posting it: the database then checks that debits equal credits within
each fund and adds the legs to the accounts' running totals. From then on neither the
transaction nor its legs can change, and no leg can join it: a correction is a reversal.

The running totals (`debits`, `credits`) are kept by the database's triggers, and a check
constraint holds a protected account's balance at or above its minimum: two writers can never
overdraw an account between them, whatever the application does (see
docs/decisions/0006-our-own-ledger.md).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AccountKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    INCOME = "income", "Income"
    EXPENSE = "expense", "Expense"
    EQUITY = "equity", "Equity"


# A debit raises these accounts' balances; a credit raises the others'.
DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})

CURRENCY = "GBP"


class Account(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=AccountKind.choices)
    owner_kind = models.CharField(max_length=32, help_text="What owns it: 'organisation', ...")
    owner_id = models.BigIntegerField()
    fund = models.CharField(max_length=32, help_text="The funding stream's code.")
    purpose = models.CharField(max_length=32, help_text="Its role for the owner: 'allocation', ...")
    category = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, default=CURRENCY)
    minimum_balance = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Pence the balance may not fall below (0: never negative; -N: an overdraft "
        "of N); empty: no limit.",
    )
    debits = models.BigIntegerField(default=0, help_text="Posted debits, kept by the database.")
    credits = models.BigIntegerField(default=0, help_text="Posted credits, kept by the database.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_kind", "owner_id", "fund", "purpose", "category"],
                name="ledger_account_once",
            ),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="ledger_account_gbp"),
            models.CheckConstraint(
                condition=Q(debits__gte=0, credits__gte=0), name="ledger_account_totals_positive"
            ),
            models.CheckConstraint(
                condition=Q(minimum_balance__isnull=True)
                | Q(kind__in=sorted(DEBIT_NORMAL), debits__gte=F("credits") + F("minimum_balance"))
                | (
                    ~Q(kind__in=sorted(DEBIT_NORMAL))
                    & Q(credits__gte=F("debits") + F("minimum_balance"))
                ),
                name="ledger_account_not_below_minimum",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL

    @property
    def balance(self) -> int:
        """Posted balance in pence, positive on the account's normal side."""
        return self.signed(self.debits, self.credits)

    def signed(self, debits: int, credits: int) -> int:
        return debits - credits if self.debit_normal else credits - debits


class Transaction(models.Model):
    effective_on = models.DateField(help_text="The date the money moved, for balances.")
    posted_at = models.DateTimeField(default=timezone.now, help_text="When it was posted.")
    kind = models.CharField(max_length=32, help_text="What it records: 'allocation', ...")
    description = models.CharField(max_length=300)
    source_ref = models.CharField(
        max_length=100, blank=True, help_text="What it came from, e.g. 'budget:12'."
    )
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the content, to tell a true retry from a clash."
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    posted_by = models.CharField(max_length=150, help_text="Who posted it (a username or job).")

    class Meta:
        ordering = ["effective_on", "id"]
        indexes = [
            models.Index(fields=["source_ref"], name="ledger_transaction_source"),
            models.Index(fields=["effective_on", "id"], name="ledger_transaction_date"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.description}"


class Leg(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    # No index of its own: the (account, transaction) index below serves every lookup by account.
    # No row-by-row foreign key either: posting checks every leg's account exists, set-wise,
    # and accounts are never deleted (integrity.py), which lets a batch of millions post fast.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="legs", db_index=False, db_constraint=False
    )
    debit = models.BigIntegerField(default=0)
    credit = models.BigIntegerField(default=0)
    reference = models.CharField(
        max_length=64, blank=True, help_text="What within the owner it is for, e.g. 'line:7'."
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["account", "transaction"], name="ledger_leg_account")]
        constraints = [
            models.CheckConstraint(
                condition=Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0),
                name="ledger_leg_one_positive_side",
            )
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{side} {self.account_id}"
