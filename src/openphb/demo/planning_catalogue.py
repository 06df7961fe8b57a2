"""What the demo commissioners plan with: a catalogue of items at realistic 2026 English prices
(whole pence) with evidence ratings and their sources, the purchases the law excludes, providers
with CQC-style ratings and agreements, planning policies, and resource-allocation schemes.

The sources are real guidelines and reviews, named so that a reader can look them up; the
ratings are this demo's reading of them, not clinical advice. Providers are synthetic; their
registration numbers start DEMO so they can never be mistaken for real CQC locations.
"""

import datetime

from openphb.planning.catalogue import ItemSpec, ProviderSpec, SchemeSpec
from openphb.planning.models import AgreementStatus, QualityRating, Rounding

from .programmes import CHC_NAME, PILOT_NAME

# SNOMED CT codes of the demo people's conditions (demo/population.py).
MS = ("24700007", "Multiple sclerosis")
MND = ("37340000", "Motor neurone disease")
PARKINSONS = ("49049000", "Parkinson's disease")
BRAIN_INJURY = ("127294003", "Brain injury")
STROKE = ("230690007", "Stroke")
DEMENTIA = ("52448006", "Dementia")
EPILEPSY = ("84757009", "Epilepsy")
SCHIZOPHRENIA = ("58214004", "Schizophrenia")
DEPRESSION = ("35489007", "Depressive disorder")
TYPE_2_DIABETES = ("44054006", "Type 2 diabetes mellitus")
IBS = ("10743008", "Irritable bowel syndrome")
ANY = ("", "")


def rated(condition: tuple[str, str], rating: str, source: str) -> dict[str, str]:
    code, name = condition
    return {"condition_code": code, "condition": name, "rating": rating, "source": source}


NOT_BUYABLE = "Listed so that everyone can see a personal health budget cannot buy it."

