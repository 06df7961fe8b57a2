"""Setting up programmes and screening people for them. Validate, save and audit together."""

import datetime
from collections import Counter
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openphb.accounts.selectors import user_organisation_ids
from openphb.audit.services import Actor, audit_record
from openphb.core.db import insert_rows
from openphb.core.identifiers import validate_snomed_code
from openphb.organisations.models import COMMISSIONER_KINDS, Organisation
from openphb.registry.models import Patient, RestrictionKind, Setting
from openphb.registry.selectors import (
    circumstances_on,
    condition_codes_by_patient,
    responsible_people,
    restrictions_on,
    settings_on,
)

from . import rules
from .models import (
    Decision,
    Programme,
    ProgrammeKind,
    Reason,
    RuleSet,
    ScreeningRun,
    Site,
    WayOfHolding,
)
from .selectors import current_rules, rules_of, site_for_organisations

# People eligible for these have a legal right to have a personal health budget: continuing
# healthcare and children's continuing care from 1 October 2014, section 117 aftercare and
# wheelchairs from December 2019.
LEGAL_RIGHT_KINDS = frozenset(
    {
        ProgrammeKind.CONTINUING_HEALTHCARE,
        ProgrammeKind.CHILDRENS_CONTINUING_CARE,
        ProgrammeKind.SECTION_117,
        ProgrammeKind.WHEELCHAIR,
    }
)
MAX_AGE = 125


def _check_owner(actor: Actor, owner: Organisation) -> None:
    if owner.kind not in COMMISSIONER_KINDS:
        raise ValidationError({"owner": "A programme is owned by a commissioning organisation."})
    if actor.user is not None and owner.pk not in user_organisation_ids(user=actor.user):  # type: ignore[arg-type]
        raise ValidationError(
            {"owner": "You can only set up programmes for your own organisation."}
        )


def _programme_errors(
    *, name: str, kind: str, ways_of_holding: list[str], legal_right: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the programme's name."
    elif len(name) > 200:
        errors["name"] = "The name must be 200 characters or fewer."
    if kind not in ProgrammeKind.values:
        errors["kind"] = "Choose the kind of programme."
    if not ways_of_holding:
        errors["ways_of_holding"] = "Choose at least one way people can hold their budget."
    elif not set(ways_of_holding) <= set(WayOfHolding.values):
        errors["ways_of_holding"] = "Choose from notional, third-party and direct payment."
    if kind in LEGAL_RIGHT_KINDS and not legal_right:
        errors["legal_right"] = (
            f"People eligible for {ProgrammeKind(kind).label.lower()} have a legal right to "
            "have a personal health budget."
        )
    return errors


@transaction.atomic
def programme_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    owner: Organisation,
    ways_of_holding: list[str],
    is_pilot: bool = False,
    legal_right: bool = False,
    description: str = "",
) -> Programme:
    name = " ".join((name or "").split())
    errors = _programme_errors(
        name=name, kind=kind, ways_of_holding=ways_of_holding, legal_right=legal_right
    )
    if errors:
        raise ValidationError(errors)
    _check_owner(actor, owner)
    if Programme.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError({"name": f"{owner.name} already has a programme called {name}."})
    programme = Programme.objects.create(
        name=name,
        kind=kind,
        owner=owner,
        ways_of_holding=sorted(set(ways_of_holding)),
        is_pilot=is_pilot,
        legal_right=legal_right,
        description=description.strip(),
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="programme.created",
        target=programme,
        summary=f"Set up {programme.name} ({programme.get_kind_display()})",
    )
    return programme


