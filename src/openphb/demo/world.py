"""Build the synthetic demo world: organisations, ~2,000 people (or up to 909,091), users.

Organisations, successions and users go through the services (validated, audited). People are
written in bulk for speed (a million-row world must load in minutes), with one audit event for
the whole load. Deterministic: the same seed gives the same world, and running again adds only
what is missing.
"""

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from openphb.accounts.models import User
from openphb.accounts.roles import Role
from openphb.accounts.services import user_create
from openphb.audit.services import Actor, audit_record
from openphb.core.db import insert_many
from openphb.organisations.models import Organisation, Succession
from openphb.organisations.services import organisation_create, succession_record
from openphb.registry.models import (
    Carer,
    CareSetting,
    CommissionerAssignment,
    Condition,
    DirectPaymentRestriction,
    Lsoa,
    Patient,
    Representative,
)
from openphb.registry.reference import imd_import
from openphb.registry.selectors import patient_ids_by_nhs_number
from openphb.registry.services import sign_in_link

from . import money as demo_money
from . import payments as demo_payments
from . import planning as demo_planning
from . import population
from . import programmes as demo_programmes
from . import statements as demo_statements
from .models import DemoWorld

DATA = Path(__file__).parent / "data"
ACTOR = Actor.system_job("demo-data")
BATCH = 5000
PCT_END = datetime.date(2013, 3, 31)
NHSCB_START = datetime.date(2013, 4, 1)
ICB_START = datetime.date(2022, 7, 1)


@dataclass(frozen=True)
class Org:
    ods: str
    name: str
    kind: str
    opened: datetime.date | None
    closed: datetime.date | None


