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
