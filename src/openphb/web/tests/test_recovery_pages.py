"""Recovery pages over HTTP: the worklist, issuing a notice from a budget or a flag (with the
ground, amount and payer suggested), a notice's page with recording, withdrawing and
reconsideration, the letters as PDF, and the budget holder's plain-English view with "ask us to
reconsider". Only staff who recover money or decide, only their commissioners' notices; the
holder only their own."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.services import budget_pay
from openphb.monitoring.models import Flag
from openphb.recovery.models import Notice, Reconsideration, Recovery, Status
from openphb.recovery.services import notice_issue, reconsideration_request

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=28)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def inputs(response) -> dict[str, str]:
    """What each field of the page's form holds: a text box's value, the checked radio's."""
    found: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", response.content.decode()):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or (' type="radio"' in tag and "checked" not in tag):
            continue
        found[name[1]] = html.unescape(value[1]) if value else ""
    found.update(
        (name, html.unescape(text.strip()))
        for name, text in re.findall(
            r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
        )
    )
    return found


def shown(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


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
def budget(direct_payment, sam):
    budget = direct_payment(sam).budget
    budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(),
        amount=300_000,
        on=budget.starts_on,
        description="Paid into the account",
    )
    return budget


@pytest.fixture
def notice(coordinator, budget):
    return notice_issue(
        actor=Actor(user=coordinator),
        budget=budget,
        ground="unused",
        reasons="£3,000 has built up over three months.",
        amount=100_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        on=TODAY,
    )


@pytest.fixture
def letter_html(monkeypatch):
    import weasyprint

    printed: list[str] = []
    real = weasyprint.HTML

    def capture(*, string: str):
        printed.append(string)
        return real(string=string)

    monkeypatch.setattr(weasyprint, "HTML", capture)
    return printed


def test_only_staff_who_recover_or_decide_and_the_holder_open_the_pages(
    client, analyst, finance, commissioner, notice
):
    client.force_login(analyst)
    assert client.get(reverse("web:recovery-notices")).status_code == 403
    assert client.get(reverse("web:recovery-notice", args=[notice.pk])).status_code == 403
    client.force_login(commissioner)
    assert client.get(reverse("web:recovery-notices")).status_code == 200
    assert (
        client.get(reverse("web:recovery-notice-new") + f"?budget={notice.budget_id}").status_code
        == 403
    )
    assert client.get(reverse("web:recovery-add", args=[notice.pk])).status_code == 403
    client.force_login(finance)
    assert client.get(reverse("web:recovery-notice", args=[notice.pk])).status_code == 200


def test_another_commissioners_notice_is_not_found(client, other_icb, notice):
    stranger = factories.user(role="care_coordinator", organisations=(other_icb,))
    client.force_login(stranger)
    assert client.get(reverse("web:recovery-notice", args=[notice.pk])).status_code == 404
    assert client.get(reverse("web:recovery-letter", args=[notice.pk])).status_code == 404
    assert (
        client.get(reverse("web:recovery-notice-new") + f"?budget={notice.budget_id}").status_code
        == 404
    )
    assert f"PHB-R{notice.pk:06d}" not in text_of(client.get(reverse("web:recovery-notices")))


def test_a_coordinator_issues_a_notice_from_a_flag_with_what_it_suggests(
    client, coordinator, budget
):
    flag = Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="£3,000 is in the account: more than three months of payments.",
        period=f"{TODAY:%Y-%m}",
        amount=250_000,
        found_on=TODAY,
    )
    client.force_login(coordinator)
    url = reverse("web:recovery-notice-new") + f"?flag={flag.pk}"
    page = client.get(url)
    form = inputs(page)
    assert form["ground"] == "unused"
    assert form["amount"] == "2500.00"
    assert form["payer_kind"] == "person"
    assert form["payer_name"] == "Sam Adeyemi"
    assert form["reasons"] == flag.explanation
    assert (form["deadline-day"], form["deadline-month"]) == (
        str(DEADLINE.day),
        str(DEADLINE.month),
    )
    assert "£3,000.00 is held unspent in the direct-payment account" in text_of(page)

    data = {
        "ground": "unused",
        "reasons": "Money has built up unused.",
        "amount": "3,000.01",
        "method": "repayment",
        "payer_kind": "person",
        "payer_name": "Sam Adeyemi",
        **date_fields("deadline", DEADLINE),
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "so £3,000.01 is more than can be recovered" in text_of(refused)
    assert Notice.objects.count() == 0

    done = client.post(url, {**data, "amount": "2,500"})
    notice = Notice.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("web:recovery-notice", args=[notice.pk])
    assert (notice.amount, notice.flag, notice.issued_by) == (250_000, flag, coordinator)
    page = client.get(done["Location"])
    assert f"Repayment notice PHB-R{notice.pk:06d} has been issued" in text_of(page)
    assert "Issued, by" in text_of(page)


def test_a_second_notice_about_a_flag_suggests_no_more_than_is_left_and_names_the_first(
    client, coordinator, budget
):
    flag = Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="£3,000 is in the account: more than three months of payments.",
        period=f"{TODAY:%Y-%m}",
        amount=250_000,
        found_on=TODAY,
    )
    first = notice_issue(
        actor=Actor(user=coordinator),
        budget=budget,
        flag=flag,
        ground="unused",
        reasons="Money has built up unused.",
        amount=250_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        on=TODAY,
    )
    client.force_login(coordinator)
    page = client.get(reverse("web:recovery-notice-new") + f"?flag={flag.pk}")
    assert inputs(page)["amount"] == "500.00"  # £3,000 held, £2,500 asked for already
    text = text_of(page)
    assert f"Notices already issued about this flag: PHB-R{first.pk:06d} for £2,500.00" in text
    assert f'href="{reverse("web:flag-detail", args=[flag.pk])}"' in page.content.decode()
    assert "Back to the flag" in text


