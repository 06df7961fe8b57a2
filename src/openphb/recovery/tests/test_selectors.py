"""Who sees which notices, what is outstanding, and the worklists."""

import datetime

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.recovery import selectors
from openphb.recovery.models import Notice
from openphb.recovery.services import reconsideration_request, recovery_record
from openphb.registry.models import Representative

from .conftest import TODAY, issue, pay_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(coordinator, budget, held):
    return issue(coordinator, budget)


@pytest.fixture
def elsewhere(other_icb, elsewhere_patient):
    """A notice of another ICB's."""
    from openphb.budgets.services import budget_pay

    stream = factories.funding_stream()
    factories.allocation(stream=stream, commissioner=other_icb, amount=1_000_000)
    budget = factories.budget(patient=elsewhere_patient, commissioner=other_icb, stream=stream)
    budget_pay(
        actor=Actor.system_job("test"),
        budget=budget,
        line=budget.lines.get(),
        amount=10_000,
        on=budget.starts_on,
        description="",
    )
    nurse = factories.user(role="care_coordinator", organisations=(other_icb,))
    return issue(nurse, budget, amount=5_000, payer_name="Someone Else")


def test_staff_see_their_commissioners_notices_only(
    coordinator, finance, commissioner, analyst, notice, elsewhere
):
    for user in (coordinator, finance, commissioner):
        assert list(selectors.notices_visible_to(user=user)) == [notice], user
    assert list(selectors.notices_visible_to(user=analyst)) == []
    with pytest.raises(Notice.DoesNotExist):
        selectors.notice_get(user=coordinator, pk=elsewhere.pk)


def test_the_holder_sees_their_own_and_those_they_represent(holder, notice, elsewhere, sam):
    assert list(selectors.notices_visible_to(user=holder)) == [notice]
    mother = factories.user(role="budget_holder")
    assert list(selectors.notices_visible_to(user=mother)) == []
    Representative.objects.create(
        patient=sam,
        full_name="Ada",
        relationship="mother",
        authority="deputy",
        starts_on=datetime.date(2020, 1, 1),
        account=mother,
    )
    assert list(selectors.notices_visible_to(user=mother)) == [notice]
    assert selectors.has_notices(user=mother)
    assert not selectors.has_notices(user=factories.user(role="budget_holder"))


def test_outstanding_is_what_is_left_after_recoveries(finance, notice):
    recovery_record(
        actor=Actor(user=finance), notice=notice, method="repayment", amount=30_000, on=TODAY
    )
    found = selectors.notice_get(user=finance, pk=notice.pk)
    assert (found.recovered, selectors.outstanding(found)) == (30_000, 70_000)
    assert selectors.outstanding(Notice.objects.get(pk=notice.pk)) == 70_000
    assert [n.recovered for n in selectors.notices_of_budget(budget_id=notice.budget_id)] == [
        30_000
    ]


def test_the_worklists(coordinator, commissioner, holder, icb, budget, held):
    pay_in(budget, 100_000)
    late = issue(coordinator, budget, amount=1_000)
    Notice.objects.filter(pk=late.pk).update(
        issued_on=TODAY - datetime.timedelta(days=40), deadline=TODAY - datetime.timedelta(days=1)
    )
    waiting = issue(coordinator, budget, amount=2_000)
    asked = reconsideration_request(actor=Actor(user=holder), notice=waiting, grounds="Why?")
    assert list(selectors.notices_past_deadline(user=coordinator)) == [late]
    assert list(selectors.notices_issued(user=coordinator)) == [late]
    [row] = selectors.reconsiderations_waiting(user=commissioner)
    assert (row.reconsideration, row.notice) == (asked, waiting)
    assert row.deciders == [commissioner]
    assert selectors.reconsideration_get(user=commissioner, pk=asked.pk) == asked
