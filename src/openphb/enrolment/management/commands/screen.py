"""phb screen PROGRAMME: apply a programme's current rules to everyone its sites cover."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from openphb.audit.services import Actor
from openphb.enrolment.services import screen_and_identify
from openphb.programmes.models import Programme
from openphb.programmes.selectors import programme_find, sites_by_id
from openphb.registry.rules import parse_date


class Command(BaseCommand):
    help = (
        "Screen a programme (its number or exact name): record an eligibility decision for each "
        "person its sites cover, with the rule version and the reasons, and identify everyone "
        "newly eligible for enrolment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("programme", help="The programme's number or exact name.")
        parser.add_argument("--on", help="Apply the rules as at this date (default: today).")

    def handle(self, *args: object, **options: object) -> None:
        try:
            programme = programme_find(str(options["programme"]))
            on = parse_date(str(options["on"])) if options["on"] else None
        except Programme.DoesNotExist:
            raise CommandError(f"There is no programme {options['programme']!r}.") from None
        except (ValueError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from None
        started = time.perf_counter()
        try:
            run, identified = screen_and_identify(
                actor=Actor.system_job("screen"), programme=programme, on=on
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Screened {run.screened:,} people for {programme.name} with rules version "
            f"{run.rule_set.version} as at {run.screened_on:%d %B %Y} in {seconds:.1f} s."
        )
        sites = sites_by_id(programme=programme)
        for site_id, figures in sorted(run.by_site.items()):
            site = sites[int(site_id)]
            self.stdout.write(
                f"  {site.organisation.name}: {figures['eligible']:,} eligible of "
                f"{figures['screened']:,} screened"
            )
        self.stdout.write(
            f"{run.eligible:,} eligible in all; {identified:,} newly identified for enrolment."
        )
