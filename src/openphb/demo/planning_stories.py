"""One demo person for each state a care plan can be in, told through the services: who they
are, what the plan buys, what the clinician decided and why, and where its reviews stand.

Each story returns without a plan when the world is too small to hold a suitable person.
"""

import datetime
from dataclasses import replace

from django.core.exceptions import ValidationError

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.budgets.models import Budget, Holding
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import enrolment_move, enrolment_start
from openphb.enrolment.stages import Stage
from openphb.planning import decisions, reviews, services
from openphb.planning.models import CarePlan, Decision, PlanItem, Progress, Review
from openphb.planning.rules import DeclineReason
from openphb.planning.selectors import open_review
from openphb.planning.workflow import Status
from openphb.programmes.models import Programme
from openphb.registry.models import Patient
from openphb.registry.selectors import responsible_commissioner_on
from openphb.registry.services import condition_add

from .planning_steps import DEMO_COMMISSIONERS, People, Planner, first_of_next_month, levels
from .programmes import CHC_CODES

PARKINSONS = next(code for code, name in CHC_CODES if name == "Parkinson's disease")

DP, THIRD_PARTY = Holding.DIRECT_PAYMENT, Holding.THIRD_PARTY


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def epilepsy(planner: Planner, people: People) -> None:
    """The issue's journey: hydrotherapy instead of stronger painkillers, a seizure-alert dog,
    and reflexology, which the clinician declines with a reason; the person asks again and a
    second clinical reviewer upholds the decision with reasons."""
    enrolment = people.newly_accepted(planner.days_ago(45), epilepsy=True)
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(
            altered_states="severe",
            drug_therapies="moderate",
            psychological="moderate",
            other="moderate",
            cognition="low",
            mobility="low",
            behaviour="low",
        ),
        on=planner.days_ago(30),
        shared_on=planner.days_ago(25),
        notes="Tonic-clonic seizures most weeks, often without warning; falls during seizures.",
    )
    plan = planner.plan(enrolment, enrolment.patient, planner.today)
    swim = planner.outcome(
        plan,
        "I want to go swimming again without being afraid of having a seizure in the water.",
        "Swim once a week, with support, by the first review.",
        "Sessions attended",
    )
    safe = planner.outcome(
        plan,
        "I want to be safe at home on my own during the day.",
        "Help arrives within five minutes of every seizure.",
        "Seizure diary",
    )
    planner.add(plan, "personal-assistant", quantity=20, holding=DP, outcome=safe)
    hydro = planner.add(
        plan,
        "hydrotherapy",
        provider="hydrotherapy",
        outcome=swim,
        why="Warm-water exercise eases back pain, so the stronger painkillers that cause "
        "drowsiness can be cut down.",
    )
    planner.add(plan, "seizure-alert-dog", frequency="once", provider="dogs", outcome=safe)
    planner.add(plan, "seizure-monitor", frequency="once", holding=DP, outcome=safe)
    reflexology = planner.add(
        plan,
        "reflexology",
        frequency="fortnightly",
        holding=DP,
        why="The person finds it calming and believes it makes seizures less frequent.",
    )
    planner.justify(plan, "The seizure-alert dog is a one-off cost in the first year.")
    planner.review_clinically(
        plan,
        {
            hydro.pk: (
                Decision.APPROVED_WITH_CONDITIONS,
                "",
                "A reasonable alternative to stronger painkillers.",
                "A trained member of staff or the personal assistant stays in the pool with "
                "the person at all times.",
            ),
            reflexology.pk: (
                Decision.DECLINED,
                DeclineReason.NOT_SUPPORTED,
                "Reviews of randomised trials find no convincing evidence that reflexology "
                "helps any condition, epilepsy included; the dog and the monitor meet the same "
                "outcome.",
                "",
            ),
        },
    )
    plan = planner.approve(plan)
    planner.pay(plan, planner.today)
    asked = reviews.reconsideration_request(
        actor=planner.as_coordinator,
        plan=plan,
        item=PlanItem.objects.get(pk=reflexology.pk),
        grounds="Reflexology is the only thing that helps me sleep after a seizure.",
    )
    reviews.reconsideration_decide(
        actor=Actor(user=planner.second_clinician),
        reconsideration=asked,
        verdict="upheld",
        reasons="The evidence has not changed. The coordinator will ask the epilepsy team "
        "about help with sleep after seizures at the first review.",
    )
    planner.cast.append(
        (
            plan,
            "epilepsy: hydrotherapy (with conditions), a seizure-alert dog and a bed monitor; "
            "reflexology declined, reconsidered and the decision upheld",
        )
    )


