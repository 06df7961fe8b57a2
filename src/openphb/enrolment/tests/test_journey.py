"""The enrolment journey: one table of moves, immutable history, reasons where needed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st
from tests import factories

from openphb.enrolment import stages
from openphb.enrolment.models import Enrolment, Move, TimeEntry
from openphb.enrolment.selectors import queue
from openphb.enrolment.services import (
    enrolment_move,
    enrolment_start,
    next_action_set,
    time_record,
)
from openphb.enrolment.stages import Stage
from openphb.registry.services import restriction_add

pytestmark = pytest.mark.django_db
D = datetime.date


@given(st.sampled_from(Stage.values), st.sampled_from(Stage.values))
def test_the_table_allows_a_move_exactly_when_it_lists_it(from_stage, to_stage):
    listed = {to for to, _backward in stages.allowed_moves(from_stage)}
    assert stages.is_allowed(from_stage, to_stage) == (to_stage in listed)


def test_ended_is_final_and_every_other_stage_can_end():
    assert stages.allowed_moves(Stage.ENDED) == []
    for stage in Stage.values:
        if stage != Stage.ENDED:
            assert stages.is_allowed(stage, Stage.ENDED)


def walk(enrolment, staff, *steps):
    for to_stage, on, extra in steps:
        enrolment_move(actor=staff, enrolment=enrolment, to_stage=to_stage, on=on, **extra)
    enrolment.refresh_from_db()
    return enrolment


def test_a_person_moves_from_identified_to_budget_live_and_every_move_is_kept(enrolment, staff):
    walk(
        enrolment,
        staff,
        ("offered", D(2026, 1, 5), {"offer_method": "letter"}),
        ("accepted", D(2026, 1, 20), {}),
        ("assessed", D(2026, 2, 1), {}),
        ("indicative", D(2026, 2, 10), {}),
        ("plan_agreed", D(2026, 3, 1), {"way_of_holding": "direct_payment"}),
        ("live", D(2026, 3, 15), {}),
    )
    assert enrolment.stage == "live"
    assert (enrolment.offered_on, enrolment.live_on) == (D(2026, 1, 5), D(2026, 3, 15))
    assert enrolment.offer_method == "letter"
    assert enrolment.way_of_holding == "direct_payment"
    moves = list(enrolment.moves.values_list("from_stage", "to_stage"))
    assert moves[0] == ("identified", "offered")
    assert moves[-1] == ("plan_agreed", "live")
    with pytest.raises(IntegrityError), transaction.atomic():
        Move.objects.filter(enrolment=enrolment).update(note="rewritten")


def test_a_move_the_table_does_not_allow_is_refused(enrolment, staff):
    with pytest.raises(ValidationError) as refused:
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="live")
    assert "cannot move to 'Budget live'" in refused.value.message_dict["to_stage"][0]


def test_an_offer_says_how_it_was_made_and_a_decline_why(enrolment, staff):
    with pytest.raises(ValidationError) as refused:
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="offered", on=D(2026, 2, 1))
    assert "how the offer was made" in refused.value.message_dict["offer_method"][0]
    walk(enrolment, staff, ("offered", D(2026, 2, 1), {"offer_method": "phone"}))
    with pytest.raises(ValidationError) as refused:
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="declined", reason="bored")
    assert refused.value.message_dict["reason"] == ["Choose why the person declined."]


def test_moving_back_is_explicit_and_needs_a_reason(enrolment, staff):
    walk(enrolment, staff, ("offered", D(2026, 2, 1), {"offer_method": "letter"}))
    with pytest.raises(ValidationError) as refused:
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="identified")
    assert "needs a reason" in refused.value.message_dict["note"][0]
    walk(enrolment, staff, ("identified", D(2026, 2, 3), {"note": "Letter returned: moved house"}))
    move = enrolment.moves.last()
    assert (move.backward, move.note) == (True, "Letter returned: moved house")
    assert enrolment.offered_on == D(2026, 2, 1)  # first reached stays


def test_dates_cannot_be_in_the_future_or_before_the_current_stage(enrolment, staff):
    for on in (D(2025, 12, 31), datetime.date.today() + datetime.timedelta(days=1)):
        with pytest.raises(ValidationError):
            enrolment_move(
                actor=staff, enrolment=enrolment, to_stage="offered", on=on, offer_method="letter"
            )


def test_a_direct_payment_is_refused_while_a_requirement_rules_it_out(enrolment, staff, patient):
    restriction_add(actor=staff, patient=patient, kind="drug_rehab", starts_on=D(2025, 6, 1))
    walk(
        enrolment,
        staff,
        ("offered", D(2026, 1, 5), {"offer_method": "letter"}),
        ("accepted", D(2026, 1, 20), {}),
        ("assessed", D(2026, 2, 1), {}),
    )
    with pytest.raises(ValidationError) as refused:
        enrolment_move(
            actor=staff,
            enrolment=enrolment,
            to_stage="plan_agreed",
            on=D(2026, 3, 1),
            way_of_holding="direct_payment",
        )
    assert "rules out a direct payment" in refused.value.message_dict["way_of_holding"][0]
    walk(enrolment, staff, ("plan_agreed", D(2026, 3, 1), {"way_of_holding": "notional"}))
    assert enrolment.way_of_holding == "notional"


def test_a_way_of_holding_the_programme_does_not_offer_is_refused(enrolment, staff):
    walk(
        enrolment,
        staff,
        ("offered", D(2026, 1, 5), {"offer_method": "letter"}),
        ("accepted", D(2026, 1, 20), {}),
        ("assessed", D(2026, 2, 1), {}),
    )
    with pytest.raises(ValidationError, match="does not offer"):
        enrolment_move(
            actor=staff,
            enrolment=enrolment,
            to_stage="plan_agreed",
            on=D(2026, 3, 1),
            way_of_holding="third_party",
        )


def test_ending_needs_a_coded_reason_and_a_new_enrolment_can_then_start(
    enrolment, staff, programme, patient
):
    with pytest.raises(ValidationError):
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="ended")
    walk(enrolment, staff, ("ended", D(2026, 2, 1), {"reason": "moved"}))
    assert (enrolment.ended_on, enrolment.end_reason) == (D(2026, 2, 1), "moved")
    again = enrolment_start(actor=staff, programme=programme, patient=patient)
    assert again.pk != enrolment.pk


def test_one_open_enrolment_a_person_a_programme(enrolment, staff, programme, patient):
    with pytest.raises(ValidationError, match="already enrolling"):
        enrolment_start(actor=staff, programme=programme, patient=patient)


def test_starting_an_ineligible_person_says_why(staff, programme, icb):
    person = factories.patient(commissioner=icb)
    with pytest.raises(ValidationError, match="no qualifying condition"):
        enrolment_start(actor=staff, programme=programme, patient=person)


def test_staff_time_is_checked_and_kept(enrolment, staff):
    entry = time_record(actor=staff, enrolment=enrolment, activity="outreach", minutes=20)
    assert (entry.minutes, entry.on) == (20, datetime.date.today())
    with pytest.raises(ValidationError) as refused:
        time_record(actor=staff, enrolment=enrolment, activity="tea", minutes=0)
    assert set(refused.value.message_dict) == {"activity", "minutes"}
    with pytest.raises(ValidationError, match="720 minutes"):
        time_record(actor=staff, enrolment=enrolment, activity="review", minutes=721)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=entry.pk).update(minutes=200)


def test_queues_hold_only_people_the_coordinator_may_see(enrolment, staff, coordinator, other_icb):
    theirs = factories.programme(owner=other_icb)
    elsewhere = factories.patient(commissioner=other_icb)
    factories.condition(elsewhere)
    enrolment_start(actor=staff, programme=theirs, patient=elsewhere)
    assert list(queue(user=coordinator, name="never-offered")) == [enrolment]
    walk(enrolment, staff, ("offered", D(2026, 1, 5), {"offer_method": "letter"}))
    assert list(queue(user=coordinator, name="never-offered")) == []
    assert list(queue(user=coordinator, name="awaiting-answer")) == [enrolment]


def test_next_actions_due_within_a_week_are_queued_soonest_first(enrolment, staff, coordinator):
    today = datetime.date.today()
    with pytest.raises(ValidationError):
        next_action_set(actor=staff, enrolment=enrolment, next_action="Phone", due=None)
    next_action_set(actor=staff, enrolment=enrolment, next_action="Phone", due=today)
    assert list(queue(user=coordinator, name="actions-due")) == [enrolment]
    next_action_set(
        actor=staff, enrolment=enrolment, next_action="Phone", due=today + datetime.timedelta(30)
    )
    assert list(queue(user=coordinator, name="actions-due")) == []
    assert Enrolment.objects.get().next_action == "Phone"
