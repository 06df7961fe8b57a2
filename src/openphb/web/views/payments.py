"""Direct-payment pages for finance officers: a budget's direct payment (who is paid, into what
kind of account, under which agreement and how often), its bank details (entered by one
person, verified by another), suspending, stopping and lifting, the notice letter, and the
worklist of bank-detail changes waiting to be verified. Also the "Direct payment" and
"Payments made" sections of a budget's page.

Payment runs, the commissioner's own account and returned payments are in `payment_runs`."""

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import members_who_can
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budget_get, budget_open
from openphb.organisations.models import Organisation
from openphb.payments import services
from openphb.payments.models import BankDetails, DirectPaymentSetup, Hold, HoldKind
from openphb.payments.selectors import (
    bank_history,
    changes_to_verify,
    holds_of,
    payment_description,
    payments_of_budget,
    setup_of,
)

from .. import letters
from ..payment_forms import BankDetailsForm, DecideForm, HoldForm, LiftForm, SetupForm
from .common import requires, signed_in, submit


def _budget(request: HttpRequest, pk: int) -> Budget:
    try:
        return budget_get(user=signed_in(request), pk=pk)
    except Budget.DoesNotExist:
        raise Http404("No such budget") from None


def _setup(request: HttpRequest, pk: int) -> tuple[Budget, DirectPaymentSetup]:
    budget = _budget(request, pk)
    setup = setup_of(budget=budget)
    if setup is None:
        raise Http404("No direct payment has been set up for this budget")
    return budget, setup


def _hold(request: HttpRequest, pk: int, hold_pk: int) -> tuple[Budget, Hold]:
    budget, setup = _setup(request, pk)
    for hold in holds_of(setup=setup):
        if hold.pk == hold_pk:
            return budget, hold
    raise Http404("No such suspension or stop")


def hold_on(holds: list[Hold], day: datetime.date) -> Hold | None:
    """The suspension or stop in force on a day, if any."""
    return next(
        (h for h in holds if h.starts_on <= day and (h.ends_on is None or h.ends_on >= day)),
        None,
    )


def page_of(budget: Budget) -> str:
    return reverse("web:direct-payment", args=[budget.pk])


def form_page(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    done: Callable[[Any], str],
    confirm: Callable[[Any], str],
    title: str,
    action: str,
    back: tuple[str, str],
    caption: str = "",
    intro: list[str] | None = None,
    warning: bool = False,
    **context: Any,
) -> HttpResponse:
    """A short form for one step: on success, back where `done` says with `confirm`'s words in
    a success banner; otherwise the form again, with its problems and what was typed (400)."""
    saved = submit(form, save)
    if saved is not None:
        messages.success(request, confirm(saved))
        return redirect(done(saved))
    return render(
        request,
        "payments/form.html",
        {
            "form": form,
            "title": title,
            "action": action,
            "back": back,
            "caption": caption,
            "intro": intro or [],
            "warning": warning,
            **context,
        },
        status=400 if form.is_bound else 200,
    )


def _caption(budget: Budget) -> str:
    return (
        f"{budget.patient.full_name}: budget {budget.starts_on:%-d %B %Y} to "
        f"{budget.ends_on:%-d %B %Y}"
    )


# --- A budget's direct payment ----------------------------------------------------------------


@requires(Capability.MANAGE_PAYMENTS)
def direct_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about a budget's direct payment, and the steps a finance officer may take."""
    user = signed_in(request)
    try:
        # Bank details and holds are part of the person's record: scoped, and audited.
        budget = budget_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Budget.DoesNotExist:
        raise Http404("No such budget") from None
    setup = setup_of(budget=budget)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "budget": budget,
        "patient": budget.patient,
        "setup": setup,
        "today": today,
        "pays_directly": budget.lines.filter(holding="direct_payment").exists(),
    }
    if setup is not None:
        history = bank_history(setup=setup)
        holds = holds_of(setup=setup)
        context.update(
            {
                "history": history,
                "bank": latest_verified(history),
                "pending": next(
                    (d for d in history if d.status == BankDetails.Status.PENDING), None
                ),
                "holds": holds,
                "hold_now": hold_on(holds, today),
                "stopped": any(h.kind == HoldKind.STOP for h in holds),
                "payments": payments_of_budget(user=user, budget_id=budget.pk),
                "describe": payment_description,
            }
        )
    return render(request, "payments/direct_payment.html", context)


