"""Care plan pages, building a plan: starting it from an assessed enrolment, who may read it
(another organisation's plan is not found; reading it is audited), outcomes, items from the
catalogue or in free text (what the law excludes refused, naming the rule, with what was typed
kept), submitting, and the links to plans from other pages."""

import re

import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.planning import services
from openphb.planning.calculations import add_months
from openphb.planning.models import CarePlan, PlanItem, Provider
from openphb.planning.tests.journeys import build, catalogue_spec
from openphb.planning.workflow import Status
from openphb.web.plan_presenters import TIMES

from .steps import date_fields, item_post, text_of, today

pytestmark = pytest.mark.django_db


# --- Starting a plan --------------------------------------------------------------------------


def test_starting_a_plan_offers_today_twelve_months_and_the_coordinator_themself(
    client, coordinator, enrolment, assessment
):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-start", args=[enrolment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "indicative budget of £7,000.00 a year" in text_of(response)
    assert "Leave it blank for 12 months from the start" in text_of(response)
    for part, value in (("day", today().day), ("month", today().month), ("year", today().year)):
        start = re.search(rf'<input[^>]*id="starts_on-{part}"[^>]*>', body)
        end = re.search(rf'<input[^>]*id="ends_on-{part}"[^>]*>', body)
        assert start is not None
        assert end is not None
        assert f'value="{value}"' in start.group(0)
        assert 'value=""' in end.group(0) or "value=" not in end.group(0)
    assert f'<option value="{coordinator.pk}" selected' in body


def test_changing_the_plans_dates_does_not_explain_them_with_a_date_of_birth(
    client, coordinator, draft
):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:plan-change", args=[draft.pk])))
    assert "Day, month and year, in numbers." in page
    assert "15 3 1984" not in page


def test_a_plan_started_later_than_offered_still_runs_twelve_months_from_its_start(
    client, coordinator, enrolment, assessment, person
):
    later = add_months(today(), 1)
    client.force_login(coordinator)
    client.post(
        reverse("web:plan-start", args=[enrolment.pk]),
        {
            **date_fields("starts_on", later),
            **{f"ends_on-{part}": "" for part in ("day", "month", "year")},
            "coordinator": str(coordinator.pk),
        },
    )
    plan = CarePlan.objects.get(patient=person)
    assert (plan.starts_on, plan.ends_on) == (later, services.default_end(later))


