"""Monitoring how direct payments are used: flags with a code, a severity and a plain
explanation, raised from the statements and the budget's own facts, and the worklist where a
coordinator or finance officer resolves or dismisses each with a note.

The checks themselves are pure (`rules.py`). A flag is raised once for what it is about: one
per statement line and code, or one per budget, code and period for the flags about a budget
as a whole (`one_flag_per_subject`), so checking again adds nothing. What happened to a flag is
a `FlagEvent` row (append-only), with who and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from openphb.budgets.models import Budget
from openphb.organisations.models import Organisation
from openphb.statements.models import StatementLine

USER = settings.AUTH_USER_MODEL


class Code(models.TextChoices):
    EXCLUDED_CATEGORY = "excluded_category", "Purchase in a category a budget cannot buy"
    CASH_ABOVE_POLICY = "cash_above_policy", "Cash withdrawn above the policy"
    NOT_IN_PLAN = "not_in_plan", "Spending not in the plan"
    FAMILY_PAYEE = "family_payee", "Paid to a family or household member without approval"
    ACCUMULATING = "accumulating", "Unused money building up"
    NO_SPENDING = "no_spending", "No spending for a long time"
    CATEGORY_OVERSPENT = "category_overspent", "More spent in a category than the plan gives"
    AFTER_DEATH = "after_death", "Spending after the person's death"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Flag(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=24, choices=Code.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    explanation = models.TextField(help_text="In plain English, for staff and the person.")
    statement_line = models.ForeignKey(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(
        max_length=16,
        blank=True,
        help_text="For a flag about the budget as a whole: the period it is about (YYYY-MM).",
    )
    amount = models.BigIntegerField(null=True, blank=True, help_text="Pence, where one applies.")
    found_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-found_on", "-id"]
        indexes = [models.Index(fields=["status", "budget"], name="flag_status_budget")]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "statement_line"],
                condition=Q(statement_line__isnull=False),
                name="one_flag_per_line",
            ),
            models.UniqueConstraint(
                fields=["code", "budget", "period"],
                condition=Q(statement_line__isnull=True),
                name="one_flag_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.get_status_display()})"


class FlagEvent(models.Model):
    """A flag resolved, dismissed or reopened, with a note (append-only)."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} to {self.to_status} by {self.by_label}"


class MonitoringPolicy(models.Model):
    """A commissioner's thresholds, effective-dated and append-only: the one in force on a date
    is the latest that started on or before it; with none, the defaults below apply."""

    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    cash_limit_per_month = models.BigIntegerField(
        default=10_000, help_text="Pence of cash a month before a flag (default £100)."
    )
    accumulation_months = models.PositiveSmallIntegerField(
        default=3, help_text="A balance above this many months of payments is flagged."
    )
    idle_days = models.PositiveSmallIntegerField(
        default=90, help_text="No spending for this many days is flagged."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["commissioner", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "starts_on"], name="one_monitoring_policy_a_day"
            ),
            models.CheckConstraint(
                condition=Q(cash_limit_per_month__gte=0), name="cash_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Monitoring policy from {self.starts_on:%d %b %Y}"
