"""Monitoring pages for coordinators and finance officers (MONITOR_SPENDING): the worklist of
flags (open first, the most severe first, filtered by a GET form), a flag's page (what was
found and why it matters, the statement line, the budget and the person, what happened to it,
and resolving, dismissing or reopening it with a note), and each commissioner's monitoring
policy (set by those who import statements: IMPORT_STATEMENTS)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.monitoring import services
from openphb.monitoring.models import Flag, Status
from openphb.monitoring.selectors import (
    events_of,
    flag_open,
    open_count,
    policies_of,
    policy_in_force,
    worklist,
)
from openphb.recovery.models import Method, Notice
from openphb.recovery.models import Status as NoticeStatus
from openphb.recovery.selectors import (
    notices_about_flag,
    notices_visible_to,
    outstanding,
    reference_of,
)

from ..monitoring_forms import DecideForm, FilterForm, PolicyForm, ReopenForm
from .common import paginate, requires, signed_in, submit

FLAGS_PAGE = 50
NOTICE_PAGE = "web:recovery-notice-new"  # the recovery pages' "issue a repayment notice"

DONE = {
    "resolve": "The flag is resolved. Your note is on its record.",
    "dismiss": "The flag is dismissed. Your note is on its record.",
    "reopen": "The flag is open again and back on the worklist.",
}


@requires(Capability.MONITOR_SPENDING)
def flag_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    filters = FilterForm(request.GET or None)
    chosen: dict[str, str] = {"code": "", "severity": "", "status": ""}
    if filters.is_bound and filters.is_valid():
        chosen.update({k: v or "" for k, v in filters.cleaned_data.items()})
    page, pagination = paginate(request, worklist(user=user, **chosen), FLAGS_PAGE)
    return render(
        request,
        "monitoring/flags.html",
        {
            "filters": filters if filters.is_bound else FilterForm(),
            "filtered": any(chosen.values()),
            "page": page,
            "pagination": pagination,
            "open": open_count(user=user),
        },
    )


def _notice_link(flag: Flag) -> str:
    """Where to issue a repayment notice about the flag (the recovery pages take ?flag=ID)."""
    try:
        return f"{reverse(NOTICE_PAGE)}?flag={flag.pk}"
    except NoReverseMatch:
        return ""


@dataclass(frozen=True)
class FlagNotice:
    """A repayment notice issued about the flag, as the flag's page lists it."""

    reference: str
    issued_on: datetime.date
    amount: int
    outstanding: int
    status: str
    link: str  # the notice's page, or "" for a user who may not open it


def _notice_status(notice: Notice) -> str:
    if notice.status == NoticeStatus.ISSUED and notice.method == Method.OFFSET:
        return "Issued: to be taken off the next payments"
    return str(notice.get_status_display())


def notices_of_flag(user: User, flag: Flag) -> list[FlagNotice]:
    visible = set(
        notices_visible_to(user=user).filter(flag_id=flag.pk).values_list("pk", flat=True)
    )
    return [
        FlagNotice(
            reference=reference_of(notice),
            issued_on=notice.issued_on,
            amount=notice.amount,
            outstanding=outstanding(notice),
            status=_notice_status(notice),
            link=reverse("web:recovery-notice", args=[notice.pk]) if notice.pk in visible else "",
        )
        for notice in notices_about_flag(flag_id=flag.pk)
    ]


@requires(Capability.MONITOR_SPENDING)
def flag_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    try:
        # A flag shows the person's spending: reading it is scoped and audited.
        flag = flag_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Flag.DoesNotExist:
        raise Http404("No such flag") from None
    is_open = flag.status == Status.OPEN
    form: DecideForm | ReopenForm = (DecideForm if is_open else ReopenForm)(request.POST or None)
    action = ""

    def save(data: dict[str, Any]) -> Flag:
        nonlocal action
        action = data.get("decision", "reopen")
        move = {
            "resolve": services.flag_resolve,
            "dismiss": services.flag_dismiss,
            "reopen": services.flag_reopen,
        }[action]
        return move(actor=Actor.from_request(request), flag=flag, note=data["note"])

    if request.method == "POST":
        saved = submit(form, save)
        if saved is not None:
            messages.success(request, DONE[action])
            return redirect(reverse("web:flag-detail", args=[flag.pk]))
    budget = flag.budget
    return render(
        request,
        "monitoring/flag.html",
        {
            "flag": flag,
            "budget": budget,
            "patient": budget.patient,
            "line": flag.statement_line,
            "events": events_of(flag=flag),
            "notices": notices_of_flag(user, flag),
            "form": form,
            "is_open": is_open,
            "notice_link": _notice_link(flag) if user.can(Capability.RECOVER_MONEY) else "",
        },
        status=400 if form.is_bound else 200,
    )


@requires(Capability.MONITOR_SPENDING)
def policy(request: HttpRequest) -> HttpResponse:
    """Each commissioner's thresholds in force today and every policy set, with a form to set a
    new one from a day for those who may (IMPORT_STATEMENTS)."""
    user = signed_in(request)
    commissioners = user_commissioners(user_id=user.pk).order_by("name")
    may_set = user.can(Capability.IMPORT_STATEMENTS)
    today = timezone.localdate()
    form = None
    if may_set:
        in_force = (
            policy_in_force(commissioner=commissioners[0], on=today) if commissioners else None
        )
        form = PolicyForm(
            request.POST or None,
            commissioners=commissioners,
            initial={
                "starts_on": today,
                "cash_limit_per_month": f"{in_force.cash_limit_per_month / 100:.2f}"
                if in_force
                else "",
                "accumulation_months": in_force.accumulation_months if in_force else None,
                "idle_days": in_force.idle_days if in_force else None,
            },
        )
        saved = submit(
            form, lambda data: services.policy_set(actor=Actor.from_request(request), **data)
        )
        if saved is not None:
            messages.success(
                request,
                f"The policy for {saved.commissioner.name} applies from "
                f"{saved.starts_on:%-d %B %Y}. Flags raised before then are not changed.",
            )
            return redirect(reverse("web:monitoring-policy"))
    elif request.method == "POST":
        return render(request, "403.html", status=403)
    rows = [
        {
            "commissioner": c,
            "in_force": policy_in_force(commissioner=c, on=today),
            "history": policies_of(commissioner=c),
        }
        for c in commissioners
    ]
    return render(
        request,
        "monitoring/policy.html",
        {"rows": rows, "form": form, "today": today},
        status=400 if form is not None and form.is_bound else 200,
    )