def ended(planner: Planner, people: People) -> None:
    """Eight months of care at home, reviewed at three months; then a stroke, a review asked
    for, and the plan ended there: the person moved into a care home with nursing."""
    starts = planner.days_ago(240)
    enrolment = people.newly_accepted(starts - days(45), prefer="DM0B1")
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(
            mobility="high",
            continence="moderate",
            nutrition="moderate",
            cognition="moderate",
            communication="low",
            skin="low",
        ),
        on=starts - days(30),
        shared_on=starts - days(21),
    )
    plan = planner.plan(enrolment, enrolment.patient, starts)
    home = planner.outcome(
        plan,
        "I want to stay in my own home for as long as I can.",
        "No unplanned hospital admissions this year.",
    )
    planner.add(plan, "home-care-agency", quantity=14, provider="home-care", outcome=home)
    planner.add(plan, "day-centre", quantity=2, provider="day-centre", outcome=home)
    planner.add(plan, "taxi", quantity=2, outcome=home)
    planner.justify(plan, "The agency hours replace help from family that has stopped.")
    planner.review_clinically(plan)
    plan = planner.approve(plan)
    end = planner.days_ago(30)
    planner.pay(plan, end - days(1))
    first = open_review(plan=plan)
    assert first is not None
    reviews.review_complete(
        actor=planner.as_coordinator,
        review=first,
        result=Review.Result.CONTINUE,
        summary="Settled with the agency, and enjoys the day centre.",
        progress=planner.progress(plan, Progress.PROGRESSING, "No admissions so far."),
        on=first.due_on,
    )
    asked = reviews.review_request(
        actor=planner.as_coordinator,
        plan=plan,
        reason="Admitted to hospital after a stroke; now needs nursing care day and night.",
        on=end - days(5),
    )
    reviews.review_complete(
        actor=planner.as_coordinator,
        review=asked,
        result=Review.Result.END,
        summary="Moving permanently into a care home with nursing, which is arranged directly.",
        progress=planner.progress(plan, Progress.WORSE, "Admitted after a stroke."),
        on=end,
    )
    enrolment_move(
        actor=planner.as_coordinator,
        enrolment=enrolment,
        to_stage=Stage.ENDED,
        on=planner.today,
        reason="needs_changed",
        note="Moved into a care home with nursing after a stroke.",
    )
    planner.cast.append((plan, "ended at a review after a stroke; what was left went back"))


