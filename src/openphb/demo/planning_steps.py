"""The steps the demo's planning stories are told with, each one service call made as a demo
user would make it (`coordinator`, `clinician`, `clinician2`, `commissioner`, `commissioner2`),
and the people the stories are about."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from openphb.accounts.models import User
from openphb.audit.services import Actor
from openphb.budgets.models import Budget, Holding
from openphb.enrolment.models import Enrolment
from openphb.enrolment.services import enrolment_move, time_record
from openphb.enrolment.stages import Stage
from openphb.funding.models import FundingStream
from openphb.planning import assessing, decisions, services
from openphb.planning.calculations import DEFAULT_DOMAINS, add_months
from openphb.planning.models import (
    Assessment,
    CarePlan,
    CatalogueVersion,
    Decision,
    Outcome,
    PlanItem,
    Provider,
)
from openphb.planning.rules import ITEM_FLAGS_NEEDING_CLINICIAN, DeclineReason, Evidence
from openphb.planning.selectors import plan_summary
from openphb.planning.workflow import Status
from openphb.programmes.models import Programme
from openphb.registry.models import Condition, Patient
from openphb.registry.selectors import circumstances_on, responsible_commissioner_on

from . import money as demo_money

DEMO_COMMISSIONERS = ("DM0D1", "DM0B1")
EPILEPSY = "84757009"
WAITING_FOR_A_PLAN = (Stage.ACCEPTED, Stage.ASSESSED, Stage.INDICATIVE)
# (item id -> decision, coded reason, note, conditions)
Decided = dict[int, tuple[str, str, str, str]]


def levels(**chosen: str) -> dict[str, str]:
    """A level in every care domain: those named, 'none' for the rest."""
    return {code: chosen.get(code, "none") for code, _ in DEFAULT_DOMAINS}


def first_of_next_month(day: datetime.date) -> datetime.date:
    return add_months(day.replace(day=1), 1)


@dataclass
class Planner:
    """Who acts, what plans are made of, and the stories told so far."""

    today: datetime.date
    coordinator: User
    clinician: User
    second_clinician: User
    commissioner: User
    second: User
    streams: dict[str, FundingStream]
    catalogue: dict[tuple[int, str], CatalogueVersion] = field(default_factory=dict)
    providers: dict[tuple[int, str], Provider] = field(default_factory=dict)
    cast: list[tuple[CarePlan, str]] = field(default_factory=list)

    @classmethod
    def start(cls) -> "Planner":
        users = {user.username: user for user in User.objects.filter(username__startswith="c")}
        return cls(
            today=timezone.localdate(),
            coordinator=users["coordinator"],
            clinician=users["clinician"],
            second_clinician=users["clinician2"],
            commissioner=users["commissioner"],
            second=users["commissioner2"],
            streams={stream.code: stream for stream in FundingStream.objects.all()},
        )

    @property
    def as_coordinator(self) -> Actor:
        return Actor(user=self.coordinator)

    @property
    def as_clinician(self) -> Actor:
        return Actor(user=self.clinician)

    def days_ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def walk(self, enrolment: Enrolment, *, accepted_on: datetime.date) -> None:
        """Offer a budget (three weeks before) and record that the person accepted."""
        offered = accepted_on - datetime.timedelta(days=21)
        coordinator = self.as_coordinator
        enrolment_move(
            actor=coordinator,
            enrolment=enrolment,
            to_stage=Stage.OFFERED,
            on=offered,
            offer_method="phone",
        )
        time_record(
            actor=coordinator, enrolment=enrolment, activity="outreach", minutes=40, on=offered
        )
        enrolment_move(
            actor=coordinator, enrolment=enrolment, to_stage=Stage.ACCEPTED, on=accepted_on
        )

    def assess(
        self,
        enrolment: Enrolment,
        needs: dict[str, str],
        *,
        on: datetime.date,
        shared_on: datetime.date | None,
        notes: str = "",
    ) -> Assessment:
        """Assess needs on `on`, and tell the person the indicative budget on `shared_on`."""
        coordinator = self.as_coordinator
        assessment = assessing.assessment_record(
            actor=coordinator, enrolment=enrolment, levels=needs, notes=notes, on=on
        )
        time_record(
            actor=coordinator, enrolment=enrolment, activity="assessment", minutes=120, on=on
        )
        if shared_on is not None:
            assessing.indicative_share(
                actor=coordinator, assessment=assessment, how="in_person", on=shared_on
            )
        return assessment

    def assess_waiting(
        self, enrolment: Enrolment, needs: dict[str, str], *, share: bool
    ) -> Assessment:
        """Assess someone whose journey reached acceptance or further on the day it says they
        were assessed (or ten days after they accepted), and share the amount on the day it
        says they were told (or a week later, if `share`)."""
        accepted = enrolment.accepted_on or enrolment.stage_since
        on = enrolment.assessed_on or min(self.today, accepted + datetime.timedelta(days=10))
        shared = enrolment.indicative_on
        if shared is None and share:
            shared = min(self.today, on + datetime.timedelta(days=7))
        return self.assess(enrolment, needs, on=on, shared_on=shared)

    def plan(
        self, enrolment: Enrolment | None, patient: Patient, starts_on: datetime.date
    ) -> CarePlan:
        return services.plan_start(
            actor=self.as_coordinator,
            patient=patient,
            starts_on=starts_on,
            enrolment=enrolment,
            coordinator=self.coordinator,
        )

    def outcome(self, plan: CarePlan, what_matters: str, goal: str, measure: str = "") -> Outcome:
        return services.outcome_save(
            actor=self.as_coordinator,
            plan=plan,
            what_matters=what_matters,
            goal=goal,
            measure=measure,
        )

    def add(
        self,
        plan: CarePlan,
        code: str,
        *,
        quantity: int = 1,
        frequency: str = "weekly",
        holding: str = Holding.NOTIONAL,
        stream: str = "chc",
        provider: str = "",
        outcome: Outcome | None = None,
        why: str = "",
        unit_price: int | None = None,
        payee: str = "",
        payee_justification: str = "",
    ) -> PlanItem:
        """Add an item from the plan's commissioner's catalogue, at its reference price unless
        given. A direct payment is held notionally for someone who may not have one."""
        version = self.catalogue[(plan.commissioner_id, code)]
        restricted = circumstances_on(patient=plan.patient, on=plan.starts_on).restriction
        if holding == Holding.DIRECT_PAYMENT and restricted:
            holding = Holding.NOTIONAL
        return services.item_add(
            actor=self.as_coordinator,
            plan=plan,
            spec=services.ItemSpec(
                name=version.name,
                category=version.category,
                unit=version.unit,
                quantity=quantity,
                frequency=frequency,
                unit_price=unit_price or version.reference_price,
                holding=holding,
                stream=self.streams[stream],
                catalogue_version=version,
                provider=self.providers[(plan.commissioner_id, provider)] if provider else None,
                outcome=outcome,
                clinical_justification=why,
                payee=payee,
                payee_justification=payee_justification,
            ),
        )

    def item(self, plan: CarePlan, code: str) -> PlanItem:
        return plan.items.get(catalogue_version__item__code=code)

    def justify(self, plan: CarePlan, why: str) -> None:
        """Write why the plan differs from the indicative budget, if the policy asks."""
        if plan_summary(plan=plan).needs_justification:
            services.plan_update(
                actor=self.as_coordinator,
                plan=plan,
                starts_on=plan.starts_on,
                ends_on=plan.ends_on,
                coordinator=self.coordinator,
                difference_justification=why,
            )

    def review_clinically(self, plan: CarePlan, decided: Decided | None = None) -> None:
        """Submit; the clinician decides the items given, and any other whose evidence is weak
        (approved with their reasoning where the policy allows, declined where the evidence
        does not support it), and completes the review."""
        decisions.plan_submit(actor=self.as_coordinator, plan=plan)
        decided = decided or {}
        for item in plan.items.order_by("position", "id"):
            if item.pk in decided:
                decision, reason, note, conditions = decided[item.pk]
            elif not set(item.flag_codes) & ITEM_FLAGS_NEEDING_CLINICIAN:
                continue
            elif item.evidence_rating == Evidence.NOT_SUPPORTED:
                decision, reason, conditions = Decision.DECLINED, DeclineReason.NOT_SUPPORTED, ""
                note = "Clinical guidance does not support it for the person's conditions."
            else:
                decision, reason, conditions = Decision.APPROVED, "", ""
                note = (
                    "Little published evidence for the person's conditions, but it is low-risk "
                    "and meets an outcome in the plan; to be looked at again at the first review."
                )
            decisions.item_decide(
                actor=self.as_clinician,
                item=item,
                decision=decision,
                reason=reason,
                note=note,
                conditions=conditions,
            )
        decisions.clinical_review_complete(actor=self.as_clinician, plan=plan)

    def approve(self, plan: CarePlan, *, both: bool = True) -> CarePlan:
        """`commissioner` approves; where the policy asks for two approvers, `commissioner2`
        approves too (unless `both` is False)."""
        decisions.plan_approve(actor=Actor(user=self.commissioner), plan=plan, note="Agreed.")
        plan.refresh_from_db()
        if both and plan.status == Status.AWAITING_APPROVAL:
            decisions.plan_approve(actor=Actor(user=self.second), plan=plan, note="Agreed too.")
            plan.refresh_from_db()
        return plan

    def pay(self, plan: CarePlan, until: datetime.date) -> None:
        """A quarter of each of the budget's lines at the start of every quarter, to `until`."""
        assert plan.budget_id is not None, "an approved plan has a budget"
        demo_money.pay_quarterly(Budget.objects.get(pk=plan.budget_id), until)

    def progress(self, plan: CarePlan, how: str, note: str) -> dict[int, tuple[str, str]]:
        """The same progress for every outcome, for a review."""
        return {outcome.pk: (how, note) for outcome in plan.outcomes.all()}


