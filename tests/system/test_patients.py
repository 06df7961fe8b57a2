"""A care coordinator finds, adds and changes people's records."""

import re

import pytest
from playwright.sync_api import Page, expect

from openphb.registry.models import Patient
from tests import factories

from .accessibility import assert_accessible

pytestmark = pytest.mark.browser


def wrong_check_digit(nhs_number: str) -> str:
    """The same first nine digits with another last digit: fails the Modulus 11 check."""
    return nhs_number[:9] + str((int(nhs_number[9]) + 1) % 10)


def spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def test_a_coordinator_finds_a_patient_by_nhs_number(
    page: Page, sign_in, coordinator, icb, patient, elsewhere_patient
):
    factories.patient(commissioner=icb, given_name="Winston", family_name="Adebayo")
    sign_in(coordinator)

    page.goto("/patients/")
    expect(page.locator("#result-count")).to_contain_text("2 people")
    assert_accessible(page)

    page.get_by_label("Search by NHS number, name or date of birth").fill(
        spaced(patient.nhs_number)
    )
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#result-count")).to_contain_text("1 person matching")
    results = page.get_by_role("table", name="Patients")
    expect(results.get_by_role("link")).to_have_text(["OKAFOR, Margaret"])
    expect(results).to_contain_text(spaced(patient.nhs_number))
    assert_accessible(page)

    results.get_by_role("link", name="OKAFOR, Margaret").click()

    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Okafor")
    expect(page.locator(".nhsuk-caption-l")).to_have_text(
        f"NHS number {spaced(patient.nhs_number)}"
    )
    assert_accessible(page)


def test_a_coordinator_cannot_find_another_organisations_patient(
    page: Page, sign_in, coordinator, patient, elsewhere_patient
):
    sign_in(coordinator)
    page.goto("/patients/")
    assert_accessible(page)
    page.get_by_label("Search by NHS number, name or date of birth").fill(
        spaced(elsewhere_patient.nhs_number)
    )
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="No patients found")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    assert_accessible(page)


def test_a_coordinator_adds_a_patient_after_correcting_a_wrong_nhs_number(
    page: Page, sign_in, coordinator, icb
):
    nhs_number = factories.next_nhs_number()
    sign_in(coordinator)
    page.goto("/patients/")
    assert_accessible(page)
    page.get_by_role("link", name="Add a patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a patient")
    assert_accessible(page)

    page.get_by_label("NHS number").fill(spaced(wrong_check_digit(nhs_number)))
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("10")
    born.get_by_label("Month").fill("12")
    born.get_by_label("Year").fill("1955")
    page.get_by_role("radio", name="Female").check()
    page.get_by_label("Postcode").fill("e1 6an")
    page.get_by_role("button", name="Save patient").click()

    message = (
        "This is not a valid NHS number: its last digit (the check digit) does not match "
        "the first nine. Check it for a typing mistake."
    )
    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text([message])
    expect(summary.get_by_role("link")).to_have_attribute("href", "#nhs_number")
    expect(page).to_have_title(re.compile(r"^Error: Add a patient"))
    field = page.get_by_label("NHS number")
    expect(field).to_have_attribute("id", "nhs_number")
    expect(field).to_have_class(re.compile(r"\bnhsuk-input--error\b"))
    expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    expect(page.locator(".nhsuk-form-group--error .nhsuk-error-message")).to_have_text(
        re.compile(re.escape(message))
    )
    # What the person typed is kept, so only the mistake needs correcting.
    expect(page.get_by_label("Given name")).to_have_value("Ada")
    assert_accessible(page)

    summary.get_by_role("link").click()
    expect(field).to_be_focused()
    assert not Patient.objects.filter(family_name="Lovelace").exists()

    field.fill(spaced(nhs_number))
    page.get_by_role("button", name="Save patient").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    details = page.locator(".nhsuk-summary-list").first
    expect(details).to_contain_text(spaced(nhs_number))
    expect(details).to_contain_text("E1 6AN")
    expect(page.get_by_text("Today: NHS North East London ICB")).to_be_visible()
    assert_accessible(page)
    saved = Patient.objects.get(nhs_number=nhs_number)
    expect(page).to_have_url(re.compile(rf"/patients/{saved.pk}/$"))


def test_a_coordinator_changes_a_postcode_and_the_access_history_shows_it(
    page: Page, sign_in, coordinator, patient
):
    sign_in(coordinator)
    page.goto(f"/patients/{patient.pk}/")
    expect(postcode_row(page)).to_contain_text("RM1 3AB")
    assert_accessible(page)

    page.get_by_role("link", name="Change personal details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change personal details")
    expect(page.get_by_label("Postcode")).to_have_value("RM1 3AB")
    expect(page.get_by_label("NHS number")).to_have_value(spaced(patient.nhs_number))
    assert_accessible(page)

    page.get_by_label("Postcode").fill("  sw1a1aa ")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    expect(postcode_row(page).locator("dd").first).to_have_text("SW1A 1AA")
    assert_accessible(page)
    patient.refresh_from_db()
    assert patient.postcode == "SW1A 1AA"

    page.get_by_role("link", name="See the access history").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Who has looked at or changed this record"
    )
    changed = page.get_by_role("row").filter(has_text="Changed postcode")
    expect(changed).to_have_count(1)
    # The text as shown: each cell also holds its column's name, for narrow screens only.
    expect(changed.get_by_role("cell")).to_have_text(
        [re.compile(r"\d{4}, \d\d:\d\d$"), "coordinator", "Changed postcode", "127.0.0.1"],
        use_inner_text=True,
    )
    expect(changed).to_contain_text("127.0.0.1")
    assert_accessible(page)


def postcode_row(page: Page):
    return page.locator(".nhsuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(r"^\s*Postcode\s*$"))
    )
