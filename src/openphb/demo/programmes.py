"""Demo programmes with realistic funnels: continuing healthcare budgets at two sites, and a
long-term conditions direct-payments pilot that went live in February and has enrolled nobody.

Everything goes through the services (screening, each move, each minute of staff time), with
dates drawn from a seeded generator, so the journeys and the audit trail are what real use
would leave behind.
"""

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import enrolment_move, screen_and_identify, time_record
from openphb.organisations.models import Organisation
from openphb.programmes.models import Programme
from openphb.programmes.services import programme_create, rules_publish, site_add
from openphb.registry.selectors import circumstances_on

CHC_CODES = [
    ("52448006", "Dementia"),
    ("24700007", "Multiple sclerosis"),
    ("37340000", "Motor neurone disease"),
    ("49049000", "Parkinson's disease"),
    ("127294003", "Brain injury"),
]
LTC_CODES = [
    ("13645005", "Chronic obstructive pulmonary disease"),
    ("44054006", "Type 2 diabetes mellitus"),
    ("46635009", "Type 1 diabetes mellitus"),
    ("230690007", "Stroke"),
]
# Journeys are walked one service call at a time; in a world of a million people only the first
# few hundred identified people of each programme get one, which is plenty to look at.
MAX_JOURNEYS = 400
NO_DIRECT_PAYMENT = ["drug_rehab", "alcohol_treatment", "drug_order", "licence"]
CHC_NAME = "Personal health budgets in NHS continuing healthcare"
PILOT_NAME = "Long-term conditions direct payments pilot"

Say = Callable[[str], None]


def build(*, orgs: dict[str, Organisation], seed: int, say: Say) -> None:
    commissioner = User.objects.get(username="commissioner")
    coordinator = User.objects.get(username="coordinator")
    lead, staff = Actor(user=commissioner), Actor(user=coordinator)
    rng = random.Random(seed)
    today = timezone.localdate()
    if not Programme.objects.filter(owner=orgs["DM0D1"], name=CHC_NAME).exists():
        chc = programme_create(
            actor=lead,
            name=CHC_NAME,
            kind="chc",
            owner=orgs["DM0D1"],
            ways_of_holding=["notional", "third_party", "direct_payment"],
            legal_right=True,
            description="Everyone eligible for NHS continuing healthcare in their own home has "
            "a right to have a personal health budget.",
        )
        site_add(
            actor=lead,
            programme=chc,
            organisation=orgs["DM0D1"],
            go_live_on=datetime.date(2024, 4, 1),
            enrolment_target=120,
        )
        site_add(
            actor=lead,
            programme=chc,
            organisation=orgs["DM0B1"],
            go_live_on=datetime.date(2024, 10, 1),
            enrolment_target=150,
        )
        rules_publish(
            actor=lead,
            programme=chc,
            condition_codes=CHC_CODES,
            min_age=18,
            settings=["home", "supported", "care_home", "nursing_home"],
            exclusions=NO_DIRECT_PAYMENT,
            note="Adults assessed for continuing healthcare",
        )
        run, identified = screen_and_identify(
            actor=lead, programme=chc, on=datetime.date(2024, 4, 1)
        )
        moved = _journeys(chc, staff, rng, today, appetite=0.62)
        say(
            f"Programme: {chc.name}: {run.screened:,} screened, {identified:,} identified, "
            f"{moved:,} steps recorded."
        )
    if not Programme.objects.filter(owner=orgs["DM0D1"], name=PILOT_NAME).exists():
        pilot = programme_create(
            actor=lead,
            name=PILOT_NAME,
            kind="ltc_pilot",
            owner=orgs["DM0D1"],
            ways_of_holding=["direct_payment"],
            is_pilot=True,
            description="Direct payments for people with diabetes, COPD or a stroke.",
        )
        site_add(
            actor=lead,
            programme=pilot,
            organisation=orgs["DM0D1"],
            go_live_on=datetime.date(2026, 2, 1),
            enrolment_target=40,
        )
        rules_publish(
            actor=lead,
            programme=pilot,
            condition_codes=LTC_CODES,
            min_age=18,
            exclusions=NO_DIRECT_PAYMENT,
        )
        run, identified = screen_and_identify(
            actor=lead, programme=pilot, on=datetime.date(2026, 2, 1)
        )
        moved = _journeys(pilot, staff, rng, today, appetite=0.0)
        say(
            f"Programme: {pilot.name}: {run.screened:,} screened, {identified:,} identified, "
            f"{moved:,} steps recorded, nobody enrolled."
        )


