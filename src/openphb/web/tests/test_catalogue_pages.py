"""The planning set-up pages over HTTP: a commissioner's catalogue (with versions and evidence),
providers, the planning policy and a programme's resource-allocation scheme. Who may read and
change them, bad input explained and kept, and another organisation's records not found."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.planning.calculations import DEFAULT_DOMAINS, DEFAULT_LEVELS
from openphb.planning.models import (
    AllocationScheme,
    CatalogueItem,
    CatalogueVersion,
    PlanningPolicy,
    Provider,
)
from openphb.planning.selectors import scheme_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(icb):
    return factories.planning_scene(commissioner=icb)


@pytest.fixture
def elsewhere_commissioner(other_icb):
    return factories.user(username="elsewhere", role="commissioner", organisations=(other_icb,))


@pytest.fixture
def provider(icb):
    return Provider.objects.create(
        commissioner=icb, name="Riverside Hydrotherapy", quality_rating="good"
    )


def text(body: str) -> str:
    """A page's words without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def item_fields(**changes: str) -> dict[str, str]:
    fields = {
        "name": "Music therapy",
        "description": "Weekly sessions with a registered music therapist.",
        "category": "therapies",
        "unit": "session",
        "reference_price": "55.00",
        "price_cap": "70.00",
        "legal_status": "allowed",
        "evidence-1-condition_code": "84757009",
        "evidence-1-condition": "Epilepsy",
        "evidence-1-rating": "insufficient",
        "evidence-1-source": "NICE guideline NG217",
        "evidence-2-condition_code": "",
        "evidence-2-condition": "",
        "evidence-2-rating": "",
        "evidence-2-source": "",
    }
    fields.update(changes)
    return fields


# --- The catalogue ----------------------------------------------------------------------------


def test_the_catalogue_shows_prices_what_cannot_be_bought_and_the_evidence_with_its_source(
    client, commissioner, icb, scene
):
    client.force_login(commissioner)
    page = client.get(reverse("web:catalogue", args=[icb.pk])).content.decode()
    assert reverse("web:catalogue-item-add", args=[icb.pk]) in page
    body = text(page)
    assert "Hydrotherapy" in body
    assert "£45.00 a session" in body
    assert "£60.00 a session" in body  # the cap
    assert "£12,000.00 one-off" in body  # the seizure-alert dog
    assert "Cannot be bought: gambling" in body
    assert "Conditional: helps some people" in body
    assert "Source: NICE guideline NG217 (epilepsies) and Cochrane reviews" in body


def test_the_catalogue_link_takes_someone_who_works_for_one_commissioner_straight_to_it(
    client, commissioner, icb
):
    client.force_login(commissioner)
    response = client.get(reverse("web:catalogue-home"))
    assert response["Location"] == reverse("web:catalogue", args=[icb.pk])


def test_someone_who_works_for_two_commissioners_chooses_whose_catalogue(client, icb, other_icb):
    both = factories.user(role="commissioner", organisations=(icb, other_icb))
    client.force_login(both)
    body = client.get(reverse("web:catalogue-home")).content.decode()
    assert reverse("web:catalogue", args=[icb.pk]) in body
    assert reverse("web:catalogue", args=[other_icb.pk]) in body


def test_a_coordinator_reads_the_catalogue_but_cannot_change_it(client, coordinator, icb, scene):
    item = scene.items.hydrotherapy.item
    client.force_login(coordinator)
    body = client.get(reverse("web:catalogue", args=[icb.pk])).content.decode()
    assert "Hydrotherapy" in body
    assert reverse("web:catalogue-item-add", args=[icb.pk]) not in body
    assert client.get(reverse("web:catalogue-item", args=[item.pk])).status_code == 200
    assert client.get(reverse("web:catalogue-item-add", args=[icb.pk])).status_code == 403
    assert client.get(reverse("web:catalogue-item-change", args=[item.pk])).status_code == 403
    response = client.post(reverse("web:catalogue-item-add", args=[icb.pk]), item_fields())
    assert response.status_code == 403
    assert not CatalogueVersion.objects.filter(name="Music therapy").exists()


def test_people_who_do_not_see_plans_are_refused_the_catalogue(client, analyst, icb):
    client.force_login(analyst)
    assert client.get(reverse("web:catalogue-home")).status_code == 403
    assert client.get(reverse("web:catalogue", args=[icb.pk])).status_code == 403


