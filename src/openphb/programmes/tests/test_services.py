"""Setting up programmes and screening: validation, versions and decisions as snapshots."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from tests import factories

from openphb.audit.services import Actor
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import screen_and_identify
from openphb.organisations.services import succession_record
from openphb.programmes import services
from openphb.programmes.models import Decision, RuleSet
from openphb.programmes.selectors import decisions_for_patient, explanation
from openphb.registry.rules import PatientDetails
from openphb.registry.services import patient_update

pytestmark = pytest.mark.django_db
ACTOR = Actor.system_job("test")


def test_a_commissioner_sets_up_a_programme_for_their_own_organisation(commissioner, icb):
    programme = services.programme_create(
        actor=Actor(user=commissioner),
        name="  COPD   pilot ",
        kind="ltc_pilot",
        owner=icb,
        ways_of_holding=["direct_payment"],
        is_pilot=True,
    )
    assert programme.name == "COPD pilot"
    assert programme.ways_display() == [
        "Direct payment (paid to the person or their representative)"
    ]


def test_a_programme_for_another_organisation_is_refused(commissioner, other_icb):
    with pytest.raises(ValidationError) as refused:
        services.programme_create(
            actor=Actor(user=commissioner),
            name="Theirs",
            kind="other",
            owner=other_icb,
            ways_of_holding=["notional"],
        )
    assert "your own organisation" in str(refused.value)


def test_every_mistake_in_a_new_programme_is_reported_at_once(commissioner, icb):
    with pytest.raises(ValidationError) as refused:
        services.programme_create(
            actor=Actor(user=commissioner),
            name="",
            kind="chc",
            owner=icb,
            ways_of_holding=[],
            legal_right=False,
        )
    assert set(refused.value.message_dict) == {"name", "ways_of_holding", "legal_right"}
    assert "legal right" in refused.value.message_dict["legal_right"][0]


def test_a_site_cannot_go_live_after_its_organisation_closed(icb):
    programme = factories.programme(owner=icb)
    pct = factories.organisation(
        kind="pct", opened_on=datetime.date(2002, 4, 1), closed_on=datetime.date(2013, 3, 31)
    )
    with pytest.raises(ValidationError) as refused:
        services.site_add(
            actor=ACTOR,
            programme=programme,
            organisation=pct,
            go_live_on=datetime.date(2014, 1, 1),
            enrolment_target=5,
        )
    assert "closed on 31 March 2013" in refused.value.message_dict["go_live_on"][0]


def test_code_lines_are_read_and_every_bad_line_reported():
    assert services.parse_code_lines("13645005 COPD\n\n44054006, Type 2 diabetes ") == [
        ("13645005", "COPD"),
        ("44054006", "Type 2 diabetes"),
    ]
    with pytest.raises(ValidationError) as refused:
        services.parse_code_lines("13645004 COPD\n44054006\n13645005 a\n13645005 b")
    problems = refused.value.message_dict["condition_codes"]
    assert problems[0].startswith("Line 1:")
    assert problems[1] == "Line 2: write the condition's name after the code 44054006."
    assert problems[2] == "Line 4: the code 13645005 is listed twice."


def test_rules_are_versioned_and_a_version_can_never_change(icb):
    programme = factories.programme(owner=icb)
    second = services.rules_publish(
        actor=ACTOR, programme=programme, condition_codes=[("44054006", "Diabetes")], min_age=40
    )
    assert second.version == 2
    assert list(programme.rule_sets.values_list("version", flat=True)) == [2, 1]
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSet.objects.filter(pk=second.pk).update(min_age=50)


def test_an_age_range_the_wrong_way_round_is_refused(icb):
    programme = factories.programme(owner=icb)
    with pytest.raises(ValidationError) as refused:
        services.rules_publish(
            actor=ACTOR, programme=programme, condition_codes=[], min_age=70, max_age=18
        )
    assert "maximum age" in refused.value.message_dict["max_age"][0]


def test_screening_needs_rules_and_a_site(commissioner, icb):
    programme = services.programme_create(
        actor=Actor(user=commissioner),
        name="Bare",
        kind="other",
        owner=icb,
        ways_of_holding=["notional"],
    )
    with pytest.raises(ValidationError, match="Publish the programme's eligibility rules"):
        services.screen(actor=ACTOR, programme=programme)


def test_screening_records_a_decision_for_everyone_the_sites_cover(icb, other_icb):
    programme = factories.programme(owner=icb)
    with_copd = factories.patient(commissioner=icb)
    factories.condition(with_copd)
    without = factories.patient(commissioner=icb)
    child = factories.patient(commissioner=icb, date_of_birth=datetime.date(2015, 1, 1))
    factories.condition(child)
    elsewhere = factories.patient(commissioner=other_icb)
    factories.condition(elsewhere)

    run = services.screen(actor=ACTOR, programme=programme, on=datetime.date(2026, 11, 1))

    decisions = {d.patient_id: d for d in Decision.objects.filter(run=run)}
    assert set(decisions) == {with_copd.pk, without.pk, child.pk}
    assert decisions[with_copd.pk].eligible
    assert decisions[without.pk].reason_codes == ["no_condition"]
    assert decisions[child.pk].reason_codes == ["too_young"]
    assert (run.screened, run.eligible) == (3, 1)
    site = programme.sites.get()
    assert run.by_site == {str(site.pk): {"screened": 3, "eligible": 1}}


def test_decisions_are_snapshots_that_editing_the_person_does_not_rewrite(icb, commissioner):
    programme = factories.programme(owner=icb)
    person = factories.patient(commissioner=icb, date_of_birth=datetime.date(1950, 1, 1))
    factories.condition(person)
    first = services.screen(actor=ACTOR, programme=programme, on=datetime.date(2026, 11, 1))
    details = PatientDetails.of(person)
    patient_update(
        actor=Actor(user=commissioner),
        patient=person,
        details=PatientDetails(**{**details.as_dict(), "date_of_birth": datetime.date(2012, 1, 1)}),
        registered_practice=None,
    )
    second = services.screen(actor=ACTOR, programme=programme, on=datetime.date(2026, 11, 1))

    old = Decision.objects.get(run=first, patient=person)
    new = Decision.objects.get(run=second, patient=person)
    assert (old.eligible, old.age) == (True, 76)
    assert (new.eligible, new.age) == (False, 14)
    history = decisions_for_patient(patient_id=person.pk)
    assert [d.run_id for d in history] == [second.pk, first.pk]
    assert explanation(history[1]).startswith("Eligible: COPD (SNOMED 13645005), age 76")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=old.pk).update(eligible=False)


def test_a_site_covers_the_people_of_the_organisations_it_took_over(icb):
    ccg = factories.organisation(kind="ccg", closed_on=datetime.date(2022, 6, 30))
    succession_record(
        actor=ACTOR, predecessor=ccg, successor=icb, effective_on=datetime.date(2022, 7, 1)
    )
    programme = factories.programme(owner=icb)
    person = factories.patient(commissioner=ccg)
    factories.condition(person)
    run = services.screen(actor=ACTOR, programme=programme, on=datetime.date(2026, 11, 1))
    assert Decision.objects.get(run=run, patient=person).eligible


def test_checking_one_person_explains_and_records_nothing(icb, other_icb):
    programme = factories.programme(owner=icb)
    person = factories.patient(commissioner=icb, date_of_birth=datetime.date(1959, 5, 1))
    factories.condition(person)
    elsewhere = factories.patient(commissioner=other_icb)
    outcome, text = services.check_person(
        programme=programme, patient=person, on=datetime.date(2026, 11, 1)
    )
    assert outcome.eligible
    assert text == (
        f"Eligible: COPD (SNOMED 13645005), age 67, registered with a site of this programme "
        f"({icb.name})."
    )
    outcome, text = services.check_person(programme=programme, patient=elsewhere)
    assert not outcome.eligible
    assert text.startswith("Not eligible: not the responsibility of any of this programme's sites")
    assert not Decision.objects.exists()


def test_screening_and_identifying_starts_enrolments_only_for_the_newly_eligible(icb):
    programme = factories.programme(owner=icb)
    person = factories.patient(commissioner=icb)
    factories.condition(person)
    run, identified = screen_and_identify(actor=ACTOR, programme=programme)
    assert identified == 1
    enrolment = Enrolment.objects.get()
    assert (enrolment.stage, enrolment.identified_by_run_id) == ("identified", run.pk)
    _, again = screen_and_identify(actor=ACTOR, programme=programme)
    assert again == 0
    assert Enrolment.objects.count() == 1
