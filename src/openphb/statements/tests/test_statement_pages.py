"""The monthly statement's page, PDF and API: the holder reads their own (anyone else's is a
404), staff who monitor spending read those of the people they may see; the month picker;
flags and repayment notices said in plain English; reading it is audited."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from tests import factories

from openphb.accounts.services import api_token_create
from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import Flag
from openphb.payments import runs
from openphb.recovery.models import Notice
from openphb.statements.spending import spending_post
from openphb.statements.statement import Month

from .world_spending import SYSTEM, TODAY, funded_budget, paid_in, spent

pytestmark = pytest.mark.django_db

FIRST = TODAY.replace(day=1)
THIS_MONTH = Month.of(TODAY)


def plain_text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def text_of(response) -> str:
    return plain_text(response.content.decode())


def bearer(user) -> dict[str, str]:
    _, token = api_token_create(actor=Actor.system_job("test"), user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def holder(person):
    user = factories.user(username="sam", role="budget_holder", first_name="Sam")
    person.account = user
    person.save(update_fields=["account"])
    return user


@pytest.fixture
def world(icb, person):
    """Sam's budget: £500 held for personal care; this month £300 paid in (the bank gives
    the balance), £120 spent at Jo's Care Agency and £25 at a betting shop, flagged."""
    world = funded_budget(commissioner=icb, patient=person)
    paid_in(world.budget, 30_000, FIRST, balance_after=80_000)
    spent(world.care, 12_000, FIRST, merchant="Jo's Care Agency")
    bet = spent(world.care, 2_500, TODAY, merchant="Lucky Bets", match="not_in_plan", mcc="7995")
    spending_post(actor=SYSTEM)
    Flag.objects.create(
        budget=world.budget,
        code="excluded_category",
        severity="high",
        explanation="£25.00 was spent at Lucky Bets, a betting shop. A budget cannot pay for "
        "gambling.",
        statement_line=bet,
        amount=2_500,
        found_on=TODAY,
    )
    return world


def page(budget, month: Month | str | None = None) -> str:
    url = reverse("web:budget-statement", args=[budget.pk])
    return f"{url}?month={month}" if month else url


def test_the_holder_reads_this_months_statement_in_plain_english(client, holder, world):
    client.force_login(holder)
    response = client.get(page(world.budget))
    assert response.status_code == 200
    words = text_of(response)
    assert f"Statement for {THIS_MONTH.label}" in words
    assert "Balance at the start £800.00" not in words  # the bank's balance is after the credit
    assert "Balance at the start £500.00" in words  # worked back from the bank's £800
    assert "Money in £300.00" in words
    assert "Money out £145.00" in words
    assert "Balance at the end £655.00" in words
    assert "Spent on personal care and support, which is in your plan." in words
    assert "We could not match this to your plan" not in words  # the betting is never paid
    assert (
        "The bank lists this as betting and gambling (merchant category 7995). A personal "
        "health budget can never be spent on gambling, alcohol or tobacco." in words
    )
    assert "Not matched to your plan" in words
    assert "Anything we have noticed" in words
    assert "Lucky Bets, a betting shop" in words
    assert "How we work out the plan for a month" in words
    assert "Spread evenly over those days" in words
    pdf = reverse("web:budget-statement-pdf", args=[world.budget.pk]) + f"?month={THIS_MONTH}"
    assert pdf in html.unescape(response.content.decode())
    assert AuditEvent.objects.filter(action="budget.viewed", actor=holder).exists()


def test_the_month_picker_goes_back_to_the_budgets_first_month_and_no_further(
    client, holder, world
):
    client.force_login(holder)
    first = Month.of(world.budget.starts_on)
    response = client.get(page(world.budget, first))
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert f"?month={first.previous()}" not in body
    assert f"?month={first.next()}" in body
    assert "No money went in or out of the account this month." in text_of(response)
    assert f"?month={THIS_MONTH.next()}" not in html.unescape(
        client.get(page(world.budget)).content.decode()
    )


