"""/api/v1/flags and /api/v1/monitoring-policies: the spending flags raised on budgets paid by
direct payment, resolving, dismissing and reopening them with a note, and each commissioner's
monitoring policy.

Flags need the MONITOR_SPENDING capability (coordinators, finance officers, commissioners);
another commissioner's flag is a 404. Setting a policy needs IMPORT_STATEMENTS (finance officers
and commissioners). Amounts are whole pence. Codes and what raises them: docs/monitoring.md."""

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.monitoring import services
from openphb.monitoring.models import Code, Flag, FlagEvent, MonitoringPolicy, Severity
from openphb.monitoring.models import Status as FlagStatus
from openphb.monitoring.selectors import (
    events_of,
    flag_get,
    flag_open,
    policies_of,
    policy_in_force,
    worklist,
)
from openphb.statements.models import StatementLine

from .planning import commissioner_to_change, commissioner_to_read, require

flags = Router(tags=["monitoring"])
policies = Router(tags=["monitoring"])

CODES = ", ".join(Code.values)


def monitor(request: HttpRequest) -> User:
    return require(request, Capability.MONITOR_SPENDING)


class LineOut(Schema):
    """The statement line a flag is about."""

    id: int
    booked_on: datetime.date
    direction: str = Field(..., description="in or out")
    kind: str
    amount: int = Field(..., description="Pence")
    merchant: str
    mcc: str = Field(..., description="Merchant category code")
    counterparty: str
    description: str
    match: str = Field(..., description="What matching made of it")


class FlagFields(Schema):
    id: int
    budget_id: int
    patient_id: int
    patient_name: str
    commissioner: str = Field(..., description="The budget's commissioner's ODS code")
    code: str = Field(..., description=CODES)
    code_label: str
    severity: str = Field(..., description="high, medium or low")
    status: str = Field(..., description="open, resolved or dismissed")
    explanation: str = Field(..., description="In plain English, for staff and the person")
    amount: int | None = Field(..., description="Pence, where one applies")
    found_on: datetime.date
    period: str = Field(..., description="YYYY-MM for a flag about the budget in a month")
    statement_line: LineOut | None


class FlagOut(FlagFields):
    @staticmethod
    def resolve_patient_id(flag: Flag) -> int:
        return flag.budget.patient_id

    @staticmethod
    def resolve_patient_name(flag: Flag) -> str:
        return flag.budget.patient.full_name

    @staticmethod
    def resolve_commissioner(flag: Flag) -> str:
        return flag.budget.commissioner.ods_code

    @staticmethod
    def resolve_code_label(flag: Flag) -> str:
        return flag.get_code_display()

    @staticmethod
    def resolve_statement_line(flag: Flag) -> StatementLine | None:
        return flag.statement_line


class EventOut(Schema):
    from_status: str
    to_status: str
    note: str
    at: datetime.datetime
    by: str


def _event(event: FlagEvent) -> EventOut:
    return EventOut(
        from_status=event.from_status,
        to_status=event.to_status,
        note=event.note,
        at=event.at,
        by=event.by.display_name if event.by else event.by_label,
    )


class FlagDetailOut(FlagFields):
    events: list[EventOut] = Field(..., description="What happened to it, oldest first")


def _detail(flag: Flag) -> FlagDetailOut:
    return FlagDetailOut(
        **FlagOut.model_validate(flag).model_dump(),
        events=[_event(e) for e in events_of(flag=flag)],
    )


@flags.get("", response=list[FlagOut])
@paginate(PageNumberPagination, page_size=50)
def list_flags(
    request: HttpRequest,
    code: str = "",
    severity: str = "",
    status: str = "",
    budget_id: int | None = None,
):
    """The flags on the budgets of the commissioners you act for: open first, then the most
    severe, then those found first. Filters: `code` (one of the codes), `severity` (high,
    medium, low), `status` (open, resolved, dismissed), `budget_id`. An unknown value is a 422."""
    errors = {}
    if code and code not in Code.values:
        errors["code"] = f"Unknown code {code!r}: one of {CODES}."
    if severity and severity not in Severity.values:
        errors["severity"] = "The severity is high, medium or low."
    if status and status not in FlagStatus.values:
        errors["status"] = "The status is open, resolved or dismissed."
    if errors:
        raise ValidationError(errors)
    found = worklist(user=monitor(request), code=code, severity=severity, status=status)
    if budget_id is not None:
        found = found.filter(budget_id=budget_id)
    return found


@flags.get("/{flag_id}", response=FlagDetailOut)
def get_flag(request: HttpRequest, flag_id: int) -> FlagDetailOut:
    """One flag, with what happened to it (reading it is audited: it shows the person's
    spending)."""
    user = monitor(request)
    return _detail(flag_open(actor=Actor.from_request(request), user=user, pk=flag_id))


