"""The planning set-up over HTTP (allocation schemes, the catalogue, providers, the planning
policy) and needs assessments."""

import datetime

import pytest
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.planning.catalogue import ProviderSpec, provider_save

from .planning_helpers import CATALOGUE_ITEM, GAMBLING_RULE, POLICY, TODAY, Caller, levels, messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def managing(client, commissioner):
    return Caller(client, commissioner)


@pytest.fixture
def theirs(other_icb):
    return factories.planning_scene(commissioner=other_icb)


# Allocation schemes -----------------------------------------------------------------------------


def test_a_programmes_scheme_versions_are_listed_and_a_new_one_published(
    managing, coordinating, scene
):
    url = f"/programmes/{scene.programme.pk}/allocation-schemes"
    [first] = coordinating.get(url).json()
    assert (first["version"], first["pence_per_point"], first["floor"], first["cap"]) == (
        1,
        50_000,
        100_000,
        10_000_000,
    )
    assert [domain["code"] for domain in first["domains"]][:2] == ["breathing", "nutrition"]
    assert [level["code"] for level in first["domains"][0]["levels"]] == [
        "none",
        "low",
        "moderate",
        "high",
        "severe",
        "priority",
    ]
    published = managing.ok(
        "post",
        url,
        {"pence_per_point": 55_000, "rounding_unit": 1_000, "note": "Uprated for 2026-27"},
        status=201,
    )
    assert (published["version"], published["note"], len(published["domains"])) == (
        2,
        "Uprated for 2026-27",
        12,
    )
    assert [scheme["version"] for scheme in coordinating.get(url).json()] == [2, 1]
    assert coordinating.post(url, {"pence_per_point": 1}).status_code == 403


def test_a_scheme_is_refused_field_by_field_and_another_icbs_programme_is_a_404(
    managing, scene, theirs
):
    url = f"/programmes/{scene.programme.pk}/allocation-schemes"
    refused = managing.post(
        url,
        {
            "pence_per_point": 0,
            "adjustments": [
                {"code": "x", "label": "Lives by the sea", "when": "coastal", "basis_points": 500}
            ],
        },
    )
    assert messages(refused) == {
        ("body", "pence_per_point"): ["Pounds per point must be more than £0."],
        ("body", "adjustments"): [
            "Lives by the sea: an adjustment applies to 'unpaid_carer' or 'setting:<setting code>'."
        ],
    }
    elsewhere = f"/programmes/{theirs.programme.pk}/allocation-schemes"
    assert managing.get(elsewhere).status_code == 404
    assert managing.post(elsewhere, {"pence_per_point": 50_000}).status_code == 404


# The catalogue ----------------------------------------------------------------------------------


def test_the_catalogue_lists_legal_status_evidence_and_sources(coordinating, scene):
    listed = {item["code"]: item for item in coordinating.get("/catalogue").json()}
    assert sorted(listed) == [
        "betting",
        "hydrotherapy",
        "personal-assistant",
        "reflexology",
        "seizure-alert-dog",
    ]
    betting = listed["betting"]
    assert (betting["legal_status"], betting["legal_status_label"], betting["legal_rule"]) == (
        "gambling",
        "Excluded: gambling",
        GAMBLING_RULE,
    )
    hydrotherapy = listed["hydrotherapy"]
    assert (hydrotherapy["legal_rule"], hydrotherapy["price_cap"]) == ("", 6_000)
    assert [
        (row["condition"], row["rating_label"], row["source"]) for row in hydrotherapy["evidence"]
    ] == [
        ("Epilepsy", "Conditional: helps some people", factories.NICE),
        ("any condition", "Recommended", factories.NICE),
    ]
    assert hydrotherapy["version_id"] == scene.items.hydrotherapy.pk


