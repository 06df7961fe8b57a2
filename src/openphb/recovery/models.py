"""Recovering direct-payment money: repayment notices on the six grounds the regulations
allow, what was recovered (repaid, or offset against the next payments) and reconsideration.

A notice states the ground, the reasons, the amount, the deadline and who must pay. It is
issued by a member of staff who acts for the budget's commissioner; the person (or whoever
must pay) may ask for it to be reconsidered, and somebody other than who issued it decides.
Money recovered by repayment goes back to the commissioner's allocation through the ledger;
an offset is recorded for the payment runs (`payments.Offset`), which reduce later payments by
it. Every change of status is a `NoticeEvent` row (append-only) with who and when.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from openphb.budgets.models import Budget
from openphb.ledger.models import Transaction

USER = settings.AUTH_USER_MODEL


class Ground(models.TextChoices):
    """The six grounds on which repayment may be required."""

    PLAN_CHANGED = "plan_changed", "The care plan changed"
    CIRCUMSTANCES_CHANGED = "circumstances_changed", "The person's circumstances changed"
    UNUSED = "unused", "A substantial amount has built up unused"
    OUTSIDE_PLAN = "outside_plan", "Money was used for something not in the care plan"
    THEFT_OR_FRAUD = "theft_or_fraud", "Theft or fraud"
    DEATH = "death", "The person has died"


class Method(models.TextChoices):
    REPAYMENT = "repayment", "Repay the money"
    OFFSET = "offset", "Take it off the next payments"


class PayerKind(models.TextChoices):
    PERSON = "person", "The person"
    REPRESENTATIVE = "representative", "Their representative"
    NOMINEE = "nominee", "Their nominee"
    ESTATE = "estate", "Their estate"


class Status(models.TextChoices):
    ISSUED = "issued", "Issued: waiting for repayment"
    RECONSIDERING = "reconsidering", "Being reconsidered"
    RECOVERED = "recovered", "Recovered in full"
    WITHDRAWN = "withdrawn", "Withdrawn"


# status -> the statuses a notice may move to from it (the one table of allowed moves). A
# reconsideration that reduces the amount leaves the notice issued with the new amount.
MOVES: dict[str, frozenset[str]] = {
    Status.ISSUED: frozenset({Status.RECONSIDERING, Status.RECOVERED, Status.WITHDRAWN}),
    Status.RECONSIDERING: frozenset({Status.ISSUED, Status.WITHDRAWN}),
    Status.RECOVERED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


class Notice(models.Model):
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(max_length=24, choices=Ground.choices)
    reasons = models.TextField()
    amount = models.BigIntegerField(help_text="Pence to be recovered (after any reconsideration).")
    amount_first = models.BigIntegerField(help_text="Pence the notice first asked for.")
    deadline = models.DateField()
    method = models.CharField(max_length=12, choices=Method.choices)
    payer_kind = models.CharField(max_length=16, choices=PayerKind.choices)
    payer_name = models.CharField(max_length=200)
    flag = models.ForeignKey(
        "monitoring.Flag", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ISSUED)
    issued_on = models.DateField()
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    issued_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="notice_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount__lte=models.F("amount_first")),
                name="notice_never_asks_for_more",
            ),
        ]

    def __str__(self) -> str:
        return f"Repayment notice ({self.get_ground_display()})"


class Recovery(models.Model):
    """Money recovered against a notice: repaid (posted to the ledger) or offset (recorded for
    the payment runs)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="recoveries")
    method = models.CharField(max_length=12, choices=Method.choices)
    amount = models.BigIntegerField()
    on = models.DateField()
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offset = models.OneToOneField(
        "payments.Offset", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.amount}p"


class Reconsideration(models.Model):
    """Whoever must pay asks for the notice to be looked at again; somebody other than who
    issued it decides: upheld, amount reduced, or withdrawn."""

    class Verdict(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "Notice upheld"
        REDUCED = "reduced", "Amount reduced"
        WITHDRAWN = "withdrawn", "Notice withdrawn"

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="reconsiderations")
    grounds = models.TextField()
    requested_on = models.DateField()
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    requested_by_label = models.CharField(max_length=150)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, default=Verdict.OPEN)
    reasons = models.TextField(blank=True)
    new_amount = models.BigIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice"], condition=Q(verdict="open"), name="one_open_notice_review"
            )
        ]

    def __str__(self) -> str:
        return f"Reconsideration ({self.get_verdict_display()})"


class NoticeEvent(models.Model):
    """A notice's change of status (append-only)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} to {self.to_status} by {self.by_label}"
