"""The enrolment journey: its stages and the one table of moves allowed between them."""

from django.db import models


class Stage(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ASSESSED = "assessed", "Needs assessed"
    INDICATIVE = "indicative", "Indicative budget shared"
    PLAN_AGREED = "plan_agreed", "Plan agreed"
    LIVE = "live", "Budget live"
    ENDED = "ended", "Ended"


class OfferMethod(models.TextChoices):
    LETTER = "letter", "Letter"
    PHONE = "phone", "Phone call"
    IN_PERSON = "in_person", "In person"


class DeclineReason(models.TextChoices):
    HAPPY_WITH_SERVICES = "happy", "Happy with the services they have"
    TOO_MUCH_RESPONSIBILITY = "responsibility", "Worried about the responsibility or paperwork"
    MANAGING_MONEY = "money", "Does not want to manage money"
    TOO_UNWELL = "unwell", "Too unwell to take it on now"
    NOT_INTERESTED = "not_interested", "Not interested"
    NO_REPLY = "no_reply", "No reply after reminders"
    OTHER = "other", "Other reason"


class EndReason(models.TextChoices):
    DIED = "died", "Died"
    NO_LONGER_ELIGIBLE = "not_eligible", "No longer eligible"
    MOVED_AWAY = "moved", "Moved to another commissioner"
    CHOSE_TO_STOP = "chose_to_stop", "Chose to stop"
    NEEDS_CHANGED = "needs_changed", "Needs now met another way"
    STOPPED_BY_NHS = "stopped", "Stopped by the NHS (misuse or risk)"
    OTHER = "other", "Other reason"


# stage -> the stages a person may move on to from it
FORWARD: dict[str, frozenset[str]] = {
    Stage.IDENTIFIED: frozenset({Stage.OFFERED}),
    Stage.OFFERED: frozenset({Stage.ACCEPTED, Stage.DECLINED}),
    Stage.ACCEPTED: frozenset({Stage.ASSESSED}),
    Stage.DECLINED: frozenset(),
    Stage.ASSESSED: frozenset({Stage.INDICATIVE, Stage.PLAN_AGREED}),
    Stage.INDICATIVE: frozenset({Stage.PLAN_AGREED}),
    Stage.PLAN_AGREED: frozenset({Stage.LIVE}),
    Stage.LIVE: frozenset(),
    Stage.ENDED: frozenset(),
}

# Moving back is allowed only along these, and always with a reason written down.
BACKWARD: dict[str, frozenset[str]] = {
    Stage.OFFERED: frozenset({Stage.IDENTIFIED}),  # offer never reached them
    Stage.DECLINED: frozenset({Stage.OFFERED}),  # changed their mind: a new offer
    Stage.ACCEPTED: frozenset({Stage.OFFERED}),
    Stage.ASSESSED: frozenset({Stage.ACCEPTED}),
    Stage.INDICATIVE: frozenset({Stage.ASSESSED}),
    Stage.PLAN_AGREED: frozenset({Stage.INDICATIVE, Stage.ASSESSED}),  # plan needs rework
    Stage.LIVE: frozenset({Stage.PLAN_AGREED}),  # plan reviewed before money flows again
}

# Any stage but ended may end (with a coded reason); ended is final: start a new enrolment.
CAN_END = frozenset(stage for stage in Stage.values if stage != Stage.ENDED)

ORDER: list[str] = [
    Stage.IDENTIFIED,
    Stage.OFFERED,
    Stage.ACCEPTED,
    Stage.ASSESSED,
    Stage.INDICATIVE,
    Stage.PLAN_AGREED,
    Stage.LIVE,
]


def allowed_moves(stage: str) -> list[tuple[str, bool]]:
    """(stage, is backward) a person at `stage` may move to, forward first, in journey order."""
    forward = sorted(FORWARD.get(stage, ()), key=_rank)
    backward = sorted(BACKWARD.get(stage, ()), key=_rank, reverse=True)
    ending = [Stage.ENDED] if stage in CAN_END else []
    return (
        [(to, False) for to in forward]
        + [(to, False) for to in ending]
        + [(to, True) for to in backward]
    )


def is_backward(from_stage: str, to_stage: str) -> bool:
    return to_stage in BACKWARD.get(from_stage, frozenset())


def is_allowed(from_stage: str, to_stage: str) -> bool:
    return (
        to_stage in FORWARD.get(from_stage, frozenset())
        or is_backward(from_stage, to_stage)
        or (to_stage == Stage.ENDED and from_stage in CAN_END)
    )


def _rank(stage: str) -> int:
    return ORDER.index(stage) if stage in ORDER else len(ORDER)


# What a coordinator does to move someone to each stage, as the pages say it.
ACTIONS = {
    Stage.IDENTIFIED: "Return to identified",
    Stage.OFFERED: "Record an offer",
    Stage.ACCEPTED: "Record that they accepted",
    Stage.DECLINED: "Record that they declined",
    Stage.ASSESSED: "Record that their needs were assessed",
    Stage.INDICATIVE: "Record that their indicative budget was shared",
    Stage.PLAN_AGREED: "Record that their plan was agreed",
    Stage.LIVE: "Record that their budget is live",
    Stage.ENDED: "End the enrolment",
}


def reason_label(reason: str, to_stage: str) -> str:
    choices = DeclineReason if to_stage == Stage.DECLINED else EndReason
    return str(dict(choices.choices).get(reason, reason))