def revised(planner: Planner, people: People) -> None:
    """Reviewed at three months after a fall: more personal assistant hours and a
    riser-recliner chair. Version 1 is kept, revised; version 2 is active."""
    starts = planner.days_ago(200)
    enrolment = people.newly_accepted(starts - days(50))
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(
            mobility="high",
            communication="moderate",
            psychological="moderate",
            continence="moderate",
            drug_therapies="moderate",
            skin="low",
        ),
        on=starts - days(35),
        shared_on=starts - days(28),
    )
    plan = planner.plan(enrolment, enrolment.patient, starts)
    move = planner.outcome(
        plan,
        "I want to get out of bed and into my chair every day.",
        "Up and dressed by 10am at least five days a week.",
    )
    planner.add(plan, "personal-assistant", quantity=20, holding=DP, outcome=move)
    planner.add(
        plan,
        "physiotherapy",
        provider="physiotherapy",
        outcome=move,
        why="Keeps standing transfers safe.",
    )
    planner.add(plan, "payroll", frequency="monthly", holding=DP)
    planner.justify(plan, "A family member helps in the evenings and at weekends.")
    planner.review_clinically(plan)
    plan = planner.approve(plan)
    first = open_review(plan=plan)
    assert first is not None
    reviews.review_complete(
        actor=planner.as_coordinator,
        review=first,
        result=Review.Result.REVISE,
        summary="After a fall in the spring, every transfer takes two people, and a chair that "
        "helps with standing would keep the person safe.",
        progress=planner.progress(plan, Progress.WORSE, "Up most days, but only with two."),
        on=first.due_on + days(5),
    )
    revision = CarePlan.objects.get(first_id=plan.first_id, status=Status.DRAFT)
    assistant = planner.item(revision, "personal-assistant")
    services.item_change(
        actor=planner.as_coordinator,
        item=assistant,
        spec=replace(services.spec_of(assistant), quantity=30),
    )
    planner.add(revision, "riser-recliner", frequency="once", holding=DP, outcome=assistant.outcome)
    planner.justify(revision, "Two people for every transfer since the fall.")
    planner.review_clinically(revision)
    revision = planner.approve(revision)
    planner.pay(revision, planner.today)
    planner.cast.append((plan, "version 1, replaced after its first review"))
    planner.cast.append((revision, "version 2: more personal assistant hours and a chair"))


def review_overdue(planner: Planner, people: People) -> None:
    """A large package, so two commissioners approved it; its first review is two months
    overdue."""
    starts = planner.days_ago(150)
    enrolment = people.newly_accepted(starts - days(40), prefer="DM0B1")
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(
            behaviour="severe",
            cognition="high",
            mobility="high",
            continence="moderate",
            nutrition="moderate",
            communication="moderate",
            psychological="moderate",
            drug_therapies="low",
        ),
        on=starts - days(25),
        shared_on=starts - days(20),
    )
    plan = planner.plan(enrolment, enrolment.patient, starts)
    calm = planner.outcome(
        plan,
        "Familiar people around me, so I feel calm in my own home.",
        "The same small team of personal assistants every week.",
    )
    planner.add(plan, "personal-assistant", quantity=45, holding=DP, outcome=calm)
    planner.add(plan, "respite-week", quantity=2, frequency="yearly", provider="respite")
    planner.add(plan, "day-centre", quantity=2, provider="day-centre", outcome=calm)
    planner.add(plan, "taxi", quantity=2)
    planner.add(plan, "payroll", frequency="monthly", holding=DP)
    planner.justify(plan, "Behaviour that challenges needs two-to-one support at times.")
    planner.review_clinically(plan)
    plan = planner.approve(plan)
    planner.pay(plan, planner.today)
    planner.cast.append((plan, "approved by two commissioners; its first review is overdue"))


def review_requested(planner: Planner, people: People) -> None:
    """Reviewed on time at three months; then two falls in a fortnight, and a review asked
    for that has not been held."""
    starts = planner.days_ago(130)
    enrolment = people.newly_accepted(starts - days(40))
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(mobility="high", cognition="moderate", continence="moderate", skin="moderate"),
        on=starts - days(25),
        shared_on=starts - days(18),
    )
    plan = planner.plan(enrolment, enrolment.patient, starts)
    out = planner.outcome(
        plan,
        "I want to keep going to my place of worship at the weekend.",
        "There at least three weekends a month.",
    )
    planner.add(plan, "home-care-agency", quantity=12, provider="home-care")
    planner.add(plan, "sitting-service", quantity=4, outcome=out)
    planner.add(plan, "taxi", outcome=out)
    planner.justify(plan, "Family drive them to most appointments.")
    planner.review_clinically(plan)
    plan = planner.approve(plan)
    planner.pay(plan, planner.today)
    first = open_review(plan=plan)
    assert first is not None
    reviews.review_complete(
        actor=planner.as_coordinator,
        review=first,
        result=Review.Result.CONTINUE,
        summary="Going well; the sitting service gives the family carer their weekends.",
        progress=planner.progress(plan, Progress.ACHIEVED, "Out most weekends."),
        on=first.due_on + days(2),
    )
    reviews.review_request(
        actor=planner.as_coordinator,
        plan=plan,
        reason="Two falls at home in a fortnight; more help in the mornings may be needed.",
        on=planner.days_ago(12),
    )
    planner.cast.append((plan, "a review asked for after two falls, not yet held"))


