"""Recovery pages: the worklist of repayment notices (reconsiderations waiting for a decision,
notices past their deadline, notices waiting for repayment), issuing a notice from a budget or
a monitoring flag, a notice's page (its history, what was recovered, recording a recovery,
withdrawing, reconsideration) and its letters as PDF; and, for the budget holder, their notices
in plain English with a way to ask for one to be reconsidered. Also the "Repayment notices"
section of a budget's page."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budget_get
from openphb.ledger.services import format_pence
from openphb.monitoring.models import Flag
from openphb.recovery import rules, services
from openphb.recovery.models import Method, Notice, Reconsideration, Status
from openphb.recovery.selectors import (
    events_of,
    flag_for_notice,
    notice_get,
    notice_open,
    notices_about_flag,
    notices_issued,
    notices_of_budget,
    notices_past_deadline,
    notices_visible_to,
    open_reconsideration,
    outstanding,
    reconsideration_get,
    reconsiderations_of,
    reconsiderations_waiting,
    recoveries_of,
    reference_of,
    who_may_decide,
)

from .. import recovery_letters
from ..recovery_forms import DecideForm, NoticeForm, ReconsiderForm, RecoveryForm, WithdrawForm
from .common import paginate, requires, signed_in
from .payments import form_page

STAFF = (Capability.RECOVER_MONEY, Capability.DECIDE_RECOVERY)


def _is_staff(user: User) -> bool:
    return any(user.can(capability) for capability in STAFF)


def _is_holder(user: User) -> bool:
    return user.can(Capability.VIEW_OWN_RECORD) and not _is_staff(user)


def _notice(request: HttpRequest, pk: int) -> Notice:
    try:
        return notice_get(user=signed_in(request), pk=pk)
    except Notice.DoesNotExist:
        raise Http404("No such repayment notice") from None


def _typed(pence: int) -> str:
    """Pence as a person would type them in pounds: 12550 is 125.50."""
    return f"{pence // 100}.{pence % 100:02d}"


def page_of(notice: Notice) -> str:
    return reverse("web:recovery-notice", args=[notice.pk])


def _caption(notice: Notice) -> str:
    return f"Repayment notice {reference_of(notice)}: {notice.budget.patient.full_name}"


# --- The worklist -----------------------------------------------------------------------------


def notice_list(request: HttpRequest) -> HttpResponse:
    """Staff: what needs doing, then every notice (of one budget with ?budget=). A budget
    holder: their notices."""
    user = signed_in(request)
    if _is_holder(user):
        notices = list(notices_visible_to(user=user).order_by("-issued_on", "-id"))
        return render(
            request,
            "recovery/mine.html",
            {"notices": notices, "outstanding": outstanding, "reference": reference_of},
        )
    if not _is_staff(user):
        return render(request, "403.html", status=403)
    everything = notices_visible_to(user=user).order_by("-issued_on", "-id")
    budget = None
    if (asked := request.GET.get("budget", "")).isdigit():
        try:
            budget = budget_get(user=user, pk=int(asked))
        except Budget.DoesNotExist:
            raise Http404("No such budget") from None
        everything = everything.filter(budget=budget)
    page, pagination = paginate(request, everything, anchor="all")
    return render(
        request,
        "recovery/notices.html",
        {
            "waiting": reconsiderations_waiting(user=user) if budget is None else [],
            "late": list(notices_past_deadline(user=user)) if budget is None else [],
            "issued_count": notices_issued(user=user).count(),
            "page": page,
            "pagination": pagination,
            "budget": budget,
            "outstanding": outstanding,
            "reference": reference_of,
            "can_issue": user.can(Capability.RECOVER_MONEY),
            "today": timezone.localdate(),
        },
    )


# --- Issuing a notice -------------------------------------------------------------------------


@requires(Capability.RECOVER_MONEY)
def notice_new(request: HttpRequest) -> HttpResponse:
    """Issue a repayment notice for a budget (?budget=ID) or about a flag (?flag=ID), with the
    ground, the amount, the deadline and who pays suggested."""
    user = signed_in(request)
    flag: Flag | None = None
    try:
        if (flag_id := request.GET.get("flag", "")).isdigit():
            flag = flag_for_notice(user=user, pk=int(flag_id))
            budget = budget_get(user=user, pk=flag.budget_id)
        elif (budget_id := request.GET.get("budget", "")).isdigit():
            budget = budget_get(user=user, pk=int(budget_id))
        else:
            raise Http404("Issue a notice from a budget's page or from a flag")
    except (Flag.DoesNotExist, Budget.DoesNotExist):
        raise Http404("No such budget or flag") from None
    today = timezone.localdate()
    offer = services.notice_suggestion(budget=budget, flag=flag, on=today)
    initial: dict[str, Any] = {
        "ground": offer.ground,
        "reasons": flag.explanation if flag else "",
        "amount": _typed(offer.amount) if offer.amount > 0 else "",
        "deadline": offer.deadline,
        "method": Method.REPAYMENT,
        "payer_kind": offer.payer_kind,
        "payer_name": offer.payer_name,
    }
    form = NoticeForm(request.POST or None, initial=initial)
    held, paid = offer.held_limit, offer.paid_limit
    intro = [
        f"Budget {budget.starts_on:%-d %B %Y} to {budget.ends_on:%-d %B %Y}, paid for by "
        f"{budget.commissioner.name}.",
        f"On most grounds a notice asks for at most what is held unspent: {held.basis}. For use "
        f"outside the plan, or theft or fraud, at most what was paid: {paid.basis}.",
        f"The notice gives until the deadline ({rules.SUGGESTED_DAYS} days are suggested) to pay "
        "or to ask for the notice to be reconsidered. Someone who did not issue it decides.",
    ]
    if flag is not None:
        already = [
            f"{reference_of(notice)} for {format_pence(notice.amount)}, issued "
            f"{notice.issued_on:%-d %B %Y} ({notice.get_status_display().lower()})"
            for notice in notices_about_flag(flag_id=flag.pk)
        ]
        if already:
            intro.insert(0, f"Notices already issued about this flag: {'; '.join(already)}.")
        intro.insert(
            0, f"About the flag: {flag.get_code_display()} (found {flag.found_on:%-d %B %Y})."
        )

    def issue(data: dict[str, Any]) -> Notice:
        return services.notice_issue(
            actor=Actor.from_request(request), budget=budget, flag=flag, on=today, **data
        )

    return form_page(
        request,
        form,
        issue,
        done=page_of,
        confirm=lambda notice: (
            f"Repayment notice {reference_of(notice)} has been issued. Print the letter and "
            f"send it to {recovery_letters.addressee_of(notice)}."
        ),
        title="Issue a repayment notice",
        action="Issue the notice",
        back=(reverse("web:flag-detail", args=[flag.pk]), "Back to the flag")
        if flag is not None
        else (reverse("web:budget-detail", args=[budget.pk]), "Back to the budget"),
        caption=f"{budget.patient.full_name}, NHS number {budget.patient.nhs_number_display}",
        intro=intro,
        warning=True,
    )


# --- A notice ---------------------------------------------------------------------------------


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: everything about the notice and what may be done next. The budget holder: their
    notice in plain English, and a way to ask for it to be reconsidered."""
    user = signed_in(request)
    if not (_is_staff(user) or user.can(Capability.VIEW_OWN_RECORD)):
        return render(request, "403.html", status=403)
    try:
        notice = notice_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Notice.DoesNotExist:
        raise Http404("No such repayment notice") from None
    today = timezone.localdate()
    asked = open_reconsideration(notice=notice)
    context: dict[str, Any] = {
        "notice": notice,
        "patient": notice.budget.patient,
        "budget": notice.budget,
        "reference": reference_of(notice),
        "outstanding": outstanding(notice),
        "reconsiderations": reconsiderations_of(notice=notice),
        "asked": asked,
        "today": today,
        "addressee": recovery_letters.addressee_of(notice),
        "why": recovery_letters.why(notice),
    }
    if not _is_staff(user):
        context["own"] = notice.budget.patient.account_id == user.pk
        context["may_ask"] = (
            notice.status == Status.ISSUED
            and today <= notice.deadline
            and user.can(Capability.REQUEST_RECONSIDERATION)
        )
        return render(request, "recovery/holder_notice.html", context)
    context.update(
        {
            "events": events_of(notice=notice),
            "recoveries": recoveries_of(notice=notice),
            "can_recover": user.can(Capability.RECOVER_MONEY),
            "can_decide": user.can(Capability.DECIDE_RECOVERY) and user.pk != notice.issued_by_id,
            "deciders": who_may_decide(notice=notice) if asked else [],
        }
    )
    return render(request, "recovery/notice.html", context)