def test_another_commissioners_catalogue_is_not_found(client, elsewhere_commissioner, icb, scene):
    item = scene.items.hydrotherapy.item
    client.force_login(elsewhere_commissioner)
    for url in (
        reverse("web:catalogue", args=[icb.pk]),
        reverse("web:catalogue-item-add", args=[icb.pk]),
        reverse("web:catalogue-item", args=[item.pk]),
        reverse("web:catalogue-item-change", args=[item.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("web:catalogue-item-change", args=[item.pk]), {})
    assert response.status_code == 404


def test_a_commissioner_adds_an_item_with_its_evidence(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(code="music-therapy", reference_price="£1,055.50", price_cap="1200"),
    )
    version = CatalogueVersion.objects.get(name="Music therapy")
    assert response["Location"] == (
        reverse("web:catalogue-item", args=[version.item_id]) + "?saved=1"
    )
    assert version.item.commissioner == icb
    assert version.version == 1
    assert version.reference_price == 105_550
    assert version.price_cap == 120_000
    assert version.evidence == [
        {
            "condition_code": "84757009",
            "condition": "Epilepsy",
            "rating": "insufficient",
            "source": "NICE guideline NG217",
        }
    ]
    body = client.get(response["Location"]).content.decode()
    assert "Music therapy is in the catalogue." in body
    assert "£1,055.50 a session" in body
    assert "Insufficient evidence" in body
    assert AuditEvent.objects.filter(action="catalogue.added").count() == 1


def test_a_price_that_is_not_money_is_explained_and_everything_typed_is_kept(
    client, commissioner, icb
):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(code="music-therapy", reference_price="55.505"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "The reference price must be to the nearest penny, like 125.50." in body
    assert 'value="55.505"' in body
    assert 'value="Music therapy"' in body
    assert 'value="NICE guideline NG217"' in body
    assert not CatalogueItem.objects.exists()


def test_text_too_long_is_explained_in_words_naming_the_box(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(
            code="music-therapy", description="d" * 2_001, **{"evidence-1-source": "s" * 301}
        ),
    )
    page = response.content.decode()
    assert "The description must be 2,000 characters or fewer." in page
    assert "Evidence row 1: the source must be 300 characters or fewer." in page
    assert "Ensure this value" not in page
    assert "d" * 2_001 in page
    assert not CatalogueItem.objects.exists()


def test_an_evidence_row_without_a_source_is_refused_against_that_row(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(
            code="music-therapy",
            **{
                "evidence-1-condition_code": "",
                "evidence-1-condition": "",
                "evidence-1-rating": "",
                "evidence-1-source": "",
                "evidence-2-condition": "Multiple sclerosis",
                "evidence-2-condition_code": "24700007",
                "evidence-2-rating": "conditional",
            },
        ),
    )
    body = response.content.decode()
    assert "Evidence row 2: name the source of the rating." in body
    assert 'href="#evidence-2-source"' in body
    assert 'value="Multiple sclerosis"' in body
    assert not CatalogueItem.objects.exists()


def test_every_problem_is_shown_at_once_a_bad_code_a_missing_name_and_an_unrated_row(
    client, commissioner, icb
):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(
            code="Music therapy",
            name="",
            **{"evidence-1-rating": "", "evidence-1-source": ""},
        ),
    )
    body = response.content.decode()
    assert "A code is lower-case letters, digits and hyphens, up to 48 characters." in body
    assert "Give the item a name." in body
    assert "Evidence row 1: choose a rating." in body
    assert "Evidence row 1: name the source of the rating." in body
    assert 'value="Music therapy"' in body
    assert not CatalogueItem.objects.exists()


def test_a_condition_rated_twice_is_refused_against_the_row_as_the_page_numbers_it(
    client, commissioner, icb
):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        item_fields(
            code="music-therapy",
            **{
                "evidence-3-condition_code": "84757009",
                "evidence-3-condition": "Epilepsy",
                "evidence-3-rating": "recommended",
                "evidence-3-source": "Cochrane review",
            },
        ),
    )
    body = response.content.decode()
    # The service counts the two rows filled in; the page says which of its three it was.
    assert "Evidence row 3: that condition is rated twice." in body
    assert 'href="#evidence-3-condition"' in body
    assert 'value="Cochrane review"' in body
    assert not CatalogueItem.objects.exists()


def test_a_code_already_in_the_catalogue_is_refused(client, commissioner, icb, scene):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]), item_fields(code="hydrotherapy")
    )
    assert "The catalogue already has an item with the code hydrotherapy." in (
        response.content.decode()
    )
    assert 'href="#code"' in response.content.decode()


