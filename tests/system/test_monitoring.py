"""Monitoring spending: care coordinator Chris opens the flags from the menu, sees Sam's bet at
a bookmaker first (high severity) above a small purchase not in the plan, narrows the list to
high severity, opens the flag, is asked for a note, resolves it with one and sees it in the
flag's history; finance officer Priya sets a lower cash limit from tomorrow."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.monitoring.models import Flag, MonitoringPolicy
from openphb.monitoring.services import flags_check
from openphb.monitoring.tests.world import SYSTEM, dp_budget, line
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()


@pytest.fixture
def chris(icb):
    return factories.user(
        username="chris", role="care_coordinator", organisations=(icb,), first_name="Chris"
    )


@pytest.fixture
def flags(icb):
    stream = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=stream, commissioner=icb, amount=50_000_000)
    sam = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    budget = dp_budget(commissioner=icb, patient=sam, stream=stream)
    day = TODAY - datetime.timedelta(days=2)
    line(budget, amount=4_500, booked_on=day, merchant="Lucky Bets Ltd", mcc="7995")
    line(budget, amount=1_299, booked_on=day, merchant="Argos")
    flags_check(actor=SYSTEM, on=TODAY)
    return Flag.objects.all()


def test_a_coordinator_works_through_the_flags_and_resolves_one(page: Page, sign_in, chris, flags):
    sign_in(chris)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Flags")
    expect(page.get_by_role("heading", level=1)).to_have_text("Spending flags")
    expect(page.locator("#open-count")).to_contain_text("2 flags open.")
    rows = page.locator("#flags tbody tr")
    expect(rows.nth(0)).to_contain_text("Purchase in a category a budget cannot buy")
    expect(rows.nth(0)).to_contain_text("High")
    expect(rows.nth(1)).to_contain_text("Spending not in the plan")
    assert_accessible(page)

    page.get_by_label("Severity").select_option("high")
    page.get_by_role("button", name="Show flags").click()
    expect(rows).to_have_count(1)
    assert_accessible(page)

    page.get_by_role("link", name="Purchase in a category a budget cannot buy").click()
    expect(page.locator("#explanation")).to_contain_text("£45.00 was spent at Lucky Bets Ltd on")
    expect(page.locator("#statement-line")).to_contain_text("7995")
    assert_accessible(page)

    page.get_by_label("Resolved: there was a problem and it has been dealt with").check()
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write a note saying why, for the record.")
    assert_accessible(page)

    page.get_by_label("Note").fill("Sam's card was used by his nephew; the bank refunded it.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The flag is resolved.")
    history = page.locator("#history")
    expect(history).to_contain_text(f"Resolved by Chris, {shown(TODAY)}")
    expect(history).to_contain_text("Sam's card was used by his nephew; the bank refunded it.")
    expect(page.get_by_role("heading", name="Reopen it")).to_be_visible()
    assert_accessible(page)


def test_a_finance_officer_lowers_the_cash_limit_from_tomorrow(page: Page, sign_in, finance):
    tomorrow = TODAY + datetime.timedelta(days=1)
    sign_in(finance)
    page.goto("/monitoring/policy/")
    expect(page.locator("main")).to_contain_text("the defaults, as no policy has been set")
    assert_accessible(page)
    page.get_by_label("Day", exact=True).fill(str(tomorrow.day))
    page.get_by_label("Month", exact=True).fill(str(tomorrow.month))
    page.get_by_label("Year", exact=True).fill(str(tomorrow.year))
    page.get_by_label("Cash a month before a flag").fill("50")
    page.get_by_role("button", name="Set the policy").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"applies from {shown(tomorrow)}"
    )
    expect(page.locator("main table")).to_contain_text("£50.00")
    assert_accessible(page)
    assert MonitoringPolicy.objects.get().cash_limit_per_month == 5_000
