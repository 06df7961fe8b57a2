"""The rules the database itself enforces on the ledger, for SQLite and PostgreSQL.

- A transaction's legs are written first; inserting the transaction row (in the same database
  transaction: the legs' foreign key is checked at commit) posts it. Posting is refused unless
  the transaction has two or more legs and its debits equal its credits within each fund;
  legs (each a positive debit or credit: a check constraint) make a zero-value transaction
  impossible.
- Posting adds the legs to their accounts' running totals; the accounts' check constraint then
  refuses a protected account going below its minimum. The row update takes the account's
  row lock (PostgreSQL) or happens under the one writer lock (SQLite), so concurrent postings
  are checked one after another against the true totals.
- A posted transaction cannot change; legs never change; a leg cannot join a transaction
  already posted. Nothing is deleted except inside `core.db.purge_permit()`.
- Every leg's account must exist when the transaction is posted (checked set-wise: the legs
  have no row-by-row foreign key to accounts, so a batch of millions posts fast), and accounts
  are never deleted.
- An account's kind, owner, fund, purpose, category and currency cannot change, and its running
  totals change only through posting (on SQLite the posting trigger holds a row in
  `ledger_posting` while it updates them; on PostgreSQL only a trigger may).

On PostgreSQL the posting checks are statement-level triggers with transition tables, so a
batch of a million transactions streamed in with COPY is checked set-wise, once.
"""

from django.db.migrations.operations.base import Operation

from openphb.core.db import PERMIT_TABLE, PG_REFUSE_CHANGE_FUNCTION

_ACCOUNT_FIXED = ("id", "kind", "owner_kind", "owner_id", "fund", "purpose", "category", "currency")

NOT_BALANCED = "ledger: debits must equal credits within each fund of a transaction"
TOO_FEW_LEGS = "ledger: a transaction needs at least two legs"
NO_ACCOUNT = "ledger: a leg names an account that does not exist"
ACCOUNT_KEPT = "ledger: accounts are never deleted"
POSTED = "ledger: a posted transaction cannot be changed; post a reversal"
LEG_FIXED = "ledger: legs cannot be changed or deleted"
LEG_ON_POSTED = "ledger: a leg cannot be added to a posted transaction"
ACCOUNT_FIXED = "ledger: the kind, owner, fund, purpose and category of an account are fixed"
TOTALS = "ledger: running totals change only by posting a transaction"


def _changed(fields: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"NEW.{f} {distinct} OLD.{f}" for f in fields)


