"""Matching statement lines to budgets, payments and plan items, set-based.

For the lines being matched (an import's new lines, or lines matched again after rules change):

1. *Budget, by account.* The verified bank details of a budget's direct payment name its
   account (details verified once and since replaced still name it, for the days they served).
   An account that served one budget gives that budget; one that served several gives the
   budget whose period covers the day the line was booked, else the latest. A line whose
   account no budget is paid into is `NO_ACCOUNT`.
2. *Money in* is `RECONCILED` to the payment of the same budget and the same amount whose
   reference (`PHB<run>-<sequence>`) appears in the line's description, if no other line is
   reconciled to it (a payment is reconciled once: the first line carrying it); otherwise it is
   an `UNMATCHED_CREDIT`.
3. *Money out* is given a category by the commissioner's active rules (`rules.choose`: payee,
   then merchant, then category code, the most specific rule winning), then the budget's
   direct-payment line in that category (the first, by id, if there are several): `PLANNED`,
   with the line and the rule. Anything else is `NOT_IN_PLAN`.

How, for millions of lines at once: `prepare` reads the rows to match from a table (an
import's temporary table, before anything is stored, or the lines being matched again) and
builds a few temporary tables, each with one statement over the whole set: the accounts
verified bank details name, with the budgets they served (`statement_account`); the budget of
each row on an account that served several (`statement_many`); the payment each credit is
reconciled to (`statement_paid`); the rule each distinct payee, merchant and code of a
commissioner falls under (`statement_choice`: the rules are applied in Python once a value,
not once a line); and each budget's direct-payment line by category (`statement_plan_line`).
What it returns joins them to a row to give its budget, match, payment, plan line and rule, so
an import writes each line once, already matched (`importing`), and `match_again` updates the
lines in scope once. The same SQL on PostgreSQL and SQLite. Spending is not posted here
(`spending`).
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from openphb.organisations.models import Organisation

from . import rules as matching_rules
from .models import Match, MatchRule, StatementImport

LINES = "statements_statementline"
HELPERS = (
    "statement_account",
    "statement_many",
    "statement_paid",
    "statement_choice",
    "statement_plan_line",
)
# The budget and commissioner of a row `i`, from the joins every match starts with.
BUDGET = "coalesce(a.budget_id, m.budget_id)"
COMMISSIONER = "coalesce(a.commissioner_id, m.commissioner_id)"
_ACCOUNT_JOINS = (
    "LEFT JOIN statement_account a ON a.account_number = i.account_number "
    "AND a.sort_code = i.sort_code AND a.budgets = 1 "
    "LEFT JOIN statement_many m ON m.ref = i.ref "
)


@dataclass(frozen=True)
class Matched:
    """SQL that gives each row `i` of the prepared table what it matched.

    `SELECT {columns} FROM table i {joins}` gives budget_id, match, payment_id, line_id and
    rule_id (named so); `reconciled` is true of the rows reconciled to a payment."""

    columns: str
    joins: str
    reconciled: str = "pd.ref IS NOT NULL"


def match_counts(*, statement_import: StatementImport) -> dict[str, int]:
    """How the import's lines matched: {match: count}, every `Match` named."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "match", count(*) FROM {LINES} WHERE statement_import_id = %s '  # noqa: S608
            'GROUP BY "match"',
            [statement_import.pk],
        )
        found = dict(cursor.fetchall())
    return {value: found.get(value, 0) for value in Match.values}