ORGANISATIONS = [
    Org("DM0A1", "NHS Havering (primary care trust)", "pct", datetime.date(2002, 4, 1), PCT_END),
    Org(
        "DM0A2",
        "NHS Barking and Dagenham (primary care trust)",
        "pct",
        datetime.date(2002, 4, 1),
        PCT_END,
    ),
    Org("DM0A3", "NHS Redbridge (primary care trust)", "pct", datetime.date(2002, 4, 1), PCT_END),
    Org(
        "DM0A4",
        "NHS Nottingham City (primary care trust)",
        "pct",
        datetime.date(2002, 4, 1),
        PCT_END,
    ),
    Org("DM0A5", "NHS Somerset (primary care trust)", "pct", datetime.date(2002, 4, 1), PCT_END),
    Org("DM0B1", "NHS Commissioning Board", "nhscb", datetime.date(2012, 10, 1), None),
    Org("DM0C1", "NHS Havering CCG", "ccg", NHSCB_START, datetime.date(2022, 6, 30)),
    Org("DM0C2", "NHS Nottingham City CCG", "ccg", NHSCB_START, datetime.date(2022, 6, 30)),
    Org("DM0D1", "NHS North East London ICB", "icb", ICB_START, None),
    Org("DM0D2", "NHS Nottingham and Nottinghamshire ICB", "icb", ICB_START, None),
    Org("DM0E1", "London Borough of Havering", "la", datetime.date(1965, 4, 1), None),
    Org(
        "DM0G1",
        "Department of Health and Social Care (synthetic)",
        "dept",
        datetime.date(1988, 7, 25),
        None,
    ),
    Org("DM0E2", "Nottingham City Council", "la", datetime.date(1998, 4, 1), None),
    Org("DMP01", "Harold Wood Medical Centre", "gp", datetime.date(1990, 1, 1), None),
    Org("DMP02", "Romford Market Surgery", "gp", datetime.date(1985, 1, 1), None),
    Org("DMP03", "Barking Riverside Practice", "gp", datetime.date(2001, 1, 1), None),
    Org("DMP04", "Ilford Lane Health Centre", "gp", datetime.date(1995, 1, 1), None),
    Org("DMP05", "Sneinton Family Practice", "gp", datetime.date(1992, 1, 1), None),
    Org("DMP06", "Bulwell Riverside Surgery", "gp", datetime.date(1998, 1, 1), None),
    Org("DMP07", "Taunton Vale Practice", "gp", datetime.date(1988, 1, 1), None),
    Org("DMP08", "Mendip Hills Surgery", "gp", datetime.date(1993, 1, 1), None),
    Org(
        "DMT01",
        "Barking, Havering and Redbridge University Hospitals NHS Trust",
        "trust",
        datetime.date(2005, 4, 1),
        None,
    ),
    Org(
        "DMT02",
        "Nottingham University Hospitals NHS Trust",
        "trust",
        datetime.date(2006, 4, 1),
        None,
    ),
    Org("DMV01", "Havering Independent User Trust", "provider", datetime.date(2010, 1, 1), None),
    Org(
        "DMV02",
        "Canine Partners for Epilepsy (synthetic)",
        "provider",
        datetime.date(2008, 1, 1),
        None,
    ),
    Org(
        "DMV03",
        "Riverside Hydrotherapy Pool (synthetic)",
        "provider",
        datetime.date(2011, 1, 1),
        None,
    ),
]
SUCCESSIONS = [
    (
        "DM0A1",
        "DM0B1",
        NHSCB_START,
        "Primary care trusts abolished; responsibility to the NHS Commissioning Board",
    ),
    (
        "DM0A2",
        "DM0B1",
        NHSCB_START,
        "Primary care trusts abolished; responsibility to the NHS Commissioning Board",
    ),
    (
        "DM0A3",
        "DM0B1",
        NHSCB_START,
        "Primary care trusts abolished; responsibility to the NHS Commissioning Board",
    ),
    (
        "DM0A4",
        "DM0B1",
        NHSCB_START,
        "Primary care trusts abolished; responsibility to the NHS Commissioning Board",
    ),
    (
        "DM0A5",
        "DM0B1",
        NHSCB_START,
        "Primary care trusts abolished; responsibility to the NHS Commissioning Board",
    ),
    (
        "DM0C1",
        "DM0D1",
        ICB_START,
        "Clinical commissioning groups replaced by integrated care boards",
    ),
    (
        "DM0C2",
        "DM0D2",
        ICB_START,
        "Clinical commissioning groups replaced by integrated care boards",
    ),
]
# area -> (PCT, CCG or None, ICB or None, GP practices, postcode districts)
AREAS = {
    "Havering": ("DM0A1", "DM0C1", "DM0D1", ["DMP01", "DMP02"]),
    "Barking and Dagenham": ("DM0A2", None, None, ["DMP03"]),
    "Redbridge": ("DM0A3", None, None, ["DMP04"]),
    "Nottingham": ("DM0A4", "DM0C2", "DM0D2", ["DMP05", "DMP06"]),
    "Somerset": ("DM0A5", None, None, ["DMP07", "DMP08"]),
}
# username -> (role, first, last, organisations)
USERS = {
    "commissioner": (Role.COMMISSIONER, "Chidi", "Okafor", ["DM0D1", "DM0B1"]),
    "commissioner2": (Role.COMMISSIONER, "Sunita", "Rao", ["DM0D1", "DM0B1"]),
    "coordinator": (Role.CARE_COORDINATOR, "Grace", "Mensah", ["DM0D1", "DM0B1"]),
    "clinician": (Role.CLINICAL_REVIEWER, "Priya", "Shah", ["DM0D1", "DM0B1"]),
    "clinician2": (Role.CLINICAL_REVIEWER, "Daniel", "Osei", ["DM0D1", "DM0B1"]),
    "finance": (Role.FINANCE_OFFICER, "Tom", "Baker", ["DM0D1", "DM0B1"]),
    "finance2": (Role.FINANCE_OFFICER, "Ruth", "Ellis", ["DM0D1", "DM0B1"]),
    "analyst": (Role.ANALYST, "Wei", "Chen", ["DM0D1", "DM0B1"]),
    "holder": (Role.BUDGET_HOLDER, "", "", []),
    "carer": (Role.CARER, "", "", []),
}

Say = Callable[[str], None]


