"""Money and budget pages over HTTP: who may see and do what, bad input kept and explained, and
a payment through the form showing in the figures."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.budgets.selectors import budget_figures
from openphb.funding.models import Allocation, OverdraftPolicy
from openphb.ledger.models import Account, Transaction

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def year_end(day: datetime.date) -> datetime.date:
    """The 31 March that ends the financial year `day` is in."""
    return datetime.date(day.year + (day.month > 3), 3, 31)


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


@pytest.fixture
def finance(icb):
    return factories.user(username="finance", role="finance_officer", organisations=(icb,))


@pytest.fixture
def stream(icb):
    chc = factories.funding_stream(
        code="chc", name="NHS continuing healthcare", envelope=50_000_000
    )
    factories.allocation(stream=chc, commissioner=icb, amount=10_000_000)
    return chc


@pytest.fixture
def budget(patient, icb, stream):
    start = today() - datetime.timedelta(days=30)
    return factories.budget(
        patient=patient,
        commissioner=icb,
        stream=stream,
        starts_on=start,
        ends_on=year_end(start),
        lines=(
            ("Personal assistant, 10 hours a week", "personal_care", 1_200_000),
            ("Hydrotherapy, 20 sessions", "therapies", 90_000),
        ),
    )


@pytest.fixture
def elsewhere_budget(elsewhere_patient, other_icb, stream):
    factories.allocation(stream=stream, commissioner=other_icb, amount=1_000_000)
    start = today() - datetime.timedelta(days=30)
    return factories.budget(
        patient=elsewhere_patient,
        commissioner=other_icb,
        stream=stream,
        starts_on=start,
        ends_on=year_end(start),
    )


@pytest.fixture
def holder(patient):
    person = factories.user(username="holder", role="budget_holder", first_name="Margaret")
    patient.account = person
    patient.save(update_fields=["account"])
    return person


def test_the_money_page_shows_each_streams_position_to_finance_and_analysts(
    client, finance, analyst, budget
):
    for user in (finance, analyst):
        client.force_login(user)
        body = client.get(reverse("web:money")).content.decode()
        assert "NHS North East London ICB" in body
        assert "NHS continuing healthcare" in body
        assert "£100,000.00" in body  # allocated
        assert "£12,900.00" in body  # put into budgets
        assert "£87,100.00" in body  # still free


def test_only_those_who_keep_the_books_get_a_link_to_the_statement(
    client, finance, analyst, budget
):
    account = Account.objects.get(owner_kind="organisation", purpose="allocation")
    link = reverse("web:account-statement", args=[account.pk])
    client.force_login(finance)
    assert link in client.get(reverse("web:money")).content.decode()
    client.force_login(analyst)
    assert link not in client.get(reverse("web:money")).content.decode()
    assert client.get(link).status_code == 404


def test_money_pages_are_refused_to_coordinators_and_holders(client, coordinator, holder, stream):
    for user in (coordinator, holder):
        client.force_login(user)
        assert client.get(reverse("web:money")).status_code == 403
        assert client.get(reverse("web:stream-detail", args=[stream.pk])).status_code == 403


def test_analysts_cannot_record_an_allocation(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("web:allocation-add")).status_code == 403
    assert client.get(reverse("web:overdraft-add")).status_code == 403


def test_a_finance_officer_records_an_allocation(client, finance, icb, stream):
    client.force_login(finance)
    response = client.post(
        reverse("web:allocation-add"),
        {
            "stream": stream.pk,
            "commissioner": icb.ods_code,
            "amount": "£2,500.50",
            "note": "Quarter 3 top-up",
            **date_fields("effective_on", today()),
        },
    )
    assert response["Location"] == reverse("web:stream-detail", args=[stream.pk]) + "?recorded=1"
    allocation = Allocation.objects.get(note="Quarter 3 top-up")
    assert allocation.amount == 250_050
    page = client.get(response["Location"]).content.decode()
    assert "The allocation has been recorded." in page
    assert "£2,500.50" in page


def test_an_allocation_beyond_the_envelope_is_refused_and_nothing_is_lost(
    client, finance, icb, stream
):
    client.force_login(finance)
    response = client.post(
        reverse("web:allocation-add"),
        {
            "stream": stream.pk,
            "commissioner": icb.ods_code,
            "amount": "400001",
            "note": "Too much",
            **date_fields("effective_on", today()),
        },
    )
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Not enough in NHS continuing healthcare: left to allocate" in body
    assert 'value="400001"' in body
    assert 'value="Too much"' in body
    assert Allocation.objects.count() == 1


def test_an_allocation_is_withdrawn_with_a_reason_unless_it_is_in_budgets(
    client, finance, icb, stream, budget
):
    client.force_login(finance)
    spare = factories.allocation(stream=stream, commissioner=icb, amount=300_000)
    page = client.get(reverse("web:stream-detail", args=[stream.pk])).content.decode()
    assert reverse("web:allocation-withdraw", args=[spare.pk]) in page
    url = reverse("web:allocation-withdraw", args=[spare.pk])
    refused = client.post(url, date_fields("effective_on", today()))
    assert refused.status_code == 400
    assert "Say why the allocation is being withdrawn." in refused.content.decode()
    done = client.post(url, {"reason": "Sent twice", **date_fields("effective_on", today())})
    assert done["Location"] == reverse("web:stream-detail", args=[stream.pk])
    spare.refresh_from_db()
    assert spare.withdrawal is not None
    first = Allocation.objects.exclude(pk=spare.pk).get()  # £100,000, £12,900 of it in a budget
    kept = client.post(
        reverse("web:allocation-withdraw", args=[first.pk]),
        {"reason": "Mistake", **date_fields("effective_on", today())},
    )
    assert kept.status_code == 400
    assert "Not enough in" in kept.content.decode()
    first.refresh_from_db()
    assert first.withdrawal is None


def test_an_analyst_cannot_withdraw_an_allocation(client, analyst, icb, stream):
    client.force_login(analyst)
    allocation = Allocation.objects.get()
    response = client.get(reverse("web:allocation-withdraw", args=[allocation.pk]))
    assert response.status_code == 403


def test_an_allocation_amount_must_be_pounds_and_pence(client, finance, icb, stream):
    client.force_login(finance)
    for typed, message in (
        ("12.345", "The amount must be to the nearest penny, like 125.50."),
        ("ten pounds", "The amount must be in pounds and pence, like 125.50."),
        ("-5", "The amount must be more than £0."),
        ("", "Enter the amount."),
    ):
        response = client.post(
            reverse("web:allocation-add"),
            {"stream": stream.pk, "commissioner": icb.ods_code, "amount": typed}
            | date_fields("effective_on", today()),
        )
        assert message in response.content.decode(), typed
    assert Allocation.objects.count() == 1


def test_an_ended_stream_gives_no_more_money(client, finance, icb):
    rollout = factories.funding_stream(
        code="rollout",
        name="Roll-out support",
        kind="rollout",
        starts_on=datetime.date(2011, 4, 1),
        ends_on=datetime.date(2013, 3, 31),
    )
    client.force_login(finance)
    response = client.post(
        reverse("web:allocation-add"),
        {"stream": rollout.pk, "commissioner": icb.ods_code, "amount": "100"}
        | date_fields("effective_on", today()),
    )
    assert "Roll-out support ended on 31 March 2013" in response.content.decode()


def test_an_overdraft_policy_is_set_up_shown_and_ended(client, finance, icb, stream):
    client.force_login(finance)
    response = client.post(
        reverse("web:overdraft-add"),
        {
            "commissioner": icb.ods_code,
            "stream": stream.pk,
            "name": "Winter pressures",
            "limit": "5000",
            "reason": "Board decision, 14 October",
            **date_fields("starts_on", today()),
        },
    )
    assert response["Location"] == reverse("web:money")
    policy = OverdraftPolicy.objects.get()
    assert policy.limit == 500_000
    assert "Overdraft allowed down to -£5,000.00: Winter pressures" in (
        client.get(reverse("web:money")).content.decode()
    )
    again = client.post(
        reverse("web:overdraft-add"),
        {
            "commissioner": icb.ods_code,
            "stream": stream.pk,
            "name": "Another",
            "limit": "1",
            "reason": "Twice",
            **date_fields("starts_on", today()),
        },
    )
    assert "already has an overdraft policy for NHS continuing healthcare" in (
        again.content.decode()
    )
    client.post(reverse("web:overdraft-end", args=[policy.pk]), date_fields("ended_on", today()))
    policy.refresh_from_db()
    assert policy.ended_on == today()


def test_the_statement_has_a_running_balance_date_filters_and_a_csv(client, finance, budget):
    account = Account.objects.get(owner_kind="organisation", purpose="allocation")
    client.force_login(finance)
    url = reverse("web:account-statement", args=[account.pk])
    body = client.get(url).content.decode()
    assert "£100,000.00" in body
    assert "£87,100.00" in body  # after the budget was funded
    later = client.get(url, date_fields("start", today())).content.decode()
    assert f"Balance before {today().day} {today():%B %Y}: <strong>£87,100.00</strong>" in later
    bad = client.get(url, {"start-day": "31", "start-month": "2", "start-year": "2026"})
    assert bad.status_code == 400
    assert "From must be a real date." in bad.content.decode()
    csv = client.get(reverse("web:account-statement-csv", args=[account.pk])).content.decode()
    header, opening, *lines = csv.strip().splitlines()
    assert header.startswith("effective_on,transaction_id,kind,description")
    assert opening.endswith(",0.00,")
    assert lines[-1].split(",")[-2] == "87100.00"


def test_another_organisations_account_and_budget_are_not_found(
    client, finance, elsewhere_budget, other_icb
):
    theirs = Account.objects.get(owner_kind="organisation", owner_id=other_icb.pk)
    client.force_login(finance)
    assert client.get(reverse("web:account-statement", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:budget-detail", args=[elsewhere_budget.pk])).status_code == 404
    line = elsewhere_budget.lines.get()
    url = reverse("web:line-pay", args=[elsewhere_budget.pk, line.pk])
    assert client.get(url).status_code == 404


def test_the_patient_record_lists_budgets_and_the_budget_page_shows_the_five_figures(
    client, coordinator, budget
):
    client.force_login(coordinator)
    record = client.get(reverse("web:patient-detail", args=[budget.patient_id])).content.decode()
    assert reverse("web:budget-detail", args=[budget.pk]) in record
    body = client.get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    assert "£12,900.00" in body
    assert "Hydrotherapy, 20 sessions" in body
    assert "Health therapies" in body
    assert "Budget approved" in body
    assert "Record a payment" not in body  # coordinators see budgets; finance pays
    opened = AuditEvent.objects.filter(action="budget.viewed", patient_id=budget.patient_id)
    assert list(opened.values_list("object_id", "actor_label")) == [(str(budget.pk), "coordinator")]


def test_coordinators_cannot_record_payments(client, coordinator, budget):
    client.force_login(coordinator)
    line = budget.lines.get(category="therapies")
    assert client.get(reverse("web:line-pay", args=[budget.pk, line.pk])).status_code == 403


def test_a_payment_through_the_form_shows_in_the_figures(client, finance, budget):
    line = budget.lines.get(category="therapies")
    client.force_login(finance)
    url = reverse("web:line-pay", args=[budget.pk, line.pk])
    response = client.post(
        url, {"amount": "125.50", "description": "Sessions 1 to 3", **date_fields("on", today())}
    )
    assert response["Location"] == reverse("web:budget-detail", args=[budget.pk])
    assert budget_figures(budget=budget).by_line[line.pk].paid == 12_550
    body = client.get(response["Location"]).content.decode()
    assert "Sessions 1 to 3" in body
    assert "£125.50" in body


def test_a_payment_beyond_the_line_is_refused_with_what_was_typed(client, finance, budget):
    line = budget.lines.get(category="therapies")
    client.force_login(finance)
    response = client.post(
        reverse("web:line-pay", args=[budget.pk, line.pk]),
        {"amount": "900.01", "description": "Too much", **date_fields("on", today())},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Hydrotherapy, 20 sessions has £900.00 available" in body
    assert 'value="900.01"' in body
    assert budget_figures(budget=budget).total.paid == 0


def test_money_is_set_aside_then_a_line_revised_with_a_reason(client, finance, budget):
    line = budget.lines.get(category="personal_care")
    client.force_login(finance)
    client.post(
        reverse("web:line-commit", args=[budget.pk, line.pk]),
        {"amount": "1000", "description": "December", **date_fields("on", today())},
    )
    assert budget_figures(budget=budget).by_line[line.pk].committed == 100_000
    url = reverse("web:line-revise", args=[budget.pk, line.pk])
    no_reason = client.post(url, {"amount": "11000", **date_fields("effective_on", today())})
    assert "Say why the budget is being revised." in no_reason.content.decode()
    too_low = client.post(
        url, {"amount": "500", "reason": "Fewer hours", **date_fields("effective_on", today())}
    )
    assert "£1,000.00 is already set aside or paid" in too_low.content.decode()
    client.post(
        url, {"amount": "11000", "reason": "Fewer hours", **date_fields("effective_on", today())}
    )
    assert budget_figures(budget=budget).by_line[line.pk].approved == 1_100_000


def test_a_payment_is_reversed_with_a_reason(client, finance, budget):
    line = budget.lines.get(category="therapies")
    client.force_login(finance)
    client.post(
        reverse("web:line-pay", args=[budget.pk, line.pk]),
        {"amount": "300", "description": "Paid twice", **date_fields("on", today())},
    )
    paid = Transaction.objects.get(kind="payment")
    url = reverse("web:transaction-reverse", args=[budget.pk, paid.pk])
    missing = client.post(url, date_fields("on", today()))
    assert "Say why it is being reversed." in missing.content.decode()
    client.post(url, {"reason": "Duplicate invoice", **date_fields("on", today())})
    assert budget_figures(budget=budget).total.paid == 0
    body = client.get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    assert "Reversed: Paid twice (Duplicate invoice)" in body


def test_the_holder_reads_how_much_is_left_in_plain_english(client, holder, budget):
    client.force_login(holder)
    home = client.get(reverse("web:home")).content.decode()
    assert reverse("web:my-budget") in home
    response = client.get(reverse("web:my-budget"))
    assert response["Location"] == reverse("web:budget-detail", args=[budget.pk])
    body = client.get(response["Location"]).content.decode()
    ends = budget.ends_on
    assert (
        f"You have <strong>£12,900.00</strong> left to spend until {ends.day} {ends:%B %Y}" in body
    )
    assert "<svg" in body
    assert 'id="budget-table"' in body
    assert "Record a payment" not in body


def test_the_holders_history_table_scrolls_by_itself_on_a_narrow_screen(client, holder, budget):
    client.force_login(holder)
    body = client.get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    # Four columns of long words pushed the whole page wider than a phone.
    assert re.search(
        r'<div class="openphb-scroll" role="region" aria-label="What has happened to the money"'
        r' tabindex="0">\s*<table class="nhsuk-table" id="history-table">',
        body,
    )


def test_a_holder_sees_only_their_own_budget(client, holder, budget, elsewhere_budget):
    client.force_login(holder)
    assert client.get(reverse("web:budget-detail", args=[elsewhere_budget.pk])).status_code == 404
    assert client.get(reverse("web:money")).status_code == 403