def review_due_soon(planner: Planner, people: People) -> None:
    """Ten weeks in; the first review falls due in the next few weeks."""
    starts = planner.days_ago(75)
    enrolment = people.newly_accepted(starts - days(35))
    if enrolment is None:
        return
    planner.assess(
        enrolment,
        levels(communication="high", nutrition="moderate", mobility="moderate", skin="low"),
        on=starts - days(20),
        shared_on=starts - days(14),
    )
    plan = planner.plan(enrolment, enrolment.patient, starts)
    talk = planner.outcome(
        plan,
        "I want to keep talking with my family on the phone.",
        "A ten-minute phone call each week that both sides follow.",
    )
    planner.add(plan, "home-care-agency", quantity=10, provider="home-care")
    planner.add(
        plan,
        "speech-therapy",
        frequency="fortnightly",
        provider="physiotherapy",
        outcome=talk,
        why="Speech has become harder to follow since the spring.",
    )
    planner.add(plan, "managed-account", frequency="monthly", holding=THIRD_PARTY)
    planner.justify(plan, "Fewer hours for now: a relative is staying and helps every day.")
    planner.review_clinically(plan)
    plan = planner.approve(plan)
    planner.pay(plan, planner.today)
    planner.cast.append((plan, "its first review is due within the month"))


def awaiting_second_approval(planner: Planner, people: People) -> None:
    """Above the policy's amount: `commissioner` has approved; `commissioner2` has not yet. The
    agency's rate is above the catalogue's cap, and flagged."""
    enrolment = people.waiting_for_a_plan(prefer="DM0B1")
    if enrolment is None:
        return
    planner.assess_waiting(
        enrolment,
        levels(
            cognition="severe",
            behaviour="high",
            mobility="high",
            continence="moderate",
            nutrition="moderate",
            communication="moderate",
            psychological="moderate",
            drug_therapies="low",
            skin="low",
        ),
        share=True,
    )
    plan = planner.plan(enrolment, enrolment.patient, first_of_next_month(planner.today))
    home = planner.outcome(
        plan,
        "I want to stay at home with my family.",
        "Still living at home at the annual review.",
    )
    planner.add(plan, "personal-assistant", quantity=35, holding=DP, outcome=home)
    planner.add(
        plan,
        "home-care-agency",
        quantity=14,
        provider="home-care",
        outcome=home,
        unit_price=3_400,  # above the cap of £32.00: flagged
    )
    planner.add(plan, "payroll", frequency="monthly", holding=DP)
    planner.justify(plan, "Two carers at night while the family carer recovers from surgery.")
    planner.review_clinically(plan)
    plan = planner.approve(plan, both=False)
    planner.cast.append((plan, "one approval given; a second commissioner must approve"))


