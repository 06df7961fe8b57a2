"""Money pages for commissioners, finance officers and analysts: each commissioner's position
in each funding stream, the streams and their allocations, recording an allocation, overdraft
policies, and an account's statement."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from openphb.accounts.roles import Capability
from openphb.accounts.selectors import user_commissioners
from openphb.audit.services import Actor
from openphb.budgets.selectors import accounts_visible_to, money_overview
from openphb.core.csv import csv_text
from openphb.funding import services
from openphb.funding.models import Allocation, FundingStream, OverdraftPolicy
from openphb.funding.selectors import (
    allocations_visible_to,
    overdraft_policies_visible_to,
    streams_visible_to,
)
from openphb.ledger.models import Account
from openphb.ledger.selectors import Statement, statement

from ..filters import pounds_plain
from ..money_forms import (
    AllocationForm,
    OverdraftEndForm,
    OverdraftPolicyForm,
    StatementForm,
    WithdrawForm,
)
from .common import paginate, requires, signed_in, submit


@requires(Capability.VIEW_FUNDING)
def money_home(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "money/home.html",
        {
            "overview": money_overview(user=user),
            "can_manage": user.can(Capability.MANAGE_FUNDING),
            "can_read_ledger": user.can(Capability.VIEW_LEDGER),
            "today": timezone.localdate(),
        },
    )


@requires(Capability.VIEW_FUNDING)
def stream_index(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    return render(
        request,
        "money/streams.html",
        {
            "streams": streams_visible_to(user=user),
            "can_manage": user.can(Capability.MANAGE_FUNDING),
        },
    )


def _stream(request: HttpRequest, pk: int) -> FundingStream:
    try:
        return streams_visible_to(user=signed_in(request)).get(pk=pk)
    except FundingStream.DoesNotExist:
        raise Http404("No such funding stream") from None


@requires(Capability.VIEW_FUNDING)
def stream_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    stream = _stream(request, pk)
    return render(
        request,
        "money/stream.html",
        {
            "stream": stream,
            "allocations": allocations_visible_to(user=user).filter(stream=stream),
            "policies": overdraft_policies_visible_to(user=user).filter(stream=stream),
            "can_manage": user.can(Capability.MANAGE_FUNDING),
            "recorded": request.GET.get("recorded") == "1",
        },
    )


@requires(Capability.MANAGE_FUNDING)
def allocation_add(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    streams = streams_visible_to(user=user)
    chosen = request.GET.get("stream", "")
    form = AllocationForm(
        request.POST or None,
        streams=streams,
        commissioners=user_commissioners(user_id=user.pk).order_by("name"),
        initial={
            "stream": chosen if chosen.isdigit() else None,
            "effective_on": timezone.localdate(),
        },
    )
    allocation = submit(
        form,
        lambda data: services.allocation_record(actor=Actor.from_request(request), **data),
    )
    if allocation is not None:
        return redirect(reverse("web:stream-detail", args=[allocation.stream_id]) + "?recorded=1")
    return render(request, "money/allocation_form.html", {"form": form})


@requires(Capability.MANAGE_FUNDING)
def overdraft_add(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = OverdraftPolicyForm(
        request.POST or None,
        streams=streams_visible_to(user=user),
        commissioners=user_commissioners(user_id=user.pk).order_by("name"),
        initial={"starts_on": timezone.localdate()},
    )
    policy = submit(
        form,
        lambda data: services.overdraft_policy_create(actor=Actor.from_request(request), **data),
    )
    if policy is not None:
        return redirect("web:money")
    return render(request, "money/overdraft_form.html", {"form": form})


@requires(Capability.MANAGE_FUNDING)
def allocation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        allocation = allocations_visible_to(user=signed_in(request)).get(pk=pk)
    except Allocation.DoesNotExist:
        raise Http404("No such allocation") from None
    form = WithdrawForm(request.POST or None, initial={"effective_on": timezone.localdate()})
    withdrawn = submit(
        form,
        lambda data: services.allocation_withdraw(
            actor=Actor.from_request(request), allocation=allocation, **data
        ),
    )
    if withdrawn is not None:
        return redirect("web:stream-detail", pk=allocation.stream_id)
    return render(
        request,
        "money/allocation_withdraw.html",
        {"form": form, "allocation": allocation},
        status=400 if form.is_bound else 200,
    )


@requires(Capability.MANAGE_FUNDING)
def overdraft_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        policy = overdraft_policies_visible_to(user=signed_in(request)).get(pk=pk)
    except OverdraftPolicy.DoesNotExist:
        raise Http404("No such overdraft policy") from None
    form = OverdraftEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    ended = submit(
        form,
        lambda data: services.overdraft_policy_end(
            actor=Actor.from_request(request), policy=policy, **data
        ),
    )
    if ended is not None:
        return redirect("web:money")
    return render(request, "money/overdraft_end.html", {"form": form, "policy": policy})


def _account(request: HttpRequest, pk: int) -> Account:
    """An account the user may read (accounts_visible_to decides); 404 for anyone else's."""
    try:
        return accounts_visible_to(user=signed_in(request)).get(pk=pk)
    except Account.DoesNotExist:
        raise Http404("No such account") from None


def _statement(request: HttpRequest, account: Account) -> tuple[StatementForm, Statement | None]:
    form = StatementForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    return form, statement(account=account, start=data.get("start"), end=data.get("end"))


STATEMENT_PAGE = 100  # lines a page; the CSV has them all


def account_statement(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    form, result = _statement(request, account)
    lines, pagination = paginate(request, result.lines if result else [], STATEMENT_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "money/statement.html",
        {
            "account": account,
            "form": form,
            "statement": result,
            "lines": lines,
            "pagination": pagination,
            "query": query.urlencode(),
        },
        status=200 if result is not None else 400,
    )


STATEMENT_CSV_COLUMNS = (
    "effective_on",
    "transaction_id",
    "kind",
    "description",
    "reference",
    "debit",
    "credit",
    "balance",
    "reverses_transaction_id",
)


def account_statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    _, result = _statement(request, account)
    if result is None:
        back = reverse("web:account-statement", args=[pk])
        return redirect(f"{back}?{request.GET.urlencode()}")
    opening: list[tuple[object, ...]] = [
        (
            result.start.isoformat() if result.start else "",
            "",
            "opening_balance",
            "Balance before these lines",
            "",
            "",
            "",
            pounds_plain(result.opening),
            "",
        )
    ]
    rows: list[tuple[object, ...]] = [
        (
            line.effective_on.isoformat(),
            line.transaction_id,
            line.kind,
            line.description,
            line.reference,
            pounds_plain(line.debit) if line.debit else "",
            pounds_plain(line.credit) if line.credit else "",
            pounds_plain(line.balance),
            line.reverses_id or "",
        )
        for line in result.lines
    ]
    response = HttpResponse(
        csv_text(STATEMENT_CSV_COLUMNS, opening + rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="statement-account-{account.pk}.csv"'
    return response
