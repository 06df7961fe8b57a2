import datetime

import pytest
from tests import factories

from openphb.accounts.selectors import acts_for
from openphb.audit.services import Actor
from openphb.organisations.services import succession_record

pytestmark = pytest.mark.django_db
HANDOVER = datetime.date(2013, 4, 1)


def test_staff_act_for_their_organisation_and_what_passed_to_it_but_nobody_else():
    pct = factories.organisation(kind="pct", closed_on=HANDOVER - datetime.timedelta(days=1))
    board = factories.organisation(kind="nhscb", opened_on=datetime.date(2012, 10, 1))
    other = factories.organisation(kind="icb")
    succession_record(
        actor=Actor.system_job("test"), predecessor=pct, successor=board, effective_on=HANDOVER
    )
    staff = factories.user(role="finance_officer", organisations=(board,))

    assert acts_for(user=staff, organisations=[board], on=HANDOVER)
    assert acts_for(user=staff, organisations=[pct], on=HANDOVER)
    assert not acts_for(user=staff, organisations=[pct], on=HANDOVER - datetime.timedelta(days=1))
    assert not acts_for(user=staff, organisations=[other], on=HANDOVER)
    assert acts_for(user=staff, organisations=[other, board], on=HANDOVER)


def test_a_named_system_job_acts_for_anyone():
    assert acts_for(user=None, organisations=[factories.organisation()], on=HANDOVER)
