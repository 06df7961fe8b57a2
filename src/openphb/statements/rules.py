"""Which of a commissioner's matching rules money out falls under: pure, over plain values.

A rule looks at one thing about a transaction:

- `counterparty`: the payee's name contains the pattern (any capitals);
- `merchant`: the card merchant's name contains the pattern (any capitals);
- `mcc`: the merchant category code is the pattern's code, or within its range ("8041-8049").

When several rules fit, the most specific wins. A payee rule beats a merchant rule, which beats
a merchant category rule (mcc < merchant < counterparty): a payee is one person or firm, a
merchant name one chain, a category code a whole trade. Between rules on the same field, the
longer name wins ("BOOTS OPTICIANS" over "BOOTS"), a single code beats a range and a narrower
range a wider one; and if two are still as specific, the older rule (lower id).

`choose` decides for one transaction; the matcher applies `best_for` once for each distinct
payee, merchant or code of an import (they repeat far more than transactions do), which gives
the same answer: the winner is the best payee rule, else the best merchant rule, else the best
category rule.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

COUNTERPARTY, MERCHANT, MCC = "counterparty", "merchant", "mcc"
FIELDS = (COUNTERPARTY, MERCHANT, MCC)  # most specific first

_MCC_PATTERN = re.compile(r"(\d{4})(?:-(\d{4}))?")


@dataclass(frozen=True)
class Rule:
    id: int
    field: str
    pattern: str
    category: str


def mcc_range(pattern: str) -> tuple[int, int]:
    """The codes a merchant category pattern covers: '5912' -> (5912, 5912), '8041-8049' ->
    (8041, 8049). ValueError for anything else."""
    found = _MCC_PATTERN.fullmatch(pattern.replace(" ", ""))
    if found is None:
        raise ValueError(f"{pattern!r} is not a merchant category code or a range of them")
    low = int(found.group(1))
    high = int(found.group(2) or low)
    if high < low:
        raise ValueError(f"{pattern!r} goes from a higher code to a lower one")
    return low, high


def fits(rule: Rule, value: str) -> bool:
    """Whether the rule fits the value of its field (a name, or a 4-digit code)."""
    if not value:
        return False
    if rule.field == MCC:
        if not value.isdigit():
            return False
        low, high = mcc_range(rule.pattern)
        return low <= int(value) <= high
    return rule.pattern.casefold() in value.casefold()


def _specificity(rule: Rule) -> tuple[int, int]:
    if rule.field == MCC:
        low, high = mcc_range(rule.pattern)
        return (-(high - low), -rule.id)
    return (len(rule.pattern), -rule.id)


def best_for(rules: Iterable[Rule], value: str) -> Rule | None:
    """The most specific of these rules (all on one field) that fits the value, or None."""
    best: Rule | None = None
    for rule in rules:
        if fits(rule, value) and (best is None or _specificity(rule) > _specificity(best)):
            best = rule
    return best


def choose(rules: Sequence[Rule], *, counterparty: str, merchant: str, mcc: str) -> Rule | None:
    """The rule money out to this payee, merchant and category code falls under, or None."""
    values = {COUNTERPARTY: counterparty, MERCHANT: merchant, MCC: mcc}
    for field in FIELDS:
        found = best_for((rule for rule in rules if rule.field == field), values[field])
        if found is not None:
            return found
    return None