# (code, item) for each commissioner's catalogue.
CATALOGUE: list[tuple[str, ItemSpec]] = [
    (
        "personal-assistant",
        ItemSpec(
            name="Personal assistant (an hour)",
            category="personal_care",
            unit="hour",
            reference_price=1_590,
            price_cap=1_800,
            description="Employed by the person or their representative; the rate covers "
            "holiday pay, employer's National Insurance and pension.",
        ),
    ),
    (
        "home-care-agency",
        ItemSpec(
            name="Home care from a registered agency (an hour)",
            category="personal_care",
            unit="hour",
            reference_price=2_800,
            price_cap=3_200,
            description="Personal care at home from a CQC-registered agency.",
        ),
    ),
    (
        "physiotherapy",
        ItemSpec(
            name="Physiotherapy at home (a session)",
            category="therapies",
            unit="session",
            reference_price=5_500,
            price_cap=7_000,
            description="An HCPC-registered physiotherapist, 45 to 60 minutes.",
            evidence=[
                rated(MS, "recommended", "NICE NG220 (multiple sclerosis in adults)"),
                rated(PARKINSONS, "recommended", "NICE NG71 (Parkinson's disease in adults)"),
                rated(STROKE, "recommended", "NICE NG236 (stroke rehabilitation in adults)"),
                rated(
                    BRAIN_INJURY,
                    "recommended",
                    "NICE NG211 (rehabilitation after traumatic injury)",
                ),
                rated(MND, "conditional", "NICE NG42 (motor neurone disease)"),
            ],
        ),
    ),
    (
        "hydrotherapy",
        ItemSpec(
            name="Hydrotherapy (a session)",
            category="therapies",
            unit="session",
            reference_price=4_500,
            price_cap=6_000,
            description="Exercise in a warm pool with a physiotherapist: for pain and "
            "stiffness, sometimes instead of stronger pain medication.",
            evidence=[
                rated(
                    ANY,
                    "conditional",
                    "NICE NG193 (chronic pain in over 16s) recommends supervised group "
                    "exercise; trials of exercise in water are small",
                ),
                rated(
                    MS,
                    "conditional",
                    "NICE NG220 (multiple sclerosis) recommends supervised exercise for "
                    "fatigue; trials of exercise in water are small",
                ),
            ],
        ),
    ),
    (
        "speech-therapy",
        ItemSpec(
            name="Speech and language therapy (a session)",
            category="therapies",
            unit="session",
            reference_price=8_000,
            price_cap=9_500,
            evidence=[
                rated(PARKINSONS, "recommended", "NICE NG71 (Parkinson's disease in adults)"),
                rated(MND, "recommended", "NICE NG42 (motor neurone disease)"),
                rated(STROKE, "recommended", "NICE NG236 (stroke rehabilitation in adults)"),
                rated(
                    BRAIN_INJURY,
                    "conditional",
                    "NICE NG211 (rehabilitation after traumatic injury)",
                ),
            ],
        ),
    ),
    (
        "music-therapy",
        ItemSpec(
            name="Music therapy (a session)",
            category="therapies",
            unit="session",
            reference_price=6_000,
            description="With an HCPC-registered music therapist.",
            evidence=[
                rated(
                    DEMENTIA,
                    "conditional",
                    "Cochrane review: music-based therapeutic interventions for people with "
                    "dementia (van der Steen and others, 2018)",
                ),
                rated(
                    SCHIZOPHRENIA,
                    "conditional",
                    "NICE CG178 (psychosis and schizophrenia in adults): consider arts therapies",
                ),
            ],
        ),
    ),
    (
        "counselling",
        ItemSpec(
            name="Counselling (a session)",
            category="therapies",
            unit="session",
            reference_price=5_000,
            price_cap=6_500,
            description="With a counsellor registered with a professional body (BACP or UKCP).",
            evidence=[
                rated(
                    DEPRESSION,
                    "recommended",
                    "NICE NG222 (depression in adults): an option for less severe depression",
                )
            ],
        ),
    ),
    (
        "gym",
        ItemSpec(
            name="Gym membership (a month)",
            category="activities",
            unit="month",
            reference_price=3_500,
            price_cap=5_000,
            evidence=[
                rated(
                    DEPRESSION,
                    "recommended",
                    "NICE NG222 (depression in adults): group exercise for less severe depression",
                ),
                rated(
                    SCHIZOPHRENIA,
                    "recommended",
                    "NICE CG178 (psychosis and schizophrenia in adults): a combined healthy "
                    "eating and physical activity programme",
                ),
                rated(
                    TYPE_2_DIABETES,
                    "conditional",
                    "NICE NG28 (type 2 diabetes in adults): advice on physical activity",
                ),
            ],
        ),
    ),
    (
        "respite-week",
        ItemSpec(
            name="Respite in a care home (a week)",
            category="breaks",
            unit="week",
            reference_price=135_000,
            price_cap=180_000,
            description="A short stay, so the person's unpaid carer can have a break.",
        ),
    ),
    (
        "sitting-service",
        ItemSpec(
            name="Sitting service at home (an hour)",
            category="breaks",
            unit="hour",
            reference_price=2_200,
            description="Someone stays with the person so their carer can go out.",
        ),
    ),
    (
        "day-centre",
        ItemSpec(
            name="Day centre (a session: a day's place)",
            category="activities",
            unit="session",
            reference_price=6_500,
            price_cap=8_000,
            description="A day's place, with lunch.",
        ),
    ),
    (
        "taxi",
        ItemSpec(
            name="Taxi to the day centre or appointments (a session: there and back)",
            category="transport",
            unit="session",
            reference_price=3_000,
            price_cap=4_500,
        ),
    ),
    (
        "riser-recliner",
        ItemSpec(
            name="Riser-recliner chair",
            category="equipment",
            unit="one_off",
            reference_price=85_000,
            price_cap=120_000,
            description="Helps the person stand up and sit down safely.",
        ),
    ),
    (
        "seizure-alert-dog",
        ItemSpec(
            name="Trained seizure-alert dog",
            category="equipment",
            unit="one_off",
            reference_price=1_200_000,
            description="Trained and placed by an assistance-dog charity, with two years' "
            "aftercare.",
            evidence=[
                rated(
                    EPILEPSY,
                    "conditional",
                    "Scoping review of seizure-alert and response dogs (Catala and others, "
                    "PLoS ONE, 2018): observational studies only, no randomised trials",
                )
            ],
        ),
    ),
    (
        "seizure-monitor",
        ItemSpec(
            name="Bed seizure monitor with an alarm",
            category="equipment",
            unit="one_off",
            reference_price=55_000,
            price_cap=80_000,
            description="Alerts a carer to a seizure at night.",
        ),
    ),
    (
        "payroll",
        ItemSpec(
            name="Payroll service for employing a personal assistant (a month)",
            category="support",
            unit="month",
            reference_price=3_000,
        ),
    ),
    (
        "managed-account",
        ItemSpec(
            name="Managed account for a direct payment (a month)",
            category="support",
            unit="month",
            reference_price=4_500,
            description="An organisation holds the money and pays the bills for the person.",
        ),
    ),
    (
        "reiki",
        ItemSpec(
            name="Reiki (a session)",
            category="therapies",
            unit="session",
            reference_price=4_500,
            evidence=[
                rated(
                    ANY,
                    "not_supported",
                    "No NICE guideline recommends it; Cochrane review of Reiki for anxiety and "
                    "depression (Joyce and Herbison, 2015): insufficient evidence",
                )
            ],
        ),
    ),
    (
        "reflexology",
        ItemSpec(
            name="Reflexology (a session)",
            category="therapies",
            unit="session",
            reference_price=4_000,
            evidence=[
                rated(
                    ANY,
                    "not_supported",
                    "No NICE guideline recommends it; systematic review of randomised trials "
                    "(Ernst, Medical Journal of Australia, 2009): no convincing evidence of "
                    "benefit for any condition",
                )
            ],
        ),
    ),
    (
        "aromatherapy",
        ItemSpec(
            name="Aromatherapy massage (a session)",
            category="therapies",
            unit="session",
            reference_price=5_000,
            evidence=[
                rated(
                    ANY,
                    "not_supported",
                    "No NICE guideline recommends it; Cochrane review of aromatherapy for "
                    "dementia (Ball and others, 2020): no convincing evidence of benefit",
                )
            ],
        ),
    ),
    (
        "hypnotherapy",
        ItemSpec(
            name="Hypnotherapy (a session)",
            category="therapies",
            unit="session",
            reference_price=7_500,
            evidence=[
                rated(
                    ANY,
                    "not_supported",
                    "Cochrane review of hypnotherapy for smoking cessation (Barnes and others, "
                    "2019): insufficient evidence; NICE recommends it for irritable bowel "
                    "syndrome, not for the conditions of these programmes",
                ),
                rated(
                    IBS,
                    "conditional",
                    "NICE CG61 (irritable bowel syndrome in adults): when other treatments "
                    "have not helped",
                ),
            ],
        ),
    ),
    (
        "alcohol",
        ItemSpec(
            name="Wine and beer",
            category="activities",
            unit="one_off",
            reference_price=2_000,
            legal_status="alcohol",
            description=NOT_BUYABLE,
        ),
    ),
    (
        "cigarettes",
        ItemSpec(
            name="Cigarettes",
            category="activities",
            unit="one_off",
            reference_price=1_600,
            legal_status="tobacco",
            description=NOT_BUYABLE,
        ),
    ),
    (
        "betting",
        ItemSpec(
            name="Betting account top-up",
            category="activities",
            unit="one_off",
            reference_price=1_000,
            legal_status="gambling",
            description=NOT_BUYABLE,
        ),
    ),
    (
        "credit-card-debt",
        ItemSpec(
            name="Paying off a credit card",
            category="support",
            unit="one_off",
            reference_price=50_000,
            legal_status="debt",
            description=NOT_BUYABLE,
        ),
    ),
    (
        "flu-vaccination",
        ItemSpec(
            name="Flu vaccination at a pharmacy",
            category="therapies",
            unit="one_off",
            reference_price=1_600,
            legal_status="universal",
            description=NOT_BUYABLE + " The NHS offers it free to those who need it.",
        ),
    ),
]
# The personal assistant rate went up in April 2026: version 2 of the item.
PA_PRICE_CHANGE = (
    "personal-assistant",
    ItemSpec(
        name="Personal assistant (an hour)",
        category="personal_care",
        unit="hour",
        reference_price=1_650,
        price_cap=1_900,
        description="Employed by the person or their representative; the rate covers holiday "
        "pay, employer's National Insurance and pension.",
    ),
    "Rate raised from £15.90 to £16.50 an hour with the April 2026 National Living Wage.",
)