def test_a_commissioner_adds_an_item_and_changes_it_as_a_new_version(managing, coordinating, icb):
    added = managing.ok("post", "/catalogue", CATALOGUE_ITEM, status=201)
    assert (added["version"], added["commissioner"], added["evidence"][0]["rating"]) == (
        1,
        "QMF",
        "conditional",
    )
    versions = f"/catalogue/{added['item_id']}/versions"
    changed = managing.ok(
        "post",
        versions,
        {**CATALOGUE_ITEM, "reference_price": 5_500, "note": "New price from April"},
        status=201,
    )
    assert (changed["version"], changed["reference_price"]) == (2, 5_500)
    history = coordinating.get(versions).json()
    assert [(v["version"], v["reference_price"], v["change_note"]) for v in history] == [
        (2, 5_500, "New price from April"),
        (1, 5_000, "Added"),
    ]
    [current] = coordinating.get("/catalogue").json()
    assert current["version_id"] == changed["version_id"]
    retired = managing.ok(
        "post", versions, {**CATALOGUE_ITEM, "retired": True, "note": "No longer offered"}, 201
    )
    assert coordinating.get("/catalogue").json() == []
    everything = coordinating.get("/catalogue", {"include_retired": "true"}).json()
    assert [item["version_id"] for item in everything] == [retired["version_id"]]
    assert coordinating.post("/catalogue", {**CATALOGUE_ITEM, "code": "other"}).status_code == 403


def test_a_catalogue_item_is_refused_field_by_field(managing, scene):
    refused = managing.post(
        "/catalogue", {**CATALOGUE_ITEM, "code": "hydrotherapy", "price_cap": 100}
    )
    assert messages(refused) == {
        ("body", "price_cap"): ["The price cap cannot be below the reference price."],
        ("body", "code"): ["The catalogue already has an item with the code hydrotherapy."],
    }
    no_note = managing.post(
        f"/catalogue/{scene.items.hydrotherapy.item_id}/versions", {**CATALOGUE_ITEM, "note": ""}
    )
    assert messages(no_note) == {("body", "note"): ["Say what changed and why."]}


def test_another_icbs_catalogue_is_a_404(managing, scene, theirs):
    assert managing.get("/catalogue", {"commissioner": "QT1"}).status_code == 404
    item = f"/catalogue/{theirs.items.hydrotherapy.item_id}/versions"
    assert managing.get(item).status_code == 404
    assert managing.post(item, {**CATALOGUE_ITEM, "note": "Ours now"}).status_code == 404
    assert len(managing.get("/catalogue", {"commissioner": "qmf"}).json()) == 5
    refused = managing.post("/catalogue", {**CATALOGUE_ITEM, "commissioner": "QT1"})
    assert messages(refused) == {
        ("body", "commissioner"): ["You do not work for a commissioner with ODS code QT1."]
    }


# Providers --------------------------------------------------------------------------------------


def test_providers_are_added_changed_and_listed(managing, coordinating, other_icb):
    added = managing.ok(
        "post",
        "/providers",
        {"name": "Aqua Therapy Ltd", "registration": "1-234567890", "quality_rating": "good"},
        status=201,
    )
    assert (added["commissioner"], added["quality_rating_label"], added["agreement_status"]) == (
        "QMF",
        "Good",
        "none",
    )
    changed = managing.ok(
        "put",
        f"/providers/{added['id']}",
        {
            "name": "Aqua Therapy Ltd",
            "quality_rating": "outstanding",
            "agreement_status": "agreed",
            "agreement_starts_on": "2026-04-01",
        },
    )
    assert (changed["quality_rating"], changed["agreement_status_label"]) == (
        "outstanding",
        "Agreement in place",
    )
    assert changed["registration"] == ""
    assert [p["name"] for p in coordinating.get("/providers").json()] == ["Aqua Therapy Ltd"]
    refused = managing.post("/providers", {"name": "Swim Well", "agreement_status": "agreed"})
    assert messages(refused) == {
        ("body", "agreement_starts_on"): ["Give the date the agreement started."]
    }
    elsewhere = provider_save(
        actor=Actor.system_job("test"), commissioner=other_icb, spec=ProviderSpec(name="Theirs")
    )
    assert managing.send("put", f"/providers/{elsewhere.pk}", {"name": "Ours"}).status_code == 404
    assert coordinating.post("/providers", {"name": "Swim Well"}).status_code == 403


