"""Settings and fixtures shared by every test (domain, API and browser)."""

import datetime
import os

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from tests import factories


@pytest.fixture(autouse=True, scope="session")
def _flush_append_only_tables_in_tests():
    """Transactional tests (the browser's live server) empty every table between tests. On
    SQLite that is a DELETE, which the append-only triggers refuse unless a purge permit is
    open; so the test database's flush opens one. Nothing outside the test run does this."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    from openphb.core.db import PERMIT_TABLE

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = original(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if PERMIT_TABLE not in tables:
            return statements
        others = [s for s in statements if PERMIT_TABLE not in s]
        return [
            f"INSERT INTO {PERMIT_TABLE} (reason) VALUES ('test flush')",
            *others,
            f"DELETE FROM {PERMIT_TABLE}",
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture
def icb(db):
    return factories.organisation(name="NHS North East London ICB", ods_code="QMF")


@pytest.fixture
def other_icb(db):
    return factories.organisation(name="NHS Nottingham and Nottinghamshire ICB", ods_code="QT1")


@pytest.fixture
def coordinator(icb):
    return factories.user(username="coordinator", role="care_coordinator", organisations=(icb,))


@pytest.fixture
def commissioner(icb):
    return factories.user(username="commissioner", role="commissioner", organisations=(icb,))


@pytest.fixture
def analyst(icb):
    return factories.user(username="analyst", role="analyst", organisations=(icb,))


@pytest.fixture
def patient(icb):
    return factories.patient(commissioner=icb, given_name="Margaret", family_name="Okafor")


@pytest.fixture
def elsewhere_patient(other_icb):
    return factories.patient(commissioner=other_icb, given_name="Someone", family_name="Else")


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """Tests marked postgres_only (row-lock races, server-side behaviour) run on PostgreSQL and
    are reported as skipped on SQLite, where they would mean nothing."""
    if request.node.get_closest_marker("postgres_only") is None:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("means something only on PostgreSQL (DATABASE_URL=postgres://...)")


# Care and support planning: an epilepsy programme with its scheme, stream and catalogue, and
# Sam, who has epilepsy (see `factories.planning_scene`).


@pytest.fixture
def scene(icb):
    return factories.planning_scene(commissioner=icb)


@pytest.fixture
def person(icb):
    someone = factories.patient(commissioner=icb, given_name="Sam", family_name="Adeyemi")
    factories.condition(someone, *factories.EPILEPSY)
    return someone


@pytest.fixture
def enrolment(scene, person):
    return factories.accepted_enrolment(programme=scene.programme, patient=person)


@pytest.fixture
def clinician(icb):
    return factories.user(
        username="clinician", role="clinical_reviewer", organisations=(icb,), first_name="Anna"
    )


@pytest.fixture
def second_commissioner(icb):
    return factories.user(username="approver2", role="commissioner", organisations=(icb,))


# Direct payments: two finance officers (one creates a payment run, the other approves it), the
# ICB's own account that payments are made from, and budgets paid by direct payment from
# `factories.payment_day()` (a weekday: Bacs pays on weekdays).


@pytest.fixture
def finance(icb):
    return factories.user(
        username="finance", role="finance_officer", organisations=(icb,), first_name="Priya"
    )


@pytest.fixture
def finance2(icb):
    return factories.user(
        username="finance2", role="finance_officer", organisations=(icb,), first_name="Tom"
    )


@pytest.fixture
def originator(icb, finance):
    from openphb.audit.services import Actor
    from openphb.payments import services

    return services.originator_set(
        actor=Actor(user=finance),
        commissioner=icb,
        sort_code="60-70-80",
        account_number="10293847",
        account_name="NHS NEL ICB",
        service_user_number="123456",
    )


@pytest.fixture
def direct_payment(icb, finance, finance2):
    """Makes a year's budget for a person, from the payment day, paid monthly by direct payment:
    `direct_payment(patient, bank="verified" | "pending" | None, agreement=True)`. Bank
    details are entered by `finance` and (when verified) verified by `finance2`."""
    from openphb.audit.services import Actor
    from openphb.payments import services

    stream = factories.funding_stream(
        code="chc-dp", name="NHS continuing healthcare", envelope=100_000_000
    )
    factories.allocation(stream=stream, commissioner=icb, amount=50_000_000)

    day = factories.payment_day()

    def make(patient, *, bank="verified", agreement=True, amount=1_200_000):
        budget = factories.budget(
            patient=patient,
            commissioner=icb,
            stream=stream,
            starts_on=day,
            ends_on=day + datetime.timedelta(days=364),
            lines=(("Personal assistant, 10 hours a week", "personal_care", amount),),
        )
        setup = services.setup_save(
            actor=Actor(user=finance),
            budget=budget,
            payee_kind="person",
            payee_name=patient.full_name,
            account_type="dedicated",
            frequency="monthly",
            first_payment_on=day,
            agreement_signed_on=day if agreement else None,
            agreement_version="2026-1" if agreement else "",
        )
        if bank:
            details = services.bank_details_enter(
                actor=Actor(user=finance),
                setup=setup,
                sort_code="20-00-00",
                account_number=f"5577{budget.pk:04d}",
                account_name=patient.family_name.upper()[:18],
            )
            if bank == "verified":
                services.bank_details_decide(
                    actor=Actor(user=finance2), details=details, verified=True
                )
        return setup

    return make
