"""Organisations (commissioners, councils, trusts, practices) and how responsibility passes on."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from openphb.core.models import TimestampedModel


class OrganisationKind(models.TextChoices):
    PRIMARY_CARE_TRUST = "pct", "Primary care trust"
    CCG = "ccg", "Clinical commissioning group"
    ICB = "icb", "Integrated care board"
    NHS_COMMISSIONING_BOARD = "nhscb", "NHS Commissioning Board"
    LOCAL_AUTHORITY = "la", "Local authority"
    NHS_TRUST = "trust", "NHS trust"
    PROVIDER = "provider", "Provider"
    GP_PRACTICE = "gp", "GP practice"
    GOVERNMENT_DEPARTMENT = "dept", "Government department"


COMMISSIONER_KINDS = frozenset(
    {
        OrganisationKind.PRIMARY_CARE_TRUST,
        OrganisationKind.CCG,
        OrganisationKind.ICB,
        OrganisationKind.NHS_COMMISSIONING_BOARD,
        OrganisationKind.LOCAL_AUTHORITY,
    }
)


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def commissioners(self) -> "OrganisationQuerySet":
        return self.filter(kind__in=COMMISSIONER_KINDS)

    def gp_practices(self) -> "OrganisationQuerySet":
        return self.filter(kind=OrganisationKind.GP_PRACTICE)


class Organisation(TimestampedModel):
    ods_code = models.CharField("ODS code", max_length=8, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=F("opened_on")),
                name="organisation_closes_after_it_opens",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"

    @property
    def is_commissioner(self) -> bool:
        return self.kind in COMMISSIONER_KINDS

    def is_open_on(self, day: datetime.date) -> bool:
        return (self.opened_on is None or self.opened_on <= day) and (
            self.closed_on is None or day <= self.closed_on
        )


class Succession(models.Model):
    """From `effective_on`, what `predecessor` was responsible for rests with `successor`.

    A row is never edited: the history of who answered for what stays as it was.
    """

    predecessor = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="succession"
    )
    successor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="predecessions"
    )
    effective_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="succession_not_to_itself"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} from {self.effective_on}"
