"""Priya, a finance officer, uploads a month's prepaid-card feed of a direct-payment account. The
first file has a bad date, so nothing is imported and the page names the line; she corrects it
and imports it: the import's page shows the betting-shop purchase (merchant category code 7995)
as money out not in the plan, and the care-agency purchase matched to the plan by a matching
rule; the betting-shop purchase is in the spending flags. The same file again is recognised,
and links to the import it was."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.statements.services import rule_add
from openphb.statements.tests.world import DAY, paid_budget

from .accessibility import assert_accessible
from .test_programmes import main_menu

pytestmark = pytest.mark.browser

HEADER = "sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency"


@pytest.fixture
def budget(icb, finance, finance2):
    """A budget paid by direct payment into a verified account, and the commissioner's rule
    that care agencies are personal care."""
    rule_add(
        actor=Actor(user=finance),
        commissioner=icb,
        field="merchant",
        pattern="Care Agency",
        category="personal_care",
    )
    return paid_budget(commissioner=icb, finance=finance, finance2=finance2)


def feed(account: str, *, bet_on: str = "") -> bytes:
    """Money loaded on the budget's first day, a care agency paid the next, a betting shop
    the day after (or on `bet_on`, as written)."""
    day = [DAY + datetime.timedelta(days=n) for n in range(3)]
    rows = (
        f"200000,{account},TX-1,{day[0]},load,,,500.00,GBP",
        f"200000,{account},TX-2,{day[1]},purchase,JO'S CARE AGENCY,8099,120.00,GBP",
        f"200000,{account},TX-3,{bet_on or day[2]},purchase,LUCKY BETS,7995,25.00,GBP",
    )
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def choose_file(page: Page, name: str, data: bytes) -> None:
    page.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


def test_a_finance_officer_uploads_a_card_feed_with_a_gambling_purchase(
    page: Page, sign_in, finance, budget
):
    sign_in(finance)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Statements")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statement imports")
    expect(
        page.get_by_text("No statements have been imported that you can see yet.")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Upload a statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a statement")
    assert_accessible(page)

    # A date that does not exist: nothing is imported, and the line is named.
    page.get_by_role("radio", name="Prepaid-card feed CSV").check()
    choose_file(page, "card-march.csv", feed(budget.account_number, bet_on="2026-02-30"))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "1 row could not be read, so nothing was imported."
    )
    problems = page.get_by_role("table", name="Problems in the file, by line")
    expect(problems.get_by_role("row")).to_have_count(2)
    expect(problems).to_contain_text("February 2026 has no day 30")
    expect(page.get_by_role("radio", name="Prepaid-card feed CSV")).to_be_checked()
    assert_accessible(page)

    # Corrected, it is imported.
    choose_file(page, "card-march.csv", feed(budget.account_number))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("card-march.csv")
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Read 3 transactions: 3 added, 0 already known, 0 rejected."
    )
    matched = page.get_by_role("table", name="How the transactions matched")
    expect(matched.locator("#matched-not_in_plan-count")).to_have_text("1")
    expect(matched.locator("#matched-planned-count")).to_have_text("1")
    expect(matched.locator("#matched-unmatched_credit-count")).to_have_text("1")
    expect(matched.locator("#matched-no_account-count")).to_have_text("0")
    expect(page.locator("#rejects")).to_be_visible()
    assert_accessible(page)

    # The purchase at the betting shop was flagged once the import's follow-up ran (at once
    # here; in the background on a server).
    page.get_by_role("link", name="spending flags").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spending flags")
    expect(page.get_by_role("main")).to_contain_text("Purchase in a category a budget cannot buy")
    assert_accessible(page)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("card-march.csv")
    assert_accessible(page)

    page.get_by_role("link", name="Statement imports").first.click()
    imports = page.get_by_role("table", name="Statement imports, newest first")
    expect(imports.get_by_role("row")).to_have_count(2)
    expect(imports).to_contain_text("Prepaid-card feed CSV")
    assert_accessible(page)

    # The same file again adds nothing, and says where it went.
    page.get_by_role("button", name="Upload a statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a statement")
    assert_accessible(page)
    page.get_by_role("radio", name="Prepaid-card feed CSV").check()
    choose_file(page, "card-march-again.csv", feed(budget.account_number))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#already")).to_contain_text("card-march.csv was already imported on")
    assert_accessible(page)
    page.get_by_role("link", name="See that import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("card-march.csv")
    assert_accessible(page)
