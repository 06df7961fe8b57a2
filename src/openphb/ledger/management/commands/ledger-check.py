"""phb ledger-check: recompute every account's totals from its legs and report any difference,
any transaction that does not balance in a fund, and any left unposted. Exit 1 if any."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openphb.ledger.models import Account, Transaction
from openphb.ledger.selectors import verify


class Command(BaseCommand):
    help = "Check that the ledger's running totals equal its legs and every transaction balances."

    def handle(self, *args: object, **options: Any) -> None:
        problems = list(verify())
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"The ledger has {len(problems)} problem(s); see above.")
        accounts = Account.objects.count()
        transactions = Transaction.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"The ledger balances: {transactions:,} transactions over {accounts:,} accounts; "
                "every account's totals equal its legs."
            )
        )
