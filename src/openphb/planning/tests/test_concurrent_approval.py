"""Approvers pressing the button at the same moment fund the budget once (PostgreSQL: the
plan's row lock serialises them)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from tests import factories

from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.ledger.selectors import verify
from openphb.planning import assessing, decisions, services
from openphb.planning.models import Approval
from openphb.planning.workflow import Status

from .journeys import build


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_five_simultaneous_approvals_activate_the_plan_and_create_its_budget_once():
    icb = factories.organisation(kind="icb")
    scene = factories.planning_scene(commissioner=icb)
    coordinator = factories.user(role="care_coordinator", organisations=(icb,))
    clinician = factories.user(role="clinical_reviewer", organisations=(icb,))
    approvers = [factories.user(role="commissioner", organisations=(icb,)) for _ in range(5)]
    person = factories.patient(commissioner=icb)
    factories.condition(person, *factories.EPILEPSY)
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=person)
    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator), enrolment=enrolment, levels=factories.levels(mobility="high")
    )
    plan = services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=datetime.date.today(),
        assessment=assessment,
        coordinator=coordinator,
    )
    build(scene, plan, coordinator)
    decisions.plan_submit(actor=Actor(user=coordinator), plan=plan)
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)

    start = threading.Barrier(len(approvers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(user) -> None:
        try:
            start.wait()
            decisions.plan_approve(actor=Actor(user=user), plan=plan)
            outcome = "ok"
        except ValidationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    plan.refresh_from_db()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 4
    assert plan.status == Status.ACTIVE
    assert Approval.objects.filter(plan=plan).count() == 1
    assert Budget.objects.filter(patient=person).count() == 1
    assert list(verify()) == []
