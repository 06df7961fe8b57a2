"""What every page needs: the navigation for the user's role, the synthetic-data notice and
the confirmation of what the user just did (django.contrib.messages)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from openphb.accounts.roles import Capability
from openphb.demo.selectors import demo_world_present
from openphb.recovery.selectors import has_notices


def _navigation(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    if not user.is_authenticated:
        return []
    items = [("Home", reverse("web:home"))]
    if user.can(Capability.VIEW_PATIENTS):
        items.append(("Patients", reverse("web:patient-list")))
    if user.can(Capability.ENROL):
        items.append(("Work queues", reverse("web:work-queues")))
    if user.can(Capability.VIEW_PROGRAMMES):
        items.append(("Programmes", reverse("web:programme-list")))
    if user.can(Capability.IMPORT_PATIENTS):
        items.append(("Import", reverse("web:import")))
    if user.can(Capability.VIEW_PLANS):
        items.append(("Care plans", reverse("web:plan-queues")))
    if user.can(Capability.VIEW_FUNDING):
        items.append(("Money", reverse("web:money")))
    if user.can(Capability.MANAGE_PAYMENTS):
        items.append(("Payments", reverse("web:payment-runs")))
    if user.can(Capability.IMPORT_STATEMENTS) and user.can(Capability.MANAGE_PAYMENTS):
        # Statements follow the payments: in the menu of those who make them (finance
        # officers); commissioners, whose menu is full, find them from a home-page card.
        items.append(("Statements", reverse("web:statement-imports")))
    if user.can(Capability.MONITOR_SPENDING):
        items.append(("Flags", reverse("web:flag-list")))
    if user.can(Capability.RECOVER_MONEY):
        items.append(("Recovery", reverse("web:recovery-notices")))
    if user.can(Capability.MANAGE_CATALOGUE):
        items.append(("Catalogue", reverse("web:catalogue-home")))
    if user.can(Capability.VIEW_OWN_RECORD):
        items.append(("Your care plan", reverse("web:my-plan")))
        items.append(("Your budget", reverse("web:my-budget")))
        if has_notices(user=user):
            items.append(("Money to pay back", reverse("web:recovery-notices")))
    if user.can(Capability.VIEW_ORGANISATIONS):
        items.append(("Organisations", reverse("web:organisation-list")))
    path = request.path
    return [
        {
            "text": text,
            "href": href,
            "current": path == href,
            "active": href != "/" and path.startswith(href) and path != href,
        }
        for text, href in items
    ]


def page(request: HttpRequest) -> dict[str, Any]:
    return {
        "navigation": _navigation(request),
        "synthetic_data": demo_world_present(),
        "Capability": Capability,
        # What a step just did ('The plan was submitted...'), shown once on the next page.
        "flash_messages": messages.get_messages(request),
    }