def test_a_notice_page_names_who_issued_it_and_links_to_its_flag(client, coordinator, budget):
    flag = Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="£3,000 is in the account: more than three months of payments.",
        period=f"{TODAY:%Y-%m}",
        amount=100_000,
        found_on=TODAY,
    )
    notice = notice_issue(
        actor=Actor(user=coordinator),
        budget=budget,
        flag=flag,
        ground="unused",
        reasons="£3,000 has built up over three months.",
        amount=100_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        on=TODAY,
    )
    client.force_login(coordinator)
    page = client.get(reverse("web:recovery-notice", args=[notice.pk]))
    text = text_of(page)
    assert f"Issued {shown(TODAY)} by {coordinator.display_name}" in text
    assert f"by {coordinator.username} " not in text
    assert f'href="{reverse("web:flag-detail", args=[flag.pk])}"' in page.content.decode()
    assert "Unused money building up : £3,000 is in the account" in text  # a link, then text


def test_a_budget_page_lists_its_notices_and_links_to_issue_one(client, coordinator, notice):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:budget-detail", args=[notice.budget_id])))
    assert "Repayment notices" in page
    assert f"PHB-R{notice.pk:06d}" in page
    assert "Issue a repayment notice" in page


def test_the_worklist_shows_waiting_reconsiderations_with_who_may_decide_and_late_notices(
    client, coordinator, commissioner, holder, budget, notice
):
    late = notice_issue(
        actor=Actor(user=coordinator),
        budget=budget,
        ground="unused",
        reasons="More built up.",
        amount=1_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="person",
        payer_name="Sam Adeyemi",
        on=TODAY,
    )
    Notice.objects.filter(pk=late.pk).update(deadline=TODAY - datetime.timedelta(days=1))
    reconsideration_request(actor=Actor(user=holder), notice=notice, grounds="I am saving up.")
    client.force_login(coordinator)
    page = client.get(reverse("web:recovery-notices"))
    waiting = re.search(r'id="waiting-table".*?</table>', page.content.decode(), re.S)[0]
    late_table = re.search(r'id="late-table".*?</table>', page.content.decode(), re.S)[0]
    assert f"PHB-R{notice.pk:06d}" in waiting
    assert f"PHB-R{late.pk:06d}" not in waiting
    assert f"PHB-R{late.pk:06d}" in late_table
    assert f"PHB-R{notice.pk:06d}" not in late_table
    words = text_of(page)
    assert "I am saving up." in words
    assert commissioner.display_name in words


def test_recording_a_repayment_and_withdrawing(client, finance, notice):
    client.force_login(finance)
    url = reverse("web:recovery-add", args=[notice.pk])
    assert inputs(client.get(url))["amount"] == "1000.00"
    too_much = client.post(
        url, {"method": "repayment", "amount": "1000.01", **date_fields("on", TODAY)}
    )
    assert "Only £1,000.00 is outstanding; £1,000.01 is more than that." in text_of(too_much)
    client.post(url, {"method": "repayment", "amount": "400", **date_fields("on", TODAY)})
    assert Recovery.objects.get().amount == 40_000
    withdraw = reverse("web:recovery-withdraw", args=[notice.pk])
    assert "Say why the notice is withdrawn." in text_of(client.post(withdraw, {"reason": ""}))
    client.post(withdraw, {"reason": "Issued against the wrong budget."})
    notice.refresh_from_db()
    assert notice.status == Status.WITHDRAWN


def test_the_holder_sees_their_notice_in_plain_english_and_asks_to_reconsider(
    client, holder, notice
):
    client.force_login(holder)
    home = client.get(reverse("web:home"))
    assert "Money to pay back" in text_of(home)
    page = client.get(reverse("web:recovery-notice", args=[notice.pk]))
    words = text_of(page)
    assert f"Please pay back £1,000.00 by {shown(DEADLINE)}" in words
    assert (
        "Money paid to you has built up in the account without being used for your care plan."
        in words
    )
    assert "Ask us to reconsider" in words
    assert AuditEvent.objects.filter(action="notice.viewed", actor_id=holder.pk).exists()
    url = reverse("web:recovery-reconsider", args=[notice.pk])
    assert "Say why the notice should be looked at again." in text_of(
        client.post(url, {"grounds": ""})
    )
    client.post(url, {"grounds": "The money is for a hoist the plan agreed."})
    notice.refresh_from_db()
    assert notice.status == Status.RECONSIDERING
    page = text_of(client.get(reverse("web:recovery-notice", args=[notice.pk])))
    assert "We are looking at this notice again" in page
    other = factories.user(role="budget_holder")
    client.force_login(other)
    assert client.get(reverse("web:recovery-notice", args=[notice.pk])).status_code == 404


