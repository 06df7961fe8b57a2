"""The people OpenPHB serves: patients, their conditions, representatives and carers."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.core.identifiers import format_nhs_number
from openphb.core.models import TimestampedModel
from openphb.organisations.models import Organisation


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    INDETERMINATE = "I", "Indeterminate"
    NOT_KNOWN = "U", "Not known"


class EthnicCategory(models.TextChoices):
    """The NHS Data Dictionary's ethnic category codes (2001 census groups)."""

    WHITE_BRITISH = "A", "White: British"
    WHITE_IRISH = "B", "White: Irish"
    WHITE_OTHER = "C", "White: any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed: White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed: White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed: White and Asian"
    MIXED_OTHER = "G", "Mixed: any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British: Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British: Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British: any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British: Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British: African"
    BLACK_OTHER = "P", "Black or Black British: any other Black background"
    CHINESE = "R", "Other ethnic groups: Chinese"
    OTHER = "S", "Other ethnic groups: any other ethnic group"
    NOT_STATED = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"


class ReferenceImport(models.Model):
    """One load of reference data (e.g. an IMD lookup): where it came from, when, by whom."""

    kind = models.CharField(max_length=32)
    edition = models.CharField(max_length=64)
    source_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.kind} {self.edition} ({self.rows} rows)"


class Lsoa(models.Model):
    """A lower layer super output area with its Index of Multiple Deprivation decile."""

    code = models.CharField("LSOA code", max_length=9, unique=True)
    name = models.CharField(max_length=100)
    imd_decile = models.PositiveSmallIntegerField(
        "IMD decile", help_text="1 is the most deprived tenth of areas, 10 the least."
    )
    imd_edition = models.CharField("IMD edition", max_length=32)

    class Meta:
        verbose_name = "LSOA"
        constraints = [
            models.CheckConstraint(
                condition=Q(imd_decile__gte=1, imd_decile__lte=10), name="imd_decile_1_to_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def imd_quintile(self) -> int:
        return (self.imd_decile + 1) // 2


class PostcodeLsoa(models.Model):
    postcode = models.CharField(max_length=8, unique=True)
    lsoa = models.ForeignKey(Lsoa, on_delete=models.CASCADE, related_name="postcodes")

    def __str__(self) -> str:
        return f"{self.postcode} → {self.lsoa.code}"


class Patient(TimestampedModel):
    nhs_number = models.CharField("NHS number", max_length=10, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnic_category = models.CharField(
        max_length=2, choices=EthnicCategory.choices, default=EthnicCategory.NOT_KNOWN
    )
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    registered_practice = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_patients",
        limit_choices_to={"kind": "gp"},
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
        help_text="The budget holder's own sign-in, if they have one.",
    )

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="patient_name"),
            models.Index(fields=["date_of_birth"], name="patient_dob"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=F("date_of_birth")),
                name="patient_dies_after_birth",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.nhs_number_display})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    def age_on(self, day: datetime.date) -> int:
        end = min(day, self.date_of_death) if self.date_of_death else day
        born = self.date_of_birth
        return end.year - born.year - ((end.month, end.day) < (born.month, born.day))


