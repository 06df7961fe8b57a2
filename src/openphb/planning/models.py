"""Care and support planning: needs assessments and indicative budgets, the commissioner's
catalogue (with evidence) and providers, care plans with outcomes and items, clinical decisions,
approvals, reconsiderations and reviews.

A plan's status changes, clinical decisions and approvals are immutable rows (database
triggers); a revised plan is a new version and the old one is kept. Money is whole pence; the
budget a plan funds lives in the ledger (`budgets`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.budgets.models import Budget, Category, Holding
from openphb.funding.models import FundingStream
from openphb.organisations.models import Organisation
from openphb.programmes.models import Programme

from . import calculations
from .rules import DeclineReason, Evidence, LegalStatus, Payee
from .workflow import Status

USER = settings.AUTH_USER_MODEL


class Rounding(models.TextChoices):
    NEAREST = "nearest", "To the nearest unit"
    DOWN = "down", "Down"
    UP = "up", "Up"


class AllocationScheme(models.Model):
    """One version of a programme's resource-allocation scheme: its care domains and levels
    with points, pounds per point, adjustments, floor, cap and rounding. Append-only: a change
    publishes a new version, and each assessment keeps the version it used."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="allocation_schemes"
    )
    version = models.PositiveIntegerField()
    domains = models.JSONField(help_text="[{code, label, levels: [{code, label, points}]}]")
    pence_per_point = models.BigIntegerField()
    adjustments = models.JSONField(default=list, help_text="[{code, label, when, basis_points}]")
    floor = models.BigIntegerField(default=0)
    cap = models.BigIntegerField(null=True, blank=True)
    rounding_unit = models.PositiveIntegerField(default=100)
    rounding = models.CharField(max_length=8, choices=Rounding.choices, default=Rounding.NEAREST)
    note = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["programme", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="one_scheme_version"),
            models.CheckConstraint(condition=Q(pence_per_point__gt=0), name="scheme_pays_points"),
            models.CheckConstraint(condition=Q(floor__gte=0), name="scheme_floor_not_negative"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=F("floor")), name="scheme_cap_over_floor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} allocation scheme v{self.version}"

    def spec(self) -> calculations.Scheme:
        return calculations.Scheme(
            domains=tuple(
                calculations.Domain(
                    code=domain["code"],
                    label=domain["label"],
                    levels=tuple(
                        calculations.Level(level["code"], level["label"], int(level["points"]))
                        for level in domain["levels"]
                    ),
                )
                for domain in self.domains
            ),
            pence_per_point=self.pence_per_point,
            adjustments=tuple(
                calculations.Adjustment(
                    code=item["code"],
                    label=item["label"],
                    when=item["when"],
                    basis_points=int(item["basis_points"]),
                )
                for item in self.adjustments
            ),
            floor=self.floor,
            cap=self.cap,
            rounding_unit=self.rounding_unit,
            rounding=self.rounding,
        )


class SharedHow(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    LETTER = "letter", "By letter"
    ONLINE = "online", "On their budget page"


class Assessment(models.Model):
    """A needs assessment: a level in each care domain, and the indicative budget it gives under
    one scheme version, with its explanation. Never edited: a new assessment replaces it."""

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        "enrolment.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(AllocationScheme, on_delete=models.PROTECT, related_name="+")
    assessed_on = models.DateField()
    levels = models.JSONField(help_text="{domain code: level code}")
    facts = models.JSONField(default=list, help_text="Facts the adjustments used.")
    notes = models.TextField(blank=True)
    points = models.PositiveIntegerField()
    indicative_amount = models.BigIntegerField()
    explanation = models.JSONField(default=list)
    assessed_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    assessed_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    shared_on = models.DateField(null=True, blank=True)
    shared_how = models.CharField(max_length=16, choices=SharedHow.choices, blank=True)
    shared_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indicative_amount__gte=0), name="indicative_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.assessed_on:%d %b %Y}"


