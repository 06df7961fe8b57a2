"""phb payment-run create|approve|file: payment runs from the command line.

    phb payment-run create --commissioner ODS --date YYYY-MM-DD --as USERNAME
    phb payment-run approve RUN --as USERNAME [--chunk N]   (a second finance officer)
    phb payment-run file RUN --out FILE

Each names the finance officer it acts as (`--as`): creating and approving are two people.
Long steps show a progress bar. Approval posts and commits the payments N at a time
(`--chunk`, 2,000 unless given). A run stopped part-way (the process or the database) is
finished by running the same command again.
"""

import datetime
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from openphb.accounts.models import User
from openphb.accounts.roles import Capability
from openphb.audit.services import Actor
from openphb.ledger.services import format_pence
from openphb.organisations.models import Organisation
from openphb.payments import runs
from openphb.payments.models import DirectPaymentSetup, PaymentRun


def _officer(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user called {username!r}.")
    if not user.can(Capability.MANAGE_PAYMENTS):
        raise CommandError(f"{username} is not a finance officer, so cannot run payments.")
    return user


def _run(number: str) -> PaymentRun:
    if not number.isdigit():
        raise CommandError(f"A run is named by its number, not {number!r}.")
    run = PaymentRun.objects.select_related("commissioner").filter(pk=int(number)).first()
    if run is None:
        raise CommandError(f"There is no payment run {number}.")
    return run


class Command(BaseCommand):
    help = "Create, approve and write the Bacs file of payment runs."

    def add_arguments(self, parser: CommandParser) -> None:
        steps = parser.add_subparsers(dest="step", required=True)
        create = steps.add_parser("create", help="Gather what is due for a payment day.")
        create.add_argument("--commissioner", required=True, help="ODS code")
        create.add_argument("--date", required=True, help="Payment day, YYYY-MM-DD")
        create.add_argument("--as", dest="username", required=True, help="Finance officer")
        approve = steps.add_parser("approve", help="Approve a run: post it and write its file.")
        approve.add_argument("run")
        approve.add_argument("--as", dest="username", required=True, help="Finance officer")
        approve.add_argument(
            "--chunk",
            type=int,
            default=runs.CHUNK,
            help=f"Payments posted and committed together (default {runs.CHUNK:,})",
        )
        write = steps.add_parser("file", help="Write an approved run's Bacs file.")
        write.add_argument("run")
        write.add_argument("--out", required=True, help="Where to write it ('-' for stdout)")

    def handle(self, *args: object, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _create(self, options: dict[str, Any]) -> None:
        try:
            day = datetime.date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}.") from error
        commissioner = Organisation.objects.filter(ods_code=options["commissioner"]).first()
        if commissioner is None:
            raise CommandError(f"No organisation has the ODS code {options['commissioner']!r}.")
        actor = Actor(user=_officer(options["username"]))
        total = DirectPaymentSetup.objects.filter(budget__commissioner=commissioner).count()
        with tqdm(total=total, unit=" budgets", desc="Gathering", file=sys.stderr) as bar:
            run = runs.run_create(
                actor=actor, commissioner=commissioner, payment_date=day, progress=bar.update
            )
        self.stdout.write(
            f"Run {run.pk} for {commissioner.name} on {day:%-d %B %Y}: "
            f"{run.payments_count:,} payments, {format_pence(run.payments_total)}; "
            f"{run.skips.count():,} budgets skipped. Status: {run.get_status_display()}."
        )

    def _approve(self, options: dict[str, Any]) -> None:
        if options["chunk"] < 1:
            raise CommandError(f"--chunk must be 1 or more, not {options['chunk']}.")
        run = _run(options["run"])
        actor = Actor(user=_officer(options["username"]))
        left = run.payments.filter(status="due").count()
        with tqdm(total=left, unit=" payments", desc="Posting", file=sys.stderr) as bar:
            run = runs.run_approve(
                actor=actor, run=run, chunk=options["chunk"], progress=bar.update
            )
        self.stdout.write(
            f"Run {run.pk} approved: {run.payments_count:,} payments, "
            f"{format_pence(run.payments_total)}. Bacs file serial "
            f"{run.serial or 'none (nothing to pay)'}"
            + (f", SHA-256 {run.file_sha256}." if run.file_sha256 else ".")
        )

    def _file(self, options: dict[str, Any]) -> None:
        run = _run(options["run"])
        data = runs.run_file(run=run)
        if options["out"] == "-":
            sys.stdout.buffer.write(data)
            return
        Path(options["out"]).write_bytes(data)
        self.stdout.write(
            f"Wrote {options['out']}: {len(data):,} bytes, SHA-256 {run.file_sha256} (as approved)."
        )
