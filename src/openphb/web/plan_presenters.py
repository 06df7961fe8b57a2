"""Care plans in words for the pages: what an item costs and why, flags and decisions as tags and
sentences, and the plan's state in plain English for the person it belongs to. Templates call
these through `plan_text` in their context."""

from dataclasses import dataclass

from django.utils import timezone

from openphb.budgets.models import Holding
from openphb.ledger.services import format_pence
from openphb.planning import workflow
from openphb.planning.calculations import FREQUENCIES
from openphb.planning.decisions import NO_CONCERNS
from openphb.planning.models import (
    CarePlan,
    CatalogueVersion,
    Decision,
    ItemDecision,
    PlanItem,
    Reconsideration,
    Review,
    Unit,
)
from openphb.planning.rules import (
    CLINICIAN_TO_DECIDE,
    ITEM_FLAGS_NEEDING_CLINICIAN,
    ONLY_DECLINE,
    DeclineReason,
    Evidence,
    Flag,
)
from openphb.planning.workflow import Status

UNIT_NOUNS: dict[str, tuple[str, str]] = {
    Unit.HOUR: ("hour", "hours"),
    Unit.SESSION: ("session", "sessions"),
    Unit.WEEK: ("week", "weeks"),
    Unit.MONTH: ("month", "months"),
    Unit.ONE_OFF: ("item", "items"),
}


def units(quantity: int, unit: str) -> str:
    one, many = UNIT_NOUNS.get(unit, (unit, unit))
    return f"{quantity:,} {one if quantity == 1 else many}"


PER_UNIT: dict[str, str] = {
    Unit.HOUR: "an hour",
    Unit.SESSION: "a session",
    Unit.WEEK: "a week",
    Unit.MONTH: "a month",
    Unit.ONE_OFF: "one-off",
}


def per_unit(unit: str) -> str:
    """How a price is quoted: '£16.50 an hour', '£550.00 one-off'."""
    return PER_UNIT.get(unit, unit)


def evidence_summary(version: CatalogueVersion) -> str:
    """A catalogue item's evidence in a line, as the catalogue words it: 'Epilepsy:
    Conditional: helps some people; Any condition: Not supported'."""
    parts = []
    for row in version.evidence:
        condition = row.get("condition") or "any condition"
        rating = row.get("rating", "")
        label = Evidence(rating).label if rating in Evidence.values else rating
        parts.append(f"{condition[:1].upper()}{condition[1:]}: {label}")
    return "; ".join(parts)


def frequency(code: str) -> str:
    return FREQUENCIES[code][0] if code in FREQUENCIES else code


TIMES = "\u00d7"  # the multiplication sign


def cost_sum(item: PlanItem) -> str:
    """Quantity x how often x unit price = the cost ('2 sessions x every week (52 times a
    year) x £45.00 = £4,680.00 a year', with the multiplication sign); a one-off is bought
    once."""
    price = format_pence(item.unit_price)
    if item.frequency == "once":
        return f"{units(item.quantity, item.unit)} {TIMES} {price}, bought once = " + format_pence(
            item.annual_cost
        )
    times = FREQUENCIES[item.frequency][1] if item.frequency in FREQUENCIES else 0
    how_often = frequency(item.frequency).lower()
    if times != 1:  # 'once a year' says it already
        how_often += f" ({times} times a year)"
    return (
        f"{units(item.quantity, item.unit)} {TIMES} {how_often} "
        f"{TIMES} {price} = {format_pence(item.annual_cost)} a year"
    )


def period_note(item: PlanItem) -> str:
    """What the item costs for its own dates, when that is not a whole year's cost."""
    if item.cost == item.annual_cost:
        return ""
    return f"{format_pence(item.cost)} from {item.starts_on:%-d %B %Y} to {item.ends_on:%-d %B %Y}"


FLAG_COLOURS: dict[str, str] = {
    Flag.EVIDENCE_NOT_SUPPORTED: "red",
    Flag.EVIDENCE_INSUFFICIENT: "orange",
    Flag.PRICE_OVER_CAP: "orange",
    Flag.FAMILY_PAYEE: "yellow",
    Flag.DIRECT_PAYMENT_RESTRICTED: "red",
    Flag.NO_COORDINATOR: "red",
    Flag.BUDGET_DIFFERENCE: "yellow",
}


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str

    @property
    def classes(self) -> str:
        return f"nhsuk-tag nhsuk-tag--{self.colour}" if self.colour else "nhsuk-tag"


def flag_tag(code: str) -> Tag:
    label = Flag(code).label if code in Flag.values else code
    return Tag(str(label), FLAG_COLOURS.get(code, "grey"))


def needs_clinician(item: PlanItem) -> bool:
    return bool(set(item.flag_codes) & ITEM_FLAGS_NEEDING_CLINICIAN)


DECISION_COLOURS: dict[str, str] = {
    Decision.PENDING: "grey",
    Decision.APPROVED: "green",
    Decision.APPROVED_WITH_CONDITIONS: "aqua-green",
    Decision.DECLINED: "red",
}


