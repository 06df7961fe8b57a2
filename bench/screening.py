"""Benchmark: eligibility screening of the whole demo population, on SQLite and on PostgreSQL.

Requirement: screening 1,000,000 people finishes in under 60 s on each database. Run alone:

    .venv/bin/python bench/screening.py --scale small|full [--database sqlite|postgresql|both]

small is 20,000 people (a smoke test for `make bench`); full is 909,091, the most the demo world
can hold (every valid NHS number of the 999 test range: demo people never get real ones). The
limit is checked per million: the full-scale time times 1,000,000 / 909,091 must be under 60 s.

For each database, in a process of its own, on a throwaway database: it loads the demo world
with `phb demo-data`'s loader (`demo.world.build`), then sets up a programme as a commissioner
would (services, not SQL) with a site at every open commissioner, so that everyone with a
current commissioner is screened, and rules of ten SNOMED CT codes, an age limit and the
direct-payment exclusions. One line per figure:

- load_world: building the demo world (set-up, not part of the requirement).
- screening: `programmes.services.screen`, from reading the registry to the commit, with
  per_million_seconds (the figure the limit applies to). seconds is wall-clock time.
- rescreening: the same again; it must add a second full set of decisions and leave the first
  run's decisions as they were.
- peer_read: streaming the same people and reading the same codes, settings and restrictions,
  deciding nothing and writing nothing: the floor for reading.
- peer_write: `core.db.insert_rows` of the same number of ready-made decision rows: the floor
  for writing (COPY on PostgreSQL, one prepared statement on SQLite).
- peak_rss: the process's peak resident memory.

The process exits non-zero if a check of what was written fails, or at full scale if the
per-million time is 60 s or more.
"""

import datetime
import sys

from _common import check, figure, peak_rss_mib, run_per_database, throwaway_database, timed
from _programme import CODES, benchmark_programme

SCALES = {"small": 20_000, "full": 909_091}
LIMIT_SECONDS_PER_MILLION = 60.0
SEED = 2013


def peer_read(programme, on: datetime.date) -> int:
    from openphb.programmes.selectors import site_for_organisations
    from openphb.registry.selectors import (
        condition_codes_by_patient,
        responsible_people,
        restrictions_on,
        settings_on,
    )

    covering = site_for_organisations(programme=programme, on=on)
    condition_codes_by_patient(codes={code for code, _ in CODES})
    settings_on(on=on)
    restrictions_on(on=on)
    return sum(1 for _ in responsible_people(organisation_ids=set(covering), on=on))


def peer_write(run, people: list[tuple[int, int]]) -> int:
    from django.db import transaction

    from openphb.core.db import insert_rows
    from openphb.programmes.models import Decision

    columns = ("run", "patient", "site", "eligible", "age", "condition_code", "setting", "reasons")
    with transaction.atomic():
        return insert_rows(
            Decision,
            columns,
            ((run.pk, patient, site, True, 70, "13645005", "", "") for patient, site in people),
        )


def body(database: str, scale: str) -> int:
    people = SCALES[scale]
    with throwaway_database(database):
        from openphb.audit.services import Actor
        from openphb.demo import world
        from openphb.demo.population import DEMO_TODAY
        from openphb.programmes.models import Decision, ScreeningRun
        from openphb.programmes.services import screen
        from openphb.registry.models import CommissionerAssignment

        with timed() as spent:
            world.build(seed=SEED, patients=people, say=lambda line: None)
        figure("load_world", database=database, people=people, seconds=f"{spent['seconds']:.1f}")

        on = DEMO_TODAY
        programme = benchmark_programme(on)
        actor = Actor.system_job("bench-screening")
        current = CommissionerAssignment.objects.current_on(on).count()

        with timed() as spent:
            run = screen(actor=actor, programme=programme, on=on)
        seconds = spent["seconds"]
        decisions = Decision.objects.filter(run=run)
        eligible = decisions.filter(eligible=True).count()
        check(run.status == ScreeningRun.Status.DONE, f"the run ended {run.status}")
        check(run.screened == current, f"screened {run.screened:,}, not all {current:,} people")
        check(decisions.count() == current, f"{decisions.count():,} decisions, not {current:,}")
        check(run.eligible == eligible, f"run: {run.eligible:,} eligible; rows: {eligible:,}")
        check(0 < eligible < current, f"{eligible:,} of {current:,} eligible: rules not applied")
        per_million = seconds * 1_000_000 / run.screened
        ok = per_million < LIMIT_SECONDS_PER_MILLION
        figure(
            "screening",
            database=database,
            people=run.screened,
            eligible=eligible,
            seconds=f"{seconds:.2f}",
            cpu_seconds=f"{spent['cpu_seconds']:.2f}",
            people_per_second=round(run.screened / seconds),
            per_million_seconds=f"{per_million:.1f}",
            limit_seconds=f"{LIMIT_SECONDS_PER_MILLION:g}",
            ok=str(ok).lower(),
        )

        with timed() as again:
            second = screen(actor=actor, programme=programme, on=on)
        check(second.screened == current, f"the re-screening screened {second.screened:,}")
        check(
            (decisions.count(), decisions.filter(eligible=True).count()) == (current, eligible),
            "re-screening changed the first run's decisions",
        )
        check(
            Decision.objects.filter(run__programme=programme).count() == 2 * current,
            "re-screening did not add a full second set of decisions",
        )
        figure(
            "rescreening",
            database=database,
            people=second.screened,
            seconds=f"{again['seconds']:.2f}",
            first_run_unchanged="true",
        )

        with timed() as read:
            read_people = peer_read(programme, on)
        check(read_people == current, f"the read peer streamed {read_people:,} people")
        figure(
            "peer_read",
            database=database,
            people=read_people,
            seconds=f"{read['seconds']:.2f}",
            screening_over_peer=f"{seconds / read['seconds']:.1f}x",
        )

        pairs = list(decisions.values_list("patient_id", "site_id").iterator(chunk_size=20_000))
        peer_run = ScreeningRun.objects.create(
            programme=programme, rule_set=run.rule_set, screened_on=on, run_by_label="bench"
        )
        with timed() as write:
            written = peer_write(peer_run, pairs)
        check(written == current, f"the write peer wrote {written:,} rows")
        figure(
            "peer_write",
            database=database,
            rows=written,
            seconds=f"{write['seconds']:.2f}",
            screening_over_peer=f"{seconds / write['seconds']:.1f}x",
        )
        figure("peak_rss", database=database, people=people, mib=peak_rss_mib())

    if scale == "full" and not ok:
        print(
            f"FAIL: screening took {per_million:.1f} s per million people on {database}; "
            f"the limit is {LIMIT_SECONDS_PER_MILLION:g} s.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_per_database(__file__, __doc__.splitlines()[0], SCALES, body))
