"""Needs assessment pages over HTTP: a coordinator assesses a person's needs from their enrolment,
sees the indicative budget with its explanation, and records that the person was told it. Who
may do what, bad input explained and kept, and other organisations' people not found."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories

from openphb.audit.models import AuditEvent
from openphb.audit.services import Actor
from openphb.enrolment import services as enrolment_services
from openphb.planning import assessing
from openphb.planning.calculations import DEFAULT_DOMAINS
from openphb.planning.models import Assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def elsewhere_coordinator(other_icb):
    return factories.user(username="elsewhere", role="care_coordinator", organisations=(other_icb,))


levels = factories.levels


def level_fields(**chosen: str) -> dict[str, str]:
    return {f"level-{code}": level for code, level in levels(**chosen).items()}


def date_fields(name: str, day: datetime.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


@pytest.fixture
def assessment(enrolment, coordinator):
    return assessing.assessment_record(
        actor=Actor(user=coordinator),
        enrolment=enrolment,
        levels=levels(altered_states="severe", psychological="moderate", mobility="low"),
    )


def test_the_form_asks_for_a_level_in_each_care_domain(client, coordinator, enrolment):
    client.force_login(coordinator)
    body = client.get(reverse("web:assessment-add", args=[enrolment.pk])).content.decode()
    assert body.count("<fieldset") >= len(DEFAULT_DOMAINS)
    for _, label in DEFAULT_DOMAINS:
        assert label in body
    assert 'value="priority"' in body


def test_a_coordinator_assesses_needs_and_sees_the_indicative_budget_explained(
    client, coordinator, enrolment
):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:assessment-add", args=[enrolment.pk]),
        {
            **level_fields(altered_states="severe", psychological="moderate", mobility="low"),
            **date_fields("on", timezone.localdate()),
            "notes": "Sam and his mother took part.",
        },
    )
    assessment = Assessment.objects.get(enrolment=enrolment)
    assert response["Location"] == reverse("web:assessment", args=[assessment.pk])
    # 10 + 3 + 1 points at £500 = £7,000; rounded to £10, above the £1,000 floor.
    assert assessment.indicative_amount == 700_000
    enrolment.refresh_from_db()
    assert enrolment.stage == "assessed"
    body = client.get(response["Location"]).content.decode()
    assert "£7,000.00" in body
    assert "Altered states of consciousness: severe needs, 10 points." in body
    assert "14 points at £500.00 a point come to £7,000.00 a year." in body
    assert "Indicative budget: £7,000.00 a year." in body
    assert "Sam and his mother took part." in body
    assert "Record that the indicative budget was shared" in body


def test_a_missing_level_is_named_and_the_levels_chosen_are_kept(client, coordinator, enrolment):
    client.force_login(coordinator)
    fields = level_fields(mobility="high")
    del fields["level-breathing"]
    response = client.post(
        reverse("web:assessment-add", args=[enrolment.pk]),
        {**fields, **date_fields("on", timezone.localdate()), "notes": "Seen at home."},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Breathing: choose a level." in body
    assert 'href="#level-breathing"' in body
    assert 'value="high" checked' in body
    assert "Seen at home." in body
    assert not Assessment.objects.exists()


def test_the_assessment_and_sharing_dates_are_not_explained_with_a_date_of_birth(
    client, coordinator, enrolment, assessment
):
    client.force_login(coordinator)
    for url in (
        reverse("web:assessment-add", args=[enrolment.pk]),
        reverse("web:assessment", args=[assessment.pk]),
    ):
        body = client.get(url).content.decode()
        assert "in numbers." in body
        assert "15 3 1984" not in body


def test_notes_too_long_are_explained_in_words_and_kept(client, coordinator, enrolment):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:assessment-add", args=[enrolment.pk]),
        {
            **level_fields(mobility="high"),
            **date_fields("on", timezone.localdate()),
            "notes": "n" * 4_001,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Notes must be 4,000 characters or fewer." in body
    assert "Ensure this value" not in body
    assert "n" * 4_001 in body
    assert 'value="high" checked' in body
    assert not Assessment.objects.exists()


def test_an_assessment_cannot_be_dated_in_the_future(client, coordinator, enrolment):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:assessment-add", args=[enrolment.pk]),
        {**level_fields(), **date_fields("on", timezone.localdate() + datetime.timedelta(days=2))},
    )
    assert response.status_code == 400
    assert "The assessment date cannot be in the future." in response.content.decode()
    assert 'href="#on-day"' in response.content.decode()
    assert not Assessment.objects.exists()


def test_needs_are_assessed_only_once_the_person_has_accepted(client, coordinator, scene, person):
    offered = enrolment_services.enrolment_start(
        actor=Actor.system_job("test"), programme=scene.programme, patient=person
    )
    enrolment_services.enrolment_move(
        actor=Actor.system_job("test"),
        enrolment=offered,
        to_stage="offered",
        on=timezone.localdate(),
        offer_method="letter",
    )
    client.force_login(coordinator)
    url = reverse("web:assessment-add", args=[offered.pk])
    shown = client.get(url)
    body = shown.content.decode()
    assert shown.status_code == 200
    assert "Sam is at 'Offered': needs are assessed once the person has accepted the offer." in (
        body.replace("&#39;", "'")
    )
    assert "<fieldset" not in body  # said before the 12 domains are filled in, not after
    assert reverse("web:enrolment-detail", args=[offered.pk]) in body
    response = client.post(url, {**level_fields(), **date_fields("on", timezone.localdate())})
    assert response.status_code == 400
    assert "needs are assessed once the person has accepted the offer" in (
        response.content.decode()
    )
    assert not Assessment.objects.exists()
    enrolment_page = client.get(reverse("web:enrolment-detail", args=[offered.pk]))
    assert url not in enrolment_page.content.decode()


def test_a_programme_without_a_scheme_says_so_instead_of_asking(client, coordinator, icb, person):
    programme = factories.programme(owner=icb, codes=(factories.EPILEPSY,))
    enrolment = factories.accepted_enrolment(programme=programme, patient=person)
    client.force_login(coordinator)
    body = client.get(reverse("web:assessment-add", args=[enrolment.pk])).content.decode()
    assert "Needs cannot be assessed yet" in body
    assert "<fieldset" not in body


def test_only_care_coordinators_assess_needs(client, commissioner, enrolment):
    client.force_login(commissioner)
    url = reverse("web:assessment-add", args=[enrolment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, level_fields()).status_code == 403
    assert not Assessment.objects.exists()


def test_another_organisations_enrolment_is_not_found(client, elsewhere_coordinator, enrolment):
    client.force_login(elsewhere_coordinator)
    url = reverse("web:assessment-add", args=[enrolment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, level_fields()).status_code == 404


def test_sharing_the_indicative_budget_is_recorded_and_moves_the_enrolment_on(
    client, coordinator, assessment, enrolment
):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:assessment-share", args=[assessment.pk]),
        {"how": "phone", **date_fields("on", timezone.localdate())},
    )
    assert response["Location"] == reverse("web:assessment", args=[assessment.pk]) + "?shared=1"
    assessment.refresh_from_db()
    assert (assessment.shared_on, assessment.shared_how) == (timezone.localdate(), "phone")
    enrolment.refresh_from_db()
    assert enrolment.stage == "indicative"
    body = client.get(response["Location"]).content.decode()
    assert "has been told their indicative budget" in body
    assert "By phone" in body
    assert "Record that the indicative budget was shared" not in body


def test_once_the_budget_is_shared_the_next_step_is_planning(
    client, coordinator, commissioner, assessment, enrolment
):
    assessing.indicative_share(actor=Actor(user=coordinator), assessment=assessment, how="phone")
    start = reverse("web:plan-start", args=[enrolment.pk])
    client.force_login(coordinator)
    assert start in client.get(reverse("web:assessment", args=[assessment.pk])).content.decode()
    client.force_login(commissioner)  # reads it, but does not plan care
    assert start not in client.get(reverse("web:assessment", args=[assessment.pk])).content.decode()


def test_sharing_needs_to_say_how_and_keeps_the_date(client, coordinator, assessment):
    client.force_login(coordinator)
    day = timezone.localdate()
    response = client.post(
        reverse("web:assessment-share", args=[assessment.pk]),
        {"on-day": str(day.day), "on-month": str(day.month), "on-year": "20"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Say how the person was told." in body
    assert "must have 4 numbers" in body
    assert 'value="20"' in body
    assessment.refresh_from_db()
    assert assessment.shared_on is None


def test_a_commissioner_reads_an_assessment_but_does_not_record_sharing(
    client, commissioner, assessment
):
    client.force_login(commissioner)
    body = client.get(reverse("web:assessment", args=[assessment.pk])).content.decode()
    assert "£7,000.00" in body
    assert "Record that the indicative budget was shared" not in body
    response = client.post(
        reverse("web:assessment-share", args=[assessment.pk]),
        {"how": "phone", **date_fields("on", timezone.localdate())},
    )
    assert response.status_code == 403


def test_another_organisations_assessment_is_not_found(client, elsewhere_coordinator, assessment):
    client.force_login(elsewhere_coordinator)
    assert client.get(reverse("web:assessment", args=[assessment.pk])).status_code == 404
    response = client.post(
        reverse("web:assessment-share", args=[assessment.pk]),
        {"how": "phone", **date_fields("on", timezone.localdate())},
    )
    assert response.status_code == 404
    assessment.refresh_from_db()
    assert assessment.shared_on is None


def test_people_who_do_not_see_plans_are_refused_an_assessment(client, analyst, assessment):
    client.force_login(analyst)
    assert client.get(reverse("web:assessment", args=[assessment.pk])).status_code == 403


def test_opening_an_assessment_is_audited(client, coordinator, assessment):
    client.force_login(coordinator)
    client.get(reverse("web:assessment", args=[assessment.pk]))
    event = AuditEvent.objects.get(action="assessment.viewed")
    assert event.patient_id == assessment.patient_id


def test_a_newer_assessment_replaces_an_older_one_which_can_no_longer_be_shared(
    client, coordinator, assessment, enrolment
):
    newer = assessing.assessment_record(
        actor=Actor(user=coordinator), enrolment=enrolment, levels=levels(mobility="high")
    )
    client.force_login(coordinator)
    body = client.get(reverse("web:assessment", args=[assessment.pk])).content.decode()
    assert "A newer assessment replaces this one" in body
    assert reverse("web:assessment", args=[newer.pk]) in body
    assert "Record that the indicative budget was shared" not in body


def test_the_enrolment_page_offers_to_assess_needs_then_links_to_the_assessment(
    client, coordinator, enrolment
):
    client.force_login(coordinator)
    body = client.get(reverse("web:enrolment-detail", args=[enrolment.pk])).content.decode()
    assert "needs have not been assessed yet" in body
    assert reverse("web:assessment-add", args=[enrolment.pk]) in body
    assessment = assessing.assessment_record(
        actor=Actor(user=coordinator), enrolment=enrolment, levels=levels(mobility="high")
    )
    body = client.get(reverse("web:enrolment-detail", args=[enrolment.pk])).content.decode()
    assert reverse("web:assessment", args=[assessment.pk]) in body
    assert "not yet shared with Sam" in body
    assert "Assess needs again" in body


def test_the_person_page_lists_their_assessments(client, coordinator, assessment, person):
    client.force_login(coordinator)
    body = client.get(reverse("web:patient-detail", args=[person.pk])).content.decode()
    assert "Assessments" in body
    assert reverse("web:assessment", args=[assessment.pk]) in body
    assert "£7,000.00 a year" in body


def test_a_budget_holder_reads_their_own_assessment_and_nobody_elses(
    client, assessment, person, icb
):
    holder = factories.user(username="sam", role="budget_holder")
    person.account = holder
    person.save(update_fields=["account"])
    client.force_login(holder)
    body = client.get(reverse("web:assessment", args=[assessment.pk])).content.decode()
    assert "£7,000.00" in body
    assert "Record that the indicative budget was shared" not in body
    someone = factories.patient(commissioner=icb)
    factories.condition(someone, *factories.EPILEPSY)
    other = factories.accepted_enrolment(programme=assessment.programme, patient=someone)
    theirs = assessing.assessment_record(
        actor=Actor.system_job("test"), enrolment=other, levels=levels()
    )
    assert client.get(reverse("web:assessment", args=[theirs.pk])).status_code == 404
