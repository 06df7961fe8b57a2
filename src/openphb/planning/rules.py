"""The checks on a plan item, with coded reasons in plain English. Pure functions.

Hard blocks only for what the law excludes (the direct-payment rules apply to every personal
health budget); everything else is a flag that a person must look at and decide, with the
reason written down. Sites with many restrictions did worse in the pilots' evaluation.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import models

from openphb.ledger.services import format_pence


class LegalStatus(models.TextChoices):
    """Whether a budget may buy it; the exclusions are the direct-payment rules' list."""

    ALLOWED = "allowed", "Allowed"
    ALCOHOL = "alcohol", "Excluded: alcohol"
    TOBACCO = "tobacco", "Excluded: tobacco"
    GAMBLING = "gambling", "Excluded: gambling"
    DEBT = "debt", "Excluded: debt repayment"
    ILLEGAL = "illegal", "Excluded: anything illegal"
    URGENT_CARE = "urgent_care", "Excluded: emergency and urgent care"
    PRIMARY_CARE = "primary_care", "Excluded: GP, primary medical and dental services"
    SURGERY = "surgery", "Excluded: elective surgery"
    UNIVERSAL = "universal", "Excluded: services already commissioned for everyone"


# The rule each exclusion comes from, as a person is told it.
RULES: dict[str, str] = {
    LegalStatus.ALCOHOL: "A personal health budget cannot be used to buy alcohol.",
    LegalStatus.TOBACCO: "A personal health budget cannot be used to buy tobacco.",
    LegalStatus.GAMBLING: "A personal health budget cannot be used for gambling.",
    LegalStatus.DEBT: "A personal health budget cannot be used to repay debts.",
    LegalStatus.ILLEGAL: "A personal health budget cannot be used for anything illegal.",
    LegalStatus.URGENT_CARE: (
        "A personal health budget cannot pay for emergency or urgent care: the NHS provides it."
    ),
    LegalStatus.PRIMARY_CARE: (
        "A personal health budget cannot pay for GP services or other primary medical or "
        "dental services: the NHS provides them."
    ),
    LegalStatus.SURGERY: "A personal health budget cannot pay for elective surgery.",
    LegalStatus.UNIVERSAL: (
        "A personal health budget cannot pay for services the NHS already commissions for "
        "everyone, such as vaccination and screening."
    ),
}
SOURCE = "National Health Service (Direct Payments) Regulations 2013 and NHS England guidance"

# Words in a free-text item that name an excluded purchase.
KEYWORDS: dict[str, tuple[str, ...]] = {
    LegalStatus.ALCOHOL: (
        "alcohol",
        "beer",
        "wine",
        "spirits",
        "lager",
        "cider",
        "vodka",
        "whisky",
        "whiskey",
        "prosecco",
        "pint",
        "pints",
        "booze",
        "liquor",
        "off-licence",
    ),
    LegalStatus.TOBACCO: ("tobacco", "cigarette", "cigarettes", "cigar", "cigars"),
    LegalStatus.GAMBLING: (
        "gambling",
        "gamble",
        "betting",
        "bet",
        "bets",
        "casino",
        "lottery",
        "bingo",
        "slot machine",
        "scratchcard",
        "scratchcards",
    ),
    LegalStatus.DEBT: ("debt", "debts", "loan repayment", "credit card bill", "arrears"),
    LegalStatus.ILLEGAL: ("cannabis", "illegal"),
    LegalStatus.URGENT_CARE: ("a&e", "accident and emergency", "emergency care", "urgent care"),
    LegalStatus.PRIMARY_CARE: ("gp appointment", "gp services", "dentist", "dental treatment"),
    LegalStatus.SURGERY: ("elective surgery", "cosmetic surgery", "private surgery"),
    LegalStatus.UNIVERSAL: ("vaccination", "vaccine", "flu jab", "screening test"),
}
_PATTERNS = {
    status: re.compile(
        r"(?<![a-z])(" + "|".join(re.escape(word) for word in words) + r")(?![a-z])",
        re.IGNORECASE,
    )
    for status, words in KEYWORDS.items()
}


def exclusion_in_text(text: str) -> str:
    """The legal status a free-text description falls under ('allowed' when none)."""
    for status, pattern in _PATTERNS.items():
        if pattern.search(text):
            return status
    return LegalStatus.ALLOWED


def refusal(status: str) -> str:
    """The message that refuses an excluded item, naming the rule."""
    return f"{RULES[status]} ({LegalStatus(status).label}; {SOURCE}.)"


class Evidence(models.TextChoices):
    RECOMMENDED = "recommended", "Recommended"
    CONDITIONAL = "conditional", "Conditional: helps some people"
    INSUFFICIENT = "insufficient", "Insufficient evidence"
    NOT_SUPPORTED = "not_supported", "Not supported"


# Best first: with several of a person's conditions rated, the best rating counts, since the
# item may be for any of them.
EVIDENCE_ORDER = [
    Evidence.RECOMMENDED,
    Evidence.CONDITIONAL,
    Evidence.INSUFFICIENT,
    Evidence.NOT_SUPPORTED,
]
UNEVIDENCED = frozenset({Evidence.INSUFFICIENT, Evidence.NOT_SUPPORTED})
# Categories where evidence of clinical effect is expected; elsewhere (a taxi, a carer's
# hours) an item without a rating is not flagged.
CLINICAL_CATEGORIES = frozenset({"therapies"})


@dataclass(frozen=True)
class Rating:
    condition_code: str  # '' for any condition
    condition: str
    rating: str
    source: str


@dataclass(frozen=True)
class EvidenceFinding:
    rating: str  # '' when nothing applies and none is expected
    condition: str
    source: str
    explanation: str