def test_another_evidence_row_is_added_without_saving_or_losing_anything(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-add", args=[icb.pk]),
        {**item_fields(code="music-therapy"), "evidence-3-condition": "", "add_row": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="evidence-4-condition"' in body
    assert 'value="Music therapy"' in body
    assert 'value="NICE guideline NG217"' in body
    assert "There is a problem" not in body
    assert not CatalogueItem.objects.exists()


def test_changing_an_item_publishes_version_2_and_keeps_version_1(client, commissioner, scene):
    item = scene.items.hydrotherapy.item
    client.force_login(commissioner)
    form = client.get(reverse("web:catalogue-item-change", args=[item.pk])).content.decode()
    assert 'value="45.00"' in form  # the current price, in pounds
    assert 'value="Hydrotherapy"' in form
    response = client.post(
        reverse("web:catalogue-item-change", args=[item.pk]),
        item_fields(
            name="Hydrotherapy",
            category="therapies",
            reference_price="50.00",
            price_cap="65.00",
            note="New pool prices from April",
        ),
    )
    assert response["Location"] == reverse("web:catalogue-item", args=[item.pk]) + "?saved=1"
    versions = list(item.versions.order_by("version"))
    assert [(v.version, v.reference_price) for v in versions] == [(1, 4_500), (2, 5_000)]
    assert versions[1].change_note == "New pool prices from April"
    body = client.get(response["Location"]).content.decode()
    assert "Version 2 of Hydrotherapy is published." in body
    assert "New pool prices from April" in body
    assert "£45.00 a session" in body  # version 1, in the history
    assert "£50.00 a session" in body


def test_a_change_needs_a_note_and_keeps_the_new_price(client, commissioner, scene):
    item = scene.items.hydrotherapy.item
    client.force_login(commissioner)
    response = client.post(
        reverse("web:catalogue-item-change", args=[item.pk]),
        item_fields(name="Hydrotherapy", reference_price="50.00", note=""),
    )
    body = response.content.decode()
    assert "Say what changed and why." in body
    assert 'value="50.00"' in body
    assert item.versions.count() == 1


# --- Providers --------------------------------------------------------------------------------


def test_a_commissioner_adds_a_provider_with_an_agreement(client, commissioner, icb):
    client.force_login(commissioner)
    today = timezone.localdate()
    response = client.post(
        reverse("web:provider-add", args=[icb.pk]),
        {
            "name": "Paws for Epilepsy",
            "registration": "",
            "quality_rating": "not_regulated",
            "agreement_status": "agreed",
            **date_fields("agreement_starts_on", today),
        },
    )
    provider = Provider.objects.get(name="Paws for Epilepsy")
    assert response["Location"].startswith(reverse("web:providers", args=[icb.pk]))
    assert provider.agreement_starts_on == today
    body = client.get(response["Location"]).content.decode()
    assert "Paws for Epilepsy is saved." in body
    assert "Not regulated by the CQC" in body
    assert "Agreement in place" in body


def test_an_agreement_in_place_needs_its_start_date_and_keeps_the_name(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:provider-add", args=[icb.pk]),
        {"name": "Paws for Epilepsy", "quality_rating": "good", "agreement_status": "agreed"},
    )
    body = response.content.decode()
    assert "Give the date the agreement started." in body
    assert 'href="#agreement_starts_on-day"' in body
    assert 'value="Paws for Epilepsy"' in body
    assert not Provider.objects.exists()


def test_a_commissioner_changes_a_providers_rating(client, commissioner, provider):
    client.force_login(commissioner)
    form = client.get(reverse("web:provider-edit", args=[provider.pk])).content.decode()
    assert 'value="Riverside Hydrotherapy"' in form
    response = client.post(
        reverse("web:provider-edit", args=[provider.pk]),
        {
            "name": "Riverside Hydrotherapy",
            "quality_rating": "requires_improvement",
            "agreement_status": "suspended",
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.quality_rating == "requires_improvement"
    assert provider.agreement_status == "suspended"


def test_coordinators_see_providers_but_cannot_add_or_change_them(
    client, coordinator, icb, provider
):
    client.force_login(coordinator)
    body = client.get(reverse("web:providers", args=[icb.pk])).content.decode()
    assert "Riverside Hydrotherapy" in body
    assert reverse("web:provider-edit", args=[provider.pk]) not in body
    assert client.get(reverse("web:provider-add", args=[icb.pk])).status_code == 403
    assert client.get(reverse("web:provider-edit", args=[provider.pk])).status_code == 403


def test_another_commissioners_providers_are_not_found(
    client, elsewhere_commissioner, icb, provider
):
    client.force_login(elsewhere_commissioner)
    assert client.get(reverse("web:providers", args=[icb.pk])).status_code == 404
    assert client.get(reverse("web:provider-add", args=[icb.pk])).status_code == 404
    assert client.get(reverse("web:provider-edit", args=[provider.pk])).status_code == 404


# --- The planning policy ----------------------------------------------------------------------


def test_without_a_policy_the_defaults_are_in_force(client, commissioner, icb):
    client.force_login(commissioner)
    body = client.get(reverse("web:planning-policy", args=[icb.pk])).content.decode()
    assert "No policy has been set, so the defaults apply." in body
    assert "A plan costing more than £50,000.00 needs two different approvers." in body


def test_a_commissioner_sets_a_policy_from_today(client, commissioner, icb):
    client.force_login(commissioner)
    form = client.get(reverse("web:planning-policy-set", args=[icb.pk])).content.decode()
    assert 'value="10"' in form  # the tolerance in force
    assert 'value="50000.00"' in form
    response = client.post(
        reverse("web:planning-policy-set", args=[icb.pk]),
        {
            **date_fields("starts_on", timezone.localdate()),
            "tolerance_basis_points": "12.5",
            "two_approvers_above": "£40,000",
            "allow_insufficient": "yes",
            "allow_not_supported": "yes",
        },
    )
    assert response["Location"] == reverse("web:planning-policy", args=[icb.pk]) + "?saved=1"
    policy = PlanningPolicy.objects.get(commissioner=icb)
    assert (policy.tolerance_basis_points, policy.two_approvers_above) == (1_250, 4_000_000)
    assert policy.allow_not_supported
    body = client.get(response["Location"]).content.decode()
    assert "more than 12.5% away from the indicative budget" in body
    assert "Items whose evidence is &#39;not supported&#39; may be approved" in body


def test_a_policy_cannot_start_in_the_past_and_the_figures_are_kept(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:planning-policy-set", args=[icb.pk]),
        {
            **date_fields("starts_on", timezone.localdate() - datetime.timedelta(days=1)),
            "tolerance_basis_points": "15",
            "two_approvers_above": "30000",
            "allow_insufficient": "no",
            "allow_not_supported": "no",
        },
    )
    body = response.content.decode()
    assert "A policy starts today or later; earlier plans keep theirs." in body
    assert 'value="15"' in body
    assert 'value="30000"' in body
    assert not PlanningPolicy.objects.exists()


def test_a_tolerance_that_is_not_a_percentage_is_explained(client, commissioner, icb):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:planning-policy-set", args=[icb.pk]),
        {
            **date_fields("starts_on", timezone.localdate()),
            "tolerance_basis_points": "ten",
            "two_approvers_above": "30000",
        },
    )
    body = response.content.decode()
    assert "The tolerance must be a percentage, like 10 or 12.5." in body
    assert "Say whether items with insufficient evidence may be approved." in body
    assert 'value="ten"' in body


def test_the_policy_is_set_only_by_commissioners_of_the_organisation(
    client, coordinator, elsewhere_commissioner, icb
):
    client.force_login(coordinator)
    assert client.get(reverse("web:planning-policy", args=[icb.pk])).status_code == 200
    assert client.get(reverse("web:planning-policy-set", args=[icb.pk])).status_code == 403
    client.force_login(elsewhere_commissioner)
    assert client.get(reverse("web:planning-policy", args=[icb.pk])).status_code == 404
    assert client.get(reverse("web:planning-policy-set", args=[icb.pk])).status_code == 404


# --- Resource-allocation schemes --------------------------------------------------------------


def scheme_fields(**changes: str) -> dict[str, str]:
    """The publish form filled in with the default domains and levels, and a new domain row
    left empty."""
    fields: dict[str, str] = {
        "pence_per_point": "500.00",
        "rounding_unit": "1000",
        "rounding": "nearest",
        "floor": "1,000",
        "cap": "",
        "unpaid_carer": "-10",
        "note": "",
    }
    for n, (_, label) in enumerate(DEFAULT_DOMAINS, start=1):
        fields[f"domain-{n}-label"] = label
        for code, _, points in DEFAULT_LEVELS:
            fields[f"domain-{n}-{code}"] = str(points)
    fields[f"domain-{len(DEFAULT_DOMAINS) + 1}-label"] = ""
    fields.update(changes)
    return fields


def test_a_programmes_scheme_shows_its_points_money_and_adjustments(client, coordinator, scene):
    client.force_login(coordinator)
    body = client.get(reverse("web:allocation-schemes", args=[scene.programme.pk])).content.decode()
    assert "Version 1 (in use)" in body
    assert "£500.00" in body  # a point
    assert "An unpaid carer gives support: -10%" in body
    assert "Altered states of consciousness" in body
    assert "£100,000.00" in body  # the cap
    assert "To the nearest £10" in body
    assert reverse("web:allocation-scheme-publish", args=[scene.programme.pk]) not in body
    programme_page = client.get(reverse("web:programme-detail", args=[scene.programme.pk]))
    assert reverse("web:allocation-schemes", args=[scene.programme.pk]) in (
        programme_page.content.decode()
    )


def test_a_commissioner_publishes_a_new_version_of_the_scheme(client, commissioner, scene):
    client.force_login(commissioner)
    form = client.get(
        reverse("web:allocation-scheme-publish", args=[scene.programme.pk])
    ).content.decode()
    assert "This publishes version 2" in form
    assert 'value="500.00"' in form
    response = client.post(
        reverse("web:allocation-scheme-publish", args=[scene.programme.pk]),
        scheme_fields(
            pence_per_point="550",
            **{
                "domain-1-low": "2",
                "domain-13-label": "Sleep",
                **{f"domain-13-{code}": str(points) for code, _, points in DEFAULT_LEVELS},
                "setting-care_home": "-20",
                "note": "Prices rose",
            },
        ),
    )
    assert response["Location"] == (
        reverse("web:allocation-schemes", args=[scene.programme.pk]) + "?saved=1"
    )
    scheme = scheme_current(programme=scene.programme)
    assert scheme is not None
    assert scheme.version == 2
    assert scheme.pence_per_point == 55_000
    assert scheme.floor == 100_000
    assert scheme.cap is None
    assert scheme.domains[0]["levels"][1] == {"code": "low", "label": "Low", "points": 2}
    assert [d["code"] for d in scheme.domains][-1] == "sleep"
    assert {(a["when"], a["basis_points"]) for a in scheme.adjustments} == {
        ("unpaid_carer", -1_000),
        ("setting:care_home", -2_000),
    }
    body = client.get(response["Location"]).content.decode()
    assert "Version 2 of the scheme is published." in body
    assert "Care setting: care home: -20%" in body


def test_a_domain_can_be_left_out_by_clearing_its_name(client, commissioner, scene):
    client.force_login(commissioner)
    client.post(
        reverse("web:allocation-scheme-publish", args=[scene.programme.pk]),
        scheme_fields(**{"domain-12-label": ""}),
    )
    scheme = scheme_current(programme=scene.programme)
    assert scheme is not None
    assert scheme.version == 2
    assert "other" not in {domain["code"] for domain in scheme.domains}
    assert len(scheme.domains) == 11


def test_missing_points_are_explained_against_the_box_and_everything_typed_is_kept(
    client, commissioner, scene
):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:allocation-scheme-publish", args=[scene.programme.pk]),
        scheme_fields(pence_per_point="612.50", **{"domain-2-high": ""}),
    )
    body = response.content.decode()
    assert "Nutrition, high: enter the points." in body
    assert 'href="#domain-2-high"' in body
    assert 'value="612.50"' in body
    assert AllocationScheme.objects.filter(programme=scene.programme).count() == 1


def test_a_cap_below_the_floor_is_refused(client, commissioner, scene):
    client.force_login(commissioner)
    response = client.post(
        reverse("web:allocation-scheme-publish", args=[scene.programme.pk]),
        scheme_fields(floor="2000", cap="1000"),
    )
    body = response.content.decode()
    assert "The cap cannot be below the floor." in body
    assert 'href="#cap"' in body


def test_only_commissioners_publish_a_scheme_and_never_for_another_organisations_programme(
    client, coordinator, elsewhere_commissioner, scene
):
    url = reverse("web:allocation-scheme-publish", args=[scene.programme.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    assert client.post(url, scheme_fields()).status_code == 403
    client.force_login(elsewhere_commissioner)
    assert client.get(url).status_code == 404
    schemes = reverse("web:allocation-schemes", args=[scene.programme.pk])
    assert client.get(schemes).status_code == 404
    assert AllocationScheme.objects.filter(programme=scene.programme).count() == 1