def _journeys(
    programme: Programme, staff: Actor, rng: random.Random, today: datetime.date, appetite: float
) -> int:
    """Walk each identified person forward with seeded delays, stopping at today.
    `appetite` is the share of people offered who accept (0 for the stalled pilot)."""
    steps = 0
    enrolments = list(
        Enrolment.objects.filter(programme=programme)
        .select_related("programme", "patient", "site")
        .order_by("pk")[:MAX_JOURNEYS]
    )
    for enrolment in enrolments:
        if rng.random() > (0.7 if appetite else 0.25):
            continue  # never offered (yet)
        # Coordinators work through the list from the site's go-live until today, so offers
        # (and everything after them) spread over the life of the programme.
        day = max(enrolment.identified_on, enrolment.site.go_live_on)
        backlog = max(6, (today - day).days)
        day += datetime.timedelta(days=rng.randint(5, backlog))
        if day > today:
            continue
        method = rng.choice(["letter", "letter", "phone", "in_person"])
        enrolment_move(
            actor=staff, enrolment=enrolment, to_stage="offered", on=day, offer_method=method
        )
        time_record(
            actor=staff,
            enrolment=enrolment,
            activity="outreach",
            minutes=rng.randint(15, 60),
            on=day,
        )
        steps += 1
        answer = day + datetime.timedelta(days=rng.randint(3, 50))
        if answer > today or rng.random() < 0.15:
            continue  # still waiting for an answer
        if rng.random() >= appetite:
            reason = rng.choice(
                ["happy", "happy", "responsibility", "money", "unwell", "not_interested"]
            )
            enrolment_move(
                actor=staff, enrolment=enrolment, to_stage="declined", on=answer, reason=reason
            )
            steps += 1
            continue
        enrolment_move(actor=staff, enrolment=enrolment, to_stage="accepted", on=answer)
        steps += 1
        day = answer
        told_first = rng.random() < 0.8
        path = [("assessed", "assessment", 7, 45)]
        if told_first:
            path.append(("indicative", "planning", 3, 20))
        path += [("plan_agreed", "planning", 10, 40), ("live", "payments", 5, 30)]
        for stage, activity, low, high in path:
            day += datetime.timedelta(days=rng.randint(low, high))
            if day > today:
                break
            if stage != "assessed" and rng.random() < 0.08:
                # Some journeys stall (a plan that will not come together), and some end early.
                if rng.random() < 0.4:
                    reason = rng.choice(["needs_changed", "chose_to_stop", "died"])
                    enrolment_move(
                        actor=staff, enrolment=enrolment, to_stage="ended", on=day, reason=reason
                    )
                    steps += 1
                break
            way = ""
            if stage == "plan_agreed":
                way = rng.choices(["notional", "third_party", "direct_payment"], [70, 10, 20])[0]
                if circumstances_on(patient=enrolment.patient, on=day).restriction:
                    way = "notional"
            enrolment_move(
                actor=staff, enrolment=enrolment, to_stage=stage, on=day, way_of_holding=way
            )
            time_record(
                actor=staff,
                enrolment=enrolment,
                activity=activity,
                minutes=rng.randint(30, 150),
                on=day,
            )
            steps += 1
        else:
            if rng.random() < 0.08:
                ended = day + datetime.timedelta(days=rng.randint(30, 300))
                if ended <= today:
                    reason = rng.choice(["died", "chose_to_stop", "moved"])
                    enrolment_move(
                        actor=staff, enrolment=enrolment, to_stage="ended", on=ended, reason=reason
                    )
                    steps += 1
    return steps