def test_a_month_outside_the_budget_or_badly_written_is_explained(client, holder, world):
    client.force_login(holder)
    response = client.get(page(world.budget, "2001-01"))
    assert response.status_code == 400
    assert "There is a statement for each month from" in text_of(response)
    response = client.get(page(world.budget, "last-month"))
    assert response.status_code == 400
    assert "like 2026-03" in text_of(response)


def test_a_repayment_notice_is_shown_with_what_to_pay_and_by_when(client, holder, world):
    Notice.objects.create(
        budget=world.budget,
        ground="outside_plan",
        reasons="£25.00 was spent on gambling at Lucky Bets.",
        amount=2_500,
        amount_first=2_500,
        deadline=TODAY + datetime.timedelta(days=28),
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        issued_on=TODAY,
        issued_by_label="coordinator",
    )
    client.force_login(holder)
    words = text_of(client.get(page(world.budget)))
    deadline = f"{TODAY + datetime.timedelta(days=28):%-d %B %Y}"
    assert f"Please pay back £25.00 by {deadline}" in words
    assert "Waiting for it to be paid back." in words
    assert "£25.00 was spent on gambling at Lucky Bets." in words
    assert "ask us to look at it again" in words
    assert "taken off" not in words


def test_a_notice_recovered_by_offset_says_the_money_comes_off_the_next_payments(
    client, holder, coordinator, world
):
    Notice.objects.create(
        budget=world.budget,
        ground="unused",
        reasons="Money has built up unused in the account.",
        amount=40_000,
        amount_first=40_000,
        deadline=TODAY + datetime.timedelta(days=28),
        method="offset",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        issued_on=TODAY,
        issued_by_label="coordinator",
    )
    client.force_login(holder)
    words = text_of(client.get(page(world.budget)))
    assert "£400.00 will be taken off your next payments" in words
    assert "Nothing needs to be paid in" in words
    assert "pay money back" not in words
    assert "waiting for repayment" not in words.lower()
    assert "Please pay back" not in words
    client.force_login(coordinator)
    words = text_of(client.get(page(world.budget)))
    assert "£400.00 will be taken off Sam's next payments" in words


