"""Recovering direct-payment money: issuing a repayment notice on one of the six grounds,
recording what was recovered (repaid, posted to the ledger; or offset against the next
payments), withdrawing a notice, and reconsideration (asked for by whoever must pay or staff
for them; decided by a commissioner who did not issue the notice).

Each function locks the notice, validates, saves, writes a `NoticeEvent` for a change of
status and audits, in one transaction. Every amount is whole pence."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import check_acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Budget, Holding
from openphb.budgets.selectors import budget_figures, budgets_visible_to
from openphb.budgets.services import budget_recover
from openphb.ledger.services import format_pence
from openphb.monitoring.models import Flag
from openphb.payments.models import DirectPaymentSetup, HoldKind, PayeeKind
from openphb.payments.selectors import setup_of
from openphb.payments.services import offset_record
from openphb.registry.selectors import representative_on

from . import rules
from .models import (
    MOVES,
    Ground,
    Method,
    Notice,
    NoticeEvent,
    PayerKind,
    Reconsideration,
    Recovery,
    Status,
)

LIVE = (Status.ISSUED, Status.RECONSIDERING)


def _today() -> datetime.date:
    return timezone.localdate()


def recovered_of(notice: Notice) -> int:
    """Pence recovered against the notice so far (repaid and offset)."""
    return notice.recoveries.aggregate(total=Sum("amount"))["total"] or 0


def claimed_by_others(budget: Budget, *, but: Notice | None = None) -> int:
    """What the budget's other live notices still ask for."""
    notices = Notice.objects.filter(budget=budget, status__in=LIVE)
    if but is not None:
        notices = notices.exclude(pk=but.pk)
    return sum(rules.outstanding(n.amount, recovered_of(n)) for n in notices)


def _held_and_paid(budget: Budget) -> tuple[int, int]:
    """What the budget's direct-payment lines hold unspent, and what was paid into them."""
    figures = budget_figures(budget=budget)
    lines = budget.lines.filter(holding=Holding.DIRECT_PAYMENT).values_list("pk", flat=True)
    held = sum(max(figures.by_line[pk].held, 0) for pk in lines)
    paid = sum(max(figures.by_line[pk].paid, 0) for pk in lines)
    return held, paid


def limit_for(*, budget: Budget, ground: str) -> rules.Limit:
    """The most a new notice on `ground` may ask for from this budget, and why."""
    held, paid = _held_and_paid(budget)
    return rules.recoverable(ground, held=held, paid=paid, claimed=claimed_by_others(budget))


@dataclass(frozen=True)
class Suggestion:
    """What a new notice would most likely say: the ground (from the flag it is about), the
    amount (the flag's, never more than may be asked), the deadline, who pays; and the two
    limits (on what is held, on what was paid) to show beside it."""

    ground: str
    amount: int
    deadline: datetime.date
    payer_kind: str
    payer_name: str
    held_limit: rules.Limit
    paid_limit: rules.Limit


def likely_payer(budget: Budget, on: datetime.date) -> tuple[str, str]:
    """Who is likely to pay, and their name: the estate after a death, else a nominee or
    representative the record names, else the person."""
    patient = budget.patient
    if patient.date_of_death is not None:
        return PayerKind.ESTATE, f"The estate of {patient.full_name}"
    setup = setup_of(budget=budget)
    if setup is not None and setup.payee_kind == PayeeKind.NOMINEE:
        return PayerKind.NOMINEE, setup.payee_name
    representative = representative_on(patient=patient, on=on)
    if representative is not None:
        return PayerKind.REPRESENTATIVE, representative.full_name
    return PayerKind.PERSON, patient.full_name