def in_clinical_review(planner: Planner, people: People) -> None:
    """Submitted with aromatherapy, which the evidence does not support: the clinician has yet
    to decide. The personal assistant is a close relative, with the reason recorded."""
    enrolment = people.waiting_for_a_plan()
    if enrolment is None:
        return
    planner.assess_waiting(
        enrolment,
        levels(cognition="high", behaviour="moderate", psychological="moderate", mobility="low"),
        share=True,
    )
    plan = planner.plan(enrolment, enrolment.patient, first_of_next_month(planner.today))
    evenings = planner.outcome(
        plan,
        "Calm evenings at home, without being frightened.",
        "Fewer than two distressed evenings a week.",
        "Family's diary",
    )
    planner.add(
        plan,
        "personal-assistant",
        quantity=15,
        holding=DP,
        outcome=evenings,
        payee="close_family",
        payee_justification="A daughter who lives nearby, not in the same household, is the "
        "only person they accept personal care from in the evenings.",
    )
    planner.add(plan, "day-centre", quantity=2, provider="day-centre")
    planner.add(
        plan,
        "aromatherapy",
        frequency="fortnightly",
        outcome=evenings,
        why="The family say a hand massage with lavender oil settles them on the worst evenings.",
    )
    planner.justify(plan, "Family cover most evenings unpaid.")
    decisions.plan_submit(actor=planner.as_coordinator, plan=plan)
    planner.cast.append((plan, "aromatherapy flagged, waiting for the clinician's decision"))


def draft(planner: Planner, people: People) -> None:
    """Being written: hypnotherapy is flagged, and its clinical justification is still to
    come."""
    enrolment = people.waiting_for_a_plan(prefer="DM0B1")
    if enrolment is None:
        return
    planner.assess_waiting(
        enrolment,
        levels(mobility="high", psychological="moderate", continence="low", skin="low"),
        share=False,
    )
    plan = planner.plan(enrolment, enrolment.patient, first_of_next_month(planner.today))
    walk = planner.outcome(
        plan,
        "I want to walk to the shops at the end of my road.",
        "Walk 200 metres with a stick by the first review.",
    )
    planner.add(plan, "personal-assistant", quantity=10, holding=DP, outcome=walk)
    planner.add(
        plan,
        "physiotherapy",
        provider="physiotherapy",
        outcome=walk,
        why="To build up strength in the legs.",
    )
    planner.add(plan, "hypnotherapy", frequency="fortnightly")
    planner.cast.append((plan, "hypnotherapy flagged; its justification is still to write"))


def withdrawn(planner: Planner, people: People) -> None:
    enrolment = people.waiting_for_a_plan()
    if enrolment is None:
        return
    planner.assess_waiting(enrolment, levels(mobility="moderate", nutrition="low"), share=True)
    plan = planner.plan(enrolment, enrolment.patient, first_of_next_month(planner.today))
    planner.outcome(plan, "Getting out of the house twice a week.", "Two trips out a week.")
    planner.add(plan, "day-centre", quantity=2, provider="day-centre")
    planner.add(plan, "taxi", quantity=2)
    decisions.plan_withdraw(
        actor=planner.as_coordinator,
        plan=plan,
        reason="The person has decided to keep the care the council arranges for now, and may "
        "ask again after a hospital appointment.",
    )
    planner.cast.append((plan, "withdrawn at the person's request"))


STORIES = [
    epilepsy,
    ended,
    revised,
    review_overdue,
    review_requested,
    review_due_soon,
    awaiting_second_approval,
    in_clinical_review,
    draft,
    withdrawn,
]


