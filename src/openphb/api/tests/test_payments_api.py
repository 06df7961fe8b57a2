"""Direct payments and payment runs over HTTP: two finance officers take a run from gathering
to the Bacs file, set up a direct payment and verify its bank details between them; the budget
holder sees what was paid; nobody else's records, and never a whole account number."""

import csv
import datetime
import hashlib
import io

import pytest
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.selectors import budget_figures
from openphb.ledger.selectors import verify
from openphb.payments import runs, services
from openphb.payments.calendar import processing_day_on_or_after
from openphb.planning import assessing
from openphb.planning import services as planning_services
from openphb.planning.tests.journeys import approve, build

from .planning_helpers import Caller, messages

pytestmark = pytest.mark.django_db

# A weekday (Bacs processes on weekdays): today, or the Friday before a weekend.
TODAY = factories.payment_day()
SATURDAY = TODAY + datetime.timedelta(days=5 - TODAY.weekday())
WHOLE_NUMBERS = (b"55779911", b"10293847", b"44556677")


@pytest.fixture
def finance(icb):
    return factories.user(username="finance", role="finance_officer", organisations=(icb,))


@pytest.fixture
def finance2(icb):
    return factories.user(username="finance2", role="finance_officer", organisations=(icb,))


@pytest.fixture
def officer_a(client, finance):
    return Caller(client, finance)


@pytest.fixture
def officer_b(client, finance2):
    return Caller(client, finance2)


@pytest.fixture
def originator(icb, finance):
    return services.originator_set(
        actor=Actor(user=finance),
        commissioner=icb,
        sort_code="60-70-80",
        account_number="10293847",
        account_name="NHS NEL ICB",
        service_user_number="123456",
    )


@pytest.fixture
def plan(scene, person, enrolment, coordinator, clinician, commissioner):
    """Sam's approved plan: weekly hydrotherapy and a seizure-alert dog, by direct payment."""
    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=factories.levels(altered_states="severe", psychological="moderate"),
    )
    draft = planning_services.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY,
        assessment=assessment,
        coordinator=coordinator,
    )
    return approve(build(scene, draft, coordinator), coordinator, clinician, commissioner)


@pytest.fixture
def budget(plan):
    return plan.budget


@pytest.fixture
def setup(budget, finance):
    return services.setup_save(
        actor=Actor(user=finance),
        budget=budget,
        payee_kind="person",
        payee_name="Sam Adeyemi",
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=TODAY,
        agreement_signed_on=TODAY,
        agreement_version="2026-1",
    )


@pytest.fixture
def verified(setup, finance, finance2):
    details = services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="20-00-00",
        account_number="55779911",
        account_name="S ADEYEMI PHB",
    )
    return services.bank_details_decide(actor=Actor(user=finance2), details=details, verified=True)


@pytest.fixture
def unverified(scene, patient, icb, finance):
    """Margaret's direct payment, whose bank details nobody has verified yet."""
    budget = factories.budget(
        patient=patient,
        commissioner=icb,
        stream=scene.stream,
        lines=(("Personal assistant hours", "personal_care", 600_000),),
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=364),
    )
    setup = services.setup_save(
        actor=Actor(user=finance),
        budget=budget,
        payee_kind="representative",
        payee_name="Grace Okafor",
        account_type="managed",
        frequency="four_weekly",
        first_payment_on=TODAY,
        agreement_signed_on=TODAY,
        agreement_version="2026-1",
    )
    services.bank_details_enter(
        actor=Actor(user=finance),
        setup=setup,
        sort_code="40-11-22",
        account_number="44556677",
        account_name="G OKAFOR",
    )
    return budget


@pytest.fixture
def approved_run(icb, originator, verified, finance, finance2):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    return runs.run_approve(actor=Actor(user=finance2), run=run)


@pytest.fixture
def elsewhere(other_icb):
    """Another ICB with a finance officer, its own account to pay from, a run for today and a
    budget held by direct payment."""
    officer = factories.user(role="finance_officer", organisations=(other_icb,))
    services.originator_set(
        actor=Actor(user=officer),
        commissioner=other_icb,
        sort_code="30-00-00",
        account_number="12345678",
        account_name="NHS NOTTS ICB",
        service_user_number="654321",
    )
    run = runs.run_create(actor=Actor(user=officer), commissioner=other_icb, payment_date=TODAY)
    stream = factories.funding_stream(code="chc-notts")
    factories.allocation(stream=stream, commissioner=other_icb, amount=1_000_000)
    someone = factories.patient(commissioner=other_icb, given_name="Someone", family_name="Else")
    budget = factories.budget(
        patient=someone,
        commissioner=other_icb,
        stream=stream,
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=364),
    )
    return run, budget