def sqlite_sql() -> list[str]:
    no_permit = f"NOT EXISTS (SELECT 1 FROM {PERMIT_TABLE})"
    leg_totals = (
        "(SELECT coalesce(sum(l.{side}), 0) FROM ledger_leg l "
        "WHERE l.transaction_id = NEW.id AND l.account_id = ledger_account.id)"
    )
    return [
        "CREATE TABLE IF NOT EXISTS ledger_posting (id INTEGER PRIMARY KEY)",
        "CREATE TRIGGER IF NOT EXISTS ledger_transaction_posted AFTER INSERT ON "
        "ledger_transaction BEGIN "
        f"SELECT RAISE(ABORT, '{TOO_FEW_LEGS}') "
        "WHERE (SELECT count(*) FROM ledger_leg WHERE transaction_id = NEW.id) < 2; "
        f"SELECT RAISE(ABORT, '{NO_ACCOUNT}') WHERE EXISTS (SELECT 1 FROM ledger_leg l "
        "WHERE l.transaction_id = NEW.id "
        "AND NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = l.account_id)); "
        f"SELECT RAISE(ABORT, '{NOT_BALANCED}') WHERE EXISTS ("
        "SELECT 1 FROM ledger_leg l JOIN ledger_account a ON a.id = l.account_id "
        "WHERE l.transaction_id = NEW.id GROUP BY a.fund HAVING sum(l.debit) <> sum(l.credit)); "
        "INSERT INTO ledger_posting (id) VALUES (NEW.id); "
        f"UPDATE ledger_account SET debits = debits + {leg_totals.format(side='debit')}, "
        f"credits = credits + {leg_totals.format(side='credit')} "
        "WHERE id IN (SELECT account_id FROM ledger_leg WHERE transaction_id = NEW.id); "
        "DELETE FROM ledger_posting WHERE id = NEW.id; END",
        "CREATE TRIGGER IF NOT EXISTS ledger_transaction_no_update BEFORE UPDATE ON "
        f"ledger_transaction BEGIN SELECT RAISE(ABORT, '{POSTED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_transaction_no_delete BEFORE DELETE ON "
        f"ledger_transaction WHEN {no_permit} BEGIN SELECT RAISE(ABORT, '{POSTED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_leg_no_update BEFORE UPDATE ON ledger_leg "
        f"BEGIN SELECT RAISE(ABORT, '{LEG_FIXED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_leg_no_delete BEFORE DELETE ON ledger_leg "
        f"WHEN {no_permit} BEGIN SELECT RAISE(ABORT, '{LEG_FIXED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_leg_before_posting BEFORE INSERT ON ledger_leg "
        "WHEN EXISTS (SELECT 1 FROM ledger_transaction WHERE id = NEW.transaction_id) "
        f"BEGIN SELECT RAISE(ABORT, '{LEG_ON_POSTED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_account_fixed BEFORE UPDATE ON ledger_account "
        f"WHEN {_changed(_ACCOUNT_FIXED, 'IS NOT')} "
        f"BEGIN SELECT RAISE(ABORT, '{ACCOUNT_FIXED}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_account_no_delete BEFORE DELETE ON ledger_account "
        f"WHEN {no_permit} BEGIN SELECT RAISE(ABORT, '{ACCOUNT_KEPT}'); END",
        "CREATE TRIGGER IF NOT EXISTS ledger_account_totals BEFORE UPDATE ON ledger_account "
        "WHEN (NEW.debits IS NOT OLD.debits OR NEW.credits IS NOT OLD.credits) "
        "AND NOT EXISTS (SELECT 1 FROM ledger_posting) "
        f"BEGIN SELECT RAISE(ABORT, '{TOTALS}'); END",
    ]


_PG_RAISE = """
CREATE OR REPLACE FUNCTION ledger_raise() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""

_PG_ON_POST = f"""
CREATE OR REPLACE FUNCTION ledger_on_post() RETURNS trigger AS $$
DECLARE
  bad bigint;
BEGIN
  -- One pass: within each fund a transaction needs a debit and a credit (legs are positive),
  -- so two legs or more, and equal sums. A transaction with no legs shows as one empty group.
  SELECT p.id INTO bad
  FROM posted p LEFT JOIN ledger_leg l ON l.transaction_id = p.id
  LEFT JOIN ledger_account a ON a.id = l.account_id
  GROUP BY p.id, a.fund
  HAVING count(l.id) < 2 OR sum(l.debit) <> sum(l.credit) OR count(l.id) > count(a.id)
  LIMIT 1;
  IF FOUND THEN
    IF (SELECT count(*) FROM ledger_leg WHERE transaction_id = bad) < 2 THEN
      RAISE EXCEPTION '{TOO_FEW_LEGS}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF EXISTS (
      SELECT 1 FROM ledger_leg l LEFT JOIN ledger_account a ON a.id = l.account_id
      WHERE l.transaction_id = bad AND a.id IS NULL
    ) THEN
      RAISE EXCEPTION '{NO_ACCOUNT}' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RAISE EXCEPTION '{NOT_BALANCED}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  UPDATE ledger_account a SET debits = a.debits + t.debits, credits = a.credits + t.credits
  FROM (
    SELECT l.account_id, sum(l.debit) AS debits, sum(l.credit) AS credits
    FROM posted p JOIN ledger_leg l ON l.transaction_id = p.id GROUP BY l.account_id
  ) t
  WHERE a.id = t.account_id;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

