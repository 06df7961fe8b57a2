"""Monitoring pages over HTTP: the flags worklist and its filters, a flag's page with its
transaction and history, resolving, dismissing and reopening with a note, and the monitoring
policy; only staff who monitor spending, only their own commissioners' flags."""

import datetime
import html
import re

import pytest
from django.urls import NoReverseMatch, reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.monitoring.models import Code, Flag, FlagEvent, MonitoringPolicy, Status
from openphb.monitoring.services import flags_check
from openphb.monitoring.tests.world import SYSTEM, TODAY, dp_budget, line
from openphb.recovery.models import Notice

pytestmark = pytest.mark.django_db
DAY = TODAY - datetime.timedelta(days=3)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def budget(icb):
    stream = factories.funding_stream(code="chc-dp", name="NHS continuing healthcare")
    factories.allocation(stream=stream, commissioner=icb, amount=50_000_000)
    sam = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    return dp_budget(commissioner=icb, patient=sam, stream=stream)


@pytest.fixture
def flags(budget):
    line(budget, amount=2_500, booked_on=DAY, merchant="Lucky Bets", mcc="7995")
    line(budget, amount=500, booked_on=DAY, merchant="Argos")
    flags_check(actor=SYSTEM, on=TODAY)
    return Flag.objects.all()


@pytest.fixture
def gambling(flags):
    return flags.get(code=Code.EXCLUDED_CATEGORY)


def test_the_worklist_shows_open_flags_the_most_severe_first(client, coordinator, flags):
    client.force_login(coordinator)
    response = client.get(reverse("web:flag-list"))
    assert response.status_code == 200
    text = text_of(response)
    assert "2 flags open" in text
    assert text.index("Purchase in a category a budget cannot buy") < text.index(
        "Spending not in the plan"
    )
    assert "Sam Adeyemi" in text
    assert "nhsuk-tag--red" in response.content.decode()


def test_the_worklist_filters_by_severity_code_and_status(client, finance, flags):
    client.force_login(finance)
    text = text_of(client.get(reverse("web:flag-list"), {"severity": "low"}))
    assert "Spending not in the plan" in text
    assert "Lucky Bets" not in text
    text = text_of(client.get(reverse("web:flag-list"), {"status": "resolved"}))
    assert "No flags match these filters." in text


def test_the_worklist_filters_start_at_any_and_sent_as_they_are_show_every_flag(
    client, coordinator, flags
):
    client.force_login(coordinator)
    page = client.get(reverse("web:flag-list")).content.decode()
    for blank in ("Any status", "Any severity", "Anything"):
        # The first option, chosen when nothing else is: not the first status, severity or kind.
        assert re.search(rf'<select[^>]*>\s*<option value=""\s*>{blank}</option>', page)
    sent_as_they_are = {"status": "", "severity": "", "code": ""}
    text = text_of(client.get(reverse("web:flag-list"), sent_as_they_are))
    assert "Lucky Bets" in text
    assert "Argos" in text


def test_the_worklist_is_in_the_navigation_of_those_who_monitor_spending(client, coordinator):
    client.force_login(coordinator)
    assert 'href="/monitoring/"' in client.get(reverse("web:home")).content.decode()


def test_staff_who_do_not_monitor_spending_are_refused(client, clinician, flags):
    client.force_login(clinician)
    assert client.get(reverse("web:flag-list")).status_code == 403
    assert client.get(reverse("web:flag-detail", args=[flags.first().pk])).status_code == 403


def test_another_organisations_flag_is_not_found(client, other_icb, gambling):
    outsider = factories.user(role="care_coordinator", organisations=(other_icb,))
    client.force_login(outsider)
    assert client.get(reverse("web:flag-detail", args=[gambling.pk])).status_code == 404
    assert "No flags" in text_of(client.get(reverse("web:flag-list")))


