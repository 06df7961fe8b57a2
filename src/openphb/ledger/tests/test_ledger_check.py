import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from openphb.ledger.services import LegSpec

from .conftest import post

pytestmark = pytest.mark.django_db


def test_it_says_the_ledger_balances(source, pot, capsys):
    post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    call_command("ledger-check")
    assert "The ledger balances: 1 transactions over 2 accounts" in capsys.readouterr().out


def test_it_fails_when_totals_and_legs_disagree(source, pot, capsys):
    post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    with connection.cursor() as cursor:  # get past the database's own guard, as only SQL can
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE ledger_account DISABLE TRIGGER ledger_account_totals")
        else:
            cursor.execute("INSERT INTO ledger_posting (id) VALUES (0)")
        cursor.execute("UPDATE ledger_account SET debits = 400 WHERE id = %s", [pot.pk])
    with pytest.raises(CommandError, match="1 problem"):
        call_command("ledger-check")
    assert "totals 400/0 but legs (500, 0)" in capsys.readouterr().err
