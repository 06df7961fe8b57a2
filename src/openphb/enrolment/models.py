"""A person's way through a programme from identified to budget live, and the staff time it took.

`Enrolment` holds the current stage and the date each stage was first reached, so that uptake
counts are single aggregate queries; `Move` is the immutable history those dates come from,
and `TimeEntry` the minutes staff spent. Both are append-only (database triggers).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from openphb.programmes.models import Programme, ScreeningRun, Site, WayOfHolding

from .stages import DeclineReason, EndReason, OfferMethod, Stage


class Enrolment(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="enrolments")
    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="enrolments"
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.IDENTIFIED)
    stage_since = models.DateField()
    identified_on = models.DateField()
    identified_by_run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The date each stage was first reached (kept when a person later moves back).
    offered_on = models.DateField(null=True, blank=True)
    offer_method = models.CharField(max_length=16, choices=OfferMethod.choices, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True)
    assessed_on = models.DateField(null=True, blank=True)
    indicative_on = models.DateField(null=True, blank=True)
    plan_agreed_on = models.DateField(null=True, blank=True)
    live_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    way_of_holding = models.CharField(max_length=16, choices=WayOfHolding.choices, blank=True)
    next_action = models.CharField(max_length=200, blank=True)
    next_action_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-stage_since", "-id"]
        indexes = [
            models.Index(fields=["programme", "site", "stage"], name="enrolment_stage"),
            models.Index(fields=["stage", "stage_since"], name="enrolment_waiting"),
            # Offers unanswered for 30 days, per site, counted from the index alone.
            models.Index(
                fields=["programme", "stage", "stage_since", "site"], name="enrolment_unanswered"
            ),
            models.Index(fields=["next_action_due"], name="enrolment_next_action"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "patient"],
                condition=~Q(stage="ended"),
                name="one_open_enrolment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.get_stage_display()}"


class Move(models.Model):
    """One step of the journey: who moved the person, from where to where, when and why."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="moves")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    on = models.DateField(help_text="When it happened (may be before it was recorded).")
    backward = models.BooleanField(default=False)
    offer_method = models.CharField(max_length=16, choices=OfferMethod.choices, blank=True)
    reason = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage} on {self.on}"


class Activity(models.TextChoices):
    OUTREACH = "outreach", "Outreach"
    ASSESSMENT = "assessment", "Assessment"
    PLANNING = "planning", "Planning"
    REVIEW = "review", "Review"
    PAYMENTS = "payments", "Payments administration"
    OTHER = "other", "Other"


class TimeEntry(models.Model):
    """Minutes a member of staff spent on one person's enrolment. Append-only."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="time")
    activity = models.CharField(max_length=16, choices=Activity.choices)
    minutes = models.PositiveIntegerField()
    on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=720), name="time_minutes_1_to_720"
            )
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min {self.activity}"


class UptakeTally(models.Model):
    """One running count of a programme's uptake at one site (see `enrolment.tally`)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=48)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "site", "key"], name="one_tally_each")
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.n}"
