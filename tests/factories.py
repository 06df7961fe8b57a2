"""Shared factories: valid records with as little typing as possible.

They write through the ORM (fast, no audit) to set the scene; the behaviour under test goes
through the services.
"""

import datetime
import itertools

from openphb.accounts.models import Membership, User
from openphb.accounts.roles import Role
from openphb.audit.services import Actor
from openphb.core.identifiers import nhs_number_check_digit
from openphb.organisations.models import Organisation
from openphb.payments.calendar import not_a_processing_day
from openphb.programmes.models import Programme
from openphb.registry.models import CommissionerAssignment, Condition, Patient

_counter = itertools.count(1)


def next_nhs_number() -> str:
    """A fresh valid NHS number from the 999 test range."""
    while True:
        stem = f"999{next(_counter) + 500_000:06d}"
        check = nhs_number_check_digit(stem)
        if check is not None:
            return f"{stem}{check}"


def organisation(
    *,
    ods_code: str | None = None,
    name: str | None = None,
    kind: str = "icb",
    opened_on: datetime.date | None = datetime.date(2000, 1, 1),
    closed_on: datetime.date | None = None,
) -> Organisation:
    n = next(_counter)
    return Organisation.objects.create(
        ods_code=ods_code or f"T{n:05d}",
        name=name or f"Test organisation {n}",
        kind=kind,
        opened_on=opened_on,
        closed_on=closed_on,
    )


def user(
    *,
    username: str | None = None,
    role: str = Role.CARE_COORDINATOR,
    organisations: tuple[Organisation, ...] = (),
    password: str = "correct-horse-battery",
    first_name: str = "Test",
) -> User:
    account = User.objects.create_user(
        username=username or f"user{next(_counter)}",
        password=password,
        role=role,
        first_name=first_name,
    )
    for organisation in organisations:
        Membership.objects.create(user=account, organisation=organisation)
    return account


def patient(
    *,
    commissioner: Organisation | None = None,
    since: datetime.date = datetime.date(2015, 1, 1),
    **fields: object,
) -> Patient:
    values: dict[str, object] = {
        "nhs_number": next_nhs_number(),
        "given_name": "Alex",
        "family_name": f"Tester{next(_counter)}",
        "date_of_birth": datetime.date(1950, 6, 15),
        "sex": "F",
        "ethnic_category": "A",
        "postcode": "RM1 3AB",
    }
    values.update(fields)
    created = Patient.objects.create(**values)
    if commissioner is not None:
        CommissionerAssignment.objects.create(
            patient=created, organisation=commissioner, starts_on=since
        )
    return created


def programme(
    *,
    owner: Organisation,
    sites: tuple[Organisation, ...] = (),
    go_live_on: datetime.date = datetime.date(2025, 1, 1),
    codes: tuple[tuple[str, str], ...] = (("13645005", "COPD"),),
    min_age: int | None = 18,
    ways: tuple[str, ...] = ("notional", "direct_payment"),
    kind: str = "ltc_pilot",
    name: str | None = None,
    **rules: object,
) -> Programme:
    """A programme set up through the services, with sites and published rules."""
    from openphb.programmes import services

    actor = Actor.system_job("test")
    created = services.programme_create(
        actor=actor,
        name=name or f"Programme {next(_counter)}",
        kind=kind,
        owner=owner,
        ways_of_holding=list(ways),
        legal_right=kind in services.LEGAL_RIGHT_KINDS,
    )
    for site in sites or (owner,):
        services.site_add(
            actor=actor,
            programme=created,
            organisation=site,
            go_live_on=go_live_on,
            enrolment_target=10,
        )
    services.rules_publish(
        actor=actor,
        programme=created,
        condition_codes=list(codes),
        min_age=min_age,
        **rules,  # type: ignore[arg-type]
    )
    return created


def condition(who: Patient, code: str = "13645005", display: str = "COPD") -> None:
    Condition.objects.create(patient=who, snomed_code=code, display=display)


def funding_stream(
    *,
    funder: Organisation | None = None,
    code: str | None = None,
    kind: str = "chc",
    envelope: int | None = None,
    starts_on: datetime.date = datetime.date(2024, 4, 1),
    ends_on: datetime.date | None = None,
    name: str | None = None,
):  # -> FundingStream
    """A funding stream set up through the service (so its ledger accounts exist)."""
    from openphb.funding.services import stream_create

    n = next(_counter)
    return stream_create(
        actor=Actor.system_job("test"),
        code=code or f"stream-{n}",
        name=name or f"Test stream {n}",
        kind=kind,
        funder=funder or organisation(kind="nhscb", name=f"Funder {n}"),
        starts_on=starts_on,
        ends_on=ends_on,
        envelope=envelope,
    )


def allocation(*, stream, commissioner: Organisation, amount: int, on=None):  # -> Allocation
    from openphb.funding.services import allocation_record

    return allocation_record(
        actor=Actor.system_job("test"),
        stream=stream,
        commissioner=commissioner,
        amount=amount,
        effective_on=on or stream.starts_on,
    )


