"""Payment-run pages for finance officers: the runs of each commissioner, newest first;
creating a run (what it gathered, and every budget it skipped with the reason); approving it
(never by its creator, who is told who may); cancelling it; the Bacs file and the remittance
advice; a payment the bank returned; and the commissioner's own account payments are made
from (its Bacs originator)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import members_who_can, user_commissioners
from openphb.audit.services import Actor
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.payments import runs, services
from openphb.payments.models import Originator, Payment, PaymentRun
from openphb.payments.remittance import remittance_csv
from openphb.payments.selectors import (
    changes_to_verify,
    payment_description,
    payments_of,
    remittance_rows,
    run_file_open,
    run_get,
    runs_visible_to,
    skips_of,
)

from ..payment_forms import CancelForm, OriginatorForm, ReturnForm, RunCreateForm
from .common import paginate, requires, signed_in
from .payments import form_page

PAYMENTS_PAGE = 50
SKIPS_PAGE = 50


def _run(request: HttpRequest, pk: int) -> PaymentRun:
    """A run of a commissioner the user works for; anyone else's is a 404."""
    try:
        return run_get(user=signed_in(request), pk=pk)
    except PaymentRun.DoesNotExist:
        raise Http404("No such payment run") from None


def run_page(run: PaymentRun) -> str:
    return reverse("web:payment-run", args=[run.pk])


def payments_of_run(run: PaymentRun) -> str:
    """'1 payment', '1,250 payments'."""
    return f"{run.payments_count:,} payment" + ("" if run.payments_count == 1 else "s")


def _commissioners(user: User) -> list[Organisation]:
    return list(user_commissioners(user_id=user.pk).order_by("name"))


# --- The runs ---------------------------------------------------------------------------------


@requires(Capability.MANAGE_PAYMENTS)
def run_list(request: HttpRequest) -> HttpResponse:
    """One commissioner's runs at a time (chosen when the user works for several), newest
    first, with the account its payments are made from."""
    user = signed_in(request)
    commissioners = _commissioners(user)
    chosen = next(
        (c for c in commissioners if c.ods_code == request.GET.get("commissioner")),
        commissioners[0] if commissioners else None,
    )
    found = runs_visible_to(user=user).select_related("commissioner", "created_by", "approved_by")
    if chosen is not None:
        found = found.filter(commissioner=chosen)
    page, pagination = paginate(request, found.order_by("-payment_date", "-id"))
    originators = {
        o.commissioner_id: o for o in Originator.objects.filter(commissioner__in=commissioners)
    }
    return render(
        request,
        "payments/runs.html",
        {
            "commissioners": commissioners,
            "chosen": chosen,
            "page": page,
            "pagination": pagination,
            "originator": originators.get(chosen.pk) if chosen else None,
            "to_verify": changes_to_verify(user=user).count(),
        },
    )


