"""Care plans over HTTP after the first draft's journey: building and changing a draft,
refusals, sending back and withdrawing, reviews, revisions and ending."""

import datetime

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.planning import services
from openphb.planning.catalogue import ProviderSpec, provider_save
from openphb.planning.models import CarePlan, Review

from .planning_helpers import OUTCOME, TODAY, Caller, item_body, messages

pytestmark = pytest.mark.django_db


# Sending back and withdrawing ---------------------------------------------------------------------


def test_a_plan_is_sent_back_with_a_reason_and_a_draft_withdrawn(
    client, coordinating, clinician, holder, approved_plan
):
    revision = coordinating.ok(
        "post", f"/care-plans/{approved_plan.pk}/revisions", {"reason": "A new pool"}, 201
    )
    url = f"/care-plans/{revision['id']}"
    coordinating.ok("post", f"{url}/submit")
    reviewing = Caller(client, clinician)
    assert messages(reviewing.post(f"{url}/return", {"reason": ""})) == {
        ("body", "reason"): ["Say why."]
    }
    plan = reviewing.ok("post", f"{url}/return", {"reason": "Add the pool's address."})
    assert plan["status"] == "draft"
    assert plan["history"][-1]["note"] == "Add the pool's address."

    plan = coordinating.ok("post", f"{url}/withdraw", {"reason": "Sam changed their mind."})
    assert plan["status_label"] == "Withdrawn"
    assert [v["status"] for v in plan["versions"]] == ["withdrawn", "active"]
    assert Caller(client, holder).get(url).status_code == 404


# After approval ---------------------------------------------------------------------------------


def test_reviews_come_due_and_are_requested_and_recorded(client, coordinator, approved_plan):
    coordinating = Caller(client, coordinator)
    [first] = Review.objects.filter(plan=approved_plan)
    assert coordinating.get("/care-plans/reviews-due").json() == []
    later = first.due_on + datetime.timedelta(days=5)
    [due] = coordinating.get("/care-plans/reviews-due", {"on": later.isoformat()}).json()
    assert (due["plan_id"], due["kind"], due["overdue_days"]) == (approved_plan.pk, "first", 5)

    url = f"/care-plans/{approved_plan.pk}"
    plan = coordinating.ok(
        "post", f"{url}/reviews", {"reason": "Seizures are more frequent since October."}, 201
    )
    assert plan["status"] == "review_due"
    [review] = [r for r in plan["reviews"] if r["completed_on"] is None]
    assert (review["kind"], review["due_on"]) == ("requested", TODAY.isoformat())
    [outcome] = plan["outcomes"]
    plan = coordinating.ok(
        "post",
        f"{url}/reviews/{review['id']}/complete",
        {
            "result": "continue",
            "summary": "Swimming every fortnight; keep going.",
            "progress": [
                {"outcome_id": outcome["id"], "progress": "progressing", "note": "Fortnightly"}
            ],
        },
    )
    assert plan["status"] == "active"
    done, annual = sorted(plan["reviews"], key=lambda r: r["due_on"])
    assert [(p["outcome"], p["progress_label"]) for p in done["progress"]] == [
        (outcome["what_matters"], "Making progress")
    ]
    assert (annual["kind"], annual["completed_on"]) == ("annual", None)


def test_a_plan_in_force_is_revised_as_a_new_version_and_ended(
    client, coordinator, commissioner, approved_plan
):
    url = f"/care-plans/{approved_plan.pk}"
    revision = Caller(client, coordinator).ok(
        "post", f"{url}/revisions", {"reason": "Sam has moved to a new pool."}, status=201
    )
    assert (revision["version"], revision["status"], revision["previous_id"]) == (
        2,
        "draft",
        approved_plan.pk,
    )
    assert [v["version"] for v in revision["versions"]] == [2, 1]
    assert [item["name"] for item in revision["items"]] == ["Hydrotherapy"]

    approving = Caller(client, commissioner)
    assert messages(approving.post(f"{url}/end", {"reason": " "})) == {
        ("body", "reason"): ["Say why."]
    }
    plan = approving.ok("post", f"{url}/end", {"reason": "Sam has moved away."})
    assert plan["status"] == "ended"
    assert plan["history"][-1]["note"] == "Sam has moved away."
    budget = approving.get(f"/budgets/{plan['budget_id']}").json()
    assert budget["status"] == "ended"


# Building a draft -------------------------------------------------------------------------------


