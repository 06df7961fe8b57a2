"""Direct payments: finance officer Priya creates a payment run and sees the budgets it skipped
and why (bank details not yet verified, a suspension); Tom, a second officer, approves it and
downloads the Bacs file; Sam, whose budget it is, sees the payment on their budget page. And
new bank details entered by one officer are verified by the other, and a suspension gives a
notice letter."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.ledger.services import format_pence
from openphb.payments import runs, services
from openphb.payments.models import PaymentRun
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown, summary_row

pytestmark = pytest.mark.browser

PAYMENT_DAY = factories.payment_day()


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
def budgets(icb, finance, originator, direct_payment, sam):
    """Sam's direct payment is paid; Pat's new bank details wait to be verified; Hal is in
    hospital, so his is suspended."""
    paid = direct_payment(sam)
    pat = factories.patient(commissioner=icb, given_name="Pat", family_name="Pending")
    direct_payment(pat, bank="pending")
    hal = factories.patient(commissioner=icb, given_name="Hal", family_name="Held")
    held = direct_payment(hal)
    services.hold_start(
        actor=Actor(user=finance),
        setup=held,
        kind="suspend",
        reason="hospital",
        starts_on=PAYMENT_DAY,
    )
    return paid


def fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_one_officer_creates_a_run_another_approves_it_and_the_holder_sees_the_payment(
    page: Page, sign_in, finance, finance2, holder, budgets
):
    # Priya, a finance officer, creates the run.
    sign_in(finance)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Payments")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment runs")
    expect(page.locator("#originator")).to_contain_text("Payments are made from NHS NEL ICB")
    expect(page.get_by_role("link", name=re.compile("^1 change of bank details"))).to_be_visible()
    expect(page.get_by_text("NHS North East London ICB has no payment runs yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Create a payment run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a payment run")
    expect(page.get_by_label("Commissioner")).to_have_value("QMF")
    assert_accessible(page)
    saturday = PAYMENT_DAY + datetime.timedelta(days=5 - PAYMENT_DAY.weekday())
    fill_date(page, "Payment date", saturday)
    page.get_by_role("button", name="Gather the payments").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("is a weekend day: Bacs does not process payments then")
    assert_accessible(page)

    fill_date(page, "Payment date", PAYMENT_DAY)
    page.get_by_role("button", name="Gather the payments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Payment run for {shown(PAYMENT_DAY)}"
    )
    run = PaymentRun.objects.get()
    total = format_pence(run.payments_total)
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"The run has gathered 1 payment, {total}."
    )
    expect(summary_row(page, "Payments").locator("dd")).to_have_text(f"1 payment, {total}")
    payments = page.get_by_role("table", name="Payments in this run")
    expect(payments.get_by_role("row")).to_have_count(2)
    expect(payments.get_by_role("row").nth(1)).to_contain_text("Sam Adeyemi")
    expect(payments.get_by_role("row").nth(1)).to_contain_text(total)
    skipped = page.get_by_role("table", name="Budgets skipped by this run, and why")
    expect(skipped.get_by_role("row")).to_have_count(3)
    pat = skipped.get_by_role("row").filter(has_text="Pat Pending").get_by_role("cell")
    expect(pat.nth(1)).to_have_text("Bank details not verified")
    expect(pat.nth(2)).to_contain_text("A change of bank details is waiting to be verified")
    hal = skipped.get_by_role("row").filter(has_text="Hal Held").get_by_role("cell")
    expect(hal.nth(1)).to_have_text("Direct payment suspended")
    expect(hal.nth(2)).to_contain_text(f"Since {shown(PAYMENT_DAY)}: The person is in hospital. £")
    # Priya created it, so she cannot approve it, and is told who can.
    expect(page.get_by_role("button", name="Approve and pay")).to_have_count(0)
    callout = page.locator(".nhsuk-card--warning")
    expect(callout).to_contain_text("Someone else must approve this run")
    expect(callout).to_contain_text("Ask Tom.")
    assert_accessible(page)

    # Tom approves it and downloads the Bacs file.
    sign_in(finance2)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Payments")
    runs_table = page.get_by_role("table", name=re.compile("^Payment runs of"))
    expect(runs_table.get_by_role("row").nth(1)).to_contain_text("Waiting for approval")
    assert_accessible(page)
    runs_table.get_by_role("link", name=shown(PAYMENT_DAY)).click()
    expect(page.get_by_role("heading", name="Approve the run")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and pay").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"The run is approved: 1 payment, {total}, has been paid."
    )
    expect(page.locator(".nhsuk-lede-text")).to_have_text("Approved and paid")
    expect(summary_row(page, "Approved by").locator("dd")).to_contain_text("Tom")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the Bacs file (serial 000001)").click()
    download = download_info.value
    assert download.suggested_filename == "bacs-QMF-000001.txt"
    with open(download.path(), "rb") as downloaded:
        data = downloaded.read()
    assert data.startswith(b"VOL1000001")
    run.refresh_from_db()
    assert data == runs.run_file(run=run)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the remittance advice (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8") as remittance:
        assert run.payments.get().reference in remittance.read()

    # Sam sees the payment on their budget page.
    sign_in(holder)
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="How much is left").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How much is left")
    expect(page.get_by_role("heading", name="Payments made to you")).to_be_visible()
    made = page.get_by_role("table", name="Payments made, newest first")
    payment = run.payments.get()
    expect(made.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [
            shown(PAYMENT_DAY),
            f"{shown(payment.period_start)} to {shown(payment.period_end)}",
            total,
            f"Paid into the account ending {payment.account_number[-4:]}.",
        ]
    )
    assert_accessible(page)


def test_new_bank_details_are_verified_by_a_second_officer_and_a_suspension_has_a_notice(
    page: Page, sign_in, finance, finance2, budgets
):
    budget = budgets.budget
    sign_in(finance)
    page.goto(f"/budgets/{budget.pk}/")
    expect(summary_row(page, "Payments").locator("dd")).to_have_text("Paid by each payment run")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Manage the direct payment")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Direct payment")
    expect(page.locator("#paid-into")).to_contain_text("20-**-** ****")
    assert_accessible(page)

    page.get_by_role("button", name="Enter new bank details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter new bank details")
    assert_accessible(page)
    page.get_by_label("Sort code").fill("30-90")
    page.get_by_label("Account number").fill("87654321")
    page.get_by_label("Name on the account").fill("S Adeyemi")
    page.get_by_role("button", name="Enter bank details").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.get_by_label("Account number")).to_have_value("87654321")
    assert_accessible(page)
    page.get_by_label("Sort code").fill("30-90-12")
    page.get_by_role("button", name="Enter bank details").click()
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Payments are held")
    history = page.get_by_role("table", name="Bank details over time, newest first")
    expect(history.get_by_role("row").nth(1).get_by_role("cell").nth(2)).to_have_text(
        "Waiting to be verified"
    )
    assert_accessible(page)
    page.get_by_role("link", name="See who must verify them").click()
    expect(page.locator(".nhsuk-card--warning")).to_contain_text("Ask Tom.")
    expect(page.get_by_role("button", name="Save decision")).to_have_count(0)
    assert_accessible(page)

    # Priya suspends the payment while Sam is in hospital; the notice is a PDF.
    page.goto(f"/budgets/{budget.pk}/direct-payment/")
    assert_accessible(page)
    page.get_by_role("link", name="Suspend or stop the direct payment").click()
    assert_accessible(page)
    page.get_by_label("Suspend: payments are held").check()
    page.get_by_label("The person is in hospital").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"The direct payment is suspended from {shown(PAYMENT_DAY)}."
    )
    assert_accessible(page)
    letter = page.get_by_role("link", name=re.compile("^Notice letter \\(PDF\\)"))
    response = page.request.get(letter.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Tom verifies the new bank details from the worklist.
    sign_in(finance2)
    page.goto("/payments/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^2 changes of bank details")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bank details to verify")
    assert_accessible(page)
    page.get_by_role("link", name="Verify or reject the bank details for Sam Adeyemi").click()
    expect(summary_row(page, "Account number").locator("dd")).to_have_text("87654321")
    assert_accessible(page)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose verify or reject.")
    assert_accessible(page)
    page.get_by_label("Verify: I have checked them with the payee").check()
    page.get_by_label("Note (optional when verifying)").fill("Called back on the number on file")
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "The bank details for Sam Adeyemi (30-**-** ****4321) have been verified"
    )
    worklist = page.get_by_role("table", name="Bank details waiting to be verified, oldest first")
    expect(worklist.get_by_role("row")).to_have_count(2)  # Pat's is still waiting
    expect(worklist).not_to_contain_text("Sam Adeyemi")
    assert_accessible(page)