def _areas_postcodes() -> dict[str, list[str]]:
    by_area: dict[str, list[str]] = {area: [] for area in AREAS}
    with (DATA / "imd-sample.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            area = row["lsoa_name"].removeprefix("Synthetic ").rsplit(" ", 1)[0]
            if area in by_area:
                by_area[area].append(row["postcode"])
    return by_area


def _organisations(say: Say) -> dict[str, Organisation]:
    existing = {o.ods_code: o for o in Organisation.objects.filter(ods_code__startswith="DM")}
    for org in ORGANISATIONS:
        if org.ods not in existing:
            existing[org.ods] = organisation_create(
                actor=ACTOR,
                ods_code=org.ods,
                name=org.name,
                kind=org.kind,
                opened_on=org.opened,
                closed_on=org.closed,
            )
    for predecessor, successor, effective, reason in SUCCESSIONS:
        if not Succession.objects.filter(predecessor=existing[predecessor]).exists():
            succession_record(
                actor=ACTOR,
                predecessor=existing[predecessor],
                successor=existing[successor],
                effective_on=effective,
                reason=reason,
            )
    say(f"Organisations: {len(ORGANISATIONS)} (with {len(SUCCESSIONS)} successions).")
    return existing


def _reference_data(say: Say) -> None:
    if Lsoa.objects.filter(code__startswith="E019").exists():
        return
    with (DATA / "imd-sample.csv").open(newline="") as lines:
        record = imd_import(
            actor=ACTOR,
            lines=lines,
            edition="IMD 2019 (synthetic sample)",
            source_name="imd-sample.csv",
        )
    say(f"Deprivation lookup: {record.rows} synthetic postcodes.")


def _assignments(
    person: population.Person, orgs: dict[str, Organisation], rng_pick: float
) -> list[tuple[int, datetime.date, datetime.date | None, str]]:
    pct, ccg, icb, _ = AREAS[person.area]
    start = person.registered_on
    if start < NHSCB_START:
        if ccg is None or rng_pick < 0.3:
            return [(orgs[pct].pk, start, None, "Registered")]
        return [
            (orgs[pct].pk, start, PCT_END, "Registered"),
            (
                orgs[ccg].pk,
                NHSCB_START,
                None,
                "Clinical commissioning group responsible from April 2013",
            ),
        ]
    if ccg is None:
        return [(orgs["DM0B1"].pk, start, None, "Registered")]
    if start < ICB_START:
        return [(orgs[ccg].pk, start, None, "Registered")]
    return [(orgs[icb].pk, start, None, "Registered")]  # type: ignore[index]


def _people(
    *,
    seed: int,
    count: int,
    orgs: dict[str, Organisation],
    say: Say,
    progress: Callable[[int], None],
) -> int:
    numbers = population.test_nhs_numbers(count)
    existing = set(
        Patient.objects.filter(nhs_number__startswith=population.TEST_PREFIX).values_list(
            "nhs_number", flat=True
        )
    )
    postcodes = _areas_postcodes()
    added = 0
    for start in range(0, count, BATCH):
        chunk = [n for n in numbers[start : start + BATCH] if n not in existing]
        if not chunk:
            progress(min(BATCH, count - start))
            continue
        people = [
            population.person(seed=seed, index=start + i, nhs_number=n, areas=postcodes)
            for i, n in enumerate(numbers[start : start + BATCH])
            if n not in existing
        ]
        with transaction.atomic():  # a batch of people with everything that is theirs
            _write(people, orgs)
        added += len(people)
        progress(min(BATCH, count - start))
    return added


def _write(people: list[population.Person], orgs: dict[str, Organisation]) -> None:
    patients = [
        Patient(
            nhs_number=p.nhs_number,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            date_of_death=p.date_of_death,
            sex=p.sex,
            ethnic_category=p.ethnic_category,
            postcode=p.postcode,
            registered_practice_id=orgs[AREAS[p.area][3][p.index % len(AREAS[p.area][3])]].pk,
        )
        for p in people
    ]
    insert_many(patients)
    ids = patient_ids_by_nhs_number([patient.nhs_number for patient in patients])
    for patient in patients:
        patient.pk = ids[patient.nhs_number]
    assignments, conditions, representatives, carers = [], [], [], []
    settings, restrictions = [], []
    for person, patient in zip(people, patients):
        for organisation_id, starts, ends, reason in _assignments(
            person, orgs, (person.index * 7919 % 100) / 100
        ):
            assignments.append(
                CommissionerAssignment(
                    patient_id=patient.pk,
                    organisation_id=organisation_id,
                    starts_on=starts,
                    ends_on=ends,
                    reason=reason,
                )
            )
        for code, display, onset in person.conditions:
            conditions.append(
                Condition(
                    patient_id=patient.pk, snomed_code=code, display=display, onset_date=onset
                )
            )
        if person.representative:
            name, relation, authority, since = person.representative
            representatives.append(
                Representative(
                    patient_id=patient.pk,
                    full_name=name,
                    relationship=relation,
                    authority=authority,
                    starts_on=since,
                )
            )
        if person.setting:
            setting, since = person.setting
            settings.append(CareSetting(patient_id=patient.pk, setting=setting, starts_on=since))
        if person.restriction:
            kind, since = person.restriction
            restrictions.append(
                DirectPaymentRestriction(patient_id=patient.pk, kind=kind, starts_on=since)
            )
        if person.carer:
            name, relation, since = person.carer
            carers.append(
                Carer(
                    cares_for_id=patient.pk, full_name=name, relationship=relation, starts_on=since
                )
            )
    insert_many(assignments)
    insert_many(conditions)
    insert_many(settings)
    insert_many(restrictions)
    insert_many(representatives)
    insert_many(carers)


def _users(orgs: dict[str, Organisation], password: str, say: Say) -> None:
    for username, (role, first, last, memberships) in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(
                actor=ACTOR,
                username=username,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                organisations=[orgs[code] for code in memberships],
                check_password=False,
            )
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
    holder = User.objects.get(username="holder")
    if not Patient.objects.filter(account=holder).exists():
        patient = _first_living_adult_in_scope(orgs)
        sign_in_link(actor=ACTOR, record=patient, user=holder)
        User.objects.filter(pk=holder.pk).update(
            first_name=patient.given_name, last_name=patient.family_name
        )
    carer_user = User.objects.get(username="carer")
    if not Carer.objects.filter(account=carer_user).exists():
        carer = Carer.objects.filter(cares_for__nhs_number__startswith="999").order_by("pk").first()
        if carer is not None:
            sign_in_link(actor=ACTOR, record=carer, user=carer_user)
            first, _, last = carer.full_name.partition(" ")
            User.objects.filter(pk=carer_user.pk).update(first_name=first, last_name=last)


def _first_living_adult_in_scope(orgs: dict[str, Organisation]) -> Patient:
    today = datetime.date.today()
    cutoff = today.replace(year=today.year - 18)
    return (
        Patient.objects.filter(
            date_of_death__isnull=True,
            date_of_birth__lte=cutoff,
            assignments__organisation=orgs["DM0D1"],
            assignments__ends_on__isnull=True,
        )
        .order_by("pk")
        .first()
    ) or Patient.objects.order_by("pk").first()  # type: ignore[return-value]


def build(
    *, seed: int, patients: int, say: Say, progress: Callable[[int], None] = lambda n: None
) -> DemoWorld:
    if not 1 <= patients <= population.MAX_PEOPLE:
        raise ValidationError(
            f"--patients must be between 1 and {population.MAX_PEOPLE:,}: that is how many valid "
            "NHS numbers the 999 test range holds, and demo people never get real ones."
        )
    world = DemoWorld.objects.first()
    if world is not None and world.seed != seed:
        raise ValidationError(
            f"This database already holds the demo world made from seed {world.seed}. Use that "
            "seed, or start from an empty database (phb flush) for another."
        )
    password = settings.PHB_DEMO_PASSWORD
    with transaction.atomic():
        orgs = _organisations(say)
        _reference_data(say)
    added = _people(seed=seed, count=patients, orgs=orgs, say=say, progress=progress)
    with transaction.atomic():
        _users(orgs, password, say)
    demo_programmes.build(orgs=orgs, seed=seed, say=say)
    demo_money.build(orgs=orgs, seed=seed, say=say)
    demo_planning.build(orgs=orgs, seed=seed, say=say)
    demo_payments.build(orgs=orgs, seed=seed, say=say)
    demo_statements.build(orgs=orgs, seed=seed, say=say)
    with transaction.atomic():
        world, _ = DemoWorld.objects.get_or_create(defaults={"seed": seed, "patients": patients})
        if patients > world.patients:
            world.patients = patients
            world.save(update_fields=["patients", "updated_at"])
        if added:
            audit_record(
                actor=ACTOR,
                action="demo.people_loaded",
                target=world,
                summary=f"Loaded {added} synthetic people (seed {seed})",
            )
    say(f"People: {added:,} added; the world holds {Patient.objects.count():,}.")
    return world
