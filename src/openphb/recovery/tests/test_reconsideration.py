"""Reconsideration: whoever must pay (or staff for them) asks; a commissioner who did not issue
the notice decides: upheld, reduced or withdrawn; the clock stops meanwhile. And withdrawing a
notice."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.recovery.models import NoticeEvent, Reconsideration, Status
from openphb.recovery.services import (
    notice_withdraw,
    reconsideration_decide,
    reconsideration_request,
    recovery_record,
)

from .conftest import DEADLINE, TODAY, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(coordinator, budget, held):
    return issue(coordinator, budget)


def ask(user, notice, grounds="I am saving for a new hoist the plan agreed."):
    return reconsideration_request(actor=Actor(user=user), notice=notice, grounds=grounds)


def decide(user, asked, verdict="upheld", reasons="The plan does not include a hoist.", **more):
    return reconsideration_decide(
        actor=Actor(user=user), reconsideration=asked, verdict=verdict, reasons=reasons, **more
    )


def test_the_holder_asks_and_the_notice_waits(holder, notice):
    asked = ask(holder, notice)
    notice.refresh_from_db()
    assert notice.status == Status.RECONSIDERING
    assert (asked.requested_by, asked.requested_on, asked.verdict) == (holder, TODAY, "open")
    assert NoticeEvent.objects.filter(notice=notice, to_status="reconsidering", by=holder).exists()
    assert AuditEvent.objects.filter(action="notice.reconsideration_requested").exists()


def test_a_coordinator_may_ask_for_the_person(coordinator, notice):
    assert ask(coordinator, notice).requested_by == coordinator


def test_someone_elses_notice_cannot_be_asked_about(notice):
    stranger = factories.user(role="budget_holder")
    with pytest.raises(notice.DoesNotExist):
        ask(stranger, notice)


def test_grounds_are_needed_and_one_request_waits_at_a_time(holder, notice):
    with pytest.raises(ValidationError) as error:
        ask(holder, notice, grounds="  ")
    assert error.value.message_dict["grounds"] == ["Say why the notice should be looked at again."]
    ask(holder, notice)
    with pytest.raises(ValidationError, match="already waiting for a decision"):
        ask(holder, notice)


def test_the_holder_asks_by_the_deadline_and_staff_after_it(holder, coordinator, notice):
    Notice = type(notice)
    Notice.objects.filter(pk=notice.pk).update(deadline=TODAY - datetime.timedelta(days=1))
    notice.refresh_from_db()
    with pytest.raises(ValidationError, match="has passed: call or write to us"):
        ask(holder, notice)
    assert ask(coordinator, notice).requested_by == coordinator


def test_upheld_the_notice_is_collected_again_with_the_days_it_waited_added(
    holder, commissioner, notice
):
    asked = ask(holder, notice)
    Reconsideration.objects.filter(pk=asked.pk).update(
        requested_on=TODAY - datetime.timedelta(days=5)
    )
    decided = decide(commissioner, asked)
    notice.refresh_from_db()
    assert (decided.verdict, decided.decided_by, notice.status) == (
        "upheld",
        commissioner,
        "issued",
    )
    assert notice.deadline == DEADLINE + datetime.timedelta(days=5)
    assert AuditEvent.objects.filter(action="notice.reconsidered").exists()


def test_reduced_the_notice_asks_for_less(holder, commissioner, coordinator, notice):
    recovery_record(
        actor=Actor(user=coordinator), notice=notice, method="repayment", amount=20_000, on=TODAY
    )
    asked = ask(holder, notice)
    with pytest.raises(ValidationError) as error:
        decide(commissioner, asked, verdict="reduced", new_amount=100_000)
    assert error.value.message_dict["new_amount"] == ["A reduction is below the present £1,000.00."]
    with pytest.raises(ValidationError) as error:
        decide(commissioner, asked, verdict="reduced", new_amount=20_000)
    assert error.value.message_dict["new_amount"] == [
        "£200.00 has been recovered already; a reduced amount is more than that (or withdraw "
        "the notice)."
    ]
    with pytest.raises(ValidationError) as error:
        decide(commissioner, asked, verdict="reduced")
    assert error.value.message_dict["new_amount"] == ["Give the new amount."]
    decide(commissioner, asked, verdict="reduced", new_amount=50_000)
    notice.refresh_from_db()
    assert (notice.status, notice.amount, notice.amount_first) == ("issued", 50_000, 100_000)


def test_withdrawn_on_reconsideration_the_notice_ends(holder, commissioner, notice):
    decide(commissioner, ask(holder, notice), verdict="withdrawn", reasons="The hoist is agreed.")
    notice.refresh_from_db()
    assert notice.status == Status.WITHDRAWN
    statuses = list(
        NoticeEvent.objects.filter(notice=notice).values_list("from_status", "to_status")
    )
    assert statuses == [("", "issued"), ("issued", "reconsidering"), ("reconsidering", "withdrawn")]


def test_only_a_commissioner_who_did_not_issue_it_decides(icb, holder, coordinator, budget, held):
    asked = ask(holder, issue(coordinator, budget))
    with pytest.raises(ValidationError, match="Only a commissioner decides"):
        decide(coordinator, asked)
    # Had a commissioner issued the notice, they could not decide it.
    boss = factories.user(role="commissioner", organisations=(icb,))
    own = issue(boss, budget, amount=1_000)
    with pytest.raises(ValidationError, match="You issued this notice, so someone else"):
        decide(boss, ask(holder, own))


def test_a_commissioner_elsewhere_cannot_decide(holder, notice, other_icb):
    stranger = factories.user(role="commissioner", organisations=(other_icb,))
    with pytest.raises(ValidationError, match="You do not work for"):
        decide(stranger, ask(holder, notice))


def test_a_decision_is_made_once_with_reasons(holder, commissioner, notice):
    asked = ask(holder, notice)
    with pytest.raises(ValidationError) as error:
        decide(commissioner, asked, verdict="maybe", reasons=" ", new_amount=5)
    assert set(error.value.message_dict) == {"verdict", "reasons", "new_amount"}
    decide(commissioner, asked)
    with pytest.raises(ValidationError, match="decided already"):
        decide(commissioner, asked)


def test_a_notice_is_withdrawn_with_a_reason_and_not_while_reconsidered(
    holder, coordinator, notice
):
    with pytest.raises(ValidationError) as error:
        notice_withdraw(actor=Actor(user=coordinator), notice=notice, reason="")
    assert error.value.message_dict["reason"] == ["Say why the notice is withdrawn."]
    ask(holder, notice)
    with pytest.raises(ValidationError, match="withdraw it by deciding the reconsideration"):
        notice_withdraw(actor=Actor(user=coordinator), notice=notice, reason="Wrong budget.")


def test_a_withdrawn_notice_cannot_be_reconsidered_or_withdrawn_again(holder, coordinator, notice):
    notice_withdraw(actor=Actor(user=coordinator), notice=notice, reason="Issued in error.")
    assert AuditEvent.objects.filter(action="notice.withdrawn").exists()
    with pytest.raises(ValidationError, match="nothing to reconsider"):
        ask(holder, notice)
    with pytest.raises(ValidationError, match="cannot become withdrawn"):
        notice_withdraw(actor=Actor(user=coordinator), notice=notice, reason="Again.")


def test_the_notice_events_are_append_only(notice):
    from django.db import DatabaseError, transaction

    event = NoticeEvent.objects.get(notice=notice)
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeEvent.objects.filter(pk=event.pk).update(note="changed")