def test_a_commissioner_decides_and_the_decision_letter_is_made(
    client, holder, commissioner, notice, letter_html
):
    asked = reconsideration_request(actor=Actor(user=holder), notice=notice, grounds="Too much.")
    client.force_login(commissioner)
    url = reverse("web:recovery-decide", args=[asked.pk])
    refused = client.post(url, {"verdict": "reduced", "reasons": "Some was needed."})
    assert "Give the new amount." in text_of(refused)
    client.post(url, {"verdict": "reduced", "reasons": "Some was needed.", "new_amount": "600"})
    asked.refresh_from_db()
    notice.refresh_from_db()
    assert (asked.verdict, notice.amount, notice.status) == ("reduced", 60_000, "issued")
    response = client.get(reverse("web:recovery-decision-letter", args=[asked.pk]))
    assert response["Content-Type"] == "application/pdf"
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "We have reduced the amount to £600.00" in letter
    assert "Some was needed." in letter
    assert AuditEvent.objects.filter(action="notice.letter_made").exists()


def test_the_notice_letter_states_reasons_amount_deadline_how_to_pay_and_how_to_disagree(
    client, finance, originator, notice, letter_html
):
    client.force_login(finance)
    response = client.get(reverse("web:recovery-letter", args=[notice.pk]))
    assert response.content.startswith(b"%PDF")
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "Dear Sam Adeyemi," in letter
    assert f"Please pay back £1,000.00 by {shown(DEADLINE)}" in letter
    assert "£3,000 has built up over three months." in letter
    assert "NHS NEL ICB" in letter
    assert "10293847" in letter
    assert f"PHB-R{notice.pk:06d}" in letter
    assert f"Please ask by <strong>{shown(DEADLINE)}</strong>" in letter
    event = AuditEvent.objects.get(action="notice.letter_made")
    assert event.summary == "Made the repayment notice letter, addressed to Sam Adeyemi"


def test_a_letter_after_a_death_goes_to_the_executor(client, coordinator, budget, sam, letter_html):
    sam.date_of_death = TODAY
    sam.save(update_fields=["date_of_death"])
    client.force_login(coordinator)
    form = inputs(client.get(reverse("web:recovery-notice-new") + f"?budget={budget.pk}"))
    assert (form["ground"], form["payer_kind"]) == ("death", "estate")
    notice = notice_issue(
        actor=Actor(user=coordinator),
        budget=budget,
        ground="death",
        reasons="Sam died; £3,000 was left in the account.",
        amount=300_000,
        deadline=DEADLINE,
        method="repayment",
        payer_kind="estate",
        payer_name="The estate of Sam Adeyemi",
        on=TODAY,
    )
    client.get(reverse("web:recovery-letter", args=[notice.pk]))
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "The executor of the estate of Sam Adeyemi" in letter
    assert "Dear Sir or Madam," in letter
    assert "We were very sorry to learn of the death of Sam Adeyemi." in letter
    assert "Sign in to OpenPHB" not in letter


def test_an_open_reconsideration_has_no_decision_letter(client, holder, commissioner, notice):
    asked = reconsideration_request(actor=Actor(user=holder), notice=notice, grounds="Why?")
    client.force_login(commissioner)
    assert client.get(reverse("web:recovery-decision-letter", args=[asked.pk])).status_code == 404
    assert Reconsideration.objects.get().verdict == "open"


def test_staff_find_the_notices_from_home_and_those_who_recover_from_the_menu(
    client, coordinator, commissioner
):
    client.force_login(coordinator)
    home = client.get(reverse("web:home")).content.decode()
    assert 'href="/recovery/"' in home
    assert re.search(r'<a[^>]*href="/recovery/"[^>]*>\s*Recovery', home)
    client.force_login(commissioner)
    home = client.get(reverse("web:home")).content.decode()
    assert "Repayment notices" in home
    assert not re.search(r'<a[^>]*href="/recovery/"[^>]*>\s*Recovery', home)


def test_the_worklist_tells_only_those_who_issue_notices_how_to_issue_one(
    client, coordinator, commissioner, notice
):
    client.force_login(coordinator)
    assert "Issue one from a budget's page" in text_of(client.get(reverse("web:recovery-notices")))
    client.force_login(commissioner)
    text = text_of(client.get(reverse("web:recovery-notices")))
    assert "Issue one from a budget's page" not in text
    assert "you decide when someone asks for one to be reconsidered" in text
