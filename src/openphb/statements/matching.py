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

Each step is a few SQL statements over the whole set (temporary tables, UPDATE ... FROM), the
same on PostgreSQL and SQLite; the rules are applied in Python once for each distinct payee,
merchant and code of the set, not once a line. Spending is not posted here (`spending`).
"""

from collections import defaultdict
from typing import Any

from django.db import connection, transaction

from openphb.organisations.models import Organisation

from . import rules as matching_rules
from .models import Match, MatchRule, StatementImport

LINES = "statements_statementline"


def match_import(*, statement_import: StatementImport) -> dict[str, int]:
    """Match the import's lines not yet matched; how its lines stand: {match: count}."""
    with transaction.atomic(), connection.cursor() as cursor:
        _match(cursor, "l.statement_import_id = %s", [statement_import.pk])
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
            f"CREATE TEMPORARY TABLE statement_again AS SELECT id FROM {LINES} "  # noqa: S608
            f"WHERE {scope}",
            params,
        )
        cursor.execute(
            f"UPDATE {LINES} SET \"match\" = '', budget_id = NULL, payment_id = NULL, "  # noqa: S608
            "line_id = NULL, rule_id = NULL WHERE id IN (SELECT id FROM statement_again)"
        )
        again = cursor.rowcount
        if again:
            _match(cursor, "l.id IN (SELECT id FROM statement_again)", [])
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


def _match(cursor: Any, scope: str, params: list[Any]) -> None:
    """Match the lines `l` in scope whose match is still blank."""
    scope = f"{scope} AND l.\"match\" = ''"
    _budgets(cursor, scope, params)
    _reconcile(
        cursor, scope.replace("l.\"match\" = ''", "l.\"match\" = 'unmatched_credit'"), params
    )
    _plan(cursor, scope.replace("l.\"match\" = ''", "l.\"match\" = 'not_in_plan'"), params)
    for table in ("statement_account", "statement_choice", "statement_plan_line"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _analyze(cursor: Any, table: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table}")


def _budgets(cursor: Any, scope: str, params: list[Any]) -> None:
    cursor.execute("DROP TABLE IF EXISTS statement_account")
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_account AS "
        "SELECT sort_code, account_number, budget_id, starts_on, ends_on, "
        "count(*) OVER (PARTITION BY sort_code, account_number) AS budgets FROM ("
        "SELECT DISTINCT bd.sort_code, bd.account_number, s.budget_id, b.starts_on, b.ends_on "
        "FROM payments_bankdetails bd "
        "JOIN payments_directpaymentsetup s ON s.id = bd.setup_id "
        "JOIN budgets_budget b ON b.id = s.budget_id "
        "WHERE bd.status = 'verified') AS served"
    )
    cursor.execute(
        "CREATE INDEX statement_account_number ON statement_account (account_number, sort_code)"
    )
    _analyze(cursor, "statement_account")
    out_or_in = "CASE WHEN l.direction = 'in' THEN 'unmatched_credit' ELSE 'not_in_plan' END"
    # Accounts that served one budget: a join. Those that served several: the budget covering
    # the day, else the latest.
    cursor.execute(
        f'UPDATE {LINES} SET budget_id = c.budget_id, "match" = c.match FROM ('  # noqa: S608
        f'SELECT l.id, a.budget_id, {out_or_in} AS "match" FROM {LINES} l '
        "JOIN statement_account a ON a.account_number = l.account_number "
        "AND a.sort_code = l.sort_code AND a.budgets = 1 "
        f"WHERE {scope}) AS c WHERE {LINES}.id = c.id",
        params,
    )
    cursor.execute(
        f'UPDATE {LINES} SET budget_id = c.budget_id, "match" = c.match FROM ('  # noqa: S608
        "SELECT l.id, coalesce((SELECT a.budget_id FROM statement_account a "
        "WHERE a.account_number = l.account_number AND a.sort_code = l.sort_code "
        "AND l.booked_on BETWEEN a.starts_on AND a.ends_on "
        "ORDER BY a.starts_on DESC, a.budget_id DESC LIMIT 1), "
        "(SELECT a.budget_id FROM statement_account a "
        "WHERE a.account_number = l.account_number AND a.sort_code = l.sort_code "
        "ORDER BY a.starts_on DESC, a.budget_id DESC LIMIT 1)) AS budget_id, "
        f'{out_or_in} AS "match" '
        f"FROM {LINES} l WHERE {scope} AND EXISTS (SELECT 1 FROM statement_account a "
        "WHERE a.account_number = l.account_number AND a.sort_code = l.sort_code "
        f"AND a.budgets > 1)) AS c WHERE {LINES}.id = c.id",
        params,
    )
    cursor.execute(
        f"UPDATE {LINES} SET \"match\" = 'no_account' "  # noqa: S608
        f"WHERE id IN (SELECT l.id FROM {LINES} l WHERE {scope})",
        params,
    )


