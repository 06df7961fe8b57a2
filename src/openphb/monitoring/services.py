"""Monitoring writes: checking budgets and raising the flags found (each once), resolving,
dismissing and reopening a flag with a note, and setting a commissioner's policy."""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from openphb.accounts.models import User
from openphb.accounts.selectors import answered_for, check_acts_for
from openphb.audit.services import Actor, Entry, audit_record, audit_record_many
from openphb.budgets.models import Budget
from openphb.ledger.services import format_pence
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
from openphb.statements.models import StatementImport, StatementLine

from . import rules
from .facts import facts_for
from .models import Code, Flag, FlagEvent, MonitoringPolicy, Status
from .selectors import policy_in_force

CHUNK = 2_000  # budgets checked together: a handful of queries for each chunk


def _today() -> datetime.date:
    return datetime.date.today()


# --- Checking ---------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """What a check found: budgets looked at, and new flags by code."""

    on: datetime.date
    budgets: int = 0
    raised: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.raised.values())

    def lines(self) -> list[str]:
        """'Lucky: 2 new flags' style lines, one a code, every code listed."""
        labels = dict(Code.choices)
        return [f"{labels[code]}: {self.raised.get(code, 0):,}" for code in Code.values]


def _budgets_to_check(
    *,
    actor: Actor,
    budget_ids: Iterable[int] | None,
    statement_import: StatementImport | None,
    commissioner: Organisation | None,
    on: datetime.date,
) -> QuerySet[Budget]:
    budgets = Budget.objects.filter(direct_payment__isnull=False, starts_on__lte=on)
    if budget_ids is not None:
        budgets = budgets.filter(pk__in=list(budget_ids))
    if statement_import is not None:
        budgets = budgets.filter(
            pk__in=StatementLine.objects.filter(
                statement_import=statement_import, budget__isnull=False
            ).values("budget_id")
        )
    if commissioner is not None:
        check_acts_for(actor, commissioner, on)
        budgets = budgets.filter(commissioner=commissioner)
    if actor.user is not None:  # a person checks only what they act for
        user: User = actor.user  # type: ignore[assignment]
        budgets = budgets.filter(commissioner_id__in=answered_for(user=user, on=on))
    return budgets


