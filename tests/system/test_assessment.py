"""Needs assessment and the planning set-up: a care coordinator assesses a person's needs, sees
the indicative budget explained and records telling them it; a commissioner adds an item to the
catalogue and changes its price, and sees both versions."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.planning.models import CatalogueItem
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown, summary_row

pytestmark = pytest.mark.browser


def choose_level(page: Page, domain: str, level: str) -> None:
    page.get_by_role("group", name=domain).get_by_role("radio", name=level, exact=True).check()


def test_a_coordinator_assesses_needs_and_tells_the_person_their_indicative_budget(
    page: Page, sign_in, coordinator, scene, person
):
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=person)
    today = timezone.localdate()
    sign_in(coordinator)

    page.goto(f"/patients/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Adeyemi")
    expect(page.get_by_text("Sam's needs have not been assessed.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=scene.programme.name).click()
    expect(page.locator("#stage")).to_have_text("Accepted")
    expect(page.get_by_text("Sam's needs have not been assessed yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Assess needs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assess needs")
    assert_accessible(page)
    for domain in (
        "Breathing",
        "Nutrition",
        "Continence",
        "Skin integrity",
        "Communication",
        "Cognition",
        "Behaviour",
        "Drug therapies and medication",
        "Other significant care needs",
    ):
        choose_level(page, domain, "No needs")
    choose_level(page, "Mobility", "Low")
    choose_level(page, "Altered states of consciousness", "Severe")
    page.get_by_label("Notes (optional)").fill("Sam and his mother took part.")
    page.get_by_role("button", name="Save and work out the indicative budget").click()

    # One domain was missed: the summary names it, and every level chosen is still chosen.
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Psychological and emotional needs: choose a level.")
    mobility = page.get_by_role("group", name="Mobility")
    expect(mobility.get_by_role("radio", name="Low", exact=True)).to_be_checked()
    expect(page.get_by_label("Notes (optional)")).to_have_value("Sam and his mother took part.")
    assert_accessible(page)
    choose_level(page, "Psychological and emotional needs", "Moderate")
    page.get_by_role("button", name="Save and work out the indicative budget").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Needs assessment")
    expect(page.locator("#indicative-amount")).to_have_text("£7,000.00")
    explanation = page.locator("#explanation li")
    expect(explanation).to_have_text(
        [
            "Mobility: low needs, 1 point.",
            "Psychological and emotional needs: moderate needs, 3 points.",
            "Altered states of consciousness: severe needs, 10 points.",
            "14 points at £500.00 a point come to £7,000.00 a year.",
            "£7,000.00 rounded to the nearest £10.00 is £7,000.00.",
            "Indicative budget: £7,000.00 a year.",
        ]
    )
    levels = page.get_by_role("table", name="Level of need in each care domain")
    expect(levels.get_by_role("row").filter(has_text="Altered states")).to_contain_text("Severe")
    assert_accessible(page)

    page.get_by_role("radio", name="By phone").check()
    page.get_by_role("button", name="Record that the indicative budget was shared").click()

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Sam has been told their indicative budget."
    )
    expect(summary_row(page, "Told on").locator("dd")).to_have_text(shown(today))
    expect(summary_row(page, "How").locator("dd")).to_have_text("By phone")
    assert_accessible(page)

    page.get_by_role("link", name=f"Back to {scene.programme.name}").click()
    expect(page.locator("#stage")).to_have_text("Indicative budget shared")
    expect(page.get_by_text(f"shared with Sam on {shown(today)}")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/patients/{person.pk}/")
    assessments = page.get_by_role("table", name="Needs assessments of Sam Adeyemi")
    expect(assessments.get_by_role("row").nth(1)).to_contain_text("£7,000.00 a year")
    expect(assessments.get_by_role("row").nth(1)).to_contain_text("by phone")
    assert_accessible(page)
    enrolment.refresh_from_db()
    assert enrolment.stage == "indicative"


def test_a_commissioner_adds_a_catalogue_item_and_changes_its_price(
    page: Page, sign_in, commissioner, scene
):
    sign_in(commissioner)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Catalogue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue")
    catalogue = page.get_by_role("table", name="Catalogue of NHS North East London ICB")
    expect(catalogue.get_by_role("row").filter(has_text="Betting account top-up")).to_contain_text(
        "Cannot be bought: gambling"
    )
    assert_accessible(page)

    page.get_by_role("button", name="Add an item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an item to the catalogue")
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill("music-therapy")
    page.get_by_label("Name").fill("Music therapy")
    page.get_by_role("radio", name="Health therapies").check()
    page.get_by_role("radio", name="Session").check()
    page.get_by_label("Reference price").fill("55.505")
    row = page.get_by_role("group", name="Evidence row 1")
    row.get_by_label("SNOMED CT code (optional)").fill("84757009")
    row.get_by_label("Condition").fill("Epilepsy")
    row.get_by_label("Evidence").select_option(label="Insufficient evidence")
    row.get_by_label("Source").fill("NICE guideline NG217")
    page.get_by_role("button", name="Add to the catalogue").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The reference price must be to the nearest penny")
    expect(page.get_by_label("Name")).to_have_value("Music therapy")
    expect(row.get_by_label("Source")).to_have_value("NICE guideline NG217")
    assert_accessible(page)
    page.get_by_label("Reference price").fill("55.50")
    page.get_by_role("button", name="Add to the catalogue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Music therapy")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Music therapy is in the catalogue."
    )
    expect(summary_row(page, "Reference price").locator("dd")).to_have_text("£55.50 a session")
    expect(summary_row(page, "Evidence").locator("dd")).to_contain_text(
        "Epilepsy (SNOMED CT 84757009): Insufficient evidence."
    )
    assert_accessible(page)

    page.get_by_role("button", name="Change this item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Music therapy")
    expect(page.get_by_label("Reference price")).to_have_value("55.50")
    assert_accessible(page)
    page.get_by_label("Reference price").fill("60")
    page.get_by_label("What changed and why").fill("New prices from the therapists")
    page.get_by_role("button", name="Publish the new version").click()

    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Version 2 of Music therapy is published."
    )
    expect(summary_row(page, "Reference price").locator("dd")).to_have_text("£60.00 a session")
    versions = page.get_by_role("table", name="Versions of Music therapy")
    expect(versions.get_by_role("row")).to_have_count(3)
    expect(versions.get_by_role("row").nth(1)).to_contain_text("New prices from the therapists")
    expect(versions.get_by_role("row").nth(1)).to_contain_text("£60.00 a session")
    expect(versions.get_by_role("row").nth(2)).to_contain_text("£55.50 a session")
    assert_accessible(page)

    page.get_by_role("link", name="Catalogue", exact=True).first.click()
    music = page.get_by_role("row").filter(has_text="Music therapy")
    expect(music).to_contain_text("£60.00 a session")
    assert_accessible(page)
    item = CatalogueItem.objects.get(code="music-therapy")
    assert [v.reference_price for v in item.versions.order_by("version")] == [5_550, 6_000]


def test_a_commissioner_sets_the_planning_policy_and_reads_the_allocation_scheme(
    page: Page, sign_in, commissioner, scene
):
    sign_in(commissioner)
    page.goto(f"/programmes/{scene.programme.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Resource allocation")).click()
    expect(page.get_by_role("heading", level=2, name="Version 1 (in use)")).to_be_visible()
    points = page.get_by_role("table", name="Points for each level of need, version 1")
    expect(points.get_by_role("row").filter(has_text="Breathing")).to_contain_text("15")
    assert_accessible(page)
    page.get_by_role("button", name="Publish a new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publish a resource-allocation scheme"
    )
    expect(page.get_by_label("Breathing: Low, points")).to_have_value("1")
    assert_accessible(page)
    page.get_by_label("Pounds per point").fill("525")
    page.get_by_label("Care home (%)", exact=True).fill("-15")
    page.get_by_role("button", name="Publish the scheme").click()
    expect(page.get_by_role("heading", level=2, name="Version 2 (in use)")).to_be_visible()
    expect(summary_row(page, "Pounds per point").first.locator("dd")).to_have_text("£525.00")
    assert_accessible(page)

    main_menu(page, "Catalogue")
    assert_accessible(page)
    page.get_by_role("navigation", name="Planning set-up").get_by_role(
        "link", name="Planning policy"
    ).click()
    expect(page.get_by_text("No policy has been set, so the defaults apply.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Set a new policy").click()
    assert_accessible(page)
    page.get_by_label(re.compile("How far a plan may be")).fill("15")
    page.get_by_role("group", name=re.compile("rated .not supported.")).get_by_role(
        "radio", name="Yes"
    ).check()
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#in-force")).to_contain_text("more than 15% away")
    expect(page.locator("#in-force")).to_contain_text(
        "Items whose evidence is 'not supported' may be approved by a clinical reviewer."
    )
    assert_accessible(page)