def no_whole_numbers(response):
    for number in WHOLE_NUMBERS:
        assert number not in response.content, number


SETUP = {
    "payee_kind": "nominee",
    "payee_name": "Ade Adeyemi",
    "account_type": "prepaid_card",
    "frequency": "four_weekly",
    "first_payment_on": TODAY.isoformat(),
    "agreement_signed_on": TODAY.isoformat(),
    "agreement_version": "2026-1",
}
BANK = {"sort_code": "20-00-00", "account_number": "55779911", "account_name": "A ADEYEMI"}


# A run from gathering to the file ------------------------------------------------------------


def test_two_officers_take_a_run_from_gathering_to_a_bacs_file_the_run_vouches_for(
    officer_a, officer_b, icb, originator, verified, unverified, budget
):
    run = officer_a.ok(
        "post",
        "/payment-runs",
        {"commissioner": "QMF", "payment_date": TODAY.isoformat()},
        status=201,
    )
    assert (run["status"], run["created_by"], run["approved_by"]) == ("gathered", "finance", "")
    assert (run["payments_count"], run["skipped_count"], run["serial"]) == (2, 1, None)

    skipped = officer_a.get(f"/payment-runs/{run['id']}/skipped").json()
    assert skipped["count"] == 1
    [skip] = skipped["items"]
    assert (skip["budget_id"], skip["patient_name"]) == (unverified.pk, "Margaret Okafor")
    assert (skip["reason"], skip["reason_label"]) == (
        "bank_unverified",
        "Bank details not verified",
    )
    assert skip["detail"].startswith("A change of bank details is waiting to be verified; £")

    response = officer_a.get(f"/payment-runs/{run['id']}/payments")
    paid = response.json()
    assert paid["count"] == 2
    assert sum(p["amount"] for p in paid["items"]) == run["payments_total"]
    assert {(p["budget_id"], p["status"]) for p in paid["items"]} == {(budget.pk, "due")}
    assert {(p["sort_code"], p["account_number"]) for p in paid["items"]} == {
        ("**-**-00", "****9911")
    }
    no_whole_numbers(response)

    refused = officer_a.post(f"/payment-runs/{run['id']}/approve")
    assert messages(refused) == {
        ("body",): ["You created this run, so another finance officer approves it."]
    }
    approved = officer_b.ok("post", f"/payment-runs/{run['id']}/approve")
    assert (approved["status"], approved["approved_by"], approved["serial"]) == (
        "approved",
        "finance2",
        1,
    )
    assert len(approved["file_sha256"]) == 64
    assert officer_a.get(f"/payment-runs/{run['id']}").json() == approved
    assert budget_figures(budget=budget).total.held == run["payments_total"]
    assert list(verify()) == []

    bacs = officer_b.get(f"/payment-runs/{run['id']}/file")
    assert bacs.status_code == 200
    assert bacs["Content-Type"] == "application/octet-stream"
    assert 'filename="bacs-QMF-' in bacs["Content-Disposition"]
    assert "serial-000001" in bacs["Content-Disposition"]
    assert bacs.content.startswith(b"VOL1000001")
    assert hashlib.sha256(bacs.content).hexdigest() == approved["file_sha256"]
    assert b"55779911" in bacs.content  # the bank is sent the whole number; nobody else is
    assert b"44556677" not in bacs.content  # the unverified account is not paid
    assert AuditEvent.objects.filter(
        action="payment_run.file_downloaded", object_id=str(run["id"])
    ).exists()


def test_the_remittance_advice_lists_the_files_payments_with_their_numbers_masked(
    officer_a, approved_run
):
    response = officer_a.get(f"/payment-runs/{approved_run.pk}/remittance")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "serial-000001" in response["Content-Disposition"]
    no_whole_numbers(response)
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert header[0] == "Payment reference"
    payments = list(approved_run.payments.order_by("id"))
    assert [row[0] for row in rows] == [p.reference for p in payments]
    assert {(row[2], row[3], row[4]) for row in rows} == {("Sam Adeyemi", "**-**-00", "****9911")}
    assert [row[6] for row in rows] == [TODAY.isoformat()] * 2


