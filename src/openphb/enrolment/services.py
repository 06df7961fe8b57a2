"""Moving people through the enrolment journey and recording staff time.

Every move is checked against the one table in `stages`, written as an immutable `Move` with
who and when, mirrored onto the enrolment's stage dates and audited, in one transaction.
"""

import datetime
from collections import Counter
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.audit.services import Actor, audit_record
from openphb.core.db import insert_rows
from openphb.programmes import services as programme_services
from openphb.programmes.models import Programme, ScreeningRun, WayOfHolding
from openphb.programmes.selectors import eligible_in_run, site_for_organisations
from openphb.registry.models import Patient
from openphb.registry.selectors import circumstances_on

from . import stages, tally
from .models import Activity, Enrolment, Move, TimeEntry
from .stages import DeclineReason, EndReason, OfferMethod, Stage

# The date each stage was first reached is kept on the enrolment for counting.
FIRST_REACHED = {
    Stage.OFFERED: "offered_on",
    Stage.ACCEPTED: "accepted_on",
    Stage.DECLINED: "declined_on",
    Stage.ASSESSED: "assessed_on",
    Stage.INDICATIVE: "indicative_on",
    Stage.PLAN_AGREED: "plan_agreed_on",
    Stage.LIVE: "live_on",
    Stage.ENDED: "ended_on",
}
MAX_MINUTES = 720


@transaction.atomic
def identify_from_run(*, actor: Actor, run: ScreeningRun) -> int:
    """Start an enrolment, at 'identified', for everyone the run found eligible who has no open
    enrolment in the programme. Returns how many were newly identified."""
    programme = run.programme
    already = set(
        Enrolment.objects.filter(programme=programme)
        .exclude(stage=Stage.ENDED)
        .values_list("patient_id", flat=True)
        .iterator(chunk_size=20_000)
    )
    on = run.screened_on
    per_site: Counter[int] = Counter()

    def rows() -> Iterator[tuple[object, ...]]:
        for patient_id, site_id in eligible_in_run(run=run):
            if patient_id not in already:
                per_site[site_id] += 1
                yield (programme.pk, site_id, patient_id, Stage.IDENTIFIED, on, on, run.pk, *blank)

    blank = ("", "", "", "", "")
    columns = (
        "programme",
        "site",
        "patient",
        "stage",
        "stage_since",
        "identified_on",
        "identified_by_run",
        "offer_method",
        "decline_reason",
        "end_reason",
        "way_of_holding",
        "next_action",
    )
    identified = _insert_enrolments(columns, rows())
    # Everyone identified here contributes the same: identified this month, at 'identified'.
    delta: tally.Delta = Counter()
    for site_id, n in per_site.items():
        for key in tally.contributions(tally.Journey(site_id, Stage.IDENTIFIED, on)):
            delta[key] += n
    tally.apply(programme.pk, delta)
    return identified


def _insert_enrolments(columns: tuple[str, ...], rows: Iterator[tuple[object, ...]]) -> int:
    now = timezone.now()
    return insert_rows(Enrolment, (*columns, "created_at"), ((*row, now) for row in rows))


@transaction.atomic
def screen_and_identify(
    *, actor: Actor, programme: Programme, on: datetime.date | None = None
) -> tuple[ScreeningRun, int]:
    """Screen the programme's population and identify everyone newly eligible."""
    run = programme_services.screen(actor=actor, programme=programme, on=on)
    identified = identify_from_run(actor=actor, run=run)
    audit_record(
        actor=actor,
        action="enrolment.identified",
        target=programme,
        summary=f"Identified {identified:,} newly eligible people from screening",
    )
    return run, identified


