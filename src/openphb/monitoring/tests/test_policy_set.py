"""A commissioner's monitoring policy: effective-dated, never changed, the defaults without one."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.monitoring.models import MonitoringPolicy
from openphb.monitoring.rules import Policy
from openphb.monitoring.selectors import policy_in_force
from openphb.monitoring.services import policy_set

from .world import TODAY

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + datetime.timedelta(days=1)


def _set(actor_user, commissioner, **given):
    values = dict(
        starts_on=TOMORROW, cash_limit_per_month=5_000, accumulation_months=2, idle_days=60
    )
    values.update(given)
    return policy_set(actor=Actor(user=actor_user), commissioner=commissioner, **values)


def test_without_a_policy_the_defaults_apply(icb):
    assert policy_in_force(commissioner=icb, on=TODAY) == Policy(10_000, 3, 90, None)


def test_a_policy_applies_from_its_first_day_and_the_earlier_one_before(icb, commissioner):
    _set(commissioner, icb)
    _set(commissioner, icb, starts_on=TODAY + datetime.timedelta(days=10), idle_days=30)
    assert policy_in_force(commissioner=icb, on=TODAY).idle_days == 90
    assert policy_in_force(commissioner=icb, on=TOMORROW) == Policy(5_000, 2, 60, TOMORROW)
    assert policy_in_force(commissioner=icb, on=TODAY + datetime.timedelta(days=10)).idle_days == 30
    assert MonitoringPolicy.objects.count() == 2
    audit = AuditEvent.objects.filter(action="monitoring_policy.set").first()
    assert "Cash withdrawals of more than" in audit.summary


def test_a_policy_cannot_start_in_the_past_or_on_the_day_another_starts(icb, finance):
    with pytest.raises(ValidationError) as refused:
        _set(finance, icb, starts_on=TODAY - datetime.timedelta(days=1))
    assert "starts today or later" in refused.value.message_dict["starts_on"][0]
    _set(finance, icb)
    with pytest.raises(ValidationError) as refused:
        _set(finance, icb, idle_days=40)
    assert "Policies are never changed" in refused.value.message_dict["starts_on"][0]


def test_each_threshold_out_of_range_gets_its_own_message(icb, commissioner):
    with pytest.raises(ValidationError) as refused:
        _set(commissioner, icb, cash_limit_per_month=-1, accumulation_months=0, idle_days=400)
    assert set(refused.value.message_dict) == {
        "cash_limit_per_month",
        "accumulation_months",
        "idle_days",
    }


def test_only_someone_who_acts_for_the_commissioner_sets_its_policy(icb, outsider):
    with pytest.raises(ValidationError, match="You do not work for"):
        _set(outsider, icb)


def test_a_policy_is_for_a_commissioning_organisation(commissioner):
    practice = factories.organisation(kind="gp_practice", name="The Surgery")
    with pytest.raises(ValidationError) as refused:
        _set(commissioner, practice)
    assert "not a commissioning organisation" in refused.value.message_dict["commissioner"][0]
