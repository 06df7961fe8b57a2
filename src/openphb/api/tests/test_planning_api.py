"""Care plans over HTTP: the journey the issue describes, who may do what, whose plans are
whose, and what the person sees and may ask for again."""

import pytest
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.planning import services
from openphb.planning.models import CarePlan

from .planning_helpers import (
    CATALOGUE_ITEM,
    GAMBLING_RULE,
    OUTCOME,
    POLICY,
    TODAY,
    Caller,
    item_body,
    levels,
    messages,
)

pytestmark = pytest.mark.django_db


# The journey ------------------------------------------------------------------------------------


def test_a_plan_is_assessed_built_reviewed_approved_twice_and_funded(
    client, scene, enrolment, person, coordinator, clinician, commissioner, second_commissioner
):
    coordinating = Caller(client, coordinator)
    reviewing = Caller(client, clinician)
    approving = Caller(client, commissioner)
    policy = approving.ok("post", "/planning-policy", POLICY, status=201)
    assert (
        "A plan costing more than £10,000.00 needs two different approvers."
        in (policy["description"])
    )

    assessment = coordinating.ok(
        "post",
        "/assessments",
        {
            "enrolment_id": enrolment.pk,
            "levels": levels(altered_states="severe", psychological="moderate", mobility="low"),
        },
        status=201,
    )
    assert (assessment["points"], assessment["indicative_amount"]) == (14, 700_000)
    assert "14 points at £500.00 a point come to £7,000.00 a year." in assessment["explanation"]
    shared = coordinating.ok("post", f"/assessments/{assessment['id']}/share", {"how": "in_person"})
    assert shared["shared"] == {
        "on": TODAY.isoformat(),
        "how": "in_person",
        "how_label": "In person",
    }

    plan = coordinating.ok(
        "post",
        "/care-plans",
        {
            "patient_id": person.pk,
            "starts_on": TODAY.isoformat(),
            "assessment_id": assessment["id"],
            "coordinator": "coordinator",
        },
        status=201,
    )
    assert (plan["status"], plan["indicative_amount"], plan["coordinator"]) == (
        "draft",
        700_000,
        "coordinator",
    )
    url = f"/care-plans/{plan['id']}"
    plan = coordinating.ok("post", f"{url}/outcomes", OUTCOME, status=201)
    assert [outcome["goal"] for outcome in plan["outcomes"]] == [OUTCOME["goal"]]
    coordinating.ok("post", f"{url}/items", item_body(scene, scene.items.hydrotherapy), status=201)
    coordinating.ok("post", f"{url}/items", item_body(scene, scene.items.dog), status=201)
    plan = coordinating.ok(
        "post", f"{url}/items", item_body(scene, scene.items.reflexology), status=201
    )
    hydro, dog, reflexology = plan["items"]
    assert (hydro["name"], hydro["cost"], hydro["flags"]) == ("Hydrotherapy", 52 * 4_500, [])
    assert (dog["frequency_label"], dog["cost"], dog["flags"]) == ("One-off", 1_200_000, [])
    [flag] = reflexology["flags"]
    assert (flag["code"], flag["label"]) == ("evidence_not_supported", "Not supported by evidence")
    assert "Reflexology: evidence for any condition is rated 'not supported'" in flag["explanation"]
    assert plan["summary"]["total"] == 52 * 4_500 + 1_200_000 + 52 * 4_000
    justify = "Reflexology: write the clinical justification"
    assert any(justify in problem for problem in plan["submission_problems"])

    refused = coordinating.post(f"{url}/submit")
    assert any(justify in message for message in messages(refused)[("body",)])
    coordinating.ok(
        "put",
        f"{url}/items/{reflexology['id']}",
        item_body(
            scene,
            scene.items.reflexology,
            clinical_justification="Sam finds it calming and believes it reduces seizures.",
        ),
    )
    coordinating.ok(
        "patch",
        url,
        {"difference_justification": "The dog is a one-off purchase in the first year."},
    )
    plan = coordinating.ok("post", f"{url}/submit")
    assert (plan["status"], plan["status_label"]) == ("submitted", "In clinical review")
    reflexology = plan["items"][2]

    decide = f"{url}/items/{reflexology['id']}/decision"
    not_funded = reviewing.post(decide, {"decision": "approved", "note": "Patient choice."})
    assert messages(not_funded) == {
        ("body", "decision"): [
            "NHS North East London ICB's policy does not fund items whose evidence is 'not "
            "supported'; a clinical reviewer can only decline it, with a reason."
        ]
    }
    reviewing.ok(
        "post",
        decide,
        {
            "decision": "declined",
            "reason": "not_supported",
            "note": "No good evidence that reflexology reduces seizures.",
        },
    )
    plan = reviewing.ok("post", f"{url}/clinical-review")
    assert plan["status"] == "awaiting_approval"

    plan = approving.ok("post", f"{url}/approvals", {"note": "Good plan."})
    assert plan["status"] == "awaiting_approval"
    assert (plan["summary"]["approvals_needed"], plan["summary"]["approvals_given"]) == (2, 1)
    again = approving.post(f"{url}/approvals")
    assert "a second person must" in messages(again)[("body",)][0]
    plan = Caller(client, second_commissioner).ok("post", f"{url}/approvals")

    assert plan["status"] == "active"
    assert plan["summary"]["funded"] == 52 * 4_500 + 1_200_000
    assert [change["to_status"] for change in plan["history"]] == [
        "draft",
        "submitted",
        "awaiting_approval",
        "active",
    ]
    assert [review["kind"] for review in plan["reviews"]] == ["first"]
    budget = approving.get(f"/budgets/{plan['budget_id']}").json()
    assert budget["total"]["approved"] == 52 * 4_500 + 1_200_000


