import datetime

import pytest
from django.core.exceptions import ValidationError
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.registry.models import Patient
from openphb.registry.rules import PatientDetails
from openphb.registry.selectors import commissioner_history, responsible_commissioner_on
from openphb.registry.services import (
    carer_add,
    commissioner_assign,
    condition_add,
    patient_create,
    patient_update,
    representative_add,
)

pytestmark = pytest.mark.django_db


def details(**overrides):
    values = {
        "nhs_number": "943 476 5919",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": datetime.date(1950, 12, 10),
        "sex": "F",
        "ethnic_category": "A",
        "postcode": "rm1 3ab",
    }
    values.update(overrides)
    return PatientDetails(**values)


def test_a_coordinator_registers_a_person_for_their_only_commissioner(coordinator, icb):
    patient = patient_create(actor=Actor(user=coordinator), details=details())
    assert patient.nhs_number == "9434765919"
    assert patient.assignments.get().organisation == icb
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="patient.created").exists()


def test_a_coordinator_cannot_make_another_commissioner_responsible(coordinator, other_icb):
    with pytest.raises(ValidationError) as caught:
        patient_create(actor=Actor(user=coordinator), details=details(), commissioner=other_icb)
    assert "You do not work for" in caught.value.message_dict["commissioner"][0]
    assert not Patient.objects.exists()


def test_the_same_nhs_number_cannot_be_registered_twice(coordinator):
    patient_create(actor=Actor(user=coordinator), details=details())
    with pytest.raises(ValidationError) as caught:
        patient_create(actor=Actor(user=coordinator), details=details(given_name="Other"))
    assert "already registered" in caught.value.message_dict["nhs_number"][0]


def test_an_update_audits_each_changed_field_and_nothing_else(coordinator, patient):
    before = AuditEvent.objects.count()
    same = PatientDetails(
        **{name: getattr(patient, name) for name in PatientDetails.__dataclass_fields__}
    )
    patient_update(
        actor=Actor(user=coordinator), patient=patient, details=same, registered_practice=None
    )
    assert AuditEvent.objects.count() == before
    changed = PatientDetails(**{**same.as_dict(), "family_name": "Mensah"})
    patient_update(
        actor=Actor(user=coordinator), patient=patient, details=changed, registered_practice=None
    )
    event = AuditEvent.objects.get(action="patient.updated")
    assert event.changes == {"family_name": ["Okafor", "Mensah"]}


def test_moving_responsibility_closes_the_old_assignment_the_day_before(patient, icb, other_icb):
    commissioner_assign(
        actor=Actor.system_job("test"),
        patient=patient,
        organisation=other_icb,
        starts_on=datetime.date(2024, 4, 1),
    )
    first, second = commissioner_history(patient=patient)
    assert (first.organisation, first.ends_on) == (icb, datetime.date(2024, 3, 31))
    assert (second.organisation, second.ends_on) == (other_icb, None)
    assert (
        responsible_commissioner_on(patient=patient, on=datetime.date(2024, 3, 31)).answering == icb
    )
    assert (
        responsible_commissioner_on(patient=patient, on=datetime.date(2024, 4, 1)).answering
        == other_icb
    )


def test_responsibility_cannot_start_before_the_current_one(patient, other_icb):
    with pytest.raises(ValidationError):
        commissioner_assign(
            actor=Actor.system_job("test"),
            patient=patient,
            organisation=other_icb,
            starts_on=datetime.date(2010, 1, 1),
        )


def test_a_gp_practice_cannot_be_made_responsible(patient):
    practice = factories.organisation(kind="gp")
    with pytest.raises(ValidationError) as caught:
        commissioner_assign(
            actor=Actor.system_job("test"),
            patient=patient,
            organisation=practice,
            starts_on=datetime.date(2024, 1, 1),
        )
    assert "not a commissioner" in caught.value.message_dict["commissioner"][0]


def test_a_condition_needs_a_valid_snomed_code_and_is_recorded_once(coordinator, patient):
    actor = Actor(user=coordinator)
    with pytest.raises(ValidationError):
        condition_add(actor=actor, patient=patient, snomed_code="13645006", display="COPD")
    condition_add(actor=actor, patient=patient, snomed_code="13645005", display="COPD")
    with pytest.raises(ValidationError):
        condition_add(actor=actor, patient=patient, snomed_code="13645005", display="COPD")


def test_a_parent_represents_only_a_child_under_16(coordinator, icb):
    adult = factories.patient(commissioner=icb, date_of_birth=datetime.date(1990, 1, 1))
    with pytest.raises(ValidationError) as caught:
        representative_add(
            actor=Actor(user=coordinator),
            patient=adult,
            full_name="Mum",
            relationship="Mother",
            authority="parent",
            starts_on=datetime.date(2024, 1, 1),
        )
    assert "under 16" in caught.value.message_dict["authority"][0]
    child = factories.patient(commissioner=icb, date_of_birth=datetime.date(2015, 1, 1))
    rep = representative_add(
        actor=Actor(user=coordinator),
        patient=child,
        full_name="Mum",
        relationship="Mother",
        authority="parent",
        starts_on=datetime.date(2024, 1, 1),
    )
    assert rep.patient == child


def test_a_carer_is_added_with_a_normalised_postcode(coordinator, patient):
    carer = carer_add(
        actor=Actor(user=coordinator),
        patient=patient,
        full_name="Joe Bloggs",
        relationship="Husband",
        starts_on=datetime.date(2020, 1, 1),
        postcode="ng72uh",
    )
    assert carer.postcode == "NG7 2UH"
    assert AuditEvent.objects.filter(action="patient.carer_added", patient_id=patient.pk).exists()


def test_a_budget_holders_sign_in_is_linked_to_their_record_and_audited(patient):
    from openphb.registry.services import sign_in_link

    holder = factories.user(role="budget_holder")
    sign_in_link(actor=Actor.system_job("test"), record=patient, user=holder)
    patient.refresh_from_db()
    assert patient.account == holder
    assert AuditEvent.objects.filter(
        action="patient.sign_in_linked", patient_id=patient.pk
    ).exists()
    with pytest.raises(ValidationError):
        sign_in_link(
            actor=Actor.system_job("test"), record=patient, user=factories.user(role="carer")
        )
