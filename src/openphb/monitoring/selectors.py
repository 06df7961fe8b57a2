"""Reading flags and monitoring policies, scoped to what the user may see.

Staff with MONITOR_SPENDING see the flags on the budgets of the commissioners they act for
(theirs, or those whose responsibilities passed to theirs); nobody else sees the worklist. A
budget holder reads the flags on their own budget through `flags_of_budget`, which the holder's
statement page calls with a budget it has already read through the budgets' scoping rule.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import answered_for
from openphb.audit.services import Actor, audit_record
from openphb.organisations.models import Organisation

from . import rules
from .facts import policies_on
from .models import Code, Flag, FlagEvent, MonitoringPolicy, Severity, Status

STATUS_ORDER = Case(
    When(status=Status.OPEN, then=Value(0)),
    When(status=Status.RESOLVED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def commissioner_ids_for(*, user: User) -> set[int]:
    """The commissioners whose budgets the user monitors today."""
    if not user.is_authenticated or not user.is_active or not user.can(Capability.MONITOR_SPENDING):
        return set()
    return answered_for(user=user)


def flags_visible_to(*, user: User) -> QuerySet[Flag]:
    """Flags on the budgets of the commissioners the user acts for; none for anyone else."""
    ids = commissioner_ids_for(user=user)
    if not ids:
        return Flag.objects.none()
    return Flag.objects.filter(budget__commissioner_id__in=ids)


def worklist(*, user: User, code: str = "", severity: str = "", status: str = "") -> QuerySet[Flag]:
    """The flags the user may see, filtered (an unknown value filters nothing out), open ones
    first, then by severity (high first), then those found first (waiting longest)."""
    found = flags_visible_to(user=user)
    if code in Code.values:
        found = found.filter(code=code)
    if severity in Severity.values:
        found = found.filter(severity=severity)
    if status in Status.values:
        found = found.filter(status=status)
    return (
        found.select_related("budget__patient", "budget__commissioner", "statement_line")
        .annotate(status_order=STATUS_ORDER, severity_order=SEVERITY_ORDER)
        .order_by("status_order", "severity_order", "found_on", "id")
    )


def flag_get(*, user: User, pk: int) -> Flag:
    """A flag the user may see; Flag.DoesNotExist (a 404) for anyone else's."""
    return (
        flags_visible_to(user=user)
        .select_related("budget__patient", "budget__commissioner", "statement_line")
        .get(pk=pk)
    )


@transaction.atomic
def flag_open(*, actor: Actor, user: User, pk: int) -> Flag:
    """Open a flag to read it: scoped like `flag_get`, and written to the audit log, since it
    shows the person's spending."""
    flag = flag_get(user=user, pk=pk)
    audit_record(
        actor=actor,
        action="flag.viewed",
        target=flag,
        patient_id=flag.budget.patient_id,
        summary=f"Opened the flag: {flag.get_code_display()}",
    )
    return flag


def events_of(*, flag: Flag) -> list[FlagEvent]:
    return list(flag.events.select_related("by"))


def open_count(*, user: User) -> int:
    return flags_visible_to(user=user).filter(status=Status.OPEN).count()


# --- The budget holder's flags ----------------------------------------------------------------

HOLDER_STATUS = {
    Status.OPEN: "We are looking into this. Your care coordinator may contact you about it.",
    Status.RESOLVED: "We looked into this and it has been sorted out.",
    Status.DISMISSED: "We looked into this and there is nothing you need to do.",
}


@dataclass(frozen=True)
class HolderFlag:
    """A flag as the budget holder reads it, in plain English."""

    id: int
    code: str
    title: str
    severity: str
    explanation: str
    status: str
    what_happens: str
    found_on: datetime.date
    amount: int | None
    booked_on: datetime.date | None
    period: str


def flags_of_budget(*, budget_id: int, month: str = "") -> list[HolderFlag]:
    """Every flag on a budget (or those about one month, YYYY-MM: a line booked in it, or the
    month a budget-wide flag is about), newest first, in plain English. Call only with a
    budget read through the budgets' scoping rule (`budget_get`/`budget_open`)."""
    found = Flag.objects.filter(budget_id=budget_id).select_related("statement_line")
    if month:
        start = datetime.date.fromisoformat(f"{month}-01")
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        in_month = Flag.objects.filter(
            budget_id=budget_id,
            statement_line__booked_on__gte=start,
            statement_line__booked_on__lt=end,
        ).values("pk")
        found = found.filter(pk__in=in_month) | found.filter(
            statement_line__isnull=True, period=month
        )
    result = []
    for flag in found.order_by("-found_on", "-id"):
        line = flag.statement_line
        result.append(
            HolderFlag(
                id=flag.pk,
                code=flag.code,
                title=flag.get_code_display(),
                severity=flag.severity,
                explanation=flag.explanation,
                status=flag.status,
                what_happens=HOLDER_STATUS[Status(flag.status)],
                found_on=flag.found_on,
                amount=flag.amount,
                booked_on=line.booked_on if line else None,
                period=flag.period,
            )
        )
    return result


# --- Policies ---------------------------------------------------------------------------------


def policy_in_force(*, commissioner: Organisation, on: datetime.date) -> rules.Policy:
    """The commissioner's thresholds on `on`: the latest policy that started by then, or the
    defaults (£100 cash a month, 3 months of payments, 90 days) when it has none."""
    return policies_on(commissioner_ids=[commissioner.pk], on=on)[commissioner.pk]


def policies_of(*, commissioner: Organisation) -> list[MonitoringPolicy]:
    """Every policy the commissioner has set, the latest start first."""
    return list(
        MonitoringPolicy.objects.filter(commissioner=commissioner)
        .select_related("created_by")
        .order_by("-starts_on", "-id")
    )


def policies_visible_to(*, user: User) -> QuerySet[MonitoringPolicy]:
    """Policies of the commissioners the user monitors."""
    return MonitoringPolicy.objects.filter(commissioner_id__in=commissioner_ids_for(user=user))