def notice_suggestion(*, budget: Budget, flag: Flag | None, on: datetime.date) -> Suggestion:
    """The notice to offer for a budget, or about one of its flags (read through the user's
    scope before calling)."""
    held, paid = _held_and_paid(budget)
    claimed = claimed_by_others(budget)
    ground = rules.GROUND_FOR_FLAG.get(flag.code, Ground.UNUSED) if flag else Ground.UNUSED
    payer_kind, payer_name = likely_payer(budget, on)
    if payer_kind == PayerKind.ESTATE:
        ground = Ground.DEATH
    limit = rules.recoverable(ground, held=held, paid=paid, claimed=claimed)
    # The flag's amount, but never more than a notice may still ask for: other live notices
    # (one already issued about this flag, say) come off what is held or paid.
    amount = min(flag.amount, limit.pence) if flag is not None and flag.amount else limit.pence
    return Suggestion(
        ground=ground,
        amount=amount,
        deadline=on + datetime.timedelta(days=rules.SUGGESTED_DAYS),
        payer_kind=payer_kind,
        payer_name=payer_name,
        held_limit=rules.recoverable(Ground.UNUSED, held=held, paid=paid, claimed=claimed),
        paid_limit=rules.recoverable(Ground.OUTSIDE_PLAN, held=held, paid=paid, claimed=claimed),
    )


def _move(notice: Notice, to: str, *, actor: Actor, note: str) -> None:
    """Change the notice's status as `MOVES` allows, with an event saying who and why."""
    if to not in MOVES[notice.status]:
        raise ValidationError(
            f"A notice that is {Status(notice.status).label.lower()} cannot become "
            f"{Status(to).label.lower()}."
        )
    NoticeEvent.objects.create(
        notice=notice,
        from_status=notice.status,
        to_status=to,
        note=note[:2000],
        by_id=actor.user_id,
        by_label=actor.label,
    )
    notice.status = to
    notice.save(update_fields=["status", "amount", "deadline"])


def _offset_refusal(budget: Budget, setup: DirectPaymentSetup | None) -> str:
    if setup is None:
        return "This budget has no direct payment to take it off; ask for it to be repaid."
    if setup.holds.filter(kind=HoldKind.STOP).exists():
        return "The direct payment has stopped, so there are no payments to take it off."
    if budget.status != Budget.Status.ACTIVE or budget.patient.date_of_death is not None:
        return "No more payments will be made from this budget; ask for it to be repaid."
    if budget.ends_on < _today():
        return (
            f"The budget ended on {budget.ends_on:%-d %B %Y}, so no more payments will be made "
            "from it; ask for it to be repaid."
        )
    return ""