class QualityRating(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_RATED = "not_rated", "Not yet rated"
    NOT_REGULATED = "not_regulated", "Not regulated by the CQC"


class AgreementStatus(models.TextChoices):
    NONE = "none", "No agreement"
    PENDING = "pending", "Agreement being arranged"
    AGREED = "agreed", "Agreement in place"
    SUSPENDED = "suspended", "Agreement suspended"
    ENDED = "ended", "Agreement ended"


class Provider(models.Model):
    """Someone a plan may buy from, as a commissioner knows them."""

    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="providers"
    )
    name = models.CharField(max_length=200)
    registration = models.CharField(
        max_length=32, blank=True, help_text="CQC location ID, or another register's number."
    )
    quality_rating = models.CharField(
        max_length=24, choices=QualityRating.choices, default=QualityRating.NOT_RATED
    )
    agreement_status = models.CharField(
        max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.NONE
    )
    agreement_starts_on = models.DateField(null=True, blank=True)
    agreement_ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "name"], name="provider_name_once"),
            models.CheckConstraint(
                condition=Q(agreement_ends_on__isnull=True)
                | Q(agreement_starts_on__isnull=True)
                | Q(agreement_ends_on__gte=F("agreement_starts_on")),
                name="agreement_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    HOUR = "hour", "Hour"
    SESSION = "session", "Session"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    ONE_OFF = "one_off", "One-off"


class CatalogueItem(models.Model):
    """An item in a commissioner's catalogue. What it is lives in its versions."""

    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="catalogue_items"
    )
    code = models.SlugField(max_length=48)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["commissioner", "code"], name="catalogue_code_once")
        ]

    def __str__(self) -> str:
        return self.code


