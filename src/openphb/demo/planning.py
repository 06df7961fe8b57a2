"""Demo care and support planning: each demo commissioner's catalogue (evidence ratings with
their sources, and the purchases the law excludes), providers and planning policy; a
resource-allocation scheme for each programme; and people at every step of planning: assessed
(and told their indicative budget, or not yet), and care plans in every status, with items
flagged, approved, approved with conditions and declined, reconsiderations, and reviews due,
overdue and asked for.

Everything goes through the planning services as the demo users would act: `coordinator`
assesses people and writes plans, `clinician` reviews them (and `clinician2` reconsiders what
`clinician` declined), and `commissioner` and `commissioner2` approve them, so the audit trail,
the budgets and the ledger are what real use would leave behind. The services date approvals
today, so a plan that started months ago was approved when the demo was built; its reviews
fall due on their real dates, some already overdue. The set-up is in planning_catalogue.py, the
stories in planning_stories.py.
"""

import random
from collections import Counter
from collections.abc import Callable

from django.db import transaction

from openphb.audit.services import Actor
from openphb.enrolment.stages import Stage
from openphb.organisations.models import Organisation
from openphb.planning import reviews
from openphb.planning.calculations import DEFAULT_DOMAINS
from openphb.planning.catalogue import (
    catalogue_item_add,
    catalogue_item_change,
    policy_set,
    provider_save,
    scheme_publish,
)
from openphb.planning.models import Assessment, CarePlan, CatalogueItem
from openphb.planning.workflow import Status, label
from openphb.programmes.models import Programme

from . import planning_stories as stories
from .planning_catalogue import CATALOGUE, PA_PRICE_CHANGE, POLICIES, PROVIDERS, SCHEMES
from .planning_steps import DEMO_COMMISSIONERS, People, Planner
from .programmes import CHC_NAME

ACTOR = Actor.system_job("demo-data")
NEEDS = (["none", "low", "moderate", "high", "severe"], [30, 25, 25, 15, 5])

Say = Callable[[str], None]


def build(*, orgs: dict[str, Organisation], seed: int, say: Say) -> None:
    """Set up planning and tell the stories, once (all of it, or none)."""
    if CatalogueItem.objects.filter(commissioner=orgs["DM0D1"]).exists():
        return
    with transaction.atomic():
        planner = Planner.start()
        _set_up(planner, orgs, say)
        _stories(planner, orgs, random.Random(seed), say)


def _set_up(planner: Planner, orgs: dict[str, Organisation], say: Say) -> None:
    lead = Actor(user=planner.commissioner)
    for ods in DEMO_COMMISSIONERS:
        commissioner = orgs[ods]
        for code, spec in CATALOGUE:
            planner.catalogue[(commissioner.pk, code)] = catalogue_item_add(
                actor=lead, commissioner=commissioner, code=code, spec=spec
            )
        code, spec, note = PA_PRICE_CHANGE
        planner.catalogue[(commissioner.pk, code)] = catalogue_item_change(
            actor=lead, item=planner.catalogue[(commissioner.pk, code)].item, spec=spec, note=note
        )
        for key, provider in PROVIDERS[ods]:
            planner.providers[(commissioner.pk, key)] = provider_save(
                actor=lead, commissioner=commissioner, spec=provider
            )
        tolerance, two_approvers_above, insufficient, not_supported = POLICIES[ods]
        policy_set(
            actor=lead,
            commissioner=commissioner,
            starts_on=planner.today,
            tolerance_basis_points=tolerance,
            two_approvers_above=two_approvers_above,
            allow_insufficient=insufficient,
            allow_not_supported=not_supported,
        )
    for name, scheme in SCHEMES.items():
        programme = Programme.objects.filter(owner=orgs["DM0D1"], name=name).first()
        if programme is not None:
            scheme_publish(actor=lead, programme=programme, spec=scheme)
    barred = sum(1 for _, spec in CATALOGUE if spec.legal_status != "allowed")
    say(
        f"Care planning: catalogues of {len(CATALOGUE)} items ({barred} that a budget cannot "
        f"buy), {sum(len(p) for p in PROVIDERS.values())} providers and planning policies for "
        f"{len(DEMO_COMMISSIONERS)} commissioners; allocation schemes for {len(SCHEMES)} "
        "programmes."
    )


def _stories(planner: Planner, orgs: dict[str, Organisation], rng: random.Random, say: Say) -> None:
    programme = Programme.objects.filter(owner=orgs["DM0D1"], name=CHC_NAME).first()
    waiting = 0
    if programme is not None:
        people = People(programme, planner)
        for story in stories.STORIES:
            story(planner, people)
        for enrolment in people.remaining():
            needs = {code: rng.choices(*NEEDS)[0] for code, _ in DEFAULT_DOMAINS}
            planner.assess_waiting(enrolment, needs, share=enrolment.stage == Stage.INDICATIVE)
            waiting += 1
    stories.holder(planner, programme)
    reviews.reviews_mark_due(actor=ACTOR, on=planner.today)
    statuses = Counter(CarePlan.objects.values_list("status", flat=True))
    people_with_plans = len({plan.patient_id for plan, _ in planner.cast})
    say(
        f"Care plans: {sum(statuses.values())} for {people_with_plans} people ("
        + ", ".join(f"{statuses[s]} {label(s).lower()}" for s in Status.values if statuses[s])
        + f"); {Assessment.objects.count()} needs assessments, {waiting} of them of people "
        "still waiting for a plan."
    )
    for plan, what in planner.cast:
        plan.refresh_from_db()
        say(f"  {plan.patient.full_name}, {label(plan.status).lower()}: {what}")