def test_outcomes_and_items_are_changed_and_removed_in_a_draft(coordinating, scene, draft):
    url = f"/care-plans/{draft.pk}"
    plan = coordinating.ok("post", f"{url}/outcomes", OUTCOME, status=201)
    [outcome] = plan["outcomes"]
    plan = coordinating.ok(
        "put", f"{url}/outcomes/{outcome['id']}", {**OUTCOME, "measure": "Swims a month"}
    )
    assert plan["outcomes"][0]["measure"] == "Swims a month"
    plan = coordinating.ok(
        "post",
        f"{url}/items",
        item_body(scene, scene.items.hydrotherapy, quantity=2, outcome_id=outcome["id"]),
        status=201,
    )
    [item] = plan["items"]
    assert (item["outcome_id"], item["annual_cost"], item["flags"]) == (
        outcome["id"],
        2 * 52 * 4_500,
        [],
    )
    plan = coordinating.ok(
        "put",
        f"{url}/items/{item['id']}",
        item_body(scene, scene.items.hydrotherapy, quantity=2, unit_price=7_000),
    )
    [changed] = plan["items"]
    assert (changed["id"], changed["annual_cost"], changed["outcome_id"]) == (
        item["id"],
        2 * 52 * 7_000,
        None,
    )
    assert [(f["code"], f["explanation"]) for f in changed["flags"]] == [
        ("price_over_cap", "Hydrotherapy: £70.00 a unit is above the cap of £60.00.")
    ]
    plan = coordinating.ok("delete", f"{url}/items/{item['id']}")
    assert plan["items"] == []
    plan = coordinating.ok("delete", f"{url}/outcomes/{outcome['id']}")
    assert plan["outcomes"] == []
    assert coordinating.send("delete", f"{url}/items/{item['id']}").status_code == 404


def test_the_coordinator_is_changed_or_taken_off_and_the_plan_says_so(
    coordinating, coordinator, draft, icb
):
    url = f"/care-plans/{draft.pk}"
    factories.user(username="jo", role="care_coordinator", organisations=(icb,))
    factories.user(username="clinic", role="clinical_reviewer", organisations=(icb,))
    assert coordinating.ok("patch", url, {"coordinator": "jo"})["coordinator"] == "jo"
    assert messages(coordinating.send("patch", url, {"coordinator": "clinic"})) == {
        ("body", "coordinator"): ["No care coordinator here has the username clinic."]
    }
    plan = coordinating.ok("patch", url, {"coordinator": None})
    assert plan["coordinator"] is None
    assert "no_coordinator" in [flag["code"] for flag in plan["flags"]]
    assert plan["starts_on"] == draft.starts_on.isoformat()


def test_plans_filter_by_person_and_status(coordinating, approved_plan, icb, scene):
    other = factories.patient(commissioner=icb)
    services.plan_start(actor=Actor.system_job("test"), patient=other, starts_on=TODAY)

    def ids(**filters):
        return [plan["id"] for plan in coordinating.get("/care-plans", filters).json()["items"]]

    assert len(ids()) == 2
    assert ids(patient_id=approved_plan.patient_id) == [approved_plan.pk]
    assert ids(status="active") == [approved_plan.pk]
    assert ids(status="draft", patient_id=approved_plan.patient_id) == []


# Refusals ---------------------------------------------------------------------------------------


def test_refusals_are_422s_that_name_the_field(
    client, coordinating, scene, draft, other_icb, elsewhere_patient
):
    items = f"/care-plans/{draft.pk}/items"
    missing = coordinating.post(items, {"stream": scene.stream.code})
    assert [(e["loc"], e["msg"]) for e in missing.json()["detail"]] == [
        (["body", "payload", "quantity"], "Field required"),
        (["body", "payload", "frequency"], "Field required"),
        (["body", "payload", "holding"], "Field required"),
    ]
    assert missing.status_code == 422
    wrong = coordinating.post(
        items, item_body(scene, scene.items.hydrotherapy, quantity=0, frequency="daily")
    )
    assert messages(wrong) == {
        ("body", "frequency"): ["Choose how often."],
        ("body", "quantity"): ["The quantity is a whole number from 1 to 10,000."],
    }
    theirs = provider_save(
        actor=Actor.system_job("test"), commissioner=other_icb, spec=ProviderSpec(name="Aqua")
    )
    assert messages(
        coordinating.post(items, item_body(scene, scene.items.hydrotherapy, provider_id=theirs.pk))
    ) == {("body", "provider_id"): [f"NHS North East London ICB has no provider {theirs.pk}."]}
    assert messages(
        coordinating.post(items, item_body(scene, scene.items.hydrotherapy, stream="nope"))
    ) == {("body", "stream"): ["No funding stream has the code nope."]}

    elsewhere = coordinating.post(
        "/care-plans", {"patient_id": elsewhere_patient.pk, "starts_on": TODAY.isoformat()}
    )
    assert messages(elsewhere) == {
        ("body", "patient_id"): [f"You cannot see a person with id {elsewhere_patient.pk}."]
    }
    backwards = coordinating.post(
        "/care-plans",
        {
            "patient_id": draft.patient_id,
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert messages(backwards) == {
        ("body", "ends_on"): ["The plan must end on or after the day it starts."]
    }
    assert messages(coordinating.post(f"/care-plans/{draft.pk}/submit")) == {
        ("body",): [
            "Add at least one outcome: what matters to the person.",
            "Add at least one item.",
            "The plan costs £7,000.00 (100.0%) less than the indicative budget. Explain why, "
            "in the justification for the difference.",
        ]
    }
    assert CarePlan.objects.count() == 1