class NoteIn(Schema):
    note: str = Field(..., description="Why: kept on the flag's record (required)")


def _move(request: HttpRequest, flag_id: int, payload: NoteIn, action: str) -> FlagDetailOut:
    user = monitor(request)
    flag = flag_get(user=user, pk=flag_id)
    move = {
        "resolve": services.flag_resolve,
        "dismiss": services.flag_dismiss,
        "reopen": services.flag_reopen,
    }[action]
    move(actor=Actor.from_request(request), flag=flag, note=payload.note)
    return _detail(flag_get(user=user, pk=flag_id))


@flags.post("/{flag_id}/resolve", response=FlagDetailOut)
def resolve_flag(request: HttpRequest, flag_id: int, payload: NoteIn) -> FlagDetailOut:
    """An open flag: the problem was real and has been dealt with."""
    return _move(request, flag_id, payload, "resolve")


@flags.post("/{flag_id}/dismiss", response=FlagDetailOut)
def dismiss_flag(request: HttpRequest, flag_id: int, payload: NoteIn) -> FlagDetailOut:
    """An open flag: there was no problem after all."""
    return _move(request, flag_id, payload, "dismiss")


@flags.post("/{flag_id}/reopen", response=FlagDetailOut)
def reopen_flag(request: HttpRequest, flag_id: int, payload: NoteIn) -> FlagDetailOut:
    """A resolved or dismissed flag that needs looking at again."""
    return _move(request, flag_id, payload, "reopen")


# --- Policies ---------------------------------------------------------------------------------


class PolicyOut(Schema):
    id: int
    commissioner: str
    starts_on: datetime.date
    cash_limit_per_month: int = Field(..., description="Pence of cash a month before a flag")
    accumulation_months: int
    idle_days: int
    created_at: datetime.datetime
    created_by: str


def _policy(policy: MonitoringPolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.pk,
        commissioner=policy.commissioner.ods_code,
        starts_on=policy.starts_on,
        cash_limit_per_month=policy.cash_limit_per_month,
        accumulation_months=policy.accumulation_months,
        idle_days=policy.idle_days,
        created_at=policy.created_at,
        created_by=policy.created_by.display_name if policy.created_by else "a system job",
    )


class InForceOut(Schema):
    commissioner: str
    on: datetime.date
    starts_on: datetime.date | None = Field(..., description="None: the defaults apply")
    cash_limit_per_month: int = Field(..., description="Pence")
    accumulation_months: int
    idle_days: int
    description: list[str] = Field(..., description="The policy in words")
    history: list[PolicyOut] = Field(..., description="Every policy set, the latest start first")


@policies.get("", response=InForceOut)
def get_policy(
    request: HttpRequest, commissioner: str = "", on: datetime.date | None = None
) -> InForceOut:
    """The monitoring policy in force on `on` (without it: today) for a commissioner you work
    for (its ODS code; may be left out when you work for one), and every policy it has set."""
    organisation = commissioner_to_read(monitor(request), commissioner)
    day = on or timezone.localdate()
    found = policy_in_force(commissioner=organisation, on=day)
    return InForceOut(
        commissioner=organisation.ods_code,
        on=day,
        starts_on=found.starts_on,
        cash_limit_per_month=found.cash_limit_per_month,
        accumulation_months=found.accumulation_months,
        idle_days=found.idle_days,
        description=found.describe(),
        history=[_policy(p) for p in policies_of(commissioner=organisation)],
    )


class PolicyIn(Schema):
    commissioner: str = Field("", description="ODS code; may be left out when you work for one")
    starts_on: datetime.date = Field(..., description="Today or later")
    cash_limit_per_month: int = Field(..., description="Pence")
    accumulation_months: int
    idle_days: int


@policies.post("", response={201: PolicyOut})
def set_policy(request: HttpRequest, payload: PolicyIn) -> Status[PolicyOut]:
    """Set a commissioner's monitoring thresholds from a day (today or later); earlier policies
    stay on record. Needs IMPORT_STATEMENTS."""
    user = require(request, Capability.IMPORT_STATEMENTS)
    organisation = commissioner_to_change(user, payload.commissioner)
    policy = services.policy_set(
        actor=Actor.from_request(request),
        commissioner=organisation,
        starts_on=payload.starts_on,
        cash_limit_per_month=payload.cash_limit_per_month,
        accumulation_months=payload.accumulation_months,
        idle_days=payload.idle_days,
    )
    return Status(201, _policy(policy))
