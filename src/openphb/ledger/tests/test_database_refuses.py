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


def post_raw(*legs: tuple[Account, int, int]) -> None:
    """Post a transaction with these (account, debit, credit) legs in raw SQL, as the services
    do: the legs first, then the transaction row, in one database transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1000 FROM ledger_transaction")
        (pk,) = cursor.fetchone()
        for account, debit, credit in legs:
            cursor.execute(
                "INSERT INTO ledger_leg (transaction_id, account_id, debit, credit, reference) "
                "VALUES (%s, %s, %s, %s, '')",
                [pk, account.pk, debit, credit],
            )
        cursor.execute(
            "INSERT INTO ledger_transaction (id, effective_on, posted_at, kind, description, "
            "source_ref, fingerprint, posted_by) VALUES (%s, %s, %s, 'raw', 'Raw', '', '', 'sql')",
            [pk, DAY, timezone.now()],
        )


def test_it_refuses_to_post_an_unbalanced_transaction(source, pot):
    with pytest.raises(REFUSED, match="debits must equal credits"):
        post_raw((pot, 500, 0), (source, 0, 499))
    pot.refresh_from_db()
    assert pot.debits == 0


def test_it_refuses_to_post_a_transaction_of_one_leg(pot):
    with pytest.raises(REFUSED, match="at least two legs"):
        post_raw((pot, 500, 0))


def test_it_refuses_to_post_a_transaction_with_no_legs(db):
    with pytest.raises(REFUSED, match="at least two legs"):
        post_raw()


def test_a_raw_transaction_that_balances_is_posted_and_counted(source, pot):
    post_raw((pot, 500, 0), (source, 0, 500))
    pot.refresh_from_db()
    assert pot.balance == 500


def test_it_refuses_a_leg_that_is_zero_or_both_sides(source, pot):
    for debit, credit in ((0, 0), (5, 5), (-5, 0)):
        with pytest.raises(IntegrityError):
            post_raw((pot, debit, credit), (source, 0, 5))


def test_it_refuses_money_balanced_only_across_two_funds(source):
    from .conftest import open_account

    carers = open_account("allocation", fund="carers")
    with pytest.raises(REFUSED, match="within each fund"):
        post_raw((carers, 500, 0), (source, 0, 500))


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
        raw("UPDATE ledger_transaction SET effective_on = effective_on WHERE id = %s", [posted.pk])
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
    with pytest.raises(IntegrityError):
        post_raw((spent, 501, 0), (pot, 0, 501))
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


def test_a_leg_on_an_account_that_does_not_exist_cannot_be_posted(source):
    with pytest.raises(REFUSED, match="does not exist"):
        post_raw((Account(pk=987_654), 500, 0), (source, 0, 500))


def test_an_account_is_never_deleted(pot):
    with pytest.raises(REFUSED):
        raw("DELETE FROM ledger_account WHERE id = %s", [pot.pk])
    assert Account.objects.filter(pk=pot.pk).exists()
