"""Setting up a direct payment: who is paid, into what, under which agreement and how often;
bank details entered by one person and verified by another; suspending and stopping; offsets.
Also where a commissioner's payments are made from (its Bacs originator account)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.accounts.selectors import check_acts_for
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Budget
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.planning.models import Provider

from .bacs import check_account_number, check_sort_code
from .models import (
    AccountType,
    BankDetails,
    DirectPaymentSetup,
    Frequency,
    Hold,
    HoldKind,
    HoldReason,
    Offset,
    Originator,
    PayeeKind,
)


def _today() -> datetime.date:
    return timezone.localdate()


def account_errors(sort_code: str, account_number: str, account_name: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        check_sort_code(sort_code)
    except ValueError as error:
        errors["sort_code"] = str(error)
    try:
        check_account_number(account_number)
    except ValueError as error:
        errors["account_number"] = str(error)
    if not account_name.strip():
        errors["account_name"] = "Give the name on the account."
    elif len(account_name.strip()) > 18:
        errors["account_name"] = "The name on the account can be at most 18 characters (Bacs)."
    return errors


@transaction.atomic
def setup_save(
    *,
    actor: Actor,
    budget: Budget,
    payee_kind: str,
    payee_name: str,
    account_type: str,
    frequency: str,
    first_payment_on: datetime.date,
    agreement_signed_on: datetime.date | None = None,
    agreement_version: str = "",
) -> DirectPaymentSetup:
    """Set up (or change) how a budget's direct payment is made. Bank details are entered
    separately, and verified by a second person."""
    budget = Budget.objects.select_for_update().select_related("commissioner").get(pk=budget.pk)
    errors: dict[str, str] = {}
    if payee_kind not in PayeeKind.values:
        errors["payee_kind"] = "Say who is paid: the person, their representative or a nominee."
    if not payee_name.strip():
        errors["payee_name"] = "Give the payee's name."
    if account_type not in AccountType.values:
        errors["account_type"] = "Choose the kind of account."
    if frequency not in Frequency.values:
        errors["frequency"] = "Choose every 4 weeks or every month."
    if not budget.starts_on <= first_payment_on <= budget.ends_on:
        errors["first_payment_on"] = (
            f"The first payment falls within the budget, {budget.starts_on:%-d %B %Y} to "
            f"{budget.ends_on:%-d %B %Y}."
        )
    if agreement_signed_on is not None:
        if agreement_signed_on > _today():
            errors["agreement_signed_on"] = "The agreement cannot be signed in the future."
        if not agreement_version.strip():
            errors["agreement_version"] = "Say which version of the agreement was signed."
    if not budget.lines.filter(holding="direct_payment").exists():
        errors["budget"] = "Nothing in this budget is held as a direct payment."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, budget.commissioner, _today())
    setup, created = DirectPaymentSetup.objects.update_or_create(
        budget=budget,
        defaults=dict(
            payee_kind=payee_kind,
            payee_name=payee_name.strip(),
            account_type=account_type,
            frequency=frequency,
            first_payment_on=first_payment_on,
            agreement_signed_on=agreement_signed_on,
            agreement_version=agreement_version.strip(),
        ),
        create_defaults=dict(
            payee_kind=payee_kind,
            payee_name=payee_name.strip(),
            account_type=account_type,
            frequency=frequency,
            first_payment_on=first_payment_on,
            agreement_signed_on=agreement_signed_on,
            agreement_version=agreement_version.strip(),
            created_by_id=actor.user_id,
        ),
    )
    audit_record(
        actor=actor,
        action="direct_payment.set_up" if created else "direct_payment.changed",
        target=setup,
        patient_id=budget.patient_id,
        summary=f"Paid to {setup.payee_name} ({setup.get_payee_kind_display().lower()}), "
        f"{setup.get_account_type_display().lower()}, {setup.get_frequency_display().lower()} "
        f"from {first_payment_on:%-d %b %Y}"
        + (
            f"; agreement {agreement_version} signed {agreement_signed_on:%-d %b %Y}"
            if agreement_signed_on
            else "; no signed agreement yet"
        ),
    )
    return setup


def _payee_of(details: BankDetails) -> tuple[Organisation, int | None, str]:
    if details.setup_id is not None:
        setup = DirectPaymentSetup.objects.select_related("budget__commissioner").get(
            pk=details.setup_id
        )
        return setup.budget.commissioner, setup.budget.patient_id, setup.payee_name
    provider = details.provider
    assert provider is not None
    return provider.commissioner, None, provider.name


@transaction.atomic
def bank_details_enter(
    *,
    actor: Actor,
    sort_code: str,
    account_number: str,
    account_name: str,
    setup: DirectPaymentSetup | None = None,
    provider: Provider | None = None,
) -> BankDetails:
    """Enter new bank details for a direct payment or a provider. They are not paid into until
    a second person verifies them; until then the payment is held (and listed as held)."""
    if (setup is None) == (provider is None):
        raise ValidationError("Bank details belong to one direct payment or one provider.")
    errors = account_errors(sort_code, account_number, account_name)
    if errors:
        raise ValidationError(errors)
    pending = BankDetails.objects.filter(
        setup=setup, provider=provider, status=BankDetails.Status.PENDING
    )
    if pending.exists():
        raise ValidationError(
            "A change of bank details is already waiting to be verified; verify or reject it first."
        )
    details = BankDetails(
        setup=setup,
        provider=provider,
        sort_code=check_sort_code(sort_code),
        account_number=check_account_number(account_number),
        account_name=account_name.strip().upper(),
        entered_by_id=actor.user_id,
    )
    commissioner, patient_id, payee = _payee_of(details)
    check_acts_for(actor, commissioner, _today())
    details.save()
    audit_record(
        actor=actor,
        action="bank_details.entered",
        target=details,
        patient_id=patient_id,
        summary=f"New bank details for {payee}: {details.masked}; waiting to be verified",
    )
    return details


@transaction.atomic
def bank_details_decide(
    *, actor: Actor, details: BankDetails, verified: bool, note: str = ""
) -> BankDetails:
    """A second person checks new bank details (with the payee, by a call back to a number
    already on record) and verifies or rejects them. Never the person who entered them."""
    details = BankDetails.objects.select_for_update().get(pk=details.pk)
    if details.status != BankDetails.Status.PENDING:
        raise ValidationError("These bank details have been decided already.")
    if actor.user_id is None or actor.user_id == details.entered_by_id:
        raise ValidationError("You entered these bank details, so someone else must verify them.")
    if not verified and not note.strip():
        raise ValidationError({"note": "Say why the bank details are rejected."})
    commissioner, patient_id, payee = _payee_of(details)
    check_acts_for(actor, commissioner, _today())
    details.status = BankDetails.Status.VERIFIED if verified else BankDetails.Status.REJECTED
    details.decided_by_id = actor.user_id
    details.decided_at = timezone.now()
    details.note = note.strip()[:300]
    details.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit_record(
        actor=actor,
        action="bank_details.verified" if verified else "bank_details.rejected",
        target=details,
        patient_id=patient_id,
        summary=f"Bank details for {payee} ({details.masked}) "
        + ("verified" if verified else f"rejected: {note.strip()}"),
    )
    if verified and details.setup_id is not None:
        # The holder is told of every change to where their money goes (in their record).
        audit_record(
            actor=actor,
            action="bank_details.holder_notified",
            target=details,
            patient_id=patient_id,
            summary=f"{payee} told that payments now go to the account ending "
            f"{details.account_number[-4:]}",
        )
    return details


def verified_details(
    *, setup: DirectPaymentSetup | None = None, provider: Provider | None = None
) -> BankDetails | None:
    """The bank details payments go to: the latest verified, unless a change is waiting."""
    details = BankDetails.objects.filter(setup=setup, provider=provider)
    if details.filter(status=BankDetails.Status.PENDING).exists():
        return None
    return details.filter(status=BankDetails.Status.VERIFIED).order_by("-decided_at", "-id").first()


@transaction.atomic
def hold_start(
    *,
    actor: Actor,
    setup: DirectPaymentSetup,
    kind: str,
    reason: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    note: str = "",
) -> Hold:
    """Suspend (for a while, or until lifted) or stop a direct payment. Payments must stop when
    the person withdraws consent, and may on other grounds."""
    setup = (
        DirectPaymentSetup.objects.select_for_update()
        .select_related("budget__commissioner")
        .get(pk=setup.pk)
    )
    errors: dict[str, str] = {}
    if kind not in HoldKind.values:
        errors["kind"] = "Choose suspend or stop."
    if reason not in HoldReason.values:
        errors["reason"] = "Choose the reason."
    if reason == HoldReason.CONSENT_WITHDRAWN and kind != HoldKind.STOP:
        errors["kind"] = "When the person withdraws consent the direct payment must stop."
    if kind == HoldKind.STOP and ends_on is not None:
        errors["ends_on"] = "A stop has no end date; set up a new direct payment to restart."
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "A suspension ends on or after the day it starts."
    if reason == HoldReason.OTHER and not note.strip():
        errors["note"] = "Say what the reason is."
    if setup.holds.filter(kind=HoldKind.STOP).exists():
        errors["kind"] = "This direct payment has been stopped already."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, setup.budget.commissioner, _today())
    hold = Hold.objects.create(
        setup=setup,
        kind=kind,
        reason=reason,
        note=note.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action=f"direct_payment.{'stopped' if kind == HoldKind.STOP else 'suspended'}",
        target=hold,
        patient_id=setup.budget.patient_id,
        summary=f"{hold.get_kind_display()} from {starts_on:%-d %b %Y}"
        + (f" to {ends_on:%-d %b %Y}" if ends_on else "")
        + f": {hold.get_reason_display()}",
    )
    return hold


@transaction.atomic
def hold_lift(*, actor: Actor, hold: Hold, on: datetime.date) -> Hold:
    """End a suspension (a stop cannot be lifted)."""
    hold = (
        Hold.objects.select_for_update()
        .select_related("setup__budget__commissioner")
        .get(pk=hold.pk)
    )
    if hold.kind == HoldKind.STOP:
        raise ValidationError("A stopped direct payment is not restarted; set up a new one.")
    if on < hold.starts_on:
        raise ValidationError({"on": "A suspension is lifted on or after the day it started."})
    check_acts_for(actor, hold.setup.budget.commissioner, _today())
    hold.ends_on = on
    hold.save(update_fields=["ends_on"])
    audit_record(
        actor=actor,
        action="direct_payment.suspension_lifted",
        target=hold,
        patient_id=hold.setup.budget.patient_id,
        summary=f"Suspension lifted from {on:%-d %b %Y}",
    )
    return hold


def hold_notice_recorded(*, actor: Actor, hold: Hold, addressee: str) -> None:
    """Write down that a notice of a suspension or stop was produced, and for whom (the
    person, or who acts for them): the record shows they were told."""
    setup = hold.setup
    audit_record(
        actor=actor,
        action="direct_payment.notice_made",
        target=hold,
        patient_id=setup.budget.patient_id,
        summary=f"Made the notice letter (direct payment {hold.get_kind_display().lower()} "
        f"from {hold.starts_on:%-d %b %Y}), addressed to {addressee}",
    )


@transaction.atomic
def offset_record(
    *, actor: Actor, setup: DirectPaymentSetup, amount: int, reason: str, decided_on: datetime.date
) -> Offset:
    """A recovery decision says accumulated unused money is to be used instead of paying:
    later payments are reduced by it, each by at most its own amount."""
    setup = DirectPaymentSetup.objects.select_related("budget__commissioner").get(pk=setup.pk)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": "The offset is a whole number of pence above 0."})
    if not reason.strip():
        raise ValidationError({"reason": "Say which recovery decision this comes from."})
    check_acts_for(actor, setup.budget.commissioner, _today())
    offset = Offset.objects.create(
        setup=setup,
        amount=amount,
        reason=reason.strip()[:300],
        decided_on=decided_on,
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="direct_payment.offset_recorded",
        target=offset,
        patient_id=setup.budget.patient_id,
        summary=f"{format_pence(amount)} of unused money to be offset: {reason.strip()}"[:300],
    )
    return offset


@transaction.atomic
def originator_set(
    *,
    actor: Actor,
    commissioner: Organisation,
    sort_code: str,
    account_number: str,
    account_name: str,
    service_user_number: str,
) -> Originator:
    """The commissioner's account payments are made from, and its Bacs service user number."""
    errors = account_errors(sort_code, account_number, account_name)
    if not (service_user_number.isdigit() and len(service_user_number) == 6):
        errors["service_user_number"] = "A Bacs service user number is 6 digits."
    if errors:
        raise ValidationError(errors)
    check_acts_for(actor, commissioner, _today())
    originator, _ = Originator.objects.update_or_create(
        commissioner=commissioner,
        defaults=dict(
            sort_code=check_sort_code(sort_code),
            account_number=check_account_number(account_number),
            account_name=account_name.strip().upper(),
            service_user_number=service_user_number,
        ),
    )
    audit_record(
        actor=actor,
        action="bacs_originator.set",
        target=originator,
        summary=f"{commissioner.name} pays from {originator.account_name}, "
        f"SUN {service_user_number}",
    )
    return originator
