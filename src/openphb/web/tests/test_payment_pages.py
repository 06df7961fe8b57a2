"""Direct-payment and payment-run pages over HTTP: only finance officers, only their own
commissioners' records; bad input kept and explained; bank details entered by one officer and
verified by another; suspending, stopping and the notice letter; a run created by one officer,
approved by another, its Bacs file and remittance; a returned payment; and what the budget
holder sees."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.payments import runs, services
from openphb.payments.models import (
    BankDetails,
    DirectPaymentSetup,
    Hold,
    Originator,
    Payment,
    PaymentRun,
)
from openphb.registry.models import Representative

pytestmark = pytest.mark.django_db

PAYMENT_DAY = factories.payment_day()  # the day the fixtures' budgets start and runs pay


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def shown(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def text_of(response) -> str:
    """The page's words, without tags, on one line."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def sam(icb):
    return factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")


@pytest.fixture
def paid(direct_payment, sam):
    """Sam's direct payment, with verified bank details."""
    return direct_payment(sam)


@pytest.fixture
def elsewhere_setup(other_icb, elsewhere_patient):
    stream = factories.funding_stream(code="chc-elsewhere")
    factories.allocation(stream=stream, commissioner=other_icb, amount=10_000_000)
    budget = factories.budget(
        patient=elsewhere_patient,
        commissioner=other_icb,
        stream=stream,
        starts_on=PAYMENT_DAY,
        ends_on=PAYMENT_DAY + datetime.timedelta(days=364),
    )
    return services.setup_save(
        actor=Actor.system_job("test"),
        budget=budget,
        payee_kind="person",
        payee_name="Someone Else",
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=PAYMENT_DAY,
    )


@pytest.fixture
def run(icb, originator, paid, finance):
    return runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=PAYMENT_DAY)


# --- Who may see what -------------------------------------------------------------------------


