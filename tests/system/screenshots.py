"""Retake the screenshots in docs/screenshots/ from the demo server.

Start the demo first (`make demo`, serving http://127.0.0.1:8000), then run
`.venv/bin/python tests/system/screenshots.py`. It signs in as `coordinator` through the
sign-in page (password from PHB_DEMO_PASSWORD, default "openphb-demo"), then signs out and in
again as `commissioner` for the programme pages, as `finance` for the money pages, as
`coordinator`, `clinician` and `commissioner` for care plans and as `holder` for how much is
left and their plan, and saves full-page PNGs, 1200 pixels wide.
"""

import datetime
import os
import re
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

BASE_URL = os.environ.get("PHB_BASE_URL", "http://127.0.0.1:8000")
PASSWORD = os.environ.get("PHB_DEMO_PASSWORD", "openphb-demo")
CHC_NAME = "Personal health budgets in NHS continuing healthcare"  # as the demo names them
PILOT_NAME = "Long-term conditions direct payments pilot"
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]


def shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("load")
    path = OUT / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"{path.relative_to(OUT.parents[1])}: {page.title()}")


def sign_in(page: Page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Account").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to OpenPHB")


def open_programme(page: Page, name: str) -> None:
    page.goto("/programmes/")
    page.get_by_role("table", name="Programmes").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def open_uptake(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^Uptake")).click()
    expect(page.get_by_role("table", name="People at each step")).to_be_visible()


def open_a_budget(page: Page) -> None:
    """The first demo budget the signed-in user may see that is running today, with a payment
    recorded."""
    today = datetime.date.today()
    for pk in range(1, 200):
        if not page.goto(f"/budgets/{pk}/").ok or not page.get_by_text("Payment:").count():
            continue
        dates = re.findall(
            r"\d{1,2} [A-Z][a-z]+ \d{4}", page.get_by_role("heading", level=1).inner_text()
        )
        if dates and datetime.datetime.strptime(dates[-1], "%d %B %Y").date() >= today:
            return
    sys.exit("The signed-in user sees no running demo budget with a payment.")


def open_first_in_queue(page: Page, queue: str) -> None:
    """The first plan in a care-plan worklist."""
    page.goto(f"/plans/?queue={queue}")
    page.get_by_role("main").get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def open_an_assessment(page: Page) -> None:
    """The first demo assessment the signed-in user may see."""
    for pk in range(1, 100):
        if page.goto(f"/assessments/{pk}/").ok:
            return
    sys.exit("The signed-in user sees no demo assessment.")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(base_url=BASE_URL, viewport={"width": 1200, "height": 800})

        page.goto("/sign-in/")
        shoot(page, "sign-in")
        sign_in(page, "coordinator")
        shoot(page, "home")

        page.goto("/patients/")
        shoot(page, "patients")
        page.get_by_role("table", name="Patients").get_by_role("link").first.click()
        expect(page.get_by_role("link", name="Change personal details")).to_be_visible()
        shoot(page, "patient")
        record = page.url

        page.get_by_role("link", name="Change personal details").click()
        page.get_by_label("NHS number").fill("1234567890")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()
        shoot(page, "patient-edit-errors")

        page.goto(record)
        page.get_by_role("link", name="See the access history").click()
        expect(page.get_by_role("table", name="Access history")).to_be_visible()
        shoot(page, "access-history")

        page.goto("/organisations/?kind=icb")  # an ICB: it took over from other commissioners
        page.get_by_role("table", name="Organisations").get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="Responsibility over time")).to_be_visible()
        shoot(page, "organisation")

        # Enrolment, as the coordinator: a queue, one person's journey, their record.
        page.goto("/work/?queue=awaiting-answer")
        expect(page.get_by_role("table", name="Offers waiting for an answer")).to_be_visible()
        shoot(page, "work-queue")
        page.get_by_role("table", name="Offers waiting for an answer").get_by_role(
            "link"
        ).first.click()
        expect(page.get_by_role("heading", name="Journey so far")).to_be_visible()
        shoot(page, "enrolment")
        page.locator(".nhsuk-back-link").click()
        programmes = page.get_by_role("heading", name="Personal health budget programmes")
        expect(programmes).to_be_visible()
        shoot(page, "patient-programmes")

        # Programmes, as the commissioner.
        sign_out(page)
        sign_in(page, "commissioner")
        page.goto("/programmes/")
        shoot(page, "programmes")
        open_programme(page, CHC_NAME)
        shoot(page, "programme")
        open_uptake(page)
        shoot(page, "uptake")
        open_programme(page, PILOT_NAME)  # live since February, nobody enrolled
        open_uptake(page)
        shoot(page, "uptake-stalled")
        page.goto("/returns/national/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("National quarterly return")
        shoot(page, "national-return")

        # Money, as the finance officer: positions, a stream, a statement, a budget, a form.
        sign_out(page)
        sign_in(page, "finance")
        page.goto("/money/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Money")
        shoot(page, "money")
        page.get_by_role("main").get_by_role("table").first.get_by_role("link").first.click()
        allocations = page.get_by_role("heading", name="Allocations to your organisations")
        expect(allocations).to_be_visible()
        shoot(page, "funding-stream")
        page.goto("/money/")
        page.get_by_role("link", name=re.compile("still free of")).first.click()
        since = datetime.date.today() - datetime.timedelta(days=120)  # a few months: readable
        page.get_by_role("group", name="From").get_by_label("Day").fill(str(since.day))
        page.get_by_role("group", name="From").get_by_label("Month").fill(str(since.month))
        page.get_by_role("group", name="From").get_by_label("Year").fill(str(since.year))
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("table", name="Statement lines")).to_be_visible()
        shoot(page, "statement")
        page.goto("/money/allocations/add/")
        page.get_by_label("Amount").fill("12.345")
        page.get_by_role("button", name="Record allocation").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()
        shoot(page, "allocation-errors")
        open_a_budget(page)
        shoot(page, "budget")
        page.get_by_role("link", name=re.compile("^Record a payment")).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Record a payment")
        shoot(page, "budget-payment")

        # Care plans: a draft with a flagged item, gambling refused, the clinical review, a
        # plan waiting for its second approver, the catalogue, an assessment.
        sign_out(page)
        sign_in(page, "coordinator")
        open_first_in_queue(page, "drafts")
        shoot(page, "care-plan-draft")
        page.goto(page.url + "items/add/?catalogue=free")
        page.get_by_label("What it is").fill("Online gambling credit")
        page.get_by_label("Category").select_option(label="Community and leisure activities")
        page.get_by_label("Unit", exact=True).select_option(label="Session")
        page.get_by_label("Price of one unit").fill("20")
        page.get_by_label("Direct payment: paid to the person's account").check()
        page.get_by_role("button", name="Add item").click()
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()
        shoot(page, "care-plan-gambling-refused")
        sign_out(page)
        sign_in(page, "clinician")
        open_first_in_queue(page, "clinical-review")
        shoot(page, "care-plan-clinical-review")
        page.get_by_role("link", name=re.compile("^Decide.*Aromatherapy")).click()
        shoot(page, "care-plan-decide")
        sign_out(page)
        sign_in(page, "commissioner")
        page.goto("/plans/?queue=reviews")
        shoot(page, "care-plan-reviews-due")
        open_first_in_queue(page, "approval")
        shoot(page, "care-plan-approval")
        page.goto("/catalogue/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Catalogue")
        shoot(page, "catalogue")
        sign_out(page)
        sign_in(page, "coordinator")
        open_an_assessment(page)
        shoot(page, "assessment")

        # How much is left, as the budget holder.
        sign_out(page)
        sign_in(page, "holder")
        page.get_by_role("link", name="How much is left").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("How much is left")
        shoot(page, "how-much-is-left")
        page.goto("/my-plan/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your care plan")
        shoot(page, "my-plan")
        browser.close()


if __name__ == "__main__":
    try:
        urllib.request.urlopen(f"{BASE_URL}/sign-in/", timeout=5)  # noqa: S310 - our own URL
    except OSError as error:
        sys.exit(f"No demo server at {BASE_URL} ({error}): start it with `make demo` first.")
    main()
