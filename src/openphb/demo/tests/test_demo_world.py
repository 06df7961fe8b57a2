import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from openphb.accounts.models import User
from openphb.demo import population, world
from openphb.organisations.models import Organisation
from openphb.organisations.selectors import successor_on
from openphb.registry.models import Carer, Condition, Patient
from openphb.registry.selectors import patients_visible_to

AREAS = {
    "Havering": ["RM1 3AB"],
    "Barking and Dagenham": ["IG11 7AA"],
    "Redbridge": ["IG1 1AA"],
    "Nottingham": ["NG7 2UH"],
    "Somerset": ["TA1 1AA"],
}


def test_the_same_seed_and_index_give_the_same_person():
    one = population.person(seed=7, index=42, nhs_number="9990000026", areas=AREAS)
    two = population.person(seed=7, index=42, nhs_number="9990000026", areas=AREAS)
    other = population.person(seed=8, index=42, nhs_number="9990000026", areas=AREAS)
    assert one == two
    assert one != other


def test_demo_nhs_numbers_are_valid_and_all_in_the_test_range():
    from openphb.core.identifiers import normalise_nhs_number

    numbers = population.test_nhs_numbers(500)
    assert len(set(numbers)) == 500
    assert all(n.startswith("999") and normalise_nhs_number(n) == n for n in numbers)


@pytest.mark.django_db
def test_the_world_loads_once_and_loading_it_again_changes_nothing(capsys):
    call_command("demo-data", "--patients", "60", "--no-progress")
    counts = (
        Patient.objects.count(),
        Condition.objects.count(),
        Carer.objects.count(),
        User.objects.count(),
    )
    assert counts[0] == 60
    call_command("demo-data", "--patients", "60", "--no-progress")
    assert (
        Patient.objects.count(),
        Condition.objects.count(),
        Carer.objects.count(),
        User.objects.count(),
    ) == counts
    out = capsys.readouterr().out
    assert "coordinator" in out
    assert "openphb-demo" in out


@pytest.mark.django_db
def test_havering_pct_passes_to_the_commissioning_board_in_2013():
    world.build(seed=2013, patients=20, say=lambda _: None)
    havering = Organisation.objects.get(name__startswith="NHS Havering (primary")
    assert (
        successor_on(organisation=havering, on=datetime.date(2013, 4, 1)).name
        == "NHS Commissioning Board"
    )


@pytest.mark.django_db
def test_the_demo_coordinator_sees_people_and_the_holder_sees_only_themself():
    world.build(seed=2013, patients=80, say=lambda _: None)
    coordinator = User.objects.get(username="coordinator")
    holder = User.objects.get(username="holder")
    assert patients_visible_to(user=coordinator).count() > 0
    assert list(patients_visible_to(user=holder)) == [Patient.objects.get(account=holder)]


@pytest.mark.django_db
def test_another_seed_on_the_same_database_is_refused_clearly():
    world.build(seed=1, patients=5, say=lambda _: None)
    with pytest.raises(ValidationError, match="seed 1"):
        world.build(seed=2, patients=5, say=lambda _: None)


def test_more_people_than_the_test_range_holds_is_refused():
    with pytest.raises(ValidationError, match="909,091"):
        world.build(seed=1, patients=1_000_000, say=lambda _: None)


@pytest.mark.django_db
def test_the_demo_has_a_stalled_pilot_and_a_working_programme_loaded_once():
    from django.utils import timezone

    from openphb.enrolment.models import Enrolment, Move
    from openphb.enrolment.reporting import uptake
    from openphb.programmes.models import Programme

    call_command("demo-data", "--patients", "400", "--no-progress")
    moves = Move.objects.count()
    pilot = Programme.objects.get(is_pilot=True)
    chc = Programme.objects.get(kind="chc")
    today = timezone.localdate()
    pilot_uptake = uptake(programme=pilot, today=today)
    assert pilot_uptake.sites[0].counts["live"] == 0
    assert "stalled" in {alert.kind for alert in pilot_uptake.alerts}
    assert uptake(programme=chc, today=today).total.counts["live"] > 0  # type: ignore[union-attr]
    assert Enrolment.objects.filter(programme=chc, stage="live").exists()
    call_command("demo-data", "--patients", "400", "--no-progress")
    assert Move.objects.count() == moves
    assert Programme.objects.count() == 2
