"""Steps the care plan page tests share: dates as the forms take them, a page's text, an item
as the form posts it, and plans taken through the services to clinical review or approval."""

import datetime
import re

from django.utils import timezone

from openphb.audit.services import Actor
from openphb.planning import decisions
from openphb.planning.models import CarePlan, Decision
from openphb.planning.tests.journeys import build


def today() -> datetime.date:
    return timezone.localdate()


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def text_of(response) -> str:
    """The page's text, tags removed and white space squeezed, to read sentences from."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body).replace("&#39;", "'").replace("&amp;", "&")


def item_post(scene, **changes: str) -> dict[str, str]:
    """An item as the form posts it: one a week at £45, the NHS arranging it."""
    data = {
        "quantity": "1",
        "frequency": "weekly",
        "unit_price": "45.00",
        "holding": "notional",
        "stream": str(scene.stream.pk),
        "payee": "none",
    }
    data.update(changes)
    return data


def in_review(scene, draft, coordinator) -> CarePlan:
    """Hydrotherapy, a seizure-alert dog and reflexology (justified), submitted."""
    build(scene, draft, coordinator, reflexology=True)
    decisions.plan_submit(actor=Actor(user=coordinator), plan=draft)
    draft.refresh_from_db()
    return draft


def awaiting_approval(scene, draft, coordinator, clinician) -> CarePlan:
    """The same, with reflexology declined and the clinical review complete."""
    plan = in_review(scene, draft, coordinator)
    reflexology = plan.items.get(name="Reflexology")
    decisions.item_decide(
        actor=Actor(user=clinician),
        item=reflexology,
        decision=Decision.DECLINED,
        reason="not_supported",
        note="NICE does not recommend reflexology for epilepsy.",
    )
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    plan.refresh_from_db()
    return plan