def test_a_flag_page_explains_it_and_shows_the_transaction_and_who_it_is_about(
    client, coordinator, gambling, budget
):
    client.force_login(coordinator)
    response = client.get(reverse("web:flag-detail", args=[gambling.pk]))
    text = text_of(response)
    assert "betting and gambling" in text
    assert "Lucky Bets" in text
    assert "7995" in text
    assert "High severity" in text
    assert f'href="/budgets/{budget.pk}/"' in response.content.decode()
    assert "has not been looked at" in text
    assert AuditEvent.objects.filter(action="flag.viewed", patient_id=budget.patient_id).exists()


def test_a_flag_about_a_month_names_the_month_in_the_worklist_and_on_its_page(
    client, coordinator, budget
):
    line(budget, amount=15_000, booked_on=DAY, kind="cash", counterparty="Cash machine")
    flags_check(actor=SYSTEM, on=TODAY)
    cash = Flag.objects.get(code=Code.CASH_ABOVE_POLICY)
    client.force_login(coordinator)
    month = f"{DAY:%B %Y}"
    assert month in text_of(client.get(reverse("web:flag-list")))
    page = text_of(client.get(reverse("web:flag-detail", args=[cash.pk])))
    assert f"About the month {month}" in page
    assert cash.period not in page  # not as YYYY-MM


def test_resolving_a_flag_needs_a_note_and_keeps_what_was_chosen(client, coordinator, gambling):
    client.force_login(coordinator)
    url = reverse("web:flag-detail", args=[gambling.pk])
    response = client.post(url, {"decision": "resolve", "note": ""})
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert "Write a note saying why, for the record." in text
    assert 'value="resolve" checked' in response.content.decode()
    assert not FlagEvent.objects.exists()


def test_a_coordinator_resolves_a_flag_and_sees_it_in_the_history(client, coordinator, gambling):
    client.force_login(coordinator)
    url = reverse("web:flag-detail", args=[gambling.pk])
    response = client.post(
        url, {"decision": "resolve", "note": "Card used by a stranger; bank refunded it."}
    )
    assert response.status_code == 302
    page = client.get(url)
    text = text_of(page)
    assert "The flag is resolved." in text
    assert "Resolved by Test" in text
    assert "Card used by a stranger" in text
    assert "Reopen it" in text
    gambling.refresh_from_db()
    assert gambling.status == Status.RESOLVED


def test_a_dismissed_flag_can_be_reopened_with_a_note(client, finance, gambling):
    client.force_login(finance)
    url = reverse("web:flag-detail", args=[gambling.pk])
    client.post(url, {"decision": "dismiss", "note": "A test transaction by the bank."})
    response = client.post(url, {"note": "The bank says it was not a test."}, follow=True)
    assert "The flag is open again" in text_of(response)
    gambling.refresh_from_db()
    assert gambling.status == Status.OPEN


def test_the_flag_links_to_issuing_a_repayment_notice_about_it(client, coordinator, gambling):
    """The recovery pages are built alongside; the link appears once they are there."""
    client.force_login(coordinator)
    page = client.get(reverse("web:flag-detail", args=[gambling.pk])).content.decode()
    try:
        new_notice = reverse("web:recovery-notice-new")
    except NoReverseMatch:
        assert "Issue a repayment notice" not in page
    else:
        assert f'href="{new_notice}?flag={gambling.pk}"' in page


def test_a_flag_lists_the_repayment_notices_issued_about_it(client, coordinator, gambling):
    client.force_login(coordinator)
    url = reverse("web:flag-detail", args=[gambling.pk])
    text = text_of(client.get(url))
    assert "None has been issued about this flag." in text
    assert "Nothing yet: it was raised on" in text
    notice = Notice.objects.create(
        budget=gambling.budget,
        flag=gambling,
        ground="outside_plan",
        reasons="£25.00 was spent at Lucky Bets.",
        amount=2_500,
        amount_first=2_500,
        deadline=TODAY + datetime.timedelta(days=28),
        method="offset",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        issued_on=TODAY,
        issued_by_label="coordinator",
    )
    response = client.get(url)
    text = text_of(response)
    reference = f"PHB-R{notice.pk:06d}"
    assert f"{reference} {TODAY:%-d %B %Y} £25.00 Issued: to be taken off the next payments" in (
        text
    )
    assert f'href="{reverse("web:recovery-notice", args=[notice.pk])}"' in (
        response.content.decode()
    )
    assert "Nothing yet" not in text
    assert "has not been looked at" not in text
    assert f"A repayment notice has been issued about it ({reference})" in text
    assert "Issue another repayment notice" in text