def test_a_run_has_no_file_or_remittance_until_it_is_approved(officer_a, icb, originator, verified):
    run = officer_a.ok("post", "/payment-runs", {"payment_date": TODAY.isoformat()}, status=201)
    for what in ("file", "remittance"):
        response = officer_a.get(f"/payment-runs/{run['id']}/{what}")
        assert list(messages(response)) == [("body",)], what


def test_creating_the_run_for_a_day_again_returns_the_same_run_with_200(
    officer_a, officer_b, icb, originator, verified
):
    body = {"commissioner": "qmf", "payment_date": TODAY.isoformat()}
    first = officer_a.ok("post", "/payment-runs", body, status=201)
    again = officer_b.ok("post", "/payment-runs", body, status=200)
    assert again == first
    assert officer_a.get("/payment-runs").json()["count"] == 1


def test_a_run_is_for_a_weekday(officer_a, icb, originator):
    refused = officer_a.post("/payment-runs", {"payment_date": SATURDAY.isoformat()})
    [message] = messages(refused)[("body", "payment_date")]
    assert "is a weekend day: Bacs does not process payments then" in message


def test_runs_are_listed_latest_first_and_filtered_by_commissioner_and_status(
    officer_a, finance, icb, originator, verified
):
    earlier = factories.payment_day(TODAY - datetime.timedelta(days=7))
    old = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=earlier)
    runs.run_cancel(actor=Actor(user=finance), run=old, reason="Wrong day")
    new = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    listed = officer_a.get("/payment-runs").json()
    assert [r["id"] for r in listed["items"]] == [new.pk, old.pk]
    cancelled = officer_a.get("/payment-runs", {"status": "cancelled"}).json()
    assert [(r["id"], r["cancelled_reason"]) for r in cancelled["items"]] == [(old.pk, "Wrong day")]
    assert officer_a.get("/payment-runs", {"commissioner": "qmf"}).json()["count"] == 2
    assert officer_a.get("/payment-runs", {"commissioner": "QT1"}).json()["count"] == 0


def test_a_run_waiting_for_approval_is_cancelled_with_a_reason_and_the_day_gathered_again(
    officer_a, officer_b, icb, originator, verified
):
    body = {"payment_date": TODAY.isoformat()}
    run = officer_a.ok("post", "/payment-runs", body, status=201)
    without = officer_b.post(f"/payment-runs/{run['id']}/cancel", {"reason": " "})
    assert messages(without) == {("body", "reason"): ["Say why the run is cancelled."]}
    cancelled = officer_b.ok("post", f"/payment-runs/{run['id']}/cancel", {"reason": "Wrong day"})
    assert (cancelled["status"], cancelled["cancelled_reason"]) == ("cancelled", "Wrong day")
    assert officer_b.get(f"/payment-runs/{run['id']}/payments").json()["count"] == 0
    assert messages(officer_b.post(f"/payment-runs/{run['id']}/approve")) == {
        ("body",): ["This run was cancelled."]
    }
    again = officer_a.ok("post", "/payment-runs", body, status=201)
    assert again["id"] != run["id"]
    assert again["payments_count"] == run["payments_count"]


def test_an_approved_run_cannot_be_cancelled(officer_a, approved_run):
    refused = officer_a.post(f"/payment-runs/{approved_run.pk}/cancel", {"reason": "Too late"})
    assert messages(refused) == {("body",): ["Only a run waiting for approval can be cancelled."]}