def test_the_pdf_is_the_same_statement(client, holder, world):
    client.force_login(holder)
    response = client.get(
        reverse("web:budget-statement-pdf", args=[world.budget.pk]) + f"?month={THIS_MONTH}"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_anyone_elses_budget_is_a_404_for_a_holder(client, holder, icb):
    someone = funded_budget(commissioner=icb)
    client.force_login(holder)
    assert client.get(page(someone.budget)).status_code == 404
    pdf = reverse("web:budget-statement-pdf", args=[someone.budget.pk])
    assert client.get(pdf).status_code == 404


def test_staff_who_monitor_spending_read_the_statements_of_people_they_may_see(
    client, coordinator, finance, clinician, world, other_icb
):
    client.force_login(coordinator)
    assert client.get(page(world.budget)).status_code == 200
    elsewhere = funded_budget(commissioner=other_icb)
    assert client.get(page(elsewhere.budget)).status_code == 404
    client.force_login(finance)
    words = text_of(client.get(page(world.budget)))
    assert "Sam Adeyemi" in words
    client.force_login(clinician)  # sees budgets, does not monitor spending
    assert client.get(page(world.budget)).status_code == 403


def test_the_budget_page_links_to_the_statement(client, holder, coordinator, clinician, world):
    for user in (holder, coordinator):
        client.force_login(user)
        body = client.get(reverse("web:budget-detail", args=[world.budget.pk])).content.decode()
        assert reverse("web:budget-statement", args=[world.budget.pk]) in body
    client.force_login(clinician)
    body = client.get(reverse("web:budget-detail", args=[world.budget.pk])).content.decode()
    assert reverse("web:budget-statement", args=[world.budget.pk]) not in body


def test_the_holders_home_page_links_to_their_statement(client, holder, world):
    client.force_login(holder)
    body = client.get(reverse("web:home")).content.decode()
    assert reverse("web:budget-statement", args=[world.budget.pk]) in body
    assert "Your monthly statement" in body


def test_the_holders_budget_page_offers_their_care_plan_once(client, holder, world, monkeypatch):
    from types import SimpleNamespace

    from openphb.web.views import budgets

    monkeypatch.setattr(budgets, "_funding_plan", lambda user, budget: SimpleNamespace(pk=7))
    client.force_login(holder)
    body = client.get(reverse("web:budget-detail", args=[world.budget.pk])).content.decode()
    main = plain_text(body[body.index('id="maincontent"') :])
    assert len(re.findall(r"Read (your|the) care plan", main)) == 1
    assert reverse("web:plan-detail", args=[7]) in body


def test_payments_made_but_not_yet_on_the_statement_are_named(
    client, icb, originator, direct_payment, finance, finance2
):
    patient = factories.patient(commissioner=icb, given_name="Ada", family_name="Lovelace")
    holder = factories.user(username="ada", role="budget_holder")
    patient.account = holder
    patient.save(update_fields=["account"])
    setup = direct_payment(patient)
    run = runs.run_create(
        actor=Actor(user=finance), commissioner=icb, payment_date=factories.payment_day()
    )
    runs.run_approve(actor=Actor(user=finance2), run=run)
    [payment] = run.payments.all()
    client.force_login(holder)
    words = text_of(client.get(page(setup.budget, Month.of(run.payment_date))))
    assert "the bank's statement does not show yet" in words
    assert payment.reference in words
    paid_in(setup.budget, payment.amount, run.payment_date, payment=payment)
    words = text_of(client.get(page(setup.budget, Month.of(run.payment_date))))
    assert "does not show yet" not in words
    assert f"Your direct payment from the NHS (reference {payment.reference})" in words


# --- The API ----------------------------------------------------------------------------------


def test_the_api_gives_the_holder_their_statement(client, holder, world):
    response = client.get(
        f"/api/v1/budgets/{world.budget.pk}/statement?month={THIS_MONTH}", **bearer(holder)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == str(THIS_MONTH)
    assert (body["opening"]["amount"], body["opening"]["from_bank"]) == (50_000, False)
    assert (body["closing"]["amount"], body["total_in"], body["total_out"]) == (
        65_500,
        30_000,
        14_500,
    )
    categories = {row["category"]: row for row in body["categories"]}
    assert categories["personal_care"]["spent"] == 12_000
    assert categories["not_in_plan"]["spent"] == 2_500
    assert "Spread evenly" in categories["personal_care"]["explanation"]
    assert [flag["code"] for flag in body["flags"]] == ["excluded_category"]
    assert len(body["transactions"]) == 3
    assert AuditEvent.objects.filter(action="budget.viewed", actor=holder).exists()


def test_the_api_refuses_a_bad_month_and_hides_other_budgets(client, holder, analyst, world, icb):
    auth = bearer(holder)
    bad = client.get(f"/api/v1/budgets/{world.budget.pk}/statement?month=2026-13", **auth)
    assert bad.status_code == 422
    assert "like 2026-03" in bad.json()["detail"][0]["msg"]
    outside = client.get(f"/api/v1/budgets/{world.budget.pk}/statement?month=2001-01", **auth)
    assert outside.status_code == 422
    someone = funded_budget(commissioner=icb)
    assert client.get(f"/api/v1/budgets/{someone.budget.pk}/statement", **auth).status_code == 404
    refused = client.get(f"/api/v1/budgets/{world.budget.pk}/statement", **bearer(analyst))
    assert refused.status_code == 403


def test_an_ended_budget_opens_on_its_last_month(client, holder, person, icb):
    stream = factories.funding_stream(
        code="old-dp", name="An earlier stream", starts_on=datetime.date(2020, 4, 1)
    )
    factories.allocation(stream=stream, commissioner=icb, amount=1_000_000)
    old = factories.budget(
        patient=person,
        commissioner=icb,
        stream=stream,
        starts_on=datetime.date(2023, 4, 1),
        ends_on=datetime.date(2024, 3, 31),
    )
    client.force_login(holder)
    assert "Statement for March 2024" in text_of(client.get(page(old)))
    body = client.get(f"/api/v1/budgets/{old.pk}/statement", **bearer(holder)).json()
    assert body["month"] == "2024-03"
