"""Pure, seeded generation of synthetic people: same seed and index, same person.

Distributions are approximate and for demonstration only: ages skewed old as continuing
healthcare is, sex close to even, ethnicity near England's 2011 census shares, and conditions
from the groups personal health budgets serve.
"""

import datetime
import random
from dataclasses import dataclass, field

from openphb.core.identifiers import TEST_NHS_NUMBER_PREFIX, nhs_number_check_digit

DEMO_TODAY = datetime.date(2026, 11, 1)
TEST_PREFIX = TEST_NHS_NUMBER_PREFIX

GIVEN_FEMALE = (
    "Olivia Amelia Isla Ava Mia Grace Sophia Lily Freya Emily Ivy Ella Rosie Evie Florence "
    "Poppy Charlotte Willow Aisha Fatima Priya Chloe Sienna Maya Zara Hannah Margaret Joan "
    "Patricia Barbara Susan Janet Linda Carol Valerie Doreen Sheila Irene Brenda Pauline "
    "Ngozi Amara Mei Anjali Sadia Bronwen Siobhan Agnieszka Yasmin Ruth"
).split()
GIVEN_MALE = (
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack "
    "Charlie Thomas Jacob Alfie William James Joshua Mohammed Ali Arjun Ravi Daniel Samuel "
    "David John Michael Peter Robert Brian Kenneth Derek Raymond Colin Keith Graham Trevor "
    "Chidi Kwame Wei Imran Tariq Dylan Ciaran Piotr Kofi Yusuf Ian"
).split()
FAMILY = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan "
    "Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell "
    "Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Ahmed Hussain Ali Okafor Mensah Chen "
    "Kowalski Nowak O'Brien MacDonald Campbell Stewart Reid Murray Evans-Jones Osei"
).split()

# (code, share in percent)
ETHNICITY = (
    ("A", 79.8),
    ("B", 1.0),
    ("C", 4.6),
    ("D", 0.8),
    ("E", 0.3),
    ("F", 0.6),
    ("G", 0.5),
    ("H", 2.6),
    ("J", 2.1),
    ("K", 0.8),
    ("L", 1.5),
    ("M", 1.1),
    ("N", 1.8),
    ("P", 0.5),
    ("R", 0.7),
    ("S", 1.0),
    ("Z", 0.3),
    ("99", 0.0),
)

# group -> [(SNOMED CT code, display)]
CONDITIONS = {
    "continuing_healthcare": [
        ("52448006", "Dementia"),
        ("24700007", "Multiple sclerosis"),
        ("37340000", "Motor neurone disease"),
        ("49049000", "Parkinson's disease"),
        ("127294003", "Traumatic and/or non-traumatic brain injury"),
    ],
    "diabetes": [
        ("44054006", "Type 2 diabetes mellitus"),
        ("46635009", "Type 1 diabetes mellitus"),
    ],
    "copd": [("13645005", "Chronic obstructive lung disease")],
    "stroke": [("230690007", "Cerebrovascular accident")],
    "epilepsy": [("84757009", "Epilepsy")],
    "mental_health": [
        ("58214004", "Schizophrenia"),
        ("13746004", "Bipolar disorder"),
        ("35489007", "Depressive disorder"),
    ],
}
GROUP_WEIGHTS = (
    ("continuing_healthcare", 30),
    ("diabetes", 22),
    ("copd", 14),
    ("stroke", 10),
    ("epilepsy", 8),
    ("mental_health", 16),
)


@dataclass
class Person:
    index: int
    nhs_number: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: datetime.date
    date_of_death: datetime.date | None
    ethnic_category: str
    area: str
    postcode: str
    registered_on: datetime.date
    conditions: list[tuple[str, str, datetime.date | None]] = field(default_factory=list)
    representative: tuple[str, str, str, datetime.date] | None = (
        None  # name, relation, authority, from
    )
    carer: tuple[str, str, datetime.date] | None = None  # name, relation, from
    setting: tuple[str, datetime.date] | None = None  # where they live, since
    restriction: tuple[str, datetime.date] | None = None  # rules out a direct payment, since


def test_nhs_numbers(count: int) -> list[str]:
    """The first `count` valid NHS numbers of the 999 test range, in order (909,091 at most)."""
    numbers: list[str] = []
    for i in range(1_000_000):
        if len(numbers) == count:
            break
        stem = f"{TEST_PREFIX}{i:06d}"
        check = nhs_number_check_digit(stem)
        if check is not None:
            numbers.append(f"{stem}{check}")
    return numbers


MAX_PEOPLE = 909_091


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