def test_a_payment_the_bank_returned_puts_the_money_back_in_the_budget(
    officer_a, approved_run, budget
):
    dog = approved_run.payments.get(kind="one_off")
    before = budget_figures(budget=budget).total
    path = f"/payment-runs/{approved_run.pk}/payments/{dog.pk}/return"
    early = officer_a.post(path, {"returned_on": "2000-01-03", "reason": "Account closed"})
    assert messages(early) == {
        ("body", "returned_on"): ["A payment is returned after the day it was paid."]
    }
    returned = officer_a.ok("post", path, {"returned_on": TODAY.isoformat(), "reason": "Closed"})
    assert (returned["status"], returned["returned_on"], returned["return_reason"]) == (
        "returned",
        TODAY.isoformat(),
        "Closed",
    )
    after = budget_figures(budget=budget).total
    assert after.available == before.available + dog.amount
    assert after.held == before.held - dog.amount
    run = officer_a.get(f"/payment-runs/{approved_run.pk}").json()
    assert (run["returned_count"], run["returned_total"]) == (1, dog.amount)
    again = officer_a.post(path, {"returned_on": TODAY.isoformat(), "reason": "Again"})
    assert messages(again) == {("body",): ["Only a payment that was made can be returned."]}
    assert list(verify()) == []


# Setting up a direct payment ------------------------------------------------------------------


def test_a_direct_payment_is_set_up_and_changed(officer_a, budget):
    path = f"/budgets/{budget.pk}/direct-payment"
    assert officer_a.get(path).status_code == 404
    created = officer_a.ok("put", path, SETUP, status=201)
    assert (created["payee_kind_label"], created["frequency"]) == (
        "A nominee they chose",
        "four_weekly",
    )
    assert (created["paid_into"], created["change_waiting"]) == (None, False)
    changed = officer_a.ok("put", path, {**SETUP, "frequency": "monthly"})
    assert changed["frequency_label"] == "Every month, in advance"
    assert officer_a.get(path).json() == changed


def test_a_set_up_is_refused_field_by_field(officer_a, budget):
    refused = officer_a.send(
        "put",
        f"/budgets/{budget.pk}/direct-payment",
        {**SETUP, "payee_kind": "friend", "first_payment_on": "2000-01-01"},
    )
    assert set(messages(refused)) == {("body", "payee_kind"), ("body", "first_payment_on")}


def test_bank_details_entered_by_one_officer_are_verified_by_another(
    officer_a, officer_b, budget, setup, holder
):
    path = f"/budgets/{budget.pk}/direct-payment"
    entered = officer_a.post(f"{path}/bank-details", BANK)
    assert entered.status_code == 201, entered.content
    no_whole_numbers(entered)
    details = entered.json()
    assert (details["status"], details["entered_by"], details["decided_by"]) == (
        "pending",
        "finance",
        "",
    )
    assert (details["sort_code"], details["account_number"]) == ("**-**-00", "****9911")
    waiting = officer_b.get(path).json()
    assert (waiting["paid_into"], waiting["change_waiting"]) == (None, True)

    again = officer_b.post(f"{path}/bank-details", BANK)
    assert "already waiting to be verified" in messages(again)[("body",)][0]
    own = officer_a.post(f"{path}/bank-details/{details['id']}/verify")
    assert messages(own) == {
        ("body",): ["You entered these bank details, so someone else must verify them."]
    }
    done = officer_b.ok(
        "post", f"{path}/bank-details/{details['id']}/verify", {"note": "Called back"}
    )
    assert (done["status"], done["decided_by"], done["note"]) == (
        "verified",
        "finance2",
        "Called back",
    )

    now = officer_a.get(path)
    no_whole_numbers(now)
    assert now.json()["paid_into"]["id"] == details["id"]
    history = officer_a.get(f"{path}/bank-details")
    no_whole_numbers(history)
    assert [d["status"] for d in history.json()] == ["verified"]
    told = AuditEvent.objects.filter(
        action="bank_details.holder_notified", patient_id=budget.patient_id
    )
    assert told.count() == 1


def test_bank_details_are_rejected_with_a_reason_and_refused_when_malformed(
    officer_a, officer_b, budget, setup
):
    path = f"/budgets/{budget.pk}/direct-payment/bank-details"
    malformed = officer_a.post(path, {**BANK, "sort_code": "2000"})
    assert list(messages(malformed)) == [("body", "sort_code")]
    details = officer_a.ok("post", path, BANK, status=201)
    bare = officer_b.post(f"{path}/{details['id']}/reject")
    assert messages(bare) == {("body", "note"): ["Say why the bank details are rejected."]}
    rejected = officer_b.ok("post", f"{path}/{details['id']}/reject", {"note": "Not their bank"})
    assert (rejected["status"], rejected["note"]) == ("rejected", "Not their bank")


