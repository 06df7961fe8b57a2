"""The remittance advice of a run: a row for each credit in its Bacs file, in the file's order."""

import pytest

from openphb.audit.services import Actor
from openphb.payments import runs, services
from openphb.payments.remittance import remittance_csv
from openphb.payments.selectors import payment_description, remittance_rows

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def test_each_credit_in_the_file_has_a_row_in_its_order(
    icb, originator, verified, finance, finance2, plan
):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    run = runs.run_approve(actor=Actor(user=finance2), run=run)
    rows = remittance_rows(run=run)
    payments = list(run.payments.order_by("id"))
    assert [row.payment_reference for row in rows] == [p.reference for p in payments]
    assert [row.amount for row in rows] == [p.amount for p in payments]
    assert {row.payment_date for row in rows} == {TODAY}
    assert {row.payee_name for row in rows} == {"Sam Adeyemi"}
    data = runs.run_file(run=run)
    positions = [data.index(row.payment_reference.encode()) for row in rows]
    assert positions == sorted(positions)
    text = remittance_csv(rows).decode()
    assert "****9911" in text
    assert "55779911" not in text


def test_a_payment_an_offset_took_to_nothing_is_not_in_the_remittance(
    icb, originator, verified, setup, finance, finance2
):
    services.offset_record(
        actor=Actor(user=finance),
        setup=setup,
        amount=100_000_000,
        reason="Recovery decision 7",
        decided_on=TODAY,
    )
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    assert run.payments.count() == 2
    assert run.payments_total == 0
    assert remittance_rows(run=run) == []


def test_a_payment_is_described_by_its_period_or_its_day(icb, originator, verified, finance, plan):
    run = runs.run_create(actor=Actor(user=finance), commissioner=icb, payment_date=TODAY)
    dog, month = run.payments.order_by("kind")
    assert payment_description(dog) == f"One-off payment for {TODAY:%-d %B %Y}"
    assert payment_description(month) == (
        f"{month.period_start:%-d %B %Y} to {month.period_end:%-d %B %Y}"
    )
