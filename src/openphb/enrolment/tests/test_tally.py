"""The running uptake counters always equal a recount from the enrolment and time rows."""

import datetime
import statistics
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import factories

from openphb.audit.services import Actor
from openphb.enrolment import stages, tally
from openphb.enrolment.models import Activity, Enrolment, UptakeTally
from openphb.enrolment.reporting import _median
from openphb.enrolment.services import (
    enrolment_move,
    enrolment_start,
    screen_and_identify,
    time_record,
)
from openphb.enrolment.stages import DeclineReason, EndReason, OfferMethod, Stage
from openphb.registry.models import Condition

pytestmark = pytest.mark.django_db


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=40))
def test_the_median_of_a_histogram_is_the_median_of_its_values(values):
    assert _median(Counter(values)) == statistics.median(values)


def test_no_values_have_no_median():
    assert _median(Counter()) is None


# One step of a random history: (person, which allowed move or a time entry, days later, minutes)
steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=0, max_value=40),
        st.integers(min_value=1, max_value=720),
    ),
    max_size=25,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=steps)
def test_the_counters_equal_a_recount_after_any_history(icb, history):
    """Each example runs in a programme of its own, so earlier examples cannot interfere."""
    actor = Actor.system_job("test")
    today = timezone.localdate()
    programme = factories.programme(owner=icb, go_live_on=datetime.date(2024, 1, 1))
    people = [factories.patient(commissioner=icb) for _ in range(3)]
    for person in people[:2]:
        factories.condition(person)
    screen_and_identify(actor=actor, programme=programme, on=today - datetime.timedelta(days=400))
    for who, choice, days, minutes in history:
        person = people[who]
        enrolment = (
            Enrolment.objects.filter(programme=programme, patient=person)
            .exclude(stage=Stage.ENDED)
            .first()
        )
        if enrolment is None:
            if not Condition.objects.filter(patient=person).exists():
                factories.condition(person)  # a referral: the third person gains the condition
            enrolment_start(actor=actor, programme=programme, patient=person)
            continue
        on = min(enrolment.stage_since + datetime.timedelta(days=days), today)
        moves = stages.allowed_moves(enrolment.stage)
        if choice == len(moves) or not moves:
            time_record(actor=actor, enrolment=enrolment, activity=Activity.REVIEW, minutes=minutes)
            continue
        to_stage, backward = moves[choice % len(moves)]
        enrolment_move(
            actor=actor,
            enrolment=enrolment,
            to_stage=to_stage,
            on=on,
            offer_method=OfferMethod.values[days % len(OfferMethod.values)],
            reason=(
                DeclineReason.values[days % len(DeclineReason.values)]
                if to_stage == Stage.DECLINED
                else EndReason.values[days % len(EndReason.values)]
            ),
            note="Changed their mind" if backward else "",
            way_of_holding="notional",
        )
    assert tally.stored(programme.pk) == tally.counted(programme.pk)


def test_a_rebuild_replaces_counters_that_went_wrong(icb, patient):
    actor = Actor.system_job("test")
    programme = factories.programme(owner=icb)
    factories.condition(patient)
    screen_and_identify(actor=actor, programme=programme, on=datetime.date(2026, 1, 1))
    site = programme.sites.get()
    UptakeTally.objects.create(programme=programme, site=site, key="now:live", n=99)
    assert tally.stored(programme.pk) != tally.counted(programme.pk)
    tally.rebuild(programme.pk)
    assert tally.stored(programme.pk) == {
        (site.pk, "identified@2026-01"): 1,
        (site.pk, "now:identified"): 1,
    }


def test_the_migration_counts_enrolments_recorded_before_the_counters(icb):
    """Counters for existing data, once per programme even when its enrolments differ."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("openphb.enrolment.migrations.0004_uptake_tally")
    actor = Actor.system_job("test")
    programme = factories.programme(owner=icb)
    for person in [factories.patient(commissioner=icb) for _ in range(3)]:
        factories.condition(person)
    screen_and_identify(actor=actor, programme=programme, on=datetime.date(2026, 1, 1))
    first = Enrolment.objects.filter(programme=programme).first()
    enrolment_move(
        actor=actor,
        enrolment=first,
        to_stage=Stage.OFFERED,
        on=datetime.date(2026, 2, 1),
        offer_method=OfferMethod.LETTER,
    )
    expected = tally.stored(programme.pk)
    UptakeTally.objects.all().delete()
    migration.count_existing(apps, None)
    assert tally.stored(programme.pk) == expected == tally.counted(programme.pk)
