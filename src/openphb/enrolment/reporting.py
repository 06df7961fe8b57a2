"""Uptake of a programme, site by site, and the national quarterly return.

Counts only, never names: everything here is an aggregate over enrolments, computed by the
database in a handful of grouped queries (no per-person loop), so the pages stay fast with a
million people screened.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import models
from django.db.models import Count, Q, QuerySet

from openphb.organisations import rules as succession_rules
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import succession_map
from openphb.programmes.models import Programme, ProgrammeKind, Site, WayOfHolding
from openphb.programmes.selectors import latest_run

from . import tally
from .models import Activity, Enrolment
from .stages import DeclineReason, EndReason, Stage

Key = TypeVar("Key", str, int)
STALLED_AFTER_MONTHS = 3
UNANSWERED_DAYS = 30
SERIES_MONTHS = 24

# The funnel's steps: (key, label, the count it converts from)
STEPS = (
    ("eligible", "Eligible (latest screening)", None),
    ("identified", "Identified", None),
    ("offered", "Offered", "identified"),
    ("accepted", "Accepted", "offered"),
    ("assessed", "Needs assessed", "accepted"),
    ("plan_agreed", "Plan agreed", "assessed"),
    ("live", "Budget live (ever)", "plan_agreed"),
)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from `start` to `end` (0 if end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass
class SiteUptake:
    site: Site
    counts: dict[str, int]
    declined_by_reason: list[tuple[str, int]]
    ended_by_reason: list[tuple[str, int]]
    median_days_to_live: float | None
    indicative_before_plan: tuple[int, int]  # (told first, plans agreed)
    months_live: int
    minutes: int
    minutes_by_activity: dict[str, int]

    def conversion(self, key: str, base: str | None) -> float | None:
        if base is None or not self.counts.get(base):
            return None
        return self.counts.get(key, 0) / self.counts[base]

    @property
    def minutes_per_enrolled(self) -> float | None:
        live = self.counts.get("live", 0)
        return self.minutes / live if live else None


@dataclass
class Alert:
    kind: str  # stalled | unanswered | never_offered
    site: Site
    count: int
    message: str


@dataclass
class Uptake:
    programme: Programme
    sites: list[SiteUptake]
    total: SiteUptake | None
    alerts: list[Alert]
    series: list[dict[str, object]] = field(default_factory=list)
    screened_on: datetime.date | None = None


FIRST_REACHED_KEYS = (
    "identified",
    "offered",
    "accepted",
    "declined",
    "assessed",
    "indicative",
    "plan_agreed",
    "live",
    "ended",
)


def uptake(*, programme: Programme, today: datetime.date) -> Uptake:
    """The programme's uptake, from its running counters (`tally`) and one index-only count."""
    sites = list(programme.sites.select_related("organisation").order_by("go_live_on", "id"))
    run = latest_run(programme=programme)
    eligible = {int(k): v["eligible"] for k, v in (run.by_site if run else {}).items()}
    unanswered = dict(
        Enrolment.objects.filter(
            programme=programme,
            stage=Stage.OFFERED,
            stage_since__lt=today - datetime.timedelta(days=UNANSWERED_DAYS),
        )
        .values("site_id")
        .annotate(n=Count("id"))
        .values_list("site_id", "n")
        .order_by()
    )
    counters = tally.by_site(programme.pk)
    days_to_live: dict[int, Counter[int]] = {}
    rows: list[SiteUptake] = []
    for site in sites:
        mine = counters.get(site.pk, {})
        site_counts = _counts(mine)
        site_counts["eligible"] = eligible.get(site.pk, 0)
        site_counts["target"] = site.enrolment_target
        site_counts["unanswered"] = unanswered.get(site.pk, 0)
        days_to_live[site.pk] = _suffixed(mine, "days_to_live:", int)
        minutes = _suffixed(mine, "minutes:", str)
        rows.append(
            SiteUptake(
                site=site,
                counts=site_counts,
                declined_by_reason=_labelled(_suffixed(mine, "declined:", str), DeclineReason),
                ended_by_reason=_labelled(_suffixed(mine, "ended:", str), EndReason),
                median_days_to_live=_median(days_to_live[site.pk]),
                indicative_before_plan=(site_counts["told_first"], site_counts["plan_agreed"]),
                months_live=months_between(site.go_live_on, today),
                minutes=sum(minutes.values()),
                minutes_by_activity=dict(minutes),
            )
        )
    return Uptake(
        programme=programme,
        sites=rows,
        total=_total(rows, days_to_live) if len(rows) > 1 else None,
        alerts=_alerts(rows, today),
        series=_series(counters, today),
        screened_on=run.screened_on if run else None,
    )