def budget(
    *,
    patient: Patient,
    commissioner: Organisation,
    stream,
    lines: tuple[tuple[str, str, int], ...] = (
        ("Personal assistant hours", "personal_care", 500_000),
    ),
    holding: str = "direct_payment",
    starts_on: datetime.date = datetime.date(2025, 4, 1),
    ends_on: datetime.date = datetime.date(2026, 3, 31),
):  # -> Budget
    """A budget created through the service: (description, category, pence) a line."""
    from openphb.budgets.services import LineSpec, budget_create

    return budget_create(
        actor=Actor.system_job("test"),
        patient=patient,
        commissioner=commissioner,
        starts_on=starts_on,
        ends_on=ends_on,
        lines=[
            LineSpec(
                item_ref=f"item-{index}",
                description=description,
                category=category,
                stream=stream,
                holding=holding,
                amount=amount,
            )
            for index, (description, category, amount) in enumerate(lines, start=1)
        ],
    )


EPILEPSY = ("84757009", "Epilepsy")


def levels(**chosen: str) -> dict[str, str]:
    """A level in every default care domain: 'none' unless chosen, e.g. mobility='high'."""
    from openphb.planning.calculations import DEFAULT_DOMAINS

    return {code: chosen.get(code, "none") for code, _ in DEFAULT_DOMAINS}


NICE = "NICE guideline NG217 (epilepsies) and Cochrane reviews"


def accepted_enrolment(*, programme: Programme, patient: Patient, on: datetime.date | None = None):
    """An enrolment moved through the services to 'accepted' (the person said yes)."""
    from openphb.enrolment import services

    actor = Actor.system_job("test")
    day = on or datetime.date.today()
    enrolment = services.enrolment_start(actor=actor, programme=programme, patient=patient)
    services.enrolment_move(
        actor=actor, enrolment=enrolment, to_stage="offered", on=day, offer_method="letter"
    )
    services.enrolment_move(actor=actor, enrolment=enrolment, to_stage="accepted", on=day)
    enrolment.refresh_from_db()
    return enrolment


def catalogue_item(
    *,
    commissioner: Organisation,
    code: str,
    name: str,
    category: str = "therapies",
    unit: str = "session",
    price: int = 4_500,
    cap: int | None = None,
    legal_status: str = "allowed",
    evidence: tuple[tuple[str, str, str], ...] = (),
):  # -> CatalogueVersion
    """A catalogue item through the service; evidence is (SNOMED code or '', condition, rating)."""
    from openphb.planning.catalogue import ItemSpec, catalogue_item_add

    return catalogue_item_add(
        actor=Actor.system_job("test"),
        commissioner=commissioner,
        code=code,
        spec=ItemSpec(
            name=name,
            category=category,
            unit=unit,
            reference_price=price,
            price_cap=cap,
            legal_status=legal_status,
            evidence=[
                {"condition_code": c, "condition": label, "rating": rating, "source": NICE}
                for c, label, rating in evidence
            ],
        ),
    )


def planning_scene(*, commissioner: Organisation, allocation_pence: int = 20_000_000):
    """An epilepsy programme with an allocation scheme, a funded stream and a small catalogue:
    hydrotherapy, a seizure-alert dog, personal assistant hours, reflexology (not supported)
    and a betting account (excluded)."""
    from types import SimpleNamespace

    from openphb.planning.catalogue import SchemeSpec, scheme_publish

    actor = Actor.system_job("test")
    scheme_programme = programme(
        owner=commissioner,
        codes=(EPILEPSY,),
        ways=("notional", "third_party", "direct_payment"),
        kind="ltc_pilot",
        name=f"Epilepsy budgets {next(_counter)}",
    )
    scheme = scheme_publish(
        actor=actor,
        programme=scheme_programme,
        spec=SchemeSpec(
            pence_per_point=50_000,
            adjustments=[
                {
                    "code": "carer",
                    "label": "An unpaid carer gives support",
                    "when": "unpaid_carer",
                    "basis_points": -1_000,
                }
            ],
            floor=100_000,
            cap=10_000_000,
            rounding_unit=1_000,
        ),
    )
    stream = funding_stream(
        code=f"ltc-{next(_counter)}", kind="ltc", starts_on=datetime.date(2020, 4, 1)
    )
    allocation(stream=stream, commissioner=commissioner, amount=allocation_pence)
    items = SimpleNamespace(
        hydrotherapy=catalogue_item(
            commissioner=commissioner,
            code="hydrotherapy",
            name="Hydrotherapy",
            price=4_500,
            cap=6_000,
            evidence=((EPILEPSY[0], "Epilepsy", "conditional"), ("", "", "recommended")),
        ),
        dog=catalogue_item(
            commissioner=commissioner,
            code="seizure-alert-dog",
            name="Trained seizure-alert dog",
            category="equipment",
            unit="one_off",
            price=1_200_000,
            evidence=((EPILEPSY[0], "Epilepsy", "conditional"),),
        ),
        assistant=catalogue_item(
            commissioner=commissioner,
            code="personal-assistant",
            name="Personal assistant hours",
            category="personal_care",
            unit="hour",
            price=1_600,
        ),
        reflexology=catalogue_item(
            commissioner=commissioner,
            code="reflexology",
            name="Reflexology",
            price=4_000,
            evidence=(("", "", "not_supported"),),
        ),
        betting=catalogue_item(
            commissioner=commissioner,
            code="betting",
            name="Betting account top-up",
            category="activities",
            unit="one_off",
            price=1_000,
            legal_status="gambling",
        ),
    )
    return SimpleNamespace(programme=scheme_programme, scheme=scheme, stream=stream, items=items)


def payment_day(on_or_before: datetime.date | None = None) -> datetime.date:
    """A day payment runs can be made on (Bacs works on weekdays that are not bank holidays):
    today, or the last such day before it."""
    day = on_or_before or datetime.date.today()
    while not_a_processing_day(day):
        day -= datetime.timedelta(days=1)
    return day