class People:
    """Who the stories are about: people in the continuing-healthcare programme with no budget
    and no sign-in, either waiting for a plan (their journey reached acceptance or further) or
    identified and never offered one (their journey is walked on from there)."""

    def __init__(self, programme: Programme, planner: Planner) -> None:
        mine = (
            Enrolment.objects.filter(programme=programme, patient__date_of_death__isnull=True)
            .exclude(patient_id__in=Budget.objects.values_list("patient_id", flat=True))
            .exclude(patient__account__isnull=False)
            .select_related("patient", "programme", "site__organisation")
            .order_by("pk")
        )
        self.planner = planner
        self.waiting = list(mine.filter(stage__in=WAITING_FOR_A_PLAN))
        self.identified = list(mine.filter(stage=Stage.IDENTIFIED))
        epilepsy = set(
            Condition.objects.filter(snomed_code=EPILEPSY).values_list("patient_id", flat=True)
        )
        self.with_epilepsy = [e for e in self.identified if e.patient_id in epilepsy]

    def _take(self, pool: list[Enrolment], since: datetime.date, prefer: str) -> Enrolment | None:
        """The first in the pool at the `prefer` commissioner's site (else at any) whom a
        demo commissioner answers for from `since`."""
        ranked = sorted(pool, key=lambda e: e.site.organisation.ods_code != prefer)
        for enrolment in ranked:
            responsible = responsible_commissioner_on(patient=enrolment.patient, on=since)
            if responsible is not None and responsible.answering.ods_code in DEMO_COMMISSIONERS:
                for other in (self.waiting, self.identified, self.with_epilepsy):
                    if enrolment in other:
                        other.remove(enrolment)
                return enrolment
        return None

    def newly_accepted(
        self, accepted_on: datetime.date, *, prefer: str = "DM0D1", epilepsy: bool = False
    ) -> Enrolment | None:
        """Someone identified, offered a budget and accepting it on `accepted_on`."""
        pool = self.with_epilepsy if epilepsy else self.identified
        enrolment = self._take(pool, accepted_on - datetime.timedelta(days=21), prefer)
        if enrolment is not None:
            self.planner.walk(enrolment, accepted_on=accepted_on)
        return enrolment

    def waiting_for_a_plan(self, *, prefer: str = "DM0D1") -> Enrolment | None:
        """Someone waiting for a plan; someone newly accepted if nobody is."""
        return self._take(self.waiting, self.planner.today, prefer) or self.newly_accepted(
            self.planner.days_ago(40), prefer=prefer
        )

    def remaining(self) -> Iterator[Enrolment]:
        """Those still waiting for a plan when the stories are told."""
        yield from list(self.waiting)
