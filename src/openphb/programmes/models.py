"""Programmes that offer personal health budgets, where they run, and who is eligible.

Eligibility rules are versioned and never edited: a change is a new version. Screening runs
record one decision per person with the rule version and the reasons, and decisions are never
rewritten: editing a person later leaves past decisions as they were.
"""

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

from openphb.core.models import TimestampedModel
from openphb.organisations.models import Organisation


class ProgrammeKind(models.TextChoices):
    CONTINUING_HEALTHCARE = "chc", "NHS continuing healthcare"
    CHILDRENS_CONTINUING_CARE = "ccc", "Children's continuing care"
    LONG_TERM_CONDITIONS_PILOT = "ltc_pilot", "Long-term conditions pilot"
    SECTION_117 = "s117", "Section 117 mental-health aftercare"
    WHEELCHAIR = "wheelchair", "Personal wheelchair budget"
    CARERS_BREAKS = "carers_breaks", "Carers' breaks"
    OTHER = "other", "Other"


class WayOfHolding(models.TextChoices):
    NOTIONAL = "notional", "Notional budget (the NHS holds the money)"
    THIRD_PARTY = "third_party", "Third-party budget (an organisation holds the money)"
    DIRECT_PAYMENT = "direct_payment", "Direct payment (paid to the person or their representative)"


class Programme(TimestampedModel):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ProgrammeKind.choices)
    is_pilot = models.BooleanField("pilot", default=False)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes_owned"
    )
    ways_of_holding = models.JSONField(
        default=list, help_text="Which of notional, third_party and direct_payment are offered."
    )
    legal_right = models.BooleanField(
        default=False, help_text="People eligible have a legal right to have a budget."
    )
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="programme_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name

    def ways_display(self) -> list[str]:
        return [WayOfHolding(way).label for way in self.ways_of_holding]


class Site(models.Model):
    """A commissioner running the programme for its population from a go-live date."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sites")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programme_sites"
    )
    go_live_on = models.DateField()
    enrolment_target = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["go_live_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "organisation"], name="site_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.programme.name})"


class RuleSet(models.Model):
    """One version of a programme's eligibility rules. Append-only (database triggers)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="rule_sets")
    version = models.PositiveIntegerField()
    condition_codes = models.JSONField(
        default=list, help_text="[[SNOMED CT code, display], ...]; empty means any condition."
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    settings = models.JSONField(default=list, help_text="Allowed care settings; empty means any.")
    exclusions = models.JSONField(
        default=list, help_text="Requirement kinds that rule out a direct payment."
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="rule_version_once"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="rule_age_range_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} rules v{self.version}"


class ScreeningRun(models.Model):
    """One evaluation of a rule version over the people a programme's sites cover."""

    class Status(models.TextChoices):
        RUNNING = "running", "Screening"
        DONE = "done", "Finished"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="runs")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="runs")
    screened_on = models.DateField(help_text="The date the rules were applied as at.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    run_by_label = models.CharField(max_length=150)
    screened = models.PositiveIntegerField(default=0)
    eligible = models.PositiveIntegerField(default=0)
    by_site = models.JSONField(
        default=dict, help_text="{site id: {screened, eligible}} at the time of the run."
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Screening of {self.programme} on {self.screened_on}"


class Reason(models.TextChoices):
    """Why a person is not eligible, or what limits how they may hold a budget."""

    NOT_COVERED = "no_site", "not the responsibility of any of this programme's sites"
    DIED = "died", "has died"
    TOO_YOUNG = "too_young", "younger than the programme's minimum age"
    TOO_OLD = "too_old", "older than the programme's maximum age"
    NO_CONDITION = "no_condition", "no qualifying condition recorded"
    SETTING_UNKNOWN = "setting_unknown", "care setting not recorded"
    SETTING = "setting", "care setting not covered"
    NO_DIRECT_PAYMENT = "no_dp", "a requirement rules out a direct payment"
    DIRECT_PAYMENT_ONLY = (
        "dp_only",
        "a requirement rules out a direct payment, the only way offered",
    )


class Decision(models.Model):
    """What screening decided for one person, with the facts it used. Append-only."""

    # A screening run writes a million of these at once, so each index costs: the two below
    # serve every read (a run's results, a person's history), and stand in for the foreign
    # keys' own (a site is never deleted while decisions refer to it).
    run = models.ForeignKey(
        ScreeningRun, on_delete=models.PROTECT, related_name="decisions", db_index=False
    )
    patient = models.ForeignKey(
        "registry.Patient",
        on_delete=models.PROTECT,
        related_name="eligibility_decisions",
        db_index=False,
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    eligible = models.BooleanField()
    age = models.PositiveSmallIntegerField()
    condition_code = models.CharField(max_length=18, blank=True)
    setting = models.CharField(max_length=16, blank=True)
    reasons = models.CharField(
        max_length=100, blank=True, help_text="Reason codes, separated by spaces."
    )

    class Meta:
        ordering = ["-run_id"]
        indexes = [
            models.Index(fields=["patient", "run"], name="decision_patient_run"),
            models.Index(fields=["run", "eligible", "site"], name="decision_run_eligible"),
        ]

    def __str__(self) -> str:
        return f"{'Eligible' if self.eligible else 'Not eligible'} ({self.run})"

    @property
    def reason_codes(self) -> list[str]:
        return self.reasons.split()
