"""Who sees which flags, the worklist's order and filters, and the budget holder's own flags."""

import datetime

import pytest
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import Code, Flag, Status
from openphb.monitoring.selectors import (
    flag_get,
    flag_open,
    flags_of_budget,
    flags_visible_to,
    worklist,
)
from openphb.monitoring.services import flag_dismiss, flags_check

from .world import SYSTEM, TODAY, dp_budget, line

pytestmark = pytest.mark.django_db
DAY = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def flags(budget):
    line(budget, amount=2_500, booked_on=DAY, mcc="7995")  # high
    line(budget, amount=500, booked_on=DAY, merchant="Argos")  # not in the plan: low
    line(budget, amount=20_000, booked_on=DAY, merchant="Currys")  # not in the plan: medium
    flags_check(actor=SYSTEM, on=TODAY)
    return Flag.objects.all()


def test_staff_who_monitor_spending_see_their_commissioners_flags(flags, coordinator, finance):
    assert flags_visible_to(user=coordinator).count() == 3
    assert flags_visible_to(user=finance).count() == 3


def test_another_organisations_flag_is_not_found(flags, outsider):
    assert flags_visible_to(user=outsider).count() == 0
    with pytest.raises(Flag.DoesNotExist):
        flag_get(user=outsider, pk=flags.first().pk)


def test_staff_without_the_capability_and_budget_holders_see_no_flags(flags, icb, clinician):
    holder = factories.user(username="sam", role="budget_holder")
    assert flags_visible_to(user=clinician).count() == 0
    assert flags_visible_to(user=holder).count() == 0


def test_the_worklist_puts_open_flags_first_then_the_most_severe(flags, coordinator):
    high = flags.get(code=Code.EXCLUDED_CATEGORY)
    flag_dismiss(actor=Actor(user=coordinator), flag=high, note="Refunded.")
    order = [(f.status, f.severity) for f in worklist(user=coordinator)]
    assert order == [("open", "medium"), ("open", "low"), ("dismissed", "high")]


def test_the_worklist_filters_by_code_severity_and_status(flags, coordinator):
    assert worklist(user=coordinator, code=Code.NOT_IN_PLAN).count() == 2
    assert worklist(user=coordinator, severity="high").count() == 1
    assert worklist(user=coordinator, status=Status.RESOLVED).count() == 0
    assert worklist(user=coordinator, code="nonsense").count() == 3


def test_opening_a_flag_is_written_to_the_persons_audit_trail(flags, coordinator):
    flag = flag_open(actor=Actor(user=coordinator), user=coordinator, pk=flags.first().pk)
    event = AuditEvent.objects.get(action="flag.viewed")
    assert event.patient_id == flag.budget.patient_id


def test_the_holder_reads_their_flags_in_plain_english_for_a_month(budget, flags, coordinator):
    earlier = TODAY - datetime.timedelta(days=75)
    line(budget, amount=1_000, booked_on=earlier, mcc="5993")
    flags_check(actor=SYSTEM, on=TODAY)
    everything = flags_of_budget(budget_id=budget.pk)
    assert len(everything) == 4
    this_month = flags_of_budget(budget_id=budget.pk, month=f"{DAY:%Y-%m}")
    assert {f.booked_on for f in this_month} == {DAY}
    then = flags_of_budget(budget_id=budget.pk, month=f"{earlier:%Y-%m}")
    (tobacco,) = then
    assert tobacco.title == "Purchase in a category a budget cannot buy"
    assert "tobacco" in tobacco.explanation
    assert tobacco.what_happens.startswith("We are looking into this.")


def test_a_budget_wide_flag_belongs_to_the_month_it_is_about(icb, sam, stream):
    other = dp_budget(commissioner=icb, patient=sam, stream=stream)
    month = datetime.date(TODAY.year, TODAY.month, 1)
    line(other, amount=15_000, booked_on=month, kind="cash")
    flags_check(actor=SYSTEM, on=TODAY)
    assert [f.code for f in flags_of_budget(budget_id=other.pk, month=f"{TODAY:%Y-%m}")] == [
        Code.CASH_ABOVE_POLICY
    ]
    previous = (month - datetime.timedelta(days=1)).strftime("%Y-%m")
    assert flags_of_budget(budget_id=other.pk, month=previous) == []