@transaction.atomic
def notice_issue(
    *,
    actor: Actor,
    budget: Budget,
    ground: str,
    reasons: str,
    amount: int,
    deadline: datetime.date,
    method: str,
    payer_kind: str,
    payer_name: str,
    flag: Flag | None = None,
    on: datetime.date,
) -> Notice:
    """Require repayment of direct-payment money: the notice states the ground, the reasons,
    the amount, the deadline and who must pay, and how (repaid, or taken off the next
    payments). Refused for more than can lawfully be recovered on the ground."""
    budget = (
        Budget.objects.select_for_update()
        .select_related("patient", "commissioner")
        .get(pk=budget.pk)
    )
    patient = budget.patient
    setup = setup_of(budget=budget)
    errors: dict[str, str] = {}
    if not budget.lines.filter(holding=Holding.DIRECT_PAYMENT).exists():
        errors["budget"] = "Nothing in this budget is paid by direct payment, so none is recovered."
    if ground not in Ground.values:
        errors["ground"] = "Choose the ground on which repayment is required."
    if not reasons.strip():
        errors["reasons"] = "Give the reasons, in words the person will understand."
    if ground in Ground.values and "budget" not in errors:
        refusal = rules.amount_refusal(ground, amount, limit_for(budget=budget, ground=ground))
        if refusal:
            errors["amount"] = refusal
    elif isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = "The amount must be a whole number of pence above £0."
    if refusal := rules.deadline_refusal(deadline, on):
        errors["deadline"] = refusal
    if method not in Method.values:
        errors["method"] = "Choose how it is recovered: repaid, or taken off the next payments."
    elif method == Method.OFFSET and (refusal := _offset_refusal(budget, setup)):
        errors["method"] = refusal
    refusal = rules.payer_refusal(
        payer_kind,
        ground=ground,
        died=patient.date_of_death is not None,
        has_representative=representative_on(patient=patient, on=on) is not None,
        payee_is_nominee=setup is not None and setup.payee_kind == PayeeKind.NOMINEE,
        full_name=patient.full_name,
    )
    if refusal:
        errors["payer_kind"] = refusal
    if not payer_name.strip():
        errors["payer_name"] = "Give the name of who must pay."
    elif len(payer_name.strip()) > 200:
        errors["payer_name"] = "The name of who must pay can be at most 200 characters."
    if flag is not None and flag.budget_id != budget.pk:
        errors["flag"] = "That flag is about another budget."
    if on > _today():
        errors["on"] = "A notice cannot be issued in the future."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, budget.commissioner, _today())
    notice = Notice.objects.create(
        budget=budget,
        ground=ground,
        reasons=reasons.strip(),
        amount=amount,
        amount_first=amount,
        deadline=deadline,
        method=method,
        payer_kind=payer_kind,
        payer_name=payer_name.strip(),
        flag=flag,
        issued_on=on,
        issued_by_id=actor.user_id,
        issued_by_label=actor.label,
    )
    NoticeEvent.objects.create(
        notice=notice,
        to_status=Status.ISSUED,
        note=f"{format_pence(amount)} by {deadline:%-d %B %Y}, {notice.get_method_display()}",
        by_id=actor.user_id,
        by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action="notice.issued",
        target=notice,
        patient_id=patient.pk,
        summary=f"Repayment of {format_pence(amount)} by {deadline:%-d %b %Y} required of "
        f"{notice.payer_name} ({notice.get_payer_kind_display().lower()}): "
        f"{notice.get_ground_display()}",
    )
    return notice


def _locked(notice: Notice) -> Notice:
    return (
        Notice.objects.select_for_update()
        .select_related("budget__patient", "budget__commissioner")
        .get(pk=notice.pk)
    )


@transaction.atomic
def recovery_record(
    *, actor: Actor, notice: Notice, method: str, amount: int, on: datetime.date
) -> Recovery:
    """Record money recovered against a notice. A repayment goes back to the commissioner's
    allocation through the ledger (`budgets.services.budget_recover`); an offset is recorded for
    the payment runs, which take it off the next payments. Never more than is outstanding;
    recovering all of it closes the notice."""
    notice = _locked(notice)
    budget = notice.budget
    if notice.status == Status.RECONSIDERING:
        raise ValidationError(
            "The notice is being reconsidered: nothing is collected until it is decided."
        )
    if notice.status != Status.ISSUED:
        raise ValidationError(
            f"The notice is {Status(notice.status).label.lower()}; nothing more is recovered."
        )
    errors: dict[str, str] = {}
    left = rules.outstanding(notice.amount, recovered_of(notice))
    if method not in Method.values:
        errors["method"] = "Choose repaid, or taken off the next payments."
    elif method == Method.OFFSET and (refusal := _offset_refusal(budget, setup_of(budget=budget))):
        errors["method"] = refusal
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = "The amount must be a whole number of pence above £0."
    elif amount > left:
        errors["amount"] = (
            f"Only {format_pence(left)} is outstanding; {format_pence(amount)} is more than that."
        )
    if on < notice.issued_on:
        errors["on"] = f"The notice was issued on {notice.issued_on:%-d %B %Y}; give a later day."
    elif on > _today():
        errors["on"] = "Money cannot be recovered in the future."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, budget.commissioner, _today())
    reference = rules.notice_reference(notice.pk)
    recovery = Recovery(
        notice=notice, method=method, amount=amount, on=on, created_by_id=actor.user_id
    )
    if method == Method.REPAYMENT:
        recovery.transaction = budget_recover(
            actor=actor,
            budget=budget,
            amount=amount,
            on=on,
            description=f"Repaid against notice {reference} ({notice.get_ground_display()})",
            include_spent=notice.ground in rules.SPENT_RECOVERABLE,
        )
    else:
        setup = setup_of(budget=budget)
        assert setup is not None  # _offset_refusal said so
        recovery.offset = offset_record(
            actor=actor,
            setup=setup,
            amount=amount,
            reason=f"Repayment notice {reference}: {notice.get_ground_display()}",
            decided_on=on,
        )
    recovery.save()
    left -= amount
    if left == 0:
        _move(notice, Status.RECOVERED, actor=actor, note=f"Recovered in full ({reference})")
    audit_record(
        actor=actor,
        action="notice.recovered",
        target=notice,
        patient_id=budget.patient_id,
        summary=f"{format_pence(amount)} {recovery.get_method_display().lower()} "
        + ("(recovered in full)" if left == 0 else f"({format_pence(left)} still outstanding)"),
    )
    return recovery