def test_gambling_is_refused_at_entry_with_the_rule_named(coordinating, scene, draft):
    url = f"/care-plans/{draft.pk}/items"
    from_the_catalogue = coordinating.post(url, item_body(scene, scene.items.betting))
    assert messages(from_the_catalogue) == {("body", "name"): [GAMBLING_RULE]}
    free_text = coordinating.post(
        url,
        {
            "name": "Gambling",
            "category": "activities",
            "unit": "session",
            "quantity": 1,
            "frequency": "weekly",
            "unit_price": 1_000,
            "holding": "direct_payment",
            "stream": scene.stream.code,
        },
    )
    assert messages(free_text) == {("body", "name"): [GAMBLING_RULE]}
    assert not draft.items.exists()


# Who may do what --------------------------------------------------------------------------------


def test_each_step_needs_its_capability(
    client, scene, draft, coordinator, clinician, commissioner, analyst, holder
):
    url = f"/care-plans/{draft.pk}"
    hydro = services.item_add(
        actor=Actor(user=coordinator),
        plan=draft,
        spec=services.ItemSpec(
            name="Hydrotherapy",
            category="therapies",
            unit="session",
            quantity=1,
            frequency="weekly",
            unit_price=4_500,
            holding="notional",
            stream=scene.stream,
            catalogue_version=scene.items.hydrotherapy,
        ),
    )
    forbidden = [
        (commissioner, "post", f"{url}/items", item_body(scene, scene.items.hydrotherapy)),
        (clinician, "post", f"{url}/outcomes", OUTCOME),
        (holder, "patch", url, {"difference_justification": "Mine"}),
        (coordinator, "post", f"{url}/items/{hydro.pk}/decision", {"decision": "approved"}),
        (commissioner, "post", f"{url}/items/{hydro.pk}/decision", {"decision": "approved"}),
        (coordinator, "post", f"{url}/clinical-review", {}),
        (coordinator, "post", f"{url}/approvals", {}),
        (clinician, "post", f"{url}/approvals", {}),
        (holder, "post", f"{url}/approvals", {}),
        (clinician, "post", f"{url}/end", {"reason": "No"}),
        (clinician, "post", f"{url}/reconsiderations", {"grounds": "Please"}),
        (coordinator, "post", "/catalogue", CATALOGUE_ITEM),
        (coordinator, "post", "/planning-policy", POLICY),
        (analyst, "get", "/care-plans", None),
        (analyst, "get", url, None),
        (analyst, "get", "/catalogue", None),
        (holder, "get", "/catalogue", None),
        (holder, "get", "/care-plans/reviews-due", None),
    ]
    for user, method, path, body in forbidden:
        if method == "get":
            response = Caller(client, user).get(path)
        else:
            response = Caller(client, user).send(method, path, body)
        assert response.status_code == 403, (user.username, method, path)
    assert draft.items.get().decision == "pending"


def test_another_icbs_plan_is_a_404_however_it_is_asked_for(
    client, coordinator, commissioner, draft, elsewhere_plan
):
    theirs = f"/care-plans/{elsewhere_plan.pk}"
    coordinating, approving = Caller(client, coordinator), Caller(client, commissioner)
    for caller in (coordinating, approving):
        assert caller.get(theirs).status_code == 404
        listed = caller.get("/care-plans").json()
        assert [plan["id"] for plan in listed["items"]] == [draft.pk]
    assert coordinating.post(f"{theirs}/submit").status_code == 404
    assert coordinating.send("patch", theirs, {"difference_justification": "x"}).status_code == 404
    assert coordinating.post(f"{theirs}/outcomes", OUTCOME).status_code == 404
    assert approving.post(f"{theirs}/approvals").status_code == 404
    assert approving.post(f"{theirs}/end", {"reason": "Not ours"}).status_code == 404
    assert not AuditEvent.objects.filter(
        action="care_plan.viewed", object_id=str(elsewhere_plan.pk)
    ).exists()
    assert CarePlan.objects.get(pk=elsewhere_plan.pk).status == "draft"


