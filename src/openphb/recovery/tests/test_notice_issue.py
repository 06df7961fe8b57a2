"""Issuing a repayment notice: what it states, and every refusal with its reason."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.monitoring.models import Flag
from openphb.payments.models import PayeeKind
from openphb.recovery.models import NoticeEvent, Status
from openphb.registry.models import Representative

from .conftest import DEADLINE, TODAY, issue, pay_in

pytestmark = pytest.mark.django_db


def refusal(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def test_a_notice_states_the_ground_reasons_amount_deadline_and_who_pays(coordinator, budget, held):
    notice = issue(coordinator, budget)
    assert (notice.ground, notice.amount, notice.amount_first) == ("unused", 100_000, 100_000)
    assert (notice.deadline, notice.payer_kind, notice.payer_name) == (
        DEADLINE,
        "person",
        "Sam Adeyemi",
    )
    assert notice.status == Status.ISSUED
    assert notice.issued_by == coordinator
    event = NoticeEvent.objects.get(notice=notice)
    assert (event.from_status, event.to_status, event.by) == ("", "issued", coordinator)
    audit = AuditEvent.objects.get(action="notice.issued")
    assert audit.patient_id == budget.patient_id
    assert "£1,000.00" in audit.summary


def test_unused_money_is_at_most_what_is_held_unspent(coordinator, budget, held):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, amount=300_001)
    assert refusal(error.value, "amount") == (
        "A notice on this ground can ask for at most what is held unspent: £3,000.00 is held "
        "unspent in the direct-payment account, so £3,000.01 is more than can be recovered."
    )
    assert issue(coordinator, budget, amount=300_000).amount == 300_000


def test_money_another_notice_asks_for_is_not_asked_for_twice(coordinator, budget, held):
    issue(coordinator, budget, amount=200_000)
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, amount=100_001)
    assert "other notices still ask for £2,000.00 of it" in refusal(error.value, "amount")


def test_use_outside_the_plan_is_at_most_what_was_paid(coordinator, budget, held):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, ground="outside_plan", amount=300_001)
    assert refusal(error.value, "amount").startswith(
        "A notice for use outside the plan or for theft or fraud can ask for at most what was "
        "paid: £3,000.00 has been paid by direct payment"
    )
    assert issue(coordinator, budget, ground="theft_or_fraud", amount=300_000).amount == 300_000


def test_nothing_is_recovered_from_a_budget_with_nothing_paid(coordinator, budget):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget)
    assert "£0.00 is held unspent" in refusal(error.value, "amount")


@pytest.mark.parametrize("amount", [0, -5, 10.5, True])
def test_the_amount_is_whole_pence_above_nothing(coordinator, budget, held, amount):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, amount=amount)
    assert refusal(error.value, "amount") == "The amount must be a whole number of pence above £0."


def test_the_deadline_is_after_the_day_of_issue_and_28_days_are_suggested(
    coordinator, budget, held
):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, deadline=TODAY)
    suggested = TODAY + datetime.timedelta(days=28)
    assert refusal(error.value, "deadline") == (
        "The deadline must be after the day the notice is issued; we suggest 28 days, "
        f"{suggested.day} {suggested:%B %Y}."
    )


def test_the_reasons_ground_method_and_payer_name_are_needed(coordinator, budget, held):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, reasons=" ", ground="bored", method="cash", payer_name="")
    assert set(error.value.message_dict) >= {"reasons", "ground", "method", "payer_name"}


def test_the_estate_pays_only_after_a_recorded_death(coordinator, budget, held, sam):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, payer_kind="estate", payer_name="The estate of Sam")
    assert refusal(error.value, "payer_kind") == (
        "Only a notice on the ground of death is paid by the estate."
    )
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, ground="death", payer_kind="estate", payer_name="Estate")
    assert refusal(error.value, "payer_kind") == (
        "No date of death is recorded for Sam Adeyemi, so there is no estate to pay."
    )
    sam.date_of_death = TODAY
    sam.save(update_fields=["date_of_death"])
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, ground="death")
    assert refusal(error.value, "payer_kind") == (
        "Sam Adeyemi has died: their estate or who held the money must pay."
    )
    notice = issue(
        coordinator, budget, ground="death", payer_kind="estate", payer_name="Estate of Sam"
    )
    assert notice.payer_kind == "estate"


def test_a_representative_pays_only_when_one_is_recorded(coordinator, budget, held, sam):
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, payer_kind="representative", payer_name="Ada Adeyemi")
    assert refusal(error.value, "payer_kind") == "No representative is recorded for Sam Adeyemi."
    Representative.objects.create(
        patient=sam,
        full_name="Ada Adeyemi",
        relationship="mother",
        authority="deputy",
        starts_on=datetime.date(2020, 1, 1),
    )
    notice = issue(coordinator, budget, payer_kind="representative", payer_name="Ada Adeyemi")
    assert notice.payer_kind == "representative"


def test_a_nominee_pays_only_when_the_direct_payment_goes_to_one(coordinator, setup, held):
    budget = setup.budget
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, payer_kind="nominee", payer_name="Bea Nominee")
    assert refusal(error.value, "payer_kind") == (
        "The direct payment is not paid to a nominee, so no nominee can be asked to pay."
    )
    setup.payee_kind = PayeeKind.NOMINEE
    setup.save(update_fields=["payee_kind"])
    assert issue(coordinator, budget, payer_kind="nominee", payer_name="Bea").payer_kind == (
        "nominee"
    )


def test_a_flag_must_be_about_the_same_budget(coordinator, budget, held, direct_payment, icb):
    other = direct_payment(factories.patient(commissioner=icb)).budget
    flag = Flag.objects.create(
        budget=other,
        code="accumulating",
        severity="medium",
        explanation="Unused money is building up.",
        period=f"{TODAY:%Y-%m}",
        found_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, flag=flag)
    assert refusal(error.value, "flag") == "That flag is about another budget."
    mine = Flag.objects.create(
        budget=budget,
        code="accumulating",
        severity="medium",
        explanation="Unused money is building up.",
        period=f"{TODAY:%Y-%m}",
        found_on=TODAY,
    )
    assert issue(coordinator, budget, flag=mine).flag == mine


def test_staff_of_another_commissioner_cannot_issue_one(budget, held, other_icb):
    stranger = factories.user(role="care_coordinator", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for NHS North East London ICB"):
        issue(stranger, budget)


def test_an_offset_needs_payments_still_to_come(coordinator, finance, setup, held, sam):
    from openphb.audit.services import Actor
    from openphb.payments.services import hold_start

    budget = setup.budget
    assert issue(coordinator, budget, method="offset").method == "offset"
    hold_start(
        actor=Actor(user=finance),
        setup=setup,
        kind="stop",
        reason="consent_withdrawn",
        starts_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, method="offset")
    assert refusal(error.value, "method") == (
        "The direct payment has stopped, so there are no payments to take it off."
    )


def test_an_offset_is_refused_once_the_budget_has_ended(coordinator, setup, held):
    from openphb.budgets.models import Budget

    budget = setup.budget
    ended = TODAY - datetime.timedelta(days=1)
    Budget.objects.filter(pk=budget.pk).update(
        starts_on=ended - datetime.timedelta(days=60), ends_on=ended
    )
    budget.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        issue(coordinator, budget, method="offset")
    assert refusal(error.value, "method") == (
        f"The budget ended on {ended:%-d %B %Y}, so no more payments will be made from it; "
        "ask for it to be repaid."
    )
    assert issue(coordinator, budget, method="repayment").method == "repayment"


def test_a_notice_is_only_for_direct_payment_money(coordinator, icb, patient):
    stream = factories.funding_stream()
    factories.allocation(stream=stream, commissioner=icb, amount=1_000_000)
    notional = factories.budget(
        patient=patient, commissioner=icb, stream=stream, holding="notional"
    )
    with pytest.raises(ValidationError) as error:
        issue(coordinator, notional)
    assert refusal(error.value, "budget") == (
        "Nothing in this budget is paid by direct payment, so none is recovered."
    )


def test_more_paid_in_raises_what_may_be_recovered(coordinator, budget, held):
    pay_in(budget, 50_000)
    assert issue(coordinator, budget, amount=350_000).amount == 350_000
