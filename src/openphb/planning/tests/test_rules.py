"""The item checks: legal exclusions, evidence for the person's conditions, and flags."""

import pytest

from openphb.planning import rules
from openphb.planning.rules import Evidence, Flag, LegalStatus, Rating

EPILEPSY = "84757009"
STROKE = "230690007"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Gambling", LegalStatus.GAMBLING),
        ("Weekly bingo night", LegalStatus.GAMBLING),
        ("Bottle of wine for the weekend", LegalStatus.ALCOHOL),
        ("Pints at the pub with my brother", LegalStatus.ALCOHOL),
        ("Cigarettes", LegalStatus.TOBACCO),
        ("Pay off credit card bill", LegalStatus.DEBT),
        ("Private dental treatment", LegalStatus.PRIMARY_CARE),
        ("Cosmetic surgery", LegalStatus.SURGERY),
        ("Flu jab", LegalStatus.UNIVERSAL),
    ],
)
def test_free_text_naming_an_excluded_purchase_is_caught(text, status):
    assert rules.exclusion_in_text(text) == status


@pytest.mark.parametrize(
    "text",
    ["Hydrotherapy", "Betweenness coaching", "Alphabet tiles", "Swimming lessons", "Gardening"],
)
def test_ordinary_items_are_allowed(text):
    assert rules.exclusion_in_text(text) == LegalStatus.ALLOWED


def test_the_refusal_names_the_rule_and_its_source():
    assert rules.refusal(LegalStatus.ALCOHOL) == (
        "A personal health budget cannot be used to buy alcohol. (Excluded: alcohol; National "
        "Health Service (Direct Payments) Regulations 2013 and NHS England guidance.)"
    )


def test_every_exclusion_has_a_rule_and_words_to_find_it():
    excluded = set(LegalStatus.values) - {LegalStatus.ALLOWED}
    assert set(rules.RULES) == excluded
    assert set(rules.KEYWORDS) == excluded


RATINGS = [
    Rating(EPILEPSY, "Epilepsy", Evidence.INSUFFICIENT, "NICE NG217"),
    Rating(STROKE, "Stroke", Evidence.RECOMMENDED, "NICE NG236"),
    Rating("", "any condition", Evidence.CONDITIONAL, "Cochrane"),
]


def test_the_best_rating_among_the_persons_conditions_counts():
    found = rules.evidence_for(RATINGS, {EPILEPSY, STROKE}, category="therapies", name="Hydro")
    assert found.rating == Evidence.RECOMMENDED
    assert found.condition == "Stroke"


def test_a_condition_rating_comes_before_the_general_one():
    found = rules.evidence_for(RATINGS, {EPILEPSY}, category="therapies", name="Hydro")
    assert found.rating == Evidence.INSUFFICIENT
    assert found.explanation == (
        "Hydro: evidence for Epilepsy is rated 'insufficient evidence' (NICE NG217)."
    )


def test_without_a_rating_for_their_conditions_the_general_rating_counts():
    found = rules.evidence_for(RATINGS, {"13645005"}, category="therapies", name="Hydro")
    assert (found.rating, found.condition) == (Evidence.CONDITIONAL, "any condition")


def test_an_unrated_therapy_counts_as_insufficient_evidence_but_a_taxi_is_not_judged():
    therapy = rules.evidence_for([], {EPILEPSY}, category="therapies", name="Cupping")
    taxi = rules.evidence_for([], {EPILEPSY}, category="transport", name="Taxi")
    assert therapy.rating == Evidence.INSUFFICIENT
    assert taxi.rating == ""


def findings(**overrides):
    values = dict(
        name="Reiki",
        evidence=rules.EvidenceFinding(Evidence.NOT_SUPPORTED, "any condition", "NICE", "why"),
        unit_price=5_000,
        price_cap=4_000,
        payee="close_family",
        direct_payment=True,
        direct_payment_restricted=True,
    )
    values.update(overrides)
    return [f.code for f in rules.item_findings(**values)]


def test_each_concern_is_flagged_with_its_own_code():
    assert findings() == [
        Flag.EVIDENCE_NOT_SUPPORTED,
        Flag.PRICE_OVER_CAP,
        Flag.FAMILY_PAYEE,
        Flag.DIRECT_PAYMENT_RESTRICTED,
    ]


def test_a_recommended_item_at_the_cap_paid_to_a_provider_raises_nothing():
    assert (
        findings(
            evidence=rules.EvidenceFinding(Evidence.RECOMMENDED, "Epilepsy", "NICE", "why"),
            unit_price=4_000,
            payee="",
            direct_payment_restricted=False,
        )
        == []
    )


@pytest.mark.parametrize(
    ("rating", "insufficient", "not_supported", "refused"),
    [
        (Evidence.NOT_SUPPORTED, True, False, True),
        (Evidence.NOT_SUPPORTED, False, True, False),
        (Evidence.INSUFFICIENT, False, True, True),
        (Evidence.INSUFFICIENT, True, False, False),
    ],
)
def test_the_commissioners_policy_decides_whether_unevidenced_items_may_be_approved(
    rating, insufficient, not_supported, refused
):
    why = rules.unevidenced_approval_refusal(
        rating=rating,
        commissioner="NHS Somewhere ICB",
        allow_insufficient=insufficient,
        allow_not_supported=not_supported,
    )
    assert bool(why) is refused
    if refused:
        assert why.startswith("NHS Somewhere ICB's policy does not fund")
