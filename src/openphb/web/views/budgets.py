"""Budget pages: the five figures of a person's budget for staff, with forms to pay, set money
aside, revise a line and reverse a mistake; and, for the budget holder, how much is left."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.budgets import services
from openphb.budgets.models import Budget, BudgetLine
from openphb.budgets.selectors import (
    budget_accounts,
    budget_figures,
    budget_get,
    budget_open,
    budget_transactions,
    budgets_visible_to,
    lines_of,
)
from openphb.planning.models import CarePlan
from openphb.planning.selectors import plan_for_budget

from .. import charts
from ..money_forms import CommitForm, PaymentForm, ReverseForm, ReviseForm
from . import payments, recovery
from .common import paginate, requires, signed_in, submit


def _budget(request: HttpRequest, pk: int) -> Budget:
    try:
        return budget_get(user=signed_in(request), pk=pk)
    except Budget.DoesNotExist:
        raise Http404("No such budget") from None


def _funding_plan(user: User, budget: Budget) -> CarePlan | None:
    """The care plan that funds the budget, for those who may read plans."""
    if not (user.can(Capability.VIEW_PLANS) or user.can(Capability.VIEW_OWN_RECORD)):
        return None
    return plan_for_budget(user=user, budget=budget)


def budget_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff see the figures and the transactions; a budget holder sees how much is left."""
    user = signed_in(request)
    if not (user.can(Capability.VIEW_BUDGETS) or user.can(Capability.VIEW_OWN_RECORD)):
        return render(request, "403.html", status=403)
    try:
        # Reading a budget is reading the person's record: scoped, and audited.
        budget = budget_open(actor=Actor.from_request(request), user=user, pk=pk)
    except Budget.DoesNotExist:
        raise Http404("No such budget") from None
    patient = budget.patient
    figures = budget_figures(budget=budget)
    categories = figures.categories()
    context: dict[str, Any] = {
        "budget": budget,
        "patient": patient,
        "figures": figures,
        "categories": categories,
        "transactions": budget_transactions(budget=budget),
        "today": timezone.localdate(),
        "plan": _funding_plan(user, budget),
        # The direct payment (staff) and the payments made (staff and the holder).
        **payments.budget_section(user, budget),
        # Repayment notices about the budget (staff and the holder).
        **recovery.budget_section(user, budget),
    }
    if not user.can(Capability.VIEW_BUDGETS):
        context["chart"] = charts.budget_categories(categories)
        context["own"] = patient.account_id == user.pk
        return render(request, "budgets/holder.html", context)
    page, pagination = paginate(request, context["transactions"], 20)
    context.update(
        {
            "page": page,
            "pagination": pagination,
            "streams": figures.streams(),
            "lines": lines_of(budget=budget),
            "accounts": budget_accounts(budget=budget) if user.can(Capability.VIEW_LEDGER) else [],
            "can_manage": user.can(Capability.MANAGE_BUDGETS),
        }
    )
    return render(request, "budgets/detail.html", context)


@requires(Capability.VIEW_OWN_RECORD)
def my_budgets(request: HttpRequest) -> HttpResponse:
    """The holder's budgets (and those of the people they represent): straight to the one."""
    budgets = list(
        budgets_visible_to(user=signed_in(request))
        .select_related("patient")
        .order_by("status", "-starts_on", "-id")
    )
    if len(budgets) == 1:
        return redirect("web:budget-detail", pk=budgets[0].pk)
    return render(
        request,
        "budgets/mine.html",
        {"budgets": [(budget, budget_figures(budget=budget).total) for budget in budgets]},
    )


def _line(request: HttpRequest, pk: int, line_pk: int) -> tuple[Budget, BudgetLine]:
    budget = _budget(request, pk)
    for line in lines_of(budget=budget):
        if line.pk == line_pk:
            return budget, line
    raise Http404("No such line in this budget")


def _line_form(
    request: HttpRequest,
    budget: Budget,
    line: BudgetLine,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    **page: str,
) -> HttpResponse:
    if submit(form, save) is not None:
        return redirect("web:budget-detail", pk=budget.pk)
    return render(
        request,
        "budgets/line_form.html",
        {
            "budget": budget,
            "line": line,
            "now": budget_figures(budget=budget).by_line[line.pk],
            "form": form,
            **page,
        },
        status=400 if form.is_bound else 200,
    )


@requires(Capability.MANAGE_BUDGETS)
def line_pay(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    budget, line = _line(request, pk, line_pk)
    form = PaymentForm(
        request.POST or None,
        initial={"on": timezone.localdate(), "description": f"Payment for {line.description}"},
    )
    return _line_form(
        request,
        budget,
        line,
        form,
        lambda data: services.budget_pay(
            actor=Actor.from_request(request), budget=budget, line=line, **data
        ),
        title="Record a payment",
        action="Record payment",
    )


@requires(Capability.MANAGE_BUDGETS)
def line_commit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    budget, line = _line(request, pk, line_pk)
    form = CommitForm(request.POST or None, initial={"on": timezone.localdate()})
    return _line_form(
        request,
        budget,
        line,
        form,
        lambda data: services.budget_commit(
            actor=Actor.from_request(request), budget=budget, line=line, **data
        ),
        title="Set money aside",
        action="Set aside",
    )


@requires(Capability.MANAGE_BUDGETS)
def line_revise(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    budget, line = _line(request, pk, line_pk)
    form = ReviseForm(request.POST or None, initial={"effective_on": timezone.localdate()})

    def revise(data: dict[str, Any]) -> object:
        return services.budget_revise(
            actor=Actor.from_request(request),
            budget=budget,
            effective_on=data["effective_on"],
            reason=data["reason"],
            amounts={line.pk: data["amount"]},
        )

    return _line_form(
        request, budget, line, form, revise, title="Change the amount", action="Change amount"
    )


@requires(Capability.MANAGE_BUDGETS)
def transaction_reverse(request: HttpRequest, pk: int, transaction_pk: int) -> HttpResponse:
    budget = _budget(request, pk)
    found = next(
        (row for row in budget_transactions(budget=budget) if row.transaction.pk == transaction_pk),
        None,
    )
    if found is None:
        raise Http404("No such transaction in this budget")
    form = ReverseForm(request.POST or None, initial={"on": timezone.localdate()})
    reversed_ = submit(
        form,
        lambda data: services.budget_reverse(
            actor=Actor.from_request(request), budget=budget, posted=found.transaction, **data
        ),
    )
    if reversed_ is not None:
        return redirect("web:budget-detail", pk=budget.pk)
    return render(
        request,
        "budgets/reverse_form.html",
        {"budget": budget, "row": found, "form": form},
        status=400 if form.is_bound else 200,
    )