@transaction.atomic
def site_add(
    *,
    actor: Actor,
    programme: Programme,
    organisation: Organisation,
    go_live_on: datetime.date,
    enrolment_target: int,
) -> Site:
    errors: dict[str, str] = {}
    if organisation.kind not in COMMISSIONER_KINDS:
        errors["organisation"] = "A site is a commissioning organisation."
    elif organisation.opened_on and go_live_on < organisation.opened_on:
        errors["go_live_on"] = (
            f"{organisation.name} opened on {organisation.opened_on:%d %B %Y}; the site cannot "
            "go live before then."
        )
    elif organisation.closed_on and go_live_on > organisation.closed_on:
        errors["go_live_on"] = (
            f"{organisation.name} closed on {organisation.closed_on:%d %B %Y}; the site cannot "
            "go live after then."
        )
    if enrolment_target is None or enrolment_target < 1:
        errors["enrolment_target"] = "The enrolment target must be 1 person or more."
    elif enrolment_target > 1_000_000:
        errors["enrolment_target"] = "The enrolment target must be 1,000,000 people or fewer."
    if programme.sites.filter(organisation=organisation).exists():
        errors["organisation"] = f"{organisation.name} is already a site of this programme."
    if errors:
        raise ValidationError(errors)
    site = Site.objects.create(
        programme=programme,
        organisation=organisation,
        go_live_on=go_live_on,
        enrolment_target=enrolment_target,
    )
    audit_record(
        actor=actor,
        action="programme.site_added",
        target=programme,
        summary=f"Added site {organisation.name}, live from {go_live_on:%d %B %Y}, "
        f"target {enrolment_target}",
    )
    return site


def parse_code_lines(text: str) -> list[tuple[str, str]]:
    """Read 'code description' lines (one a line; '13645005 COPD'), checking every code."""
    codes: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        code, _, display = line.replace(",", " ", 1).partition(" ")
        display = " ".join(display.split())
        try:
            code = validate_snomed_code(code)
        except ValidationError as exc:
            problems.append(f"Line {number}: {exc.messages[0]}")
            continue
        if not display:
            problems.append(f"Line {number}: write the condition's name after the code {code}.")
            continue
        if any(code == seen for seen, _ in codes):
            problems.append(f"Line {number}: the code {code} is listed twice.")
            continue
        codes.append((code, display))
    if problems:
        raise ValidationError({"condition_codes": problems})
    return codes


@transaction.atomic
def rules_publish(
    *,
    actor: Actor,
    programme: Programme,
    condition_codes: list[tuple[str, str]],
    min_age: int | None = None,
    max_age: int | None = None,
    settings: list[str] | None = None,
    exclusions: list[str] | None = None,
    note: str = "",
) -> RuleSet:
    """Publish a new version of a programme's eligibility rules (earlier versions stay)."""
    settings, exclusions = sorted(set(settings or [])), sorted(set(exclusions or []))
    errors: dict[str, str] = {}
    for field, value in (("min_age", min_age), ("max_age", max_age)):
        if value is not None and not 0 <= value <= MAX_AGE:
            errors[field] = f"Ages must be between 0 and {MAX_AGE}."
    if min_age is not None and max_age is not None and min_age > max_age and not errors:
        errors["max_age"] = "The maximum age must be the same as or above the minimum age."
    if not set(settings) <= set(Setting.values):
        errors["settings"] = "Choose settings from the list."
    if not set(exclusions) <= set(RestrictionKind.values):
        errors["exclusions"] = "Choose requirements from the list."
    for code, _display in condition_codes:
        validate_snomed_code(code)
    if errors:
        raise ValidationError(errors)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    previous = current_rules(programme=programme)
    rule_set = RuleSet.objects.create(
        programme=programme,
        version=(previous.version + 1) if previous else 1,
        condition_codes=[[code, display] for code, display in condition_codes],
        min_age=min_age,
        max_age=max_age,
        settings=settings,
        exclusions=exclusions,
        note=note.strip(),
        created_by_id=actor.user_id,
    )
    audit_record(
        actor=actor,
        action="programme.rules_published",
        target=programme,
        summary=f"Published eligibility rules version {rule_set.version}",
        changes={"codes": [code for code, _ in condition_codes], "ages": [min_age, max_age]},
    )
    return rule_set


def ensure_ready_to_screen(programme: Programme) -> RuleSet:
    rule_set = current_rules(programme=programme)
    if rule_set is None:
        raise ValidationError("Publish the programme's eligibility rules before screening.")
    if not programme.sites.exists():
        raise ValidationError("Add at least one site before screening.")
    return rule_set


