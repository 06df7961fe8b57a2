import pytest

from openphb.audit.models import AuditEvent
from openphb.core.db import insert_many
from openphb.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_it_inserts_every_row_with_its_timestamps_filled():
    insert_many([Organisation(ods_code=f"Z{n:03d}", name=f"Org {n}", kind="gp") for n in range(5)])
    stored = Organisation.objects.order_by("ods_code")
    assert [o.ods_code for o in stored] == ["Z000", "Z001", "Z002", "Z003", "Z004"]
    assert all(o.created_at is not None and o.updated_at is not None for o in stored)


def test_json_values_survive_the_trip():
    insert_many(
        [
            AuditEvent(
                actor_label="system:test",
                action="thing.changed",
                object_type="x.y",
                object_id="1",
                changes={"postcode": ["RM1 3AB", "NG7 2UH"]},
            )
        ]
    )
    assert AuditEvent.objects.get().changes == {"postcode": ["RM1 3AB", "NG7 2UH"]}


def test_nothing_to_insert_is_fine():
    insert_many([])
    assert not Organisation.objects.exists()


def test_insert_rows_streams_plain_rows_dates_and_all():
    import datetime

    from openphb.core.db import insert_rows

    now = datetime.datetime(2026, 1, 1, 9, 30, tzinfo=datetime.UTC)
    rows = (
        (f"Y{n:03d}", f"Org {n}", "gp", datetime.date(2000 + n, 4, 1), "", now, now)
        for n in range(3)
    )
    columns = ("ods_code", "name", "kind", "opened_on", "closed_on", "created_at", "updated_at")
    # closed_on is a nullable date: write None through the same stream
    rows_with_nulls = ((*row[:4], None, *row[5:]) for row in rows)
    assert insert_rows(Organisation, columns, rows_with_nulls) == 3
    stored = list(Organisation.objects.order_by("ods_code"))
    assert [o.opened_on for o in stored] == [
        datetime.date(2000, 4, 1),
        datetime.date(2001, 4, 1),
        datetime.date(2002, 4, 1),
    ]
    assert stored[0].closed_on is None
    assert stored[0].created_at == now


def test_insert_rows_may_read_the_database_while_it_writes(monkeypatch):
    """A screening run streams people from a cursor into its decisions; on PostgreSQL the
    connection cannot read in the middle of a COPY, so rows are written batch by batch."""
    import datetime

    from openphb.core import db

    monkeypatch.setattr(db, "_BATCH", 2)
    insert_many([Organisation(ods_code=f"A{n:03d}", name=f"Org {n}", kind="gp") for n in range(5)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    source = (
        Organisation.objects.filter(ods_code__startswith="A")
        .order_by("ods_code")
        .values_list("ods_code", "name")
    )
    copies = (
        (f"B{code[1:]}", f"Copy of {name}", "gp", now, now)
        for code, name in source.iterator(chunk_size=2)
    )
    columns = ("ods_code", "name", "kind", "created_at", "updated_at")
    assert db.insert_rows(Organisation, columns, copies) == 5
    assert list(
        Organisation.objects.filter(ods_code__startswith="B").values_list("name", flat=True)
    ) == [f"Copy of Org {n}" for n in range(5)]