def _reconcile(cursor: Any, scope: str, params: list[Any]) -> None:
    contains = (
        "strpos(l.description, p.reference) > 0"
        if connection.vendor == "postgresql"
        else "instr(l.description, p.reference) > 0"
    )
    cursor.execute(
        f"UPDATE {LINES} SET payment_id = c.payment_id, \"match\" = 'reconciled' FROM ("  # noqa: S608
        f"SELECT min(l.id) AS line_id, p.id AS payment_id FROM {LINES} l "
        "JOIN payments_payment p ON p.budget_id = l.budget_id AND p.amount = l.amount "
        f"AND {contains} "
        f"WHERE {scope} AND l.direction = 'in' AND p.status <> 'due' "
        f"AND NOT EXISTS (SELECT 1 FROM {LINES} o WHERE o.payment_id = p.id) "
        f"GROUP BY p.id) AS c WHERE {LINES}.id = c.line_id",
        params,
    )


def _plan(cursor: Any, scope: str, params: list[Any]) -> None:
    scope = f"{scope} AND l.direction = 'out'"
    by_commissioner: dict[int, list[matching_rules.Rule]] = defaultdict(list)
    for pk, commissioner_id, field, pattern, category in MatchRule.objects.filter(
        active=True
    ).values_list("id", "commissioner_id", "field", "pattern", "category"):
        by_commissioner[commissioner_id].append(
            matching_rules.Rule(id=pk, field=field, pattern=pattern, category=category)
        )
    if not by_commissioner:
        return
    cursor.execute("DROP TABLE IF EXISTS statement_choice")
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_choice (commissioner_id integer NOT NULL, "
        "field varchar(16) NOT NULL, value varchar(140) NOT NULL, rule_id integer NOT NULL, "
        "category varchar(16) NOT NULL)"
    )
    commissioners = ", ".join(str(int(pk)) for pk in by_commissioner)
    chosen: list[tuple[object, ...]] = []
    for field in matching_rules.FIELDS:
        if not any(r.field == field for rs in by_commissioner.values() for r in rs):
            continue
        cursor.execute(
            f"SELECT DISTINCT b.commissioner_id, l.{field} FROM {LINES} l "  # noqa: S608
            f"JOIN budgets_budget b ON b.id = l.budget_id WHERE {scope} "
            f"AND b.commissioner_id IN ({commissioners}) AND l.{field} <> ''",
            params,
        )
        for commissioner_id, value in cursor.fetchall():
            on_field = [r for r in by_commissioner[commissioner_id] if r.field == field]
            best = matching_rules.best_for(on_field, value)
            if best is not None:
                chosen.append((commissioner_id, field, value, best.id, best.category))
    if not chosen:
        return
    cursor.executemany(
        "INSERT INTO statement_choice (commissioner_id, field, value, rule_id, category) "
        "VALUES (%s, %s, %s, %s, %s)",
        chosen,
    )
    _analyze(cursor, "statement_choice")
    cursor.execute("DROP TABLE IF EXISTS statement_plan_line")
    cursor.execute(
        "CREATE TEMPORARY TABLE statement_plan_line AS "  # noqa: S608
        "SELECT budget_id, category, min(id) AS line_id FROM budgets_budgetline "
        "WHERE holding = 'direct_payment' AND budget_id IN ("
        f"SELECT DISTINCT l.budget_id FROM {LINES} l WHERE {scope}) "
        "GROUP BY budget_id, category",
        params,
    )
    _analyze(cursor, "statement_plan_line")

    def joined(field: str) -> str:
        return (
            f"LEFT JOIN statement_choice {field} ON {field}.commissioner_id = b.commissioner_id "
            f"AND {field}.field = '{field}' AND {field}.value = l.{field} "
        )

    cursor.execute(
        f"UPDATE {LINES} SET \"match\" = 'planned', rule_id = c.rule_id, "  # noqa: S608
        "line_id = pl.line_id FROM ("
        "SELECT l.id, l.budget_id, "
        "coalesce(counterparty.rule_id, merchant.rule_id, mcc.rule_id) AS rule_id, "
        "coalesce(counterparty.category, merchant.category, mcc.category) AS category "
        f"FROM {LINES} l JOIN budgets_budget b ON b.id = l.budget_id "
        f"{joined('counterparty')}{joined('merchant')}{joined('mcc')}"
        f"WHERE {scope}) AS c JOIN statement_plan_line pl ON pl.budget_id = c.budget_id "
        f"AND pl.category = c.category WHERE {LINES}.id = c.id",
        params,
    )