def test_a_coordinator_starts_a_plan_from_an_assessed_enrolment(
    client, coordinator, enrolment, assessment, person
):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:plan-start", args=[enrolment.pk]),
        {**date_fields("starts_on", today()), "coordinator": str(coordinator.pk)},
    )
    plan = CarePlan.objects.get(patient=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:plan-detail", args=[plan.pk])
    assert plan.ends_on == services.default_end(today())
    assert plan.indicative_amount == 700_000
    assert plan.coordinator == coordinator


def test_the_enrolment_page_links_to_start_a_plan_once_needs_are_assessed(
    client, coordinator, enrolment, assessment
):
    client.force_login(coordinator)
    body = client.get(reverse("web:enrolment-detail", args=[enrolment.pk])).content.decode()
    assert reverse("web:plan-start", args=[enrolment.pk]) in body


def test_starting_a_second_plan_links_to_the_one_in_progress(client, coordinator, enrolment, draft):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-start", args=[enrolment.pk]))
    assert reverse("web:plan-detail", args=[draft.pk]) in response.content.decode()
    assert "already has a care plan" in text_of(response)


# --- Reading a plan: capability, scope, audit -------------------------------------------------


def test_opening_a_plan_shows_it_and_logs_the_read(client, coordinator, draft):
    client.force_login(coordinator)
    response = client.get(reverse("web:plan-detail", args=[draft.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "Status: Draft" in page
    assert "£7,000.00 a year, from the needs assessment of" in page
    event = AuditEvent.objects.get(action="care_plan.viewed")
    assert (event.patient_id, event.actor_id) == (draft.patient_id, coordinator.pk)


def test_another_organisations_plan_is_a_404_and_not_logged(client, other_icb, draft):
    stranger = factories.user(role="care_coordinator", organisations=(other_icb,))
    client.force_login(stranger)
    assert client.get(reverse("web:plan-detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("web:plan-item-add", args=[draft.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="care_plan.viewed").exists()


def test_an_analyst_may_not_see_plans(client, analyst, draft):
    client.force_login(analyst)
    assert client.get(reverse("web:plan-detail", args=[draft.pk])).status_code == 403
    assert client.get(reverse("web:plan-queues")).status_code == 403


def test_only_coordinators_build_plans(client, clinician, commissioner, draft):
    for user in (clinician, commissioner):
        client.force_login(user)
        assert client.get(reverse("web:plan-item-add", args=[draft.pk])).status_code == 403
        assert client.get(reverse("web:plan-outcome-add", args=[draft.pk])).status_code == 403
        assert client.post(reverse("web:plan-submit", args=[draft.pk])).status_code == 403


# --- Outcomes ---------------------------------------------------------------------------------


def test_outcomes_are_added_changed_and_removed(client, coordinator, draft):
    client.force_login(coordinator)
    add = reverse("web:plan-outcome-add", args=[draft.pk])
    missing = client.post(add, {"what_matters": "", "goal": "Swim weekly", "measure": ""})
    assert missing.status_code == 400
    assert "Say what matters to the person, in their words." in text_of(missing)
    assert "Swim weekly" in missing.content.decode()

    client.post(add, {"what_matters": "Swimming again", "goal": "Swim weekly", "measure": ""})
    outcome = draft.outcomes.get()
    client.post(
        reverse("web:plan-outcome-change", args=[draft.pk, outcome.pk]),
        {"what_matters": "Swimming with my grandchildren", "goal": "Swim weekly"},
    )
    outcome.refresh_from_db()
    assert outcome.what_matters == "Swimming with my grandchildren"
    assert "Swimming with my grandchildren" in text_of(
        client.get(reverse("web:plan-detail", args=[draft.pk]))
    )

    remove = reverse("web:plan-outcome-remove", args=[draft.pk, outcome.pk])
    assert "Remove the outcome" in text_of(client.get(remove))
    client.post(remove)
    assert not draft.outcomes.exists()


# --- Items ------------------------------------------------------------------------------------


def test_choosing_from_the_catalogue_lists_its_current_items(client, coordinator, draft):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:plan-item-add", args=[draft.pk])))
    assert "Hydrotherapy: £45.00 a session" in page
    assert "Trained seizure-alert dog: £12,000.00 one-off" in page
    assert "Personal assistant hours: £16.00 an hour" in page
    assert "describe something that is not in the catalogue" in page


def test_a_catalogue_item_comes_with_its_reference_price(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    hydro = scene.items.hydrotherapy
    body = client.get(url, {"catalogue": hydro.pk}).content.decode()
    assert 'value="45.00"' in body
    response = client.post(
        f"{url}?catalogue={hydro.pk}", item_post(scene, quantity="2", unit_price="45.5")
    )
    assert response.status_code == 302
    item = draft.items.get()
    assert (item.name, item.catalogue_version, item.unit_price) == ("Hydrotherapy", hydro, 4_550)
    assert item.annual_cost == 2 * 52 * 4_550
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert (
        f"2 sessions {TIMES} every week (52 times a year) {TIMES} £45.50 = £4,732.00 a year" in page
    )


def test_a_catalogue_item_shows_its_evidence_in_words(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    page = text_of(client.get(url, {"catalogue": scene.items.hydrotherapy.pk}))
    assert "Epilepsy: Conditional: helps some people; Any condition: Recommended" in page


def test_providers_are_offered_with_what_to_know_before_choosing_them(
    client, coordinator, draft, icb
):
    Provider.objects.create(
        commissioner=icb, name="Riverside Pool", quality_rating="good", agreement_status="agreed"
    )
    Provider.objects.create(
        commissioner=icb,
        name="Night Care",
        quality_rating="inadequate",
        agreement_status="suspended",
    )
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk]) + "?catalogue=free"
    body = client.get(url).content.decode()
    assert ">Riverside Pool</option>" in body
    assert ">Night Care: agreement suspended, rated inadequate</option>" in body


def test_a_catalogue_item_the_law_excludes_is_refused_before_anything_is_typed(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    response = client.get(url, {"catalogue": scene.items.betting.pk})
    page = text_of(response)
    assert "A personal health budget cannot buy this" in page
    assert "A personal health budget cannot be used for gambling." in page
    assert 'id="main-form"' not in response.content.decode()
    assert "Choose another item" in page


def test_an_item_bought_once_a_year_does_not_say_1_times_a_year(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    hydro = scene.items.hydrotherapy
    client.post(f"{url}?catalogue={hydro.pk}", item_post(scene, quantity="2", frequency="yearly"))
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert f"2 sessions {TIMES} once a year {TIMES} £45.00 = £90.00 a year" in page
    assert "1 times a year" not in page


def test_problems_with_optional_boxes_name_the_box_without_optional(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    response = client.post(
        f"{url}?catalogue={scene.items.hydrotherapy.pk}",
        item_post(
            scene,
            details="x" * 2_001,
            **{"starts_on-day": "31", "starts_on-month": "Feb", "starts_on-year": "2027"},
        ),
    )
    page = text_of(response)
    assert response.status_code == 400
    assert "Details must be 2,000 characters or fewer." in page
    assert "Start date must be written in numbers" in page
    assert "(optional) must" not in page
    assert 'value="Feb"' in response.content.decode()


def test_a_one_off_item_is_bought_once(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    dog = scene.items.dog
    body = client.get(url, {"catalogue": dog.pk}).content.decode()
    assert '<option value="once" selected' in body
    client.post(
        f"{url}?catalogue={dog.pk}",
        item_post(scene, frequency="once", unit_price="12,000", holding="third_party"),
    )
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert f"1 item {TIMES} £12,000.00, bought once = £12,000.00" in page


def test_gambling_is_refused_at_entry_naming_the_rule_and_keeping_what_was_typed(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk]) + "?catalogue=free"
    response = client.post(
        url,
        item_post(
            scene,
            name="Online gambling credit",
            category="activities",
            unit="one_off",
            frequency="once",
            unit_price="25.00",
            details="Weekly treat",
        ),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "A personal health budget cannot be used for gambling." in page
    assert "National Health Service (Direct Payments) Regulations 2013" in page
    body = response.content.decode()
    assert 'value="Online gambling credit"' in body
    assert "Weekly treat" in body
    assert 'value="25.00"' in body
    assert not PlanItem.objects.exists()


def test_bad_amounts_and_quantities_are_explained(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    response = client.post(
        f"{url}?catalogue={scene.items.hydrotherapy.pk}",
        item_post(scene, quantity="two", unit_price="45.123"),
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter the number of units as a whole number, like 2." in page
    assert "The price of one unit must be to the nearest penny, like 125.50." in page
    assert 'value="45.123"' in response.content.decode()


def test_an_unsupported_item_is_flagged_with_its_explanation(client, coordinator, draft, scene):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    client.post(f"{url}?catalogue={scene.items.reflexology.pk}", item_post(scene))
    page = text_of(client.get(reverse("web:plan-detail", args=[draft.pk])))
    assert "Not supported by evidence" in page
    assert "Reflexology: evidence for any condition is rated 'not supported'" in page
    assert "Clinical justification from the care coordinator: None written yet." in page


def test_the_clinical_justification_field_is_always_there_with_its_hint(
    client, coordinator, draft, scene
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk])
    page = text_of(client.get(url, {"catalogue": scene.items.hydrotherapy.pk}))
    assert "Clinical justification" in page
    assert "Needed when the evidence for the item is insufficient" in page
    assert "Why paying a relative or household member is justified" in page


def test_an_item_is_changed_and_removed(client, coordinator, draft, scene):
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    client.force_login(coordinator)
    change = reverse("web:plan-item-change", args=[draft.pk, item.pk])
    body = client.get(change).content.decode()
    assert 'value="45.00"' in body
    client.post(change, item_post(scene, holding="direct_payment", quantity="3"))
    item.refresh_from_db()
    assert item.quantity == 3
    client.post(reverse("web:plan-item-remove", args=[draft.pk, item.pk]))
    assert not draft.items.exists()


# --- Submitting -------------------------------------------------------------------------------


def test_submitting_lists_every_problem(client, coordinator, draft, scene):
    services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.reflexology),
    )
    client.force_login(coordinator)
    response = client.post(reverse("web:plan-submit", args=[draft.pk]))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "Add at least one outcome: what matters to the person." in page
    assert "Reflexology: write the clinical justification for choosing it" in page
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_complete_draft_goes_to_clinical_review(client, coordinator, draft, scene):
    build(scene, draft, coordinator)
    client.force_login(coordinator)
    response = client.post(reverse("web:plan-submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_a_draft_is_withdrawn_with_a_reason(client, coordinator, draft):
    client.force_login(coordinator)
    url = reverse("web:plan-withdraw", args=[draft.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    client.post(url, {"reason": "Sam moved away."})
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN


# --- Links from other pages -------------------------------------------------------------------


def test_the_persons_page_lists_their_care_plans(client, coordinator, draft):
    client.force_login(coordinator)
    body = client.get(reverse("web:patient-detail", args=[draft.patient_id])).content.decode()
    assert "Care plans" in body
    assert reverse("web:plan-detail", args=[draft.pk]) in body


def test_the_holders_budget_page_links_to_their_plan(client, holder, approved):
    client.force_login(holder)
    body = client.get(reverse("web:budget-detail", args=[approved.budget_id])).content.decode()
    assert reverse("web:my-plan") in body


def test_the_navigation_offers_care_plans_to_those_who_may_see_them(client, clinician, holder):
    client.force_login(clinician)
    assert reverse("web:plan-queues") in client.get(reverse("web:home")).content.decode()
    client.force_login(holder)
    assert reverse("web:my-plan") in client.get(reverse("web:home")).content.decode()


def test_an_excluded_purchase_is_named_at_once_even_before_the_rest_is_filled_in(
    client, coordinator, draft
):
    client.force_login(coordinator)
    url = reverse("web:plan-item-add", args=[draft.pk]) + "?catalogue=free"
    response = client.post(url, {"name": "Online gambling credit", "unit_price": "20"})
    page = text_of(response)
    assert response.status_code == 400
    assert "A personal health budget cannot be used for gambling." in page
    assert "Choose a category." in page  # the rest is still asked for
    assert 'value="Online gambling credit"' in response.content.decode()
    assert not PlanItem.objects.exists()
