"""Database-level integrity that the application cannot forget: append-only tables.

`AppendOnly` is a migration operation that installs triggers refusing UPDATE and DELETE on a
table, on SQLite and on PostgreSQL alike. Deletion is possible only inside `purge_permit()`,
the one controlled path (retention purges, the test database's flush); updates never are.
"""

import datetime
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.migrations.operations.base import Operation

PERMIT_TABLE = "core_purgepermit"

PG_REFUSE_CHANGE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION openphb_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM {PERMIT_TABLE}) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% is append-only: rows cannot be changed or deleted (%)',
    TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
"""


def _sqlite_sql(table: str) -> list[str]:
    message = f"{table} is append-only: rows cannot be changed or deleted"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"WHEN NOT EXISTS (SELECT 1 FROM {PERMIT_TABLE}) "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def _postgresql_sql(table: str) -> list[str]:
    return [
        PG_REFUSE_CHANGE_FUNCTION,
        f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION openphb_refuse_change()",
    ]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update",
        f"DROP TRIGGER IF EXISTS {table}_no_delete",
    ]


class AppendOnly(Operation):
    """Make a table append-only with database triggers (SQLite and PostgreSQL).

    Installing it again is harmless, and necessary after any migration that makes SQLite
    rebuild the table (most `AlterField`s): the rebuilt table has no triggers. The test
    `test_every_append_only_table_keeps_its_triggers` catches a migration that forgets.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str) -> None:
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            statements = _postgresql_sql(self.table)
        elif vendor == "sqlite":
            statements = _sqlite_sql(self.table)
        else:
            raise NotImplementedError(f"Append-only triggers are not written for {vendor}.")
        for sql in statements:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in _drop_sql(schema_editor.connection.vendor, self.table):
            schema_editor.execute(sql, params=None)

    def describe(self) -> str:
        return f"Make {self.table} append-only"

    def deconstruct(self):
        return (self.__class__.__name__, [self.table], {})


@contextmanager
def purge_permit(reason: str) -> Iterator[None]:
    """Allow deleting rows of append-only tables inside this block (and this transaction)."""
    # If the block fails, the transaction's rollback removes the permit with everything else.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (reason) VALUES (%s)", [reason])
        yield
        cursor.execute(f"DELETE FROM {PERMIT_TABLE}")


def insert_many(objects: Sequence[models.Model]) -> None:
    """Insert new rows of one model with a single prepared statement (`executemany`).

    For bulk loads of 100,000s of rows, where Django's `bulk_create` spends most of its time
    compiling SQL for batches of at most 999 parameters on SQLite. Values are prepared by each
    field exactly as the ORM would (`pre_save` fills `auto_now` timestamps); the primary key is
    left to the database, so callers that need ids read them back by a natural key.
    """
    if not objects:
        return
    model = type(objects[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy
    quote = db.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    rows = [tuple(f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields) for obj in objects]
    with db.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Stream plain rows into a model's table: PostgreSQL's COPY, or SQLite's `executemany`.

    For the largest loads (a screening run writes a decision for each of a million people),
    where even `insert_many` would build a model instance per row. `columns` are field names;
    values must already be what the database stores (ids, not instances); dates and times are
    adapted on SQLite exactly as the ORM adapts them. Returns the number of rows written.

    `rows` may itself read from the database as it goes (a screening run streams people from a
    server-side cursor): rows are taken in batches, and a batch is written only once it is
    complete, because a connection in the middle of a COPY can run no other query.
    """
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
    table = quote(meta.db_table)
    written = 0
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            source = iter(rows)
            while batch := list(itertools.islice(source, _BATCH)):
                # The driver's own cursor: wrap its errors as Django's (IntegrityError, ...).
                with (
                    db.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in batch:
                        copy.write_row(row)
                written += len(batch)
            return written
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        ready = _sqlite_ready(rows, db.ops)
        while batch := list(itertools.islice(ready, _BATCH)):
            cursor.executemany(sql, batch)  # type: ignore[arg-type]
            written += len(batch)
    return written


_BATCH = 50_000  # rows held in memory at once by `insert_rows`


def _sqlite_ready(rows: Iterable[Sequence[object]], ops: Any) -> Iterator[tuple[object, ...]]:
    """Dates and times as Django's SQLite backend itself writes them."""

    def ready(value: object) -> object:
        if isinstance(value, datetime.datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return ops.adapt_datefield_value(value)
        return value

    for row in rows:
        yield tuple(ready(value) for value in row)
