"""Demo money: funding streams and their allocations, a named overdraft policy, and a budget
for everyone whose continuing-healthcare budget is live, paid quarter by quarter to today.
(Budgets that come from care plans, the demo budget holder's among them, are approved in
demo/planning.py and paid the same way.) Direct payments are not: the payment runs in
demo/payments.py pay them.

The streams are the ones the programme lives on: continuing healthcare and long-term
conditions (from the Department of Health through the NHS), the council's social-care
contribution (integrated budgets), and two that have ended: the £1.5m national roll-out
support fund (to 31 March 2013) and the ring-fenced £400m carers' breaks fund (2011-15).
Everything goes through the services, so the ledger and the audit trail are what real use
would leave behind.
"""

import datetime
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from openphb.audit.services import Actor
from openphb.budgets.models import Budget, Holding
from openphb.budgets.selectors import budget_figures
from openphb.budgets.services import LineSpec, budget_commit, budget_create, budget_pay
from openphb.enrolment.models import Enrolment
from openphb.enrolment.stages import Stage
from openphb.funding.models import FundingStream
from openphb.funding.services import allocation_record, overdraft_policy_create, stream_create
from openphb.organisations.models import Organisation

ACTOR = Actor.system_job("demo-data")
Say = Callable[[str], None]
POUND = 100

# code, name, kind, funder, starts, ends, envelope (pence), description
STREAMS = [
    (
        "chc",
        "NHS continuing healthcare",
        "chc",
        "DM0G1",
        datetime.date(2013, 4, 1),
        None,
        None,
        "Care for adults with a primary health need, arranged and paid for by the NHS.",
    ),
    (
        "ltc",
        "Long-term conditions",
        "ltc",
        "DM0G1",
        datetime.date(2013, 4, 1),
        None,
        None,
        "Budgets for people with diabetes, COPD or a stroke in the direct-payments pilot.",
    ),
    (
        "rollout",
        "National roll-out support fund",
        "rollout",
        "DM0G1",
        datetime.date(2011, 4, 1),
        datetime.date(2013, 3, 31),
        1_500_000 * POUND,
        "£1.5m to support the first stage of the roll-out, until responsibility passed to the "
        "NHS Commissioning Board in April 2013.",
    ),
    (
        "carers-breaks",
        "Carers' breaks fund",
        "carers_breaks",
        "DM0G1",
        datetime.date(2011, 4, 1),
        datetime.date(2015, 3, 31),
        400_000_000 * POUND,
        "£400m over four years for breaks for carers, given to primary care trusts.",
    ),
    (
        "havering-social-care",
        "Havering social-care contribution",
        "social_care",
        "DM0E1",
        datetime.date(2024, 4, 1),
        None,
        None,
        "The council's share of integrated budgets: one plan, one budget, two funders.",
    ),
]
PCTS = ["DM0A1", "DM0A2", "DM0A3", "DM0A4", "DM0A5"]
# stream, commissioner, pounds, effective
ALLOCATIONS = [
    *[("rollout", pct, 300_000, datetime.date(2011, 4, 1)) for pct in PCTS],
    *[("carers-breaks", pct, 1_200_000, datetime.date(2011, 4, 1)) for pct in PCTS],
    ("chc", "DM0D1", 4_000_000, datetime.date(2024, 4, 1)),
    ("chc", "DM0D1", 4_500_000, datetime.date(2025, 4, 1)),
    ("chc", "DM0D1", 5_000_000, datetime.date(2026, 4, 1)),
    ("chc", "DM0B1", 1_500_000, datetime.date(2024, 10, 1)),
    ("chc", "DM0B1", 2_000_000, datetime.date(2025, 4, 1)),
    ("ltc", "DM0D1", 250_000, datetime.date(2026, 2, 1)),
    ("havering-social-care", "DM0D1", 600_000, datetime.date(2024, 4, 1)),
]
# description, category, pounds a year
MENU = [
    ("Personal assistant, 12 hours a week", "personal_care", 15_600),
    ("Hydrotherapy, 20 sessions instead of stronger pain medication", "therapies", 900),
    ("Physiotherapy at home, 24 sessions", "therapies", 1_200),
    ("A week's respite so the family carer can have a break", "breaks", 1_500),
    ("Riser-recliner chair and bathroom grab rails", "equipment", 850),
    ("Taxi to the day centre twice a week", "transport", 1_040),
    ("Payroll and support service for employing a personal assistant", "support", 360),
]
SOCIAL_CARE_LINE = ("Council-funded help at home, 5 hours a week", "personal_care", 6_500)


