import re

import pytest

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.budgets.models import Budget
from openphb.budgets.selectors import budgets_visible_to
from openphb.demo import world
from openphb.ledger.selectors import verify
from openphb.organisations.models import Organisation
from openphb.planning.models import (
    Approval,
    Assessment,
    CarePlan,
    Decision,
    PlanItem,
    Reconsideration,
    Review,
)
from openphb.planning.reviews import decider_refusal
from openphb.planning.rules import Evidence, Flag
from openphb.planning.selectors import (
    catalogue_of,
    open_reconsiderations,
    plan_summary,
    plans_visible_to,
    reviews_due,
)
from openphb.planning.workflow import Status

pytestmark = pytest.mark.django_db
UNSUPPORTED = ("Reiki", "Reflexology", "Aromatherapy", "Hypnotherapy")


@pytest.fixture
def demo():
    world.build(seed=2013, patients=150, say=lambda _: None)


def test_the_demo_has_a_plan_in_every_status_and_a_clean_ledger(demo):
    assert set(CarePlan.objects.values_list("status", flat=True)) == set(Status.values)
    assert Assessment.objects.filter(shared_on__isnull=False).exists()
    assert Assessment.objects.filter(shared_on__isnull=True).exists()
    assert list(verify()) == []


def test_the_worklist_has_reviews_overdue_and_due_soon(demo):
    due = reviews_due(user=User.objects.get(username="coordinator"))
    assert any(row.overdue_days > 0 for row in due)
    assert any(row.overdue_days == 0 for row in due)
    assert Review.objects.filter(kind=Review.Kind.REQUESTED, completed_on__isnull=True).exists()


def test_each_commissioner_catalogue_names_the_evidence_and_what_cannot_be_bought(demo):
    for ods in ("DM0D1", "DM0B1"):
        items = {
            v.name: v for v in catalogue_of(commissioner=Organisation.objects.get(ods_code=ods))
        }
        names = " ".join(items).lower()
        for wanted in (
            "hydrotherapy",
            "physiotherapy",
            "personal assistant",
            "respite",
            "seizure-alert dog",
            "gym membership",
        ):
            assert wanted in names
        for therapy in UNSUPPORTED:
            (version,) = [v for name, v in items.items() if name.startswith(therapy)]
            general = [row for row in version.evidence if not row["condition_code"]]
            assert general[0]["rating"] == Evidence.NOT_SUPPORTED
            assert general[0]["source"]
        barred = {v.legal_status for v in items.values() if v.legal_status != "allowed"}
        assert {"alcohol", "gambling"} <= barred


def test_the_person_with_epilepsy_has_hydrotherapy_and_a_dog_and_reflexology_declined(demo):
    dog = PlanItem.objects.get(name="Trained seizure-alert dog")
    items = {item.name.split(" (")[0]: item for item in dog.plan.items.all()}
    assert dog.plan.status == Status.ACTIVE
    assert items["Hydrotherapy"].decision == Decision.APPROVED_WITH_CONDITIONS
    reflexology = items["Reflexology"]
    assert reflexology.flag_codes == [Flag.EVIDENCE_NOT_SUPPORTED]
    assert reflexology.decision == Decision.DECLINED
    assert reflexology.decision_reason == "not_supported"
    assert reflexology.decision_note
    reconsidered = reflexology.reconsiderations.get()
    assert reconsidered.verdict == Reconsideration.Verdict.UPHELD
    assert reconsidered.decided_by.username == "clinician2"  # not who declined it


def test_the_plans_show_two_person_approval_a_pending_decision_and_a_revision(demo):
    waiting = CarePlan.objects.get(status=Status.AWAITING_APPROVAL)
    assert plan_summary(plan=waiting).approvals_needed == 2
    assert [a.approver.username for a in Approval.objects.filter(plan=waiting)] == ["commissioner"]
    in_review = CarePlan.objects.get(status=Status.SUBMITTED)
    assert in_review.items.filter(
        decision=Decision.PENDING, evidence_rating=Evidence.NOT_SUPPORTED
    ).exists()
    old = CarePlan.objects.get(status=Status.REVISED)
    assert CarePlan.objects.get(previous=old).status == Status.ACTIVE


def test_the_holder_sees_their_approved_plan_with_the_reason_for_a_declined_item(demo):
    holder = User.objects.get(username="holder")
    (plan,) = plans_visible_to(user=holder)
    assert plan.status == Status.ACTIVE
    declined = plan.items.get(decision=Decision.DECLINED)
    assert declined.name.startswith("Reiki")
    assert declined.decision_reason == "no_evidence"
    assert "no good evidence" in declined.decision_note
    assert list(open_reconsiderations(user=holder)) == list(declined.reconsiderations.all())
    assert [budget.source_ref for budget in budgets_visible_to(user=holder)] == [
        f"care-plan:{plan.pk}"
    ]


def test_the_holders_plan_is_built_against_an_indicative_budget_they_were_told(demo):
    holder = User.objects.get(username="holder")
    (plan,) = plans_visible_to(user=holder)
    assert plan.assessment is not None
    assert plan.assessment.shared_on is not None
    assert plan.indicative_amount == plan.assessment.indicative_amount > 0
    assert plan.enrolment.stage == "live"
    summary = plan_summary(plan=plan)
    assert not summary.needs_justification or plan.difference_justification


def test_a_second_clinical_reviewer_can_decide_the_open_reconsideration(demo):
    (asked,) = Reconsideration.objects.filter(verdict=Reconsideration.Verdict.OPEN)
    clinician, second = (
        User.objects.get(username="clinician"),
        User.objects.get(username="clinician2"),
    )
    assert second.can(Capability.REVIEW_CLINICALLY)
    assert set(second.organisations.all()) == set(clinician.organisations.all())
    assert asked in open_reconsiderations(user=second)
    assert decider_refusal(user_id=clinician.pk, reconsideration=asked)
    assert decider_refusal(user_id=second.pk, reconsideration=asked) == ""


def test_each_catalogue_items_name_says_the_unit_it_is_priced_by(demo):
    for version in catalogue_of(commissioner=Organisation.objects.get(ods_code="DM0D1")):
        named = re.search(r"\(an? ([a-z]+)", version.name)
        if version.unit == "one_off":
            assert named is None, version.name
        else:
            assert named is not None, version.name
            assert named.group(1) == version.unit, version.name


def test_building_the_demo_again_adds_no_plan_budget_or_assessment(demo):
    counts = (CarePlan.objects.count(), Budget.objects.count(), Assessment.objects.count())
    world.build(seed=2013, patients=150, say=lambda _: None)
    assert (
        CarePlan.objects.count(),
        Budget.objects.count(),
        Assessment.objects.count(),
    ) == counts
    assert list(verify()) == []