@transaction.atomic
def notice_withdraw(*, actor: Actor, notice: Notice, reason: str) -> Notice:
    """Withdraw a notice that should not stand. What was already recovered stays recovered."""
    notice = _locked(notice)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the notice is withdrawn."})
    if notice.status == Status.RECONSIDERING:
        raise ValidationError(
            "The notice is being reconsidered: withdraw it by deciding the reconsideration."
        )
    check_acts_for(actor, notice.budget.commissioner, _today())
    _move(notice, Status.WITHDRAWN, actor=actor, note=reason.strip())
    audit_record(
        actor=actor,
        action="notice.withdrawn",
        target=notice,
        patient_id=notice.budget.patient_id,
        summary=f"Withdrawn: {reason.strip()}"[:300],
    )
    return notice


def _may_ask(user: User | None, notice: Notice, today: datetime.date) -> str:
    """Why this user may not ask for the notice to be reconsidered ('' if they may)."""
    if user is None:
        return ""
    if user.can(Capability.RECOVER_MONEY):
        return ""  # staff for the person (their commissioner is checked after)
    if user.can(Capability.REQUEST_RECONSIDERATION) and user.can(Capability.VIEW_OWN_RECORD):
        if not budgets_visible_to(user=user).filter(pk=notice.budget_id).exists():
            raise Notice.DoesNotExist  # not theirs: as if it did not exist
        if today > notice.deadline:
            return (
                f"The deadline to ask, {notice.deadline:%-d %B %Y}, has passed: call or write "
                "to us and we will decide whether to look at it again."
            )
        return ""
    return "Your role cannot ask for a repayment notice to be reconsidered."


@transaction.atomic
def reconsideration_request(*, actor: Actor, notice: Notice, grounds: str) -> Reconsideration:
    """Whoever must pay (or staff for them) asks for the notice to be looked at again. Nothing
    is collected until it is decided."""
    notice = _locked(notice)
    today = _today()
    if notice.status == Status.RECONSIDERING:
        raise ValidationError("A reconsideration of this notice is already waiting for a decision.")
    if notice.status != Status.ISSUED:
        raise ValidationError(
            f"The notice is {Status(notice.status).label.lower()}, so there is nothing to "
            "reconsider."
        )
    refusal = _may_ask(actor.user, notice, today)  # type: ignore[arg-type]
    if refusal:
        raise ValidationError(refusal)
    if not grounds.strip():
        raise ValidationError({"grounds": "Say why the notice should be looked at again."})
    if actor.user is not None and actor.user.can(Capability.RECOVER_MONEY):  # type: ignore[attr-defined]
        check_acts_for(actor, notice.budget.commissioner, today)
    asked = Reconsideration.objects.create(
        notice=notice,
        grounds=grounds.strip(),
        requested_on=today,
        requested_by_id=actor.user_id,
        requested_by_label=actor.label,
    )
    _move(notice, Status.RECONSIDERING, actor=actor, note=grounds.strip())
    audit_record(
        actor=actor,
        action="notice.reconsideration_requested",
        target=notice,
        patient_id=notice.budget.patient_id,
        summary=f"Reconsideration asked for: {grounds.strip()}"[:300],
    )
    return asked