@transaction.atomic
def enrolment_start(*, actor: Actor, programme: Programme, patient: Patient) -> Enrolment:
    """Identify one person (a referral, say) after checking them against the current rules."""
    today = timezone.localdate()
    outcome, explanation = programme_services.check_person(
        programme=programme, patient=patient, on=today
    )
    if not outcome.eligible:
        raise ValidationError(explanation)
    if (
        Enrolment.objects.filter(programme=programme, patient=patient)
        .exclude(stage=Stage.ENDED)
        .exists()
    ):
        raise ValidationError(f"{patient.full_name} is already enrolling in {programme.name}.")
    circumstances = circumstances_on(patient=patient, on=today)
    site = site_for_organisations(programme=programme, on=today)[
        circumstances.assigned_organisation_id or 0
    ]
    enrolment = Enrolment.objects.create(
        programme=programme,
        site=site,
        patient=patient,
        stage=Stage.IDENTIFIED,
        stage_since=today,
        identified_on=today,
    )
    tally.apply(programme.pk, tally.change(None, tally.Journey.of(enrolment)))
    audit_record(
        actor=actor,
        action="enrolment.started",
        target=enrolment,
        patient_id=patient.pk,
        summary=f"Identified for {programme.name}: {explanation}",
    )
    return enrolment


def _move_errors(
    enrolment: Enrolment,
    to_stage: str,
    on: datetime.date,
    *,
    offer_method: str,
    reason: str,
    note: str,
    way_of_holding: str,
) -> dict[str, str]:
    current = enrolment.stage
    if not stages.is_allowed(current, to_stage):
        label = Stage(to_stage).label if to_stage in Stage.values else to_stage
        return {"to_stage": f"A person at '{Stage(current).label}' cannot move to '{label}'."}
    errors: dict[str, str] = {}
    if on > timezone.localdate():
        errors["on"] = "The date cannot be in the future."
    elif on < enrolment.stage_since:
        errors["on"] = (
            f"The date cannot be before {enrolment.stage_since:%d %B %Y}, when the person "
            f"reached '{Stage(current).label}'."
        )
    if to_stage == Stage.OFFERED and offer_method not in OfferMethod.values:
        errors["offer_method"] = "Say how the offer was made: letter, phone call or in person."
    if to_stage == Stage.DECLINED and reason not in DeclineReason.values:
        errors["reason"] = "Choose why the person declined."
    if to_stage == Stage.ENDED and reason not in EndReason.values:
        errors["reason"] = "Choose why the enrolment ended."
    if stages.is_backward(current, to_stage) and not note.strip():
        errors["note"] = "Moving back a stage needs a reason: say what happened."
    if to_stage in (Stage.PLAN_AGREED, Stage.LIVE):
        way = way_of_holding or enrolment.way_of_holding
        if not way:
            errors["way_of_holding"] = "Choose how the person will hold their budget."
        elif way not in enrolment.programme.ways_of_holding:
            errors["way_of_holding"] = (
                f"{enrolment.programme.name} does not offer: {WayOfHolding(way).label}."
            )
        elif way == WayOfHolding.DIRECT_PAYMENT:
            restriction = circumstances_on(patient=enrolment.patient, on=on).restriction
            if restriction:
                errors["way_of_holding"] = (
                    "The person is under a requirement that rules out a direct payment; "
                    "choose a notional or third-party budget."
                )
    return errors