def test_opening_a_plan_is_written_to_the_audit_log(coordinating, coordinator, draft):
    assert coordinating.get(f"/care-plans/{draft.pk}").status_code == 200
    viewed = AuditEvent.objects.filter(action="care_plan.viewed", patient_id=draft.patient_id)
    assert list(viewed.values_list("object_id", "actor_label")) == [
        (str(draft.pk), coordinator.username)
    ]


# What the person sees ---------------------------------------------------------------------------


def test_the_budget_holder_reads_their_plan_with_every_decision_and_its_reason(
    client, holder, approved_plan, elsewhere_plan
):
    reading = Caller(client, holder)
    listed = reading.get("/care-plans").json()
    assert [plan["id"] for plan in listed["items"]] == [approved_plan.pk]
    plan = reading.get(f"/care-plans/{approved_plan.pk}").json()
    assert (plan["status_label"], plan["patient_name"]) == ("Active", "Sam Adeyemi")
    assert (plan["summary"]["indicative"], plan["summary"]["funded"]) == (700_000, 52 * 4_500)
    assert plan["summary"]["difference"] == (
        "The plan costs £4,660.00 (66.6%) less than the indicative budget."
    )
    reflexology = plan["items"][1]
    assert (reflexology["decision_label"], reflexology["decision_reason_label"]) == (
        "Declined",
        "Clinical guidance does not support it",
    )
    assert [
        (d["item"], d["decision"], d["reason_label"], d["note"]) for d in plan["decisions"]
    ] == [
        (
            "Reflexology",
            "declined",
            "Clinical guidance does not support it",
            "No good evidence that reflexology reduces seizures.",
        ),
        ("Hydrotherapy", "approved", "", "No concerns flagged; approved with the plan."),
    ]
    assessment = reading.get(f"/assessments/{approved_plan.assessment_id}").json()
    assert assessment["explanation"][-1] == "Indicative budget: £7,000.00 a year."
    assert reading.get(f"/care-plans/{elsewhere_plan.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="care_plan.viewed", actor_label="sam").count() == 1


def test_the_person_asks_for_reflexology_again_and_another_clinician_decides(
    client, holder, clinician, icb, approved_plan
):
    url = f"/care-plans/{approved_plan.pk}"
    reflexology = approved_plan.items.get(name="Reflexology")
    asking = Caller(client, holder)
    plan = asking.ok(
        "post",
        f"{url}/reconsiderations",
        {"grounds": "It is the only thing that helps me sleep.", "item_id": reflexology.pk},
        status=201,
    )
    [asked] = plan["reconsiderations"]
    assert (asked["item"], asked["verdict"], asked["requested_by"]) == (
        "Reflexology",
        "open",
        "sam",
    )
    decide = f"{url}/reconsiderations/{asked['id']}/decision"
    verdict = {"verdict": "upheld", "reasons": "Still no evidence it reduces seizures."}
    assert asking.post(decide, verdict).status_code == 403
    assert messages(Caller(client, clinician).post(decide, verdict)) == {
        ("body",): ["You declined this item, so someone else must reconsider it."]
    }
    another = factories.user(role="clinical_reviewer", organisations=(icb,), first_name="Ayo")
    plan = Caller(client, another).ok("post", decide, verdict)
    [decided] = plan["reconsiderations"]
    assert (decided["verdict_label"], decided["reasons"]) == (
        "Original decision upheld",
        "Still no evidence it reduces seizures.",
    )


def test_the_person_asks_for_the_reduction_to_be_reconsidered_by_a_commissioner(
    client, holder, clinician, commissioner, second_commissioner, approved_plan
):
    url = f"/care-plans/{approved_plan.pk}"
    plan = Caller(client, holder).ok(
        "post",
        f"{url}/reconsiderations",
        {"grounds": "My budget is much less than I was told it would be."},
        status=201,
    )
    [asked] = plan["reconsiderations"]
    assert (asked["item_id"], asked["item"]) == (None, "")
    decide = f"{url}/reconsiderations/{asked['id']}/decision"
    verdict = {"verdict": "changed", "reasons": "The plan will be revised to add swimming."}
    assert Caller(client, clinician).post(decide, verdict).status_code == 403
    assert messages(Caller(client, commissioner).post(decide, verdict)) == {
        ("body",): ["You approved this plan, so someone else must reconsider it."]
    }
    plan = Caller(client, second_commissioner).ok("post", decide, verdict)
    assert plan["reconsiderations"][0]["verdict"] == "changed"
