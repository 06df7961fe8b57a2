"""The home page: what each role comes here to do."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openphb.accounts.roles import Capability, Role
from openphb.budgets.selectors import budgets_visible_to
from openphb.registry.selectors import (
    carer_roles_for,
    patients_visible_to,
    responsible_count_for,
    responsible_counts_for,
)

from .common import signed_in


def home(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    context: dict[str, object] = {"user": user}
    if user.can(Capability.VIEW_PATIENTS):
        context["patient_count"] = responsible_count_for(user=user)
    elif user.can(Capability.VIEW_OWN_RECORD):
        context["own_records"] = list(patients_visible_to(user=user))
        # The monthly statement is of one budget: the holder's, or a list when there are more.
        context["own_budget_ids"] = list(
            budgets_visible_to(user=user)
            .order_by("status", "-starts_on", "-id")
            .values_list("pk", flat=True)
        )
    if user.role == Role.ANALYST:
        context["responsible_counts"] = responsible_counts_for(user=user)
    if user.role == Role.CARER:
        context["carer_roles"] = carer_roles_for(user=user)
    return render(request, "home.html", context)