def test_only_finance_officers_open_the_payment_pages(client, coordinator, paid, run):
    client.force_login(coordinator)
    budget = paid.budget
    for url in (
        reverse("web:direct-payment", args=[budget.pk]),
        reverse("web:direct-payment-setup", args=[budget.pk]),
        reverse("web:direct-payment-bank-details", args=[budget.pk]),
        reverse("web:direct-payment-hold", args=[budget.pk]),
        reverse("web:payment-runs"),
        reverse("web:payment-run-create"),
        reverse("web:payment-run", args=[run.pk]),
        reverse("web:bank-changes"),
        reverse("web:payment-originator", args=["QMF"]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("web:payment-run-approve", args=[run.pk])).status_code == 403


def test_another_organisations_records_are_not_found(
    client, finance, elsewhere_setup, other_icb, icb
):
    client.force_login(finance)
    budget = elsewhere_setup.budget
    assert client.get(reverse("web:direct-payment", args=[budget.pk])).status_code == 404
    assert client.get(reverse("web:direct-payment-setup", args=[budget.pk])).status_code == 404
    other = factories.user(username="elsewhere", role="finance_officer", organisations=(other_icb,))
    services.originator_set(
        actor=Actor(user=other),
        commissioner=other_icb,
        sort_code="11-22-33",
        account_number="44556677",
        account_name="NHS NOTTS ICB",
        service_user_number="654321",
    )
    theirs = runs.run_create(
        actor=Actor(user=other), commissioner=other_icb, payment_date=PAYMENT_DAY
    )
    assert client.get(reverse("web:payment-run", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:payment-run-bacs", args=[theirs.pk])).status_code == 404
    assert (
        client.get(reverse("web:payment-originator", args=[other_icb.ods_code])).status_code == 404
    )
    details = services.bank_details_enter(
        actor=Actor(user=other),
        setup=elsewhere_setup,
        sort_code="20-00-00",
        account_number="12345678",
        account_name="S ELSE",
    )
    assert client.get(reverse("web:bank-change", args=[details.pk])).status_code == 404
    assert "S ELSE" not in client.get(reverse("web:bank-changes")).content.decode()


def test_finance_officers_find_payments_in_the_menu_and_on_the_home_page(client, finance):
    client.force_login(finance)
    page = client.get("/").content.decode()
    assert f'href="{reverse("web:payment-runs")}"' in page
    assert "Payments" in page


# --- Setting up a direct payment --------------------------------------------------------------


def test_a_finance_officer_sets_up_a_direct_payment_and_mistakes_are_kept(
    client, finance, direct_payment, sam, icb
):
    setup = direct_payment(sam, bank=None)
    budget = setup.budget
    DirectPaymentSetup.objects.filter(pk=setup.pk).delete()
    client.force_login(finance)
    page = client.get(reverse("web:direct-payment", args=[budget.pk]))
    assert "No direct payment has been set up for this budget yet" in text_of(page)

    url = reverse("web:direct-payment-setup", args=[budget.pk])
    form = {
        "payee_kind": "nominee",
        "payee_name": "Ada Adeyemi",
        "account_type": "managed",
        "frequency": "four_weekly",
        **date_fields("first_payment_on", budget.ends_on + datetime.timedelta(days=1)),
        **date_fields("agreement_signed_on", PAYMENT_DAY),
        "agreement_version": "",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "The first payment falls within the budget" in page
    assert "Say which version of the agreement was signed." in page
    assert 'value="Ada Adeyemi"' in response.content.decode()

    form.update(date_fields("first_payment_on", PAYMENT_DAY), agreement_version="2026-1")
    response = client.post(url, form, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:direct-payment", args=[budget.pk])
    setup = DirectPaymentSetup.objects.get(budget=budget)
    assert (setup.payee_kind, setup.payee_name, setup.account_type, setup.frequency) == (
        "nominee",
        "Ada Adeyemi",
        "managed",
        "four_weekly",
    )
    page = text_of(response)
    assert "The direct payment has been set up. Enter the bank details next." in page
    assert "No bank details have been verified yet." in page


def test_bank_details_are_checked_and_shown_masked(client, finance, direct_payment, sam):
    setup = direct_payment(sam, bank=None)
    client.force_login(finance)
    url = reverse("web:direct-payment-bank-details", args=[setup.budget_id])
    response = client.post(
        url, {"sort_code": "20-00", "account_number": "12345678", "account_name": "SAM A"}
    )
    assert response.status_code == 400
    assert "sort code" in text_of(response).lower()
    assert 'value="12345678"' in response.content.decode()

    response = client.post(
        url,
        {"sort_code": "20-00-00", "account_number": "12345678", "account_name": "Sam A"},
        follow=True,
    )
    page = text_of(response)
    assert "Another finance officer must verify them" in page
    assert "20-**-** ****5678" in page
    assert "12345678" not in page
    assert "Payments are held" in page
    assert "See who must verify them" in page
    assert BankDetails.objects.get(setup=setup).status == "pending"


# --- Verifying bank details -------------------------------------------------------------------


@pytest.fixture
def change(direct_payment, sam, finance):
    setup = direct_payment(sam, bank="verified")
    return services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="30-90-12",
        account_number="87654321",
        account_name="S ADEYEMI NEW",
    )


def test_whoever_entered_bank_details_is_told_who_must_verify_them(client, finance, change):
    client.force_login(finance)
    worklist = text_of(client.get(reverse("web:bank-changes")))
    assert "30-**-** ****4321" in worklist
    assert "You entered them, so someone else must verify them: Tom." in worklist
    assert "Verify or reject" not in worklist

    url = reverse("web:bank-change", args=[change.pk])
    page = client.get(url)
    assert "Someone else must verify these" in text_of(page)
    assert "Ask Tom." in text_of(page)
    assert "87654321" not in page.content.decode()
    assert 'name="decision"' not in page.content.decode()
    client.post(url, {"decision": "verify"})
    change.refresh_from_db()
    assert change.status == "pending"


def test_a_second_officer_verifies_or_rejects_with_a_note(client, finance2, change):
    client.force_login(finance2)
    worklist = client.get(reverse("web:bank-changes")).content.decode()
    assert reverse("web:bank-change", args=[change.pk]) in worklist

    url = reverse("web:bank-change", args=[change.pk])
    page = client.get(url)
    assert "87654321" in page.content.decode()  # read back to the payee to check
    assert "30-90-12" in page.content.decode()

    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 400
    assert "Say why the bank details are rejected." in text_of(response)
    assert 'value="reject" checked' in response.content.decode()

    response = client.post(url, {"decision": "verify", "note": "Called back"}, follow=True)
    assert "have been verified: payments go to them from now on." in text_of(response)
    change.refresh_from_db()
    assert (change.status, change.decided_by_id, change.note) == (
        "verified",
        finance2.pk,
        "Called back",
    )
    assert client.get(url).status_code == 404  # nothing left to decide


# --- Suspending, stopping and the notice --------------------------------------------------------


def test_consent_withdrawn_must_be_a_stop_and_a_suspension_is_lifted(client, finance, paid):
    client.force_login(finance)
    budget = paid.budget
    url = reverse("web:direct-payment-hold", args=[budget.pk])
    form = {
        "kind": "suspend",
        "reason": "consent_withdrawn",
        **date_fields("starts_on", PAYMENT_DAY),
        "note": "",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    assert "When the person withdraws consent the direct payment must stop." in text_of(response)

    form["reason"] = "hospital"
    response = client.post(url, form, follow=True)
    page = text_of(response)
    assert f"The direct payment is suspended from {shown(PAYMENT_DAY)}." in page
    assert f"Suspended from {shown(PAYMENT_DAY)}" in page
    hold = Hold.objects.get(setup=paid)

    lift = reverse("web:direct-payment-lift", args=[budget.pk, hold.pk])
    response = client.post(lift, date_fields("on", PAYMENT_DAY - datetime.timedelta(days=1)))
    assert response.status_code == 400
    assert "A suspension is lifted on or after the day it started." in text_of(response)
    later = PAYMENT_DAY + datetime.timedelta(days=7)
    response = client.post(lift, date_fields("on", later), follow=True)
    assert f"The suspension ends on {shown(later)}." in text_of(response)
    hold.refresh_from_db()
    assert hold.ends_on == later


def test_a_stop_is_final(client, finance, paid):
    client.force_login(finance)
    budget = paid.budget
    services.hold_start(
        actor=Actor(user=finance), setup=paid, kind="stop", reason="fraud", starts_on=PAYMENT_DAY
    )
    hold = Hold.objects.get(setup=paid)
    page = text_of(client.get(reverse("web:direct-payment", args=[budget.pk])))
    assert f"Stopped from {shown(PAYMENT_DAY)}" in page
    assert "Suspend or stop the direct payment" not in page
    assert "Enter new bank details" not in page
    lift = reverse("web:direct-payment-lift", args=[budget.pk, hold.pk])
    assert client.get(lift).status_code == 404


@pytest.fixture
def letter_html(monkeypatch):
    """The HTML each letter was printed from (WeasyPrint still makes the PDF)."""
    import weasyprint

    printed: list[str] = []
    real = weasyprint.HTML

    def html(*, string: str):
        printed.append(string)
        return real(string=string)

    monkeypatch.setattr(weasyprint, "HTML", html)
    return printed


def test_the_notice_of_a_stop_is_a_pdf_to_the_person_and_its_making_is_recorded(
    client, finance, paid, sam, letter_html
):
    hold = services.hold_start(
        actor=Actor(user=finance),
        setup=paid,
        kind="stop",
        reason="use_outside_plan",
        starts_on=PAYMENT_DAY,
        note="The card paid for a holiday abroad in March.",
    )
    client.force_login(finance)
    response = client.get(reverse("web:direct-payment-notice", args=[paid.budget_id, hold.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "Dear Sam Adeyemi," in letter
    assert "The direct payment to you is stopping" in letter
    assert (
        f"no more direct payments for your personal health budget from {shown(PAYMENT_DAY)}"
    ) in letter
    assert "Money from the direct payment was used for things that are not in your care plan." in (
        letter
    )
    assert "The card paid for a holiday abroad in March." in letter
    assert "You can ask us to look at this decision again (to reconsider it)." in letter
    event = AuditEvent.objects.get(action="direct_payment.notice_made")
    assert event.summary.endswith("addressed to Sam Adeyemi")
    assert event.patient_id == sam.pk


def test_the_notice_of_a_suspension_goes_to_the_representative(
    client, finance, paid, sam, letter_html
):
    Representative.objects.create(
        patient=sam,
        full_name="Ada Adeyemi",
        relationship="daughter",
        authority="lpa",
        starts_on=PAYMENT_DAY - datetime.timedelta(days=100),
    )
    until = PAYMENT_DAY + datetime.timedelta(days=30)
    hold = services.hold_start(
        actor=Actor(user=finance),
        setup=paid,
        kind="suspend",
        reason="hospital",
        starts_on=PAYMENT_DAY,
        ends_on=until,
    )
    client.force_login(finance)
    client.get(reverse("web:direct-payment-notice", args=[paid.budget_id, hold.pk]))
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "Dear Ada Adeyemi," in letter
    assert "You act for Sam Adeyemi." in letter
    assert "The direct payment for Sam is suspended" in letter
    assert f"From {shown(PAYMENT_DAY)} to {shown(until)}" in letter
    assert "Sam is in hospital, where the NHS is meeting their care needs." in letter
    assert f"Payments are due to start again after {shown(until)}." in letter


# --- The commissioner's account and payment runs -----------------------------------------------


def test_a_run_cannot_be_created_until_the_account_to_pay_from_is_set_up(client, finance, icb):
    client.force_login(finance)
    runs_page = text_of(client.get(reverse("web:payment-runs")))
    assert "No account to pay from" in runs_page
    assert "Create a payment run" not in runs_page

    url = reverse("web:payment-originator", args=["QMF"])
    form = {
        "sort_code": "60-70-8",
        "account_number": "10293847",
        "account_name": "NHS NEL ICB",
        "service_user_number": "12345",
    }
    response = client.post(url, form)
    assert response.status_code == 400
    page = text_of(response)
    assert "A Bacs service user number is 6 digits." in page
    assert 'value="NHS NEL ICB"' in response.content.decode()

    form.update(sort_code="60-70-80", service_user_number="123456")
    response = client.post(url, form, follow=True)
    page = text_of(response)
    assert "payments are made from NHS NEL ICB, service user number 123456" in page
    assert "Create a payment run" in page
    assert Originator.objects.get(commissioner=icb).account_number == "10293847"


@pytest.fixture
def skipped(direct_payment, icb, finance):
    """Three more budgets the run skips: bank details waiting to be verified, suspended, and
    no signed agreement."""
    pending = direct_payment(
        factories.patient(commissioner=icb, given_name="Pat", family_name="Pending"), bank="pending"
    )
    held = direct_payment(factories.patient(commissioner=icb, given_name="Hal", family_name="Held"))
    services.hold_start(
        actor=Actor(user=finance),
        setup=held,
        kind="suspend",
        reason="hospital",
        starts_on=PAYMENT_DAY,
    )
    unsigned = direct_payment(
        factories.patient(commissioner=icb, given_name="Una", family_name="Unsigned"),
        agreement=False,
    )
    return pending, held, unsigned


def test_a_run_shows_what_it_gathered_and_every_budget_it_skipped_with_the_reason(
    client, finance, icb, originator, paid, skipped
):
    client.force_login(finance)
    url = reverse("web:payment-run-create")
    saturday = PAYMENT_DAY + datetime.timedelta(days=5 - PAYMENT_DAY.weekday())
    response = client.post(url, {"commissioner": "QMF", **date_fields("payment_date", saturday)})
    assert response.status_code == 400
    assert "is a weekend day: Bacs does not process payments then" in text_of(response)

    response = client.post(
        url, {"commissioner": "QMF", **date_fields("payment_date", PAYMENT_DAY)}, follow=True
    )
    run = PaymentRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("web:payment-run", args=[run.pk])
    page = text_of(response)
    assert f"The run has gathered 1 payment, {_pounds(run.payments_total)}." in page
    payment = run.payments.get()
    assert payment.reference in page
    assert "Budget of Sam Adeyemi" not in page
    assert "Sam Adeyemi" in page
    skips = page[page.index("Budgets skipped by this run") :]
    assert "Pat Pending Bank details not verified A change of bank details is waiting" in skips
    assert f"Hal Held Direct payment suspended Since {shown(PAYMENT_DAY)}" in skips
    assert "The person is in hospital" in skips
    assert "Una Unsigned No signed direct-payment agreement" in skips

    again = client.post(
        url, {"commissioner": "QMF", **date_fields("payment_date", PAYMENT_DAY)}, follow=True
    )
    assert f"There was already a run for NHS North East London ICB on {shown(PAYMENT_DAY)}" in (
        text_of(again)
    )
    assert PaymentRun.objects.count() == 1


def _pounds(pence: int) -> str:
    from openphb.ledger.services import format_pence

    return format_pence(pence)


def test_a_long_list_of_skipped_budgets_comes_a_page_at_a_time(
    client, finance, originator, paid, skipped, run, monkeypatch
):
    from openphb.web.views import payment_runs

    monkeypatch.setattr(payment_runs, "SKIPS_PAGE", 2)
    client.force_login(finance)
    url = reverse("web:payment-run", args=[run.pk])
    first = text_of(client.get(url))
    second = text_of(client.get(url + "?skipped=2"))
    assert "Pat Pending" in first  # by reason: bank details, then agreement, then suspended
    assert "Una Unsigned" in first
    assert "Hal Held" not in first
    assert "Hal Held" in second
    assert "?skipped=2#skipped" in client.get(url).content.decode()


def test_the_creator_of_a_run_is_told_who_must_approve_it(client, finance, run):
    client.force_login(finance)
    url = reverse("web:payment-run", args=[run.pk])
    page = text_of(client.get(url))
    assert "Someone else must approve this run" in page
    assert "Ask Tom." in page
    assert "Approve and pay" not in page
    response = client.post(reverse("web:payment-run-approve", args=[run.pk]))
    assert response.status_code == 400
    assert "You created this run, so another finance officer approves it." in text_of(response)
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.GATHERED


def test_a_second_officer_approves_and_downloads_the_file_and_the_remittance(
    client, finance2, run, paid
):
    client.force_login(finance2)
    response = client.post(reverse("web:payment-run-approve", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.APPROVED
    page = text_of(response)
    assert f"The run is approved: 1 payment, {_pounds(run.payments_total)}, has been paid." in (
        page
    )
    assert "Download the Bacs file (serial 000001)" in page
    assert budget_figures(budget=paid.budget).total.held == run.payments_total

    bacs = client.get(reverse("web:payment-run-bacs", args=[run.pk]))
    assert bacs["Content-Type"] == "application/octet-stream"
    assert bacs["Content-Disposition"] == 'attachment; filename="bacs-QMF-000001.txt"'
    assert bacs.content.startswith(b"VOL1000001")
    assert bacs.content == runs.run_file(run=run)

    remittance = client.get(reverse("web:payment-run-remittance", args=[run.pk]))
    assert remittance["Content-Type"] == "text/csv; charset=utf-8"
    lines = remittance.content.decode().splitlines()
    assert lines[0].startswith("Payment reference,Budget,Paid to")
    payment = run.payments.get()
    assert lines[1].startswith(f"{payment.reference},")
    assert "Sam Adeyemi,**-**-00,****" in lines[1]


def test_a_run_has_no_file_before_it_is_approved(client, finance, run):
    client.force_login(finance)
    response = client.get(reverse("web:payment-run-bacs", args=[run.pk]))
    assert response.status_code == 400
    assert "A run has a file once it is approved and pays something." in text_of(response)
    response = client.get(reverse("web:payment-run-remittance", args=[run.pk]))
    assert response.status_code == 400


def test_a_run_is_cancelled_with_a_reason(client, finance, run):
    client.force_login(finance)
    url = reverse("web:payment-run-cancel", args=[run.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Say why the run is cancelled." in text_of(response)
    response = client.post(url, {"reason": "Wrong payment date"}, follow=True)
    run.refresh_from_db()
    assert (run.status, run.cancelled_reason) == ("cancelled", "Wrong payment date")
    page = text_of(response)
    assert "The run is cancelled." in page
    assert "Cancelled Wrong payment date" in page


def test_a_payment_returned_by_the_bank_goes_back_into_the_budget(
    client, finance, finance2, run, paid
):
    runs.run_approve(actor=Actor(user=finance2), run=run)
    payment = run.payments.get()
    client.force_login(finance)
    url = reverse("web:payment-return", args=[run.pk, payment.pk])
    response = client.post(url, {**date_fields("on", PAYMENT_DAY), "reason": ""})
    assert response.status_code == 400
    assert "Give the bank's reason for returning it." in text_of(response)
    response = client.post(
        url, {**date_fields("on", PAYMENT_DAY), "reason": "Account closed"}, follow=True
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RETURNED
    assert f"{_pounds(payment.amount)} is back in Sam Adeyemi's budget." in text_of(response)
    assert budget_figures(budget=paid.budget).total.held == 0
    other_run = reverse("web:payment-return", args=[run.pk + 1, payment.pk])
    assert client.get(other_run).status_code == 404


# --- The budget's pages -----------------------------------------------------------------------


def test_the_budget_page_shows_its_direct_payment_to_staff(client, coordinator, finance, paid):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("web:budget-detail", args=[paid.budget_id])))
    assert "Direct payment" in page
    assert "Paid to Sam Adeyemi (the person themself)" in page
    assert "Manage the direct payment" not in page
    client.force_login(finance)
    page = client.get(reverse("web:budget-detail", args=[paid.budget_id])).content.decode()
    assert reverse("web:direct-payment", args=[paid.budget_id]) in page


def test_the_budget_holder_sees_the_payments_made_and_those_returned(
    client, finance, finance2, run, paid, sam
):
    holder = factories.user(username="sam", role="budget_holder", first_name="Sam")
    sam.account = holder
    sam.save(update_fields=["account"])
    client.force_login(holder)
    page = text_of(client.get(reverse("web:budget-detail", args=[paid.budget_id])))
    assert "Payments made to you" in page
    assert "Your direct payment is paid every month, in advance, to you." in page
    assert "No payments have been made yet." in page

    runs.run_approve(actor=Actor(user=finance2), run=run)
    payment = run.payments.get()
    page = text_of(client.get(reverse("web:budget-detail", args=[paid.budget_id])))
    assert (
        f"{shown(PAYMENT_DAY)} {shown(payment.period_start)} to {shown(payment.period_end)} "
        f"{_pounds(payment.amount)} Paid into the account ending {payment.account_number[-4:]}."
    ) in page

    runs.payment_return(actor=Actor(user=finance), payment=payment, on=PAYMENT_DAY, reason="Closed")
    page = text_of(client.get(reverse("web:budget-detail", args=[paid.budget_id])))
    assert (
        f"Returned The bank sent it back on {shown(PAYMENT_DAY)} (Closed). "
        "The money is back in your budget."
    ) in page


def test_after_a_death_the_notice_goes_to_the_family_or_representative(
    client, finance, paid, sam, letter_html
):
    hold = services.hold_start(
        actor=Actor(user=finance), setup=paid, kind="stop", reason="death", starts_on=PAYMENT_DAY
    )
    client.force_login(finance)
    client.get(reverse("web:direct-payment-notice", args=[paid.budget_id, hold.pk]))
    letter = re.sub(r"\s+", " ", letter_html[0])
    assert "The family or representative of Sam Adeyemi" in letter
    assert "Dear Sir or Madam," in letter
    assert "We were very sorry to learn of the death of Sam Adeyemi." in letter
    assert "If you think we have made a mistake" in letter
    assert "reconsider" not in letter
    event = AuditEvent.objects.get(action="direct_payment.notice_made")
    assert event.summary.endswith("addressed to The family or representative of Sam Adeyemi")


def test_the_budget_holder_is_told_where_payments_go_and_of_a_change_being_checked(
    client, finance, paid, sam
):
    holder = factories.user(username="sam", role="budget_holder", first_name="Sam")
    sam.account = holder
    sam.save(update_fields=["account"])
    verified = paid.bank_details.get(status="verified")
    services.bank_details_enter(
        actor=Actor(user=finance),
        setup=paid,
        sort_code="11-22-33",
        account_number="99887766",
        account_name="SOMEONE ELSE",
    )
    client.force_login(holder)
    page = text_of(client.get(reverse("web:budget-detail", args=[paid.budget_id])))
    assert f"Payments go to the account ending {verified.account_number[-4:]}" in page
    assert "New bank details are being checked" in page
    assert "If you did not ask for a change, tell the care coordinator at once." in page
    assert "Account ending 7766: entered" in page
    assert "99887766" not in page