@requires(Capability.MANAGE_PAYMENTS)
def setup_change(request: HttpRequest, pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    setup = setup_of(budget=budget)
    if setup is not None:
        initial: dict[str, Any] = {
            name: getattr(setup, name)
            for name in (
                "payee_kind",
                "payee_name",
                "account_type",
                "frequency",
                "first_payment_on",
                "agreement_signed_on",
                "agreement_version",
            )
        }
    else:
        initial = {
            "payee_kind": "person",
            "payee_name": budget.patient.full_name,
            "first_payment_on": max(budget.starts_on, timezone.localdate()),
        }
    form = SetupForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        lambda data: services.setup_save(actor=Actor.from_request(request), budget=budget, **data),
        done=lambda saved: page_of(budget),
        confirm=lambda saved: (
            "The direct payment has been "
            + ("changed." if setup else "set up. Enter the bank details next.")
        ),
        title="Change the direct payment" if setup else "Set up the direct payment",
        action="Save" if setup else "Set up the direct payment",
        back=(page_of(budget), "Back to the direct payment"),
        caption=_caption(budget),
        intro=[
            f"The budget runs from {budget.starts_on:%-d %B %Y} to {budget.ends_on:%-d %B %Y}. "
            "Payments are made in advance and cover the direct-payment items of the care plan.",
            "Nothing is paid until the signed agreement is recorded here and the bank details "
            "have been verified by a second person.",
        ],
    )


@requires(Capability.MANAGE_PAYMENTS)
def bank_details_enter(request: HttpRequest, pk: int) -> HttpResponse:
    budget, setup = _setup(request, pk)
    form = BankDetailsForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.bank_details_enter(
            actor=Actor.from_request(request), setup=setup, **data
        ),
        done=lambda saved: page_of(budget),
        confirm=lambda saved: (
            f"The new bank details ({saved.masked}) have been entered. Another "
            "finance officer must verify them before anything is paid into them."
        ),
        title="Enter new bank details",
        action="Enter bank details",
        back=(page_of(budget), "Back to the direct payment"),
        caption=_caption(budget),
        intro=[
            f"Where the direct payment to {setup.payee_name} is paid. Another finance officer "
            "checks them with the payee before they are used; until then payments are held, "
            "and each payment run lists them as held for that reason.",
        ],
    )


@requires(Capability.MANAGE_PAYMENTS)
def hold_add(request: HttpRequest, pk: int) -> HttpResponse:
    budget, setup = _setup(request, pk)
    form = HoldForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: services.hold_start(actor=Actor.from_request(request), setup=setup, **data),
        done=lambda saved: page_of(budget) + "#holds",
        confirm=lambda saved: (
            f"The direct payment is {saved.get_kind_display().lower()} from "
            f"{saved.starts_on:%-d %B %Y}. Print the notice letter to tell "
            f"{budget.patient.given_name} why."
        ),
        title="Suspend or stop the direct payment",
        action="Save",
        back=(page_of(budget), "Back to the direct payment"),
        caption=_caption(budget),
        intro=[
            "A suspension holds payments for a while (until a date, or until it is lifted). A "
            "stop is final: payments start again only with a new set-up.",
            "When the person withdraws their consent, the direct payment must stop.",
        ],
        warning=True,
    )