def test_only_those_who_recover_money_are_offered_a_repayment_notice(client, icb, gambling):
    commissioner = factories.user(role="commissioner", organisations=(icb,))
    client.force_login(commissioner)
    page = client.get(reverse("web:flag-detail", args=[gambling.pk])).content.decode()
    assert "Issue a repayment notice" not in page


def test_the_policy_page_shows_the_defaults_and_who_may_set_it(client, coordinator, icb):
    client.force_login(coordinator)
    text = text_of(client.get(reverse("web:monitoring-policy")))
    assert "the defaults, as no policy has been set" in text
    assert "Cash withdrawals of more than £100.00 in a calendar month are flagged." in text
    assert "Set a new policy" not in text
    assert client.post(reverse("web:monitoring-policy"), {}).status_code == 403


def test_a_finance_officer_sets_a_policy_from_tomorrow(client, finance, icb):
    client.force_login(finance)
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(
        reverse("web:monitoring-policy"),
        {
            "commissioner": icb.pk,
            "starts_on-day": tomorrow.day,
            "starts_on-month": tomorrow.month,
            "starts_on-year": tomorrow.year,
            "cash_limit_per_month": "150.00",
            "accumulation_months": "2",
            "idle_days": "60",
        },
        follow=True,
    )
    text = text_of(response)
    assert f"applies from {tomorrow.day} {tomorrow:%B %Y}" in text
    policy = MonitoringPolicy.objects.get()
    assert (policy.cash_limit_per_month, policy.accumulation_months, policy.idle_days) == (
        15_000,
        2,
        60,
    )
    assert policy.created_by == finance


def test_a_policy_with_bad_values_is_shown_again_with_each_problem(client, finance, icb):
    client.force_login(finance)
    yesterday = TODAY - datetime.timedelta(days=1)
    response = client.post(
        reverse("web:monitoring-policy"),
        {
            "commissioner": icb.pk,
            "starts_on-day": yesterday.day,
            "starts_on-month": yesterday.month,
            "starts_on-year": yesterday.year,
            "cash_limit_per_month": "lots",
            "accumulation_months": "0",
            "idle_days": "ninety",
        },
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "The cash limit must be in pounds and pence" in text
    assert "Enter the days as a whole number" in text
    assert not MonitoringPolicy.objects.exists()


def test_a_policy_starting_in_the_past_is_refused_by_the_service(client, finance, icb):
    client.force_login(finance)
    yesterday = TODAY - datetime.timedelta(days=1)
    response = client.post(
        reverse("web:monitoring-policy"),
        {
            "commissioner": icb.pk,
            "starts_on-day": yesterday.day,
            "starts_on-month": yesterday.month,
            "starts_on-year": yesterday.year,
            "cash_limit_per_month": "100",
            "accumulation_months": "3",
            "idle_days": "90",
        },
    )
    assert response.status_code == 400
    assert "A policy starts today or later" in text_of(response)


def test_the_pages_work_for_many_budgets_of_another_commissioner_too(client, icb, other_icb):
    """A member of both ICBs sees both commissioners' flags and policies."""
    both = factories.user(role="finance_officer", organisations=(icb, other_icb))
    stream = factories.funding_stream()
    factories.allocation(stream=stream, commissioner=other_icb, amount=5_000_000)
    elsewhere = dp_budget(
        commissioner=other_icb, patient=factories.patient(commissioner=other_icb), stream=stream
    )
    line(elsewhere, amount=2_500, booked_on=DAY, mcc="5921")
    flags_check(actor=SYSTEM, on=TODAY)
    client.force_login(both)
    assert "NHS Nottingham" in text_of(client.get(reverse("web:flag-list")))
    text = text_of(client.get(reverse("web:monitoring-policy")))
    assert "NHS North East London ICB" in text
    assert "NHS Nottingham and Nottinghamshire ICB" in text
