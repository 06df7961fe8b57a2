import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from openphb.core.db import AppendOnly

pytestmark = pytest.mark.django_db


def append_only_tables() -> set[str]:
    """Every table some migration made append-only."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return {
        operation.table
        for migration in loader.disk_migrations.values()
        for operation in migration.operations
        if isinstance(operation, AppendOnly)
    }


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        return {name for (name,) in cursor.fetchall()}


def test_every_append_only_table_keeps_its_triggers():
    """A later migration that rebuilds the table on SQLite must install the triggers again."""
    tables = append_only_tables()
    assert {"audit_auditevent", "programmes_decision", "enrolment_move"} <= tables
    expected = (
        (lambda t: {f"{t}_append_only"})
        if connection.vendor == "postgresql"
        else (lambda t: {f"{t}_no_update", f"{t}_no_delete"})
    )
    missing = {table: expected(table) - triggers_on(table) for table in sorted(tables)}
    assert not {table: names for table, names in missing.items() if names}
