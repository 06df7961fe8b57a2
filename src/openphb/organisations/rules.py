"""Pure rules for following responsibility from one organisation to its successors."""

import datetime
from collections.abc import Mapping

# predecessor id -> (successor id, effective date)
SuccessionMap = Mapping[int, tuple[int, datetime.date]]


def successor_on(organisation_id: int, day: datetime.date, successions: SuccessionMap) -> int:
    """The organisation that answers on `day` for what `organisation_id` was responsible for."""
    seen = {organisation_id}
    current = organisation_id
    while current in successions:
        successor, effective_on = successions[current]
        if effective_on > day or successor in seen:
            break
        seen.add(successor)
        current = successor
    return current


def answering_for(
    organisation_ids: set[int], day: datetime.date, successions: SuccessionMap
) -> set[int]:
    """Every organisation whose responsibilities rest, on `day`, with one of `organisation_ids`:
    the organisations themselves and all their predecessors whose succession has taken effect."""
    return {
        candidate
        for candidate in set(successions) | organisation_ids
        if successor_on(candidate, day, successions) in organisation_ids
    }


def would_make_a_cycle(predecessor_id: int, successor_id: int, successions: SuccessionMap) -> bool:
    current = successor_id
    seen: set[int] = set()
    while current in successions and current not in seen:
        seen.add(current)
        current = successions[current][0]
    return current == predecessor_id or predecessor_id in seen
