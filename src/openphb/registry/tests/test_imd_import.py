import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.registry.models import Lsoa, PostcodeLsoa
from openphb.registry.reference import imd_import
from openphb.registry.selectors import lsoa_for_postcode

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")
FILE = (
    "postcode,lsoa_code,lsoa_name,imd_decile\n"
    "rm13ab,E01900001,Area one,2\n"
    "RM1 4AA,E01900001,Area one,2\n"
    "NG7 2UH,E01900002,Area two,9\n"
)


def load(text: str, edition: str = "IMD 2019"):
    return imd_import(actor=ACTOR, lines=io.StringIO(text), edition=edition, source_name="t.csv")


def test_it_loads_postcodes_into_areas_with_their_decile():
    record = load(FILE)
    assert record.rows == 3
    lsoa = lsoa_for_postcode("RM1 3AB")
    assert (lsoa.code, lsoa.imd_decile, lsoa.imd_quintile, lsoa.imd_edition) == (
        "E01900001",
        2,
        1,
        "IMD 2019",
    )
    assert AuditEvent.objects.filter(action="reference.imd_imported").count() == 1


def test_loading_a_new_edition_replaces_the_deciles():
    load(FILE)
    load(FILE.replace(",9\n", ",7\n"), edition="IMD 2025")
    assert Lsoa.objects.get(code="E01900002").imd_decile == 7
    assert Lsoa.objects.get(code="E01900002").imd_edition == "IMD 2025"
    assert PostcodeLsoa.objects.count() == 3


def test_a_bad_row_loads_nothing_and_names_the_line():
    with pytest.raises(ValidationError) as caught:
        load(FILE + "TA1 1AA,E01900003,Area three,11\n")
    assert "Line 5" in caught.value.messages[0]
    assert not Lsoa.objects.exists()


def test_the_command_loads_the_shipped_sample(capsys):
    from openphb.demo.world import DATA

    call_command("import-imd", str(DATA / "imd-sample.csv"), "--edition", "IMD 2019 (synthetic)")
    assert "Loaded 420 postcodes" in capsys.readouterr().out


def test_the_command_explains_a_wrong_file(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("postcode,decile\nRM1 3AB,2\n")
    with pytest.raises(CommandError, match="lacks these columns"):
        call_command("import-imd", str(path))


def test_a_postcode_that_moves_to_another_area_follows_the_new_lookup():
    load(FILE)
    load(
        FILE.replace("NG7 2UH,E01900002", "NG7 2UH,E01900001").replace(",Area two,9", ",Area one,2")
    )
    assert lsoa_for_postcode("NG7 2UH").code == "E01900001"
    assert PostcodeLsoa.objects.count() == 3
