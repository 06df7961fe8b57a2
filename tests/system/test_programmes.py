"""Programmes and enrolment: a commissioner sets one up and screens for it, a care coordinator
walks a person from eligible to accepted, and a commissioner sees where uptake has stalled."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import enrolment_move, screen_and_identify, time_record
from openphb.programmes.models import Programme
from tests import factories

from .accessibility import assert_accessible

pytestmark = pytest.mark.browser

COPD = "Chronic obstructive pulmonary disease"
# The pages quote a stage's name in curly quotes.
BACK_TO_OFFERED = (
    "Move back to \N{LEFT SINGLE QUOTATION MARK}Offered\N{RIGHT SINGLE QUOTATION MARK}"
)


def shown(day: datetime.date) -> str:
    """A date as the pages write it: 5 March 2026."""
    return f"{day.day} {day:%B %Y}"


def spaced(nhs_number: str) -> str:
    return f"{nhs_number[:3]} {nhs_number[3:6]} {nhs_number[6:]}"


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` calendar months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def main_menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name).click()


def summary_row(page: Page, key: str):
    return page.locator(".nhsuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )


def test_a_commissioner_sets_up_a_programme_screens_for_it_and_checks_one_person(
    page: Page, sign_in, commissioner, icb, patient
):
    today = timezone.localdate()
    live_from = today - datetime.timedelta(days=40)
    factories.condition(patient, "13645005", COPD)
    child = factories.patient(
        commissioner=icb,
        given_name="Kemi",
        family_name="Adeyemi",
        date_of_birth=today.replace(year=today.year - 10, day=1),
    )
    factories.condition(child, "13645005", COPD)
    factories.patient(commissioner=icb, given_name="Tom", family_name="Clarke")
    sign_in(commissioner)

    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Programmes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programmes")
    expect(page.get_by_text("There are no programmes your organisations run yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Set up a programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a programme")
    assert_accessible(page)
    page.get_by_label("Programme name").fill("COPD direct payments pilot")
    page.get_by_role("radio", name="Long-term conditions pilot").check()
    page.get_by_label("Owned by").select_option(label="NHS North East London ICB (QMF)")
    ways = page.get_by_role("group", name="Ways people can hold their budget")
    ways.get_by_role("checkbox", name=re.compile(r"^Notional budget")).check()
    ways.get_by_role("checkbox", name=re.compile(r"^Direct payment")).check()
    page.get_by_role("checkbox", name="This is a pilot").check()
    page.get_by_role("button", name="Set up programme").click()

    programme = Programme.objects.get()
    expect(page).to_have_url(re.compile(rf"/programmes/{programme.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("COPD direct payments pilot")
    expect(page.locator(".nhsuk-caption-l")).to_have_text("Long-term conditions pilot")
    expect(summary_row(page, "Owned by").locator("dd")).to_have_text("NHS North East London ICB")
    expect(summary_row(page, "Ways to hold a budget").locator("dd")).to_have_text(
        "Direct payment (paid to the person or their representative); "
        "Notional budget (the NHS holds the money)"
    )
    expect(page.get_by_text("No sites yet.")).to_be_visible()
    expect(page.get_by_text("No eligibility rules have been published yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a site").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a site")
    assert_accessible(page)
    page.get_by_label("Commissioner").select_option(label="NHS North East London ICB (QMF)")
    go_live = page.get_by_role("group", name="Go-live date")
    go_live.get_by_label("Day").fill(str(live_from.day))
    go_live.get_by_label("Month").fill(str(live_from.month))
    go_live.get_by_label("Year").fill(str(live_from.year))
    page.get_by_label("Enrolment target (people)").fill("25")
    page.get_by_role("button", name="Save").click()

    sites = page.get_by_role("table", name="Sites of COPD direct payments pilot")
    expect(sites.get_by_role("row")).to_have_count(2)
    expect(sites.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["NHS North East London ICB (QMF)", shown(live_from), "25"]
    )
    assert_accessible(page)

    page.get_by_role("link", name="Publish eligibility rules").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish eligibility rules")
    expect(page.get_by_text("This publishes version 1.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Qualifying conditions").fill(f"13645005 {COPD}")
    page.get_by_label("Minimum age (years)").fill("18")
    page.get_by_role("button", name="Publish rules").click()

    expect(page.get_by_text(f"Version 1, published on {shown(today)}.")).to_be_visible()
    expect(summary_row(page, "Qualifying conditions").locator("dd")).to_have_text(
        f"{COPD} (SNOMED 13645005)"
    )
    expect(summary_row(page, "Ages").locator("dd")).to_have_text("18 to any age")
    expect(page.get_by_text("Nobody has been screened yet.")).to_be_visible()
    assert_accessible(page)

    # The test settings run background tasks at once, so the run has finished by the redirect.
    page.get_by_role("button", name="Screen now").click()
    expect(page).to_have_url(re.compile(r"\?screening=started$"))
    expect(page.get_by_role("status")).to_contain_text("Screening has started.")
    runs = page.get_by_role("table", name="Screening runs")
    expect(runs.get_by_role("columnheader")).to_have_text(
        ["As at", "Rules", "Screened", "Eligible", "Run by"]
    )
    expect(runs.get_by_role("row")).to_have_count(2)
    expect(runs.get_by_role("row").nth(1).get_by_role("cell").nth(0)).to_have_text(shown(today))
    expect(runs.get_by_role("row").nth(1).get_by_role("cell").nth(1)).to_have_text("Version 1")
    expect(runs.get_by_role("row").nth(1).get_by_role("cell").nth(2)).to_have_text("3")
    expect(runs.get_by_role("row").nth(1).get_by_role("cell").nth(3)).to_have_text("1")
    assert_accessible(page)

    page.get_by_label("NHS number").fill(spaced(patient.nhs_number))
    page.get_by_role("button", name="Check eligibility").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check eligibility")
    expect(page.get_by_role("main").get_by_role("heading", level=2).first).to_have_text(
        f"Margaret Okafor, NHS number {spaced(patient.nhs_number)}"
    )
    age = patient.age_on(today)
    expect(page.locator("#explanation")).to_have_text(
        f"Eligible: {COPD} (SNOMED 13645005), age {age}, registered with a site of this "
        "programme (NHS North East London ICB)."
    )
    # Screening identified her, so the page points to her enrolment rather than offering one.
    already = page.get_by_role("link", name="Margaret is already enrolling: identified")
    expect(already).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Start enrolment"))).to_have_count(0)
    assert_accessible(page)

    page.get_by_label("NHS number").fill(spaced(child.nhs_number))
    page.get_by_role("button", name="Check eligibility").click()

    expect(page.locator("#explanation")).to_have_text(
        "Not eligible: younger than the programme's minimum age (age 10)."
    )
    assert_accessible(page)


def test_a_coordinator_offers_a_budget_records_acceptance_and_logs_time(
    page: Page, sign_in, coordinator, icb, patient
):
    today = timezone.localdate()
    programme = factories.programme(
        owner=icb,
        name="COPD direct payments pilot",
        codes=(("13645005", COPD),),
        go_live_on=today - datetime.timedelta(days=30),
    )
    factories.condition(patient, "13645005", COPD)
    screen_and_identify(actor=Actor.system_job("test"), programme=programme)
    enrolment = Enrolment.objects.get()
    sign_in(coordinator)

    page.goto("/")
    assert_accessible(page)
    main_menu(page, "Work queues")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work queues")
    expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text(
        "Eligible, never offered"
    )
    expect(page.locator("#result-count")).to_have_text("1 person. Page 1 of 1.")
    waiting = page.get_by_role("table", name="Eligible, never offered")
    expect(waiting).to_contain_text("COPD direct payments pilot")
    expect(waiting).to_contain_text(f"NHS number {spaced(patient.nhs_number)}")
    assert_accessible(page)

    waiting.get_by_role("link", name="OKAFOR, Margaret").click()
    expect(page).to_have_url(re.compile(rf"/enrolments/{enrolment.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("COPD direct payments pilot")
    expect(page.locator("#stage")).to_have_text("Identified")
    expect(page.get_by_text("No steps recorded yet.")).to_be_visible()
    expect(page.get_by_text("No time recorded yet.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Record an offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record an offer")
    day = page.get_by_role("group", name="Date it happened")
    expect(day.get_by_label("Day")).to_have_value(str(today.day))
    expect(day.get_by_label("Year")).to_have_value(str(today.year))
    assert_accessible(page)
    page.get_by_role("radio", name="Letter").check()
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/enrolments/{enrolment.pk}/$"))
    expect(page.locator("#stage")).to_have_text("Offered")
    expect(summary_row(page, "Offered").locator("dd")).to_have_text(f"{shown(today)} by letter")
    assert_accessible(page)

    page.get_by_role("link", name="Record that they accepted").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record that they accepted")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#stage")).to_have_text("Accepted")
    journey = page.get_by_role("table", name="Moves between stages")
    expect(journey.get_by_role("row")).to_have_count(3)
    recorded = re.compile(rf"^Test, {re.escape(shown(today))}, \d\d:\d\d$")
    expect(journey.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [shown(today), "Identified → Offered (letter)", recorded]
    )
    expect(journey.get_by_role("row").nth(2).get_by_role("cell")).to_have_text(
        [shown(today), "Offered → Accepted", recorded]
    )
    assert_accessible(page)

    # Time is logged from the person's page: type the minutes, press the button.
    page.get_by_role("link", name="Back to Margaret Okafor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Margaret Okafor")
    card = page.locator(".nhsuk-card").filter(has_text="COPD direct payments pilot")
    expect(card).to_contain_text("Stage: Accepted since")
    expect(card).to_contain_text("Staff time so far: 0 minutes.")
    expect(card.get_by_label("Activity")).to_have_value("outreach")
    assert_accessible(page)

    card.get_by_label("Minutes").fill("20")
    card.get_by_role("button", name="Log time for COPD direct payments pilot").click()

    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/$"))
    expect(card).to_contain_text("Staff time so far: 20 minutes.")
    assert_accessible(page)

    card.get_by_role("link", name="COPD direct payments pilot").click()
    expect(page.locator("#stage")).to_have_text("Accepted")
    time = page.get_by_role("table", name="Time recorded")
    expect(time.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        [shown(today), "Outreach", "20", "Test"]
    )
    expect(page.get_by_text("20 minutes in all.")).to_be_visible()
    assert_accessible(page)

    # Moving back a stage needs a reason written down; without one the move is refused.
    page.get_by_role("link", name=BACK_TO_OFFERED).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BACK_TO_OFFERED)
    assert_accessible(page)
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_role("button", name="Save").click()

    message = "Moving back a stage needs a reason: say what happened."
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text([message])
    expect(page).to_have_title(re.compile(r"^Error: "))
    reason = page.get_by_label("Why are you moving back a stage?")
    expect(reason).to_have_accessible_description(re.compile(re.escape(message)))
    assert_accessible(page)
    enrolment.refresh_from_db()
    assert enrolment.stage == "accepted"

    summary.get_by_role("link").click()
    expect(reason).to_be_focused()
    expect(page.get_by_role("radio", name="Phone call")).to_be_checked()
    reason.fill("She meant to accept the carers' break fund, not this.")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#stage")).to_have_text("Offered")
    expect(journey.get_by_role("row").nth(3).get_by_role("cell")).to_have_text(
        [
            shown(today),
            "Accepted → Offered Back (phone call). "
            "She meant to accept the carers' break fund, not this.",
            recorded,
        ]
    )
    assert_accessible(page)


def test_a_commissioner_sees_a_stalled_site_on_the_uptake_page_and_downloads_the_figures(
    page: Page, sign_in, commissioner, coordinator, icb, patient
):
    today = timezone.localdate()
    live_from = months_before(today, 5)
    programme = factories.programme(
        owner=icb,
        name="COPD direct payments pilot",
        codes=(("13645005", COPD),),
        go_live_on=live_from,
    )
    factories.condition(patient, "13645005", COPD)
    factories.condition(factories.patient(commissioner=icb), "13645005", COPD)
    screen_and_identify(actor=Actor.system_job("test"), programme=programme)
    offered = Enrolment.objects.get(patient=patient)
    staff = Actor(user=coordinator)
    enrolment_move(actor=staff, enrolment=offered, to_stage="offered", offer_method="phone")
    time_record(actor=staff, enrolment=offered, activity="outreach", minutes=45)
    sign_in(commissioner)

    page.goto("/programmes/")
    assert_accessible(page)
    page.get_by_role("table", name="Programmes").get_by_role(
        "link", name="COPD direct payments pilot"
    ).click()
    assert_accessible(page)
    page.get_by_role("link", name="Uptake: who has been offered a budget, and who has one").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Uptake")
    expect(page.get_by_role("heading", name="Important: Needs attention")).to_be_visible()
    expect(page.locator("#alerts").get_by_role("listitem")).to_have_text(
        [
            f"NHS North East London ICB has been live since {shown(live_from)} (5 months) "
            "and nobody has a budget yet.",
            "NHS North East London ICB: 1 eligible person has never been offered a budget.",
        ]
    )

    chart = page.get_by_role("img", name=re.compile(r"^Bar chart of people at each step"))
    funnel = page.get_by_role("table", name="People at each step")
    expect(chart).to_be_visible()
    expect(funnel).to_be_visible()
    chart_box, table_box = chart.bounding_box(), funnel.bounding_box()
    assert chart_box is not None
    assert table_box is not None
    assert chart_box["x"] + chart_box["width"] <= table_box["x"], "the table sits beside the chart"
    assert chart_box["y"] < table_box["y"] + table_box["height"]
    expected = {
        "Eligible (latest screening)": ["2", ""],
        "Identified": ["2", ""],
        "Offered": ["1", "50%"],
        "Accepted": ["0", "0%"],
        "Budget live (ever)": ["0", "\N{EN DASH}"],
    }
    for step, cells in expected.items():
        header = page.get_by_role("rowheader", name=step, exact=True)
        row = funnel.get_by_role("row").filter(has=header)
        expect(row.get_by_role("cell")).to_have_text(cells)

    by_site = page.get_by_role("table", name="Uptake by site")
    expect(by_site.get_by_role("columnheader").last).to_have_text(
        "Staff minutes per enrolled person"
    )
    site_row = by_site.get_by_role("row").filter(has_text="NHS North East London ICB")
    expect(site_row.get_by_role("cell").last).to_have_text("45 minutes, nobody enrolled")
    time = page.get_by_role("table", name="Staff minutes by site and activity")
    expect(time.get_by_role("row").nth(1).get_by_role("cell").last).to_have_text("\N{EN DASH}")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == f"uptake-programme-{programme.pk}.csv"
    with open(download.path(), encoding="utf-8") as downloaded:
        rows = list(csv.DictReader(io.StringIO(downloaded.read())))
    assert len(rows) == 1
    figures = rows[0]
    assert (figures["site_ods_code"], figures["site_name"]) == ("QMF", "NHS North East London ICB")
    assert figures["go_live_on"] == live_from.isoformat()
    assert (figures["eligible"], figures["offered"], figures["live_ever"]) == ("2", "1", "0")
    assert (figures["never_offered"], figures["staff_minutes"]) == ("1", "45")
    assert figures["staff_minutes_per_enrolled_person"] == ""

    # Nobody has had a budget live, so the national return has no rows to send.
    main_menu(page, "Programmes")
    assert_accessible(page)
    page.get_by_role("link", name="National quarterly return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^National quarterly return: \d{4}-\d\d Q[1-4]$")
    )
    expect(page.get_by_text(re.compile(r"^Nobody had a budget live in "))).to_be_visible()
    expect(page.get_by_role("link", name="Download the return (CSV)")).to_have_count(0)
    assert_accessible(page)