def decider_refusal(*, user: User | None, notice: Notice) -> str:
    """Why this person may not decide a reconsideration of the notice ('' if they may)."""
    if user is None:
        return "A reconsideration is decided by a person, not a system job."
    if not user.can(Capability.DECIDE_RECOVERY):
        return "Only a commissioner decides a reconsideration of a repayment notice."
    if user.pk == notice.issued_by_id:
        return "You issued this notice, so someone else must reconsider it."
    return ""


@transaction.atomic
def reconsideration_decide(
    *,
    actor: Actor,
    reconsideration: Reconsideration,
    verdict: str,
    reasons: str,
    new_amount: int | None = None,
) -> Reconsideration:
    """A commissioner who did not issue the notice decides: it stands (upheld), the amount is
    reduced, or it is withdrawn. The days it was being reconsidered are added to the deadline."""
    asked = Reconsideration.objects.select_for_update().get(pk=reconsideration.pk)
    notice = _locked(asked.notice)
    if asked.verdict != Reconsideration.Verdict.OPEN:
        raise ValidationError("This reconsideration has been decided already.")
    refusal = decider_refusal(user=actor.user, notice=notice)  # type: ignore[arg-type]
    if refusal:
        raise ValidationError(refusal)
    errors: dict[str, str] = {}
    Verdict = Reconsideration.Verdict
    if verdict not in (Verdict.UPHELD, Verdict.REDUCED, Verdict.WITHDRAWN):
        errors["verdict"] = "Choose whether the notice stands, is reduced or is withdrawn."
    if not reasons.strip():
        errors["reasons"] = "Give the reasons for the decision."
    recovered = recovered_of(notice)
    if verdict == Verdict.REDUCED:
        if isinstance(new_amount, bool) or not isinstance(new_amount, int):
            errors["new_amount"] = "Give the new amount."
        elif new_amount >= notice.amount:
            errors["new_amount"] = (
                f"A reduction is below the present {format_pence(notice.amount)}."
            )
        elif new_amount <= recovered:
            errors["new_amount"] = (
                f"{format_pence(recovered)} has been recovered already; a reduced amount is "
                "more than that (or withdraw the notice)."
            )
    elif new_amount is not None:
        errors["new_amount"] = "Only a reduction has a new amount."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, notice.budget.commissioner, _today())
    today = _today()
    asked.verdict = verdict
    asked.reasons = reasons.strip()
    asked.new_amount = new_amount if verdict == Verdict.REDUCED else None
    asked.decided_by_id = actor.user_id
    asked.decided_by_label = actor.label
    asked.decided_at = timezone.now()
    asked.save()
    if verdict == Verdict.WITHDRAWN:
        _move(notice, Status.WITHDRAWN, actor=actor, note=f"On reconsideration: {reasons.strip()}")
    else:
        if verdict == Verdict.REDUCED:
            assert new_amount is not None
            notice.amount = new_amount
        notice.deadline = rules.deadline_after_pause(notice.deadline, asked.requested_on, today)
        _move(
            notice,
            Status.ISSUED,
            actor=actor,
            note=f"{Verdict(verdict).label}: {format_pence(notice.amount)} by "
            f"{notice.deadline:%-d %B %Y}. {reasons.strip()}",
        )
    audit_record(
        actor=actor,
        action="notice.reconsidered",
        target=notice,
        patient_id=notice.budget.patient_id,
        summary=f"{Verdict(verdict).label}"
        + (f" to {format_pence(notice.amount)}" if verdict == Verdict.REDUCED else "")
        + f": {reasons.strip()}"[:250],
    )
    return asked


def notice_letter_recorded(*, actor: Actor, notice: Notice, letter: str, addressee: str) -> None:
    """Write down that a letter about the notice was made, and for whom: the record shows the
    payer was told."""
    audit_record(
        actor=actor,
        action="notice.letter_made",
        target=notice,
        patient_id=notice.budget.patient_id,
        summary=f"Made the {letter}, addressed to {addressee}"[:300],
    )