@transaction.atomic
def enrolment_move(
    *,
    actor: Actor,
    enrolment: Enrolment,
    to_stage: str,
    on: datetime.date | None = None,
    offer_method: str = "",
    reason: str = "",
    note: str = "",
    way_of_holding: str = "",
) -> Move:
    """Move a person to the next stage (or back, with a reason), as recorded on `on`."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("programme", "patient")
        .get(pk=enrolment.pk)
    )
    on = on or timezone.localdate()
    errors = _move_errors(
        enrolment,
        to_stage,
        on,
        offer_method=offer_method,
        reason=reason,
        note=note,
        way_of_holding=way_of_holding,
    )
    if errors:
        raise ValidationError(errors)
    backward = stages.is_backward(enrolment.stage, to_stage)
    move = Move.objects.create(
        enrolment=enrolment,
        from_stage=enrolment.stage,
        to_stage=to_stage,
        on=on,
        backward=backward,
        offer_method=offer_method if to_stage == Stage.OFFERED else "",
        reason=reason if to_stage in (Stage.DECLINED, Stage.ENDED) else "",
        note=note.strip(),
        recorded_by_id=actor.user_id,
        recorded_by_label=actor.label,
    )
    before, counted_before = enrolment.stage, tally.Journey.of(enrolment)
    enrolment.stage = to_stage
    enrolment.stage_since = on
    changed = ["stage", "stage_since"]
    date_field = FIRST_REACHED.get(Stage(to_stage))
    if date_field and getattr(enrolment, date_field) is None:
        setattr(enrolment, date_field, on)
        changed.append(date_field)
    if to_stage == Stage.OFFERED:
        enrolment.offer_method = offer_method
        changed.append("offer_method")
    if to_stage == Stage.DECLINED:
        enrolment.decline_reason = reason
        changed.append("decline_reason")
    if to_stage == Stage.ENDED:
        enrolment.end_reason = reason
        enrolment.ended_on = on
        changed += ["end_reason", "ended_on"]
    if way_of_holding:
        enrolment.way_of_holding = way_of_holding
        changed.append("way_of_holding")
    enrolment.save(update_fields=sorted(set(changed)))
    tally.apply(enrolment.programme_id, tally.change(counted_before, tally.Journey.of(enrolment)))
    audit_record(
        actor=actor,
        action="enrolment.moved_back" if backward else "enrolment.moved",
        target=enrolment,
        patient_id=enrolment.patient_id,
        summary=f"{enrolment.programme.name}: {Stage(before).label} → {Stage(to_stage).label}"
        + (f" ({note.strip()})" if note.strip() else ""),
        changes={"stage": [before, to_stage]},
    )
    return move


@transaction.atomic
def next_action_set(
    *, actor: Actor, enrolment: Enrolment, next_action: str, due: datetime.date | None
) -> Enrolment:
    next_action = " ".join((next_action or "").split())
    errors: dict[str, str] = {}
    if len(next_action) > 200:
        errors["next_action"] = "The next action must be 200 characters or fewer."
    if next_action and due is None:
        errors["due"] = "Say when the next action is due."
    if due is not None and not next_action:
        errors["next_action"] = "Say what the next action is."
    if errors:
        raise ValidationError(errors)
    enrolment.next_action = next_action
    enrolment.next_action_due = due
    enrolment.save(update_fields=["next_action", "next_action_due"])
    audit_record(
        actor=actor,
        action="enrolment.next_action_set",
        target=enrolment,
        patient_id=enrolment.patient_id,
        summary=f"Next action: {next_action} by {due:%d %B %Y}" if due else "Cleared next action",
    )
    return enrolment


@transaction.atomic
def time_record(
    *,
    actor: Actor,
    enrolment: Enrolment,
    activity: str,
    minutes: int,
    on: datetime.date | None = None,
    note: str = "",
) -> TimeEntry:
    """Record the minutes a member of staff spent on a person's enrolment."""
    on = on or timezone.localdate()
    errors: dict[str, str] = {}
    if activity not in Activity.values:
        errors["activity"] = "Choose what the time was spent on."
    if minutes is None or minutes < 1:
        errors["minutes"] = "Enter the minutes spent, 1 or more."
    elif minutes > MAX_MINUTES:
        errors["minutes"] = (
            f"Enter at most {MAX_MINUTES} minutes (12 hours) at a time; record longer work "
            "as separate days."
        )
    if on > timezone.localdate():
        errors["on"] = "The date cannot be in the future."
    elif on < enrolment.identified_on:
        errors["on"] = (
            f"The date cannot be before {enrolment.identified_on:%d %B %Y}, when the person "
            "was identified."
        )
    if errors:
        raise ValidationError(errors)
    entry = TimeEntry.objects.create(
        enrolment=enrolment,
        activity=activity,
        minutes=minutes,
        on=on,
        note=note.strip(),
        recorded_by_id=actor.user_id,
    )
    tally.apply(enrolment.programme_id, tally.minutes(entry, enrolment.site_id))
    audit_record(
        actor=actor,
        action="enrolment.time_recorded",
        target=enrolment,
        patient_id=enrolment.patient_id,
        summary=f"{minutes} minutes of {Activity(activity).label.lower()}",
    )
    return entry


def offer_letter_recorded(*, actor: Actor, enrolment: Enrolment, addressee: str) -> None:
    """Write down that an offer letter naming the person was produced, and for whom."""
    audit_record(
        actor=actor,
        action="enrolment.offer_letter_made",
        target=enrolment,
        patient_id=enrolment.patient_id,
        summary=f"Made an offer letter for {enrolment.programme.name}, addressed to {addressee}",
    )