def _counts(counters: dict[str, int]) -> dict[str, int]:
    counts = dict.fromkeys(FIRST_REACHED_KEYS, 0)
    for key, n in counters.items():
        stage, at, _month = key.partition("@")
        if at:
            counts[stage] += n
    counts["live_now"] = counters.get(f"now:{Stage.LIVE}", 0)
    counts["never_offered"] = counters.get(f"now:{Stage.IDENTIFIED}", 0)
    counts["told_first"] = counters.get("told_first", 0)
    return counts


def _suffixed(counters: dict[str, int], prefix: str, kind: Callable[[str], Key]) -> Counter[Key]:
    return Counter(
        {kind(key.removeprefix(prefix)): n for key, n in counters.items() if key.startswith(prefix)}
    )


def _labelled(counts: Counter[str], choices: type[models.TextChoices]) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    return sorted(
        ((labels.get(code, code), n) for code, n in counts.items()), key=lambda pair: -pair[1]
    )


def _median(days: Counter[int]) -> float | None:
    """The median of values given as {value: how many}, as `statistics.median` would say."""
    count = sum(days.values())
    if not count:
        return None
    middle = ((count - 1) // 2, count // 2)  # the one or two middle positions
    found: list[int] = []
    seen = 0
    for value in sorted(days):
        seen += days[value]
        while len(found) < 2 and seen > middle[len(found)]:
            found.append(value)
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def _total(rows: list[SiteUptake], days_to_live: dict[int, Counter[int]]) -> SiteUptake:
    counts: Counter[str] = Counter()
    declined: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    activity: Counter[str] = Counter()
    everything: Counter[int] = Counter()
    for row in rows:
        counts.update(row.counts)
        declined.update(dict(row.declined_by_reason))
        ended.update(dict(row.ended_by_reason))
        activity.update(row.minutes_by_activity)
        everything.update(days_to_live.get(row.site.pk, Counter()))
    return SiteUptake(
        site=rows[0].site,
        counts=dict(counts),
        declined_by_reason=sorted(declined.items(), key=lambda pair: -pair[1]),
        ended_by_reason=sorted(ended.items(), key=lambda pair: -pair[1]),
        median_days_to_live=_median(everything),
        indicative_before_plan=(counts["told_first"], counts["plan_agreed"]),
        months_live=max(row.months_live for row in rows),
        minutes=sum(row.minutes for row in rows),
        minutes_by_activity=dict(activity),
    )


def _alerts(rows: list[SiteUptake], today: datetime.date) -> list[Alert]:
    alerts: list[Alert] = []
    for row in rows:
        name = row.site.organisation.name
        if row.months_live >= STALLED_AFTER_MONTHS and row.counts["live"] == 0:
            alerts.append(
                Alert(
                    "stalled",
                    row.site,
                    row.months_live,
                    f"{name} has been live since {row.site.go_live_on:%-d %B %Y} "
                    f"({row.months_live} months) and nobody has a budget yet.",
                )
            )
        if row.counts["unanswered"]:
            n = row.counts["unanswered"]
            alerts.append(
                Alert(
                    "unanswered",
                    row.site,
                    n,
                    f"{name}: {n:,} {'offer has' if n == 1 else 'offers have'} waited more than "
                    f"{UNANSWERED_DAYS} days for an answer.",
                )
            )
        if row.counts["never_offered"]:
            n = row.counts["never_offered"]
            alerts.append(
                Alert(
                    "never_offered",
                    row.site,
                    n,
                    f"{name}: {n:,} eligible {'person has' if n == 1 else 'people have'} "
                    "never been offered a budget.",
                )
            )
    return alerts


def _month_start(day: datetime.date, back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _series(counters: dict[int, dict[str, int]], today: datetime.date) -> list[dict[str, object]]:
    """People offered, accepting and going live in each of the last 24 months."""
    months = [_month_start(today, back) for back in range(SERIES_MONTHS - 1, -1, -1)]
    table: dict[str, dict[str, object]] = {
        f"{month:%Y-%m}": {"month": month, "offered": 0, "accepted": 0, "live": 0}
        for month in months
    }
    for mine in counters.values():
        for key, n in mine.items():
            stage, at, month = key.partition("@")
            if at and stage in ("offered", "accepted", "live") and month in table:
                table[month][stage] += n  # type: ignore[operator]
    return list(table.values())


# National quarterly return ------------------------------------------------------------------

ELIGIBILITY_GROUP = {
    ProgrammeKind.CONTINUING_HEALTHCARE: "continuing_healthcare",
    ProgrammeKind.CHILDRENS_CONTINUING_CARE: "childrens_continuing_care",
    ProgrammeKind.SECTION_117: "section_117",
    ProgrammeKind.WHEELCHAIR: "wheelchair",
}
RETURN_COLUMNS = (
    "financial_year",
    "quarter",
    "period_start",
    "period_end",
    "commissioner_ods_code",
    "commissioner_name",
    "age_group",
    "eligibility_group",
    "way_of_holding",
    "people_in_quarter",
    "people_year_to_date",
)


@dataclass(frozen=True)
class Quarter:
    year: int  # the financial year starting in April of this year
    number: int  # 1 (April to June) to 4 (January to March)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """'2026-27 Q2' or '2026Q2' (financial year starting April 2026, July to September)."""
        cleaned = text.strip().upper().replace(" ", "")
        try:
            year_part, number_part = cleaned.split("Q")
            year = int(year_part.split("-")[0])
            number = int(number_part)
        except ValueError:
            raise ValueError(
                f"Write the quarter as 2026-27 Q2 (financial year, quarter 1 to 4), not {text!r}."
            ) from None
        if not 1 <= number <= 4 or not 2000 <= year <= 2100:
            raise ValueError(f"{text!r} is not a quarter: use 2026-27 Q1 to Q4.")
        return cls(year, number)

    @classmethod
    def containing(cls, day: datetime.date) -> "Quarter":
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @property
    def start(self) -> datetime.date:
        month = 4 + (self.number - 1) * 3
        return datetime.date(self.year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> datetime.date:
        following = Quarter(self.year + (self.number == 4), self.number % 4 + 1).start
        return following - datetime.timedelta(days=1)

    @property
    def year_start(self) -> datetime.date:
        return datetime.date(self.year, 4, 1)

    @property
    def financial_year(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    def __str__(self) -> str:
        return f"{self.financial_year} Q{self.number}"

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)


def _age(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def national_return(
    *, quarter: Quarter, programmes: QuerySet[Programme]
) -> list[dict[str, object]]:
    """People with a personal health budget live at any time in the quarter and in the
    financial year to its end, by responsible commissioner at the quarter's end, age group
    (child under 18 at the quarter's end), eligibility group and way of holding. A person
    counts once in a cell even with budgets from two programmes."""
    successions = succession_map()
    live = (
        Enrolment.objects.filter(programme__in=programmes, live_on__lte=quarter.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=quarter.year_start))
        .values_list(
            "patient_id",
            "patient__date_of_birth",
            "site__organisation_id",
            "programme__kind",
            "way_of_holding",
            "live_on",
            "ended_on",
        )
    )
    responsible: dict[int, int] = {}  # site organisation -> its successor at the quarter's end
    cells: dict[tuple[int, str, str, str], tuple[set[int], set[int]]] = defaultdict(
        lambda: (set(), set())
    )
    for patient_id, born, organisation_id, kind, way, live_on, ended_on in live.iterator(
        chunk_size=20_000
    ):
        commissioner = responsible.get(organisation_id)
        if commissioner is None:
            commissioner = responsible[organisation_id] = succession_rules.successor_on(
                organisation_id, quarter.end, successions
            )
        key = (
            commissioner,
            "child" if _age(born, quarter.end) < 18 else "adult",
            ELIGIBILITY_GROUP.get(ProgrammeKind(kind), "other"),
            way or WayOfHolding.NOTIONAL,
        )
        in_quarter, year_to_date = cells[key]
        year_to_date.add(patient_id)
        if (
            live_on is not None
            and live_on <= quarter.end
            and (ended_on is None or ended_on >= quarter.start)
        ):
            in_quarter.add(patient_id)
    names = dict(
        Organisation.objects.filter(pk__in={key[0] for key in cells}).values_list("pk", "ods_code")
    )
    titles = dict(Organisation.objects.filter(pk__in=names).values_list("pk", "name"))
    rows = [
        {
            "financial_year": quarter.financial_year,
            "quarter": f"Q{quarter.number}",
            "period_start": quarter.start.isoformat(),
            "period_end": quarter.end.isoformat(),
            "commissioner_ods_code": names[commissioner],
            "commissioner_name": titles[commissioner],
            "age_group": age_group,
            "eligibility_group": group,
            "way_of_holding": way,
            "people_in_quarter": len(in_quarter),
            "people_year_to_date": len(year_to_date),
        }
        for (commissioner, age_group, group, way), (in_quarter, year_to_date) in cells.items()
    ]
    return sorted(
        rows,
        key=lambda row: (
            str(row["commissioner_ods_code"]),
            str(row["age_group"]),
            str(row["eligibility_group"]),
            str(row["way_of_holding"]),
        ),
    )


ACTIVITY_LABELS = dict(Activity.choices)