def evidence_for(
    ratings: Sequence[Rating], condition_codes: Iterable[str], *, category: str, name: str
) -> EvidenceFinding:
    """The rating that applies to this person: the best among their conditions' ratings, else
    the rating for any condition, else 'insufficient' for a clinical category."""
    codes = set(condition_codes)
    own = [rating for rating in ratings if rating.condition_code and rating.condition_code in codes]
    general = [rating for rating in ratings if not rating.condition_code]
    chosen = min(
        own or general, key=lambda r: EVIDENCE_ORDER.index(Evidence(r.rating)), default=None
    )
    if chosen is not None:
        condition = chosen.condition if chosen.condition_code else "any condition"
        return EvidenceFinding(
            rating=chosen.rating,
            condition=condition,
            source=chosen.source,
            explanation=(
                f"{name}: evidence for {condition} is rated "
                f"'{Evidence(chosen.rating).label.lower()}' ({chosen.source})."
            ),
        )
    if category in CLINICAL_CATEGORIES:
        return EvidenceFinding(
            rating=Evidence.INSUFFICIENT,
            condition="",
            source="",
            explanation=(
                f"{name}: no evidence rating is recorded for this therapy and the person's "
                "conditions, so it counts as insufficient evidence."
            ),
        )
    return EvidenceFinding(rating="", condition="", source="", explanation="")


class Flag(models.TextChoices):
    EVIDENCE_INSUFFICIENT = "evidence_insufficient", "Insufficient evidence"
    EVIDENCE_NOT_SUPPORTED = "evidence_not_supported", "Not supported by evidence"
    PRICE_OVER_CAP = "price_over_cap", "Price above the cap"
    FAMILY_PAYEE = "family_payee", "Pays a close family or household member"
    DIRECT_PAYMENT_RESTRICTED = "dp_restricted", "Direct payment ruled out"
    NO_COORDINATOR = "no_coordinator", "No care coordinator"
    BUDGET_DIFFERENCE = "budget_difference", "Differs from the indicative budget"


# What an evidence flag asks until the item is decided (pages leave it out afterwards).
CLINICIAN_TO_DECIDE = " A clinical reviewer must decide, with a written clinical justification."
ONLY_DECLINE = "; a clinical reviewer can only decline it, with a reason."

ITEM_FLAGS_NEEDING_CLINICIAN = frozenset({Flag.EVIDENCE_INSUFFICIENT, Flag.EVIDENCE_NOT_SUPPORTED})


class Payee(models.TextChoices):
    NOT_FAMILY = "", "Not a relative or household member"
    CLOSE_FAMILY = "close_family", "A close family member"
    HOUSEHOLD = "household", "Someone living in the same household"


@dataclass(frozen=True)
class Finding:
    code: str
    explanation: str


def item_findings(
    *,
    name: str,
    evidence: EvidenceFinding,
    unit_price: int,
    price_cap: int | None,
    payee: str,
    direct_payment: bool,
    direct_payment_restricted: bool,
) -> list[Finding]:
    """Every flag on one plan item, each with its code and why."""
    found: list[Finding] = []
    if evidence.rating == Evidence.NOT_SUPPORTED:
        found.append(
            Finding(
                Flag.EVIDENCE_NOT_SUPPORTED,
                evidence.explanation + CLINICIAN_TO_DECIDE,
            )
        )
    elif evidence.rating == Evidence.INSUFFICIENT:
        found.append(
            Finding(
                Flag.EVIDENCE_INSUFFICIENT,
                evidence.explanation + CLINICIAN_TO_DECIDE,
            )
        )
    if price_cap is not None and unit_price > price_cap:
        found.append(
            Finding(
                Flag.PRICE_OVER_CAP,
                f"{name}: {format_pence(unit_price)} a unit is above the cap of "
                f"{format_pence(price_cap)}.",
            )
        )
    if payee:
        found.append(
            Finding(
                Flag.FAMILY_PAYEE,
                f"{name} pays {Payee(payee).label.lower()}: allowed only in limited, justified "
                "cases, so the justification must be recorded.",
            )
        )
    if direct_payment and direct_payment_restricted:
        found.append(
            Finding(
                Flag.DIRECT_PAYMENT_RESTRICTED,
                f"{name}: the person is under a requirement that rules out direct payments; "
                "hold it as a notional or third-party budget.",
            )
        )
    return found


def unevidenced_approval_refusal(
    *, rating: str, commissioner: str, allow_insufficient: bool, allow_not_supported: bool
) -> str:
    """Why the commissioner's policy refuses approving an unevidenced item ('' if it allows)."""
    if rating == Evidence.NOT_SUPPORTED and not allow_not_supported:
        return (
            f"{commissioner}'s policy does not fund items whose evidence is 'not supported'"
            + ONLY_DECLINE
        )
    if rating == Evidence.INSUFFICIENT and not allow_insufficient:
        return (
            f"{commissioner}'s policy does not fund items with insufficient evidence" + ONLY_DECLINE
        )
    return ""


class DeclineReason(models.TextChoices):
    NO_EVIDENCE = "no_evidence", "No evidence it helps with the person's condition"
    NOT_SUPPORTED = "not_supported", "Clinical guidance does not support it"
    SAFETY = "safety", "A clinical safety concern"
    OUTCOME = "outcome", "It does not meet an outcome in the plan"
    ALTERNATIVE = "alternative", "A more effective alternative is in the plan or available"
    COST = "cost", "The cost is not justified by the outcome"
    POLICY = "policy", "The commissioner's policy does not allow it"


def ratings_from(rows: Iterable[Mapping[str, str]]) -> list[Rating]:
    return [
        Rating(
            condition_code=str(row.get("condition_code", "")),
            condition=str(row.get("condition", "")),
            rating=str(row["rating"]),
            source=str(row.get("source", "")),
        )
        for row in rows
    ]