@requires(Capability.RECOVER_MONEY)
def recovery_add(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    left = outstanding(notice)
    form = RecoveryForm(
        request.POST or None,
        initial={"method": notice.method, "amount": _typed(left), "on": timezone.localdate()},
    )
    return form_page(
        request,
        form,
        lambda data: services.recovery_record(
            actor=Actor.from_request(request), notice=notice, **data
        ),
        done=lambda saved: page_of(notice) + "#recoveries",
        confirm=lambda saved: (
            f"{format_pence(saved.amount)} recorded as "
            + (
                "repaid."
                if saved.method == Method.REPAYMENT
                else "to be taken off the next payments."
            )
        ),
        title="Record money recovered",
        action="Record it",
        back=(page_of(notice), "Back to the notice"),
        caption=_caption(notice),
        intro=[
            f"{format_pence(left)} is outstanding of {format_pence(notice.amount)}.",
            "Repaid money goes back to the commissioner's allocation from what the budget holds "
            "unspent (for use outside the plan or theft, from what was spent once that is used "
            "up). Money to be taken off the next payments is recorded for the payment runs, "
            "which reduce each payment by at most its own amount.",
        ],
    )


@requires(Capability.RECOVER_MONEY)
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    form = WithdrawForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.notice_withdraw(
            actor=Actor.from_request(request), notice=notice, **data
        ),
        done=page_of,
        confirm=lambda saved: f"Repayment notice {reference_of(saved)} has been withdrawn.",
        title="Withdraw the notice",
        action="Withdraw the notice",
        back=(page_of(notice), "Back to the notice"),
        caption=_caption(notice),
        intro=["Nothing more will be collected. Anything already recovered stays recovered."],
        warning=True,
    )


