"""Care plans: a coordinator builds a plan for a person with epilepsy (hydrotherapy, a
seizure-alert dog and reflexology, which is flagged), a clinician declines reflexology with a
reason, two commissioners approve it, and the person reads the agreed plan and why; and
gambling is refused at entry, naming the rule."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.planning import assessing, catalogue
from openphb.planning.calculations import DEFAULT_DOMAINS
from openphb.planning.services import default_end, plan_start
from openphb.web.plan_presenters import TIMES
from tests import factories

from .accessibility import assert_accessible
from .test_programmes import main_menu, shown, summary_row

pytestmark = pytest.mark.browser


@pytest.fixture
def assessed(scene, person, coordinator):
    """Sam accepted the offer and has had their needs assessed: £7,000 a year."""
    enrolment = factories.accepted_enrolment(programme=scene.programme, patient=person)
    chosen = {"altered_states": "severe", "psychological": "moderate", "mobility": "low"}
    assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels={code: chosen.get(code, "none") for code, _ in DEFAULT_DOMAINS},
    )
    return enrolment


@pytest.fixture
def clinician(icb):
    return factories.user(
        username="clinician", role="clinical_reviewer", organisations=(icb,), first_name="Anna"
    )


@pytest.fixture
def approvers(icb, commissioner):
    """Plans over £10,000 need two approvers at this commissioner."""
    catalogue.policy_set(
        actor=Actor.system_job("test"),
        commissioner=icb,
        starts_on=timezone.localdate(),
        tolerance_basis_points=1_000,
        two_approvers_above=1_000_000,
        allow_insufficient=True,
        allow_not_supported=False,
    )
    commissioner.first_name = "Priya"
    commissioner.save(update_fields=["first_name"])
    second = factories.user(
        username="approver2", role="commissioner", organisations=(icb,), first_name="Tom"
    )
    return commissioner, second


@pytest.fixture
def holder(person):
    account = factories.user(username="sam", role="budget_holder", first_name="Sam")
    person.account = account
    person.save(update_fields=["account"])
    return account


def add_from_catalogue(page: Page, name: str) -> None:
    page.get_by_role("link", name="Add an item").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an item")
    assert_accessible(page)
    choice = page.get_by_label(re.compile("catalogue$"))
    choice.select_option(choice.locator("option", has_text=f"{name}:").get_attribute("value"))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Add {name}")


def items_row(page: Page, name: str):
    return (
        page.get_by_role("table", name="Items of the plan").get_by_role("row").filter(has_text=name)
    )


def test_a_plan_is_built_checked_declined_in_part_approved_twice_and_read_by_the_person(
    page: Page, sign_in, coordinator, clinician, approvers, holder, assessed, person
):
    today = timezone.localdate()
    first_approver, second_approver = approvers

    # The coordinator starts the plan from Sam's enrolment: 12 months, themself coordinating.
    sign_in(coordinator)
    page.goto(f"/enrolments/{assessed.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Start a care plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a care plan")
    expect(page.get_by_text("gives an indicative budget of £7,000.00 a year")).to_be_visible()
    ends = page.get_by_role("group", name="End date")
    expect(ends.get_by_label("Year")).to_have_value("")  # blank: 12 months from the start
    expect(page.get_by_label("Care coordinator")).to_have_value(str(coordinator.pk))
    assert_accessible(page)
    page.get_by_role("button", name="Start the plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Care plan")
    expect(summary_row(page, "Period").locator("dd")).to_contain_text(
        f"{default_end(today):%-d %B %Y}"
    )
    expect(summary_row(page, "Indicative budget").locator("dd")).to_contain_text("£7,000.00")
    assert_accessible(page)

    page.get_by_role("link", name="Add an outcome").click()
    assert_accessible(page)
    page.get_by_label("What matters to the person").fill("Swimming again without fear.")
    page.get_by_label("Goal").fill("Swim every week with support by the summer.")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_role("heading", name="Swimming again without fear.")).to_be_visible()
    assert_accessible(page)

    # Hydrotherapy weekly, at the catalogue's price, as a direct payment.
    add_from_catalogue(page, "Hydrotherapy")
    expect(page.get_by_label("Price of one unit")).to_have_value("45.00")
    expect(page.get_by_label("How often")).to_have_value("weekly")
    page.get_by_label("Direct payment: paid to the person's account").check()
    page.get_by_label("Outcome it works towards (optional)").select_option(
        label="Swimming again without fear."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Add item").click()
    expect(items_row(page, "Hydrotherapy").get_by_role("cell").nth(1)).to_contain_text(
        f"1 session {TIMES} every week (52 times a year) {TIMES} £45.00 = £2,340.00 a year"
    )
    assert_accessible(page)

    # A trained seizure-alert dog: one-off, held by a third party.
    add_from_catalogue(page, "Trained seizure-alert dog")
    expect(page.get_by_label("How often")).to_have_value("once")
    assert_accessible(page)
    page.get_by_label("Third party: an organisation holds it").check()
    page.get_by_role("button", name="Add item").click()
    expect(items_row(page, "seizure-alert dog").get_by_role("cell").nth(1)).to_contain_text(
        "£12,000.00, bought once"
    )
    assert_accessible(page)

    # Reflexology: the evidence does not support it, so it is flagged for a clinician.
    add_from_catalogue(page, "Reflexology")
    page.get_by_label("Direct payment: paid to the person's account").check()
    page.get_by_label("Clinical justification").fill("Sam finds it calming after a seizure.")
    assert_accessible(page)
    page.get_by_role("button", name="Add item").click()
    expect(items_row(page, "Reflexology").get_by_role("cell").nth(3)).to_have_text(
        "Not supported by evidence"
    )
    flag = page.locator(".nhsuk-card--warning").filter(has_text="Reflexology")
    expect(flag).to_contain_text("evidence for any condition is rated 'not supported'")
    expect(flag).to_contain_text("Sam finds it calming after a seizure.")
    expect(summary_row(page, "Plan total").locator("dd")).to_have_text("£16,420.00")
    assert_accessible(page)

    # Submitting first lists what is missing: the difference from £7,000 is not justified.
    page.get_by_role("button", name="Submit for clinical review").click()
    problems = page.locator(".nhsuk-error-summary")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("Explain why, in the justification for the difference.")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Change the period, coordinator")).click()
    assert_accessible(page)
    page.get_by_label("Why the plan differs from the indicative budget").fill(
        "The dog is a one-off cost in the first year."
    )
    page.get_by_role("button", name="Save changes").click()
    expect(summary_row(page, "Why it differs").locator("dd")).to_have_text(
        "The dog is a one-off cost in the first year."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Submit for clinical review").click()
    expect(page.get_by_text("Status: In clinical review")).to_be_visible()
    assert_accessible(page)

    # The clinician finds the plan in their queue and declines reflexology, with a reason.
    sign_in(clinician)
    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Care plans")
    queue = page.get_by_role("table", name="In clinical review")
    assert_accessible(page)
    queue.get_by_role("link", name="ADEYEMI, Sam").click()
    expect(items_row(page, "Reflexology")).to_have_class(re.compile("openphb-row--flagged"))
    assert_accessible(page)
    page.get_by_role("link", name="Decide on Reflexology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide on Reflexology")
    expect(page.locator(".nhsuk-card--warning")).to_contain_text(
        "Clinical justification from the care coordinator: Sam finds it calming after a seizure."
    )
    assert_accessible(page)
    page.get_by_label("Decline").check()
    page.get_by_label("Your clinical reasoning").fill(
        "NICE found no evidence that reflexology helps epilepsy."
    )
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Choose the reason for declining it."
    )
    expect(page.get_by_label("Your clinical reasoning")).to_have_value(
        "NICE found no evidence that reflexology helps epilepsy."
    )
    assert_accessible(page)
    page.get_by_label("Clinical guidance does not support it").check()
    page.get_by_role("button", name="Save decision").click()
    expect(items_row(page, "Reflexology").get_by_role("cell").nth(4)).to_contain_text(
        "Declined Clinical guidance does not support it"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Complete the clinical review").click()
    assert_accessible(page)
    page.get_by_role("button", name="Complete the clinical review").click()
    expect(page.get_by_text("Status: Waiting for approval")).to_be_visible()
    assert_accessible(page)

    # Two different commissioners approve it: £14,340 is over the £10,000 for one.
    sign_in(first_approver)
    page.goto("/plans/?queue=approval")
    assert_accessible(page)
    page.get_by_role("table", name="Waiting for approval").get_by_role(
        "link", name="ADEYEMI, Sam"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name="Approve the plan").click()
    expect(summary_row(page, "Approvals needed").locator("dd")).to_contain_text("2")
    expect(summary_row(page, "Plan total").locator("dd")).to_contain_text("£14,340.00")
    assert_accessible(page)
    page.get_by_role("button", name="Approve the plan").click()
    expect(summary_row(page, "Approvals").locator("dd")).to_contain_text("1 of 2 needed")
    expect(summary_row(page, "Approvals").locator("li")).to_have_count(1)
    expect(summary_row(page, "Approvals").locator("li")).to_contain_text("Priya, ")
    expect(page.get_by_text("Status: Waiting for approval")).to_be_visible()
    expect(page.get_by_text("You approved it on")).to_be_visible()
    expect(page.get_by_role("link", name="Approve the plan")).to_have_count(0)
    assert_accessible(page)
    page.goto(page.url.split("#")[0] + "approve/")  # the page no longer offers it; try anyway
    assert_accessible(page)
    page.get_by_role("button", name="Approve the plan").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "You have approved this plan already; a second person must."
    )
    assert_accessible(page)

    sign_in(second_approver)
    page.goto("/plans/?queue=approval")
    assert_accessible(page)
    page.get_by_role("link", name="ADEYEMI, Sam").click()
    assert_accessible(page)
    page.get_by_role("link", name="Approve the plan").click()
    expect(summary_row(page, "Approvals given").locator("dd")).to_have_text("1: Priya")
    assert_accessible(page)
    page.get_by_label("Note (optional)").fill("Agreed; review the dog's training at 3 months.")
    page.get_by_role("button", name="Approve the plan").click()
    expect(page.get_by_text("Status: Active")).to_be_visible()
    expect(summary_row(page, "Approvals").locator("dd")).to_contain_text("2 of 2 needed")
    approvals = summary_row(page, "Approvals").locator("li")
    expect(approvals).to_have_count(2)
    expect(approvals.nth(1)).to_contain_text("“Agreed; review the dog's training at 3 months.”")
    assert_accessible(page)

    # Sam reads the agreed plan and why reflexology was not agreed.
    sign_in(holder)
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Your care plan").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your care plan")
    expect(page.locator("#plan-status")).to_have_text(
        f"This plan was agreed on {shown(today)}. It runs from {shown(today)} to "
        f"{shown(default_end(today))}."
    )
    expect(page.locator("#indicative")).to_contain_text("£7,000.00")
    expect(page.locator("#agreed")).to_contain_text("The plan agreed £14,340.00")
    expect(page.locator("#plan-items")).to_contain_text("Hydrotherapy")
    expect(page.locator("#not-agreed")).to_have_text(
        "Reflexology was not agreed: the guidance clinicians follow does not recommend it. "
        "Anna wrote: "
        "“NICE found no evidence that reflexology helps epilepsy.”"
    )
    expect(
        page.get_by_role("button", name="Ask for a decision to be looked at again")
    ).to_be_visible()
    assert_accessible(page)


def test_gambling_is_refused_at_entry_with_the_rule_named(
    page: Page, sign_in, coordinator, assessed, person, scene
):
    plan = plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=timezone.localdate(),
        enrolment=assessed,
        coordinator=coordinator,
    )
    sign_in(coordinator)
    page.goto(f"/plans/{plan.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Add an item").click()
    assert_accessible(page)
    page.get_by_role("link", name="describe something that is not in the catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add an item that is not in the catalogue"
    )
    assert_accessible(page)
    page.get_by_label("What it is").fill("Online gambling credit")
    page.get_by_label("Category").select_option(label="Community and leisure activities")
    page.get_by_label("Unit", exact=True).select_option(label="One-off")
    page.get_by_label("How often").select_option(label="One-off")
    page.get_by_label("Price of one unit").fill("25")
    page.get_by_label("Notional: the NHS arranges and pays").check()
    page.get_by_role("button", name="Add item").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "A personal health budget cannot be used for gambling. (Excluded: gambling; National "
        "Health Service (Direct Payments) Regulations 2013 and NHS England guidance.)"
    )
    expect(page.get_by_label("What it is")).to_have_value("Online gambling credit")
    expect(page.get_by_label("Price of one unit")).to_have_value("25")
    expect(page.get_by_label("Notional: the NHS arranges and pays")).to_be_checked()
    assert_accessible(page)

    page.goto(f"/plans/{plan.pk}/")
    expect(page.get_by_text("No items yet.")).to_be_visible()
    assert_accessible(page)