def decision_tag(decision: str) -> Tag:
    return Tag(str(Decision(decision).label), DECISION_COLOURS.get(decision, "grey"))


STATUS_COLOURS: dict[str, str] = {
    Status.DRAFT: "grey",
    Status.SUBMITTED: "blue",
    Status.AWAITING_APPROVAL: "yellow",
    Status.ACTIVE: "green",
    Status.REVIEW_DUE: "orange",
    Status.REVISED: "grey",
    Status.ENDED: "grey",
    Status.WITHDRAWN: "grey",
}


def status_tag(status: str) -> Tag:
    return Tag(workflow.label(status), STATUS_COLOURS.get(status, "grey"))


def decline_reason(code: str) -> str:
    """A decline reason in the words staff use ('No evidence it helps with the person's
    condition')."""
    return str(DeclineReason(code).label) if code in DeclineReason.values else ""


# Each decline reason as the person reads it ('your'), or whoever represents them ('their').
DECLINE_REASONS_PLAIN: dict[str, str] = {
    DeclineReason.NO_EVIDENCE: "there is no good evidence it helps with {your} condition",
    DeclineReason.NOT_SUPPORTED: "the guidance clinicians follow does not recommend it",
    DeclineReason.SAFETY: "a clinician was worried it might not be safe for {you}",
    DeclineReason.OUTCOME: "it does not help with any of the goals in {your} plan",
    DeclineReason.ALTERNATIVE: "something that works better is in {your} plan, or can be arranged",
    DeclineReason.COST: "it costs more than the difference it would make for {you}",
    DeclineReason.POLICY: "the NHS organisation that pays for {your} care does not fund it",
}


def decline_reason_plain(code: str, *, own: bool) -> str:
    """A decline reason for the person's own view: to them if `own`, else to whoever
    represents them."""
    if code not in DECLINE_REASONS_PLAIN:
        return ""
    return DECLINE_REASONS_PLAIN[code].format(
        your="your" if own else "their", you="you" if own else "them"
    )


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def decided_by(item: PlanItem) -> str:
    return item.decided_by.display_name if item.decided_by else ""


APPROVED_WITH_THE_PLAN = (
    "Approved with the rest of the plan when the clinical review was completed: nothing about "
    "it needed a clinician's decision."
)


def decision_note(note: str) -> str:
    """A decision's note as staff read it: the reviewer's own words in quotes; the note the
    system records for items approved with the plan, in plain words and unquoted."""
    if note == NO_CONCERNS:
        return APPROVED_WITH_THE_PLAN
    return f"“{note}”" if note else ""


def asked_by(asked: Reconsideration) -> str:
    """Who asked for a reconsideration, by name (the label recorded when they have no account)."""
    return asked.requested_by.display_name if asked.requested_by else asked.requested_by_label


def reconsidered_by(asked: Reconsideration) -> str:
    """Who decided a reconsideration, by name."""
    return asked.decided_by.display_name if asked.decided_by else asked.decided_by_label


def flag_explanation(item: PlanItem, explanation: str) -> str:
    """A flag's explanation; once the item is decided, without what it asks the clinical
    reviewer to do (the decision is shown with the flag instead)."""
    if item.decision == Decision.PENDING:
        return explanation
    return explanation.replace(CLINICIAN_TO_DECIDE, "").replace(ONLY_DECLINE, ".")


def decision_for_staff(item: PlanItem) -> str:
    """What was decided about an item, by whom and when, and why: 'Declined by Anna Smith on 1
    December 2026: Clinical guidance does not support it.'"""
    if item.decision == Decision.PENDING:
        return ""
    who = decided_by(item)
    text = str(Decision(item.decision).label)
    if who:
        text += f" by {who}"
    if item.decided_at:
        text += f" on {timezone.localtime(item.decided_at):%-d %B %Y}"
    if item.decision == Decision.DECLINED and item.decision_reason:
        text += f": {decline_reason(item.decision_reason)}."
    elif item.decision == Decision.APPROVED_WITH_CONDITIONS and item.conditions:
        text += f", on these conditions: {item.conditions}"
    else:
        text += "."
    note = decision_note(item.decision_note)
    return f"{text} {note}" if note else text


def who_reconsiders(asked: Reconsideration) -> str:
    """Who may decide a reconsideration: never whoever wrote the plan, nor whoever made the
    decision questioned."""
    if asked.item_id is not None:
        return (
            "A clinical reviewer who did not decline the item, and did not write the plan, "
            "must decide."
        )
    return "A commissioner who did not approve the plan, and did not write it, must decide."