def _age(rng: random.Random) -> int:
    band = rng.random()
    if band < 0.05:
        return rng.randint(1, 17)
    if band < 0.40:
        return rng.randint(18, 64)
    return min(104, int(rng.triangular(65, 100, 80)))


def _someone_else(rng: random.Random, own_name: str) -> str:
    """A given name for a relative: never the person's own (one draw, whatever the outcome)."""
    names = GIVEN_FEMALE + GIVEN_MALE
    index = rng.randrange(len(names))
    return names[index] if names[index] != own_name else names[(index + 1) % len(names)]


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    span = max((end - start).days, 0)
    return start + datetime.timedelta(days=rng.randint(0, span))


def person(*, seed: int, index: int, nhs_number: str, areas: dict[str, list[str]]) -> Person:
    """The synthetic person at `index` of the world made from `seed`."""
    rng = random.Random(seed * 10_000_019 + index)
    sex = "F" if rng.random() < 0.52 else "M"
    if rng.random() < 0.002:
        sex = rng.choice(["I", "U"])
    given = rng.choice(
        GIVEN_FEMALE if sex == "F" else GIVEN_MALE if sex == "M" else GIVEN_FEMALE + GIVEN_MALE
    )
    age = _age(rng)
    born = DEMO_TODAY - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
    area = rng.choices(list(areas), weights=[30, 15, 15, 25, 15][: len(areas)])[0]
    registered = _date_between(rng, max(born, datetime.date(2005, 1, 1)), DEMO_TODAY)
    died = None
    if age >= 70 and rng.random() < 0.03:
        died = _date_between(rng, registered, DEMO_TODAY)
    person = Person(
        index=index,
        nhs_number=nhs_number,
        given_name=given,
        family_name=rng.choice(FAMILY),
        sex=sex,
        date_of_birth=born,
        date_of_death=died,
        ethnic_category=_weighted(rng, ETHNICITY),
        area=area,
        postcode=rng.choice(areas[area]) if rng.random() > 0.01 else "",
        registered_on=registered,
    )
    group = _weighted(rng, GROUP_WEIGHTS)
    if age < 18:
        group = rng.choice(["continuing_healthcare", "epilepsy", "diabetes"])
    groups = {group}
    if rng.random() < 0.2:
        groups.add(_weighted(rng, GROUP_WEIGHTS))
    for chosen in sorted(groups):
        code, display = rng.choice(CONDITIONS[chosen])
        onset = (
            _date_between(rng, born, min(registered, DEMO_TODAY)) if rng.random() < 0.8 else None
        )
        if all(existing[0] != code for existing in person.conditions):
            person.conditions.append((code, display, onset))
    family = person.family_name
    if age < 16:
        parent = _someone_else(rng, person.given_name)
        person.representative = (f"{parent} {family}", "Parent", "parent", registered)
    elif "continuing_healthcare" in groups and rng.random() < 0.3:
        who = _someone_else(rng, person.given_name)
        relation = rng.choice(["Daughter", "Son", "Wife", "Husband", "Niece"])
        authority = rng.choice(["lpa", "lpa", "deputy", "representative"])
        person.representative = (f"{who} {family}", relation, authority, registered)
    elif rng.random() < 0.05:
        who = rng.choice(GIVEN_FEMALE + GIVEN_MALE)
        person.representative = (f"{who} {rng.choice(FAMILY)}", "Friend", "nominee", registered)
    if rng.random() < 0.3 and age >= 16:
        who = _someone_else(rng, person.given_name)
        relation = rng.choice(["Wife", "Husband", "Daughter", "Son", "Partner", "Neighbour"])
        name_family = family if relation != "Neighbour" else rng.choice(FAMILY)
        person.carer = (f"{who} {name_family}", relation, registered)
    # Drawn last, so adding them left everyone's earlier details as they were.
    since = _date_between(rng, registered, DEMO_TODAY)
    draw = rng.random()
    if "continuing_healthcare" in groups and age >= 18:
        if draw < 0.25:
            person.setting = ("nursing_home", since)
        elif draw < 0.45:
            person.setting = ("care_home", since)
        elif draw < 0.92:
            person.setting = ("home", since)
    elif draw < 0.90:
        person.setting = ("home", since)
    elif draw < 0.94:
        person.setting = ("supported", since)
    restricted = 0.01 if "mental_health" in groups else 0.002
    if 18 <= age < 65 and rng.random() < restricted:
        kind = rng.choice(["drug_rehab", "alcohol_treatment", "licence"])
        person.restriction = (kind, _date_between(rng, DEMO_TODAY.replace(year=2025), DEMO_TODAY))
    return person
