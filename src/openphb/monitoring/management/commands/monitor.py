"""phb monitor: check how direct payments are being used and raise the flags found. Run it
daily (cron or a scheduler), after the day's statements are imported. First the lines of
accounts whose bank details were verified after they came are matched again, and spending
matched to plans and not yet posted is posted; then the budgets are checked.

    phb monitor [--on YYYY-MM-DD] [--commissioner ODS] --as USERNAME|system

Every budget paid by direct payment is checked (or one commissioner's); a flag already raised
is not raised again, so running it twice adds nothing. `--as system` runs as the scheduled job
`monitor`, for every commissioner; `--as USERNAME` as a member of staff who monitors spending,
for the commissioners they act for. Prints the new flags by code, naming only the checks that
found something.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.accounts.selectors import check_acts_for
from openphb.audit.services import Actor
from openphb.budgets.models import Budget
from openphb.monitoring.services import flags_check
from openphb.organisations.models import Organisation
from openphb.statements.matching import match_new_accounts
from openphb.statements.spending import spending_post

SYSTEM = "system"


def _actor(username: str) -> Actor:
    if username == SYSTEM:
        return Actor.system_job("monitor")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user called {username!r} (or use --as system).")
    if not user.can(Capability.MONITOR_SPENDING):
        raise CommandError(f"{username} does not monitor spending, so cannot run the checks.")
    return Actor(user=user)


class Command(BaseCommand):
    help = "Check budgets paid by direct payment and raise the flags found."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="The day to check as of (YYYY-MM-DD); today if not given.")
        parser.add_argument("--commissioner", help="Only this commissioner's budgets (ODS code).")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="Who runs it: a username, or 'system' for the scheduled job.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        on = timezone.localdate()
        if options["on"]:
            try:
                on = datetime.date.fromisoformat(options["on"])
            except ValueError as error:
                raise CommandError(
                    f"--on must be a date as YYYY-MM-DD, not {options['on']!r}."
                ) from error
        commissioner = None
        if options["commissioner"]:
            code = options["commissioner"].strip().upper()
            commissioner = Organisation.objects.commissioners().filter(ods_code=code).first()
            if commissioner is None:
                raise CommandError(f"No commissioning organisation has the ODS code {code!r}.")
        actor = _actor(options["username"])
        try:
            if commissioner is not None:
                check_acts_for(actor, commissioner, on)
            again = match_new_accounts()
            spending = spending_post(
                actor=actor,
                budget_ids=None
                if commissioner is None
                else list(
                    Budget.objects.filter(commissioner=commissioner).values_list("pk", flat=True)
                ),
            )
            result = flags_check(actor=actor, on=on, commissioner=commissioner)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Matched {again:,} statement line(s) again (accounts verified since they came); "
            f"{spending.describe()}."
        )
        whose = f" of {commissioner.name}" if commissioner else ""
        self.stdout.write(
            f"Checked {result.budgets:,} budget(s){whose} paid by direct payment as of "
            f"{on:%-d %B %Y}: {result.total:,} new flag(s)."
        )
        found = [line for line in result.lines() if not line.endswith(": 0")]
        for line in found:
            self.stdout.write(f"  {line}")
        if not found:
            self.stdout.write("  None of the checks found anything new.")