def test_a_direct_payment_is_suspended_lifted_and_stopped(officer_a, budget, setup):
    path = f"/budgets/{budget.pk}/direct-payment/holds"
    suspend = {"kind": "suspend", "reason": "hospital", "starts_on": TODAY.isoformat()}
    hold = officer_a.ok("post", path, suspend, status=201)
    assert (hold["kind_label"], hold["reason_label"], hold["ends_on"]) == (
        "Suspended",
        "The person is in hospital",
        None,
    )
    early = officer_a.post(f"{path}/{hold['id']}/lift", {"ends_on": "2000-01-01"})
    assert list(messages(early)) == [("body", "ends_on")]
    lifted = officer_a.ok("post", f"{path}/{hold['id']}/lift", {"ends_on": TODAY.isoformat()})
    assert lifted["ends_on"] == TODAY.isoformat()

    consent = {**suspend, "reason": "consent_withdrawn"}
    assert messages(officer_a.post(path, consent)) == {
        ("body", "kind"): ["When the person withdraws consent the direct payment must stop."]
    }
    stop = officer_a.ok("post", path, {**consent, "kind": "stop"}, status=201)
    refused = officer_a.post(f"{path}/{stop['id']}/lift", {"ends_on": TODAY.isoformat()})
    assert messages(refused) == {
        ("body",): ["A stopped direct payment is not restarted; set up a new one."]
    }
    assert [h["id"] for h in officer_a.get(path).json()] == [stop["id"], hold["id"]]


def test_runs_skip_a_suspended_direct_payment_saying_why(
    officer_a, icb, originator, verified, budget
):
    officer_a.ok(
        "post",
        f"/budgets/{budget.pk}/direct-payment/holds",
        {"kind": "suspend", "reason": "fraud", "starts_on": TODAY.isoformat()},
        status=201,
    )
    run = officer_a.ok("post", "/payment-runs", {"payment_date": TODAY.isoformat()}, status=201)
    [skip] = officer_a.get(f"/payment-runs/{run['id']}/skipped").json()["items"]
    assert skip["reason"] == "suspended"
    assert skip["detail"].startswith(f"Since {TODAY:%-d %B %Y}: Theft or fraud is suspected. £")
    assert skip["detail"].endswith(" is held.")


def test_the_account_a_commissioner_pays_from_is_set_and_shown_masked(officer_a, icb):
    assert officer_a.get("/bacs-originators/QMF").status_code == 404
    body = {
        "sort_code": "60-70-80",
        "account_number": "10293847",
        "account_name": "NHS NEL ICB",
        "service_user_number": "123456",
    }
    saved = officer_a.send("put", "/bacs-originators/QMF", body)
    assert saved.status_code == 200, saved.content
    no_whole_numbers(saved)
    assert saved.json() == {
        "commissioner": "QMF",
        "sort_code": "**-**-80",
        "account_number": "****3847",
        "account_name": "NHS NEL ICB",
        "service_user_number": "123456",
    }
    assert officer_a.get("/bacs-originators/qmf").json() == saved.json()
    bad = officer_a.send("put", "/bacs-originators/QMF", {**body, "service_user_number": "12"})
    assert list(messages(bad)) == [("body", "service_user_number")]


# The budget holder ----------------------------------------------------------------------------


def test_the_holder_sees_what_was_paid_from_their_budget_and_nothing_of_the_runs(
    client, holder, approved_run, budget, setup
):
    sam = Caller(client, holder)
    response = sam.get(f"/budgets/{budget.pk}/payments")
    assert response.status_code == 200
    no_whole_numbers(response)
    paid = response.json()
    assert paid["count"] == 2
    assert {(p["status"], p["payment_date"], p["account_number"]) for p in paid["items"]} == {
        ("paid", TODAY.isoformat(), "****9911")
    }
    assert sum(p["amount"] for p in paid["items"]) == approved_run.payments_total
    assert AuditEvent.objects.filter(action="budget.viewed", actor_label="sam").exists()
    for path in (
        "/payment-runs",
        f"/payment-runs/{approved_run.pk}",
        f"/budgets/{budget.pk}/direct-payment",
        f"/budgets/{budget.pk}/direct-payment/bank-details",
    ):
        assert sam.get(path).status_code == 403, path


