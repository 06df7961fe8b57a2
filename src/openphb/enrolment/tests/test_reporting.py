"""Uptake and the national return: the numbers a commissioner acts on."""

import datetime

import pytest
from tests import factories

from openphb.enrolment.reporting import Quarter, months_between, national_return, uptake
from openphb.enrolment.services import enrolment_move, enrolment_start, time_record
from openphb.programmes.models import Programme

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 22)


def move(enrolment, staff, to_stage, on, **extra):
    enrolment_move(actor=staff, enrolment=enrolment, to_stage=to_stage, on=on, **extra)


def to_live(enrolment, staff, start, told_first=True, way="notional"):
    move(enrolment, staff, "offered", start, offer_method="letter")
    move(enrolment, staff, "accepted", start + datetime.timedelta(10))
    move(enrolment, staff, "assessed", start + datetime.timedelta(20))
    if told_first:
        move(enrolment, staff, "indicative", start + datetime.timedelta(25))
    move(enrolment, staff, "plan_agreed", start + datetime.timedelta(30), way_of_holding=way)
    move(enrolment, staff, "live", start + datetime.timedelta(40))


@pytest.fixture
def people(icb, staff, programme):
    """Four people enrolling in the programme: one live, one declined, one waiting 40 days for
    an answer, one never offered."""
    made = []
    for _ in range(4):
        person = factories.patient(commissioner=icb)
        factories.condition(person)
        made.append(enrolment_start(actor=staff, programme=programme, patient=person))
    return made


def test_the_funnel_counts_each_step_and_converts(people, staff, programme, monkeypatch):
    live, declined, waiting, _never = people
    start = D(2026, 9, 1)
    for enrolment in people:
        enrolment.identified_on = enrolment.stage_since = start
        enrolment.save()
    to_live(live, staff, start)
    move(declined, staff, "offered", start, offer_method="phone")
    move(declined, staff, "declined", D(2026, 9, 5), reason="money")
    move(waiting, staff, "offered", D(2026, 10, 1), offer_method="letter")
    time_record(actor=staff, enrolment=live, activity="outreach", minutes=30, on=start)
    time_record(actor=staff, enrolment=declined, activity="outreach", minutes=50, on=start)

    result = uptake(programme=programme, today=TODAY)
    (site,) = result.sites
    counts = site.counts
    assert (counts["identified"], counts["offered"], counts["accepted"]) == (4, 3, 1)
    assert (counts["declined"], counts["live"], counts["live_now"]) == (1, 1, 1)
    assert counts["never_offered"] == 1
    assert counts["unanswered"] == 1  # offered on 1 October, no answer by 22 November
    assert site.conversion("offered", "identified") == 0.75
    assert site.conversion("accepted", "offered") == pytest.approx(1 / 3)
    assert site.declined_by_reason == [("Does not want to manage money", 1)]
    assert site.median_days_to_live == 40
    assert site.indicative_before_plan == (1, 1)
    assert site.minutes == 80
    assert site.minutes_per_enrolled == 80
    kinds = {alert.kind for alert in result.alerts}
    assert kinds == {"unanswered", "never_offered"}
    september = next(m for m in result.series if m["month"] == D(2026, 9, 1))
    assert (september["offered"], september["accepted"]) == (2, 1)


def test_a_site_live_for_three_months_with_nobody_enrolled_is_flagged(icb, staff):
    pilot = factories.programme(owner=icb, go_live_on=D(2026, 2, 1))
    person = factories.patient(commissioner=icb)
    factories.condition(person)
    enrolment = enrolment_start(actor=staff, programme=pilot, patient=person)
    time_record(actor=staff, enrolment=enrolment, activity="outreach", minutes=45)
    result = uptake(programme=pilot, today=TODAY)
    stalled = [alert for alert in result.alerts if alert.kind == "stalled"]
    assert len(stalled) == 1
    assert stalled[0].message == (
        f"{icb.name} has been live since 1 February 2026 (9 months) and nobody has a budget yet."
    )
    assert result.sites[0].minutes == 45
    assert result.sites[0].minutes_per_enrolled is None


def test_a_site_live_for_under_three_months_is_not_yet_stalled(icb):
    pilot = factories.programme(owner=icb, go_live_on=D(2026, 9, 1))
    assert [a for a in uptake(programme=pilot, today=TODAY).alerts if a.kind == "stalled"] == []


def test_months_between_counts_whole_months():
    assert months_between(D(2026, 2, 1), D(2026, 5, 1)) == 3
    assert months_between(D(2026, 2, 15), D(2026, 5, 14)) == 2
    assert months_between(D(2026, 5, 1), D(2026, 2, 1)) == 0


def test_quarters_are_financial_quarters():
    q = Quarter.parse("2026-27 Q2")
    assert (q.start, q.end, q.year_start) == (D(2026, 7, 1), D(2026, 9, 30), D(2026, 4, 1))
    q4 = Quarter.parse("2025q4")
    assert (q4.start, q4.end, str(q4)) == (D(2026, 1, 1), D(2026, 3, 31), "2025-26 Q4")
    assert Quarter.containing(D(2026, 11, 22)) == Quarter(2026, 3)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    for bad in ("2026", "2026-27 Q5", "Q2", "soon"):
        with pytest.raises(ValueError, match=r"quarter|Q1 to Q4"):
            Quarter.parse(bad)


def test_the_return_counts_people_live_in_the_quarter_and_the_year(icb, staff, programme):
    adult = factories.patient(commissioner=icb, date_of_birth=D(1950, 1, 1))
    child = factories.patient(commissioner=icb, date_of_birth=D(2012, 1, 1))
    chc = factories.programme(owner=icb, kind="chc", min_age=None, ways=("direct_payment",))
    for person, prog, way in ((adult, programme, "notional"), (child, chc, "direct_payment")):
        factories.condition(person)
        enrolment = enrolment_start(actor=staff, programme=prog, patient=person)
        enrolment.identified_on = enrolment.stage_since = D(2026, 4, 1)
        enrolment.save()
        to_live(enrolment, staff, D(2026, 4, 10), way=way)
    ended = adult.enrolments.get()
    move(ended, staff, "ended", D(2026, 6, 30), reason="chose_to_stop")

    rows = national_return(quarter=Quarter(2026, 2), programmes=Programme.objects.all())
    by_group = {(r["age_group"], r["eligibility_group"], r["way_of_holding"]): r for r in rows}
    assert by_group[("adult", "other", "notional")]["people_in_quarter"] == 0
    assert by_group[("adult", "other", "notional")]["people_year_to_date"] == 1
    assert by_group[("child", "continuing_healthcare", "direct_payment")]["people_in_quarter"] == 1
    assert all(r["commissioner_ods_code"] == icb.ods_code for r in rows)
    assert national_return(quarter=Quarter(2025, 4), programmes=Programme.objects.all()) == []
