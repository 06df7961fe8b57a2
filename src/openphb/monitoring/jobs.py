"""What follows a statement import: the spending it matched to plans is posted to the ledger
(held to spent, `statements.spending.spending_post`) and the budgets it touched are checked
for flags (`services.flags_check`). The upload page and the API queue it to run in the
background (`phb db_worker`) as the person who imported the file; `phb import-statement` runs
it at once. Both steps are idempotent, so running it twice, or after a re-import, adds nothing.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.statements.models import StatementImport
from openphb.statements.spending import SpendingSummary, spending_post

from .services import CheckResult, flags_check


@dataclass(frozen=True)
class FollowUp:
    spending: SpendingSummary
    flags: CheckResult

    def describe(self) -> str:
        return (
            f"{self.spending.describe()}; {self.flags.total} new "
            f"flag{'' if self.flags.total == 1 else 's'} on {self.flags.budgets:,} "
            f"budget{'' if self.flags.budgets == 1 else 's'} checked"
        )


def statement_follow_up(
    *, actor: Actor, statement_import: StatementImport, on: datetime.date | None = None
) -> FollowUp:
    """Post the import's matched spending, then check the budgets it touched as at `on`
    (today by default). Each step commits on its own: spending posted stays posted if the
    check fails, and the check can be run again (`phb monitor`)."""
    spending = spending_post(actor=actor, statement_import=statement_import)
    flags = flags_check(
        actor=actor, on=on or timezone.localdate(), statement_import=statement_import
    )
    return FollowUp(spending=spending, flags=flags)


def statement_follow_up_request(*, actor: Actor, statement_import: StatementImport) -> None:
    """Queue the follow-up of an import, once the import is committed."""
    user_id = actor.user_id
    transaction.on_commit(lambda: run_statement_follow_up.enqueue(statement_import.pk, user_id))


@task()
def run_statement_follow_up(import_id: int, user_id: int | None) -> None:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    statement_follow_up(
        actor=Actor.system_job("statement-follow-up", user=user),
        statement_import=StatementImport.objects.get(pk=import_id),
    )