# The planning policy ----------------------------------------------------------------------------


def test_the_policy_in_force_is_the_default_until_one_is_set(managing, coordinating):
    default = coordinating.get("/planning-policy").json()
    assert (default["starts_on"], default["two_approvers_above"]) == (None, 5_000_000)
    assert default["description"][0] == (
        "A plan more than 10% away from the indicative budget needs a written justification."
    )
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    managing.ok("post", "/planning-policy", {**POLICY, "starts_on": tomorrow}, status=201)
    assert coordinating.get("/planning-policy").json()["two_approvers_above"] == 5_000_000
    later = coordinating.get("/planning-policy", {"on": tomorrow}).json()
    assert (later["starts_on"], later["two_approvers_above"]) == (tomorrow, 1_000_000)
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    assert messages(managing.post("/planning-policy", {**POLICY, "starts_on": yesterday})) == {
        ("body", "starts_on"): ["A policy starts today or later; earlier plans keep theirs."]
    }


# Assessments ------------------------------------------------------------------------------------


def test_an_assessment_gives_an_explained_indicative_budget_and_is_shared_once(
    coordinating, enrolment, person
):
    assessment = coordinating.ok(
        "post",
        "/assessments",
        {"enrolment_id": enrolment.pk, "levels": levels(mobility="high"), "notes": "At home"},
        status=201,
    )
    assert assessment["level_rows"][4] == {"domain": "Mobility", "level": "High", "points": 6}
    assert (assessment["points"], assessment["indicative_amount"]) == (6, 300_000)
    assert assessment["explanation"][-1] == "Indicative budget: £3,000.00 a year."
    assert Enrolment.objects.get(pk=enrolment.pk).stage == "assessed"
    listed = coordinating.get("/assessments", {"patient_id": person.pk}).json()
    assert [a["id"] for a in listed["items"]] == [assessment["id"]]
    coordinating.ok("get", f"/assessments/{assessment['id']}")
    assert AuditEvent.objects.filter(
        action="assessment.viewed", object_id=str(assessment["id"])
    ).exists()

    share = f"/assessments/{assessment['id']}/share"
    shared = coordinating.ok("post", share, {"how": "phone"})
    assert (shared["shared"]["how_label"], shared["shared_on"]) == ("By phone", TODAY.isoformat())
    assert Enrolment.objects.get(pk=enrolment.pk).stage == "indicative"
    assert messages(coordinating.post(share, {"how": "letter"})) == {
        ("body",): [f"The indicative budget was already shared on {TODAY:%-d %B %Y}."]
    }


def test_an_assessment_is_refused_without_every_level_or_for_someone_elses_enrolment(
    client, coordinating, commissioner, enrolment, theirs, elsewhere_patient
):
    partial = coordinating.post(
        "/assessments", {"enrolment_id": enrolment.pk, "levels": {"breathing": "low"}}
    )
    [(where, said)] = messages(partial).items()
    assert where == ("body", "levels")
    assert said[:2] == ["Nutrition: choose a level.", "Continence: choose a level."]
    assert len(said) == 11
    factories.condition(elsewhere_patient, *factories.EPILEPSY)
    elsewhere = factories.accepted_enrolment(programme=theirs.programme, patient=elsewhere_patient)
    refused = coordinating.post("/assessments", {"enrolment_id": elsewhere.pk, "levels": levels()})
    assert messages(refused) == {
        ("body", "enrolment_id"): [f"You cannot see an enrolment with id {elsewhere.pk}."]
    }
    forbidden = Caller(client, commissioner).post(
        "/assessments", {"enrolment_id": enrolment.pk, "levels": levels()}
    )
    assert forbidden.status_code == 403
