"""Sam, who holds a personal health budget paid by direct payment, signs in, opens this
month's statement from their budget page (money in, money out against the plan, the balance,
a purchase that was noticed), looks at last month, and opens the PDF."""

import pytest
from playwright.sync_api import Page, expect

from openphb.monitoring.models import Flag
from openphb.statements.spending import spending_post
from openphb.statements.statement import Month
from openphb.statements.tests.world_spending import SYSTEM, TODAY, funded_budget, paid_in, spent
from tests import factories

from .accessibility import assert_accessible

pytestmark = pytest.mark.browser

FIRST = TODAY.replace(day=1)


@pytest.fixture
def sam(icb):
    return factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")


@pytest.fixture
def holder(sam):
    account = factories.user(username="sam", role="budget_holder", first_name="Sam")
    sam.account = account
    sam.save(update_fields=["account"])
    return account


@pytest.fixture
def budget(icb, sam):
    """This month £300 was paid in (the bank gave the balance), £120 went to Jo's Care
    Agency and £25 to a betting shop, which was noticed."""
    world = funded_budget(commissioner=icb, patient=sam)
    paid_in(world.budget, 30_000, FIRST, balance_after=80_000)
    spent(world.care, 12_000, FIRST, merchant="Jo's Care Agency", balance_after=68_000)
    bet = spent(world.care, 2_500, TODAY, merchant="Lucky Bets", match="not_in_plan", mcc="7995")
    spending_post(actor=SYSTEM)
    Flag.objects.create(
        budget=world.budget,
        code="excluded_category",
        severity="high",
        explanation="£25.00 was spent at Lucky Bets, a betting shop. A personal health budget "
        "cannot pay for gambling.",
        statement_line=bet,
        amount=2_500,
        found_on=TODAY,
    )
    return world.budget


def test_the_holder_reads_this_months_statement_and_opens_the_pdf(
    page: Page, sign_in, holder, budget
):
    month = Month.of(TODAY)
    sign_in(holder)
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Your budget").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How much is left")
    assert_accessible(page)

    page.get_by_role("link", name="Read your monthly statement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Statement for {month.label}")
    expect(page.locator("#opening strong")).to_have_text("£500.00")
    expect(page.locator("#opening")).to_contain_text("Worked out back from the bank's balance")
    expect(page.locator("#total-in")).to_have_text("£300.00")
    expect(page.locator("#total-out")).to_have_text("£145.00")
    expect(page.locator("#closing strong")).to_have_text("£655.00")

    money_in = page.get_by_role("table", name=f"Money paid into the account in {month.label}")
    expect(money_in).to_contain_text("£300.00")
    out = page.get_by_role("table", name=f"Money spent in {month.label} by what it was for")
    care = out.get_by_role("row", name="Personal care and support")
    expect(care).to_contain_text("£120.00")
    expect(out.get_by_role("row", name="Not matched to your plan")).to_contain_text("£25.00")

    expect(page.locator("#flags")).to_contain_text("Lucky Bets, a betting shop")
    expect(page.locator("#flags")).to_contain_text("We are looking into this")
    transactions = page.get_by_role("table", name=f"Every transaction in {month.label}")
    expect(transactions.get_by_role("row")).to_have_count(4)
    expect(transactions).to_contain_text("Spent on personal care and support")
    expect(page.locator("#worked-out")).to_contain_text("Worked out by us")

    page.get_by_text("How we work out the plan for a month").click()
    expect(page.get_by_text("Spread evenly over those days").first).to_be_visible()
    assert_accessible(page)

    pdf = page.get_by_role("link", name="Download this statement as a PDF")
    response = page.request.get(pdf.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Last month: nothing happened on the account.
    page.get_by_role("link", name=month.previous().label).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Statement for {month.previous().label}"
    )
    expect(page.get_by_text("No money went in or out of the account this month.")).to_be_visible()
    assert_accessible(page)
