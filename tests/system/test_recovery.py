"""Recovering unused money: coordinator Chris sees a flag that money is building up in Sam's
account and issues a repayment notice from it (the ground, amount, deadline and payer filled in
from the flag and the record; too much refused with the reason); the notice shows on Sam's
budget page. Sam sees the notice in plain English and asks for it to be reconsidered; a
commissioner who did not issue it reduces it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay
from openphb.monitoring.models import Flag
from openphb.recovery.models import Notice
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown, summary_row

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()


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
def chris(icb):
    return factories.user(
        username="chris", role="care_coordinator", organisations=(icb,), first_name="Chris"
    )


@pytest.fixture
def flag(direct_payment, sam):
    """£3,000 paid into Sam's account and not spent; a flag says it is building up."""
    budget = direct_payment(sam).budget
    budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(),
        amount=300_000,
        on=budget.starts_on,
        description="Paid into the account",
    )
    return Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="£3,000.00 is in the account: more than three months of payments.",
        period=f"{TODAY:%Y-%m}",
        amount=250_000,
        found_on=TODAY,
    )


def test_a_notice_for_unused_money_is_issued_reconsidered_and_reduced(
    page: Page, sign_in, chris, holder, commissioner, flag
):
    deadline = TODAY + datetime.timedelta(days=28)
    # Chris, a care coordinator, opens the flag and issues a notice from it.
    sign_in(chris)
    page.goto(f"/monitoring/flags/{flag.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Issue a repayment notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue a repayment notice")
    expect(page.get_by_label("A substantial amount has built up unused")).to_be_checked()
    expect(page.get_by_label("Amount to recover")).to_have_value("2500.00")
    expect(page.get_by_label("Name of who must pay")).to_have_value("Sam Adeyemi")
    expect(page.get_by_label("Reasons")).to_have_value(flag.explanation)
    expect(
        page.get_by_text("£3,000.00 is held unspent in the direct-payment account")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Amount to recover").fill("3,500")
    page.get_by_role("button", name="Issue the notice").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("so £3,500.00 is more than can be recovered")
    assert_accessible(page)

    page.get_by_label("Amount to recover").fill("2,500")
    page.get_by_role("button", name="Issue the notice").click()
    notice = Notice.objects.get()
    reference = f"PHB-R{notice.pk:06d}"
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Repayment notice {reference}")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        f"Repayment notice {reference} has been issued. Print the letter and send it to Sam "
        "Adeyemi."
    )
    expect(summary_row(page, "Outstanding").locator("dd")).to_have_text("£2,500.00")
    expect(summary_row(page, "Deadline").locator("dd")).to_have_text(shown(deadline))
    expect(
        page.get_by_role("link", name=re.compile("^The notice letter \\(PDF\\)"))
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^\d+ \w+ \d{4} to ")).first.click()
    notices = page.get_by_role("table", name="Repayment notices about this budget, newest first")
    expect(notices).to_contain_text(reference)
    expect(notices).to_contain_text("£2,500.00")
    assert_accessible(page)

    # Sam sees it in plain English and asks for it to be reconsidered.
    sign_in(holder)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Money to pay back")
    expect(page.get_by_role("heading", level=1)).to_have_text("Money to pay back")
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Please pay back £2,500.00 by {shown(deadline)}"
    )
    expect(page.locator("#why")).to_have_text(
        "Money paid to you has built up in the account without being used for your care plan."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Ask us to reconsider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask us to reconsider")
    assert_accessible(page)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Say why the notice should be looked at again."
    )
    assert_accessible(page)
    page.get_by_label("Why should we look at it again?").fill(
        "I am saving for the hoist my plan agreed; it costs £2,000."
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We are looking at this notice again")
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Until then you do not need to pay."
    )
    assert_accessible(page)

    # A commissioner, who did not issue it, reduces it.
    sign_in(commissioner)
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Repayment notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Repayment notices")
    waiting = page.get_by_role(
        "table", name="Reconsiderations waiting for a decision, oldest first"
    )
    expect(waiting).to_contain_text("I am saving for the hoist")
    assert_accessible(page)
    waiting.get_by_role("link", name=reference).click()
    expect(
        page.get_by_role("heading", name=re.compile("Being reconsidered: nothing is collected"))
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Decide the reconsideration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide the reconsideration")
    assert_accessible(page)
    page.get_by_label("Reduced: the notice asks for less").check()
    page.get_by_label("Reasons").fill("The hoist is in the plan; £2,000 of it is needed.")
    page.get_by_label("New amount (only for a reduction)").fill("500")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text(
        "Decided: amount reduced. Print the decision letter and send it to Sam Adeyemi."
    )
    expect(summary_row(page, "Outstanding").locator("dd")).to_have_text("£500.00")
    expect(page.get_by_role("link", name=re.compile(r"^Decision letter \(PDF\)"))).to_be_visible()
    assert_accessible(page)
    notice.refresh_from_db()
    assert (notice.status, notice.amount) == ("issued", 50_000)
