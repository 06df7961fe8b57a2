"""Reads for direct payments and payment runs, scoped to what the user may see."""

import datetime

from django.db.models import QuerySet

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_organisation_ids
from openphb.audit.services import Actor, audit_record
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budgets_visible_to
from openphb.organisations.selectors import organisation_ids_answering_for

from .models import BankDetails, DirectPaymentSetup, Hold, Payment, PaymentRun, Skip
from .remittance import RemittanceRow
from .runs import run_file


def _answering_for(user: User) -> set[int]:
    return organisation_ids_answering_for(
        organisation_ids=user_organisation_ids(user=user), on=datetime.date.today()
    )


def runs_visible_to(*, user: User) -> QuerySet[PaymentRun]:
    """Runs of the commissioners a finance officer works for (or whose work passed to theirs)."""
    if not user.can(Capability.MANAGE_PAYMENTS):
        return PaymentRun.objects.none()
    return PaymentRun.objects.filter(commissioner_id__in=_answering_for(user))


def run_get(*, user: User, pk: int) -> PaymentRun:
    return runs_visible_to(user=user).select_related("commissioner").get(pk=pk)


def skips_of(*, run: PaymentRun) -> QuerySet[Skip]:
    return run.skips.select_related("budget__patient").order_by("reason", "budget_id")


def payments_of(*, run: PaymentRun) -> QuerySet[Payment]:
    return run.payments.select_related("budget__patient").order_by("id")


def remittance_rows(*, run: PaymentRun) -> list[RemittanceRow]:
    """The remittance advice of a run: one row for each credit in its Bacs file, in the file's
    order (a payment an offset took to nothing is not in the file, nor here)."""
    rows = []
    for payment in run.payments.filter(amount__gt=0).select_related("budget").order_by("id"):
        budget = payment.budget
        rows.append(
            RemittanceRow(
                payment_reference=payment.reference,
                budget=f"Budget {budget.pk}, {budget.starts_on:%-d %b %Y} to "
                f"{budget.ends_on:%-d %b %Y}",
                payee_name=payment.payee_name,
                sort_code=payment.sort_code,
                account_number=payment.account_number,
                amount=payment.amount,
                payment_date=run.payment_date,
                description=payment_description(payment),
            )
        )
    return rows


def payment_description(payment: Payment) -> str:
    """What a payment covers, in words: '5 January 2026 to 4 February 2026' (a regular
    payment's period), 'One-off payment for 12 March 2026'."""
    if payment.kind == Payment.Kind.REGULAR:
        return f"{payment.period_start:%-d %B %Y} to {payment.period_end:%-d %B %Y}"
    if payment.kind == Payment.Kind.ONE_OFF:
        return f"One-off payment for {payment.period_start:%-d %B %Y}"
    return f"Provider invoice, {payment.period_start:%-d %B %Y}"


def setup_of(*, budget: Budget) -> DirectPaymentSetup | None:
    """A budget's direct-payment set-up. Call only with a budget read through `budget_get`."""
    return DirectPaymentSetup.objects.filter(budget=budget).first()


def bank_history(*, setup: DirectPaymentSetup) -> list[BankDetails]:
    return list(setup.bank_details.select_related("entered_by", "decided_by"))


def holds_of(*, setup: DirectPaymentSetup) -> list[Hold]:
    return list(setup.holds.all())


def payments_of_budget(*, user: User, budget_id: int) -> list[Payment]:
    """Every payment made (or returned) for a budget the user may see, newest first: what the
    budget holder sees arrive."""
    if not budgets_visible_to(user=user).filter(pk=budget_id).exists():
        return []
    return list(
        Payment.objects.filter(budget_id=budget_id)
        .exclude(status=Payment.Status.DUE)
        .select_related("run")
        .order_by("-period_start", "-id")
    )


def changes_to_verify(*, user: User) -> QuerySet[BankDetails]:
    """Bank details waiting for a second person, for the commissioners the user works for."""
    if not user.can(Capability.MANAGE_PAYMENTS):
        return BankDetails.objects.none()
    answering = _answering_for(user)
    return (
        BankDetails.objects.filter(status=BankDetails.Status.PENDING)
        .filter(setup__budget__commissioner_id__in=answering)
        .select_related("setup__budget__patient", "entered_by")
        .order_by("entered_at")
    ) | (
        BankDetails.objects.filter(status=BankDetails.Status.PENDING)
        .filter(provider__commissioner_id__in=answering)
        .select_related("provider", "entered_by")
        .order_by("entered_at")
    )


def run_file_open(*, actor: Actor, run: PaymentRun) -> bytes:
    """The run's Bacs file (every payee's whole account number), for someone to download: read
    through `runs.run_file` and audited as `payment_run.file_downloaded`. Call with a run read
    through `run_get`."""
    data = run_file(run=run)
    audit_record(
        actor=actor,
        action="payment_run.file_downloaded",
        target=run,
        summary=f"Bacs file serial {run.serial} ({len(data):,} bytes, SHA-256 "
        f"{run.file_sha256[:12]}...)",
    )
    return data