@requires(Capability.MANAGE_PAYMENTS)
def hold_lift(request: HttpRequest, pk: int, hold_pk: int) -> HttpResponse:
    budget, hold = _hold(request, pk, hold_pk)
    if hold.kind == HoldKind.STOP:
        raise Http404("A stop cannot be lifted")
    form = LiftForm(request.POST or None, initial={"on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: services.hold_lift(actor=Actor.from_request(request), hold=hold, **data),
        done=lambda saved: page_of(budget) + "#holds",
        confirm=lambda saved: f"The suspension ends on {saved.ends_on:%-d %B %Y}.",
        title="Lift the suspension",
        action="Lift the suspension",
        back=(page_of(budget), "Back to the direct payment"),
        caption=_caption(budget),
        intro=[
            f"Suspended from {hold.starts_on:%-d %B %Y}: {hold.get_reason_display().lower()}.",
            "Give the last day of the suspension. Payments due after it are made by the next "
            "payment run.",
        ],
    )


@requires(Capability.MANAGE_PAYMENTS)
def hold_notice(request: HttpRequest, pk: int, hold_pk: int) -> HttpResponse:
    """The notice letter of a suspension or stop, as a PDF."""
    _, hold = _hold(request, pk, hold_pk)
    pdf = letters.hold_notice(
        hold=hold, actor=Actor.from_request(request), today=timezone.localdate()
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    kind = "stop" if hold.kind == HoldKind.STOP else "suspension"
    response["Content-Disposition"] = f'inline; filename="direct-payment-{kind}-{hold.pk}.pdf"'
    return response


# --- Bank-detail changes waiting to be verified ----------------------------------------------


def _commissioner_of(details: BankDetails) -> Organisation:
    if details.setup is not None:
        return details.setup.budget.commissioner
    assert details.provider is not None
    return details.provider.commissioner


def payee_of(details: BankDetails) -> str:
    if details.setup is not None:
        return details.setup.payee_name
    assert details.provider is not None
    return details.provider.name


def latest_verified(history: list[BankDetails]) -> BankDetails | None:
    """The account payments went to last: the latest verified details (a change waiting to be
    verified holds payments, but does not replace them)."""
    verified = [d for d in history if d.status == BankDetails.Status.VERIFIED]
    return max(verified, key=lambda d: (d.decided_at, d.pk), default=None)


def who_may_verify(details: BankDetails) -> list[str]:
    """The finance officers of the payee's commissioner who did not enter the details."""
    officers = members_who_can(
        organisation=_commissioner_of(details), capability=Capability.MANAGE_PAYMENTS
    )
    return [user.display_name for user in officers if user.pk != details.entered_by_id]


@requires(Capability.MANAGE_PAYMENTS)
def bank_changes(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    changes = list(
        changes_to_verify(user=user).select_related(
            "setup__budget__patient", "setup__budget__commissioner", "provider", "entered_by"
        )
    )
    verifiers: dict[int, list[str]] = {
        change.pk: who_may_verify(change) for change in changes if change.entered_by_id == user.pk
    }
    return render(
        request, "payments/bank_changes.html", {"changes": changes, "verifiers": verifiers}
    )


def _change(user: User, pk: int) -> BankDetails:
    found = (
        changes_to_verify(user=user)
        .select_related(
            "setup__budget__patient", "setup__budget__commissioner", "provider", "entered_by"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such change of bank details waiting to be verified")
    return found


@requires(Capability.MANAGE_PAYMENTS)
def bank_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Verify or reject new bank details: never by the person who entered them, who is told
    who must instead."""
    user = signed_in(request)
    details = _change(user, pk)
    own = details.entered_by_id == user.pk
    form = DecideForm(request.POST or None)
    saved = (
        None
        if own
        else submit(
            form,
            lambda data: services.bank_details_decide(
                actor=Actor.from_request(request),
                details=details,
                verified=data["decision"] == "verify",
                note=data["note"],
            ),
        )
    )
    if saved is not None:
        outcome = (
            "verified: payments go to them from now on."
            if saved.status == BankDetails.Status.VERIFIED
            else "rejected."
        )
        messages.success(
            request, f"The bank details for {payee_of(saved)} ({saved.masked}) have been {outcome}"
        )
        return redirect("web:bank-changes")
    previous = None
    if details.setup is not None:
        previous = latest_verified(bank_history(setup=details.setup))
    return render(
        request,
        "payments/bank_decide.html",
        {
            "details": details,
            "form": form,
            "own": own,
            "verifiers": who_may_verify(details) if own else [],
            "previous": previous,
        },
        status=400 if form.is_bound and not own else 200,
    )


# --- The sections of a budget's page ----------------------------------------------------------


def budget_section(user: User, budget: Budget) -> dict[str, Any]:
    """The direct payment of a budget for staff, and the payments made, for its page."""
    setup = setup_of(budget=budget)
    context: dict[str, Any] = {
        "dp_setup": setup,
        "payments_made": payments_of_budget(user=user, budget_id=budget.pk),
        "describe_payment": payment_description,
        "can_manage_payments": user.can(Capability.MANAGE_PAYMENTS),
    }
    if setup is not None:
        context["dp_hold"] = hold_on(holds_of(setup=setup), timezone.localdate())
    if setup is not None:
        # Staff and the budget holder alike see where the money goes and every change to it:
        # a change of bank details nobody asked for is how payments get diverted.
        history = bank_history(setup=setup)
        context["dp_bank"] = latest_verified(history)
        context["dp_pending"] = any(d.status == BankDetails.Status.PENDING for d in history)
        context["dp_changes"] = [d for d in history if d.status != BankDetails.Status.REJECTED]
    return context
