"""Uptake of a programme, site by site, and the national quarterly return.

Counts only, never names: everything here is an aggregate over enrolments, computed by the
database in a handful of grouped queries (no per-person loop), so the pages stay fast with a
million people screened.
"""

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from openphb.organisations import rules as succession_rules
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import succession_map
from openphb.programmes.models import Programme, ProgrammeKind, Site, WayOfHolding
from openphb.programmes.selectors import latest_run

from .models import Activity, Enrolment, TimeEntry
from .stages import DeclineReason, EndReason, Stage

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


_COUNTS = {
    "identified": Count("id"),
    "offered": Count("offered_on"),
    "accepted": Count("accepted_on"),
    "declined": Count("declined_on"),
    "assessed": Count("assessed_on"),
    "indicative": Count("indicative_on"),
    "plan_agreed": Count("plan_agreed_on"),
    "live": Count("live_on"),
    "live_now": Count("id", filter=Q(stage=Stage.LIVE)),
    "ended": Count("ended_on"),
    "never_offered": Count("id", filter=Q(stage=Stage.IDENTIFIED)),
    "told_first": Count(
        "id",
        filter=Q(
            plan_agreed_on__isnull=False,
            indicative_on__isnull=False,
            indicative_on__lte=F("plan_agreed_on"),
        ),
    ),
}


def uptake(*, programme: Programme, today: datetime.date) -> Uptake:
    enrolments = Enrolment.objects.filter(programme=programme)
    sites = list(programme.sites.select_related("organisation").order_by("go_live_on", "id"))
    run = latest_run(programme=programme)
    eligible = {int(k): v["eligible"] for k, v in (run.by_site if run else {}).items()}
    counts = {row.pop("site_id"): row for row in enrolments.values("site_id").annotate(**_COUNTS)}
    unanswered = dict(
        enrolments.filter(
            stage=Stage.OFFERED, stage_since__lt=today - datetime.timedelta(days=UNANSWERED_DAYS)
        )
        .values("site_id")
        .annotate(n=Count("id"))
        .values_list("site_id", "n")
    )
    declined = _by_reason(enrolments.filter(declined_on__isnull=False), "decline_reason")
    ended = _by_reason(enrolments.filter(ended_on__isnull=False), "end_reason")
    days_to_live: dict[int, list[int]] = defaultdict(list)
    for site_id, identified, live in enrolments.filter(live_on__isnull=False).values_list(
        "site_id", "identified_on", "live_on"
    ):
        if live is not None:
            days_to_live[site_id].append((live - identified).days)
    minutes: dict[int, dict[str, int]] = defaultdict(dict)
    for site_id, activity, total in (
        TimeEntry.objects.filter(enrolment__programme=programme)
        .values_list("enrolment__site_id", "activity")
        .annotate(total=Sum("minutes"))
    ):
        minutes[site_id][activity] = total
    rows: list[SiteUptake] = []
    for site in sites:
        site_counts = {key: 0 for key in _COUNTS} | counts.get(site.pk, {})
        site_counts["eligible"] = eligible.get(site.pk, 0)
        site_counts["target"] = site.enrolment_target
        site_counts["unanswered"] = unanswered.get(site.pk, 0)
        rows.append(
            SiteUptake(
                site=site,
                counts=site_counts,
                declined_by_reason=_labelled(declined.get(site.pk, {}), DeclineReason),
                ended_by_reason=_labelled(ended.get(site.pk, {}), EndReason),
                median_days_to_live=_median(days_to_live.get(site.pk, [])),
                indicative_before_plan=(site_counts["told_first"], site_counts["plan_agreed"]),
                months_live=months_between(site.go_live_on, today),
                minutes=sum(minutes.get(site.pk, {}).values()),
                minutes_by_activity=minutes.get(site.pk, {}),
            )
        )
    return Uptake(
        programme=programme,
        sites=rows,
        total=_total(rows, days_to_live, declined, ended) if len(rows) > 1 else None,
        alerts=_alerts(rows, today),
        series=_series(enrolments, today),
        screened_on=run.screened_on if run else None,
    )


def _by_reason(enrolments: QuerySet[Enrolment], column: str) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for site_id, reason, n in (
        enrolments.values_list("site_id", column).annotate(n=Count("id")).order_by()
    ):
        found[site_id][reason or "other"] = n
    return found


def _labelled(counts: dict[str, int], choices: type[models.TextChoices]) -> list[tuple[str, int]]:
    labels = dict(choices.choices)
    return sorted(
        ((labels.get(code, code), n) for code, n in counts.items()), key=lambda pair: -pair[1]
    )


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _total(
    rows: list[SiteUptake],
    days_to_live: dict[int, list[int]],
    declined: dict[int, dict[str, int]],
    ended: dict[int, dict[str, int]],
) -> SiteUptake:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for key, value in row.counts.items():
            counts[key] += value
    merged_declined: dict[str, int] = defaultdict(int)
    merged_ended: dict[str, int] = defaultdict(int)
    activity: dict[str, int] = defaultdict(int)
    for row in rows:
        for reason, n in declined.get(row.site.pk, {}).items():
            merged_declined[reason] += n
        for reason, n in ended.get(row.site.pk, {}).items():
            merged_ended[reason] += n
        for name, n in row.minutes_by_activity.items():
            activity[name] += n
    everything = [days for values in days_to_live.values() for days in values]
    return SiteUptake(
        site=rows[0].site,
        counts=dict(counts),
        declined_by_reason=_labelled(merged_declined, DeclineReason),
        ended_by_reason=_labelled(merged_ended, EndReason),
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


def _series(enrolments: QuerySet[Enrolment], today: datetime.date) -> list[dict[str, object]]:
    """People offered, accepting and going live in each of the last 24 months."""
    start = _month_start(today, SERIES_MONTHS - 1)
    months = [_month_start(today, back) for back in range(SERIES_MONTHS - 1, -1, -1)]
    table: dict[datetime.date, dict[str, object]] = {
        month: {"month": month, "offered": 0, "accepted": 0, "live": 0} for month in months
    }
    for key, column in (
        ("offered", "offered_on"),
        ("accepted", "accepted_on"),
        ("live", "live_on"),
    ):
        rows = (
            enrolments.filter(**{f"{column}__gte": start})
            .annotate(month=TruncMonth(column))
            .values_list("month")
            .annotate(n=Count("id"))
            .order_by()
        )
        for month, n in rows:
            month = month.date() if isinstance(month, datetime.datetime) else month
            if month in table:
                table[month][key] = n
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
    cells: dict[tuple[int, str, str, str], tuple[set[int], set[int]]] = defaultdict(
        lambda: (set(), set())
    )
    for patient_id, born, organisation_id, kind, way, live_on, ended_on in live.iterator(
        chunk_size=20_000
    ):
        commissioner = succession_rules.successor_on(organisation_id, quarter.end, successions)
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
