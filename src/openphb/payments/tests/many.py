"""Many direct-payment budgets at once, for the tests that need a run of a few hundred
payments: a process killed part-way through approving, and approvals racing each other.

Each budget is created and funded through the budget service (so its ledger accounts and
funding are real) from a funding stream allocated to the commissioner; the set-ups and
verified bank details are written straight through the ORM to set the scene, as factories do.
Even budgets start on the payment day and are paid monthly (one payment due); odd ones started
four weeks earlier and are paid every four weeks (that period and the current one are due).
Each has two direct-payment lines in different categories, so a payment posts four legs.
"""

import datetime

from django.utils import timezone
from tests import factories

from openphb.organisations.models import Organisation
from openphb.payments.models import BankDetails, DirectPaymentSetup


def direct_payment_budgets(
    *, commissioner: Organisation, count: int, on: datetime.date
) -> list[DirectPaymentSetup]:
    stream = factories.funding_stream(starts_on=on - datetime.timedelta(days=400))
    factories.allocation(stream=stream, commissioner=commissioner, amount=count * 2_000_000)
    setups = []
    for n in range(count):
        starts_on = on - datetime.timedelta(days=28 * (n % 2))
        budget = factories.budget(
            patient=factories.patient(commissioner=commissioner),
            commissioner=commissioner,
            stream=stream,
            lines=(
                ("Personal assistant hours", "personal_care", 1_300_000 + 100 * n),
                ("Hydrotherapy", "therapies", 234_000),
            ),
            starts_on=starts_on,
            ends_on=starts_on + datetime.timedelta(days=364),
        )
        setups.append(
            DirectPaymentSetup(
                budget=budget,
                payee_kind="person",
                payee_name=f"Holder {n}",
                account_type="dedicated",
                frequency="four_weekly" if n % 2 else "monthly",
                first_payment_on=starts_on,
                agreement_signed_on=starts_on,
                agreement_version="2026-1",
            )
        )
    created = DirectPaymentSetup.objects.bulk_create(setups)
    BankDetails.objects.bulk_create(
        BankDetails(
            setup=setup,
            sort_code="200000",
            account_number=f"{30_000_000 + n}",
            account_name=f"HOLDER {n}",
            status=BankDetails.Status.VERIFIED,
            decided_at=timezone.now(),
        )
        for n, setup in enumerate(created)
    )
    return created
