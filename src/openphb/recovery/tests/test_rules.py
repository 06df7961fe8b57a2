"""The pure rules of recovery, without a database."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openphb.recovery import rules
from openphb.recovery.models import Ground


def test_spent_money_is_recoverable_only_for_use_outside_the_plan_and_theft():
    for ground in Ground.values:
        limit = rules.recoverable(ground, held=1_000, paid=5_000)
        expected = 5_000 if ground in ("outside_plan", "theft_or_fraud") else 1_000
        assert limit.pence == expected, ground


@given(
    held=st.integers(0, 10**9),
    spent=st.integers(0, 10**9),
    claimed=st.integers(0, 10**9),
    ground=st.sampled_from(Ground.values),
)
def test_a_limit_is_never_negative_and_never_above_what_was_paid(held, spent, claimed, ground):
    limit = rules.recoverable(ground, held=held, paid=held + spent, claimed=claimed)
    assert 0 <= limit.pence <= held + spent
    assert rules.amount_refusal(ground, limit.pence + 1, limit) != ""


def test_every_flag_code_suggests_a_ground():
    from openphb.monitoring.models import Code

    assert set(rules.GROUND_FOR_FLAG) == set(Code.values)
    assert rules.GROUND_FOR_FLAG["accumulating"] == "unused"
    assert rules.GROUND_FOR_FLAG["excluded_category"] == "outside_plan"
    assert rules.GROUND_FOR_FLAG["after_death"] == "death"


def test_a_reconsideration_adds_the_days_it_took_to_the_deadline():
    deadline = datetime.date(2026, 3, 1)
    asked, decided = datetime.date(2026, 2, 10), datetime.date(2026, 2, 24)
    assert rules.deadline_after_pause(deadline, asked, decided) == datetime.date(2026, 3, 15)
    assert rules.deadline_after_pause(deadline, decided, asked) == deadline


def test_the_reference_names_the_notice():
    assert rules.notice_reference(42) == "PHB-R000042"


def test_payers():
    base = dict(ground="unused", died=False, has_representative=False, payee_is_nominee=False)
    assert rules.payer_refusal("person", full_name="Sam", **base) == ""
    assert "Say who must pay" in rules.payer_refusal("cousin", full_name="Sam", **base)
    death = dict(base, ground="death", died=True)
    assert rules.payer_refusal("estate", full_name="Sam", **death) == ""
    assert "has died" in rules.payer_refusal("person", full_name="Sam", **death)
