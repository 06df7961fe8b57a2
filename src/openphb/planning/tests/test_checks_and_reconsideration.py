"""Flags with their own codes, who may decide what, and reconsideration by someone else."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.planning import decisions, reviews, selectors, services
from openphb.planning.catalogue import ItemSpec as CatalogueSpec
from openphb.planning.catalogue import catalogue_item_change
from openphb.planning.models import Decision, Reconsideration
from openphb.planning.rules import Flag
from openphb.planning.workflow import Status
from openphb.registry.models import DirectPaymentRestriction

from .journeys import TODAY, approve, build, catalogue_spec

pytestmark = pytest.mark.django_db


def test_a_price_above_the_cap_is_flagged(scene, draft, coordinator):
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy, unit_price=7_500),
    )
    assert item.flag_codes == [Flag.PRICE_OVER_CAP]
    assert "£75.00 a unit is above the cap of £60.00" in item.flags[0]["explanation"]


def test_paying_a_relative_needs_a_recorded_justification(scene, draft, coordinator):
    actor = Actor(user=coordinator)
    item = services.item_add(
        actor=actor,
        plan=draft,
        spec=catalogue_spec(
            scene,
            scene.items.assistant,
            holding="direct_payment",
            quantity=10,
            payee="household",
        ),
    )
    assert item.flag_codes == [Flag.FAMILY_PAYEE]
    services.outcome_save(actor=actor, plan=draft, what_matters="Stay at home", goal="At home")
    services.plan_update(
        actor=actor,
        plan=draft,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        coordinator=coordinator,
        difference_justification="Care at home costs less than the indicative amount.",
    )
    with pytest.raises(ValidationError, match="why paying a relative or household member"):
        decisions.plan_submit(actor=actor, plan=draft)


def test_a_person_under_a_drug_treatment_order_cannot_have_a_direct_payment_item(
    scene, draft, coordinator, person
):
    DirectPaymentRestriction.objects.create(
        patient=person, kind="drug_order", starts_on=TODAY - datetime.timedelta(days=30)
    )
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    assert Flag.DIRECT_PAYMENT_RESTRICTED in item.flag_codes


def test_a_plan_without_a_coordinator_is_flagged_and_a_direct_payment_cannot_be_approved(
    scene, person, assessment, coordinator, clinician, commissioner
):
    plan = services.plan_start(
        actor=Actor(user=coordinator), patient=person, starts_on=TODAY, assessment=assessment
    )
    summary = selectors.plan_summary(plan=plan)
    assert Flag.NO_COORDINATOR in [flag.code for flag in summary.flags]
    build(scene, plan, coordinator)
    services.plan_update(
        actor=Actor(user=coordinator),
        plan=plan,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        coordinator=None,
        difference_justification="One-off dog.",
    )
    decisions.plan_submit(actor=Actor(user=coordinator), plan=plan)
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    with pytest.raises(ValidationError, match="Every direct payment has a care coordinator"):
        decisions.plan_approve(actor=Actor(user=commissioner), plan=plan)


def test_only_one_plan_is_in_progress_for_a_person_and_programme(draft, person, coordinator):
    with pytest.raises(ValidationError, match="already has a plan"):
        services.plan_start(
            actor=Actor(user=coordinator),
            patient=person,
            starts_on=TODAY,
            enrolment=draft.enrolment,
        )


def test_staff_of_another_commissioner_cannot_build_the_plan(scene, draft, other_icb):
    outsider = factories.user(role="care_coordinator", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for"):
        services.item_add(
            actor=Actor(user=outsider),
            plan=draft,
            spec=catalogue_spec(scene, scene.items.hydrotherapy),
        )


def test_a_plan_keeps_the_catalogue_version_it_used(scene, draft, coordinator, commissioner):
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    newer = catalogue_item_change(
        actor=Actor(user=commissioner),
        item=scene.items.hydrotherapy.item,
        spec=CatalogueSpec(
            name="Hydrotherapy",
            category="therapies",
            unit="session",
            reference_price=5_000,
            price_cap=6_500,
        ),
        note="New provider prices from April",
    )
    item.refresh_from_db()
    assert newer.version == 2
    assert item.catalogue_version.version == 1
    assert item.unit_price == 4_500
    assert [v.version for v in selectors.catalogue_history(item=newer.item)] == [2, 1]
    assert [v.reference_price for v in selectors.catalogue_of(commissioner=draft.commissioner)][
        :1
    ] == [1_000]  # the betting top-up sorts first by name; current versions only


@pytest.fixture
def declined(scene, draft, coordinator, clinician):
    build(scene, draft, coordinator, reflexology=True)
    decisions.plan_submit(actor=Actor(user=coordinator), plan=draft)
    reflexology = draft.items.get(name="Reflexology")
    decisions.item_decide(
        actor=Actor(user=clinician),
        item=reflexology,
        decision=Decision.DECLINED,
        reason="not_supported",
        note="No evidence it reduces seizures.",
    )
    return reflexology


def test_the_clinician_who_declined_cannot_reconsider_but_another_can(
    declined, draft, coordinator, clinician, icb
):
    asked = reviews.reconsideration_request(
        actor=Actor(user=coordinator), plan=draft, item=declined, grounds="It helps Sam relax."
    )
    with pytest.raises(ValidationError, match="You declined this item"):
        reviews.reconsideration_decide(
            actor=Actor(user=clinician), reconsideration=asked, verdict="changed", reasons="OK"
        )
    other = factories.user(role="clinical_reviewer", organisations=(icb,))
    reviews.reconsideration_decide(
        actor=Actor(user=other),
        reconsideration=asked,
        verdict=Reconsideration.Verdict.CHANGED,
        reasons="A short trial is reasonable.",
    )
    declined.refresh_from_db()
    assert declined.decision == Decision.APPROVED
    assert declined.decisions.last().reconsideration == asked
    assert AuditEvent.objects.filter(action="care_plan.reconsidered").exists()


def test_an_upheld_decline_stays_declined_with_the_reasons(declined, draft, coordinator, icb):
    asked = reviews.reconsideration_request(
        actor=Actor(user=coordinator), plan=draft, item=declined, grounds="Please look again."
    )
    with pytest.raises(ValidationError, match="already waiting"):
        reviews.reconsideration_request(
            actor=Actor(user=coordinator), plan=draft, item=declined, grounds="Again."
        )
    other = factories.user(role="clinical_reviewer", organisations=(icb,))
    decided = reviews.reconsideration_decide(
        actor=Actor(user=other), reconsideration=asked, verdict="upheld", reasons="Same view."
    )
    declined.refresh_from_db()
    assert (decided.verdict, declined.decision) == ("upheld", Decision.DECLINED)


def test_only_a_declined_item_or_a_reduction_can_be_reconsidered(scene, draft, coordinator):
    build(scene, draft, coordinator)
    decisions.plan_submit(actor=Actor(user=coordinator), plan=draft)
    hydro = draft.items.get(name="Hydrotherapy")
    with pytest.raises(ValidationError, match="was not declined"):
        reviews.reconsideration_request(
            actor=Actor(user=coordinator), plan=draft, item=hydro, grounds="?"
        )
    with pytest.raises(ValidationError, match="not below the indicative budget"):
        reviews.reconsideration_request(actor=Actor(user=coordinator), plan=draft, grounds="?")


def test_a_reduction_is_reconsidered_by_someone_who_did_not_approve(
    scene, draft, coordinator, clinician, commissioner, second_commissioner
):
    actor = Actor(user=coordinator)
    services.outcome_save(actor=actor, plan=draft, what_matters="Swim", goal="Weekly")
    services.item_add(actor=actor, plan=draft, spec=catalogue_spec(scene, scene.items.hydrotherapy))
    services.plan_update(
        actor=actor,
        plan=draft,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        coordinator=coordinator,
        difference_justification="Only swimming is wanted now.",
    )
    plan = approve(draft, coordinator, clinician, commissioner)
    asked = reviews.reconsideration_request(
        actor=actor, plan=plan, grounds="The budget was cut below what I was told."
    )
    with pytest.raises(ValidationError, match="You approved this plan"):
        reviews.reconsideration_decide(
            actor=Actor(user=commissioner), reconsideration=asked, verdict="upheld", reasons="x"
        )
    reviews.reconsideration_decide(
        actor=Actor(user=second_commissioner),
        reconsideration=asked,
        verdict="upheld",
        reasons="The plan meets the outcomes the person chose.",
    )
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE


def test_a_declined_item_is_not_funded(scene, draft, coordinator, clinician, commissioner):
    plan = approve(
        build(scene, draft, coordinator, reflexology=True), coordinator, clinician, commissioner
    )
    refs = set(plan.budget.lines.values_list("description", flat=True))
    assert refs == {"Hydrotherapy", "Trained seizure-alert dog"}


def test_two_approvers_are_needed_by_the_annual_amount_not_the_length_of_the_plan(
    scene, person, assessment, coordinator, commissioner, icb
):
    """Six months of a £40,000-a-year assistant cost £20,000, but the plan is £40,000 a year."""
    from openphb.planning.catalogue import policy_set

    policy_set(
        actor=Actor(user=commissioner),
        commissioner=icb,
        starts_on=TODAY,
        tolerance_basis_points=10_000,
        two_approvers_above=3_000_000,
        allow_insufficient=True,
        allow_not_supported=False,
    )
    plan = services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=181),
        assessment=assessment,
        coordinator=coordinator,
    )
    services.item_add(
        actor=Actor(user=coordinator),
        plan=plan,
        spec=catalogue_spec(scene, scene.items.assistant, quantity=25, unit_price=3_077),
    )
    summary = selectors.plan_summary(plan=plan)
    assert summary.annual == 25 * 52 * 3_077
    assert summary.funded < 3_000_000 < summary.annual
    assert summary.approvals_needed == 2


def test_a_plan_shorter_than_a_year_is_compared_with_its_share_of_the_indicative_budget(
    scene, person, assessment, coordinator
):
    """£7,000 a year for 73 days is £1,400; weekly hydrotherapy for those days is £468."""
    plan = services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=72),
        assessment=assessment,
        coordinator=coordinator,
    )
    services.item_add(
        actor=Actor(user=coordinator),
        plan=plan,
        spec=catalogue_spec(scene, scene.items.hydrotherapy),
    )
    summary = selectors.plan_summary(plan=plan)
    assert (summary.indicative, summary.indicative_for_period, summary.funded) == (
        700_000,
        140_000,
        46_800,
    )
    assert summary.difference.startswith(
        "For this plan's 73 days the indicative budget comes to £1,400.00. The plan costs "
        "£932.00 (66.6%) less"
    )
    assert summary.reduced


def test_the_coordinator_is_told_at_entry_when_the_policy_will_not_fund_a_flagged_item(
    scene, draft, coordinator
):
    item = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=catalogue_spec(scene, scene.items.reflexology),
    )
    [flag] = item.flags
    assert flag["explanation"].endswith(
        "NHS North East London ICB's policy does not fund items whose evidence is 'not "
        "supported'; a clinical reviewer can only decline it, with a reason."
    )