class CatalogueVersion(models.Model):
    """One version of a catalogue item. Append-only: an edit adds a version, and plan items
    keep the version they were chosen from."""

    item = models.ForeignKey(CatalogueItem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    reference_price = models.BigIntegerField()
    price_cap = models.BigIntegerField(null=True, blank=True)
    legal_status = models.CharField(
        max_length=16, choices=LegalStatus.choices, default=LegalStatus.ALLOWED
    )
    evidence = models.JSONField(
        default=list, help_text="[{condition_code, condition, rating, source}]; '' = any"
    )
    retired = models.BooleanField(default=False)
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="one_catalogue_version"),
            models.CheckConstraint(
                condition=Q(reference_price__gte=0), name="catalogue_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(price_cap__isnull=True) | Q(price_cap__gte=F("reference_price")),
                name="catalogue_cap_over_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class PlanningPolicy(models.Model):
    """A commissioner's planning policy from a date. Append-only: the one in force on a day is
    the latest that started by then; without one, the defaults below apply."""

    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="planning_policies"
    )
    starts_on = models.DateField()
    tolerance_basis_points = models.PositiveIntegerField(
        default=1_000, help_text="A plan further than this from its indicative budget is justified."
    )
    two_approvers_above = models.BigIntegerField(
        default=5_000_000, help_text="Plans costing more than this (pence) need two approvers."
    )
    allow_insufficient = models.BooleanField(
        default=True, help_text="Items with insufficient evidence may be approved by a clinician."
    )
    allow_not_supported = models.BooleanField(
        default=False, help_text="Items whose evidence is 'not supported' may be approved."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["commissioner", "-starts_on", "-id"]

    def __str__(self) -> str:
        return f"Planning policy from {self.starts_on:%d %b %Y}"


class CarePlan(models.Model):
    """One version of a person's care and support plan."""

    patient = models.ForeignKey(
        "registry.Patient", on_delete=models.PROTECT, related_name="care_plans"
    )
    commissioner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrolment = models.ForeignKey(
        "enrolment.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    first = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_since = models.DateTimeField()
    round = models.PositiveIntegerField(
        default=0, help_text="How many times it has been submitted; approvals count per round."
    )
    coordinator = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    indicative_amount = models.BigIntegerField(null=True, blank=True)
    difference_justification = models.TextField(blank=True)
    revision_reason = models.TextField(blank=True)
    budget = models.ForeignKey(
        Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "commissioner"], name="plan_status"),
            models.Index(fields=["patient", "status"], name="plan_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="plan_ends_after_it_starts"
            ),
            models.UniqueConstraint(fields=["first", "version"], name="one_plan_version"),
            models.UniqueConstraint(
                fields=["first"],
                condition=Q(status__in=["draft", "submitted", "awaiting_approval"]),
                name="one_plan_in_progress",
            ),
            models.UniqueConstraint(
                fields=["first"],
                condition=Q(status__in=["active", "review_due"]),
                name="one_plan_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan version {self.version} ({self.get_status_display()})"


class StatusChange(models.Model):
    """A plan moved from one status to another: who, when and why. Append-only."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class Outcome(models.Model):
    """What matters to the person, and a goal that shows whether it is being met."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="outcomes")
    key = models.CharField(max_length=12, help_text="The same outcome across versions.")
    what_matters = models.TextField()
    goal = models.TextField()
    measure = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.what_matters[:60]


class Decision(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "conditions", "Approved with conditions"
    DECLINED = "declined", "Declined"


def plan_item_ref(key: str) -> str:
    """How the budget line for the plan item with this key is named (`PlanItem.item_ref`)."""
    return f"plan-item:{key}"


class PlanItem(models.Model):
    """Something the plan buys: what, how much and how often, held how, from which stream."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=12, help_text="The same item across versions.")
    catalogue_version = models.ForeignKey(
        CatalogueVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    unit = models.CharField(max_length=8, choices=Unit.choices)
    quantity = models.PositiveIntegerField()
    frequency = models.CharField(max_length=12)
    unit_price = models.BigIntegerField()
    annual_cost = models.BigIntegerField()
    cost = models.BigIntegerField(help_text="What it costs over the plan's period.")
    holding = models.CharField(max_length=16, choices=Holding.choices)
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payee = models.CharField(max_length=16, choices=Payee.choices, blank=True)
    payee_justification = models.TextField(blank=True)
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    evidence_rating = models.CharField(max_length=16, choices=Evidence.choices, blank=True)
    evidence_explanation = models.TextField(blank=True)
    flags = models.JSONField(default=list, help_text="[{code, explanation}]")
    clinical_justification = models.TextField(blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True)
    decision_note = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="item_price_not_negative"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="item_costs_something"),
            models.UniqueConstraint(fields=["plan", "key"], name="item_key_once_a_plan"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="item_ends_after_it_starts"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def item_ref(self) -> str:
        """How the budget line for this item is named, the same in every version."""
        return plan_item_ref(self.key)

    @property
    def flag_codes(self) -> list[str]:
        return [flag["code"] for flag in self.flags]

    @property
    def counts(self) -> bool:
        """Whether the item is (or may yet be) funded."""
        return self.decision != Decision.DECLINED


class ItemDecision(models.Model):
    """A clinical reviewer's decision on an item, or its reconsideration. Append-only."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.CharField(max_length=16, choices=DeclineReason.choices, blank=True)
    note = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    reconsideration = models.ForeignKey(
        "Reconsideration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} by {self.by_label}"


class Approval(models.Model):
    """A commissioner's approval of a plan in one round of submission. Append-only."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="approvals")
    round = models.PositiveIntegerField()
    approver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approver_label = models.CharField(max_length=150)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "round", "approver"], name="approve_once_a_round"
            )
        ]

    def __str__(self) -> str:
        return f"Approved by {self.approver_label}"


class Reconsideration(models.Model):
    """The person asks for a declined item, or a reduction, to be looked at again; somebody
    other than who decided it first decides, with reasons."""

    class Verdict(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        UPHELD = "upheld", "Original decision upheld"
        CHANGED = "changed", "Decision changed"

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="reconsiderations")
    item = models.ForeignKey(
        PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="reconsiderations"
    )
    grounds = models.TextField()
    requested_on = models.DateField()
    requested_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    requested_by_label = models.CharField(max_length=150)
    verdict = models.CharField(max_length=8, choices=Verdict.choices, default=Verdict.OPEN)
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "item"],
                condition=Q(verdict="open"),
                name="one_open_reconsideration",
            )
        ]

    def __str__(self) -> str:
        return f"Reconsideration ({self.get_verdict_display()})"


class Review(models.Model):
    """A review of a plan in force: when it is due, and once done, how each outcome is going
    and what was decided."""

    class Kind(models.TextChoices):
        FIRST = "first", "First review (within 3 months)"
        ANNUAL = "annual", "Annual review"
        REQUESTED = "requested", "Review after a significant change"

    class Result(models.TextChoices):
        CONTINUE = "continue", "Continue the plan"
        REVISE = "revise", "Revise the plan"
        END = "end", "End the plan"

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    due_on = models.DateField()
    requested_reason = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=12, choices=Result.choices, blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["completed_on", "due_on"], name="review_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(completed_on__isnull=True), name="one_open_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on:%d %b %Y}"


class Progress(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PROGRESSING = "progressing", "Making progress"
    NO_CHANGE = "no_change", "No change"
    WORSE = "worse", "Getting worse"


class OutcomeProgress(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="+")
    progress = models.CharField(max_length=12, choices=Progress.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["outcome__position", "id"]

    def __str__(self) -> str:
        return self.get_progress_display()
