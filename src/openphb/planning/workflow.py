"""A care plan's statuses and the one table of moves allowed between them."""

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "In clinical review"
    AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
    ACTIVE = "active", "Active"
    REVIEW_DUE = "review_due", "Review due"
    REVISED = "revised", "Replaced by a revised plan"
    ENDED = "ended", "Ended"
    WITHDRAWN = "withdrawn", "Withdrawn"


# status -> the statuses a plan may move to from it
MOVES: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.WITHDRAWN}),
    # Sent back for changes by the clinical reviewer or the approver: with a reason.
    Status.SUBMITTED: frozenset({Status.AWAITING_APPROVAL, Status.DRAFT}),
    Status.AWAITING_APPROVAL: frozenset({Status.ACTIVE, Status.DRAFT}),
    Status.ACTIVE: frozenset({Status.REVIEW_DUE, Status.REVISED, Status.ENDED}),
    Status.REVIEW_DUE: frozenset({Status.ACTIVE, Status.REVISED, Status.ENDED}),
    Status.REVISED: frozenset(),
    Status.ENDED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# Moves that need a written reason.
NEEDS_REASON = frozenset(
    {
        (Status.SUBMITTED, Status.DRAFT),
        (Status.AWAITING_APPROVAL, Status.DRAFT),
        (Status.DRAFT, Status.WITHDRAWN),
        (Status.ACTIVE, Status.ENDED),
        (Status.REVIEW_DUE, Status.ENDED),
    }
)

# A plan in these can change: its outcomes and items are edited only in a draft.
EDITABLE = frozenset({Status.DRAFT})
# The plan in force for the person (money flows against it).
IN_FORCE = frozenset({Status.ACTIVE, Status.REVIEW_DUE})
# Still on its way to approval.
IN_PROGRESS = frozenset({Status.DRAFT, Status.SUBMITTED, Status.AWAITING_APPROVAL})


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in MOVES.get(from_status, frozenset())


def needs_reason(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in NEEDS_REASON


def label(status: str) -> str:
    return str(dict(Status.choices).get(status, status))