AGREED_2024 = datetime.date(2024, 4, 1)


def _provider(
    name: str,
    rating: str = QualityRating.NOT_REGULATED,
    agreement: str = AgreementStatus.AGREED,
    registration: str = "",
    starts: datetime.date | None = AGREED_2024,
    ends: datetime.date | None = None,
) -> ProviderSpec:
    return ProviderSpec(
        name=name,
        registration=registration,
        quality_rating=rating,
        agreement_status=agreement,
        agreement_starts_on=starts,
        agreement_ends_on=ends,
    )


# commissioner -> [(key the demo plans use, provider)]
PROVIDERS: dict[str, list[tuple[str, ProviderSpec]]] = {
    "DM0D1": [
        (
            "home-care",
            _provider("Romford Home Care (synthetic)", "good", registration="DEMO-1-101"),
        ),
        (
            "respite",
            _provider(
                "Elm Park Respite House (synthetic)", "outstanding", registration="DEMO-1-102"
            ),
        ),
        (
            "day-centre",
            _provider(
                "Rainham Day Centre (synthetic)",
                "requires_improvement",
                AgreementStatus.PENDING,
                "DEMO-1-103",
                starts=None,
            ),
        ),
        (
            "night-care",
            _provider(
                "Gidea Park Night Care (synthetic)",
                "inadequate",
                AgreementStatus.SUSPENDED,
                "DEMO-1-104",
            ),
        ),
        (
            "old-agency",
            _provider(
                "Dagenham Care Agency (synthetic)",
                "good",
                AgreementStatus.ENDED,
                "DEMO-1-105",
                ends=datetime.date(2025, 3, 31),
            ),
        ),
        ("hydrotherapy", _provider("Riverside Hydrotherapy Pool (synthetic)")),
        ("dogs", _provider("Canine Partners for Epilepsy (synthetic)")),
        ("physiotherapy", _provider("Hornchurch Physiotherapy and Speech (synthetic)")),
        ("third-party", _provider("Havering Independent User Trust")),
        ("payroll", _provider("Havering Direct Payments Support (synthetic)")),
        (
            "therapies",
            _provider(
                "Upminster Complementary Therapies (synthetic)",
                agreement=AgreementStatus.NONE,
                starts=None,
            ),
        ),
    ],
    "DM0B1": [
        (
            "home-care",
            _provider(
                "Somerset Home Care Cooperative (synthetic)", "good", registration="DEMO-1-201"
            ),
        ),
        (
            "respite",
            _provider("Redbridge Respite Lodge (synthetic)", "good", registration="DEMO-1-202"),
        ),
        (
            "day-centre",
            _provider(
                "Barking Day Opportunities (synthetic)",
                "requires_improvement",
                registration="DEMO-1-203",
            ),
        ),
        ("hydrotherapy", _provider("Taunton Hydrotherapy Centre (synthetic)")),
        (
            "dogs",
            _provider(
                "Wessex Assistance Dogs (synthetic)", agreement=AgreementStatus.PENDING, starts=None
            ),
        ),
        ("physiotherapy", _provider("Mendip Community Therapies (synthetic)")),
        ("payroll", _provider("Ilford Direct Payments Support (synthetic)")),
    ],
}