def decision_sentence(item: PlanItem, own: bool | None = None) -> str:
    """An item's decision in a sentence: 'Reflexology was not agreed: clinical guidance does
    not support it. Sam Patel wrote: “...”'. With `own` (True for the person, False for who
    represents them) the reason is in the person's own words ('...: there is no good evidence
    it helps with your condition.')."""
    who = decided_by(item)
    note = item.decision_note
    wrote = f" {who} wrote: “{note}”" if who and note else (f" “{note}”" if note else "")
    if item.decision == Decision.DECLINED:
        reason = (
            decline_reason(item.decision_reason)
            if own is None
            else decline_reason_plain(item.decision_reason, own=own)
        )
        because = f": {_lower_first(reason)}." if reason else "."
        return f"{item.name} was not agreed{because}{wrote}"
    if item.decision == Decision.APPROVED_WITH_CONDITIONS:
        return f"{item.name} was agreed, on these conditions: {item.conditions}"
    if item.decision == Decision.APPROVED:
        return f"{item.name} was agreed."
    return f"{item.name} is waiting for a decision."


def history_sentence(row: ItemDecision, own: bool = True) -> str:
    """One decision in the person's list of every decision: what, how (the reason in their own
    words, or their representative's), and the reviewer's own words (the note recorded when
    the rest of a plan is approved at the end of the clinical review is the system's, not
    theirs)."""
    who = row.by.display_name if row.by else row.by_label
    text = f"{row.item.name}, {row.get_decision_display().lower()}"
    if row.reason:
        text += (
            f" ({decline_reason_plain(row.reason, own=own) or row.get_reason_display().lower()})"
        )
    if row.conditions:
        text += f", on these conditions: {row.conditions}"
    if row.note == NO_CONCERNS:
        return f"{text} by {who}: no concerns were raised about it."
    if row.note:
        return f"{text}. {who} wrote: “{row.note}”"
    return f"{text}."


HOLDING_PLAIN: dict[str, str] = {
    Holding.NOTIONAL: "The NHS arranges it and pays for it",
    Holding.THIRD_PARTY: "An organisation holds the money for it and pays for it",
    Holding.DIRECT_PAYMENT: "Paid as a direct payment, to spend as the plan says",
}


def holding_plain(holding: str) -> str:
    return HOLDING_PLAIN.get(holding, holding)


def holding_short(holding: str) -> str:
    return str(Holding(holding).label).split(":")[0] if holding in Holding.values else holding


def status_plain(plan: CarePlan) -> str:
    """Where the plan is, for the person it belongs to."""
    period = f"from {plan.starts_on:%-d %B %Y} to {plan.ends_on:%-d %B %Y}"
    if plan.status == Status.DRAFT:
        return (
            "This plan is being written with the care coordinator. Nothing in it has been "
            "agreed yet."
        )
    if plan.status == Status.SUBMITTED:
        return "A clinician is looking at the plan before it goes for approval."
    if plan.status == Status.AWAITING_APPROVAL:
        return "The plan has been checked by a clinician and is waiting for approval."
    if plan.status == Status.ACTIVE:
        agreed = f" on {plan.approved_on:%-d %B %Y}" if plan.approved_on else ""
        return f"This plan was agreed{agreed}. It runs {period}."
    if plan.status == Status.REVIEW_DUE:
        return f"This plan is agreed and runs {period}. It is due for a review."
    if plan.status == Status.REVISED:
        return "This plan has been replaced by a newer version."
    if plan.status == Status.ENDED:
        return "This plan has ended."
    return "This plan was withdrawn before it was agreed."


# --- What a step did, as the page the user lands on confirms it -------------------------------

SUBMITTED = "The plan was submitted for clinical review. A clinical reviewer looks at it next."
REVIEW_COMPLETED = (
    "The clinical review is complete. The plan has gone to a commissioner for approval."
)
RECONSIDERATION_ASKED = (
    "Your request was sent. Someone who did not make the decision will look at it again; the "
    "outcome will show on the plan."
)


def approved(plan: CarePlan, given: int, needed: int) -> str:
    """After an approval: whether another is still needed, or the plan is now in force."""
    if plan.status in workflow.IN_FORCE:
        return "You approved the plan. It is now active and its budget is set up."
    still = needed - given
    return (
        f"You approved the plan. It still needs {still} more approval"
        f"{'s' if still != 1 else ''}, from a commissioner who has not approved it, before it "
        "is active."
    )


def item_decided(item: PlanItem) -> str:
    """After deciding an item: what was decided, and why if it was declined."""
    if item.decision == Decision.DECLINED:
        reason = decline_reason(item.decision_reason)
        return f"Your decision is recorded: {item.name} is declined ({_lower_first(reason)})."
    if item.decision == Decision.APPROVED_WITH_CONDITIONS:
        return f"Your decision is recorded: {item.name} is approved, with conditions."
    return f"Your decision is recorded: {item.name} is approved."


def review_recorded(review: Review, newest: CarePlan) -> str:
    """After recording a review: what happens to the plan now."""
    if review.result == Review.Result.REVISE:
        return (
            f"The review is recorded. Version {newest.version} of the plan has been started as "
            "a draft: change it, then submit it."
        )
    if review.result == Review.Result.END:
        return "The review is recorded, and the plan has ended."
    return "The review is recorded. The plan continues."


def reconsideration_decided(asked: Reconsideration) -> str:
    """After deciding a reconsideration: the verdict."""
    return f"Your decision is recorded: {Reconsideration.Verdict(asked.verdict).label.lower()}."
