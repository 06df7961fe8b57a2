"""Money: a finance officer records an allocation and a payment and sees the figures change; a
budget holder reads how much is left, in a chart and in a table."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.budgets.models import Budget
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown, summary_row

pytestmark = pytest.mark.browser

CHC = "NHS continuing healthcare"


@pytest.fixture
def finance(icb):
    return factories.user(
        username="finance", role="finance_officer", organisations=(icb,), first_name="Priya"
    )


@pytest.fixture
def budget(icb, patient) -> Budget:
    stream = factories.funding_stream(code="chc", name=CHC, envelope=50_000_000)
    factories.allocation(stream=stream, commissioner=icb, amount=10_000_000)
    start = timezone.localdate() - datetime.timedelta(days=30)
    return factories.budget(
        patient=patient,
        commissioner=icb,
        stream=stream,
        starts_on=start,
        ends_on=datetime.date(start.year + (start.month > 3), 3, 31),
        lines=(
            ("Personal assistant, 10 hours a week", "personal_care", 1_200_000),
            ("Hydrotherapy, 20 sessions", "therapies", 90_000),
        ),
    )


def funding_cell(page: Page, column: int):
    table = page.get_by_role("table", name="Funding of NHS North East London ICB")
    return table.get_by_role("row").nth(1).get_by_role("cell").nth(column)


def test_a_finance_officer_records_an_allocation_then_a_payment_and_sees_the_figures_change(
    page: Page, sign_in, finance, budget, patient
):
    sign_in(finance)
    page.goto("/")
    expect(page.get_by_role("link", name="Money").first).to_be_visible()
    assert_accessible(page)

    main_menu(page, "Money")
    expect(page.get_by_role("heading", level=1)).to_have_text("Money")
    expect(funding_cell(page, 0)).to_have_text("£100,000.00")  # allocated
    expect(funding_cell(page, 1)).to_have_text("£12,900.00")  # put into budgets
    expect(funding_cell(page, 2)).to_contain_text("£87,100.00")  # still free
    assert_accessible(page)

    page.get_by_role("main").get_by_role("link", name="Record an allocation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an allocation")
    assert_accessible(page)
    page.get_by_label("Funding stream").select_option(label=CHC)
    page.get_by_label("Allocated to").select_option(label="NHS North East London ICB (QMF)")
    page.get_by_label("Amount").fill("2,500.505")
    page.get_by_label("Note (optional)").fill("Winter top-up")
    page.get_by_role("button", name="Record allocation").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The amount must be to the nearest penny, like 125.50.")
    expect(page.get_by_label("Note (optional)")).to_have_value("Winter top-up")
    assert_accessible(page)
    page.get_by_label("Amount").fill("2,500.50")
    page.get_by_role("button", name="Record allocation").click()

    expect(page.get_by_role("status")).to_contain_text("The allocation has been recorded.")
    allocations = page.get_by_role("table", name=f"Allocations of {CHC}")
    expect(allocations.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [
            shown(timezone.localdate()),
            "NHS North East London ICB",
            "Winter top-up",
            "£2,500.50",
            "Withdraw the allocation of £2,500.50 to NHS North East London ICB",
        ]
    )
    assert_accessible(page)
    main_menu(page, "Money")
    expect(funding_cell(page, 0)).to_have_text("£102,500.50")
    expect(funding_cell(page, 2)).to_contain_text("£89,600.50")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("still free of")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"NHS North East London ICB: {CHC} allocation"
    )
    expect(page.locator("#closing")).to_have_text("£89,600.50")
    assert_accessible(page)

    page.goto(f"/patients/{patient.pk}/")
    assert_accessible(page)
    page.get_by_role("table", name="Budgets of Margaret Okafor").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Budget from")
    expect(summary_row(page, "Paid").locator("dd")).to_have_text("£0.00")
    assert_accessible(page)

    page.get_by_role("link", name="Record a payment for Hydrotherapy, 20 sessions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a payment")
    assert_accessible(page)
    page.get_by_label("Amount paid").fill("125.50")
    page.get_by_label("What the payment is for").fill("Sessions 1 to 3")
    page.get_by_role("button", name="Record payment").click()

    expect(summary_row(page, "Paid").locator("dd")).to_have_text("£125.50")
    expect(summary_row(page, "Left to spend").locator("dd")).to_have_text("£12,900.00")
    lines = page.get_by_role("table", name="Budget by line of the plan")
    hydro = lines.get_by_role("row").filter(has_text="Hydrotherapy")
    expect(hydro.get_by_role("cell")).to_have_text(
        ["£900.00", "£0.00", "£125.50", "£0.00", "£774.50"]
    )
    history = page.get_by_role("table", name="Transactions of this budget, newest first")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Payment: Sessions 1 to 3")
    assert_accessible(page)


def test_a_budget_holder_reads_how_much_is_left(page: Page, sign_in, budget, patient):
    holder = factories.user(username="holder", role="budget_holder", first_name="Margaret")
    patient.account = holder
    patient.save(update_fields=["account"])
    sign_in(holder)

    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="How much is left").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How much is left")
    expect(page.locator("#left-to-spend")).to_have_text(
        f"You have £12,900.00 left to spend until {shown(budget.ends_on)}."
    )
    chart = page.get_by_role("img", name=re.compile("^Each bar is one kind of care"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(2)  # nothing spent or set aside yet
    table = page.get_by_role("table", name="Where the money is, by what it is for")
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["£0.00", "£0.00", "£0.00", "£12,000.00"]
    )
    expect(table.get_by_role("row").nth(3).get_by_role("cell")).to_have_text(
        ["£0.00", "£0.00", "£0.00", "£12,900.00"]
    )
    assert_accessible(page)
