"""Where budget money comes from: funding streams, their allocations to commissioners, and the
named policies that let a commissioner commit more than it was allocated.

A stream's `code` is its fund in the ledger: every ledger transaction balances within each
fund, so money earmarked for one purpose (the carers' breaks fund) cannot quietly pay for
another. Allocations and policies are records of ledger postings and account limits; the
amounts themselves live in the ledger.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.core.models import TimestampedModel
from openphb.ledger.models import Transaction
from openphb.organisations.models import Organisation


class StreamKind(models.TextChoices):
    CONTINUING_HEALTHCARE = "chc", "NHS continuing healthcare"
    LONG_TERM_CONDITIONS = "ltc", "Long-term conditions"
    ROLLOUT_SUPPORT = "rollout", "National roll-out support fund"
    SOCIAL_CARE = "social_care", "Social-care contribution"
    CARERS_BREAKS = "carers_breaks", "Carers' breaks fund"
    OTHER = "other", "Other"


class FundingStream(TimestampedModel):
    code = models.SlugField(max_length=32, unique=True, help_text="Also its fund in the ledger.")
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=StreamKind.choices)
    funder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="funding_streams"
    )
    envelope = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Pence the funder makes available in all; empty when no total is set.",
    )
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="The last day money from it may be committed."
    )
    ring_fenced = models.BooleanField(
        default=False, help_text="Only for its own purpose; how much reached it is reported."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(envelope__isnull=True) | Q(envelope__gt=0),
                name="stream_envelope_positive",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="stream_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def open_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Allocation(models.Model):
    """Money from a stream's funder to a commissioner, as posted to the ledger. Immutable; a
    withdrawal is a reversal of its transaction."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="allocations")
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.BigIntegerField(help_text="Pence.")
    effective_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="+")
    withdrawal = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.stream} to {self.commissioner}: {self.amount}p"


class OverdraftPolicy(models.Model):
    """A named decision that a commissioner may commit more of a stream than it was allocated,
    up to a limit. While it is in force the allocation account may go down to -limit."""

    name = models.CharField(max_length=200)
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="overdraft_policies"
    )
    stream = models.ForeignKey(
        FundingStream, on_delete=models.PROTECT, related_name="overdraft_policies"
    )
    limit = models.BigIntegerField(help_text="Pence.")
    reason = models.CharField(max_length=500)
    starts_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="overdraft_limit_positive"),
            models.UniqueConstraint(
                fields=["commissioner", "stream"],
                condition=Q(ended_on__isnull=True),
                name="one_overdraft_policy_in_force",
            ),
        ]

    def __str__(self) -> str:
        return self.name
