"""Following the money after it is paid, from end to end (issue: statements, reconciliation,
monitoring and recovery): finance officer Priya uploads the month's card feed of Sam's direct
payment, which holds the payment the run made (reconciled by its reference), a care agency
matched to the plan, and a bet at an online bookmaker; more has built up in the account than
three months of payments. Care coordinator Chris sees both flags, resolves the bet (spoken to,
repaid) and issues a repayment notice for the unused money from its flag. Sam sees the notice
in plain English, and their monthly statement with the payment, the spending and the bet."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay
from openphb.ledger.services import format_pence
from openphb.payments import runs
from openphb.recovery.models import Notice
from openphb.statements.formats import format_pounds
from openphb.statements.models import Match, StatementLine
from openphb.statements.services import rule_add
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown

pytestmark = pytest.mark.browser

TODAY = timezone.localdate()
HEADER = "sort_code,account_number,transaction_id,date,type,merchant,mcc,amount,currency"


@pytest.fixture
def sam(icb):
    sam = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    sam.account = factories.user(username="sam", role="budget_holder", first_name="Sam")
    sam.save(update_fields=["account"])
    return sam


@pytest.fixture
def chris(icb):
    return factories.user(
        username="chris", role="care_coordinator", organisations=(icb,), first_name="Chris"
    )


@pytest.fixture
def paid(icb, sam, finance, finance2, originator, direct_payment):
    """Sam's budget (£12,000 a year for a personal assistant), this month's payment made by a
    run, £4,000 more held in the account from before, and the rule that care agencies are
    personal care."""
    budget = direct_payment(sam).budget
    run = runs.run_create(
        actor=Actor(user=finance), commissioner=icb, payment_date=budget.starts_on
    )
    runs.run_approve(actor=Actor(user=finance2), run=run)
    budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(),
        amount=400_000,
        on=budget.starts_on,
        description="Paid into the account before",
    )
    rule_add(
        actor=Actor(user=finance),
        commissioner=icb,
        field="merchant",
        pattern="Care Agency",
        category="personal_care",
    )
    return run.payments.get()


def feed(payment) -> bytes:
    day = payment.run.payment_date
    account = payment.account_number
    rows = (
        f"200000,{account},TX-1,{day:%Y-%m-%d},load,{payment.reference},,"
        f"{format_pounds(payment.amount)},GBP",
        f"200000,{account},TX-2,{day:%Y-%m-%d},purchase,JO'S CARE AGENCY,8099,120.00,GBP",
        f"200000,{account},TX-3,{day:%Y-%m-%d},purchase,LUCKY BETS ONLINE,7995,25.00,GBP",
    )
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def test_a_statement_is_followed_from_upload_to_the_holders_notice(
    page: Page, sign_in, finance, chris, sam, paid
):
    # Priya uploads the card feed.
    sign_in(finance)
    page.goto("/statements/imports/upload/")
    assert_accessible(page)
    page.get_by_role("radio", name="Prepaid-card feed CSV").check()
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "card-feed.csv", "mimeType": "text/csv", "buffer": feed(paid)}]
    )
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("card-feed.csv was imported")
    assert_accessible(page)
    lines = {line.bank_reference: line for line in StatementLine.objects.all()}
    assert (lines["TX-1"].match, lines["TX-1"].payment) == (Match.RECONCILED, paid)
    assert lines["TX-2"].match == Match.PLANNED
    assert lines["TX-2"].transaction is not None  # the follow-up posted the spending

    # Chris sees both flags, and resolves the bet.
    sign_in(chris)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Flags")
    expect(page.locator("#open-count")).to_contain_text("2 flags open.")
    assert_accessible(page)
    page.get_by_role("link", name="Purchase in a category a budget cannot buy").click()
    expect(page.locator("#explanation")).to_contain_text("£25.00 was spent at LUCKY BETS ONLINE")
    assert_accessible(page)
    page.get_by_label("Resolved: there was a problem and it has been dealt with").check()
    page.get_by_label("Note").fill("Spoke to Sam: a mistake; the £25.00 has been paid back in.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-notification-banner")).to_contain_text("The flag is resolved.")
    assert_accessible(page)

    # ... and issues a repayment notice for the money building up, from its flag.
    main_menu(page, "Flags")
    expect(page.locator("#open-count")).to_contain_text("1 flag open.")
    assert_accessible(page)
    page.get_by_role("link", name="Unused money building up").click()
    assert_accessible(page)
    page.get_by_role("link", name="Issue a repayment notice").click()
    expect(page.get_by_label("A substantial amount has built up unused")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Issue the notice").click()
    notice = Notice.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Repayment notice PHB-R{notice.pk:06d}"
    )
    assert_accessible(page)
    assert notice.flag.code == "accumulating"
    deadline = TODAY + datetime.timedelta(days=28)
    assert notice.deadline == deadline

    # Sam sees the notice, and the month's statement.
    sign_in(sam.account)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Money to pay back")
    assert_accessible(page)
    page.get_by_role("link", name=f"PHB-R{notice.pk:06d}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"by {shown(deadline)}")
    assert_accessible(page)
    page.goto(f"/budgets/{paid.budget_id}/statement/?month={paid.run.payment_date:%Y-%m}")
    main = page.locator("main")
    expect(main).to_contain_text(format_pence(paid.amount))
    expect(main).to_contain_text("JO'S CARE AGENCY")
    expect(main).to_contain_text("LUCKY BETS ONLINE")
    assert_accessible(page)