# commissioner -> its planning policy from the day the demo is built: (tolerance in basis
# points, plans above this many pence need two approvers, whether items with insufficient
# evidence may be approved, whether items whose evidence is 'not supported' may be).
POLICIES: dict[str, tuple[int, int, bool, bool]] = {
    "DM0D1": (1_000, 4_000_000, True, False),
    "DM0B1": (1_500, 5_000_000, True, False),
}

# programme -> its resource-allocation scheme (the 12 default care domains and levels).
SCHEMES = {
    CHC_NAME: SchemeSpec(
        pence_per_point=150_000,
        adjustments=[
            {
                "code": "unpaid-carer",
                "label": "An unpaid carer gives regular support",
                "when": "unpaid_carer",
                "basis_points": -1_000,
            },
            {
                "code": "nursing-home",
                "label": "Lives in a care home with nursing, which is paid for separately",
                "when": "setting:nursing_home",
                "basis_points": -4_000,
            },
        ],
        floor=1_000_000,
        cap=15_000_000,
        rounding_unit=1_000,
        rounding=Rounding.NEAREST,
        note="Demo scheme: care at home for people eligible for continuing healthcare.",
    ),
    PILOT_NAME: SchemeSpec(
        pence_per_point=20_000,
        floor=25_000,
        cap=500_000,
        rounding_unit=1_000,
        rounding=Rounding.DOWN,
        note="Demo scheme: small direct payments alongside the usual NHS care.",
    ),
}