def holder(planner: Planner, programme: Programme | None) -> None:
    """The demo `holder`'s own plan, approved today, which funds the budget they see. Their
    needs are assessed first and the indicative budget shared with them, so the plan is built
    against it. Reiki is declined with its reason, and they have asked for it to be
    reconsidered. (A world built before demo planning gave them a budget directly; they keep
    that one, and get no plan.)"""
    patient = Patient.objects.filter(account__username="holder").first()
    if patient is None or Budget.objects.filter(patient=patient).exists():
        return
    responsible = responsible_commissioner_on(patient=patient, on=planner.today)
    if responsible is None or responsible.answering.ods_code not in DEMO_COMMISSIONERS:
        return
    enrolment = _holder_assessed(planner, programme, patient) if programme else None
    plan = planner.plan(enrolment, patient, planner.today)
    independent = planner.outcome(
        plan,
        "I want to keep my flat and manage day to day on my own.",
        "Still living independently at the annual review, with help three days a week.",
    )
    fitter = planner.outcome(
        plan,
        "I want to get fitter and feel less tired.",
        "Go to the gym twice a week by the first review.",
        "Gym visits",
    )
    planner.add(plan, "personal-assistant", quantity=12, holding=DP, outcome=independent)
    planner.add(plan, "gym", frequency="monthly", holding=DP, outcome=fitter)
    if responsible.answering.ods_code == "DM0D1" and "havering-social-care" in planner.streams:
        planner.add(
            plan,
            "home-care-agency",
            quantity=5,
            holding=DP,
            stream="havering-social-care",
            outcome=independent,
        )
    planner.add(plan, "payroll", frequency="monthly", holding=DP)
    planner.justify(plan, "Help from the council at home counts towards the plan as well.")
    reiki = planner.add(
        plan,
        "reiki",
        frequency="fortnightly",
        holding=DP,
        outcome=fitter,
        why="They say it helps them relax and sleep.",
    )
    planner.review_clinically(
        plan,
        {
            reiki.pk: (
                Decision.DECLINED,
                DeclineReason.NO_EVIDENCE,
                "There is no good evidence that Reiki helps with sleep or anxiety. The gym "
                "membership in the plan is for the same outcome; ask your coordinator about "
                "talking therapies if sleep is still a problem.",
                "",
            )
        },
    )
    plan = planner.approve(plan)
    planner.pay(plan, planner.today)
    reviews.reconsideration_request(
        actor=Actor(user=User.objects.get(username="holder")),
        plan=plan,
        item=PlanItem.objects.get(pk=reiki.pk),
        grounds="Reiki is the only thing that has helped me sleep. I would pay for half of it.",
    )
    planner.cast.append((plan, "the demo holder's own plan: Reiki declined; reconsideration open"))


def _holder_assessed(planner: Planner, programme: Programme, patient: Patient) -> Enrolment | None:
    """The holder referred to the continuing-healthcare programme today, offered a budget and
    accepting it, their needs assessed and the indicative budget shared with them in person.
    The demo holder is whoever is the world's first adult in scope, so when their record has
    no condition the programme covers, the Parkinson's disease they are referred for is
    recorded first. None if they still cannot be enrolled (the plan is then made without)."""
    coordinator = planner.as_coordinator
    enrolment = (
        Enrolment.objects.filter(programme=programme, patient=patient)
        .exclude(stage=Stage.ENDED)
        .first()
    )
    if enrolment is None:
        covered = [code for code, _ in CHC_CODES]
        if not patient.conditions.filter(snomed_code__in=covered).exists():
            condition_add(
                actor=coordinator,
                patient=patient,
                snomed_code=PARKINSONS,
                display="Parkinson's disease",
                onset_date=max(patient.date_of_birth, planner.days_ago(3 * 365)),
            )
        try:
            enrolment = enrolment_start(actor=coordinator, programme=programme, patient=patient)
        except ValidationError:
            return None
    if enrolment.stage == Stage.IDENTIFIED:
        enrolment_move(
            actor=coordinator,
            enrolment=enrolment,
            to_stage=Stage.OFFERED,
            on=planner.today,
            offer_method="in_person",
        )
        enrolment.refresh_from_db()
    if enrolment.stage == Stage.OFFERED:
        enrolment_move(
            actor=coordinator, enrolment=enrolment, to_stage=Stage.ACCEPTED, on=planner.today
        )
        enrolment.refresh_from_db()
    if enrolment.stage not in (Stage.ACCEPTED, Stage.ASSESSED, Stage.INDICATIVE):
        return None
    planner.assess(
        enrolment,
        levels(
            mobility="moderate",
            drug_therapies="moderate",
            psychological="moderate",
            cognition="low",
            nutrition="low",
            continence="low",
        ),
        on=planner.today,
        shared_on=planner.today,
        notes="Tired most days and slower on their feet; medicines must be taken on time.",
    )
    enrolment.refresh_from_db()
    return enrolment