def match_again(
    *, budget_ids: list[int] | None = None, commissioner: Organisation | None = None
) -> int:
    """Match again the lines of these budgets (or of the commissioner's budgets, or every line),
    with the accounts and rules as they are now: after a rule is added or deactivated, or bank
    details verified. Lines whose account had no budget and now serves one of them are matched
    too. A line whose spending is posted to the ledger is never touched. Returns how many
    lines were matched again."""
    scope = "transaction_id IS NULL"
    params: list[Any] = []
    budgets = ""
    if budget_ids is not None:
        if not budget_ids:
            return 0
        budgets = ", ".join(["%s"] * len(budget_ids))
        params = [*budget_ids, *budget_ids]
    elif commissioner is not None:
        budgets = "SELECT id FROM budgets_budget WHERE commissioner_id = %s"
        params = [commissioner.pk, commissioner.pk]
    if budgets:
        scope += (
            f" AND (budget_id IN ({budgets}) OR (\"match\" = 'no_account' AND EXISTS ("  # noqa: S608
            "SELECT 1 FROM payments_bankdetails bd JOIN payments_directpaymentsetup s "
            "ON s.id = bd.setup_id WHERE bd.status = 'verified' "
            f"AND s.budget_id IN ({budgets}) AND bd.sort_code = {LINES}.sort_code "
            f"AND bd.account_number = {LINES}.account_number)))"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS statement_again")
        cursor.execute(
            "CREATE TEMPORARY TABLE statement_again AS SELECT id AS ref, sort_code, "  # noqa: S608
            "account_number, bank_reference, booked_on, direction, amount, description, "
            f"counterparty, merchant, mcc FROM {LINES} WHERE {scope}",
            params,
        )
        cursor.execute("SELECT count(*) FROM statement_again")
        again = cursor.fetchone()[0]
        if again:
            # Their payments are free to be taken again (by the first line carrying each).
            cursor.execute(
                f"UPDATE {LINES} SET payment_id = NULL WHERE payment_id IS NOT NULL "  # noqa: S608
                "AND id IN (SELECT ref FROM statement_again)"
            )
            matched = prepare(cursor, "statement_again")
            cursor.execute(
                f'UPDATE {LINES} SET budget_id = c.budget_id, "match" = c.match, '  # noqa: S608
                "payment_id = c.payment_id, line_id = c.line_id, rule_id = c.rule_id FROM ("
                f"SELECT i.ref, {matched.columns} FROM statement_again i {matched.joins}) AS c "
                f"WHERE {LINES}.id = c.ref"
            )
            finish(cursor)
        cursor.execute("DROP TABLE statement_again")
    return again


def match_new_accounts() -> int:
    """Match again the lines of accounts that no verified direct payment paid into when they
    were imported but one does now (bank details verified since), with the other lines of
    those budgets not yet posted. Run daily by `phb monitor`. Returns how many lines were
    matched again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT s.budget_id FROM statements_statementline l "
            "JOIN payments_bankdetails bd ON bd.sort_code = l.sort_code "
            "AND bd.account_number = l.account_number AND bd.status = 'verified' "
            "JOIN payments_directpaymentsetup s ON s.id = bd.setup_id "
            "WHERE l.\"match\" = 'no_account'"
        )
        budget_ids = sorted(row[0] for row in cursor.fetchall())
    return match_again(budget_ids=budget_ids) if budget_ids else 0


# --- the steps -----------------------------------------------------------------------------------


def prepare(cursor: Any, table: str, *, new_lines: bool = False) -> Matched:
    """Build the temporary tables that match the rows of `table`; the SQL that joins them.

    `table` has a unique `ref` for each row, and the lines' sort_code, account_number,
    bank_reference, booked_on, direction, amount, description, counterparty, merchant and mcc.
    `new_lines`: the rows are about to be added (an import's, none of them a line already), so
    of a transaction given twice only the first reconciles anything: the other is not added."""
    finish(cursor)
    _accounts(cursor, table)
    _reconcile(cursor, table, new_lines=new_lines)
    fields = _choose(cursor, table)
    if fields:
        _plan_lines(cursor)
    return _matched(fields)


def finish(cursor: Any) -> None:
    """Drop the temporary tables `prepare` builds."""
    for helper in HELPERS:
        cursor.execute(f"DROP TABLE IF EXISTS {helper}")


def _analyze(cursor: Any, table: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _accounts(cursor: Any, table: str) -> None:
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_account AS "
        "SELECT sort_code, account_number, budget_id, commissioner_id, starts_on, ends_on, "
        "count(*) OVER (PARTITION BY sort_code, account_number) AS budgets FROM ("
        "SELECT DISTINCT bd.sort_code, bd.account_number, s.budget_id, b.commissioner_id, "
        "b.starts_on, b.ends_on FROM payments_bankdetails bd "
        "JOIN payments_directpaymentsetup s ON s.id = bd.setup_id "
        "JOIN budgets_budget b ON b.id = s.budget_id "
        "WHERE bd.status = 'verified') AS served"
    )
    cursor.execute(
        "CREATE INDEX statement_account_number ON statement_account (account_number, sort_code)"
    )
    _analyze(cursor, "statement_account")
    # Rows on accounts that served several budgets: the budget covering the day, else the
    # latest. (Those that served one are joined to it directly: `_ACCOUNT_JOINS`.)
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_many AS "  # noqa: S608
        "SELECT c.ref, c.budget_id, b.commissioner_id FROM ("
        "SELECT i.ref, coalesce((SELECT x.budget_id FROM statement_account x "
        "WHERE x.account_number = i.account_number AND x.sort_code = i.sort_code "
        "AND i.booked_on BETWEEN x.starts_on AND x.ends_on "
        "ORDER BY x.starts_on DESC, x.budget_id DESC LIMIT 1), "
        "(SELECT x.budget_id FROM statement_account x "
        "WHERE x.account_number = i.account_number AND x.sort_code = i.sort_code "
        "ORDER BY x.starts_on DESC, x.budget_id DESC LIMIT 1)) AS budget_id "
        f"FROM {table} i WHERE EXISTS (SELECT 1 FROM statement_account x "
        "WHERE x.account_number = i.account_number AND x.sort_code = i.sort_code "
        "AND x.budgets > 1)) AS c JOIN budgets_budget b ON b.id = c.budget_id"
    )
    cursor.execute("CREATE INDEX statement_many_ref ON statement_many (ref)")
    _analyze(cursor, "statement_many")


def _reconcile(cursor: Any, table: str, *, new_lines: bool) -> None:
    contains = (
        "strpos(c.description, p.reference) > 0"
        if connection.vendor == "postgresql"
        else "instr(c.description, p.reference) > 0"
    )
    # Of a transaction given twice in a file being added, only the first is added.
    first = (
        f"AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.sort_code = i.sort_code "  # noqa: S608
        "AND d.account_number = i.account_number AND d.bank_reference = i.bank_reference "
        "AND d.ref < i.ref) "
        if new_lines
        else ""
    )
    # Each payment to the first row carrying it; a row carrying two, the first of them. (The
    # credits `c` CROSS JOIN the payments so that SQLite takes each credit and looks up its
    # budget's payments, rather than each payment and every credit of the same amount.)
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_paid AS "  # noqa: S608
        "SELECT CAST(ref AS integer) AS ref, min(payment_id) AS payment_id FROM ("
        "SELECT min(c.ref) AS ref, p.id AS payment_id FROM ("
        f"SELECT i.ref, i.amount, i.description, {BUDGET} AS budget_id FROM {table} i "
        f"{_ACCOUNT_JOINS}WHERE i.direction = 'in' {first}) AS c "
        "CROSS JOIN payments_payment p WHERE p.budget_id = c.budget_id "
        f"AND p.amount = c.amount AND {contains} AND p.status <> 'due' "
        f"AND NOT EXISTS (SELECT 1 FROM {LINES} o WHERE o.payment_id = p.id) "
        "GROUP BY p.id) AS claimed GROUP BY ref"
    )
    cursor.execute("CREATE INDEX statement_paid_ref ON statement_paid (ref)")
    _analyze(cursor, "statement_paid")


def _choose(cursor: Any, table: str) -> list[str]:
    """The rule for each distinct payee, merchant and code of money out, by commissioner;
    the fields some rule chose for."""
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_choice (commissioner_id integer NOT NULL, "
        "field varchar(16) NOT NULL, value varchar(140) NOT NULL, rule_id integer NOT NULL, "
        "category varchar(16) NOT NULL)"
    )
    by_commissioner: dict[int, list[matching_rules.Rule]] = defaultdict(list)
    for pk, commissioner_id, field, pattern, category in MatchRule.objects.filter(
        active=True
    ).values_list("id", "commissioner_id", "field", "pattern", "category"):
        by_commissioner[commissioner_id].append(
            matching_rules.Rule(id=pk, field=field, pattern=pattern, category=category)
        )
    commissioners = ", ".join(str(int(pk)) for pk in by_commissioner)
    chosen: list[tuple[object, ...]] = []
    fields = []
    for field in matching_rules.FIELDS:
        if not any(r.field == field for rs in by_commissioner.values() for r in rs):
            continue
        cursor.execute(
            f"SELECT DISTINCT {COMMISSIONER}, i.{field} FROM {table} i {_ACCOUNT_JOINS}"  # noqa: S608
            f"WHERE i.direction = 'out' AND i.{field} <> '' "
            f"AND {COMMISSIONER} IN ({commissioners})"
        )
        before = len(chosen)
        for commissioner_id, value in cursor.fetchall():
            on_field = [r for r in by_commissioner[commissioner_id] if r.field == field]
            best = matching_rules.best_for(on_field, value)
            if best is not None:
                chosen.append((commissioner_id, field, value, best.id, best.category))
        if len(chosen) > before:
            fields.append(field)
    if chosen:
        cursor.executemany(
            "INSERT INTO statement_choice (commissioner_id, field, value, rule_id, category) "
            "VALUES (%s, %s, %s, %s, %s)",
            chosen,
        )
    cursor.execute(
        "CREATE INDEX statement_choice_value ON statement_choice (commissioner_id, field, value)"
    )
    _analyze(cursor, "statement_choice")
    return fields


def _plan_lines(cursor: Any) -> None:
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_plan_line AS "
        "SELECT budget_id, category, min(id) AS line_id FROM budgets_budgetline "
        "WHERE holding = 'direct_payment' AND budget_id IN "
        "(SELECT budget_id FROM statement_account) GROUP BY budget_id, category"
    )
    cursor.execute(
        "CREATE INDEX statement_plan_line_budget ON statement_plan_line (budget_id, category)"
    )
    _analyze(cursor, "statement_plan_line")


def _matched(fields: list[str]) -> Matched:
    joins = f"{_ACCOUNT_JOINS}LEFT JOIN statement_paid pd ON pd.ref = i.ref "
    for field in fields:
        joins += (
            f"LEFT JOIN statement_choice {field} ON {field}.commissioner_id = {COMMISSIONER} "
            f"AND {field}.field = '{field}' AND {field}.value = i.{field} "
            "AND i.direction = 'out' "
        )
    if fields:
        joins += (
            f"LEFT JOIN statement_plan_line pl ON pl.budget_id = {BUDGET} "
            f"AND pl.category = {_first(f'{field}.category' for field in fields)} "
        )
        line = "pl.line_id"
        rule_id = (
            f"CASE WHEN pl.line_id IS NOT NULL THEN {_first(f'{f}.rule_id' for f in fields)} END"
        )
    else:
        line = rule_id = "CAST(NULL AS bigint)"
    columns = (
        f"{BUDGET} AS budget_id, "
        f"CASE WHEN {BUDGET} IS NULL THEN '{Match.NO_ACCOUNT.value}' "
        f"WHEN i.direction = 'in' AND pd.ref IS NOT NULL THEN '{Match.RECONCILED.value}' "
        f"WHEN i.direction = 'in' THEN '{Match.UNMATCHED_CREDIT.value}' "
        f"WHEN {line} IS NOT NULL THEN '{Match.PLANNED.value}' "
        f"ELSE '{Match.NOT_IN_PLAN.value}' END AS \"match\", "
        f"pd.payment_id AS payment_id, {line} AS line_id, {rule_id} AS rule_id"
    )
    return Matched(columns=columns, joins=joins)


def _first(values: Any) -> str:
    """The first of these SQL values that is not null."""
    values = list(values)
    return values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"
