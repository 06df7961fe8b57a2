"""phb monitor: the daily check from the command line."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openphb.audit.models import AuditEvent
from openphb.monitoring.models import Code, Flag

from .world import TODAY, line

pytestmark = pytest.mark.django_db


def monitor(*args):
    out = StringIO()
    call_command("monitor", *args, stdout=out)
    return out.getvalue()


def test_it_checks_every_budget_and_prints_the_new_flags_of_the_checks_that_found_some(budget):
    line(budget, amount=2_500, booked_on=TODAY - datetime.timedelta(days=2), mcc="7995")
    out = monitor("--as", "system")
    assert "Checked 1 budget(s) paid by direct payment" in out
    assert "1 new flag(s)" in out
    assert "Purchase in a category a budget cannot buy: 1" in out
    assert "Spending after the person's death" not in out  # only the checks that found some
    assert "None of the checks found anything new." not in out
    assert AuditEvent.objects.get(action="flag.raised").actor_label == "system:monitor"


def test_running_it_again_adds_nothing(budget):
    line(budget, amount=2_500, booked_on=TODAY - datetime.timedelta(days=2), mcc="7995")
    monitor("--as", "system")
    again = monitor("--as", "system")
    assert "0 new flag(s)" in again
    assert "None of the checks found anything new." in again
    assert not [line for line in again.splitlines() if line.endswith(": 0")]
    assert Flag.objects.count() == 1


def test_it_checks_as_of_a_day_and_for_one_commissioner(budget, icb, coordinator):
    line(budget, amount=2_500, booked_on=TODAY - datetime.timedelta(days=2), mcc="7995")
    day = TODAY - datetime.timedelta(days=5)
    out = monitor("--on", day.isoformat(), "--commissioner", "qmf", "--as", "coordinator")
    assert f"of NHS North East London ICB paid by direct payment as of {day:%-d %B %Y}" in out
    assert "0 new flag(s)" in out
    monitor("--as", "coordinator")
    assert Flag.objects.get().code == Code.EXCLUDED_CATEGORY


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--as", "nobody"], "No active user called 'nobody'"),
        (["--as", "clinician"], "clinician does not monitor spending"),
        (["--on", "31/03/2026", "--as", "system"], "--on must be a date as YYYY-MM-DD"),
        (["--commissioner", "ZZZ", "--as", "system"], "No commissioning organisation has"),
        (["--commissioner", "QT1", "--as", "coordinator"], "You do not work for"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(
    budget, clinician, coordinator, other_icb, args, says
):
    with pytest.raises(CommandError, match=says):
        monitor(*args)