class CommissionerAssignmentQuerySet(models.QuerySet["CommissionerAssignment"]):
    def current_on(self, day: datetime.date) -> "CommissionerAssignmentQuerySet":
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class CommissionerAssignment(models.Model):
    """From `starts_on` (to `ends_on`, if set) this commissioner is responsible for the patient.

    Rows are never rewritten: a new assignment closes the open one (sets `ends_on`) and starts
    the next; what happened before stays readable. If the commissioner is later succeeded
    (e.g. a PCT by the NHS Commissioning Board), the successor answers from that date.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="patient_assignments"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CommissionerAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        indexes = [
            models.Index(fields=["organisation", "starts_on", "ends_on"], name="assignment_org"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["patient", "starts_on"], name="one_assignment_a_day"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(ends_on__isnull=True), name="one_open_assignment"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="assignment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} from {self.starts_on}"


class Condition(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    snomed_code = models.CharField("SNOMED CT code", max_length=18, db_index=True)
    display = models.CharField(max_length=255)
    onset_date = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["onset_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "snomed_code"], name="condition_once")
        ]

    def __str__(self) -> str:
        return f"{self.display} (SNOMED {self.snomed_code})"


class RepresentativeAuthority(models.TextChoices):
    PARENT = "parent", "Parent with parental responsibility (person under 16)"
    LASTING_POWER_OF_ATTORNEY = "lpa", "Lasting power of attorney for health and welfare"
    COURT_DEPUTY = "deputy", "Deputy appointed by the Court of Protection"
    REPRESENTATIVE = "representative", "Representative for a person who lacks capacity"
    NOMINEE = "nominee", "Nominee agreed by the person to manage the budget"


class PeriodQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date) -> "PeriodQuerySet":
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class Setting(models.TextChoices):
    """Where a person lives and receives their care."""

    OWN_HOME = "home", "Own home or family home"
    SUPPORTED_LIVING = "supported", "Supported living"
    CARE_HOME = "care_home", "Care home"
    NURSING_HOME = "nursing_home", "Care home with nursing"
    HOSPITAL = "hospital", "Hospital (inpatient)"
    HOSPICE = "hospice", "Hospice"
    SECURE = "secure", "Prison or other secure setting"


class CareSetting(models.Model):
    """From `starts_on` (to `ends_on`) the person lived and received care in this setting.

    Like responsibility, a new setting closes the open one the day before; nothing is
    overwritten, so an eligibility decision can be explained by the setting on its date.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_settings")
    setting = models.CharField(max_length=16, choices=Setting.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(ends_on__isnull=True), name="one_open_setting"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="setting_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_setting_display()} from {self.starts_on}"


class RestrictionKind(models.TextChoices):
    """Court orders and licence conditions under which a person cannot receive a direct payment
    (NHS (Direct Payments) Regulations 2013, schedule: drug and alcohol requirements)."""

    DRUG_REHABILITATION = "drug_rehab", "Drug rehabilitation requirement (community order)"
    ALCOHOL_TREATMENT = "alcohol_treatment", "Alcohol treatment requirement (community order)"
    DRUG_TREATMENT_ORDER = "drug_order", "Drug treatment and testing order"
    LICENCE_CONDITION = "licence", "Licence condition on release about drugs or alcohol"
    OTHER_ORDER = "other", "Other court order about drug or alcohol misuse"


class DirectPaymentRestriction(models.Model):
    """A period during which the person is under a requirement that rules out direct payments."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="direct_payment_restrictions"
    )
    kind = models.CharField(max_length=24, choices=RestrictionKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="restriction_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.starts_on}"


class SomeoneAroundThePatient(TimestampedModel):
    """A person in a role beside the patient for a period: who, how related, how to reach."""

    full_name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="%(class)s_ends_after_start",
            )
        ]


class Representative(SomeoneAroundThePatient):
    """Someone who manages the budget for the patient: a representative or nominee."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="representatives")
    relationship = models.CharField(max_length=100, help_text="For example: daughter, friend.")
    authority = models.CharField(max_length=16, choices=RepresentativeAuthority.choices)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represents",
    )

    class Meta(SomeoneAroundThePatient.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.full_name} ({self.relationship}) for {self.patient_id}"


class Carer(SomeoneAroundThePatient):
    """An unpaid carer of a patient (who may hold a carer's budget of their own)."""

    cares_for = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="carers")
    relationship = models.CharField(max_length=100, help_text="For example: husband, neighbour.")
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carer_roles",
    )

    class Meta(SomeoneAroundThePatient.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.full_name} ({self.relationship})"


class PatientImportJob(models.Model):
    """A CSV of patients uploaded through the pages, imported in the background."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    content = models.TextField()
    skip_invalid = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    summary = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)
    rejects_csv = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