@transaction.atomic
def flags_check(
    *,
    actor: Actor,
    on: datetime.date,
    budget_ids: Iterable[int] | None = None,
    statement_import: StatementImport | None = None,
    commissioner: Organisation | None = None,
) -> CheckResult:
    """Check budgets paid by direct payment as at `on` and raise the flags found that were not
    raised before (the database's unique constraints make a second check add nothing, even
    one running at the same time). Which budgets: those given, those with lines in a statement
    import, a commissioner's, or every one; a person checks only the budgets of commissioners
    they act for. One audit event a commissioner with new flags (`flag.raised`, with counts)."""
    ids = list(
        _budgets_to_check(
            actor=actor,
            budget_ids=budget_ids,
            statement_import=statement_import,
            commissioner=commissioner,
            on=on,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result = CheckResult(on=on, budgets=len(ids))
    by_commissioner: dict[int, Counter[str]] = {}
    for start in range(0, len(ids), CHUNK):
        for commissioner_id, flags in _check_chunk(ids[start : start + CHUNK], on):
            counts = by_commissioner.setdefault(commissioner_id, Counter())
            for flag in flags:
                counts[flag.code] += 1
                result.raised[flag.code] += 1
    organisations = Organisation.objects.in_bulk(list(by_commissioner))
    audit_record_many(
        actor=actor,
        entries=[
            Entry(
                action="flag.raised",
                target=organisations[commissioner_id],
                summary=f"Checked spending as at {on:%-d %b %Y}: {sum(counts.values()):,} new "
                "flag(s), " + ", ".join(f"{code} {n:,}" for code, n in sorted(counts.items())),
                changes={
                    "on": on.isoformat(),
                    "statement_import": statement_import.pk if statement_import else None,
                    "raised": dict(sorted(counts.items())),
                },
            )
            for commissioner_id, counts in sorted(by_commissioner.items())
        ],
    )
    return result


def _check_chunk(budget_ids: list[int], on: datetime.date) -> list[tuple[int, list[Flag]]]:
    """Raise the new flags of a chunk of budgets; (commissioner id, flags raised) for each
    budget that had any."""
    known = {
        (code, line_id, "" if line_id is not None else period)
        for code, line_id, period in Flag.objects.filter(budget_id__in=budget_ids).values_list(
            "code", "statement_line_id", "period"
        )
    }
    raised: list[tuple[int, list[Flag]]] = []
    for budget_id, (commissioner_id, facts) in sorted(
        facts_for(budget_ids=budget_ids, on=on).items()
    ):
        new = [
            Flag(
                budget_id=budget_id,
                code=c.code,
                severity=c.severity,
                explanation=c.explanation,
                statement_line_id=c.line_id,
                period="" if c.line_id is not None else c.period,
                amount=c.amount,
                found_on=on,
            )
            for c in rules.check(facts)
            if c.key not in known
        ]
        if new:
            raised.append((commissioner_id, new))
    # Another check may have raised some of them meanwhile: the constraints keep one of each.
    Flag.objects.bulk_create([f for _, flags in raised for f in flags], ignore_conflicts=True)
    return raised


# --- Resolving, dismissing, reopening ---------------------------------------------------------

MOVES: dict[str, tuple[frozenset[str], str, str, str]] = {
    # action: (from, to, audit action, verb)
    "resolve": (frozenset({Status.OPEN}), Status.RESOLVED, "flag.resolved", "Resolved"),
    "dismiss": (frozenset({Status.OPEN}), Status.DISMISSED, "flag.dismissed", "Dismissed"),
    "reopen": (
        frozenset({Status.RESOLVED, Status.DISMISSED}),
        Status.OPEN,
        "flag.reopened",
        "Reopened",
    ),
}

REFUSALS = {
    "resolve": "Only an open flag can be resolved; this one is {status}.",
    "dismiss": "Only an open flag can be dismissed; this one is {status}.",
    "reopen": "This flag is open already.",
}


def _move(*, actor: Actor, flag: Flag, note: str, action: str) -> Flag:
    allowed, to_status, audit_action, verb = MOVES[action]
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write a note saying why, for the record."})
    if len(note) > 2_000:
        raise ValidationError({"note": "Keep the note to 2,000 characters."})
    flag = Flag.objects.select_for_update().select_related("budget__commissioner").get(pk=flag.pk)
    check_acts_for(actor, flag.budget.commissioner, _today())
    if flag.status not in allowed:
        raise ValidationError(REFUSALS[action].format(status=Status(flag.status).label.lower()))
    FlagEvent.objects.create(
        flag=flag,
        from_status=flag.status,
        to_status=to_status,
        note=note,
        by_id=actor.user_id,
        by_label=actor.label,
    )
    from_status = flag.status
    flag.status = to_status
    flag.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=audit_action,
        target=flag,
        patient_id=flag.budget.patient_id,
        summary=f"{verb} the flag '{flag.get_code_display()}': {note}",
        changes={"status": [from_status, to_status]},
    )
    return flag


@transaction.atomic
def flag_resolve(*, actor: Actor, flag: Flag, note: str) -> Flag:
    """The problem was real and has been dealt with (say how in the note)."""
    return _move(actor=actor, flag=flag, note=note, action="resolve")


@transaction.atomic
def flag_dismiss(*, actor: Actor, flag: Flag, note: str) -> Flag:
    """There was no problem after all (say why in the note)."""
    return _move(actor=actor, flag=flag, note=note, action="dismiss")


@transaction.atomic
def flag_reopen(*, actor: Actor, flag: Flag, note: str) -> Flag:
    """A resolved or dismissed flag needs looking at again."""
    return _move(actor=actor, flag=flag, note=note, action="reopen")


# --- Policy -----------------------------------------------------------------------------------

MAX_CASH_LIMIT = 100_000_00  # £100,000: anything above is a typing slip


@transaction.atomic
def policy_set(
    *,
    actor: Actor,
    commissioner: Organisation,
    starts_on: datetime.date,
    cash_limit_per_month: int,
    accumulation_months: int,
    idle_days: int,
) -> MonitoringPolicy:
    """Set the commissioner's monitoring thresholds from a day, today or later (earlier
    policies stay on record and still say what applied before)."""
    errors: dict[str, str] = {}
    if commissioner.kind not in COMMISSIONER_KINDS:
        errors["commissioner"] = f"{commissioner.name} is not a commissioning organisation."
    if not 0 <= cash_limit_per_month <= MAX_CASH_LIMIT:
        errors["cash_limit_per_month"] = (
            f"The cash limit is between £0.00 and {format_pence(MAX_CASH_LIMIT)} a month."
        )
    if not 1 <= accumulation_months <= 24:
        errors["accumulation_months"] = "Give between 1 and 24 months of payments."
    if not 7 <= idle_days <= 365:
        errors["idle_days"] = "Give between 7 and 365 days."
    if starts_on < _today():
        errors["starts_on"] = "A policy starts today or later; what applied before stays as it was."
    elif MonitoringPolicy.objects.filter(commissioner=commissioner, starts_on=starts_on).exists():
        errors["starts_on"] = (
            f"A policy already starts on {starts_on:%-d %B %Y}. Policies are never changed: "
            "choose another day for the new one."
        )
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, commissioner, starts_on)
    policy = MonitoringPolicy.objects.create(
        commissioner=commissioner,
        starts_on=starts_on,
        cash_limit_per_month=cash_limit_per_month,
        accumulation_months=accumulation_months,
        idle_days=idle_days,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="monitoring_policy.set",
        target=policy,
        summary=f"{commissioner.name} from {starts_on:%-d %b %Y}: "
        + " ".join(policy_in_force(commissioner=commissioner, on=starts_on).describe()),
    )
    return policy
