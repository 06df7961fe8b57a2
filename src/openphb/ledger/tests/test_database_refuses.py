"""The database itself refuses what the services refuse, whatever SQL reaches it."""

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from openphb.core.db import purge_permit
from openphb.ledger.models import Account, Leg, Transaction
from openphb.ledger.services import LegSpec

from .conftest import DAY, post

pytestmark = pytest.mark.django_db

# SQLite's RAISE(ABORT) surfaces as IntegrityError; a few paths raise OperationalError.
REFUSED = (IntegrityError, OperationalError)


def raw(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def open_transaction(*legs: tuple[Account, int, int]) -> Transaction:
    """An open transaction with these (account, debit, credit) legs, written as raw rows."""
    opened = Transaction.objects.create(
        effective_on=DAY, kind="raw", description="Raw", fingerprint="x", posted_by="sql"
    )
    for account, debit, credit in legs:
        Leg.objects.create(transaction=opened, account=account, debit=debit, credit=credit)
    return opened


def seal(opened: Transaction) -> None:
    raw("UPDATE ledger_transaction SET posted_at = %s WHERE id = %s", [timezone.now(), opened.pk])


def test_it_refuses_to_post_an_unbalanced_transaction(source, pot):
    opened = open_transaction((pot, 500, 0), (source, 0, 499))
    with pytest.raises(REFUSED, match="debits must equal credits"):
        seal(opened)
    pot.refresh_from_db()
    assert pot.debits == 0


def test_it_refuses_to_post_a_transaction_of_one_leg(pot):
    opened = open_transaction((pot, 500, 0))
    with pytest.raises(REFUSED, match="at least two legs"):
        seal(opened)


def test_it_refuses_to_post_a_transaction_with_no_legs(db):
    opened = open_transaction()
    with pytest.raises(REFUSED, match="at least two legs"):
        seal(opened)


def test_it_refuses_a_leg_that_is_zero_or_both_sides(source, pot):
    opened = open_transaction()
    for debit, credit in ((0, 0), (5, 5), (-5, 0)):
        with pytest.raises(IntegrityError):
            raw(
                "INSERT INTO ledger_leg (transaction_id, account_id, debit, credit, reference) "
                "VALUES (%s, %s, %s, %s, '')",
                [opened.pk, pot.pk, debit, credit],
            )


def test_it_refuses_money_balanced_only_across_two_funds(source):
    from .conftest import open_account

    carers = open_account("allocation", fund="carers")
    opened = open_transaction((carers, 500, 0), (source, 0, 500))
    with pytest.raises(REFUSED, match="within each fund"):
        seal(opened)


def test_posted_legs_cannot_be_changed_or_deleted(source, pot):
    posted = post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    with pytest.raises(REFUSED):
        raw("UPDATE ledger_leg SET debit = 1 WHERE transaction_id = %s AND debit > 0", [posted.pk])
    with pytest.raises(REFUSED):
        raw("DELETE FROM ledger_leg WHERE transaction_id = %s", [posted.pk])
    assert Leg.objects.filter(transaction=posted).count() == 2


def test_a_posted_transaction_cannot_be_changed_deleted_or_given_more_legs(source, pot):
    posted = post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    with pytest.raises(REFUSED, match="cannot be changed"):
        raw("UPDATE ledger_transaction SET description = 'edited' WHERE id = %s", [posted.pk])
    with pytest.raises(REFUSED, match="cannot be changed"):
        raw("UPDATE ledger_transaction SET posted_at = NULL WHERE id = %s", [posted.pk])
    with pytest.raises(REFUSED):
        raw("DELETE FROM ledger_transaction WHERE id = %s", [posted.pk])
    with pytest.raises(REFUSED, match="posted transaction"):
        raw(
            "INSERT INTO ledger_leg (transaction_id, account_id, debit, credit, reference) "
            "VALUES (%s, %s, 100, 0, '')",
            [posted.pk, pot.pk],
        )


def test_a_protected_account_cannot_be_taken_below_its_minimum_even_by_raw_sql(source, pot, spent):
    post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    opened = open_transaction((spent, 501, 0), (pot, 0, 501))
    with pytest.raises(IntegrityError):
        seal(opened)
    pot.refresh_from_db()
    assert pot.balance == 500


def test_an_account_cannot_change_fund_or_owner(pot):
    with pytest.raises(REFUSED, match="are fixed"):
        raw("UPDATE ledger_account SET fund = 'carers' WHERE id = %s", [pot.pk])
    with pytest.raises(REFUSED, match="are fixed"):
        raw("UPDATE ledger_account SET owner_id = 99 WHERE id = %s", [pot.pk])


def test_running_totals_change_only_by_posting(pot):
    with pytest.raises(REFUSED, match="only by posting"):
        raw("UPDATE ledger_account SET debits = debits + 100 WHERE id = %s", [pot.pk])
    pot.refresh_from_db()
    assert pot.debits == 0


def test_only_a_purge_permit_deletes_ledger_rows(source, pot):
    posted = post(LegSpec(account=pot, debit=500), LegSpec(account=source, credit=500))
    with purge_permit("test"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_leg WHERE transaction_id = %s", [posted.pk])
        cursor.execute("DELETE FROM ledger_transaction WHERE id = %s", [posted.pk])
    assert not Transaction.objects.exists()


def test_every_ledger_trigger_is_installed(db):
    from openphb.core.tests.test_append_only_tables import triggers_on
    from openphb.ledger.integrity import trigger_names

    expected = trigger_names(connection.vendor)
    missing = [(table, name) for table, name in expected if name not in triggers_on(table)]
    assert len(expected) >= 6
    assert missing == []
