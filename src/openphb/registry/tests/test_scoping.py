"""Who may see whose record: decided in one place, `patients_visible_to`."""

import datetime

import pytest
from tests import factories

from openphb.audit.services import Actor
from openphb.organisations.services import succession_record
from openphb.registry.models import Representative
from openphb.registry.selectors import patient_search, patients_visible_to

pytestmark = pytest.mark.django_db


def test_staff_see_the_patients_their_organisation_is_responsible_for(
    coordinator, patient, elsewhere_patient
):
    assert list(patients_visible_to(user=coordinator)) == [patient]


def test_staff_do_not_see_a_patient_whose_responsibility_ended(coordinator, icb, other_icb):
    moved = factories.patient(commissioner=icb, since=datetime.date(2015, 1, 1))
    moved.assignments.update(ends_on=datetime.date(2020, 1, 1))
    factories.patient(commissioner=other_icb)
    assert moved not in patients_visible_to(user=coordinator)


def test_the_board_sees_the_patients_of_every_pct_it_succeeded():
    pct = factories.organisation(kind="pct", closed_on=datetime.date(2013, 3, 31))
    board = factories.organisation(kind="nhscb", opened_on=datetime.date(2012, 10, 1))
    succession_record(
        actor=Actor.system_job("test"),
        predecessor=pct,
        successor=board,
        effective_on=datetime.date(2013, 4, 1),
    )
    old = factories.patient(commissioner=pct, since=datetime.date(2010, 5, 1))
    board_officer = factories.user(role="care_coordinator", organisations=(board,))
    pct_officer = factories.user(role="care_coordinator", organisations=(pct,))
    assert list(patients_visible_to(user=board_officer)) == [old]
    assert list(patients_visible_to(user=pct_officer)) == []


def test_an_analyst_sees_no_identifiable_record(analyst, patient):
    assert not patients_visible_to(user=analyst).exists()


def test_a_budget_holder_sees_themself_and_whoever_they_represent(patient, elsewhere_patient, icb):
    holder = factories.user(role="budget_holder")
    patient.account = holder
    patient.save()
    mother = factories.patient(commissioner=icb)
    Representative.objects.create(
        patient=mother,
        full_name="Holder",
        relationship="Son",
        authority="lpa",
        starts_on=datetime.date(2020, 1, 1),
        account=holder,
    )
    ended = factories.patient(commissioner=icb)
    Representative.objects.create(
        patient=ended,
        full_name="Holder",
        relationship="Son",
        authority="nominee",
        starts_on=datetime.date(2019, 1, 1),
        ends_on=datetime.date(2019, 12, 31),
        account=holder,
    )
    assert set(patients_visible_to(user=holder)) == {patient, mother}


def test_a_carer_sees_no_patient_record(patient):
    carer = factories.user(role="carer")
    assert not patients_visible_to(user=carer).exists()


def test_an_inactive_user_sees_nobody(coordinator, patient):
    coordinator.is_active = False
    assert not patients_visible_to(user=coordinator).exists()


def test_search_finds_by_nhs_number_date_of_birth_and_name(coordinator, icb):
    ada = factories.patient(
        commissioner=icb,
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=datetime.date(1950, 12, 10),
    )
    factories.patient(commissioner=icb, given_name="Alan", family_name="Turing")
    assert list(patient_search(user=coordinator, query=ada.nhs_number_display)) == [ada]
    assert list(patient_search(user=coordinator, query="10/12/1950")) == [ada]
    assert list(patient_search(user=coordinator, query="ada love")) == [ada]
    assert len(patient_search(user=coordinator, query="")) == 2
