"""Bacs processing days: weekdays that are not bank holidays in England and Wales (Bacs does
not process on them). The holidays, one-off ones included (a coronation, a state funeral), come
from the `holidays` package (ADR 5), not from rules of our own."""

import datetime
from functools import cache

import holidays

DAY = datetime.timedelta(days=1)


@cache
def _bank_holidays(year: int) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(day: datetime.date) -> str | None:
    """The bank holiday's name, if `day` is one in England and Wales."""
    return _bank_holidays(day.year).get(day)


def not_a_processing_day(day: datetime.date) -> str | None:
    """Why Bacs does not process on `day` (a weekend, a named bank holiday), or None."""
    if day.weekday() >= 5:
        return f"{day:%A %-d %B %Y} is a weekend day"
    name = bank_holiday(day)
    if name is not None:
        return f"{day:%A %-d %B %Y} is a bank holiday ({name})"
    return None


def processing_day_on_or_after(day: datetime.date) -> datetime.date:
    while not_a_processing_day(day):
        day += DAY
    return day