@transaction.atomic
def screen(*, actor: Actor, programme: Programme, on: datetime.date | None = None) -> ScreeningRun:
    """Apply the current rules to everyone the programme's sites cover, recording a decision for
    each person. All or nothing: a run that fails leaves no decisions behind."""
    on = on or timezone.localdate()
    rule_set = ensure_ready_to_screen(programme)
    run = ScreeningRun.objects.create(
        programme=programme,
        rule_set=rule_set,
        screened_on=on,
        run_by_id=actor.user_id,
        run_by_label=actor.label,
    )
    the_rules = rules_of(rule_set, programme)
    covering = site_for_organisations(programme=programme, on=on)
    codes = condition_codes_by_patient(codes=set(the_rules.codes))
    settings = settings_on(on=on) if the_rules.settings else {}
    restrictions = restrictions_on(on=on) if the_rules.exclusions else {}
    screened: Counter[int] = Counter()
    eligible: Counter[int] = Counter()
    no_codes: frozenset[str] = frozenset()

    def decisions() -> Iterator[tuple[object, ...]]:
        people = responsible_people(organisation_ids=set(covering), on=on)
        for patient_id, born, died, organisation_id in people:
            outcome = rules.evaluate(
                the_rules,
                rules.Facts(
                    date_of_birth=born,
                    date_of_death=died,
                    codes=frozenset(codes.get(patient_id, no_codes)),
                    setting=settings.get(patient_id),
                    restriction=restrictions.get(patient_id),
                ),
                on,
            )
            site_id = covering[organisation_id].pk
            screened[site_id] += 1
            eligible[site_id] += outcome.eligible
            yield (
                run.pk,
                patient_id,
                site_id,
                outcome.eligible,
                outcome.age,
                outcome.condition_code,
                outcome.setting,
                outcome.reason_text,
            )

    columns = (
        "run",
        "patient",
        "site",
        "eligible",
        "age",
        "condition_code",
        "setting",
        "reasons",
    )
    insert_rows(Decision, columns, decisions())
    run.screened = sum(screened.values())
    run.eligible = sum(eligible.values())
    run.by_site = {
        str(site_id): {"screened": screened[site_id], "eligible": eligible[site_id]}
        for site_id in screened
    }
    run.status = ScreeningRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["screened", "eligible", "by_site", "status", "finished_at"])
    audit_record(
        actor=actor,
        action="programme.screened",
        target=programme,
        summary=f"Screened {run.screened:,} people with rules version {rule_set.version}: "
        f"{run.eligible:,} eligible",
    )
    return run


def check_person(
    *, programme: Programme, patient: Patient, on: datetime.date | None = None
) -> tuple[rules.Outcome, str]:
    """Apply the current rules to one person now and say why, without recording anything."""
    on = on or timezone.localdate()
    rule_set = ensure_ready_to_screen(programme)
    the_rules = rules_of(rule_set, programme)
    facts = circumstances_on(patient=patient, on=on)
    covering = site_for_organisations(programme=programme, on=on)
    site = covering.get(facts.assigned_organisation_id or 0)
    outcome = rules.evaluate(
        the_rules,
        rules.Facts(
            date_of_birth=patient.date_of_birth,
            date_of_death=patient.date_of_death,
            codes=facts.codes,
            setting=facts.setting,
            restriction=facts.restriction,
        ),
        on,
    )
    if site is None:
        outcome = rules.Outcome(
            eligible=False,
            age=outcome.age,
            condition_code=outcome.condition_code,
            setting=outcome.setting,
            reasons=(Reason.NOT_COVERED, *outcome.reasons),
        )
    text = rules.explain(
        eligible=outcome.eligible,
        age=outcome.age,
        condition_code=outcome.condition_code,
        setting=outcome.setting,
        reasons=outcome.reasons,
        codes=the_rules.codes,
        site_name=site.organisation.name if site else "",
        setting_rule=bool(the_rules.settings),
    )
    return outcome, text