def test_a_budget_shows_no_payment_until_its_run_is_approved(
    officer_a, icb, originator, verified, budget
):
    officer_a.ok("post", "/payment-runs", {"payment_date": TODAY.isoformat()}, status=201)
    assert officer_a.get(f"/budgets/{budget.pk}/payments").json()["count"] == 0


def test_staff_who_may_see_the_budget_see_its_payments(client, coordinator, approved_run, budget):
    assert Caller(client, coordinator).get(f"/budgets/{budget.pk}/payments").json()["count"] == 2


def test_another_holders_payments_are_a_404(client, approved_run, budget):
    stranger = factories.user(username="stranger", role="budget_holder")
    assert Caller(client, stranger).get(f"/budgets/{budget.pk}/payments").status_code == 404


# Who may do what ------------------------------------------------------------------------------


def test_staff_without_the_payments_capability_are_refused(
    client, coordinator, commissioner, approved_run, budget, setup
):
    for user in (coordinator, commissioner):
        caller = Caller(client, user)
        for path in (
            "/payment-runs",
            f"/payment-runs/{approved_run.pk}",
            f"/payment-runs/{approved_run.pk}/file",
            f"/payment-runs/{approved_run.pk}/remittance",
            f"/budgets/{budget.pk}/direct-payment",
            "/bacs-originators/QMF",
        ):
            assert caller.get(path).status_code == 403, (user.username, path)
        assert caller.post("/payment-runs", {"payment_date": TODAY.isoformat()}).status_code == 403
        assert caller.post(f"/payment-runs/{approved_run.pk}/approve").status_code == 403
        assert (
            caller.post(f"/budgets/{budget.pk}/direct-payment/bank-details", BANK).status_code
            == 403
        )


def test_no_token_is_a_401(client, approved_run):
    assert client.get("/api/v1/payment-runs").status_code == 401
    assert client.get(f"/api/v1/payment-runs/{approved_run.pk}/file").status_code == 401


def test_another_commissioners_runs_budgets_and_account_are_a_404(
    officer_a, approved_run, budget, setup, elsewhere
):
    their_run, their_budget = elsewhere
    for path in (
        f"/payment-runs/{their_run.pk}",
        f"/payment-runs/{their_run.pk}/payments",
        f"/payment-runs/{their_run.pk}/skipped",
        f"/payment-runs/{their_run.pk}/file",
        f"/payment-runs/{their_run.pk}/remittance",
        f"/budgets/{their_budget.pk}/direct-payment",
        f"/budgets/{their_budget.pk}/direct-payment/bank-details",
        f"/budgets/{their_budget.pk}/direct-payment/holds",
        f"/budgets/{their_budget.pk}/payments",
        "/bacs-originators/QT1",
    ):
        assert officer_a.get(path).status_code == 404, path
    for path in (f"/payment-runs/{their_run.pk}/approve", f"/payment-runs/{their_run.pk}/cancel"):
        assert officer_a.post(path, {"reason": "Not ours"}).status_code == 404, path
    assert (
        officer_a.send("put", f"/budgets/{their_budget.pk}/direct-payment", SETUP).status_code
        == 404
    )
    assert (
        officer_a.post(f"/budgets/{their_budget.pk}/direct-payment/bank-details", BANK).status_code
        == 404
    )
    assert [r["id"] for r in officer_a.get("/payment-runs").json()["items"]] == [approved_run.pk]
    their_run.refresh_from_db()
    assert their_run.status == "gathered"


def test_a_payment_or_bank_details_named_under_the_wrong_record_are_a_404(
    officer_a, officer_b, icb, approved_run, budget, setup, unverified
):
    other_run = runs.run_create(
        actor=Actor.system_job("test"),
        commissioner=icb,
        payment_date=processing_day_on_or_after(TODAY + datetime.timedelta(days=7)),
    )
    payment = approved_run.payments.first()
    wrong = f"/payment-runs/{other_run.pk}/payments/{payment.pk}/return"
    assert (
        officer_a.post(wrong, {"returned_on": TODAY.isoformat(), "reason": "x"}).status_code == 404
    )
    theirs = unverified.direct_payment.bank_details.get()
    path = f"/budgets/{budget.pk}/direct-payment/bank-details/{theirs.pk}/verify"
    assert officer_b.post(path).status_code == 404
