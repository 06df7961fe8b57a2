"""A person's personal health budget for a plan period, and the lines (plan items) it funds.

The money is in the ledger, in the budget's own accounts, one set per funding stream and
category (see `budgets.accounts`): `available` (approved, not yet set aside), `committed` (set
aside for a payment that is due), `held` (paid to the person's direct-payment account or a third
party, not yet spent) and `spent`. Each leg names the line it is for. A revision adds
adjustment transactions; nothing here holds an amount that the ledger does not.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.funding.models import FundingStream
from openphb.organisations.models import Organisation


class Category(models.TextChoices):
    PERSONAL_CARE = "personal_care", "Personal care and support"
    THERAPIES = "therapies", "Health therapies"
    EQUIPMENT = "equipment", "Equipment and adaptations"
    BREAKS = "breaks", "Short breaks and respite"
    ACTIVITIES = "activities", "Community and leisure activities"
    TRANSPORT = "transport", "Transport"
    SUPPORT = "support", "Help to manage the budget"


class Holding(models.TextChoices):
    """How the money for a line is held (a person may mix them)."""

    NOTIONAL = "notional", "Notional: the NHS arranges and pays"
    THIRD_PARTY = "third_party", "Third party: an organisation holds it"
    DIRECT_PAYMENT = "direct_payment", "Direct payment: paid to the person's account"


class Budget(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="budgets"
    )
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="budgets")
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    source_ref = models.CharField(
        max_length=100, blank=True, help_text="What approved it, e.g. 'care-plan:12'."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["commissioner", "status"], name="budget_commissioner")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="budget_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"Budget {self.starts_on:%d %b %Y} to {self.ends_on:%d %b %Y}"

    @property
    def ledger_owner(self) -> tuple[str, int]:
        return ("budget", self.pk)


class BudgetLine(models.Model):
    """One plan item the budget funds: what, in which category, from which stream, held how."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="lines")
    item_ref = models.CharField(max_length=64, help_text="The plan item it funds.")
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=Category.choices)
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="+")
    holding = models.CharField(max_length=16, choices=Holding.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "item_ref"], name="budget_line_item_once")
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def reference(self) -> str:
        """How the ledger's legs name this line."""
        return f"line:{self.pk}"
