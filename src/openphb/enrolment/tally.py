"""Running uptake counts per programme and site, kept in step with every enrolment change.

The uptake page must answer in under a second with a million people screened, so it reads small
counters instead of scanning every enrolment. Each enrolment *contributes* to counters through
one pure function, `contributions`, from the same dates and codes the enrolment row holds (the
date each stage was first reached, the current stage, the reasons). A service that changes an
enrolment applies the difference between its contributions after and before, in the same
transaction; time entries add their minutes. `rebuild` recomputes everything from the rows,
and the tests check that the counters always equal a rebuild.

Counter keys:

- `<stage>@<YYYY-MM>`: enrolments that first reached the stage in that month
  (identified, offered, accepted, declined, assessed, indicative, plan_agreed, live, ended)
- `now:<stage>`: enrolments at the stage today
- `declined:<reason>`, `ended:<reason>`: declined and ended enrolments by their reason
- `told_first`: plans agreed after the indicative budget was shared
- `days_to_live:<days>`: enrolments that went live that many days after being identified
- `minutes:<activity>`: staff minutes recorded
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection
from django.db.models import Sum

from .models import Enrolment, TimeEntry, UptakeTally

FIRST_REACHED = (
    ("identified", "identified_on"),
    ("offered", "offered_on"),
    ("accepted", "accepted_on"),
    ("declined", "declined_on"),
    ("assessed", "assessed_on"),
    ("indicative", "indicative_on"),
    ("plan_agreed", "plan_agreed_on"),
    ("live", "live_on"),
    ("ended", "ended_on"),
)
FIELDS = (
    "site_id",
    "stage",
    *(column for _, column in FIRST_REACHED),
    "decline_reason",
    "end_reason",
)

Delta = Counter[tuple[int, str]]  # (site id, key) -> change


class Journey(NamedTuple):
    """What of an enrolment the counters depend on."""

    site_id: int
    stage: str
    identified_on: datetime.date
    offered_on: datetime.date | None = None
    accepted_on: datetime.date | None = None
    declined_on: datetime.date | None = None
    assessed_on: datetime.date | None = None
    indicative_on: datetime.date | None = None
    plan_agreed_on: datetime.date | None = None
    live_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    decline_reason: str = ""
    end_reason: str = ""

    @classmethod
    def of(cls, enrolment: Enrolment) -> "Journey":
        return cls(*(getattr(enrolment, name) for name in FIELDS))


def contributions(journey: Journey) -> Delta:
    found: Delta = Counter()
    site = journey.site_id
    for stage, column in FIRST_REACHED:
        day = getattr(journey, column)
        if day is not None:
            found[site, f"{stage}@{day:%Y-%m}"] += 1
    found[site, f"now:{journey.stage}"] += 1
    if journey.declined_on is not None:
        found[site, f"declined:{journey.decline_reason or 'other'}"] += 1
    if journey.ended_on is not None:
        found[site, f"ended:{journey.end_reason or 'other'}"] += 1
    plan, told = journey.plan_agreed_on, journey.indicative_on
    if plan is not None and told is not None and told <= plan:
        found[site, "told_first"] += 1
    if journey.live_on is not None:
        found[site, f"days_to_live:{(journey.live_on - journey.identified_on).days}"] += 1
    return found


def change(before: Journey | None, after: Journey) -> Delta:
    delta = contributions(after)
    if before is not None:
        delta.subtract(contributions(before))
    return delta


def apply(programme_id: int, delta: Delta) -> None:
    """Add `delta` to the programme's counters (call inside the change's transaction).

    One upsert per counter, in a fixed order, so that concurrent changes to the same
    programme never take their row locks in opposite orders.
    """
    rows = [(programme_id, site, key, n) for (site, key), n in sorted(delta.items()) if n != 0]
    if not rows:
        return
    table = connection.ops.quote_name(UptakeTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (programme_id, site_id, key, n) VALUES (%s, %s, %s, %s) "  # noqa: S608 - our own table name
            f"ON CONFLICT (programme_id, site_id, key) DO UPDATE SET n = {table}.n + excluded.n",
            rows,
        )


def minutes(entry: TimeEntry, site_id: int) -> Delta:
    return Counter({(site_id, f"minutes:{entry.activity}"): entry.minutes})


def counted(programme_id: int, *, enrolments=Enrolment, time_entries=TimeEntry) -> Delta:
    """A rebuild's worth of counters, from the enrolment and time rows (the models may be a
    migration's historical ones)."""
    total: Delta = Counter()
    rows = enrolments.objects.filter(programme_id=programme_id).values_list(*FIELDS)
    for row in rows.iterator(chunk_size=20_000):
        total.update(contributions(Journey(*row)))
    spent = (
        time_entries.objects.filter(enrolment__programme_id=programme_id)
        .values_list("enrolment__site_id", "activity")
        .order_by()
        .annotate(n=Sum("minutes"))
    )
    for site_id, activity, n in spent:
        total[site_id, f"minutes:{activity}"] += n
    return +total


def stored(programme_id: int) -> Delta:
    rows = UptakeTally.objects.filter(programme_id=programme_id).values_list("site_id", "key", "n")
    return +Counter({(site, key): n for site, key, n in rows})


def rebuild(programme_id: int) -> None:
    """Replace the programme's counters with a recount (after a bulk load, or to repair)."""
    UptakeTally.objects.filter(programme_id=programme_id).delete()
    apply(programme_id, counted(programme_id))


def by_site(programme_id: int) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for (site, key), n in stored(programme_id).items():
        found[site][key] = n
    return found


def total_of(counters: Iterable[tuple[str, int]], prefix: str) -> int:
    return sum(n for key, n in counters if key.startswith(prefix))
