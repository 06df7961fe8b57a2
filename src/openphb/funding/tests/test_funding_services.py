import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.budgets.selectors import commissioner_positions
from openphb.funding import services
from openphb.funding.services import allocation_account, envelope_account
from openphb.ledger.services import InsufficientFunds

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")
ROLLOUT_START, ROLLOUT_END = datetime.date(2011, 4, 1), datetime.date(2013, 3, 31)


@pytest.fixture
def rollout():
    """The £1.5m national roll-out support fund, to 31 March 2013."""
    return factories.funding_stream(
        code="rollout",
        kind="rollout",
        envelope=150_000_000,
        starts_on=ROLLOUT_START,
        ends_on=ROLLOUT_END,
    )


def pct(name: str):
    return factories.organisation(kind="pct", name=name, closed_on=ROLLOUT_END)


def test_allocations_come_out_of_the_envelope_and_never_exceed_it(rollout):
    havering, somerset = pct("NHS Havering"), pct("NHS Somerset")
    factories.allocation(stream=rollout, commissioner=havering, amount=100_000_000)
    with pytest.raises(InsufficientFunds, match=r"has £500,000\.00 available"):
        factories.allocation(stream=rollout, commissioner=somerset, amount=50_000_001)
    factories.allocation(stream=rollout, commissioner=somerset, amount=50_000_000)
    assert envelope_account(rollout).balance == 0
    assert AuditEvent.objects.filter(action="funding.allocated").count() == 2


def test_nothing_can_be_allocated_after_a_stream_ends(rollout):
    with pytest.raises(ValidationError, match="ended on 31 March 2013"):
        services.allocation_record(
            actor=ACTOR,
            stream=rollout,
            commissioner=pct("NHS Redbridge"),
            amount=100,
            effective_on=ROLLOUT_END + datetime.timedelta(days=1),
        )


def test_only_a_commissioner_receives_an_allocation(rollout):
    trust = factories.organisation(kind="trust")
    with pytest.raises(ValidationError, match="commissioning organisation"):
        factories.allocation(stream=rollout, commissioner=trust, amount=100)


def test_staff_allocate_only_to_an_organisation_they_work_for(rollout, icb, other_icb):
    finance = factories.user(role="finance_officer", organisations=(icb,))
    with pytest.raises(ValidationError, match="organisation you work for"):
        services.allocation_record(
            actor=Actor(user=finance),
            stream=rollout,
            commissioner=other_icb,
            amount=100,
            effective_on=ROLLOUT_START,
        )


def test_a_carers_breaks_stream_is_always_ring_fenced():
    carers = factories.funding_stream(code="carers-breaks", kind="carers_breaks")
    assert carers.ring_fenced


def test_an_overdraft_policy_lets_a_commissioner_commit_up_to_its_limit(icb, patient):
    chc = factories.funding_stream(code="chc")
    factories.allocation(stream=chc, commissioner=icb, amount=1_000_000)
    with pytest.raises(InsufficientFunds):
        factories.budget(
            patient=patient,
            commissioner=icb,
            stream=chc,
            lines=(("PA", "personal_care", 1_200_000),),
        )
    policy = services.overdraft_policy_create(
        actor=ACTOR,
        commissioner=icb,
        stream=chc,
        name="Winter discharge overcommitment",
        limit=200_000,
        reason="Hospital discharges before the spring allocation",
        starts_on=datetime.date(2025, 1, 1),
    )
    factories.budget(
        patient=patient, commissioner=icb, stream=chc, lines=(("PA", "personal_care", 1_200_000),)
    )
    [position] = commissioner_positions(commissioner=icb)
    assert position.unallocated_to_budgets == -200_000
    assert position.overdrawn
    with pytest.raises(ValidationError, match="below the new minimum"):
        services.overdraft_policy_end(
            actor=ACTOR, policy=policy, ended_on=datetime.date(2025, 6, 1)
        )
    factories.allocation(stream=chc, commissioner=icb, amount=200_000)
    services.overdraft_policy_end(actor=ACTOR, policy=policy, ended_on=datetime.date(2025, 6, 1))
    assert allocation_account(commissioner=icb, stream=chc).minimum_balance == 0


def test_a_withdrawal_reverses_an_allocation_unless_it_was_committed(icb, patient):
    chc = factories.funding_stream(code="chc")
    first = factories.allocation(stream=chc, commissioner=icb, amount=500_000)
    second = factories.allocation(stream=chc, commissioner=icb, amount=500_000)
    factories.budget(
        patient=patient, commissioner=icb, stream=chc, lines=(("PA", "personal_care", 300_000),)
    )
    services.allocation_withdraw(
        actor=ACTOR, allocation=second, effective_on=datetime.date(2025, 5, 1), reason="Sent twice"
    )
    with pytest.raises(InsufficientFunds, match=r"has £2,000\.00 available"):
        services.allocation_withdraw(
            actor=ACTOR, allocation=first, effective_on=datetime.date(2025, 5, 1), reason="Error"
        )
    [now] = commissioner_positions(commissioner=icb)
    assert (now.allocated, now.unallocated_to_budgets) == (500_000, 200_000)
    [before] = commissioner_positions(commissioner=icb, on=datetime.date(2025, 4, 30))
    assert before.allocated == 1_000_000  # the withdrawal came later