_PG_LEGS_OPEN = f"""
CREATE OR REPLACE FUNCTION ledger_legs_open() RETURNS trigger AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM added l JOIN ledger_transaction t ON t.id = l.transaction_id
  ) THEN
    RAISE EXCEPTION '{LEG_ON_POSTED}' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def postgresql_sql() -> list[str]:
    return [
        PG_REFUSE_CHANGE_FUNCTION,
        _PG_RAISE,
        _PG_ON_POST,
        _PG_LEGS_OPEN,
        "CREATE OR REPLACE TRIGGER ledger_transaction_posted AFTER INSERT ON ledger_transaction "
        "REFERENCING NEW TABLE AS posted FOR EACH STATEMENT EXECUTE FUNCTION ledger_on_post()",
        "CREATE OR REPLACE TRIGGER ledger_transaction_fixed BEFORE UPDATE OR DELETE ON "
        "ledger_transaction FOR EACH ROW EXECUTE FUNCTION openphb_refuse_change()",
        "CREATE OR REPLACE TRIGGER ledger_leg_fixed BEFORE UPDATE OR DELETE ON ledger_leg "
        "FOR EACH ROW EXECUTE FUNCTION openphb_refuse_change()",
        "CREATE OR REPLACE TRIGGER ledger_leg_before_posting AFTER INSERT ON ledger_leg "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION ledger_legs_open()",
        "CREATE OR REPLACE TRIGGER ledger_account_fixed BEFORE UPDATE ON ledger_account "
        f"FOR EACH ROW WHEN ({_changed(_ACCOUNT_FIXED, 'IS DISTINCT FROM')}) "
        f"EXECUTE FUNCTION ledger_raise('{ACCOUNT_FIXED}')",
        "CREATE OR REPLACE TRIGGER ledger_account_no_delete BEFORE DELETE ON ledger_account "
        "FOR EACH ROW EXECUTE FUNCTION openphb_refuse_change()",
        "CREATE OR REPLACE TRIGGER ledger_account_totals BEFORE UPDATE ON ledger_account "
        "FOR EACH ROW WHEN ((NEW.debits IS DISTINCT FROM OLD.debits "
        "OR NEW.credits IS DISTINCT FROM OLD.credits) AND pg_trigger_depth() = 0) "
        f"EXECUTE FUNCTION ledger_raise('{TOTALS}')",
    ]


_TRIGGERS = {
    "sqlite": [
        ("ledger_transaction", "ledger_transaction_posted"),
        ("ledger_transaction", "ledger_transaction_no_update"),
        ("ledger_transaction", "ledger_transaction_no_delete"),
        ("ledger_leg", "ledger_leg_no_update"),
        ("ledger_leg", "ledger_leg_no_delete"),
        ("ledger_leg", "ledger_leg_before_posting"),
        ("ledger_account", "ledger_account_fixed"),
        ("ledger_account", "ledger_account_no_delete"),
        ("ledger_account", "ledger_account_totals"),
    ],
    "postgresql": [
        ("ledger_transaction", "ledger_transaction_posted"),
        ("ledger_transaction", "ledger_transaction_fixed"),
        ("ledger_leg", "ledger_leg_fixed"),
        ("ledger_leg", "ledger_leg_before_posting"),
        ("ledger_account", "ledger_account_fixed"),
        ("ledger_account", "ledger_account_no_delete"),
        ("ledger_account", "ledger_account_totals"),
    ],
}


def trigger_names(vendor: str) -> list[tuple[str, str]]:
    """(table, trigger) for every trigger this module installs on `vendor`."""
    return list(_TRIGGERS[vendor])


class LedgerIntegrity(Operation):
    """Install the ledger's triggers. Idempotent: run it again after any migration that makes
    SQLite rebuild a ledger table (a rebuilt table has no triggers)."""

    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            statements = postgresql_sql()
        elif vendor == "sqlite":
            statements = sqlite_sql()
        else:
            raise NotImplementedError(f"The ledger's triggers are not written for {vendor}.")
        for sql in statements:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        for table, name in _TRIGGERS[vendor]:
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}", params=None)
        if vendor == "sqlite":
            schema_editor.execute("DROP TABLE IF EXISTS ledger_posting", params=None)

    def describe(self) -> str:
        return "Install the ledger's integrity triggers"

    def deconstruct(self):
        return (self.__class__.__name__, [], {})
