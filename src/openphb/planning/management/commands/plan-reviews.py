"""phb plan-reviews: move every active plan whose review has fallen due to 'review due', and
say how many reviews are overdue or due soon. Run it daily (cron or a scheduler)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from openphb.audit.services import Actor
from openphb.planning.reviews import reviews_mark_due
from openphb.planning.selectors import review_counts


class Command(BaseCommand):
    help = "Mark plans whose review has fallen due, and count overdue reviews."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="The day to work as of (YYYY-MM-DD); today if not given.")

    def handle(self, *args: object, **options: Any) -> None:
        on = timezone.localdate()
        if options["on"]:
            try:
                on = datetime.date.fromisoformat(options["on"])
            except ValueError as error:
                raise CommandError(
                    f"--on must be a date as YYYY-MM-DD, not {options['on']!r}."
                ) from error
        moved = reviews_mark_due(actor=Actor.system_job("plan-reviews"), on=on)
        counts = review_counts(on=on)
        self.stdout.write(f"{moved:,} plan(s) moved to 'review due' as of {on:%-d %B %Y}.")
        oldest = (
            f" (the oldest {counts.oldest_overdue_days:,} days overdue)" if counts.overdue else ""
        )
        self.stdout.write(f"{counts.overdue:,} review(s) overdue{oldest}.")
        self.stdout.write(f"{counts.due_soon:,} review(s) due in the next 30 days.")
