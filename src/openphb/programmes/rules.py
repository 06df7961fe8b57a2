"""Pure eligibility rules: the facts about one person in, a decision with its reasons out.

The same function decides for one person on their page and for a million in a screening run,
so the explanation a coordinator reads is exactly what the run recorded.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import Reason, WayOfHolding

_SETTING_WORDS = {
    "home": "lives at home",
    "supported": "lives in supported living",
    "care_home": "lives in a care home",
    "nursing_home": "lives in a care home with nursing",
    "hospital": "is in hospital",
    "hospice": "is in a hospice",
    "secure": "is in a secure setting",
}


@dataclass(frozen=True)
class Rules:
    codes: Mapping[str, str]  # SNOMED CT code -> display; empty: any condition qualifies
    min_age: int | None
    max_age: int | None
    settings: frozenset[str]  # empty: any setting
    exclusions: frozenset[str]  # requirement kinds that rule out a direct payment
    ways: frozenset[str]


@dataclass(frozen=True)
class Facts:
    date_of_birth: datetime.date
    date_of_death: datetime.date | None
    codes: frozenset[str]
    setting: str | None
    restriction: str | None


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    age: int
    condition_code: str
    setting: str
    reasons: tuple[str, ...]

    @property
    def reason_text(self) -> str:
        return " ".join(self.reasons)


def age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def evaluate(rules: Rules, facts: Facts, on: datetime.date) -> Outcome:
    """Decide for one person as at `on`. Every failed test is a reason, not just the first."""
    reasons: list[str] = []
    end = min(on, facts.date_of_death) if facts.date_of_death else on
    age = max(age_on(facts.date_of_birth, end), 0)
    if facts.date_of_death is not None and facts.date_of_death <= on:
        reasons.append(Reason.DIED)
    if rules.min_age is not None and age < rules.min_age:
        reasons.append(Reason.TOO_YOUNG)
    if rules.max_age is not None and age > rules.max_age:
        reasons.append(Reason.TOO_OLD)
    matched = ""
    if rules.codes:
        held = sorted(code for code in facts.codes if code in rules.codes)
        if held:
            matched = held[0]
        else:
            reasons.append(Reason.NO_CONDITION)
    setting = facts.setting or ""
    if rules.settings:
        if not setting:
            reasons.append(Reason.SETTING_UNKNOWN)
        elif setting not in rules.settings:
            reasons.append(Reason.SETTING)
    if facts.restriction and facts.restriction in rules.exclusions:
        other_ways = rules.ways - {WayOfHolding.DIRECT_PAYMENT}
        reasons.append(Reason.NO_DIRECT_PAYMENT if other_ways else Reason.DIRECT_PAYMENT_ONLY)
    blocking = [reason for reason in reasons if reason != Reason.NO_DIRECT_PAYMENT]
    return Outcome(
        eligible=not blocking,
        age=age,
        condition_code=matched,
        setting=setting,
        reasons=tuple(reasons),
    )


def explain(
    *,
    eligible: bool,
    age: int,
    condition_code: str,
    setting: str,
    reasons: Iterable[str],
    codes: Mapping[str, str],
    site_name: str,
    setting_rule: bool,
) -> str:
    """A plain-English sentence for a decision, from what was recorded."""
    reasons = list(reasons)
    if eligible:
        parts = []
        if condition_code:
            parts.append(f"{codes.get(condition_code, 'condition')} (SNOMED {condition_code})")
        parts.append(f"age {age}")
        if setting_rule and setting:
            parts.append(_SETTING_WORDS.get(setting, setting))
        parts.append(f"registered with a site of this programme ({site_name})")
        text = "Eligible: " + ", ".join(parts)
        if Reason.NO_DIRECT_PAYMENT in reasons:
            text += "; a requirement rules out a direct payment, so offer another way to hold it"
        return text + "."
    words = [Reason(reason).label for reason in reasons]
    if Reason.TOO_YOUNG in reasons or Reason.TOO_OLD in reasons:
        words = [f"{word} (age {age})" if "age" in word else word for word in words]
    return "Not eligible: " + "; ".join(words) + "."
