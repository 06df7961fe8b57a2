"""What a budget holder and a commissioner can open, and that those pages are accessible."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories

from .accessibility import assert_accessible

pytestmark = pytest.mark.browser


def test_a_budget_holder_opens_their_own_record_but_not_someone_elses(
    page: Page, sign_in, icb, patient
):
    holder = factories.user(username="ruth", role="budget_holder", first_name="Ruth")
    own = factories.patient(
        commissioner=icb, given_name="Ruth", family_name="Mensah", account=holder
    )
    sign_in(holder)

    page.goto("/")
    expect(page.get_by_role("heading", name="Your records")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Ruth Mensah")).to_be_visible()
    expect(page.get_by_role("link", name="Margaret Okafor")).to_have_count(0)
    expect(page.get_by_role("link", name="Patients")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("main").get_by_role("link", name="Ruth Mensah").click()
    expect(page).to_have_url(re.compile(rf"/patients/{own.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ruth Mensah")
    expect(page.get_by_role("link", name="Change personal details")).to_have_count(0)
    expect(page.get_by_role("link", name="See the access history")).to_have_count(0)
    assert_accessible(page)

    response = page.goto(f"/patients/{patient.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page).to_have_title("Page not found \N{EN DASH} OpenPHB")
    expect(page.get_by_text("Margaret")).to_have_count(0)
    assert_accessible(page)


def test_a_commissioner_finds_organisations_and_the_import_page_accessible(
    page: Page, sign_in, commissioner, icb, other_icb
):
    factories.organisation(name="Barking Medical Centre", ods_code="F82001", kind="gp")
    sign_in(commissioner)

    page.goto("/")
    assert_accessible(page)
    page.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name="Organisations"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    table = page.get_by_role("table", name="Organisations")
    expect(table.get_by_role("link")).to_have_count(3)
    expect(table).to_contain_text("NHS Nottingham and Nottinghamshire ICB")
    assert_accessible(page)

    table.get_by_role("link", name="NHS North East London ICB").click()
    expect(page).to_have_url(re.compile(rf"/organisations/{icb.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("NHS North East London ICB")
    details = page.locator(".nhsuk-summary-list")
    expect(details).to_contain_text("ODS code")
    expect(details).to_contain_text("QMF")
    expect(details).to_contain_text("Still open")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import patients from a CSV file")
    # The NHS.UK script may have turned the file input into a drop zone by now: either way the
    # form still posts a file field named "file".
    expect(page.locator('form input[type="file"][name="file"]')).to_have_count(1)
    assert_accessible(page)