def reconsider_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a notice to be looked at again: the budget holder (their own), or staff who
    recover money for them."""
    user = signed_in(request)
    if not (
        user.can(Capability.RECOVER_MONEY)
        or (user.can(Capability.REQUEST_RECONSIDERATION) and user.can(Capability.VIEW_OWN_RECORD))
    ):
        return render(request, "403.html", status=403)
    notice = _notice(request, pk)
    staff = user.can(Capability.RECOVER_MONEY)
    form = ReconsiderForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.reconsideration_request(
            actor=Actor.from_request(request), notice=notice, **data
        ),
        done=lambda saved: page_of(notice),
        confirm=lambda saved: (
            "The request has been recorded. Nothing is collected until a commissioner decides."
            if staff
            else "Thank you. We will look at the notice again and write to tell you what we "
            "decide. Until then you do not need to pay."
        ),
        title="Ask us to reconsider" if not staff else "Record a request to reconsider",
        action="Send" if not staff else "Record the request",
        back=(page_of(notice), "Back to the notice"),
        caption=_caption(notice),
        intro=(
            [
                "Tell us why you think the notice is wrong: for example, what the money was "
                "for, or why the amount is too much.",
                "Someone who did not issue the notice will look at it again. While they do, we "
                "will not collect any money, and the days it takes are added to the deadline.",
            ]
            if not staff
            else ["Write down what the person (or who pays for them) told you, in their words."]
        ),
    )


@requires(Capability.DECIDE_RECOVERY)
def reconsideration_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        asked = reconsideration_get(user=user, pk=pk)
    except Reconsideration.DoesNotExist:
        raise Http404("No such reconsideration") from None
    if asked.verdict != Reconsideration.Verdict.OPEN:
        messages.info(request, "This reconsideration has been decided already.")
        return redirect(page_of(asked.notice))
    notice = asked.notice
    form = DecideForm(request.POST or None)
    others = [u.display_name for u in who_may_decide(notice=notice)]
    return form_page(
        request,
        form,
        lambda data: services.reconsideration_decide(
            actor=Actor.from_request(request), reconsideration=asked, **data
        ),
        done=lambda saved: page_of(notice),
        confirm=lambda saved: (
            f"Decided: {saved.get_verdict_display().lower()}. Print the decision letter and send "
            f"it to {recovery_letters.addressee_of(notice)}."
        ),
        title="Decide the reconsideration",
        action="Record the decision",
        back=(page_of(notice), "Back to the notice"),
        caption=_caption(notice),
        intro=[
            f"{notice.get_ground_display()}: {format_pence(notice.amount)} by "
            f"{notice.deadline:%-d %B %Y}, issued by {notice.issued_by_label} on "
            f"{notice.issued_on:%-d %B %Y}. {notice.reasons}",
            f"Asked on {asked.requested_on:%-d %B %Y} by {asked.requested_by_label}: "
            f"{asked.grounds}",
            "Whoever issued the notice may not decide. "
            + (f"Who may: {', '.join(others)}." if others else ""),
        ],
    )


# --- Letters ----------------------------------------------------------------------------------


def _pdf(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


def notice_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The repayment notice as a PDF letter (staff, and the holder for their own)."""
    notice = _notice(request, pk)
    pdf = recovery_letters.repayment_notice(
        notice=notice, actor=Actor.from_request(request), today=timezone.localdate()
    )
    return _pdf(pdf, f"repayment-notice-{reference_of(notice)}")


def decision_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision on a reconsideration as a PDF letter."""
    try:
        asked = reconsideration_get(user=signed_in(request), pk=pk)
    except Reconsideration.DoesNotExist:
        raise Http404("No such reconsideration") from None
    if asked.verdict == Reconsideration.Verdict.OPEN:
        raise Http404("This reconsideration has not been decided yet")
    asked.notice = notice_get(user=signed_in(request), pk=asked.notice_id)
    pdf = recovery_letters.reconsideration_decision(
        reconsideration=asked, actor=Actor.from_request(request), today=timezone.localdate()
    )
    return _pdf(pdf, f"reconsideration-decision-{reference_of(asked.notice)}")


# --- The section of a budget's page -----------------------------------------------------------


def budget_section(user: User, budget: Budget) -> dict[str, Any]:
    """A budget's repayment notices, for its page (staff and the holder). Call with a budget
    read through `budget_get`."""
    shown = _is_staff(user) or user.can(Capability.VIEW_OWN_RECORD)
    return {
        "recovery_notices": notices_of_budget(budget_id=budget.pk) if shown else [],
        "recovery_outstanding": outstanding,
        "recovery_reference": reference_of,
        "can_issue_notice": user.can(Capability.RECOVER_MONEY),
    }
