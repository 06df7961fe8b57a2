"""Signing in through the sign-in page, as a person would."""

import re

import pytest
from playwright.sync_api import Page, expect

from .accessibility import assert_accessible

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # what tests/factories.py gives every user


def test_a_coordinator_signs_in_with_username_and_password_and_lands_on_the_home_page(
    page: Page, live_server, coordinator, patient
):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/$"))
    assert_accessible(page)
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenPHB")
    assert_accessible(page)

    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page).to_have_title("Home \N{EN DASH} OpenPHB")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Test")
    expect(page.get_by_text("You are signed in as a care coordinator for")).to_contain_text(
        "NHS North East London ICB"
    )
    expect(page.get_by_role("link", name="Find a patient")).to_be_visible()
    assert_accessible(page)


def test_a_wrong_password_shows_the_nhs_error_summary(page: Page, coordinator):
    page.goto("/sign-in/")
    assert_accessible(page)

    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter a correct username and password. Both are case-sensitive."]
    )
    expect(summary.get_by_role("link")).to_have_attribute("href", "#username")
    expect(summary).to_be_focused()  # the NHS.UK script moves focus to the summary
    expect(page).to_have_title("Error: Sign in \N{EN DASH} OpenPHB")
    expect(page.get_by_label("Username")).to_have_value("coordinator")
    expect(page.get_by_role("navigation", name="Account")).to_have_count(0)
    assert_accessible(page)


def test_a_wrong_password_is_not_sent_back_to_the_browser(page: Page, coordinator):
    page.goto("/sign-in/")
    assert_accessible(page)
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    assert_accessible(page)
    assert "not-the-password" not in page.content()
    expect(page.get_by_label("Password")).to_have_value("")


def test_a_signed_in_coordinator_signs_out_from_the_header(page: Page, sign_in, coordinator):
    sign_in(coordinator)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Test")
    assert_accessible(page)

    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click(
        timeout=2_000
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenPHB")
    assert_accessible(page)
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/patients/$"))
    assert_accessible(page)
