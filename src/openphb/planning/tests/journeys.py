"""Steps the planning tests share: a plan taken through the services to a given point."""

import datetime

from openphb.audit.services import Actor
from openphb.planning import decisions, services
from openphb.planning.models import CarePlan, Decision


def catalogue_spec(scene, version, *, frequency="weekly", holding="direct_payment", **more):
    return services.ItemSpec(
        name=version.name,
        category=version.category,
        unit=version.unit,
        quantity=more.pop("quantity", 1),
        frequency=frequency,
        unit_price=more.pop("unit_price", version.reference_price),
        holding=holding,
        stream=scene.stream,
        catalogue_version=version,
        **more,
    )


def build(scene, plan: CarePlan, coordinator, *, reflexology: bool = False) -> CarePlan:
    """Hydrotherapy weekly and a seizure-alert dog (and reflexology, justified)."""
    actor = Actor(user=coordinator)
    services.outcome_save(
        actor=actor,
        plan=plan,
        what_matters="Swimming again without fear of a seizure.",
        goal="Swim weekly with support.",
    )
    services.item_add(actor=actor, plan=plan, spec=catalogue_spec(scene, scene.items.hydrotherapy))
    services.item_add(
        actor=actor, plan=plan, spec=catalogue_spec(scene, scene.items.dog, frequency="once")
    )
    if reflexology:
        services.item_add(
            actor=actor,
            plan=plan,
            spec=catalogue_spec(
                scene, scene.items.reflexology, clinical_justification="The person asks for it."
            ),
        )
    services.plan_update(
        actor=actor,
        plan=plan,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        coordinator=coordinator,
        difference_justification="The dog is a one-off cost in the first year.",
    )
    return plan


def approve(plan: CarePlan, coordinator, clinician, *approvers) -> CarePlan:
    """Submit, review (declining anything flagged) and approve."""
    decisions.plan_submit(actor=Actor(user=coordinator), plan=plan)
    for item in plan.items.all():
        if item.flags:
            decisions.item_decide(
                actor=Actor(user=clinician),
                item=item,
                decision=Decision.DECLINED,
                reason="not_supported",
                note="No evidence.",
            )
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    for approver in approvers:
        decisions.plan_approve(actor=Actor(user=approver), plan=plan)
    plan.refresh_from_db()
    return plan


def active_plan(scene, draft, coordinator, clinician, commissioner, **build_options) -> CarePlan:
    return approve(
        build(scene, draft, coordinator, **build_options), coordinator, clinician, commissioner
    )


TODAY = datetime.date.today()
