import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.organisations.selectors import organisation_ids_answering_for, successor_on
from openphb.organisations.services import (
    organisation_create,
    organisation_update,
    succession_record,
)

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")


def test_it_creates_an_organisation_with_a_normalised_ods_code_and_audits_it():
    organisation = organisation_create(
        actor=ACTOR, ods_code=" 5a9 ", name="NHS Havering", kind="pct"
    )
    assert organisation.ods_code == "5A9"
    assert AuditEvent.objects.get(action="organisation.created").object_id == str(organisation.pk)


def test_it_refuses_a_second_organisation_with_the_same_ods_code():
    organisation_create(actor=ACTOR, ods_code="5A9", name="NHS Havering", kind="pct")
    with pytest.raises(ValidationError) as caught:
        organisation_create(actor=ACTOR, ods_code="5a9", name="Another", kind="pct")
    assert "already exists" in caught.value.message_dict["ods_code"][0]


def test_it_refuses_a_closing_date_before_the_opening_date():
    with pytest.raises(ValidationError) as caught:
        organisation_create(
            actor=ACTOR,
            ods_code="5A9",
            name="NHS Havering",
            kind="pct",
            opened_on=datetime.date(2002, 4, 1),
            closed_on=datetime.date(2001, 1, 1),
        )
    assert "closed_on" in caught.value.message_dict


def test_an_update_records_what_changed():
    organisation = factories.organisation(name="Old name")
    organisation_update(actor=ACTOR, organisation=organisation, name="New name")
    event = AuditEvent.objects.get(action="organisation.updated")
    assert event.changes == {"name": ["Old name", "New name"]}


def test_every_pct_passes_to_the_commissioning_board_on_1_april_2013():
    pct = factories.organisation(kind="pct", closed_on=datetime.date(2013, 3, 31))
    board = factories.organisation(kind="nhscb", opened_on=datetime.date(2012, 10, 1))
    succession_record(
        actor=ACTOR, predecessor=pct, successor=board, effective_on=datetime.date(2013, 4, 1)
    )
    assert successor_on(organisation=pct, on=datetime.date(2013, 3, 31)) == pct
    assert successor_on(organisation=pct, on=datetime.date(2013, 4, 1)) == board
    assert organisation_ids_answering_for(
        organisation_ids={board.pk}, on=datetime.date(2020, 1, 1)
    ) == {pct.pk, board.pk}


def test_history_is_not_rewritten_by_a_second_succession():
    pct, board, other = (factories.organisation() for _ in range(3))
    succession_record(
        actor=ACTOR, predecessor=pct, successor=board, effective_on=datetime.date(2013, 4, 1)
    )
    with pytest.raises(ValidationError) as caught:
        succession_record(
            actor=ACTOR, predecessor=pct, successor=other, effective_on=datetime.date(2014, 4, 1)
        )
    assert "history is not rewritten" in caught.value.message_dict["predecessor"][0]


def test_it_refuses_a_succession_that_loops():
    first, second = factories.organisation(), factories.organisation()
    succession_record(
        actor=ACTOR, predecessor=first, successor=second, effective_on=datetime.date(2013, 4, 1)
    )
    with pytest.raises(ValidationError):
        succession_record(
            actor=ACTOR, predecessor=second, successor=first, effective_on=datetime.date(2014, 4, 1)
        )


def test_it_refuses_a_successor_that_is_not_open_yet():
    pct = factories.organisation()
    icb = factories.organisation(opened_on=datetime.date(2022, 7, 1))
    with pytest.raises(ValidationError) as caught:
        succession_record(
            actor=ACTOR, predecessor=pct, successor=icb, effective_on=datetime.date(2013, 4, 1)
        )
    assert "not open" in caught.value.message_dict["effective_on"][0]
