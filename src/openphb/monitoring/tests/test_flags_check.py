"""Checking budgets: the facts are gathered from the database, each flag is raised once, and a
check is written to the audit log once, with its counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import Code, Flag, Severity
from openphb.monitoring.services import flags_check
from openphb.planning import decisions
from openphb.planning import services as planning
from openphb.planning.models import Decision
from openphb.planning.tests.journeys import catalogue_spec
from openphb.registry.models import Carer, Representative

from .world import SYSTEM, TODAY, dp_budget, hold, line, paid

pytestmark = pytest.mark.django_db
DAY = TODAY - datetime.timedelta(days=10)


def test_a_gambling_purchase_is_flagged_once_however_often_budgets_are_checked(budget):
    bet = line(budget, amount=2_500, booked_on=DAY, merchant="Lucky Bets", mcc="7995")
    first = flags_check(actor=SYSTEM, on=TODAY)
    second = flags_check(actor=SYSTEM, on=TODAY)
    flag = Flag.objects.get(code=Code.EXCLUDED_CATEGORY)
    assert flag.statement_line == bet
    assert flag.budget == budget
    assert flag.severity == Severity.HIGH
    assert flag.amount == 2_500
    assert flag.found_on == TODAY
    assert "Lucky Bets" in flag.explanation
    assert first.raised[Code.EXCLUDED_CATEGORY] == 1
    assert second.total == 0
    assert Flag.objects.count() == 1  # not also 'not in the plan': the exclusion says more


def test_a_check_writes_one_audit_event_with_its_counts_and_none_when_nothing_is_new(budget, icb):
    line(budget, amount=2_500, booked_on=DAY, mcc="7995")
    line(budget, amount=1_000, booked_on=DAY, mcc="5921")
    flags_check(actor=SYSTEM, on=TODAY)
    flags_check(actor=SYSTEM, on=TODAY)
    (event,) = AuditEvent.objects.filter(action="flag.raised")
    assert event.object_id == str(icb.pk)
    assert event.changes["raised"] == {Code.EXCLUDED_CATEGORY: 2}


def test_cash_above_the_limit_is_one_flag_for_the_month_even_as_more_is_withdrawn(budget):
    march = datetime.date(TODAY.year, TODAY.month, 1)
    line(budget, amount=8_000, booked_on=march, kind="cash")
    line(budget, amount=3_000, booked_on=march, kind="cash")
    flags_check(actor=SYSTEM, on=TODAY)
    line(budget, amount=5_000, booked_on=march, kind="cash")
    flags_check(actor=SYSTEM, on=TODAY)
    flag = Flag.objects.get(code=Code.CASH_ABOVE_POLICY)
    assert flag.statement_line is None
    assert flag.period == f"{TODAY:%Y-%m}"
    assert flag.amount == 11_000


def test_money_building_up_beyond_three_months_of_payments_is_flagged(budget):
    start = TODAY - datetime.timedelta(days=20)
    paid(budget, 31_000, start, start + datetime.timedelta(days=30))  # £10 a day
    hold(budget, 150_000)
    flags_check(actor=SYSTEM, on=TODAY)
    flag = Flag.objects.get(code=Code.ACCUMULATING)
    assert flag.amount == 150_000 - 3 * 30_438
    assert "£1,500.00" in flag.explanation


def test_what_is_held_is_read_as_at_the_day_checked(budget):
    start = budget.starts_on
    paid(budget, 31_000, start, start + datetime.timedelta(days=30))
    hold(budget, 150_000, on=start + datetime.timedelta(days=5))
    flags_check(actor=SYSTEM, on=start + datetime.timedelta(days=4))
    assert not Flag.objects.filter(code=Code.ACCUMULATING).exists()


def test_paying_the_persons_carer_is_flagged_and_the_person_themself_is_not(budget, sam):
    Carer.objects.create(
        cares_for=sam, full_name="Grace Adeyemi", relationship="daughter", starts_on=DAY
    )
    line(budget, amount=30_000, booked_on=DAY, kind="transfer", counterparty="G ADEYEMI")
    line(budget, amount=30_000, booked_on=DAY, kind="transfer", counterparty="S ADEYEMI")
    flags_check(actor=SYSTEM, on=TODAY)
    (flag,) = Flag.objects.filter(code=Code.FAMILY_PAYEE)
    assert flag.statement_line.counterparty == "G ADEYEMI"
    assert "daughter" in flag.explanation


def test_spending_after_the_person_died_is_flagged(budget, sam):
    sam.date_of_death = DAY - datetime.timedelta(days=1)
    sam.save()
    line(budget, amount=4_000, booked_on=DAY, match="planned")
    flags_check(actor=SYSTEM, on=TODAY)
    assert Flag.objects.filter(code=Code.AFTER_DEATH).count() == 1


def test_planned_spending_beyond_what_is_held_for_its_category_is_flagged(budget):
    hold(budget, 10_000)
    plan_line = budget.lines.get()
    line(
        budget,
        amount=8_000,
        booked_on=DAY - datetime.timedelta(days=1),
        match="planned",
        line=plan_line,
    )
    over = line(budget, amount=5_000, booked_on=DAY, match="planned", line=plan_line)
    flags_check(actor=SYSTEM, on=TODAY)
    flag = Flag.objects.get(code=Code.CATEGORY_OVERSPENT)
    assert flag.statement_line == over
    assert flag.amount == 3_000


def test_no_spending_for_ninety_days_while_payments_arrive_is_flagged(budget):
    line(budget, amount=1_000, booked_on=TODAY - datetime.timedelta(days=120))
    line(
        budget,
        amount=50_000,
        booked_on=TODAY - datetime.timedelta(days=5),
        direction="in",
        kind="credit",
        match="reconciled",
    )
    flags_check(actor=SYSTEM, on=TODAY)
    assert Flag.objects.filter(code=Code.NO_SPENDING, period=f"{TODAY:%Y-%m}").count() == 1


def test_an_approved_plan_item_paying_a_relative_allows_paying_them(
    icb, scene, person, enrolment, coordinator, clinician, commissioner
):
    from openphb.planning import assessing

    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=factories.levels(altered_states="severe", psychological="moderate"),
    )
    plan = planning.plan_start(
        actor=Actor(user=coordinator),
        patient=person,
        starts_on=TODAY - datetime.timedelta(days=30),
        assessment=assessment,
        coordinator=coordinator,
    )
    planning.outcome_save(
        actor=Actor(user=coordinator), plan=plan, what_matters="Swimming.", goal="Swim weekly."
    )
    planning.item_add(
        actor=Actor(user=coordinator),
        plan=plan,
        spec=catalogue_spec(
            scene,
            scene.items.assistant,
            payee="close_family",
            payee_justification="His daughter is the only assistant he will accept.",
        ),
    )
    planning.plan_update(
        actor=Actor(user=coordinator),
        plan=plan,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        coordinator=coordinator,
        difference_justification="Agreed.",
    )
    decisions.plan_submit(actor=Actor(user=coordinator), plan=plan)
    for item in plan.items.all():
        decisions.item_decide(actor=Actor(user=clinician), item=item, decision=Decision.APPROVED)
    decisions.clinical_review_complete(actor=Actor(user=clinician), plan=plan)
    decisions.plan_approve(actor=Actor(user=commissioner), plan=plan)
    plan.refresh_from_db()
    from openphb.payments.models import DirectPaymentSetup

    DirectPaymentSetup.objects.create(
        budget=plan.budget,
        payee_kind="person",
        payee_name="Sam Adeyemi",
        account_type="dedicated",
        frequency="monthly",
        first_payment_on=plan.starts_on,
    )
    Representative.objects.create(
        patient=person,
        full_name="Grace Adeyemi",
        relationship="daughter",
        authority="nominee",
        starts_on=DAY - datetime.timedelta(days=100),
    )
    line(plan.budget, amount=30_000, booked_on=DAY, kind="transfer", counterparty="G Adeyemi")
    flags_check(actor=SYSTEM, on=TODAY)
    assert not Flag.objects.filter(code=Code.FAMILY_PAYEE).exists()


def test_a_person_checks_only_the_budgets_of_commissioners_they_act_for(
    budget, other_icb, stream, coordinator
):
    factories.allocation(stream=stream, commissioner=other_icb, amount=1_000_000)
    elsewhere = dp_budget(
        commissioner=other_icb,
        patient=factories.patient(commissioner=other_icb),
        stream=stream,
    )
    line(budget, amount=2_500, booked_on=DAY, mcc="7995")
    line(elsewhere, amount=2_500, booked_on=DAY, mcc="7995")
    result = flags_check(actor=Actor(user=coordinator), on=TODAY)
    assert result.budgets == 1
    assert list(Flag.objects.values_list("budget_id", flat=True)) == [budget.pk]


def test_asking_for_another_commissioners_budgets_is_refused(budget, other_icb, coordinator):
    with pytest.raises(ValidationError, match="You do not work for NHS Nottingham"):
        flags_check(actor=Actor(user=coordinator), on=TODAY, commissioner=other_icb)


def test_a_check_of_one_statement_import_looks_at_the_budgets_it_touched(budget, icb, stream):
    other = dp_budget(commissioner=icb, patient=factories.patient(commissioner=icb), stream=stream)
    mine = line(budget, amount=2_500, booked_on=DAY, mcc="7995")
    line(other, amount=2_500, booked_on=DAY, mcc="7995")
    result = flags_check(actor=SYSTEM, on=TODAY, statement_import=mine.statement_import)
    assert result.budgets == 1
    assert Flag.objects.get().budget == budget


def test_a_budget_without_a_direct_payment_is_not_checked(icb, stream):
    notional = factories.budget(
        patient=factories.patient(commissioner=icb), commissioner=icb, stream=stream
    )
    line(notional, amount=2_500, booked_on=DAY, mcc="7995")
    assert flags_check(actor=SYSTEM, on=TODAY).budgets == 0


def test_checking_many_budgets_reads_the_same_number_of_times_as_checking_one(icb, stream):
    def world(n):
        for _ in range(n):
            b = dp_budget(
                commissioner=icb, patient=factories.patient(commissioner=icb), stream=stream
            )
            hold(b, 1_000)
            line(b, amount=2_500, booked_on=DAY, mcc="7995")

    world(1)
    with CaptureQueriesContext(connection) as one:
        flags_check(actor=SYSTEM, on=TODAY)
    world(6)
    with CaptureQueriesContext(connection) as seven:
        result = flags_check(actor=SYSTEM, on=TODAY)
    assert result.total == 6
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_the_last_part_period_of_a_budget_counts_at_its_own_rate_not_spread_over_the_period(
    budget,
):
    # The budget ends 165 days on; its last payment covers the days up to then only, though
    # the period it falls in runs on for four weeks: £10.00 for 1 day is £304.38 a month, not
    # £10.00 over 28 days (£10.87 a month, which would make almost any balance look large).
    last = budget.ends_on
    paid(budget, 1_000, last, last + datetime.timedelta(days=27))
    hold(budget, 80_000)  # under 3 months of £304.38
    result = flags_check(actor=SYSTEM, on=last)
    assert result.raised[Code.ACCUMULATING] == 0
    hold(budget, 20_000, on=last)
    flags_check(actor=SYSTEM, on=last)
    flag = Flag.objects.get(code=Code.ACCUMULATING)
    assert "3 x £304.38 = £913.14" in flag.explanation


def test_a_budget_checked_after_it_ended_is_flagged_for_what_is_still_held(budget):
    hold(budget, 20_000)
    after = budget.ends_on + datetime.timedelta(days=40)
    flags_check(actor=SYSTEM, on=after)
    flag = Flag.objects.get(code=Code.ACCUMULATING)
    assert (flag.amount, flag.period) == (20_000, f"{budget.ends_on:%Y-%m}")
    assert flag.explanation.startswith(f"The budget ended on {budget.ends_on.day} ")