def build(*, orgs: dict[str, Organisation], seed: int, say: Say) -> None:
    today = timezone.localdate()
    if not FundingStream.objects.filter(code="chc").exists():
        with transaction.atomic():
            set_up = _streams(orgs)
        say(f"Funding: {len(set_up)} streams, {len(ALLOCATIONS)} allocations.")
    streams = {s.code: s for s in FundingStream.objects.all()}
    rng = random.Random(seed)
    made = 0
    live = (
        Enrolment.objects.filter(stage=Stage.LIVE, programme__kind="chc", live_on__isnull=False)
        .select_related("site__organisation", "patient")
        .order_by("pk")
    )
    have = set(Budget.objects.values_list("source_ref", flat=True))
    # People whose approved care plan made their budget (demo/planning.py) get no other.
    funded = set(Budget.objects.values_list("patient_id", flat=True))
    for enrolment in live:
        if f"enrolment:{enrolment.pk}" in have or enrolment.patient_id in funded:
            continue
        with transaction.atomic():
            _budget_for(enrolment, streams, orgs, rng, today)
        made += 1
    if made:
        say(f"Budgets: {made} created and paid to {today:%-d %B %Y}.")


def _streams(orgs: dict[str, Organisation]) -> list[FundingStream]:
    made = []
    for code, name, kind, funder, starts, ends, envelope, description in STREAMS:
        made.append(
            stream_create(
                actor=ACTOR,
                code=code,
                name=name,
                kind=kind,
                funder=orgs[funder],
                starts_on=starts,
                ends_on=ends,
                envelope=envelope,
                description=description,
            )
        )
    by_code = {stream.code: stream for stream in made}
    for code, commissioner, pounds, effective in ALLOCATIONS:
        allocation_record(
            actor=ACTOR,
            stream=by_code[code],
            commissioner=orgs[commissioner],
            amount=pounds * POUND,
            effective_on=effective,
            note="Synthetic demo allocation",
            idempotency_key=f"demo-allocation:{code}:{commissioner}:{effective}",
        )
    overdraft_policy_create(
        actor=ACTOR,
        commissioner=orgs["DM0B1"],
        stream=by_code["chc"],
        name="Winter discharge overcommitment (board decision 2025/41)",
        limit=150_000 * POUND,
        reason="Budgets for people leaving hospital are approved before the spring allocation.",
        starts_on=datetime.date(2025, 11, 1),
    )
    return made


def _budget_for(
    enrolment: Enrolment,
    streams: dict[str, FundingStream],
    orgs: dict[str, Organisation],
    rng: random.Random,
    today: datetime.date,
) -> None:
    assert enrolment.live_on is not None
    holding = enrolment.way_of_holding or Holding.NOTIONAL
    commissioner = enrolment.site.organisation
    picks = rng.sample(MENU[1:], k=rng.randint(1, 3))
    menu = [MENU[0], *picks]
    lines = [
        LineSpec(
            item_ref=f"item-{n}",
            description=description,
            category=category,
            stream=streams["chc"],
            holding=holding,
            amount=pounds * POUND,
        )
        for n, (description, category, pounds) in enumerate(menu, start=1)
    ]
    if commissioner.ods_code == "DM0D1" and rng.random() < 0.4:
        description, category, pounds = SOCIAL_CARE_LINE
        lines.append(
            LineSpec(
                item_ref="council-1",
                description=description,
                category=category,
                stream=streams["havering-social-care"],
                holding=holding,
                amount=pounds * POUND,
            )
        )
    starts = enrolment.live_on
    budget = budget_create(
        actor=ACTOR,
        patient=enrolment.patient,
        commissioner=commissioner,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=364),
        lines=lines,
        source_ref=f"enrolment:{enrolment.pk}",
    )
    pay_quarterly(budget, today)


def pay_quarterly(budget: Budget, today: datetime.date) -> None:
    """A quarter's share of each line at the start of every quarter up to today. Third parties
    are set aside first, then paid; notional lines are paid to the provider. The next quarter's
    third-party money is already set aside. Direct payments are left to the payment runs
    (demo/payments.py), which pay them monthly or every four weeks."""
    approved = budget_figures(budget=budget).by_line
    for line in budget.lines.all():
        if line.holding == Holding.DIRECT_PAYMENT:
            continue
        quarter = approved[line.pk].approved // 4
        if quarter <= 0:
            continue
        for n in range(4):
            due = max(budget.starts_on, _add_months(budget.starts_on, 3 * n))
            if due > today:
                if line.holding != Holding.NOTIONAL:
                    budget_commit(
                        actor=ACTOR,
                        budget=budget,
                        line=line,
                        amount=quarter,
                        on=today,
                        description=f"Set aside for the payment due {due:%-d %B %Y}",
                    )
                break
            committed = line.holding != Holding.NOTIONAL
            if committed:
                budget_commit(
                    actor=ACTOR,
                    budget=budget,
                    line=line,
                    amount=quarter,
                    on=due,
                    description=f"Quarter from {due:%-d %B %Y}",
                )
            budget_pay(
                actor=ACTOR,
                budget=budget,
                line=line,
                amount=quarter,
                on=due,
                description=f"Quarter from {due:%-d %B %Y}",
                from_committed=committed,
            )


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=min(day.day, 28))