@requires(Capability.MANAGE_PAYMENTS)
def run_create(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    commissioners = user_commissioners(user_id=user.pk).order_by("name")
    chosen = request.GET.get("commissioner", "")
    form = RunCreateForm(
        request.POST or None,
        commissioners=commissioners,
        initial={"commissioner": chosen or None, "payment_date": _next_weekday()},
    )
    started = timezone.now()
    missing = [c for c in commissioners if not Originator.objects.filter(commissioner=c).exists()]
    return form_page(
        request,
        form,
        lambda data: runs.run_create(actor=Actor.from_request(request), **data),
        done=run_page,
        confirm=lambda run: (
            f"There was already a run for {run.commissioner.name} on "
            f"{run.payment_date:%-d %B %Y}: this is it."
            if run.created_at < started
            else f"The run has gathered {payments_of_run(run)}, "
            f"{format_pence(run.payments_total)}. Check them and the budgets skipped; another "
            "finance officer approves it."
        ),
        title="Create a payment run",
        action="Gather the payments",
        back=(reverse("web:payment-runs"), "Payment runs"),
        intro=[
            "The run gathers every direct payment due by the payment date for the "
            "commissioner's budgets, and lists every budget it skips with the reason (suspended, "
            "stopped, bank details not verified, no signed agreement...). Nothing is paid until "
            "another finance officer approves it.",
        ],
        missing_originators=missing,
    )


def _next_weekday() -> datetime.date:
    """Today, or Monday at a weekend: Bacs pays on weekdays."""
    day = timezone.localdate()
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def who_may_approve(run: PaymentRun) -> list[str]:
    """The finance officers of the run's commissioner who did not create it."""
    officers = members_who_can(organisation=run.commissioner, capability=Capability.MANAGE_PAYMENTS)
    return [user.display_name for user in officers if user.pk != run.created_by_id]


def _run_detail(
    request: HttpRequest, run: PaymentRun, problems: list[str] | None = None
) -> HttpResponse:
    user = signed_in(request)
    payments, payments_pagination = paginate(
        request, payments_of(run=run), PAYMENTS_PAGE, anchor="payments"
    )
    skips, skips_pagination = paginate(
        request, skips_of(run=run), SKIPS_PAGE, param="skipped", anchor="skipped"
    )
    creator = run.created_by_id is not None and run.created_by_id == user.pk
    return render(
        request,
        "payments/run.html",
        {
            "run": run,
            "payments": payments,
            "payments_pagination": payments_pagination,
            "skips": skips,
            "skips_pagination": skips_pagination,
            "creator": creator,
            "approvers": who_may_approve(run) if creator else [],
            "describe": payment_description,
            "problems": [{"text": text, "href": "#run-actions"} for text in problems or []],
        },
        status=400 if problems else 200,
    )


@requires(Capability.MANAGE_PAYMENTS)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_detail(request, _run(request, pk))


@require_POST
@requires(Capability.MANAGE_PAYMENTS)
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the run (or finish approving it): every payment is posted to the ledger and the
    Bacs file is written."""
    run = _run(request, pk)
    try:
        run = runs.run_approve(actor=Actor.from_request(request), run=run)
    except ValidationError as error:
        run.refresh_from_db()
        return _run_detail(request, run, error.messages)
    paid = f"{payments_of_run(run)}, {format_pence(run.payments_total)}, "
    paid += "has been paid" if run.payments_count == 1 else "have been paid"
    messages.success(
        request,
        f"The run is approved: {paid}."
        + (
            f" Download the Bacs file (serial {run.serial:06d}) and send it to the bank."
            if run.serial
            else ""
        ),
    )
    return redirect(run_page(run))


@requires(Capability.MANAGE_PAYMENTS)
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if run.status != PaymentRun.Status.GATHERED:
        return _run_detail(request, run, ["Only a run waiting for approval can be cancelled."])
    form = CancelForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: runs.run_cancel(actor=Actor.from_request(request), run=run, **data),
        done=run_page,
        confirm=lambda saved: (
            "The run is cancelled. Its payments are due again and will be gathered by the next run."
        ),
        title="Cancel the payment run",
        action="Cancel the run",
        back=(run_page(run), "Back to the run"),
        caption=f"{run.commissioner.name}: payment run for {run.payment_date:%-d %B %Y}",
        intro=[
            f"It gathered {payments_of_run(run)}, {format_pence(run.payments_total)}. "
            "Nothing has been paid. A cancelled run is kept, with the reason.",
        ],
        warning=True,
    )


@requires(Capability.MANAGE_PAYMENTS)
def run_bacs_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved run's Bacs Standard 18 file, written again and checked byte for byte."""
    run = _run(request, pk)
    try:
        data = run_file_open(actor=Actor.from_request(request), run=run)
    except ValidationError as error:
        return _run_detail(request, run, error.messages)
    response = HttpResponse(data, content_type="application/octet-stream")
    name = f"bacs-{run.commissioner.ods_code}-{run.serial:06d}.txt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Capability.MANAGE_PAYMENTS)
def run_remittance(request: HttpRequest, pk: int) -> HttpResponse:
    """The remittance advice of an approved run, as CSV: one row for each credit in the file."""
    run = _run(request, pk)
    if run.status != PaymentRun.Status.APPROVED:
        return _run_detail(request, run, ["A run has a remittance advice once it is approved."])
    response = HttpResponse(
        remittance_csv(remittance_rows(run=run)), content_type="text/csv; charset=utf-8"
    )
    name = f"remittance-{run.commissioner.ods_code}-{run.payment_date:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Capability.MANAGE_PAYMENTS)
def payment_return(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """Record that the bank returned a payment: the money goes back into the budget."""
    run = _run(request, pk)
    payment = (
        Payment.objects.filter(run=run, pk=payment_pk).select_related("budget__patient").first()
    )
    if payment is None:
        raise Http404("No such payment in this run")
    form = ReturnForm(request.POST or None, initial={"on": timezone.localdate()})
    return form_page(
        request,
        form,
        lambda data: runs.payment_return(
            actor=Actor.from_request(request), payment=payment, **data
        ),
        done=lambda saved: run_page(run) + "#payments",
        confirm=lambda saved: (
            f"Payment {saved.reference} is marked as returned by the bank. "
            f"{format_pence(saved.amount)} is back in {payment.budget.patient.full_name}'s budget."
        ),
        title="Record a payment returned by the bank",
        action="Mark as returned",
        back=(run_page(run) + "#payments", "Back to the run"),
        caption=f"Payment {payment.reference}",
        intro=[
            f"{format_pence(payment.amount)} paid to {payment.payee_name} on "
            f"{run.payment_date:%-d %B %Y}"
            + (
                f", from {payment.budget.patient.full_name}'s budget."
                if payment.payee_name != payment.budget.patient.full_name
                else "."
            ),
            "The payment is reversed in the ledger, so the money is back in the budget. Check "
            "the bank details with the payee before they are paid again.",
        ],
        payment=payment,
    )


# --- The commissioner's own account -----------------------------------------------------------


@requires(Capability.MANAGE_PAYMENTS)
def originator_set(request: HttpRequest, ods_code: str) -> HttpResponse:
    user = signed_in(request)
    commissioner = user_commissioners(user_id=user.pk).filter(ods_code=ods_code).first()
    if commissioner is None:
        raise Http404("No such commissioner of yours")
    current = Originator.objects.filter(commissioner=commissioner).first()
    fields = ("sort_code", "account_number", "account_name", "service_user_number")
    initial = {name: getattr(current, name) for name in fields} if current else {}
    form = OriginatorForm(request.POST or None, initial=initial)
    back = reverse("web:payment-runs") + f"?commissioner={commissioner.ods_code}"
    return form_page(
        request,
        form,
        lambda data: services.originator_set(
            actor=Actor.from_request(request), commissioner=commissioner, **data
        ),
        done=lambda saved: back,
        confirm=lambda saved: (
            f"{commissioner.name}'s payments are made from "
            f"{saved.account_name}, service user number {saved.service_user_number}."
        ),
        title="The account payments are made from",
        action="Save",
        back=(back, "Payment runs"),
        caption=commissioner.name,
        intro=[
            "The commissioner's own bank account, which every Bacs file pays from, and the "
            "service user number its bank gave it for Bacs.",
        ],
    )
