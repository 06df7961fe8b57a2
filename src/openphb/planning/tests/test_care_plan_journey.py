"""The journey the issue describes, through the services: assess, share, plan, check, review,
approve with two pairs of eyes, fund the budget."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.enrolment.models import Enrolment
from openphb.ledger.selectors import verify
from openphb.planning import assessing, decisions, services
from openphb.planning.catalogue import policy_set
from openphb.planning.models import Decision, Review, StatusChange
from openphb.planning.rules import Flag
from openphb.planning.workflow import Status

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def item(scene, version, *, quantity=1, frequency="weekly", holding="direct_payment", **more):
    return services.ItemSpec(
        name=version.name,
        category=version.category,
        unit=version.unit,
        quantity=quantity,
        frequency=frequency,
        unit_price=version.reference_price,
        holding=holding,
        stream=scene.stream,
        catalogue_version=version,
        **more,
    )


def test_the_assessment_gives_an_explained_indicative_budget_and_moves_the_enrolment(
    assessment, enrolment
):
    assert assessment.points == 14
    assert assessment.indicative_amount == 700_000
    assert "14 points at £500.00 a point come to £7,000.00 a year." in assessment.explanation
    assert assessment.explanation[-1] == "Indicative budget: £7,000.00 a year."
    assert Enrolment.objects.get(pk=enrolment.pk).stage == "assessed"


def test_sharing_the_indicative_budget_is_recorded_as_its_stage(assessment, coordinator):
    assessing.indicative_share(
        actor=Actor(user=coordinator), assessment=assessment, how="in_person"
    )
    assert Enrolment.objects.get(pk=assessment.enrolment_id).stage == "indicative"
    with pytest.raises(ValidationError, match="already shared"):
        assessing.indicative_share(
            actor=Actor(user=coordinator), assessment=assessment, how="phone"
        )


def test_a_coordinator_builds_a_plan_a_clinician_declines_reflexology_and_two_approve(
    scene, draft, coordinator, clinician, commissioner, second_commissioner, icb
):
    as_coordinator = Actor(user=coordinator)
    policy_set(
        actor=Actor(user=commissioner),
        commissioner=icb,
        starts_on=TODAY,
        tolerance_basis_points=1_000,
        two_approvers_above=1_000_000,
        allow_insufficient=True,
        allow_not_supported=False,
    )
    services.outcome_save(
        actor=as_coordinator,
        plan=draft,
        what_matters="I want to go swimming again without being afraid of a seizure.",
        goal="Swim once a week with support by the first review.",
    )
    hydro = services.item_add(
        actor=as_coordinator, plan=draft, spec=item(scene, scene.items.hydrotherapy)
    )
    dog = services.item_add(
        actor=as_coordinator,
        plan=draft,
        spec=item(scene, scene.items.dog, frequency="once"),
    )
    reflex = services.item_add(
        actor=as_coordinator, plan=draft, spec=item(scene, scene.items.reflexology)
    )
    assert hydro.flags == []
    assert dog.flags == []
    assert reflex.flag_codes == [Flag.EVIDENCE_NOT_SUPPORTED]
    assert hydro.cost == 52 * 4_500
    assert dog.cost == 1_200_000

    with pytest.raises(ValidationError) as problems:
        decisions.plan_submit(actor=as_coordinator, plan=draft)
    text = " ".join(problems.value.messages)
    assert "Reflexology: write the clinical justification" in text
    assert "Explain why, in the justification for the difference" in text

    reflex = services.item_change(
        actor=as_coordinator,
        item=reflex,
        spec=item(
            scene,
            scene.items.reflexology,
            clinical_justification="Sam finds it calming and believes it reduces seizures.",
        ),
    )
    services.plan_update(
        actor=as_coordinator,
        plan=draft,
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        coordinator=coordinator,
        difference_justification="The dog is a one-off purchase in the first year.",
    )
    decisions.plan_submit(actor=as_coordinator, plan=draft)

    as_clinician = Actor(user=clinician)
    with pytest.raises(ValidationError, match="policy does not fund"):
        decisions.item_decide(
            actor=as_clinician, item=reflex, decision=Decision.APPROVED, note="Patient choice."
        )
    with pytest.raises(ValidationError, match="Decide the flagged items first: Reflexology"):
        decisions.clinical_review_complete(actor=as_clinician, plan=draft)
    decisions.item_decide(
        actor=as_clinician,
        item=reflex,
        decision=Decision.DECLINED,
        reason="not_supported",
        note="No good evidence that reflexology reduces seizures.",
    )
    decisions.clinical_review_complete(actor=as_clinician, plan=draft)

    with pytest.raises(ValidationError, match="someone else must approve"):
        decisions.plan_approve(actor=as_coordinator, plan=draft)
    decisions.plan_approve(actor=Actor(user=commissioner), plan=draft)
    draft.refresh_from_db()
    assert draft.status == Status.AWAITING_APPROVAL  # £14,340 > £10,000: a second approver
    with pytest.raises(ValidationError, match="a second person must"):
        decisions.plan_approve(actor=Actor(user=commissioner), plan=draft)
    decisions.plan_approve(actor=Actor(user=second_commissioner), plan=draft)

    draft.refresh_from_db()
    assert draft.status == Status.ACTIVE
    figures = budget_figures(budget=draft.budget)
    assert figures.total.approved == 52 * 4_500 + 1_200_000
    assert {line.item_ref for line in draft.budget.lines.all()} == {hydro.item_ref, dog.item_ref}
    assert list(verify()) == []
    assert Enrolment.objects.get(pk=draft.enrolment_id).stage == "live"
    [review] = Review.objects.filter(plan=draft)
    assert review.kind == Review.Kind.FIRST
    assert review.due_on.month == (TODAY.month + 2) % 12 + 1
    assert [c.to_status for c in StatusChange.objects.filter(plan=draft)] == [
        "draft",
        "submitted",
        "awaiting_approval",
        "active",
    ]


def test_gambling_is_refused_at_entry_naming_the_rule(scene, draft, coordinator):
    with pytest.raises(ValidationError, match="cannot be used for gambling"):
        services.item_add(
            actor=Actor(user=coordinator),
            plan=draft,
            spec=item(scene, scene.items.betting, frequency="once"),
        )
    free_text = services.ItemSpec(
        name="Gambling",
        category="activities",
        unit="session",
        quantity=1,
        frequency="weekly",
        unit_price=1_000,
        holding="direct_payment",
        stream=scene.stream,
    )
    with pytest.raises(ValidationError) as refused:
        services.item_add(actor=Actor(user=coordinator), plan=draft, spec=free_text)
    assert refused.value.message_dict["name"] == [
        "A personal health budget cannot be used for gambling. (Excluded: gambling; National "
        "Health Service (Direct Payments) Regulations 2013 and NHS England guidance.)"
    ]
    assert not draft.items.exists()
