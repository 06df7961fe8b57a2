import datetime

import pytest
from django.core.exceptions import ValidationError

from openphb.audit.services import Actor
from openphb.payments import runs
from openphb.payments.calendar import (
    bank_holiday,
    not_a_processing_day,
    processing_day_on_or_after,
)

day = datetime.date


def test_the_england_and_wales_bank_holidays_are_not_processing_days():
    assert {d for d in (day(2026, 12, n) for n in range(24, 32)) if bank_holiday(d)} == {
        day(2026, 12, 25),
        day(2026, 12, 26),
        day(2026, 12, 28),  # Boxing Day falls on a Saturday: the Monday is the holiday
    }
    assert bank_holiday(day(2026, 4, 3)) == "Good Friday"
    assert bank_holiday(day(2026, 4, 6)) == "Easter Monday"
    assert bank_holiday(day(2027, 12, 27))
    assert bank_holiday(day(2027, 12, 28))


def test_one_off_bank_holidays_count_too():
    assert bank_holiday(day(2023, 5, 8))  # the coronation
    assert bank_holiday(day(2022, 9, 19))  # the state funeral


def test_a_scottish_only_holiday_is_a_processing_day():
    assert bank_holiday(day(2026, 1, 2)) is None  # 2 January is a holiday in Scotland only
    assert not_a_processing_day(day(2026, 1, 2)) is None


def test_it_says_why_a_day_is_not_a_processing_day():
    assert not_a_processing_day(day(2026, 12, 5)) == "Saturday 5 December 2026 is a weekend day"
    assert not_a_processing_day(day(2026, 12, 25)) == (
        "Friday 25 December 2026 is a bank holiday (Christmas Day)"
    )
    assert not_a_processing_day(day(2026, 12, 1)) is None


def test_the_next_processing_day_skips_weekends_and_holidays_together():
    assert processing_day_on_or_after(day(2026, 12, 25)) == day(2026, 12, 29)
    assert processing_day_on_or_after(day(2027, 1, 1)) == day(2027, 1, 4)
    assert processing_day_on_or_after(day(2026, 12, 1)) == day(2026, 12, 1)


def test_a_run_cannot_be_made_for_a_bank_holiday(icb, originator, finance):
    with pytest.raises(ValidationError) as refused:
        runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=day(2026, 12, 28))
    assert refused.value.message_dict["payment_date"] == [
        "Monday 28 December 2026 is a bank holiday (Boxing Day (observed)): Bacs does not "
        "process payments then; choose Tuesday 29 December 2026 or another working day."
    ]
