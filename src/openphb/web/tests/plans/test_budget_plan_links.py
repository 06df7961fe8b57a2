"""A budget's pages lead to the care plan that funds it: the version in force, for staff and
for the person whose budget it is."""

import pytest
from django.urls import reverse

from openphb.audit.services import Actor
from openphb.planning import reviews, services
from openphb.planning.tests.journeys import approve, catalogue_spec

from .steps import text_of

pytestmark = pytest.mark.django_db


def test_the_budget_page_links_to_the_plan_that_funds_it(client, coordinator, approved):
    client.force_login(coordinator)
    response = client.get(reverse("web:budget-detail", args=[approved.budget_id]))
    assert reverse("web:plan-detail", args=[approved.pk]) in response.content.decode()
    assert "Care plan Care plan (active)" in text_of(response)


def test_after_a_revision_the_budget_page_links_to_the_version_in_force(
    client, scene, coordinator, clinician, commissioner, approved
):
    revision = reviews.plan_revise(actor=Actor(user=coordinator), plan=approved, reason="More.")
    hydro = revision.items.get(name="Hydrotherapy")
    services.item_change(
        actor=Actor(user=coordinator),
        item=hydro,
        spec=catalogue_spec(scene, scene.items.hydrotherapy, quantity=2),
    )
    revision = approve(revision, coordinator, clinician, commissioner)
    client.force_login(coordinator)
    body = client.get(reverse("web:budget-detail", args=[approved.budget_id])).content.decode()
    assert reverse("web:plan-detail", args=[revision.pk]) in body
    assert reverse("web:plan-detail", args=[approved.pk]) not in body
    assert "Care plan, version 2" in body


def test_the_holders_budget_page_links_to_their_plan(client, holder, approved):
    client.force_login(holder)
    response = client.get(reverse("web:budget-detail", args=[approved.budget_id]))
    body = response.content.decode()
    assert "Read the care plan this budget pays for" in text_of(response)
    assert reverse("web:plan-detail", args=[approved.pk]) in body
